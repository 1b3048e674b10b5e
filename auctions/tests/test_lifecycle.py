"""auctions.lifecycle: the status an auction has reached by an instant, when it next changes, and what
it shows then. Pure: unsaved auctions, fixed instants, no database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from auctions import lifecycle, pricing
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import AuctionFactory, minutes

# The factory's auction: open 09:00-11:00, 500 down 50 an hour; turbo 20 every 5 min from 10:30.
OPENS = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
CLOSES = OPENS + minutes(120)
TURBO_FROM = CLOSES - minutes(30)
MICROSECOND = timedelta(microseconds=1)


def auction(status: str = AuctionStatus.ACTIVE, **fields) -> Auction:
    return AuctionFactory.build(now=OPENS + minutes(10), status=status, **fields)


def settings_of(**fields) -> pricing.PriceSettings:
    return pricing.PriceSettings.of(auction(**fields))


@pytest.mark.parametrize(
    ("stored", "at", "expected"),
    [
        (AuctionStatus.SCHEDULED, OPENS - MICROSECOND, AuctionStatus.SCHEDULED),
        (AuctionStatus.SCHEDULED, OPENS, AuctionStatus.ACTIVE),
        (AuctionStatus.SCHEDULED, CLOSES, AuctionStatus.EXPIRED),
        (AuctionStatus.ACTIVE, CLOSES - MICROSECOND, AuctionStatus.ACTIVE),
        (AuctionStatus.ACTIVE, CLOSES, AuctionStatus.EXPIRED),
        (AuctionStatus.DRAFT, CLOSES, AuctionStatus.DRAFT),
        (AuctionStatus.SOLD, CLOSES, AuctionStatus.SOLD),
        (AuctionStatus.CANCELLED, OPENS, AuctionStatus.CANCELLED),
        (AuctionStatus.EXPIRED, OPENS, AuctionStatus.EXPIRED),
    ],
)
def test_time_alone_opens_and_closes_an_auction_and_moves_no_other_status(stored, at, expected):
    assert lifecycle.status_at(stored, settings_of(), at) == expected


@pytest.mark.parametrize(
    ("stored", "at", "grabbable"),
    [
        (AuctionStatus.ACTIVE, OPENS, True),
        (AuctionStatus.SCHEDULED, OPENS, True),  # the tick has not opened it yet
        (AuctionStatus.ACTIVE, OPENS - MICROSECOND, False),
        (AuctionStatus.ACTIVE, CLOSES - MICROSECOND, True),
        (AuctionStatus.ACTIVE, CLOSES, False),
        (AuctionStatus.SOLD, OPENS + minutes(1), False),
        (AuctionStatus.DRAFT, OPENS + minutes(1), False),
    ],
)
def test_a_spot_is_grabbable_only_while_its_auction_is_open(stored, at, grabbable):
    assert lifecycle.is_grabbable(stored, settings_of(), at) is grabbable


@pytest.mark.parametrize(
    ("stored", "at", "turbo", "expected"),
    [
        (AuctionStatus.SCHEDULED, OPENS - minutes(30), False, OPENS),
        (AuctionStatus.SCHEDULED, OPENS, False, OPENS + minutes(60)),
        (AuctionStatus.ACTIVE, OPENS + minutes(59), False, OPENS + minutes(60)),
        (AuctionStatus.ACTIVE, OPENS + minutes(60), False, CLOSES),  # the last drop lands at the close
        (AuctionStatus.ACTIVE, OPENS + minutes(60), True, TURBO_FROM),
        (AuctionStatus.ACTIVE, TURBO_FROM, True, TURBO_FROM + minutes(5)),
        (AuctionStatus.ACTIVE, CLOSES, False, None),
        (AuctionStatus.SOLD, OPENS, False, None),
        (AuctionStatus.DRAFT, OPENS, False, None),
    ],
)
def test_next_change_is_the_opening_a_drop_turbo_or_the_close_whichever_comes_first(
    stored, at, turbo, expected
):
    assert lifecycle.next_change_at(stored, settings_of(turbo=turbo), at) == expected


def test_live_state_of_an_open_auction_is_read_off_the_price_curve():
    live = lifecycle.live_state(auction(turbo=True), TURBO_FROM + minutes(5))

    assert live.status == AuctionStatus.ACTIVE
    assert (live.price, live.next_price) == (Decimal("430.00"), Decimal("410.00"))
    assert live.next_drop_at == TURBO_FROM + minutes(10)
    assert live.turbo_active is True


def test_live_state_of_a_scheduled_auction_announces_its_first_drop():
    live = lifecycle.live_state(auction(AuctionStatus.SCHEDULED, turbo=True), OPENS - minutes(1))

    assert live.status == AuctionStatus.SCHEDULED
    assert (live.price, live.next_price, live.next_drop_at) == (
        Decimal("500.00"),
        Decimal("450.00"),
        OPENS + minutes(60),
    )
    assert live.turbo_active is False


@pytest.mark.parametrize("status", [AuctionStatus.SOLD, AuctionStatus.CANCELLED])
def test_a_sold_or_cancelled_spot_keeps_the_price_it_stood_at_and_announces_nothing(status):
    stopped = auction(status, turbo=True, current_price=Decimal("450.00"))

    live = lifecycle.live_state(stopped, TURBO_FROM + minutes(20))

    assert (live.status, live.price) == (status, Decimal("450.00"))
    assert (live.next_price, live.next_drop_at, live.turbo_active) == (None, None, False)


def test_an_auction_past_its_close_shows_expired_with_no_next_drop_before_any_tick():
    live = lifecycle.live_state(auction(turbo=True), CLOSES + minutes(1))

    assert live.status == AuctionStatus.EXPIRED
    assert (live.next_price, live.next_drop_at, live.turbo_active) == (None, None, False)
    assert live.settings == settings_of(turbo=True)
