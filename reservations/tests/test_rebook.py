"""A customer who cancels cannot grab the same auction again (409 `rebook_not_allowed`).

Otherwise: book at 500, hold the spot (sold to everyone else), cancel and re-book at 400.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from auctions.models import Auction
from auctions.tests.factories import make_auction, minutes
from conftest import authenticate
from reservations import services
from reservations.models import Reservation, ReservationStatus
from reservations.tests.factories import grab

pytestmark = pytest.mark.django_db

GRAB = reverse("reservation-list")


def cancellable_auction() -> Auction:
    now = timezone.now()
    start = now - minutes(70)
    return make_auction(now=now, start_time=start, scheduled_at=start + minutes(120 + 24 * 60))


def test_a_customer_who_cancelled_cannot_grab_the_same_auction_again(customer, customer_client):
    # given
    auction = cancellable_auction()
    reservation = grab(customer, auction)
    services.reservation_cancel_by_customer(user=customer, reservation_id=reservation.pk)

    # when
    response = customer_client.post(GRAB, {"auction_id": auction.pk}, format="json")

    # then
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "rebook_not_allowed"
    assert response.json()["detail"]
    assert (
        Reservation.objects.filter(auction=auction).exclude(status=ReservationStatus.CANCELLED).count() == 0
    )


def test_the_relisted_spot_is_still_for_sale_to_others(customer, api_client):
    auction = cancellable_auction()
    services.reservation_cancel_by_customer(user=customer, reservation_id=grab(customer, auction).pk)

    response = authenticate(api_client, CustomerFactory()).post(
        GRAB, {"auction_id": auction.pk}, format="json"
    )

    assert response.status_code == 201, response.json()


def test_a_cancellation_by_the_studio_does_not_count(customer, customer_client):
    auction = cancellable_auction()
    services.reservation_cancel_by_studio(reservation_id=grab(customer, auction).pk)

    response = customer_client.post(GRAB, {"auction_id": auction.pk}, format="json")

    assert response.status_code == 201, response.json()


def test_rebook_is_checked_before_the_spot_being_sold(customer, customer_client):
    # given the customer cancelled, and someone else bought the relisted spot
    auction = cancellable_auction()
    services.reservation_cancel_by_customer(user=customer, reservation_id=grab(customer, auction).pk)
    grab(None, auction)

    # when
    response = customer_client.post(GRAB, {"auction_id": auction.pk}, format="json")

    # then: the order of DESIGN section 3 (this customer and auction, then the auction now)
    assert response.status_code == 409
    assert response.json()["code"] == "rebook_not_allowed"
