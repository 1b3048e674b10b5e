"""The tick: status changes, price steps and turbo, applied only to the auctions that are due."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from auctions import lifecycle, pricing
from auctions.models import Auction, AuctionStatus
from auctions.services import auctions_tick
from auctions.tests.factories import make_auction, minutes

pytestmark = pytest.mark.django_db


def test_tick_opens_a_scheduled_auction_at_its_start():
    # given
    now = timezone.now()
    auction = make_auction(now=now, start_time=now + minutes(30))
    assert auction.status == AuctionStatus.SCHEDULED

    # when
    early = auctions_tick(now=auction.start_time - minutes(1) / 60)
    result = auctions_tick(now=auction.start_time)

    # then
    assert early.processed == 0
    assert result.processed == 1
    assert result.status_changes == {AuctionStatus.ACTIVE: 1}
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE
    assert auction.current_price == Decimal("500.00")
    assert auction.next_change_at == auction.start_time + minutes(60)


def test_tick_expires_an_active_auction_at_its_end():
    # given
    auction = make_auction()

    # when
    result = auctions_tick(now=auction.end_time)

    # then
    assert result.status_changes == {AuctionStatus.EXPIRED: 1}
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.EXPIRED
    assert auction.next_change_at is None
    assert auctions_tick(now=auction.end_time + minutes(60)).processed == 0


def test_tick_expires_a_scheduled_auction_it_never_saw_open():
    now = timezone.now()
    auction = make_auction(now=now, start_time=now + minutes(30))

    result = auctions_tick(now=auction.end_time + minutes(5))

    assert result.status_changes == {AuctionStatus.EXPIRED: 1}
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.EXPIRED
    assert auction.next_change_at is None


def test_tick_steps_the_cached_price_at_a_drop():
    # given
    auction = make_auction()
    drop_at = auction.start_time + minutes(60)
    assert auction.next_change_at == drop_at

    # when
    result = auctions_tick(now=drop_at)

    # then
    assert result.processed == 1
    assert result.status_changes == {}
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE
    assert auction.current_price == Decimal("450.00")
    assert auction.next_change_at == auction.end_time


def test_tick_records_turbo_starting_by_itself():
    # given: turbo 30 minutes before a close 120 minutes after the start
    auction = make_auction(turbo=True)
    trigger = auction.end_time - minutes(30)
    auctions_tick(now=auction.start_time + minutes(60))
    auction.refresh_from_db()
    assert auction.turbo_started_at is None
    assert auction.next_change_at == trigger

    # when
    auctions_tick(now=trigger)

    # then
    auction.refresh_from_db()
    assert auction.turbo_started_at == trigger
    assert auction.current_price == Decimal("450.00")
    assert auction.next_change_at == trigger + minutes(5)


def test_tick_touches_only_due_auctions():
    # given: two due (a drop, an opening), two not due yet
    now = timezone.now()
    dropping = make_auction(now=now - minutes(60), start_time=now - minutes(61))
    opening = make_auction(now=now - minutes(5), start_time=now - minutes(1))
    waiting = [make_auction(now=now), make_auction(now=now, start_time=now + minutes(5))]
    untouched = {a.pk: a.updated_at for a in waiting}

    # when
    result = auctions_tick(now=now)

    # then
    assert result.processed == 2
    assert dict(Auction.objects.filter(pk__in=untouched).values_list("pk", "updated_at")) == untouched
    dropping.refresh_from_db()
    opening.refresh_from_db()
    assert (dropping.status, dropping.current_price) == (AuctionStatus.ACTIVE, Decimal("450.00"))
    assert opening.status == AuctionStatus.ACTIVE


def test_tick_cost_does_not_grow_with_auctions_that_are_not_due():
    # given: a first tick has run (whatever it sets up once is not a cost per auction)
    now = timezone.now()
    auctions_tick(now=now)
    make_auction(now=now - minutes(60), start_time=now - minutes(61))
    with CaptureQueriesContext(connection) as alone:
        assert auctions_tick(now=now).processed == 1
    make_auction(now=now - minutes(60), start_time=now - minutes(61))
    for _ in range(30):
        make_auction(now=now)

    # when
    with CaptureQueriesContext(connection) as among_many:
        result = auctions_tick(now=now)

    # then
    assert result.processed == 1
    assert len(among_many) == len(alone)


def test_tick_is_idempotent():
    # given
    now = timezone.now()
    auction = make_auction(now=now - minutes(60), start_time=now - minutes(61))
    assert auctions_tick(now=now).processed == 1
    auction.refresh_from_db()
    after_first = (auction.status, auction.current_price, auction.next_change_at, auction.updated_at)

    # when
    second = auctions_tick(now=now)

    # then
    assert second.processed == 0
    auction.refresh_from_db()
    assert (auction.status, auction.current_price, auction.next_change_at, auction.updated_at) == after_first


def test_tick_after_a_pause_catches_up_with_the_price_function():
    # given: the worked example of DESIGN section 2; the tick last ran when turbo began
    auction = make_auction(turbo=True)
    trigger = auction.end_time - minutes(30)
    auctions_tick(now=trigger)
    later = trigger + minutes(15)  # a 10 minute pause after the first turbo drop was due

    # when
    result = auctions_tick(now=later)

    # then
    assert result.processed == 1
    auction.refresh_from_db()
    settings = pricing.PriceSettings.of(auction)
    assert auction.current_price == pricing.price_at(settings, later) == Decimal("390.00")
    assert auction.next_change_at == lifecycle.next_change_at(auction.status, settings, later)
    assert auction.next_change_at == later + minutes(5)


def test_tick_after_a_long_pause_jumps_straight_to_the_state_of_now():
    # given: a scheduled auction no tick has seen open, drop or start its turbo
    now = timezone.now()
    auction = make_auction(now=now, turbo=True, start_time=now + minutes(1))
    later = auction.start_time + minutes(112)

    # when
    result = auctions_tick(now=later)

    # then: one pass opens it, applies the normal drop and four turbo drops, and records the turbo
    assert result.processed == 1
    assert result.status_changes == {AuctionStatus.ACTIVE: 1}
    auction.refresh_from_db()
    settings = pricing.PriceSettings.of(auction)
    assert auction.status == AuctionStatus.ACTIVE
    assert auction.turbo_started_at == auction.end_time - minutes(30)
    assert auction.current_price == pricing.price_at(settings, later) == Decimal("370.00")
    assert auctions_tick(now=later).processed == 0


def test_tick_processes_in_batches_until_nothing_is_due():
    now = timezone.now()
    for _ in range(5):
        make_auction(now=now - minutes(60), start_time=now - minutes(61))

    result = auctions_tick(now=now, batch_size=2)

    assert result.processed == 5
    assert set(Auction.objects.values_list("current_price", flat=True)) == {Decimal("450.00")}


def _rows() -> list[Any]:
    return list(Auction.objects.order_by("pk").values())


def test_reads_never_write(api_client):
    # given: auctions the tick is late for (a passed opening, a drop, an end) and a sold one
    now = timezone.now()
    late_opening = make_auction(now=now - minutes(10), start_time=now - minutes(5))
    make_auction(now=now - minutes(60), start_time=now - minutes(70))
    make_auction(now=now - minutes(130), start_time=now - minutes(130))
    make_auction(now=now, turbo=True, start_time=now - minutes(100))
    before = _rows()

    # when
    with CaptureQueriesContext(connection) as queries:
        listing = api_client.get(reverse("auction-list"))
        detail = api_client.get(reverse("auction-detail", args=[late_opening.pk]))
        filtered = api_client.get(reverse("auction-list"), {"status": "EXPIRED"})

    # then
    assert (listing.status_code, detail.status_code, filtered.status_code) == (200, 200, 200)
    assert detail.json()["status"] == AuctionStatus.ACTIVE
    assert filtered.json()["count"] == 1
    assert _rows() == before
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert not any("FOR UPDATE" in q["sql"].upper() for q in queries)
