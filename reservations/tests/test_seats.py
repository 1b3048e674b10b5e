"""Several seats per class: each grab takes the lowest free seat at the price of its own instant,
one live seat per customer, sold out at the last seat, relisted by a cancellation, and every
change pushed with `seats_left` (DESIGN section 3, "Several spots per class")."""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts.tests.factories import CustomerFactory, ManagerFactory
from auctions import events, pricing
from auctions import services as auction_services
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import make_auction, minutes
from conftest import authenticate
from core.outbox import OutboundEmail
from hothour.asgi import application
from reservations import selectors, services
from reservations.messages import message_of
from reservations.models import CancelledBy, Notification, NotificationKind, Reservation, ReservationStatus
from reservations.tests.factories import ReservationFactory, grab
from reservations.tests.test_grab import assert_refused, nothing_changes, post_grab

pytestmark = pytest.mark.django_db


def seated_auction(seats: int, **overrides: Any) -> Auction:
    """Open for another ten hours, the class a day away (cancellable), dropping 1 lira a minute."""
    now = timezone.now()
    values: dict[str, Any] = {
        "seats": seats,
        "start_time": now - minutes(30.5),
        "end_time": now + minutes(600),
        "scheduled_at": now + minutes(24 * 60),
        "drop_amount": Decimal("1.00"),
        "drop_interval_mins": 1,
        **overrides,
    }
    return make_auction(now=now, **values)


def live_seats(auction: Auction) -> list[tuple[int, int]]:
    return list(
        Reservation.objects.filter(auction=auction)
        .exclude(status=ReservationStatus.CANCELLED)
        .order_by("seat_no")
        .values_list("seat_no", "user_id")
    )


@pytest.fixture
def clock(monkeypatch):
    """The grab's clock, moved by hand: `clock.at = ...`."""

    class Clock:
        at = timezone.now()

    monkeypatch.setattr(timezone, "now", lambda: Clock.at)
    return Clock


@pytest.fixture
def pushed(monkeypatch):
    """Every frame sent to the channel layer after commit, as (group, decoded frame)."""
    frames: list[tuple[str, dict[str, Any]]] = []

    class Recorder:
        def submit(self, outgoing):
            frames.extend(
                (group, json.loads(text)) for group, message in outgoing for text in message["texts"]
            )

    monkeypatch.setattr(events, "broadcaster", Recorder())
    return frames


# --- the grab -------------------------------------------------------------------------------------


def test_each_grab_takes_the_lowest_free_seat_at_the_price_of_its_own_instant(clock):
    # given: three seats, the price falling a lira a minute
    auction = seated_auction(3)
    settings = pricing.PriceSettings.of(auction)
    first_instant = clock.at

    # when: three customers grab five minutes apart
    reservations = []
    for step in range(3):
        clock.at = first_instant + minutes(5 * step)
        reservations.append(grab(None, auction))

    # then: seats 1, 2, 3, each at the price of its own instant
    assert [r.seat_no for r in reservations] == [1, 2, 3]
    prices = [r.locked_price for r in reservations]
    assert prices == [pricing.price_at(settings, r.reserved_at) for r in reservations]
    assert prices[0] - prices[1] == prices[1] - prices[2] == Decimal("5.00")
    auction.refresh_from_db()
    assert (auction.status, auction.seats_sold, auction.seats_left) == (AuctionStatus.SOLD, 3, 0)
    assert auction.current_price == prices[2]  # sold out at the last seat's price


def test_a_seat_before_the_last_leaves_the_auction_on_sale(customer_client):
    auction = seated_auction(4)

    response = post_grab(customer_client, {"auction_id": auction.pk})

    assert response.status_code == 201, response.json()
    assert response.json()["seat_no"] == 1
    auction.refresh_from_db()
    assert (auction.status, auction.seats_sold, auction.seats_left) == (AuctionStatus.ACTIVE, 1, 3)
    assert auction.next_change_at is not None  # the tick still steps its price


def test_a_customer_holding_a_seat_cannot_grab_another_one(customer, customer_client):
    # given
    auction = seated_auction(4)
    grab(customer, auction)

    # when
    with nothing_changes():
        response = post_grab(customer_client, {"auction_id": auction.pk})

    # then
    assert_refused(response, 409, "already_booked")


