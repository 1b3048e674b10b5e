"""What auctions broadcast, and to whom. Sent after commit; public groups carry no personal data."""

import json
import logging
from datetime import datetime
from typing import Any

from django.utils import timezone

from core import effects, logs
from core.realtime.broadcast import broadcaster

from . import lifecycle
from .api.serializers import AuctionSerializer
from .models import Auction

logger = logging.getLogger(__name__)

ALL_AUCTIONS_GROUP = "auctions"

# (groups, event, data)
Message = tuple[list[str], str, dict[str, Any]]


def auction_group(auction_id: int) -> str:
    return f"auction.{auction_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def price_data(auction: Auction, now: datetime | None = None) -> dict[str, Any]:
    """The small events about one auction (`price_update`, `turbo_triggered`), keyed `auction_id`."""
    live = lifecycle.live_state(auction, now or timezone.now())
    return {
        "auction_id": auction.pk,
        "status": live.status,
        "current_price": str(live.price),
        "next_price": None if live.next_price is None else str(live.next_price),
        "next_drop_at": None if live.next_drop_at is None else live.next_drop_at.isoformat(),
        "turbo_active": live.turbo_active,
        "turbo_started_at": auction.turbo_started_at.isoformat() if auction.turbo_started_at else None,
    }


def public_auction(auction: Auction, now: datetime | None = None) -> dict[str, Any]:
    """The API's public auction object (keyed `id`), as `auction_created`/`auction_updated` carry it."""
    return dict(AuctionSerializer(auction, context={"now": now or timezone.now()}).data)


# Events that carry the whole public auction; the others carry `price_data`.
WHOLE_AUCTION_EVENTS = ("auction_created", "auction_updated")


def auction_message(auction: Auction, event: str = "auction_updated", now: datetime | None = None) -> Message:
    data = public_auction(auction, now) if event in WHOLE_AUCTION_EVENTS else price_data(auction, now)
    return [ALL_AUCTIONS_GROUP, auction_group(auction.pk)], event, data


def send(groups: list[str], event: str, data: dict[str, Any]) -> None:
    """Queue `event` for `groups` once the current transaction commits."""
    send_many([(groups, event, data)])


def send_many(messages: list[Message]) -> None:
    """Queue many events at once: one trip to the channel layer for a whole tick."""
    if messages:
        effects.on_commit(_send_now, messages)


def auction_changed(auction: Auction, event: str = "auction_updated") -> None:
    send_many([auction_message(auction, event)])


def _send_now(messages: list[Message]) -> None:
    server_time = timezone.now().isoformat()
    # Metadata for the fan-out's log line, never sent to clients: which request caused this.
    caused_by = [cause] if (cause := logs.request_id.get()) else []
    outgoing = []
    for groups, event, data in messages:
        # The frame clients receive, serialised once here rather than once per socket.
        text = json.dumps({"event": event, "data": data, "server_time": server_time})
        outgoing += [
            (group, {"type": "broadcast", "group": group, "texts": [text], "request_ids": caused_by})
            for group in groups
        ]
    broadcaster.submit(outgoing)
