"""Demo reservations: seats of the multi-seat demo classes booked by the demo customers.

A sold-out class, one partly booked, one that expired with seats booked, and one the studio
cancelled after customers had booked seats (they were told). Safe to run twice.
"""

from contextlib import suppress
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Studio, User
from auctions import demo as auction_demo
from auctions import services as auction_services
from auctions.models import Auction, AuctionStatus
from auctions.pricing import PriceSettings, price_at
from core.errors import DomainError

from . import services
from .models import Reservation

OPEN = (AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE)


@transaction.atomic
def seed_reservations(studio: Studio, customers: list[User]) -> None:
    ayse, zeynep, mehmet, can = customers[:4]
    cancelled = auction_demo.demo_auction(studio, auction_demo.CANCELLED_WITH_SEATS_TITLE, *OPEN)
    if cancelled is not None:
        _grab_seats(cancelled, [zeynep, can])
        auction_services.auction_cancel(auction_id=cancelled.pk)
    sold = auction_demo.demo_auction(studio, auction_demo.SOLD_TITLE, *OPEN)
    if sold is not None:
        _grab_seats(sold, [ayse, zeynep, mehmet])
    partly = auction_demo.demo_auction(studio, auction_demo.PARTLY_BOOKED_TITLE, *OPEN)
    if partly is not None:
        _grab_seats(partly, [can])
    expired = auction_demo.demo_auction(studio, auction_demo.EXPIRED_TITLE, AuctionStatus.EXPIRED)
    if expired is not None and not expired.seats_sold:
        _booked_while_open(expired, [ayse, mehmet])


def _grab_seats(auction: Auction, customers: list[User]) -> None:
    for customer in customers:
        # Booked on an earlier run, or refused as any customer would be: the demo goes on.
        with suppress(DomainError):
            services.reservation_create(user=customer, auction_id=auction.pk)


def _booked_while_open(auction: Auction, customers: list[User]) -> None:
    """Seats sold while the class was still on sale: a grab books only at the present instant,
    so these are written as it would have written them, at the price of their instant."""
    settings = PriceSettings.of(auction)
    bookings = []
    for seat_no, customer in enumerate(customers, start=1):
        at = auction.start_time + timedelta(minutes=40 * seat_no)
        bookings.append(
            Reservation(
                auction=auction,
                user=customer,
                seat_no=seat_no,
                locked_price=price_at(settings, at),
                booking_code=services.new_booking_code(),
                reserved_at=min(at, timezone.now()),
            )
        )
    Reservation.objects.bulk_create(bookings)
    Auction.objects.filter(pk=auction.pk).update(seats_sold=len(bookings))
