"""Deleting one's account: the person is erased, the studio's books are kept, open spots go back on sale."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, ManagerFactory
from accounts.tests.utils import bearer, login, post
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import make_auction, minutes
from reservations.models import CancelledBy, Notification, NotificationKind, Reservation, ReservationStatus
from reservations.tests.factories import ReservationFactory, grab

pytestmark = pytest.mark.django_db

ME = reverse("auth-me")


def delete_me(client, password: str | None = DEFAULT_PASSWORD):
    return client.delete(ME, {} if password is None else {"password": password}, format="json")


def outside_the_cutoff() -> Auction:
    """Open now; the class tomorrow, so a booking of it may still be cancelled."""
    now = timezone.now()
    return make_auction(now=now, start_time=now - minutes(70), scheduled_at=now + timedelta(days=1))


def inside_the_cutoff() -> Auction:
    """Open for 20 more minutes; the class in an hour, past the 120-minute cancellation cutoff."""
    now = timezone.now()
    return make_auction(now=now, start_time=now - minutes(100), scheduled_at=now + minutes(60))


@dataclass(frozen=True)
class Bookings:
    cancellable: Reservation
    too_late_to_cancel: Reservation
    attended: Reservation

    def all(self) -> list[Reservation]:
        return [self.cancellable, self.too_late_to_cancel, self.attended]


@pytest.fixture
def bookings(customer) -> Bookings:
    return Bookings(
        cancellable=grab(customer, outside_the_cutoff()),
        too_late_to_cancel=grab(customer, inside_the_cutoff()),
        attended=ReservationFactory.create(
            user=customer,
            status=ReservationStatus.COMPLETED,
            locked_price=Decimal("275.50"),
            auction__now=timezone.now() - timedelta(days=10),
        ),
    )


def reservation_rows() -> list[dict[str, Any]]:
    return [dict(row) for row in Reservation.objects.order_by("pk").values()]


# --- refused --------------------------------------------------------------------------------------


def test_delete_with_a_wrong_password_is_refused_and_changes_nothing(customer, customer_client, bookings):
    # given
    before = (User.objects.filter(pk=customer.pk).values().get(), reservation_rows())

    # when
    response = delete_me(customer_client, "not-my-password")

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == ["password"]
    assert (User.objects.filter(pk=customer.pk).values().get(), reservation_rows()) == before
    assert customer_client.get(ME).status_code == 200


def test_delete_without_a_password_is_refused(customer_client):
    response = delete_me(customer_client, password=None)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["password"]


def test_delete_requires_authentication(api_client):
    response = delete_me(api_client)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- the person is erased -------------------------------------------------------------------------


def test_delete_erases_the_person(customer, customer_client):
    # given
    grab(customer, make_auction())
    before = User.objects.get(pk=customer.pk)
    assert Notification.objects.filter(user=customer).exists()

    # when
    response = delete_me(customer_client)

    # then
    assert response.status_code == 204
    customer.refresh_from_db()
    assert customer.email == f"deleted-{customer.pk}@deleted.invalid"
    assert customer.full_name not in ("", before.full_name)
    assert customer.phone is None
    assert customer.gender == ""
    assert customer.is_active is False
    assert customer.is_verified is False
    assert not customer.has_usable_password()
    assert customer.calendar_token != before.calendar_token
    assert not Notification.objects.filter(user=customer).exists()


def test_deleted_account_cannot_sign_in_refresh_or_use_its_access_token(customer, api_client):
    # given: a session opened with a login
    tokens = login(api_client, customer.email, DEFAULT_PASSWORD).json()

    # when
    response = api_client.delete(
        ME, {"password": DEFAULT_PASSWORD}, format="json", **bearer(tokens["access"])
    )

    # then
    assert response.status_code == 204
    signin = login(api_client, customer.email, DEFAULT_PASSWORD)
    assert signin.status_code == 401
    assert signin.json()["code"] == "invalid_credentials"
    assert post(api_client, "auth-refresh", {"refresh": tokens["refresh"]}).status_code == 401
    assert api_client.get(ME, **bearer(tokens["access"])).status_code == 401


def test_deleted_accounts_calendar_feed_is_gone(customer, customer_client, api_client):
    grab(customer, outside_the_cutoff())
    feed = customer_client.get(ME).json()["calendar_feed_url"]
    assert api_client.get(feed).status_code == 200

    delete_me(customer_client)

    response = api_client.get(feed)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_email_and_phone_of_a_deleted_account_can_register_again(customer, customer_client, api_client):
    email, phone = customer.email, customer.phone
    delete_me(customer_client)

    response = post(
        api_client,
        "auth-register",
        {
            "email": email.upper(),
            "password": "Moda-kadikoy-2026",
            "full_name": "Someone New",
            "phone": phone,
            "gender": "MALE",
        },
    )

    assert response.status_code == 201, response.json()
    assert response.json()["email"] == email
    assert response.json()["id"] != customer.pk
    assert User.objects.filter(email=email).get().phone == phone


# --- the studio's books are kept ------------------------------------------------------------------


def test_delete_keeps_the_reservations_and_puts_cancellable_spots_back_on_sale(
    customer, customer_client, bookings
):
    # given
    manager = ManagerFactory.create(studio=bookings.cancellable.auction.studio)
    prices = {r.pk: r.locked_price for r in bookings.all()}

    # when
    response = delete_me(customer_client)

    # then: every reservation is still there, still the customer's, at its price
    assert response.status_code == 204
    kept = {r.pk: r for r in Reservation.objects.filter(user=customer)}
    assert set(kept) == set(prices)
    assert {pk: r.locked_price for pk, r in kept.items()} == prices
    # the class tomorrow is cancelled and back on sale, to someone else
    released = kept[bookings.cancellable.pk]
    assert released.status == ReservationStatus.CANCELLED
    assert released.cancelled_by == CancelledBy.CUSTOMER
    released.auction.refresh_from_db()
    assert released.auction.status == AuctionStatus.ACTIVE
    assert grab(None, released.auction).auction_id == released.auction_id
    assert Notification.objects.filter(user=manager, kind=NotificationKind.CUSTOMER_CANCELLED).count() == 1
    # the class within the cutoff stays booked: the studio is counting on the spot
    too_late = kept[bookings.too_late_to_cancel.pk]
    assert too_late.status == ReservationStatus.PENDING_ON_SITE
    too_late.auction.refresh_from_db()
    assert too_late.auction.status == AuctionStatus.SOLD
    # history is untouched
    assert kept[bookings.attended.pk].status == ReservationStatus.COMPLETED


# --- the profile ----------------------------------------------------------------------------------


def test_profile_language_decides_the_language_of_emails(customer, customer_client, after_commit):
    response = customer_client.patch(ME, {"language": "en"}, format="json")

    assert response.status_code == 200
    assert response.json()["language"] == "en"
    with after_commit():
        reservation = grab(User.objects.get(pk=customer.pk), make_auction(title="Reformer pilates"))
    (message,) = mail.outbox
    assert message.subject == f"Your spot at Reformer pilates: {reservation.booking_code}"


def test_profile_language_must_be_one_we_speak(customer, customer_client):
    response = customer_client.patch(ME, {"language": "de"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["language"]
    customer.refresh_from_db()
    assert customer.language == "tr"
