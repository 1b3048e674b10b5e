"""No admin lookup reaches a secret, and a manager filters only by the filters on the page.

A manager could filter the customers on `calendar_token__regex=^...` and read a customer's private
feed token off the changelist one character at a time (issue 12, item 1).
"""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Studio
from accounts.tests.admin_helpers import admin_url, logged_in, two_studios
from auctions.models import Auction
from reservations.models import Reservation
from reservations.tests.factories import ReservationFactory

User = get_user_model()

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    studios = two_studios()
    reservation = ReservationFactory.create(auction__studio=studios.a)
    return studios, reservation


# Each admin a manager can open, with lookups outside its filters; the secret ones first.
REFUSED = [
    (User, "calendar_token__regex=^A"),
    (User, "calendar_token__startswith=A"),
    (User, "password__startswith=md5"),
    (User, "is_staff__exact=1"),
    (Studio, "name__regex=^A"),
    (Studio, "managers__password__startswith=md5"),
    (Auction, "title__regex=^R"),
    (Auction, "reservations__user__calendar_token__regex=^A"),
    (Reservation, "user__calendar_token__startswith=A"),
    (Reservation, "user__password__regex=^md5"),
    (Reservation, "booking_code__regex=^HOT"),
]


@pytest.mark.parametrize(("model", "query"), REFUSED)
def test_a_manager_cannot_filter_outside_the_page_filters(client, world, model, query):
    studios, _reservation = world

    response = logged_in(client, studios.manager_a).get(f"{admin_url(model, 'changelist')}?{query}")

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("model", "query"),
    [
        (User, "gender__exact=FEMALE"),
        (Auction, "allowed_gender__exact=ANY"),
        (Auction, "turbo_enabled__exact=0"),
        (Auction, "scheduled_at__year=2026"),
        (Reservation, "status__exact=PENDING_ON_SITE"),
        (Reservation, "auction__scheduled_at__gte=2026-01-01+00%3A00%3A00%2B00%3A00"),
        (User, "q=example.com"),
    ],
)
def test_a_manager_still_uses_the_page_filters(client, world, model, query):
    studios, _reservation = world

    response = logged_in(client, studios.manager_a).get(f"{admin_url(model, 'changelist')}?{query}")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    ["calendar_token__regex=^A", "password__startswith=md5", "reservations__user__calendar_token=x"],
)
def test_not_even_a_superuser_filters_on_a_secret(admin_client, world, query):
    response = admin_client.get(f"{admin_url(User, 'changelist')}?{query}")

    assert response.status_code == 400
