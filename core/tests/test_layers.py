"""core.realtime.layers: many group messages published at once, each to its Redis server, in order."""

import asyncio
import os

import pytest
from django.conf import settings

from core.realtime.layers import PubSubChannelLayer

NOWHERE = "redis://127.0.0.1:1/0"


def layer_over(*hosts: str) -> PubSubChannelLayer:
    hosts_config = [{"address": host} for host in hosts]
    return PubSubChannelLayer(hosts=hosts_config, prefix=f"layers-test-{os.getpid()}")


def message(group: str, text: str) -> tuple[str, dict]:
    return group, {"type": "broadcast", "group": group, "texts": [text]}


async def texts_of(layer: PubSubChannelLayer, channel: str, count: int) -> list[str]:
    return [(await asyncio.wait_for(layer.receive(channel), timeout=3))["texts"][0] for _ in range(count)]


@pytest.mark.asyncio
async def test_group_messages_over_two_servers_each_reach_their_group_in_order():
    # given: 40 groups sharded over two Redis "servers" (two databases; pub/sub spans them all)
    layer = layer_over(settings.REDIS_URL, settings.REDIS_URL.rsplit("/", 1)[0] + "/13")
    groups = [f"g{i}" for i in range(40)]
    inner = layer._get_layer()
    shards = {id(inner._get_shard(inner._get_group_channel_name(g))) for g in groups}
    assert len(shards) == 2  # both servers carry some of them
    channels = {}
    for group in groups:
        channels[group] = await layer.new_channel()
        await layer.group_add(group, channels[group])
    try:
        # when: two messages per group, interleaved, in one call
        results = await layer.group_send_many(
            [message(g, f"{g} first") for g in groups] + [message(g, f"{g} second") for g in groups]
        )

        # then: every one sent, each group's two in the order given
        assert results == [None] * 80
        for group in groups:
            assert await texts_of(layer, channels[group], 2) == [f"{group} first", f"{group} second"]
    finally:
        await layer.flush()


@pytest.mark.asyncio
async def test_a_server_that_is_down_fails_only_the_messages_it_carries():
    # given: a publisher over one reachable server and one that is not, and a listener on the first
    layer = layer_over(settings.REDIS_URL, NOWHERE)
    inner = layer._get_layer()
    groups = [f"h{i}" for i in range(20)]
    up = [g for g in groups if inner._get_shard(inner._get_group_channel_name(g)) is inner._shards[0]]
    assert 0 < len(up) < len(groups)
    listener = layer_over(settings.REDIS_URL)
    channels = {}
    for group in up:
        channels[group] = await listener.new_channel()
        await listener.group_add(group, channels[group])
    try:
        # when
        results = await layer.group_send_many([message(g, g) for g in groups])

        # then: the unreachable server's messages carry its error; the others arrived
        for group, result in zip(groups, results, strict=True):
            assert (result is None) == (group in up), (group, result)
        for group in up:
            assert await texts_of(listener, channels[group], 1) == [group]
    finally:
        await listener.flush()
