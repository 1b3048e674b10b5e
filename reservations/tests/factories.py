"""Factories for reservations: rows straight into the database, or a grab through the service."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import CustomerFactory
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import AuctionFactory
from reservations import services
from reservations.models import Reservation, ReservationStatus


class ReservationFactory(factory.django.DjangoModelFactory[Reservation]):
    """A live reservation of a SOLD auction, written directly (no grab, no lock)."""

    class Meta:
        model = Reservation

    class Params:
        no_show = factory.Trait(
            status=ReservationStatus.NO_SHOW,
            no_show_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1)),
        )

    auction = factory.SubFactory(AuctionFactory, status=AuctionStatus.SOLD, seats_sold=1)
    user = factory.SubFactory(CustomerFactory)
    seat_no = 1
    locked_price = Decimal("450.00")
    booking_code = factory.LazyFunction(services.new_booking_code)
    status = ReservationStatus.PENDING_ON_SITE


def grab(user: User | None, auction: Auction, **options: Any) -> Reservation:
    """The real grab by `user` (a fresh customer if None); returns the new reservation."""
    reservation, created = services.reservation_create(
        user=user or CustomerFactory.create(), auction_id=auction.pk, **options
    )
    assert created
    return reservation


def strike(user: User, *, days_ago: float, **fields) -> Reservation:
    """A no-show marked `days_ago`, of a class an hour before that."""
    marked = timezone.now() - timedelta(days=days_ago)
    return ReservationFactory.create(
        user=user, no_show=True, no_show_at=marked, auction__now=marked - timedelta(hours=4), **fields
    )
