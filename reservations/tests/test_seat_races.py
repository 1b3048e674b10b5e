"""Several seats under real concurrency on PostgreSQL: threads with connections of their own,
released together (see test_races.py). S seats and N customers end with exactly S sales on S
distinct seats held by S distinct customers, whatever else races them: cancellations and
re-grabs, the studio cancelling the class, the tick closing it.

Which of these need the auction row lock and which the unique indexes alone would pass is
written in the report of issue 17; `test_every_seat_sells_to_exactly_one_customer` and the
counter checks (`seats_sold`, SOLD) need the lock: without it the indexes still refuse a second
sale of a seat, but grabs that raced for the same seat lose it while other seats stay unsold.
"""

import json
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import CustomerFactory
from auctions import pricing
from auctions import services as auction_services
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import make_auction, minutes
from reservations import services
from reservations.models import CancelledBy, Notification, NotificationKind, Reservation, ReservationStatus
from reservations.tests.factories import grab
from reservations.tests.test_races import THREAD_TIMEOUT, _post_json, delayed, grab_call, run_together

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _patient_pool(monkeypatch):
    """Two hundred threads share the process's pool of connections (DB_POOL_MAX_SIZE): the ones
    waiting for one wait as long as the whole race may take on a busy machine, not 5 s."""
    pool = getattr(connection, "pool", None)
    if pool is not None:
        monkeypatch.setattr(pool, "timeout", THREAD_TIMEOUT)


def seated_auction(seats: int, **overrides: Any) -> Auction:
    """Opened half an hour ago, a lira off every minute (so instants differ in price), the class
    a day away (cancellable); its cached price left at the start."""
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
    auction = make_auction(now=now, **values)
    Auction.objects.filter(pk=auction.pk).update(current_price=auction.start_price)
    return auction


def live(auction: Auction) -> list[Reservation]:
    return list(
        Reservation.objects.filter(auction=auction)
        .exclude(status=ReservationStatus.CANCELLED)
        .order_by("seat_no")
    )


def wins_and_losses(outcomes: list[Any]) -> tuple[list[Reservation], list[Any]]:
    wins = [outcome[0] for outcome in outcomes if isinstance(outcome, tuple)]
    return wins, [outcome for outcome in outcomes if not isinstance(outcome, tuple)]


def assert_sold_out_to(auction: Auction, winners: list[Reservation]) -> None:
    """S seats, S winners: seats 1..S, each held by one of them, the auction SOLD with none left."""
    auction.refresh_from_db()
    held = live(auction)
    assert sorted(r.pk for r in held) == sorted(r.pk for r in winners)
    assert [r.seat_no for r in held] == list(range(1, auction.seats + 1))
    assert len({r.user_id for r in held}) == auction.seats
    assert (auction.status, auction.seats_sold, auction.seats_left) == (AuctionStatus.SOLD, auction.seats, 0)


@pytest.mark.parametrize(("seats", "customers"), [(1, 60), (3, 100), (10, 200)])
def test_every_seat_sells_to_exactly_one_customer(seats, customers):
    # given
    auction = seated_auction(seats)
    rivals = CustomerFactory.create_batch(customers)

    # when: every customer grabs at the same instant
    outcomes = run_together(*(grab_call(customer, auction) for customer in rivals))

    # then: S created, N - S told the class is sold out, and nothing else
    wins, losses = wins_and_losses(outcomes)
    assert len(wins) == seats, Counter(type(loss).__name__ for loss in losses)
    assert len(losses) == customers - seats
    assert {getattr(loss, "code", repr(loss)) for loss in losses} == {"auction_sold"}
    assert_sold_out_to(auction, wins)
    # each winner paid the price of its own instant (the clock kept falling between seats)
    settings = pricing.PriceSettings.of(auction)
    assert all(r.locked_price == pricing.price_at(settings, r.reserved_at) for r in wins)
    assert auction.current_price == max(wins, key=lambda r: (r.reserved_at, r.pk)).locked_price


@pytest.mark.parametrize(("seats", "customers"), [(10, 10), (20, 24)])
def test_no_customer_is_refused_while_a_seat_is_left(seats, customers):
    # Only the row lock passes this one: without it, grabs that read the same free seat collide
    # on the seat's unique index and the losers are told "sold" while other seats stay unsold.
    # given
    auction = seated_auction(seats)
    rivals = CustomerFactory.create_batch(customers)

    # when
    outcomes = run_together(*(grab_call(customer, auction) for customer in rivals))

    # then: every seat sold, and only the customers beyond the seats refused
    wins, losses = wins_and_losses(outcomes)
    assert len(wins) == seats, Counter(getattr(loss, "code", repr(loss)) for loss in losses)
    assert len(losses) == customers - seats
    assert {getattr(loss, "code", repr(loss)) for loss in losses} <= {"auction_sold"}
    assert_sold_out_to(auction, wins)


