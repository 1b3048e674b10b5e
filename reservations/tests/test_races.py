"""Real concurrency on PostgreSQL: many threads, each with its own connection, started together.

Each test runs the contested operations at the same instant (a barrier) and then checks the
invariants: one sale per spot, no live reservation on a closed auction, the price of the instant.
"""

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
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
from reservations.models import CancelledBy, Reservation, ReservationStatus
from reservations.tests.factories import grab

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]

THREAD_TIMEOUT = 60


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Run every call in its own thread, all released at once; each result or raised exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=THREAD_TIMEOUT)
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=THREAD_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return outcomes


def grab_call(user, auction: Auction) -> Callable[[], Any]:
    return partial(services.reservation_create, user=user, auction_id=auction.pk)


def live_reservations(auction: Auction) -> list[Reservation]:
    return list(Reservation.objects.filter(auction=auction).exclude(status=ReservationStatus.CANCELLED))


def falling_auction() -> Auction:
    """Opened half an hour ago, dropping one lira a minute; its cached price left at the start."""
    now = timezone.now()
    auction = make_auction(
        now=now, start_time=now - minutes(30.5), drop_amount=Decimal("1.00"), drop_interval_mins=1
    )
    Auction.objects.filter(pk=auction.pk).update(current_price=auction.start_price)
    return auction


def test_fifty_customers_grabbing_one_spot_make_exactly_one_sale():
    # given
    auction = falling_auction()
    customers = CustomerFactory.create_batch(50)

    # when
    before = timezone.now()
    outcomes = run_together(*(grab_call(customer, auction) for customer in customers))
    after = timezone.now()

    # then: one winner, 49 told the spot is sold
    wins = [outcome for outcome in outcomes if isinstance(outcome, tuple)]
    losses = [outcome for outcome in outcomes if not isinstance(outcome, tuple)]
    assert len(wins) == 1, losses
    assert len(losses) == 49
    assert all(isinstance(loss, services.AuctionSold) for loss in losses), losses
    assert {loss.code for loss in losses} == {"auction_sold"}
    # and the database agrees
    reservation, created = wins[0]
    assert created
    assert [r.pk for r in live_reservations(auction)] == [reservation.pk]
    assert Reservation.objects.count() == 1
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.SOLD
    # at the price of the grab instant, not the stale cached start price
    settings = pricing.PriceSettings.of(auction)
    assert pricing.price_at(settings, before) >= reservation.locked_price >= pricing.price_at(settings, after)
    assert reservation.locked_price == pricing.price_at(settings, reservation.reserved_at)
    assert reservation.locked_price < auction.start_price
    assert auction.current_price == reservation.locked_price


def test_cancel_racing_twenty_grabs_relists_the_spot_to_exactly_one_new_winner():
    # given: sold, with the class a day away
    now = timezone.now()
    auction = make_auction(now=now, scheduled_at=now + minutes(24 * 60))
    winner = CustomerFactory()
    first = grab(winner, auction)
    rivals = CustomerFactory.create_batch(20)
    cancelled = threading.Event()

    def cancel() -> Reservation:
        reservation = services.reservation_cancel_by_customer(user=winner, reservation_id=first.pk)
        cancelled.set()
        return reservation

    def grab_until_the_cancel_is_seen(user) -> Any:
        # An attempt that starts after the cancel committed sees the spot for sale or sold again.
        while True:
            after_cancel = cancelled.is_set()
            try:
                return services.reservation_create(user=user, auction_id=auction.pk)
            except services.AuctionSold:
                if after_cancel:
                    raise
            # Back to the pool while waiting: twenty spinning rivals held all of its connections
            # and the cancel, left without one, timed out, so they spun on forever.
            connection.close()
            time.sleep(0.001)

    # when
    outcomes = run_together(cancel, *(partial(grab_until_the_cancel_is_seen, rival) for rival in rivals))

    # then
    assert isinstance(outcomes[0], Reservation), outcomes[0]
    wins = [outcome for outcome in outcomes[1:] if isinstance(outcome, tuple)]
    losses = [outcome for outcome in outcomes[1:] if not isinstance(outcome, tuple)]
    assert len(wins) == 1, losses
    assert all(isinstance(loss, services.AuctionSold) for loss in losses), losses
    new_reservation, _created = wins[0]
    assert [r.pk for r in live_reservations(auction)] == [new_reservation.pk]
    first.refresh_from_db()
    assert (first.status, first.cancelled_by) == (ReservationStatus.CANCELLED, CancelledBy.CUSTOMER)
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.SOLD


