"""auctions.ticker: one tick as every driver runs it, the thread loop that stops when told, and the
ticker's part of the health report."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from auctions import hooks, ticker
from auctions.models import Auction, AuctionStatus, TickHeartbeat
from auctions.services import auctions_tick
from auctions.tests.factories import AuctionFactory, minutes


def due_auction() -> Auction:
    """Active, its first drop due a minute ago."""
    return AuctionFactory.create(now=timezone.now() - minutes(61))


# tick_once begins by closing a connection it finds inside a transaction (a test's is): real ones here.
@pytest.mark.django_db(transaction=True)
def test_tick_once_applies_what_is_due_and_records_the_heartbeat():
    auction = due_auction()

    result = ticker.tick_once()

    assert result is not None
    assert result.processed == 1
    auction.refresh_from_db()
    assert auction.current_price == auction.start_price - auction.drop_amount
    heartbeat = TickHeartbeat.objects.get()
    assert heartbeat.last_processed == 1
    assert timezone.now() - heartbeat.last_tick_at < timedelta(minutes=1)


@pytest.mark.django_db(transaction=True)
def test_a_failed_tick_is_logged_and_rolled_back_and_the_next_one_does_its_work(caplog):
    # given: an auction past its close, and a subscriber to expiries that fails once
    auction = AuctionFactory.create(now=timezone.now() - minutes(130))

    def studio_unreachable(*, auctions: list[Auction]) -> None:
        raise ConnectionError("the notification service is down")

    hooks.auctions_expired.connect(studio_unreachable)
    try:
        failed = ticker.tick_once()
    finally:
        hooks.auctions_expired.disconnect(studio_unreachable)
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE

    # when
    next_one = ticker.tick_once()

    # then
    assert failed is None
    assert "tick failed; retrying" in caplog.text
    assert next_one is not None
    assert next_one.status_changes == {AuctionStatus.EXPIRED: 1}


@pytest.mark.django_db
def test_run_until_an_already_set_stop_does_not_tick():
    due_auction()
    stop = threading.Event()
    stop.set()

    ticker.run_until(stop, interval=0.01)

    assert not TickHeartbeat.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_run_until_ticks_every_interval_in_its_thread_until_stopped():
    # given: the ticker on a thread of its own, as `manage.py run_ticker` runs it
    stop = threading.Event()

    def run() -> None:
        try:
            ticker.run_until(stop, interval=0.05)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()

    # when: an auction falls due while it runs
    auction = due_auction()

    # then: a later tick applies it; once stopped, the thread ends within an interval
    for _ in range(100):
        auction.refresh_from_db()
        if auction.current_price != auction.start_price:
            break
        stop.wait(0.05)
    stop.set()
    thread.join(timeout=2)
    assert not thread.is_alive()
    assert auction.current_price == auction.start_price - auction.drop_amount
    assert auction.status == AuctionStatus.ACTIVE


@pytest.mark.django_db
def test_health_report_before_any_tick_says_never():
    assert ticker.health_report() == {"ticker": {"state": "never", "last_tick_at": None, "age_seconds": None}}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tick_seconds", "age", "state"),
    [
        (1.0, 0, "ok"),
        (1.0, ticker.STALE_TICK_SECONDS - 1, "ok"),
        (1.0, ticker.STALE_TICK_SECONDS + 1, "stale"),
        (10.0, 49, "ok"),  # a slow ticker is given five of its intervals
        (10.0, 51, "stale"),
    ],
)
def test_health_report_calls_the_ticker_stale_past_its_allowance(settings, tick_seconds, age, state):
    settings.HOTHOUR_TICK_SECONDS = tick_seconds
    last_tick_at = timezone.now() - timedelta(seconds=age)
    TickHeartbeat.objects.create(pk=1, last_tick_at=last_tick_at)

    report = ticker.health_report()["ticker"]

    assert report["state"] == state
    assert report["last_tick_at"] == last_tick_at.isoformat()
    assert report["age_seconds"] == pytest.approx(age, abs=1)


def _step_due_in(seconds: float) -> Auction:
    """Active on 1-minute steps, its first step `seconds` from now (a negative figure: not applied yet)."""
    start_time = timezone.now() + timedelta(seconds=seconds - 60)
    return AuctionFactory.create(
        now=start_time + timedelta(seconds=30), start_time=start_time, drop_interval_mins=1
    )


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, int]]:
    """(event, auction id) of every auction event that leaves after a commit."""
    sent: list[tuple[str, int]] = []

    def record(messages) -> None:
        sent.extend((event, data.get("auction_id", data.get("id"))) for _, event, data in messages)

    monkeypatch.setattr("auctions.events._send_now", record)
    return sent


@pytest.mark.django_db(transaction=True)
def test_an_on_time_step_delivered_twice_is_applied_and_published_once(published):
    auction = _step_due_in(-0.5)
    due_at = auction.next_change_at
    assert due_at is not None

    first = ticker.step_on_time(auction.pk, due_at)
    again = ticker.step_on_time(auction.pk, due_at)

    assert (first, again) == (1, 0)
    assert published == [("price_update", auction.pk)]
    auction.refresh_from_db()
    assert auction.current_price == auction.start_price - auction.drop_amount
    assert auction.next_change_at == due_at + timedelta(minutes=1)


@pytest.mark.django_db(transaction=True)
def test_an_on_time_step_delivered_early_waits_for_its_instant(published):
    auction = _step_due_in(0.4)
    due_at = auction.next_change_at
    assert due_at is not None

    processed = ticker.step_on_time(auction.pk, due_at)

    assert processed == 1
    assert timezone.now() >= due_at
    assert published == [("price_update", auction.pk)]


@pytest.mark.django_db(transaction=True)
def test_an_on_time_step_far_too_early_is_left_to_the_sweep(published):
    auction = _step_due_in(30)
    assert auction.next_change_at is not None

    assert ticker.step_on_time(auction.pk, auction.next_change_at) == 0

    assert published == []
    auction.refresh_from_db()
    assert auction.current_price == auction.start_price


@pytest.mark.django_db(transaction=True)
def test_two_on_time_steps_at_once_publish_one_step(published):
    # given the same step delivered to two workers at the same instant
    auction = _step_due_in(-0.2)
    due_at = auction.next_change_at
    assert due_at is not None
    results: list[int] = []
    gate = threading.Barrier(2)

    def deliver() -> None:
        try:
            gate.wait()
            results.append(ticker.step_on_time(auction.pk, due_at))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(results) == [0, 1]
    assert published == [("price_update", auction.pk)]


@pytest.mark.django_db(transaction=True)
def test_the_on_time_step_waits_for_a_held_lock_instead_of_skipping_it(published):
    # given a grab holding the auction's row lock when its step falls due
    auction = _step_due_in(-0.1)
    due_at = auction.next_change_at
    assert due_at is not None
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                Auction.objects.select_for_update().get(pk=auction.pk)
                locked.set()
                release.wait(5)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    locked.wait(5)

    # when the sweep runs it skips the row; the on-time step waits for it
    swept = auctions_tick()
    threading.Timer(0.2, release.set).start()
    stepped = ticker.step_on_time(auction.pk, due_at)
    holder.join(5)

    # then
    assert swept.processed == 0
    assert stepped == 1
    assert published == [("price_update", auction.pk)]


@pytest.mark.django_db(transaction=True)
def test_the_ticker_sleeps_until_the_earliest_change_at_most_its_interval():
    soon = _step_due_in(5)
    assert soon.next_change_at is not None

    pause = ticker.tick_then_pause(interval=60)
    capped = ticker.tick_then_pause(interval=1)

    assert 0 < pause <= 5
    assert pause == pytest.approx((soon.next_change_at - timezone.now()).total_seconds(), abs=0.5)
    assert capped == 1


@pytest.mark.django_db(transaction=True)
def test_the_ticker_with_nothing_due_ever_sleeps_its_interval():
    AuctionFactory.create(sold=True)

    assert ticker.tick_then_pause(interval=3) == 3


@pytest.mark.django_db(transaction=True)
def test_run_until_publishes_a_step_at_its_instant_not_at_the_next_poll(published):
    # given a ticker whose safety sweep is far apart, and a step due soon
    auction = _step_due_in(0.6)
    due_at = auction.next_change_at
    assert due_at is not None
    stop = threading.Event()

    def run() -> None:
        try:
            ticker.run_until(stop, interval=30)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        # when the step falls due
        for _ in range(60):
            if published:
                break
            stop.wait(0.05)
        published_at = timezone.now()
    finally:
        stop.set()
        thread.join(timeout=5)

    # then it was published at its instant (DESIGN: within 150 ms), not 30 s later, never before
    assert published == [("price_update", auction.pk)]
    assert 0 <= (published_at - due_at).total_seconds() <= 0.15 + 0.05