def test_one_customer_grabbing_a_multi_seat_class_twenty_times_at_once_gets_one_seat():
    # given
    auction = seated_auction(5)
    customer = CustomerFactory()

    # when
    outcomes = run_together(*(grab_call(customer, auction) for _ in range(20)))

    # then
    wins, losses = wins_and_losses(outcomes)
    assert len(wins) == 1
    assert {getattr(loss, "code", repr(loss)) for loss in losses} == {"already_booked"}
    auction.refresh_from_db()
    assert [(r.seat_no, r.user_id) for r in live(auction)] == [(1, customer.pk)]
    assert (auction.status, auction.seats_left) == (AuctionStatus.ACTIVE, 4)


def cancel_and_regrab(auction: Auction, holders: list[Reservation], rivals: list[Any]) -> list[Any]:
    """The holders all cancel while the rivals grab until a cancellation lets them in; the
    outcomes, the holders' first."""
    cancelled = threading.Event()
    cancels = Counter[str]()
    count_lock = threading.Lock()

    def cancel(reservation: Reservation) -> Reservation:
        result = services.reservation_cancel_by_customer(user=reservation.user, reservation_id=reservation.pk)
        with count_lock:
            cancels["done"] += 1
            if cancels["done"] == len(holders):
                cancelled.set()
        return result

    def grab_until_the_cancels_are_seen(user) -> Any:
        # An attempt begun after the last cancel committed sees the freed seats or none left.
        while True:
            after_cancels = cancelled.is_set()
            try:
                return services.reservation_create(user=user, auction_id=auction.pk)
            except services.AuctionSold:
                if after_cancels:
                    raise
            # Back to the pool while waiting: the cancellations need connections too.
            connection.close()
            time.sleep(0.002)

    return run_together(
        *(partial(cancel, holder) for holder in holders),
        *(partial(grab_until_the_cancels_are_seen, rival) for rival in rivals),
    )


def test_cancel_and_regrab_cycles_keep_every_seat_sold_exactly_once():
    # given: three seats sold out, thirty rivals waiting
    seats, rounds = 3, 3
    auction = seated_auction(seats)
    holders = [grab(None, auction) for _ in range(seats)]
    rivals = CustomerFactory.create_batch(30)

    for _round in range(rounds):
        # when
        outcomes = cancel_and_regrab(auction, holders, rivals)

        # then: every cancel went through, and exactly as many rivals took the freed seats
        assert all(isinstance(outcome, Reservation) for outcome in outcomes[:seats]), outcomes[:seats]
        wins, losses = wins_and_losses(outcomes[seats:])
        assert len(wins) == seats, Counter(type(loss).__name__ for loss in losses)
        assert {getattr(loss, "code", repr(loss)) for loss in losses} == {"auction_sold"}
        assert_sold_out_to(auction, wins)
        for holder in holders:
            holder.refresh_from_db()
            assert (holder.status, holder.cancelled_by) == (ReservationStatus.CANCELLED, CancelledBy.CUSTOMER)
        # the winners hold the seats now; they cancel next round, the others try again
        holders = wins
        winners = {r.user_id for r in wins}
        rivals = [rival for rival in rivals if rival.pk not in winners]

    assert (
        Reservation.objects.filter(auction=auction, status=ReservationStatus.CANCELLED).count()
        == seats * rounds
    )


def test_the_studio_cancelling_a_class_while_forty_customers_grab_leaves_no_live_seat():
    # The cancel starts a little later in some rounds, so it lands before, among and after the grabs.
    for delay in (0, 0.005, 0.02):
        # given
        auction = seated_auction(5)
        rivals = CustomerFactory.create_batch(40)

        # when
        outcomes = run_together(
            delayed(delay, partial(auction_services.auction_cancel, auction_id=auction.pk)),
            *(grab_call(rival, auction) for rival in rivals),
        )

        # then: cancelled, every seat sold before it cancelled by the studio and its customer told
        assert isinstance(outcomes[0], Auction), outcomes[0]
        wins, losses = wins_and_losses(outcomes[1:])
        assert len(wins) <= 5
        assert {getattr(loss, "code", repr(loss)) for loss in losses} <= {
            "auction_not_active",
            "auction_sold",
        }
        auction.refresh_from_db()
        assert (auction.status, auction.seats_sold) == (AuctionStatus.CANCELLED, 0)
        assert live(auction) == []
        for reservation in Reservation.objects.filter(auction=auction):
            assert reservation.cancelled_by == CancelledBy.STUDIO
            assert (
                Notification.objects.filter(
                    user=reservation.user, kind=NotificationKind.AUCTION_CANCELLED
                ).count()
                == 1
            )
        assert sorted(r.pk for r in Reservation.objects.filter(auction=auction)) == sorted(r.pk for r in wins)