def test_already_booked_answers_before_auction_sold(customer, customer_client):
    # given: the customer holds one of the two seats and someone else took the other
    auction = seated_auction(2)
    grab(customer, auction)
    grab(None, auction)

    with nothing_changes():
        response = post_grab(customer_client, {"auction_id": auction.pk})

    assert_refused(response, 409, "already_booked")


def test_already_booked_answers_before_rebook_not_allowed(customer, customer_client):
    # given: rows from before the rebook rule: the customer cancelled seat 1, then took seat 2
    auction = seated_auction(3)
    ReservationFactory(
        auction=auction,
        user=customer,
        seat_no=1,
        status=ReservationStatus.CANCELLED,
        cancelled_at=timezone.now(),
        cancelled_by=CancelledBy.CUSTOMER,
    )
    ReservationFactory(auction=auction, user=customer, seat_no=2)

    with nothing_changes():
        response = post_grab(customer_client, {"auction_id": auction.pk})

    assert_refused(response, 409, "already_booked")


def test_a_sold_out_multi_seat_auction_answers_auction_sold(customer_client):
    # given
    auction = seated_auction(3)
    for _ in range(3):
        grab(None, auction)

    # when
    with nothing_changes():
        response = post_grab(customer_client, {"auction_id": auction.pk})

    # then
    assert_refused(response, 409, "auction_sold")


def test_a_checked_in_or_no_show_seat_stays_taken():
    # given: seat 1 checked in, seat 2 a no-show (rows written directly), seat 3 cancelled
    auction = seated_auction(3)
    ReservationFactory(auction=auction, seat_no=1, status=ReservationStatus.COMPLETED)
    ReservationFactory(auction=auction, seat_no=2, no_show=True)
    ReservationFactory(
        auction=auction, seat_no=3, status=ReservationStatus.CANCELLED, cancelled_at=timezone.now()
    )

    # when
    reservation = grab(None, auction)

    # then: the cancelled seat is the free one, and it was the last
    assert reservation.seat_no == 3
    auction.refresh_from_db()
    assert (auction.status, auction.seats_sold) == (AuctionStatus.SOLD, 3)


def seen_as(holders: dict[int, int]):
    """A `selectors.seats_of` that sees these seat holders and no cancellation, whatever is stored."""
    return lambda *, auction_ids, user_ids: {
        pk: selectors.Seats(holders=dict(holders), cancelled_by_customer=set()) for pk in auction_ids
    }


def test_a_seat_taken_behind_the_lock_is_auction_sold_by_the_seat_constraint(monkeypatch, customer):
    # given: seat 1 is held, but the grab is made to see no holder (as if it had not waited for the lock)
    auction = seated_auction(2)
    grab(None, auction)
    monkeypatch.setattr(selectors, "seats_of", seen_as({}))

    # when / then: the unique (auction, seat_no) index refuses seat 1 again, and nothing is written
    with nothing_changes(), pytest.raises(services.AuctionSold):
        grab(customer, auction)


def test_a_second_seat_behind_the_lock_is_already_booked_by_the_customer_constraint(monkeypatch, customer):
    # given: the customer holds seat 1, and the grab is made to see only someone else's seat 1
    auction = seated_auction(3)
    grab(customer, auction)
    monkeypatch.setattr(selectors, "seats_of", seen_as({1: -1}))

    # when / then: the unique (auction, user) index refuses a second live seat
    with nothing_changes(), pytest.raises(services.AlreadyBooked):
        grab(customer, auction)


def test_the_database_refuses_two_live_reservations_of_one_seat_or_one_customer():
    auction = seated_auction(3)
    first = ReservationFactory(auction=auction, seat_no=1)

    with pytest.raises(IntegrityError, match="reservation_one_live_per_seat"), transaction.atomic():
        ReservationFactory(auction=auction, seat_no=1)
    with pytest.raises(IntegrityError, match="reservation_one_live_per_customer"), transaction.atomic():
        ReservationFactory(auction=auction, seat_no=2, user=first.user)
    # a cancelled reservation holds nothing
    ReservationFactory(
        auction=auction,
        seat_no=1,
        user=first.user,
        status=ReservationStatus.CANCELLED,
        cancelled_at=timezone.now(),
    )