def test_grab_racing_the_tick_that_expires_the_auction_ends_consistent():
    # given: rounds of one grab against one tick that, for its instant, finds the auction closed
    for _ in range(8):
        now = timezone.now()
        auction = make_auction(
            now=now, start_time=now - minutes(10), end_time=now + minutes(1), drop_interval_mins=5
        )
        tick_instant = auction.end_time + minutes(1) / 60

        # when
        grabbed, ticked = run_together(
            grab_call(CustomerFactory(), auction),
            partial(auction_services.auctions_tick, now=tick_instant),
        )

        # then: sold with one live reservation, or expired with none; never both or neither
        assert isinstance(ticked, auction_services.TickResult), ticked
        auction.refresh_from_db()
        live = live_reservations(auction)
        if isinstance(grabbed, tuple):
            assert auction.status == AuctionStatus.SOLD
            assert [r.pk for r in live] == [grabbed[0].pk]
            assert ticked.processed == 0
        else:
            assert isinstance(grabbed, services.AuctionNotActive), grabbed
            assert auction.status == AuctionStatus.EXPIRED
            assert live == []
            assert ticked.processed == 1


def delayed(seconds: float, call: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        time.sleep(seconds)
        return call()

    return run


def test_grab_racing_the_studio_cancel_never_leaves_a_live_sale():
    # The grab checks the customer before it locks, so the cancel starts a little later in some
    # rounds: both orders, and the contended moment between them, are exercised.
    for delay in (0, 0.001, 0.002, 0.003, 0.004, 0.006, 0.008, 0.012):
        # given
        auction = make_auction()

        # when
        grabbed, cancelled = run_together(
            grab_call(CustomerFactory(), auction),
            delayed(delay, partial(auction_services.auction_cancel, auction_id=auction.pk)),
        )

        # then: the auction is cancelled either way, and so is any reservation made first
        assert isinstance(cancelled, Auction), cancelled
        auction.refresh_from_db()
        assert auction.status == AuctionStatus.CANCELLED
        assert live_reservations(auction) == []
        if isinstance(grabbed, tuple):
            reservation = Reservation.objects.get(pk=grabbed[0].pk)
            assert (reservation.status, reservation.cancelled_by) == (
                ReservationStatus.CANCELLED,
                CancelledBy.STUDIO,
            )
        else:
            assert isinstance(grabbed, services.AuctionNotActive), grabbed
            assert not Reservation.objects.filter(auction=auction).exists()


def test_one_customer_grabbing_five_spots_at_once_gets_no_more_than_the_limit(settings):
    # given
    settings.HOTHOUR_MAX_LIVE_RESERVATIONS = 3
    customer = CustomerFactory()
    auctions = [make_auction() for _ in range(5)]

    # when
    outcomes = run_together(*(grab_call(customer, auction) for auction in auctions))

    # then
    wins = [outcome for outcome in outcomes if isinstance(outcome, tuple)]
    losses = [outcome for outcome in outcomes if not isinstance(outcome, tuple)]
    assert len(wins) == 3
    assert all(isinstance(loss, services.ReservationLimit) for loss in losses), losses
    assert Reservation.objects.filter(user=customer).count() == 3
    assert Auction.objects.filter(status=AuctionStatus.SOLD).count() == 3


def test_two_ticks_at_once_process_each_due_auction_once():
    # given: thirty auctions due for their first drop
    now = timezone.now()
    for _ in range(30):
        make_auction(now=now - minutes(60), start_time=now - minutes(61))

    # when
    first, second = run_together(
        partial(auction_services.auctions_tick, now=now, batch_size=4),
        partial(auction_services.auctions_tick, now=now, batch_size=4),
    )

    # then
    assert first.processed + second.processed == 30
    assert set(Auction.objects.values_list("current_price", flat=True)) == {Decimal("450.00")}
    assert auction_services.auctions_tick(now=now).processed == 0


def _post_json(url: str, token: str, data: dict[str, Any], key: str) -> tuple[int, dict[str, Any]]:
    """POST as the token's user. The live server listens with a backlog of 10, so some of 50
    simultaneous connections are reset before the server accepts them; those are retried with
    the same Idempotency-Key, which replays rather than repeats a grab that did get through."""
    request = urllib.request.Request(
        url,
        data=json.dumps(data).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
        method="POST",
    )
    for attempt in range(5):
        try:
            with urllib.request.urlopen(request, timeout=THREAD_TIMEOUT) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)
        except (ConnectionError, urllib.error.URLError):
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError(f"no response from {url}")


def test_fifty_grabs_over_http_make_exactly_one_sale(live_server, settings):
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "grab": "1000/min"},
    }
    auction = falling_auction()
    tokens = [str(RefreshToken.for_user(c).access_token) for c in CustomerFactory.create_batch(50)]
    url = live_server.url + reverse("reservation-list")
    barrier = threading.Barrier(len(tokens))

    def fire(index: int, token: str) -> tuple[int, dict[str, Any]]:
        barrier.wait(timeout=THREAD_TIMEOUT)
        return _post_json(url, token, {"auction_id": auction.pk}, key=f"race-{index}")

    # when
    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        responses = list(pool.map(fire, range(len(tokens)), tokens))

    # then
    created = [body for status, body in responses if status == 201]
    refused = [(status, body["code"]) for status, body in responses if status != 201]
    assert len(created) == 1, refused
    assert refused == [(409, "auction_sold")] * 49
    assert [r.pk for r in live_reservations(auction)] == [created[0]["id"]]
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.SOLD
    assert str(auction.current_price) == created[0]["locked_price"]
