"""Group broadcasts reach this process's sockets through one subscriber, not one per socket.

With Channels' usual wiring every socket joins the group itself: one group message becomes a
queue put, a task wake-up and a decode per socket before anything is written. Here each event
loop (one per ASGI server process) joins each group once, with a channel of its own, decodes the
message once and writes its frame straight to every local member, in the order messages arrive
(bench/fanout_bench.py measures the difference). A member's frames wait until it has sent its
snapshot, so a client always sees the snapshot first, then every change after it.
"""

import asyncio
import gc
import logging
import weakref
from typing import Any, Protocol

from channels.layers import BaseChannelLayer

logger = logging.getLogger(__name__)

GC_PAUSE_FROM = 100  # members of one group
RETRY_SECONDS = 1.0


class Member(Protocol):
    async def deliver(self, text: str) -> None: ...


class LocalGroups:
    """The sockets of one event loop, by group, behind one channel-layer channel."""

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.members: dict[str, set[Member]] = {}
        self.channel: str | None = None
        self._pump: asyncio.Task[None] | None = None
        # Joining and leaving change the layer's membership and ours together, one at a time, so a
        # leave that empties a group cannot unsubscribe it under a join that just subscribed.
        self._changing = asyncio.Lock()

    async def join(self, group: str, member: Member) -> None:
        """Raises what the layer raises when it is unreachable; the member is then not added."""
        async with self._changing:
            if self.channel is None:
                self.channel = await self.layer.new_channel("fanout.")
                self._pump = asyncio.create_task(self._deliver_forever(self.channel))
            # Every join, not only a group's first: the Redis layer's memberships expire.
            await self.layer.group_add(group, self.channel)
            self.members.setdefault(group, set()).add(member)

    async def leave(self, group: str, member: Member) -> None:
        async with self._changing:
            members = self.members.get(group)
            if members is None or member not in members:
                return
            members.discard(member)
            if members or self.channel is None:
                return
            del self.members[group]
            await self.layer.group_discard(group, self.channel)

    async def _deliver_forever(self, channel: str) -> None:
        """Runs as long as the loop: if it stopped, every socket here would stay open and silent."""
        while True:
            try:
                message = await self.layer.receive(channel)
            except Exception as exc:
                # The core layer's blocking read fails while Redis is away; it comes back.
                logger.warning("fan-out cannot read the channel layer (%s); retrying", exc.__class__.__name__)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            try:
                await self._deliver(message)
            except Exception:
                logger.exception("fan-out of a %s message failed", message.get("type"))

    async def _deliver(self, message: dict[str, Any]) -> None:
        if message.get("type") != "broadcast":
            return
        members = list(self.members.get(message.get("group", ""), ()))  # members may leave meanwhile
        # No cyclic-GC pass while one frame is written to thousands of sockets: it would promote
        # the frames in flight to the old generations, and the full collections that follow stall
        # every socket of the process while they run (bench/fanout_bench.py shows them at p99).
        pausing = gc.isenabled() and len(members) >= GC_PAUSE_FROM
        if pausing:
            gc.disable()
        try:
            for member in members:
                try:
                    for text in message["texts"]:
                        await member.deliver(text)
                except Exception:
                    logger.exception("a socket could not take a broadcast frame")
        finally:
            if pausing:
                gc.enable()
        if message.get("request_ids"):
            # Follows a request to the sockets its change reached (core.logs); tick changes are
            # counted in the metrics instead of logged.
            logger.info(
                "broadcast delivered",
                extra={
                    "request_id": message["request_ids"][0],
                    "request_ids": message["request_ids"],
                    "group": message.get("group"),
                    "frames": len(message["texts"]),
                    "sockets": len(members),
                },
            )


_by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalGroups]" = weakref.WeakKeyDictionary()


def local_groups(layer: BaseChannelLayer) -> LocalGroups:
    """This event loop's groups (tests run one loop per test; a server, one per process)."""
    loop = asyncio.get_running_loop()
    groups = _by_loop.get(loop)
    if groups is None or groups.layer is not layer:
        groups = _by_loop[loop] = LocalGroups(layer)
    return groups