# --- cancellation ---------------------------------------------------------------------------------


def test_a_cancelled_seat_is_freed_and_relists_a_sold_out_auction(customer, customer_client):
    # given: sold out, the customer on seat 2
    auction = seated_auction(3)
    grab(None, auction)
    mine = grab(customer, auction)
    grab(None, auction)

    # when
    response = customer_client.post(reverse("reservation-cancel", args=[mine.pk]))

    # then: back on sale with one seat, and the next grab takes seat 2
    assert response.status_code == 200, response.json()
    auction.refresh_from_db()
    assert (auction.status, auction.seats_sold, auction.seats_left) == (AuctionStatus.ACTIVE, 2, 1)
    assert grab(None, auction).seat_no == 2
    auction.refresh_from_db()
    assert (auction.status, auction.seats_left) == (AuctionStatus.SOLD, 0)


def test_a_seat_cancelled_after_the_window_closed_leaves_the_auction_expired(clock, customer):
    # given: sold out; the auction closes in ten minutes, the class is a day away
    auction = seated_auction(2, end_time=timezone.now() + minutes(10))
    mine = grab(customer, auction)
    grab(None, auction)

    # when: cancelled once the window has passed (still before the cancellation cutoff)
    clock.at = auction.end_time + minutes(5)
    services.reservation_cancel_by_customer(user=customer, reservation_id=mine.pk)

    # then
    auction.refresh_from_db()
    assert (auction.status, auction.seats_sold, auction.seats_left) == (AuctionStatus.EXPIRED, 1, 1)
    assert auction.next_change_at is None


def test_a_studio_cancelling_one_seat_frees_only_that_seat():
    auction = seated_auction(3)
    first, second = grab(None, auction), grab(None, auction)

    services.reservation_cancel_by_studio(reservation_id=first.pk)

    auction.refresh_from_db()
    assert (auction.status, auction.seats_sold) == (AuctionStatus.ACTIVE, 1)
    assert live_seats(auction) == [(2, second.user_id)]


def test_the_studio_cancelling_the_auction_cancels_every_seat_and_tells_each_customer():
    # given: three of four seats booked, one of them already checked in at the desk
    auction = seated_auction(4)
    holders = [grab(None, auction) for _ in range(3)]
    services.reservation_check_in(reservation_id=holders[2].pk)

    # when
    auction_services.auction_cancel(auction_id=auction.pk)

    # then: the pending seats are cancelled by the studio, each customer told once
    for reservation in holders[:2]:
        reservation.refresh_from_db()
        assert (reservation.status, reservation.cancelled_by) == (
            ReservationStatus.CANCELLED,
            CancelledBy.STUDIO,
        )
        told = Notification.objects.filter(user=reservation.user, kind=NotificationKind.AUCTION_CANCELLED)
        assert told.count() == 1
        assert OutboundEmail.objects.filter(
            to=reservation.user.email, template="reservation_cancelled"
        ).exists()
    # a checked-in seat is never cancelled, and still counts as held
    holders[2].refresh_from_db()
    assert holders[2].status == ReservationStatus.COMPLETED
    auction.refresh_from_db()
    assert (auction.status, auction.seats_sold) == (AuctionStatus.CANCELLED, 1)


def test_expiry_with_seats_sold_leaves_those_bookings_intact():
    # given: two of five seats sold, then the window passes
    auction = seated_auction(5, end_time=timezone.now() + minutes(10))
    manager = ManagerFactory(studio=auction.studio)
    sold = [grab(None, auction), grab(None, auction)]

    # when
    auction_services.auctions_tick(now=auction.end_time + minutes(1))

    # then: EXPIRED (not SOLD), the two seats still booked
    auction.refresh_from_db()
    assert (auction.status, auction.seats_sold, auction.seats_left) == (AuctionStatus.EXPIRED, 2, 3)
    assert [(seat, user) for seat, user in live_seats(auction)] == [
        (1, sold[0].user_id),
        (2, sold[1].user_id),
    ]
    assert set(Reservation.objects.values_list("status", flat=True)) == {ReservationStatus.PENDING_ON_SITE}
    # and the studio is told how many seats went unsold, not that nobody bought
    [told] = Notification.objects.filter(user=manager, kind=NotificationKind.AUCTION_EXPIRED_UNSOLD)
    with translation.override("en"):
        assert message_of(told) == (
            f"{auction.title} closed with 3 of 5 seats unsold; the seats sold stay booked."
        )