def tick_until_done(auction: Auction, instant: Any) -> int:
    """Tick at `instant` until it closed the auction or the auction sold out (the sweep skips a
    row a grab holds); how many auctions it processed."""
    processed = 0
    for _attempt in range(500):
        processed += auction_services.auctions_tick(now=instant).processed
        if processed or Auction.objects.get(pk=auction.pk).status == AuctionStatus.SOLD:
            return processed
        connection.close()
        time.sleep(0.001)
    raise AssertionError("the tick never got the auction")


def test_the_tick_closing_a_class_while_customers_grab_leaves_it_consistent():
    # Two seats are booked before each race, so a tick that wins leaves them booked on an EXPIRED
    # auction; it starts later in later rounds. (The sweep skips a locked row, so once the grabs
    # queue on the lock it gets in only after them: the test ticks until it has the auction.)
    for tick_delay in (0, 0.003, 0.006, 0.012, 0.03):
        # given: five seats, thirty customers, and a tick that finds the window closed
        seats = 5
        now = timezone.now()
        auction = seated_auction(seats, start_time=now - minutes(10), end_time=now + minutes(1))
        tick_instant = auction.end_time + minutes(1) / 60
        booked_before = [grab(None, auction), grab(None, auction)]
        rivals = CustomerFactory.create_batch(30)

        # when
        ticked, *outcomes = run_together(
            delayed(tick_delay, partial(tick_until_done, auction, tick_instant)),
            *(grab_call(rival, auction) for rival in rivals),
        )

        # then: sold out with S seats, or expired with the seats sold before it still booked
        assert isinstance(ticked, int), ticked
        wins, losses = wins_and_losses(outcomes)
        assert {getattr(loss, "code", repr(loss)) for loss in losses} <= {
            "auction_not_active",
            "auction_sold",
        }
        auction.refresh_from_db()
        held = live(auction)
        assert sorted(r.pk for r in held) == sorted(r.pk for r in [*booked_before, *wins])
        assert [r.seat_no for r in held] == list(range(1, len(held) + 1))
        assert auction.seats_sold == len(held)
        if auction.status == AuctionStatus.SOLD:
            assert len(held) == seats
            assert ticked == 0
        else:
            assert auction.status == AuctionStatus.EXPIRED
            assert len(held) < seats
            assert ticked == 1
            assert all(r.status == ReservationStatus.PENDING_ON_SITE for r in held)


@pytest.mark.parametrize(("seats", "customers"), [(3, 60), (10, 120)])
def test_grabs_over_http_sell_exactly_the_seats(live_server, settings, seats, customers):
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "grab": "1000/min"},
    }
    auction = seated_auction(seats)
    tokens = [str(RefreshToken.for_user(c).access_token) for c in CustomerFactory.create_batch(customers)]
    url = live_server.url + reverse("reservation-list")
    barrier = threading.Barrier(len(tokens))

    def fire(index: int, token: str) -> tuple[int, dict[str, Any]]:
        barrier.wait(timeout=THREAD_TIMEOUT)
        return _post_json(url, token, {"auction_id": auction.pk}, key=f"seat-race-{index}")

    # when
    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        responses = list(pool.map(fire, range(len(tokens)), tokens))

    # then
    created = [body for status, body in responses if status == 201]
    refused = [(status, body["code"]) for status, body in responses if status != 201]
    assert len(created) == seats, Counter(refused)
    assert refused == [(409, "auction_sold")] * (customers - seats)
    assert sorted(body["seat_no"] for body in created) == list(range(1, seats + 1))
    assert len({body["user_id"] for body in created}) == seats
    assert_sold_out_to(auction, list(Reservation.objects.filter(pk__in=[body["id"] for body in created])))
    detail = live_server.url + reverse("auction-detail", args=[auction.pk])
    assert _get_json(detail)["seats_left"] == 0


def _get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=THREAD_TIMEOUT) as response:
        return json.load(response)
