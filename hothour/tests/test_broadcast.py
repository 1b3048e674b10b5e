"""Broadcast batching (frames for one group travel together, in order) and the process subscriber."""

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer

from core.realtime import fanout
from core.realtime.broadcast import merge_by_group


def message(group: str, *texts: str) -> tuple[str, dict]:
    return group, {"type": "broadcast", "group": group, "texts": list(texts)}


def test_frames_for_one_group_become_one_message_in_submission_order():
    # given: a grab's public change, then its two frames for the customer, then a second change
    submitted = [
        message("auctions", "sold 7"),
        message("user.3", "booking_confirmed"),
        message("user.3", "notification_created"),
        message("auctions", "sold 8"),
    ]

    # when
    merged = merge_by_group(submitted)

    # then
    assert merged == [
        message("auctions", "sold 7", "sold 8"),
        message("user.3", "booking_confirmed", "notification_created"),
    ]
    assert submitted[0] == message("auctions", "sold 7")  # the submitted messages are left as they were


class LayerAwayOnce(InMemoryChannelLayer):
    """The in-memory layer, except that its first read fails as Redis's does when it is away."""

    failed = False

    async def receive(self, channel: str) -> dict:
        if not self.failed:
            self.failed = True
            raise ConnectionError("Connection refused")
        return await super().receive(channel)


class Socket:
    def __init__(self) -> None:
        self.frames: list[str] = []

    async def deliver(self, text: str) -> None:
        self.frames.append(text)


@pytest.mark.asyncio
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