# --- pushes ---------------------------------------------------------------------------------------


def test_every_grab_and_cancellation_pushes_one_auction_updated_with_seats_left(
    pushed, django_capture_on_commit_callbacks
):
    # given
    auction = seated_auction(2)
    customers = CustomerFactory.create_batch(2)

    # when: two grabs sell it out, a cancellation relists it
    with django_capture_on_commit_callbacks(execute=True):
        first = grab(customers[0], auction)
    with django_capture_on_commit_callbacks(execute=True):
        grab(customers[1], auction)
    with django_capture_on_commit_callbacks(execute=True):
        services.reservation_cancel_by_customer(user=customers[0], reservation_id=first.pk)

    # then: per change one auction_updated on each public group, with the seats left after it
    public = [(group, frame) for group, frame in pushed if not group.startswith("user.")]
    updates = [frame["data"] for group, frame in public if group == events.ALL_AUCTIONS_GROUP]
    assert [frame["event"] for _, frame in public] == ["auction_updated"] * 6
    assert [(data["status"], data["seats"], data["seats_left"]) for data in updates] == [
        ("ACTIVE", 2, 1),
        ("SOLD", 2, 0),
        ("ACTIVE", 2, 1),
    ]
    assert {group for group, _ in public} == {events.ALL_AUCTIONS_GROUP, events.auction_group(auction.pk)}
    # and no personal data on the public groups
    raw = json.dumps([frame for _, frame in public])
    for customer in customers:
        assert customer.email not in raw
        assert customer.full_name not in raw
    assert first.booking_code not in raw
    assert "user_id" not in raw
    assert "seat_no" not in raw


def test_the_reservation_shows_its_seat_to_its_owner(customer, customer_client):
    auction = seated_auction(3)
    grab(None, auction)
    mine = grab(customer, auction)

    body = customer_client.get(reverse("reservation-detail", args=[mine.pk])).json()

    assert body["seat_no"] == 2


def test_an_idempotent_replay_of_a_seat_is_the_first_answer_not_already_booked(customer, api_client):
    client = authenticate(api_client, customer)
    auction = seated_auction(3)
    first = post_grab(client, {"auction_id": auction.pk}, key="seat-key-1")

    again = post_grab(client, {"auction_id": auction.pk}, key="seat-key-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Reservation.objects.count() == 1


def test_a_later_class_grab_is_unaffected_by_a_seat_elsewhere(customer):
    # One live seat per customer *and auction*: the customer may hold seats of two classes.
    first, second = seated_auction(2), seated_auction(2, scheduled_at=timezone.now() + timedelta(days=2))

    assert (grab(customer, first).seat_no, grab(customer, second).seat_no) == (1, 1)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_sees_the_seats_left_in_its_snapshot_and_after_each_grab():
    # given: a four-seat class with one seat sold, and a socket on it (the real Redis layer)
    auction = await sync_to_async(seated_auction)(4)
    await sync_to_async(grab)(None, auction)
    communicator = WebsocketCommunicator(
        application, f"/ws/auctions/{auction.pk}/", headers=[(b"origin", b"http://localhost")]
    )
    assert (await communicator.connect())[0]
    snapshot = json.loads(await communicator.receive_from(timeout=3))

    # when: two more seats go
    await sync_to_async(grab)(None, auction)
    await sync_to_async(grab)(None, auction)
    updates = []
    while len(updates) < 2:
        message = json.loads(await communicator.receive_from(timeout=3))
        if message["event"] == "auction_updated":
            updates.append(message["data"])
    await communicator.disconnect()

    # then
    assert snapshot["event"] == "snapshot"
    assert (snapshot["data"]["seats"], snapshot["data"]["seats_left"]) == (4, 3)
    assert [(data["seats_left"], data["status"]) for data in updates] == [(2, "ACTIVE"), (1, "ACTIVE")]
