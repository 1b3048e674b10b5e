"""Deleting the account does not end a booking suspension (issue 12, item 5).

Deleting a suspended account and registering again with the same email and phone reset the
no-show strikes. A keyed hash of the suspended account's normalized email and phone is kept
until the suspension ends, and a new account that matches cannot book until then.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import SuspendedIdentity, User
from accounts.services import user_forgive_strikes
from accounts.tasks import purge_suspended_identities
from accounts.tests.factories import DEFAULT_PASSWORD, CustomerFactory
from auctions.tests.factories import make_auction
from conftest import authenticate
from reservations.models import Reservation
from reservations.tests.factories import ReservationFactory

pytestmark = pytest.mark.django_db

ME = reverse("auth-me")
EMAIL, PHONE = "ayse.yilmaz@example.com", "+905551112233"


def strike(user: User, *, days_ago: float) -> Reservation:
    marked = timezone.now() - timedelta(days=days_ago)
    return ReservationFactory.create(
        user=user, no_show=True, no_show_at=marked, auction__now=marked - timedelta(hours=4)
    )


def delete_account(api_client, user: User) -> None:
    response = authenticate(api_client, user).delete(ME, {"password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 204


def register_again(api_client, *, email: str = EMAIL, phone: str = "0555 111 22 33") -> User:
    api_client.credentials()
    payload = {
        "email": email,
        "password": "Moda-kadikoy-2026",
        "full_name": "Ayşe Yılmaz",
        "phone": phone,
        "gender": "FEMALE",
    }
    response = api_client.post(reverse("auth-register"), payload, format="json")
    assert response.status_code == 201, response.json()
    user = User.objects.get(pk=response.json()["id"])
    User.objects.filter(pk=user.pk).update(is_verified=True)
    user.refresh_from_db()
    return user


def grab(api_client, user: User):
    return authenticate(api_client, user).post(
        reverse("reservation-list"), {"auction_id": make_auction().pk}, format="json"
    )


@pytest.fixture
def suspended() -> User:
    customer = CustomerFactory.create(email=EMAIL, phone=PHONE)
    for days in (50, 20, 5):
        strike(customer, days_ago=days)
    return customer


@pytest.mark.parametrize(
    ("email", "phone"),
    [
        pytest.param(EMAIL, "0555 999 88 77", id="same-email"),
        pytest.param("Ayse.Yilmaz+again@Example.com", "0555 999 88 77", id="same-email-tagged"),
        pytest.param("someone.else@example.com", "0555 111 22 33", id="same-phone"),
    ],
)
def test_a_new_account_of_a_deleted_suspended_one_cannot_book(api_client, suspended, email, phone):
    # given
    delete_account(api_client, suspended)

    # when
    again = register_again(api_client, email=email, phone=phone)
    response = grab(api_client, again)

    # then
    assert response.status_code == 403, response.json()
    assert response.json()["code"] == "booking_suspended"
    me = authenticate(api_client, again).get(ME).json()
    assert me["booking_suspended_until"] is not None


def test_the_fingerprint_is_not_the_address_nor_the_number(api_client, suspended):
    delete_account(api_client, suspended)

    kept = list(SuspendedIdentity.objects.values_list("fingerprint", flat=True))

    assert len(kept) == 2
    assert not any(EMAIL in value or PHONE in value or "5551112233" in value for value in kept)


def test_the_suspension_carried_over_ends_when_the_original_would_have(api_client, suspended):
    # given the oldest counting strike (50 days ago) ages out 40 days from now
    delete_account(api_client, suspended)
    again = register_again(api_client)

    assert again.inherited_suspension_until is not None
    expected = timezone.now() + timedelta(days=40)
    assert abs(again.inherited_suspension_until - expected) < timedelta(minutes=1)


def test_a_deleted_account_that_was_not_suspended_leaves_nothing_behind(api_client):
    customer = CustomerFactory.create(email=EMAIL, phone=PHONE)
    strike(customer, days_ago=5)
    delete_account(api_client, customer)

    again = register_again(api_client)

    assert not SuspendedIdentity.objects.exists()
    assert grab(api_client, again).status_code == 201


def test_fingerprints_are_forgotten_once_the_suspension_ends(api_client, suspended):
    delete_account(api_client, suspended)
    SuspendedIdentity.objects.update(suspended_until=timezone.now() - timedelta(seconds=1))

    assert purge_suspended_identities() == 2
    assert grab(api_client, register_again(api_client)).status_code == 201


def test_lifting_the_suspension_lifts_the_carried_over_one_too(api_client, suspended):
    delete_account(api_client, suspended)
    again = register_again(api_client)

    user_forgive_strikes(user=again)

    assert grab(api_client, again).status_code == 201
