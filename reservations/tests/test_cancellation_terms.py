"""Messages that never mislead: when free cancellation ends is on every reservation (API, grab,
/ws/me/) and on the auction before the grab, and the confirmation email says it, or that it has
ended; a customer grabbing a spot they already hold is told so, not that someone else got it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import CustomerFactory
from auctions.models import Auction
from auctions.tests.factories import make_auction, minutes
from conftest import authenticate
from reservations import services
from reservations.tests.factories import grab

pytestmark = pytest.mark.django_db

GRAB = reverse("reservation-list")


def iso(moment) -> str:
    """How the API writes a time (DRF: in the current time zone, with its offset)."""
    return timezone.localtime(moment).isoformat()


def class_in(hours: float) -> Auction:
    """Open for 100 minutes, closing in 20; its class `hours` from now."""
    now = timezone.now()
    return make_auction(now=now, start_time=now - minutes(100), scheduled_at=now + timedelta(hours=hours))


def test_the_grab_answer_says_until_when_it_can_be_cancelled_free(customer_client):
    auction = class_in(hours=24)

    response = customer_client.post(GRAB, {"auction_id": auction.pk}, format="json")

    assert response.status_code == 201
    expected = auction.scheduled_at - timedelta(minutes=settings.HOTHOUR_CANCEL_CUTOFF_MINUTES)
    assert response.json()["cancellable_until"] == iso(expected)


def test_the_auction_says_it_before_the_grab(api_client):
    auction = class_in(hours=1)  # inside the two-hour cutoff already

    body = api_client.get(reverse("auction-detail", args=[auction.pk])).json()

    until = timezone.datetime.fromisoformat(body["cancellable_until"])
    assert until < timezone.now()  # the app can say "no free cancellation" on the grab button


def test_every_listed_reservation_carries_it(customer, customer_client):
    grab(customer, class_in(hours=24))

    rows = customer_client.get(GRAB).json()["results"]

    assert [bool(row["cancellable_until"]) for row in rows] == [True]


def test_the_confirmation_email_says_when_free_cancellation_has_already_ended(
    customer, django_capture_on_commit_callbacks
):
    customer.language = "en"
    customer.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        grab(customer, class_in(hours=1))

    message = mail.outbox[-1]
    assert "Free cancellation for this class ended at" in message.body
    assert "Free cancellation for this class ended at" in message.alternatives[0][0]


def test_grabbing_a_spot_you_already_hold_says_so(customer):
    auction = class_in(hours=24)
    grab(customer, auction)
    client = authenticate(APIClient(), customer)

    response = client.post(GRAB, {"auction_id": auction.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert response.json() == {"code": "already_booked", "detail": "You already have this spot."}


def test_someone_else_holding_the_spot_is_still_auction_sold(customer):
    auction = class_in(hours=24)
    grab(CustomerFactory.create(), auction)

    with pytest.raises(services.AuctionSold):
        services.reservation_create(user=customer, auction_id=auction.pk)
