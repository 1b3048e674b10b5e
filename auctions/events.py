"""What auctions broadcast, and to whom. Sent after commit; public groups carry no personal data."""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from hothour import effects

from . import lifecycle, pricing
from .models import Auction, AuctionStatus

logger = logging.getLogger(__name__)

ALL_AUCTIONS_GROUP = "auctions"


def auction_group(auction_id: int) -> str:
    return f"auction.{auction_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def public_auction_data(auction: Auction, now: Any = None) -> dict[str, Any]:
    """The public state of an auction at `now`: what every client may see."""
    now = now or timezone.now()
    settings = pricing.PriceSettings.of(auction)
    quote = pricing.quote(settings, now)
    status = lifecycle.status_at(auction.status, settings, now)
    selling = status in (AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE)
    return {
        "auction_id": auction.pk,
        "status": status,
        "current_price": str(quote.price),
        "next_price": str(quote.next_price) if selling and quote.next_price is not None else None,
        "next_drop_at": quote.next_drop_at.isoformat() if selling and quote.next_drop_at else None,
        "turbo_active": quote.turbo_active and status == AuctionStatus.ACTIVE,
    }


def send(groups: list[str], event: str, data: dict[str, Any]) -> None:
    """Queue `event` for `groups` once the current transaction commits."""
    effects.on_commit(_send_now, groups, event, data)


def _send_now(groups: list[str], event: str, data: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "broadcast", "event": event, "data": data}
    for group in groups:
        async_to_sync(layer.group_send)(group, message)


def auction_changed(auction: Auction, event: str = "auction_updated") -> None:
    send([ALL_AUCTIONS_GROUP, auction_group(auction.pk)], event, public_auction_data(auction))
