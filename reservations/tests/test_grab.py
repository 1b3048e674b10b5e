"""The grab through the API (`POST reservations/`): the price of the instant, or one clear refusal."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from accounts.models import Gender
from accounts.tests.factories import CustomerFactory
from auctions import pricing
from auctions.models import AllowedGender, Auction, AuctionStatus
from auctions.tests.factories import (
    make_auction,
    make_cancelled_auction,
    make_expired_auction,
    minutes,
)
from conftest import authenticate
from reservations import services
from reservations.models import Reservation, ReservationStatus
from reservations.tests.factories import ReservationFactory, grab

pytestmark = pytest.mark.django_db

GRAB = reverse("reservation-list")
BOOKING_CODE = re.compile(r"^HOT-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$")


def post_grab(client: APIClient, data: dict[str, Any], key: str | None = None):
    extra: dict[str, Any] = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(GRAB, data, format="json", **extra)


def rows() -> tuple[list[Any], list[Any]]:
    return list(Auction.objects.order_by("pk").values()), list(Reservation.objects.order_by("pk").values())


@contextmanager
def nothing_changes() -> Iterator[None]:
    """A refused grab leaves every auction row as it was and creates no reservation."""
    before = rows()
    yield
    assert rows() == before


def assert_refused(response, status: int, code: str) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code
    assert body["detail"]
    return body


def test_grab_books_the_spot_at_the_live_price(customer, customer_client):
    # given: one drop since the opening; the cached price was never refreshed
    now = timezone.now()
    auction = make_auction(now=now, start_time=now - minutes(70))
    Auction.objects.filter(pk=auction.pk).update(current_price=auction.start_price)

    # when
    response = post_grab(customer_client, {"auction_id": auction.pk, "expected_price": "450.00"})

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert BOOKING_CODE.match(body["booking_code"])
    assert body["locked_price"] == "450.00"
    assert body["status"] == ReservationStatus.PENDING_ON_SITE
    assert (body["auction_id"], body["user_id"]) == (auction.pk, customer.pk)
    assert body["auction"]["id"] == auction.pk
    assert parse_datetime(body["auction"]["scheduled_at"]) == auction.scheduled_at
    assert body["studio"]["id"] == auction.studio.pk
    assert "Idempotent-Replayed" not in response.headers
    reservation = Reservation.objects.get()
    assert (reservation.pk, reservation.user, reservation.locked_price) == (
        body["id"],
        customer,
        Decimal("450.00"),
    )
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.SOLD
    assert auction.current_price == Decimal("450.00")
    assert auction.next_change_at is None


def test_grab_locks_the_price_of_the_grab_instant(customer_client):
    # given: a price falling by one lira every minute
    now = timezone.now()
    auction = make_auction(
        now=now,
        start_time=now - minutes(30.5),
        drop_amount=Decimal("1.00"),
        drop_interval_mins=1,
    )
    settings = pricing.PriceSettings.of(auction)

    # when
    before = timezone.now()
    response = post_grab(customer_client, {"auction_id": auction.pk})
    after = timezone.now()

    # then
    assert response.status_code == 201, response.json()
    locked = Decimal(response.json()["locked_price"])
    assert pricing.price_at(settings, before) >= locked >= pricing.price_at(settings, after)
    assert locked < auction.start_price
    assert before <= parse_datetime(response.json()["reserved_at"]) <= after


def test_booking_codes_are_unique_per_grab():
    codes = {grab(None, make_auction()).booking_code for _ in range(10)}

    assert len(codes) == 10
    assert all(BOOKING_CODE.match(code) for code in codes)


def test_booking_code_drops_random_bytes_that_would_favour_some_letters(monkeypatch):
    # given: 248..255 would map onto the first 8 letters a ninth time; the first draw is short of 6
    draws = iter([bytes([248, 0, 255, 30, 31, 250, 247, 249, 251, 252, 253, 254]), bytes(range(1, 13))])
    monkeypatch.setattr(services.secrets, "token_bytes", lambda n: next(draws))

    # when
    code = services.new_booking_code()

    # then: 0 -> A, 30 -> 9, 31 -> A, 247 -> 9 from the first draw, then 1 -> B, 2 -> C
    assert code == "HOT-A9A9BC"


def test_a_booking_code_collision_draws_another_code(monkeypatch, customer_client):
    # given: the code generator first hands out a code that is already taken
    taken = grab(None, make_auction()).booking_code
    codes = iter([taken, "HOT-ABC234"])
    monkeypatch.setattr(services, "new_booking_code", lambda: next(codes))
    auction = make_auction()

    # when
    response = post_grab(customer_client, {"auction_id": auction.pk})

    # then
    assert response.status_code == 201, response.json()
    assert response.json()["booking_code"] == "HOT-ABC234"
    assert Reservation.objects.filter(booking_code=taken).count() == 1


def test_grab_of_a_missing_auction_is_not_found(customer_client):
    make_auction()

    with nothing_changes():
        response = post_grab(customer_client, {"auction_id": 987654})

    assert_refused(response, 404, "not_found")


def test_grab_of_a_draft_is_not_found(customer_client):
    draft = make_auction(publish=False)

    with nothing_changes():
        response = post_grab(customer_client, {"auction_id": draft.pk})

    assert_refused(response, 404, "not_found")


def _scheduled() -> Auction:
    now = timezone.now()
    return make_auction(now=now, start_time=now + minutes(30))


def _past_end_without_a_tick() -> Auction:
    """Still ACTIVE in the database, but its window closed a minute ago and no tick has run."""
    auction = make_auction()
    Auction.objects.filter(pk=auction.pk).update(end_time=timezone.now() - minutes(1))
    return auction


@pytest.mark.parametrize(
    "make",
    [_scheduled, make_expired_auction, make_cancelled_auction, _past_end_without_a_tick],
    ids=["scheduled", "expired", "cancelled", "active_after_end_without_a_tick"],
)
def test_grab_outside_the_open_window_is_refused(customer_client, make):
    auction = make()

    with nothing_changes():
        response = post_grab(customer_client, {"auction_id": auction.pk})

    assert_refused(response, 409, "auction_not_active")


def test_grab_of_a_sold_auction_is_refused(customer_client):
    auction = make_auction()
    grab(None, auction)

    with nothing_changes():
        response = post_grab(customer_client, {"auction_id": auction.pk})

    assert_refused(response, 409, "auction_sold")


def test_grab_by_an_unverified_customer_is_refused(api_client):
    auction = make_auction()
    client = authenticate(api_client, CustomerFactory(is_verified=False))

    with nothing_changes():
        response = post_grab(client, {"auction_id": auction.pk})

    assert_refused(response, 403, "email_not_verified")


def test_grab_by_a_studio_manager_is_refused(api_client, manager):
    auction = make_auction()
    client = authenticate(api_client, manager)

    with nothing_changes():
        response = post_grab(client, {"auction_id": auction.pk})

    assert_refused(response, 403, "staff_cannot_book")


@pytest.mark.parametrize(
    ("allowed", "gender"),
    [(AllowedGender.MALE, Gender.FEMALE), (AllowedGender.FEMALE, Gender.MALE), (AllowedGender.MALE, "")],
    ids=["woman_at_men_only", "man_at_women_only", "unstated_at_men_only"],
)
def test_grab_by_a_gender_the_class_is_not_open_to_is_refused(api_client, allowed, gender):
    auction = make_auction(allowed_gender=allowed)
    client = authenticate(api_client, CustomerFactory(gender=gender))

    with nothing_changes():
        response = post_grab(client, {"auction_id": auction.pk})

    assert_refused(response, 403, "gender_not_allowed")


def test_grab_of_a_class_for_ones_own_gender_succeeds(api_client):
    auction = make_auction(allowed_gender=AllowedGender.MALE)
    client = authenticate(api_client, CustomerFactory(gender=Gender.MALE))

    assert post_grab(client, {"auction_id": auction.pk}).status_code == 201


def test_grab_by_a_customer_with_too_many_recent_no_shows_is_refused(settings, customer, customer_client):
    # given
    assert settings.HOTHOUR_NO_SHOW_LIMIT == 3
    ReservationFactory.create_batch(settings.HOTHOUR_NO_SHOW_LIMIT, user=customer, no_show=True)
    auction = make_auction()

    # when
    with nothing_changes():
        response = post_grab(customer_client, {"auction_id": auction.pk})

    # then
    assert_refused(response, 403, "booking_suspended")


def test_no_shows_below_the_limit_or_older_than_90_days_do_not_suspend(settings, customer, customer_client):
    # given: one strike short of the limit within 90 days, and one from 91 days ago
    ReservationFactory.create_batch(settings.HOTHOUR_NO_SHOW_LIMIT - 1, user=customer, no_show=True)
    ReservationFactory(user=customer, no_show=True, no_show_at=timezone.now() - timedelta(days=91))
    auction = make_auction()

    # when
    response = post_grab(customer_client, {"auction_id": auction.pk})

    # then
    assert response.status_code == 201, response.json()


def test_grab_beyond_the_live_reservation_limit_is_refused(settings, customer, customer_client):
    # given
    settings.HOTHOUR_MAX_LIVE_RESERVATIONS = 2
    for _ in range(2):
        grab(customer, make_auction())
    auction = make_auction()

    # when
    with nothing_changes():
        response = post_grab(customer_client, {"auction_id": auction.pk})

    # then
    assert_refused(response, 409, "reservation_limit")


def test_cancelled_and_past_reservations_do_not_count_towards_the_limit(settings, customer, customer_client):
    # given: one cancelled, one checked in, one for a class that has started
    settings.HOTHOUR_MAX_LIVE_RESERVATIONS = 1
    ReservationFactory(user=customer, status=ReservationStatus.CANCELLED, cancelled_at=timezone.now())
    ReservationFactory(user=customer, status=ReservationStatus.COMPLETED)
    ReservationFactory(
        user=customer, auction__start_time=timezone.now() - minutes(240), auction__status=AuctionStatus.SOLD
    )
    auction = make_auction()

    # when
    response = post_grab(customer_client, {"auction_id": auction.pk})

    # then
    assert response.status_code == 201, response.json()


def test_grab_below_the_live_price_is_refused_with_the_current_price(customer_client):
    now = timezone.now()
    auction = make_auction(now=now, start_time=now - minutes(70))

    with nothing_changes():
        response = post_grab(customer_client, {"auction_id": auction.pk, "expected_price": "449.99"})

    body = assert_refused(response, 409, "price_changed")
    assert body["current_price"] == "450.00"


def test_expected_price_above_the_live_price_locks_the_live_price(customer_client):
    now = timezone.now()
    auction = make_auction(now=now, start_time=now - minutes(70))

    response = post_grab(customer_client, {"auction_id": auction.pk, "expected_price": "500.00"})

    assert response.status_code == 201
    assert response.json()["locked_price"] == "450.00"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"expected_price": "abc"}, "expected_price"),
        ({"expected_price": "-1.00"}, "expected_price"),
        ({"expected_price": "1.001"}, "expected_price"),
        ({"auction_id": "x"}, "auction_id"),
        ({"auction_id": 0}, "auction_id"),
        ({"auction_id": None}, "auction_id"),
    ],
    ids=[
        "price_not_a_number",
        "price_negative",
        "price_sub_cent",
        "id_not_a_number",
        "id_zero",
        "id_missing",
    ],
)
def test_malformed_grab_is_a_validation_error(customer_client, data, field):
    # given
    auction = make_auction()
    payload = {"auction_id": auction.pk, **data}
    if payload["auction_id"] is None:
        del payload["auction_id"]

    # when
    with nothing_changes():
        response = post_grab(customer_client, payload)

    # then
    body = assert_refused(response, 400, "invalid")
    assert list(body["fields"]) == [field]


def test_grab_without_a_token_is_not_authenticated(api_client):
    auction = make_auction()

    with nothing_changes():
        response = post_grab(api_client, {"auction_id": auction.pk})

    assert_refused(response, 401, "not_authenticated")


def test_repeating_a_grab_with_the_same_idempotency_key_replays_it(customer_client):
    # given
    auction = make_auction()
    first = post_grab(customer_client, {"auction_id": auction.pk}, key="grab-7f3a")
    assert first.status_code == 201

    # when
    with nothing_changes():
        again = post_grab(customer_client, {"auction_id": auction.pk}, key="grab-7f3a")

    # then
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Reservation.objects.count() == 1


def test_same_idempotency_key_for_another_auction_is_refused(customer_client):
    post_grab(customer_client, {"auction_id": make_auction().pk}, key="grab-7f3a")
    other = make_auction()

    with nothing_changes():
        response = post_grab(customer_client, {"auction_id": other.pk}, key="grab-7f3a")

    assert_refused(response, 409, "idempotency_key_reused")


def test_idempotency_keys_are_per_customer(customer_client, api_client):
    post_grab(customer_client, {"auction_id": make_auction().pk}, key="grab-7f3a")
    someone_else = authenticate(api_client, CustomerFactory())

    response = post_grab(someone_else, {"auction_id": make_auction().pk}, key="grab-7f3a")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers


@pytest.mark.parametrize(
    "key", ["", "has space", "x" * 65, "ünïcode"], ids=["empty", "space", "long", "unicode"]
)
def test_malformed_idempotency_key_is_refused(customer_client, key):
    auction = make_auction()

    with nothing_changes():
        response = post_grab(customer_client, {"auction_id": auction.pk}, key=key)

    body = assert_refused(response, 400, "invalid")
    assert list(body["fields"]) == ["Idempotency-Key"]
