"""core.realtime.broadcast: frames for one group travel together, in order, without holding the caller."""

import asyncio

import pytest
import pytest_asyncio
from channels.layers import get_channel_layer

from core.realtime.broadcast import Broadcaster, merge_by_group

GROUP = "broadcast-test"


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


@pytest_asyncio.fixture
async def subscribed() -> str:
    """A channel of this test's loop in GROUP, on the real Redis layer."""
    channel = await get_channel_layer().new_channel()
    await get_channel_layer().group_add(GROUP, channel)
    return channel


async def next_texts(channel: str) -> list[str]:
    return (await asyncio.wait_for(get_channel_layer().receive(channel), timeout=3))["texts"]


@pytest.mark.asyncio
async def test_what_is_submitted_while_the_loop_is_busy_is_sent_as_one_message_per_group(subscribed):
    # given: the broadcaster on this loop, as on the ASGI server's
    broadcaster = Broadcaster()
    broadcaster.adopt_loop(asyncio.get_running_loop())

    # when: two submissions before the loop is free to send, then one after
    broadcaster.submit([message(GROUP, "1")])
    broadcaster.submit([message(GROUP, "2", "3")])
    first = await next_texts(subscribed)
    broadcaster.submit([message(GROUP, "4")])

    # then
    assert first == ["1", "2", "3"]
    assert await next_texts(subscribed) == ["4"]


@pytest.mark.asyncio
async def test_a_process_without_a_server_loop_sends_from_a_thread_of_its_own(subscribed):
    broadcaster = Broadcaster()

    await asyncio.to_thread(broadcaster.submit, [message(GROUP, "from a worker")])

    assert await next_texts(subscribed) == ["from a worker"]
    assert broadcaster._loop is not asyncio.get_running_loop()


def test_a_failed_send_is_logged_not_raised_and_flush_waits_for_it(settings, caplog):
    # given: a channel layer that cannot be reached
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "core.realtime.layers.PubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:1/0"}], "prefix": "broadcast-test"},
        }
    }
    broadcaster = Broadcaster()

    # when
    broadcaster.submit([message(GROUP, "a"), message("another", "b")])
    broadcaster.flush()

    # then
    assert "2 of 2 broadcasts failed" in caplog.text
