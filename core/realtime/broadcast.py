"""Deliver channel-layer group messages without making the request that caused them wait.

Messages go, in the order given, to an event loop that owns the layer's connections: the ASGI
server's own loop when this process serves WebSockets (set by `hothour.asgi`), otherwise one
background thread's loop (Celery workers, management commands, WSGI processes).

A group message carries a list of frames (`texts`). What is submitted while the loop is busy is
sent together, one message per group: a grab's two frames for its customer, or a tick's
thousand changes for `auctions`, take one publish each instead of one per frame.
"""

import asyncio
import logging
import os
import threading
from collections.abc import Coroutine
from concurrent.futures import Future, wait
from typing import Any

from channels.layers import get_channel_layer

from core.metrics import BROADCAST_FRAMES

logger = logging.getLogger(__name__)

GroupMessage = tuple[str, dict[str, Any]]


class Broadcaster:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._owner_pid: int | None = None
        self._order: asyncio.Lock | None = None
        self._futures: set[Future[None]] = set()
        self._waiting: list[GroupMessage] = []  # submitted, not yet taken by a send
        self._send_scheduled = False

    def adopt_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Use the ASGI server's loop, where the in-memory layer's queues and consumers live."""
        with self._lock:
            self._loop, self._owner_pid, self._order = loop, os.getpid(), None

    def submit(self, messages: list[GroupMessage]) -> None:
        """Queue `(group, {"type": "broadcast", "group", "texts", "request_ids"})` messages for
        sending, in order (`request_ids`: the requests that caused them, for the fan-out's log)."""
        if not messages:
            return
        with self._lock:
            self._waiting += messages
            if self._send_scheduled:
                return
            self._send_scheduled = True
        self._run(self._send_waiting())

    def flush(self, timeout: float = 5.0) -> None:
        """Wait for what was submitted (for short-lived processes such as `manage.py tick`)."""
        wait(list(self._futures), timeout=timeout)

    def _run(self, coroutine: Coroutine[Any, Any, None]) -> None:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._ensure_loop())
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)

    async def _send_waiting(self) -> None:
        with self._lock:
            taken, self._waiting, self._send_scheduled = self._waiting, [], False
        await self._send(merge_by_group(taken))

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            # A forked child (Celery prefork) inherits no running thread: start its own.
            if self._loop is None or self._owner_pid != os.getpid() or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="broadcaster", daemon=True).start()
                self._loop, self._owner_pid, self._order = loop, os.getpid(), None
            return self._loop

    async def _send(self, messages: list[GroupMessage]) -> None:
        if self._order is None:
            self._order = asyncio.Lock()
        layer = get_channel_layer()
        if layer is None:
            return
        # One batch at a time, so clients see changes in the order they were committed.
        async with self._order:
            send_many = getattr(layer, "group_send_many", None)  # core.realtime.layers: pipelined
            if send_many is not None:
                results = await send_many(messages)
            else:
                results = await asyncio.gather(
                    *(layer.group_send(group, message) for group, message in messages), return_exceptions=True
                )
        failures = [result for result in results if isinstance(result, BaseException)]
        sent = zip(messages, results, strict=True)
        BROADCAST_FRAMES.inc(sum(len(message["texts"]) for (_, message), result in sent if result is None))
        if failures:
            # The state is committed; clients catch up from the snapshot when they reconnect.
            logger.warning("%s of %s broadcasts failed: %r", len(failures), len(results), failures[0])


def merge_by_group(messages: list[GroupMessage]) -> list[GroupMessage]:
    """One message per group, its frames in the order they were submitted."""
    merged: dict[str, dict[str, Any]] = {}
    for group, message in messages:
        if group not in merged:
            merged[group] = {key: value for key, value in message.items() if key != "request_ids"}
            merged[group]["texts"] = []
        merged[group]["texts"] += message["texts"]  # our own list, never the submitted one
        if message.get("request_ids"):
            merged[group]["request_ids"] = [*merged[group].get("request_ids", []), *message["request_ids"]]
    return list(merged.items())


broadcaster = Broadcaster()
