"""The channel layer: Channels' Redis pub/sub layer, able to publish many group messages at once.

`group_send` publishes one message per round trip, one after another on each Redis server (the
layer holds a lock per shard). A tick pushes a thousand auctions' steps and a standing order's
bookings in one go: sent one by one, the last group heard of its step a thousand round trips
after the first. `group_send_many` sends each shard's share in one pipeline instead.

It builds on the layer's own channel naming, sharding and connections (channels-redis is pinned
in the lock files; core/tests/test_layers.py runs it against Redis).
"""

import asyncio
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer

GroupMessage = tuple[str, dict[str, Any]]


class PubSubChannelLayer(RedisPubSubChannelLayer):
    async def group_send_many(self, messages: list[GroupMessage]) -> list[BaseException | None]:
        """Publish each `(group, message)`, in order, one pipeline per Redis server; returns None
        per message sent, or the error of its server's pipeline."""
        layer = self._get_layer()
        by_shard: dict[Any, list[tuple[int, str, bytes]]] = {}
        for index, (group, message) in enumerate(messages):
            channel = layer._get_group_channel_name(group)
            batch = by_shard.setdefault(layer._get_shard(channel), [])
            batch.append((index, channel, self.serialize(message)))
        results: list[BaseException | None] = [None] * len(messages)
        outcomes = await asyncio.gather(
            *(_publish_all(shard, batch) for shard, batch in by_shard.items()), return_exceptions=True
        )
        for batch, outcome in zip(by_shard.values(), outcomes, strict=True):
            if isinstance(outcome, BaseException):
                for index, _, _ in batch:
                    results[index] = outcome
        return results


async def _publish_all(shard: Any, batch: list[tuple[int, str, bytes]]) -> None:
    async with shard._lock:
        shard._ensure_redis()
        async with shard._redis.pipeline(transaction=False) as pipe:
            for _, channel, data in batch:
                pipe.publish(channel, data)
            await pipe.execute()
