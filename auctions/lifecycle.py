"""The auction status at an instant, and when an auction next changes: pure, so reads never write.

Stored statuses move forward only in services (publish, grab, cancel, the tick); what the
stored status lags behind (a tick that has not run yet) is recomputed here from the clock.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from . import pricing
from .models import AuctionStatus


def status_at(status: str, settings: pricing.PriceSettings, t: datetime) -> str:
    """The status `status` has become by `t` through the passage of time alone."""
    if status == AuctionStatus.SCHEDULED and t >= settings.start_time:
        status = AuctionStatus.ACTIVE
    if status == AuctionStatus.ACTIVE and t >= settings.end_time:
        status = AuctionStatus.EXPIRED
    return status


def is_grabbable(status: str, settings: pricing.PriceSettings, t: datetime) -> bool:
    return (
        status_at(status, settings, t) == AuctionStatus.ACTIVE
        and settings.start_time <= t < settings.end_time
    )


def next_change_at(status: str, settings: pricing.PriceSettings, t: datetime) -> datetime | None:
    """The next instant the tick has work for: opening, a price step, turbo starting, or closing."""
    status = status_at(status, settings, t)
    if status == AuctionStatus.SCHEDULED:
        return settings.start_time
    if status != AuctionStatus.ACTIVE:
        return None
    candidates = [settings.end_time]
    drop = pricing.next_drop_at(settings, t)
    if drop is not None:
        candidates.append(drop)
    turbo = pricing.turbo_from(settings)
    if turbo is not None and t < turbo < settings.end_time:
        candidates.append(turbo)
    return min(candidates)


@dataclass(frozen=True)
class LiveState:
    """What an auction shows at an instant: the API, the WebSockets and the admin all read this."""

    status: str
    price: Decimal
    next_price: Decimal | None
    next_drop_at: datetime | None
    turbo_active: bool
    settings: pricing.PriceSettings


def live_state(auction: Any, now: datetime) -> LiveState:
    settings = pricing.PriceSettings.of(auction)
    status = status_at(auction.status, settings, now)
    quote = pricing.quote(settings, now)
    selling = status in (AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE)
    # A sold or cancelled spot keeps the price it stood at; a closed one shows no next drop.
    frozen = status in (AuctionStatus.SOLD, AuctionStatus.CANCELLED)
    return LiveState(
        status=status,
        price=auction.current_price if frozen else quote.price,
        next_price=quote.next_price if selling else None,
        next_drop_at=quote.next_drop_at if selling else None,
        turbo_active=quote.turbo_active and status == AuctionStatus.ACTIVE,
        settings=settings,
    )
