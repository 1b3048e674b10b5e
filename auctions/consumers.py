"""Public live prices: `/ws/auctions/` (every published auction) and `/ws/auctions/{id}/`."""

from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone

from core.realtime.consumers import CLOSE_NOT_FOUND, HotHourConsumer

from . import events, selectors
from .api.serializers import AuctionSerializer


@database_sync_to_async
def _snapshot(auction_id: int | None) -> list[dict[str, Any]] | dict[str, Any] | None:
    now = timezone.now()
    context = {"now": now}
    if auction_id is not None:
        auction = selectors.published_auctions().filter(pk=auction_id).first()
        return None if auction is None else dict(AuctionSerializer(auction, context=context).data)
    live = selectors.published_auctions().filter(end_time__gt=now).order_by("end_time", "id")
    return list(AuctionSerializer(live, many=True, context=context).data)


class AuctionsConsumer(HotHourConsumer):
    async def connect(self) -> None:
        auction_id = self.scope["url_route"]["kwargs"].get("auction_id")
        await self.accept()
        group = events.auction_group(auction_id) if auction_id is not None else events.ALL_AUCTIONS_GROUP
        # Join before reading the snapshot, so no change between the two is lost.
        if not await self.join(group):
            return
        snapshot = await _snapshot(auction_id)
        if snapshot is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.send_snapshot(snapshot)
