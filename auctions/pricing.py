"""The price of an auction as a pure function of its settings and an instant (DESIGN section 2).

No Django and no database here: the model, the tick, the API and the grab all ask these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
# The most points a schedule is given as (DESIGN section 4): validation keeps new auctions within
# it, and an older auction beyond it is answered with its first points.
MAX_SCHEDULE_POINTS = 500


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _utc(value: datetime, name: str) -> datetime:
    # A naive datetime would shift every step by the server's UTC offset; refuse it rather than guess.
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    # Subtracting two datetimes sharing a DST zone compares wall clocks; UTC makes it elapsed time.
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class PriceSettings:
    """Everything the price depends on, named like the Auction model's fields."""

    start_price: Decimal
    floor_price: Decimal
    start_time: datetime
    end_time: datetime
    drop_interval_mins: int
    drop_amount: Decimal
    turbo_enabled: bool = False
    turbo_trigger_mins: int = 0
    turbo_drop_amount: Decimal | None = None  # nullable on the model while turbo is off
    turbo_interval_mins: int = 0
    turbo_started_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("start_time", "end_time", "turbo_started_at"):
            if (value := getattr(self, name)) is not None:
                object.__setattr__(self, name, _utc(value, name))
        if self.turbo_enabled and self.turbo_drop_amount is None:
            raise ValueError("turbo_enabled needs a turbo_drop_amount")

    @classmethod
    def of(cls, source: Any) -> PriceSettings:
        """Read the settings off anything that has them as attributes, typically an Auction."""
        return cls(**{field.name: getattr(source, field.name) for field in fields(cls)})


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    price: Decimal


@dataclass(frozen=True, slots=True)
class Quote:
    price: Decimal
    next_price: Decimal | None
    next_drop_at: datetime | None
    turbo_active: bool
    turbo_from: datetime | None


def _steps_taken(origin: datetime, interval_mins: int, t: datetime) -> int:
    # floor(whole_minutes(d) / n) == floor(d / n minutes) for a whole n; timedelta division is exact.
    return max(0, (t - origin) // timedelta(minutes=interval_mins))


def _next_step_after(origin: datetime, interval_mins: int, t: datetime) -> datetime:
    return origin + (_steps_taken(origin, interval_mins, t) + 1) * timedelta(minutes=interval_mins)


def turbo_from(s: PriceSettings) -> datetime | None:
    """When turbo drops start counting: the automatic trigger, or earlier if a manager started it."""
    if not s.turbo_enabled:
        return None
    automatic = s.end_time - timedelta(minutes=s.turbo_trigger_mins)
    begins = automatic if s.turbo_started_at is None else min(automatic, s.turbo_started_at)
    # Nothing drops before the auction opens, so turbo cannot bank steps ahead of start_time.
    return max(begins, s.start_time)


def turbo_active(s: PriceSettings, t: datetime) -> bool:
    begins = turbo_from(s)
    return begins is not None and begins <= _utc(t, "t")


def price_at(s: PriceSettings, t: datetime) -> Decimal:
    t = _utc(t, "t")
    reduction = s.drop_amount * _steps_taken(s.start_time, s.drop_interval_mins, t)
    if (turbo_start := turbo_from(s)) is not None and s.turbo_drop_amount is not None:
        reduction += s.turbo_drop_amount * _steps_taken(turbo_start, s.turbo_interval_mins, t)
    return _money(max(s.floor_price, s.start_price - reduction))


def next_drop_at(s: PriceSettings, t: datetime) -> datetime | None:
    """The first instant after t at which the price changes, or None if it won't before end_time."""
    t = _utc(t, "t")
    current = price_at(s, t)
    if current == _money(s.floor_price):
        return None
    clocks = [(s.start_time, s.drop_interval_mins)]
    if (turbo_start := turbo_from(s)) is not None:
        clocks.append((turbo_start, s.turbo_interval_mins))
    instant = t
    # One pass for any drop of a cent or more; a sub-cent drop may need a few steps to move the rounded
    # price. The auction closes at end_time, so a step landing there or later never shows.
    while (instant := min(_next_step_after(origin, mins, instant) for origin, mins in clocks)) < s.end_time:
        if price_at(s, instant) != current:
            return instant
    return None


def next_price(s: PriceSettings, t: datetime) -> Decimal | None:
    drop_at = next_drop_at(s, t)
    return None if drop_at is None else price_at(s, drop_at)


def quote(s: PriceSettings, t: datetime) -> Quote:
    drop_at = next_drop_at(s, t)
    return Quote(
        price=price_at(s, t),
        next_price=None if drop_at is None else price_at(s, drop_at),
        next_drop_at=drop_at,
        turbo_active=turbo_active(s, t),
        turbo_from=turbo_from(s),
    )


def schedule(s: PriceSettings, limit: int | None = None) -> list[Step]:
    """The curve: the opening price, then every change until the floor or end_time (the first
    `limit` points only, if given: what is shown is bounded by MAX_SCHEDULE_POINTS)."""
    steps = [Step(s.start_time, price_at(s, s.start_time))]
    while (limit is None or len(steps) < limit) and (drop_at := next_drop_at(s, steps[-1].at)) is not None:
        steps.append(Step(drop_at, price_at(s, drop_at)))
    return steps
