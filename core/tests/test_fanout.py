"""core.realtime.fanout: one subscription per event loop and group, every frame to every local member."""

import asyncio
import gc
from collections.abc import Callable, Iterator

import pytest
import redis
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

from core.realtime import fanout

pytestmark = pytest.mark.asyncio

GROUP = "fanout-test"
# A port nothing listens on: the layer fails for real (connection refused), nothing is mocked.
NOWHERE = "redis://127.0.0.1:1/0"


class LayerAwayOnce(InMemoryChannelLayer):
    """The in-memory layer, except that its first read fails as Redis's does when it is away."""

    failed = False

    async def receive(self, channel: str) -> dict:
        if not self.failed:
            self.failed = True
            raise ConnectionError("Connection refused")
        return await super().receive(channel)


class Socket:
    """A member that keeps its frames, and whether the cyclic collector was on as each came in."""

    def __init__(self) -> None:
        self.frames: list[str] = []
        self.gc_enabled: list[bool] = []

    async def deliver(self, text: str) -> None:
        self.frames.append(text)
        self.gc_enabled.append(gc.isenabled())


class ClosedSocket:
    async def deliver(self, text: str) -> None:
        raise ConnectionResetError("the client went away")


@pytest.fixture
def local() -> Iterator[Callable[[BaseChannelLayer], fanout.LocalGroups]]:
    """`LocalGroups` on a layer; their subscriber tasks end with the test."""
    made: list[fanout.LocalGroups] = []

    def make(layer: BaseChannelLayer) -> fanout.LocalGroups:
        made.append(fanout.LocalGroups(layer))
        return made[-1]

    yield make
    for groups in made:
        if groups._pump is not None:
            groups._pump.cancel()


async def broadcast(layer: BaseChannelLayer, group: str, *texts: str) -> None:
    await layer.group_send(group, {"type": "broadcast", "group": group, "texts": list(texts)})


async def frames(socket: Socket, count: int) -> list[str]:
    """`socket`'s frames once it holds `count` of them (or after three seconds)."""
    for _ in range(300):
        if len(socket.frames) >= count:
            break
        await asyncio.sleep(0.01)
    return socket.frames


async def test_sockets_of_one_loop_share_one_channel_and_each_gets_every_frame_in_order(local):
    # given: two sockets of this loop in one group, on the real Redis layer
    layer = get_channel_layer()
    groups = local(layer)
    first, second = Socket(), Socket()
    await groups.join(GROUP, first)
    channel = groups.channel
    await groups.join(GROUP, second)

    # when
    await broadcast(layer, GROUP, "a", "b")
    await broadcast(layer, GROUP, "c")

    # then
    assert groups.channel == channel
    assert await frames(first, 3) == ["a", "b", "c"]
    assert await frames(second, 3) == ["a", "b", "c"]


async def test_the_last_member_leaving_unsubscribes_the_loop_from_the_group(local):
    # given
    layer = InMemoryChannelLayer()
    groups = local(layer)
    staying, leaving = Socket(), Socket()
    await groups.join(GROUP, staying)
    await groups.join(GROUP, leaving)

    # when: one leaves
    await groups.leave(GROUP, leaving)
    await broadcast(layer, GROUP, "a")

    # then: the group is still subscribed, for the one who stayed
    assert await frames(staying, 1) == ["a"]
    assert leaving.frames == []
    assert groups.channel in layer.groups[GROUP]

    # when: the last one leaves (twice: the second changes nothing)
    await groups.leave(GROUP, staying)
    await groups.leave(GROUP, staying)

    # then
    assert GROUP not in groups.members
    assert groups.channel not in layer.groups.get(GROUP, {})


async def test_a_socket_that_cannot_take_a_frame_does_not_keep_it_from_the_others(local, caplog):
    layer = get_channel_layer()
    groups = local(layer)
    healthy = Socket()
    await groups.join(GROUP, ClosedSocket())
    await groups.join(GROUP, healthy)

    await broadcast(layer, GROUP, "a")

    assert await frames(healthy, 1) == ["a"]
    assert "a socket could not take a broadcast frame" in caplog.text


async def test_messages_other_than_broadcasts_are_not_delivered(local):
    layer = get_channel_layer()
    groups = local(layer)
    socket = Socket()
    await groups.join(GROUP, socket)

    await layer.group_send(GROUP, {"type": "health.check", "group": GROUP, "texts": ["not a frame"]})
    await broadcast(layer, GROUP, "a")

    assert await frames(socket, 1) == ["a"]


async def test_the_cyclic_collector_pauses_only_while_a_large_group_is_written(local):
    # given: a group at the pause threshold and a group of one
    assert gc.isenabled()
    layer = InMemoryChannelLayer()
    groups = local(layer)
    crowd = [Socket() for _ in range(fanout.GC_PAUSE_FROM)]
    alone = Socket()
    for socket in crowd:
        await groups.join("crowd", socket)
    await groups.join("alone", alone)

    # when
    await broadcast(layer, "crowd", "a")
    await broadcast(layer, "alone", "b")

    # then
    assert await frames(alone, 1) == ["b"]
    assert all(socket.frames == ["a"] and socket.gc_enabled == [False] for socket in crowd)
    assert alone.gc_enabled == [True]
    assert gc.isenabled()


async def test_a_join_while_the_layer_is_unreachable_raises_and_adds_no_member(local):
    groups = local(RedisPubSubChannelLayer(hosts=[{"address": NOWHERE}], prefix="fanout-test"))

    with pytest.raises(redis.exceptions.ConnectionError):
        await groups.join(GROUP, Socket())

    assert groups.members == {}
    assert groups.channel is None


async def test_the_process_subscriber_keeps_delivering_after_a_failed_read(monkeypatch):
    # given: a socket in a group whose process subscriber's first read fails
    monkeypatch.setattr(fanout, "RETRY_SECONDS", 0.01)
    layer = LayerAwayOnce()
    groups = fanout.LocalGroups(layer)
    socket = Socket()
    await groups.join("auctions", socket)

    # when
    await layer.group_send("auctions", {"type": "broadcast", "group": "auctions", "texts": ["a", "b"]})
    for _ in range(100):
        if socket.frames:
            break
        await asyncio.sleep(0.01)

    # then
    assert layer.failed
    assert socket.frames == ["a", "b"]
    await groups.leave("auctions", socket)
    assert "auctions" not in groups.members


async def test_each_event_loop_has_its_own_groups_per_layer():
    layer, other_layer = InMemoryChannelLayer(), InMemoryChannelLayer()

    async def in_a_new_loop() -> fanout.LocalGroups:
        return fanout.local_groups(layer)

    here = fanout.local_groups(layer)
    elsewhere = await asyncio.to_thread(asyncio.run, in_a_new_loop())

    assert fanout.local_groups(layer) is here
    assert elsewhere is not here
    assert fanout.local_groups(other_layer).layer is other_layer
