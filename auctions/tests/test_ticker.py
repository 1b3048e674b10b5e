"""auctions.ticker: one tick as every driver runs it, the thread loop that stops when told, and the
ticker's part of the health report."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from auctions import hooks, ticker
from auctions.models import Auction, AuctionStatus, TickHeartbeat
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
