"""Standing orders under real concurrency on PostgreSQL (threads with connections of their own,
released together, see test_races.py): at the step that reaches the orders, the oldest orders
win the seats whoever takes the auction's lock first — a tick, two ticks, or fifty customers
grabbing by hand — and every watch fires exactly once.

These fail without the lock-held filler: manual grabs that do not fill the orders before
serving themselves win seats, and a filler outside the lock fires a watch twice.
"""

import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from auctions import services as auction_services
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import make_auction, minutes
from reservations.models import (
    Notification,
    NotificationKind,
    Reservation,
    ReservationStatus,
    Watch,
    WatchStatus,
)
from reservations.tests.test_races import THREAD_TIMEOUT, grab_call, run_together

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]

SEATS = 3
ORDERS = 50
GRABBERS = 50


@pytest.fixture(autouse=True)
def _patient_pool(monkeypatch):
    pool = getattr(connection, "pool", None)
    if pool is not None:
        monkeypatch.setattr(pool, "timeout", THREAD_TIMEOUT)


def auction_stepping_soon(lead_seconds: float) -> Auction:
    """500 now, 499 from `lead_seconds` on (a lira every minute), three seats, the class a day away."""
    now = timezone.now()
    return make_auction(
        now=now,
        seats=SEATS,
        start_price=Decimal("500.00"),
        floor_price=Decimal("100.00"),
        drop_amount=Decimal("1.00"),
        drop_interval_mins=1,
        start_time=now - minutes(1) + timedelta(seconds=lead_seconds),
        end_time=now + minutes(600),
        scheduled_at=now + minutes(24 * 60),
    )


def place_orders(auction: Auction, count: int) -> list[Watch]:
    """`count` standing orders at 499, each a millisecond younger than the one before."""
    placed = timezone.now() - timedelta(seconds=10)
    return Watch.objects.bulk_create(
        Watch(
            user=user,
            auction=auction,
            alert_price=Decimal("499.00"),
            auto_grab=True,
            created_at=placed + timedelta(milliseconds=index),
        )
        for index, user in enumerate(CustomerFactory.create_batch(count))
    )


def wait_for_the_step(auction: Auction) -> None:
    auction.refresh_from_db()
    assert auction.next_change_at is not None
    time.sleep(max(0.0, (auction.next_change_at - timezone.now()).total_seconds()) + 0.01)


def assert_oldest_orders_won(auction: Auction, orders: list[Watch], grabbers: list[Any]) -> None:
    auction.refresh_from_db()
    live = list(Reservation.objects.filter(auction=auction).exclude(status=ReservationStatus.CANCELLED))
    oldest = {w.user_id for w in sorted(orders, key=lambda w: (w.created_at, w.pk))[:SEATS]}
    assert {r.user_id for r in live} == oldest
    assert len(live) == SEATS
    assert sorted(r.seat_no for r in live) == list(range(1, SEATS + 1))
    assert all(r.locked_price <= Decimal("499.00") for r in live)
    assert (auction.status, auction.seats_left) == (AuctionStatus.SOLD, 0)
    assert not Reservation.objects.filter(user__in=grabbers).exists()
    # every order fired once: three won, the rest told they lost, nobody told twice
    fired = Watch.objects.filter(auction=auction)
    assert Counter(fired.values_list("status", flat=True)) == {WatchStatus.FIRED: ORDERS}
    won = fired.exclude(reservation=None)
    assert set(won.values_list("user_id", flat=True)) == oldest
    notices = Counter(
        Notification.objects.filter(user__watches__auction=auction).values_list("user_id", "kind")
    )
    assert set(notices.values()) == {1}
    kinds = Counter(kind for _, kind in notices)
    assert kinds == {NotificationKind.AUTO_GRAB_WON: SEATS, NotificationKind.AUTO_GRAB_FAILED: ORDERS - SEATS}
    failed = Notification.objects.filter(
        kind=NotificationKind.AUTO_GRAB_FAILED, user__watches__auction=auction
    )
    assert set(failed.values_list("data__code", flat=True)) == {"auction_sold"}


def test_fifty_orders_beat_fifty_manual_grabs_released_at_the_step():
    # given: 50 orders at 499, 50 customers waiting to grab by hand
    auction = auction_stepping_soon(lead_seconds=3)
    orders = place_orders(auction, ORDERS)
    grabbers = CustomerFactory.create_batch(GRABBERS)
    wait_for_the_step(auction)

    # when: the step's tick and every manual grab are released together at the step's instant
    outcomes = run_together(
        partial(auction_services.auctions_tick),
        *(grab_call(customer, auction) for customer in grabbers),
    )

    # then
    losses = outcomes[1:]
    assert {getattr(loss, "code", repr(loss)) for loss in losses} == {"auction_sold"}
    assert_oldest_orders_won(auction, orders, grabbers)


def test_fifty_orders_beat_fifty_manual_grabs_when_no_tick_runs():
    # given
    auction = auction_stepping_soon(lead_seconds=3)
    orders = place_orders(auction, ORDERS)
    grabbers = CustomerFactory.create_batch(GRABBERS)
    wait_for_the_step(auction)

    # when: only the manual grabs reach the lock
    outcomes = run_together(*(grab_call(customer, auction) for customer in grabbers))

    # then
    assert {getattr(loss, "code", repr(loss)) for loss in outcomes} == {"auction_sold"}
    assert_oldest_orders_won(auction, orders, grabbers)


def test_two_ticks_at_once_with_fifty_manual_grabs_fire_each_order_once():
    # given
    auction = auction_stepping_soon(lead_seconds=3)
    orders = place_orders(auction, ORDERS)
    grabbers = CustomerFactory.create_batch(GRABBERS)
    wait_for_the_step(auction)

    # when
    outcomes = run_together(
        partial(auction_services.auctions_tick),
        partial(auction_services.auctions_tick),
        *(grab_call(customer, auction) for customer in grabbers),
    )

    # then
    assert {getattr(loss, "code", repr(loss)) for loss in outcomes[2:]} == {"auction_sold"}
    assert_oldest_orders_won(auction, orders, grabbers)
    # and later beats find nothing left to fire
    auction_services.auctions_tick()
    assert Notification.objects.filter(user__watches__auction=auction).count() == ORDERS
