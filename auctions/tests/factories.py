"""Factories for auctions: rows straight into the database, or through the real services.

`AuctionFactory` writes a consistent row in one insert (fast, for lists and constraints);
`make_auction` goes through `auction_create(..., publish=True)`, so the status, cached price and
`next_change_at` are whatever the services make of them.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from accounts.models import Studio
from accounts.tests.factories import StudioFactory
from auctions import lifecycle, pricing, services
from auctions.models import Auction, AuctionStatus

START_PRICE = Decimal("500.00")
FLOOR_PRICE = Decimal("100.00")
DROP_AMOUNT = Decimal("50.00")
DROP_INTERVAL_MINS = 60
DURATION = timedelta(minutes=120)
CLASS_AFTER_CLOSE = timedelta(minutes=60)
# An AuctionFactory row made with `now=t` has its class at t + CLASS_AFTER_OPENING.
CLASS_AFTER_OPENING = DURATION + CLASS_AFTER_CLOSE - timedelta(minutes=10)
# Turbo of the worked example of DESIGN section 2: 20 every 5 min, 30 min before the close.
TURBO = {
    "turbo_enabled": True,
    "turbo_trigger_mins": 30,
    "turbo_drop_amount": Decimal("20.00"),
    "turbo_interval_mins": 5,
}


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def _price_settings(o: Any) -> pricing.PriceSettings:
    return pricing.PriceSettings.of(o)


class AuctionFactory(factory.django.DjangoModelFactory[Auction]):
    """An ACTIVE auction opened 10 minutes before `now`; traits for the other states."""

    class Meta:
        model = Auction

    class Params:
        # The instant the row describes: cached price and next change are computed at it.
        now = factory.LazyFunction(timezone.now)
        draft = factory.Trait(
            status=AuctionStatus.DRAFT,
            start_time=factory.LazyAttribute(lambda o: o.now + minutes(60)),
        )
        scheduled = factory.Trait(
            status=AuctionStatus.SCHEDULED,
            start_time=factory.LazyAttribute(lambda o: o.now + minutes(60)),
        )
        expired = factory.Trait(
            status=AuctionStatus.EXPIRED,
            start_time=factory.LazyAttribute(lambda o: o.now - minutes(180)),
        )
        cancelled = factory.Trait(status=AuctionStatus.CANCELLED)
        sold = factory.Trait(status=AuctionStatus.SOLD)
        turbo = factory.Trait(**TURBO)

    studio = factory.SubFactory(StudioFactory)
    title = factory.Sequence(lambda n: f"Reformer pilates {n}")
    description = "Bring a towel."
    start_price = START_PRICE
    floor_price = FLOOR_PRICE
    drop_amount = DROP_AMOUNT
    drop_interval_mins = DROP_INTERVAL_MINS
    start_time = factory.LazyAttribute(lambda o: o.now - minutes(10))
    end_time = factory.LazyAttribute(lambda o: o.start_time + DURATION)
    scheduled_at = factory.LazyAttribute(lambda o: o.end_time + CLASS_AFTER_CLOSE)
    turbo_enabled = False
    turbo_trigger_mins = 30
    turbo_drop_amount = None
    turbo_interval_mins = 5
    turbo_started_at = None
    status = AuctionStatus.ACTIVE
    current_price = factory.LazyAttribute(lambda o: pricing.price_at(_price_settings(o), o.now))
    next_change_at = factory.LazyAttribute(
        lambda o: lifecycle.next_change_at(o.status, _price_settings(o), o.now)
    )


def auction_values(*, now: datetime, **overrides: Any) -> dict[str, Any]:
    """Valid settings for `auction_create`: open from 10 min before `now` for 120 min.

    Times that are not given follow the ones that are: `end_time` 120 min after `start_time`,
    `scheduled_at` 60 min after `end_time`. `turbo=True` adds the worked example's turbo.
    """
    turbo = overrides.pop("turbo", False)
    values: dict[str, Any] = {
        "title": "Reformer pilates",
        "start_price": START_PRICE,
        "floor_price": FLOOR_PRICE,
        "drop_amount": DROP_AMOUNT,
        "drop_interval_mins": DROP_INTERVAL_MINS,
        **(TURBO if turbo else {}),
        **overrides,
    }
    values.setdefault("start_time", now - minutes(10))
    values.setdefault("end_time", values["start_time"] + DURATION)
    values.setdefault("scheduled_at", values["end_time"] + CLASS_AFTER_CLOSE)
    return values


def make_auction(
    *, studio: Studio | None = None, now: datetime | None = None, publish: bool = True, **overrides: Any
) -> Auction:
    """An auction created (and by default published) by the services at `now`."""
    now = now or timezone.now()
    return services.auction_create(
        studio=studio or StudioFactory.create(),
        publish=publish,
        now=now,
        **auction_values(now=now, **overrides),
    )


def make_auction_dropping_in(seconds: float, *, now: datetime | None = None) -> tuple[Auction, datetime]:
    """A published auction of 1-minute steps whose first drop is `seconds` after `now`; and that instant."""
    now = now or timezone.now()
    auction = make_auction(
        start_time=now - timedelta(seconds=60 - seconds),
        end_time=now + timedelta(minutes=30),
        drop_interval_mins=1,
        now=now,
    )
    drop_at = pricing.next_drop_at(pricing.PriceSettings.of(auction), now)
    assert drop_at is not None
    return auction, drop_at


def make_stepping_auctions(
    count: int, *, first_in: float, every: float, studio: Studio | None = None
) -> dict[int, float]:
    """`count` published auctions on 2-minute steps (500 down by 50), the first step of the i-th
    falling `first_in + i * every` seconds from now, so each steps once in a short run; returns
    {auction id: that instant as a timestamp}."""
    studio = studio or StudioFactory.create()
    now = timezone.now()
    instants = {}
    for i in range(count):
        first_step = now + timedelta(seconds=first_in + i * every)
        auction = make_auction(
            studio=studio,
            now=now,
            title=f"Stepping class {i}",
            start_price=Decimal("500.00"),
            floor_price=Decimal("100.00"),
            drop_amount=Decimal("50.00"),
            drop_interval_mins=2,
            start_time=first_step - timedelta(minutes=2),
            end_time=first_step + timedelta(hours=1),
            scheduled_at=first_step + timedelta(hours=2),
        )
        assert pricing.next_drop_at(pricing.PriceSettings.of(auction), now) == first_step
        instants[auction.pk] = first_step.timestamp()
    return instants


def make_expired_auction(**overrides: Any) -> Auction:
    """Published while it was open, then closed by the tick.

    The tick runs at the real instant, so it also brings any other due auction up to date.
    """
    now = timezone.now()
    opened = now - minutes(180)
    auction = make_auction(now=opened + minutes(10), start_time=opened, **overrides)
    services.auctions_tick(now=now)
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.EXPIRED
    return auction


def make_cancelled_auction(**overrides: Any) -> Auction:
    auction = make_auction(**overrides)
    return services.auction_cancel(auction_id=auction.pk)
