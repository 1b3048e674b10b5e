"""Deliver channel-layer group messages without making the request that caused them wait.

Messages go, in the order given, to an event loop that owns the layer's connections: the ASGI
server's own loop when this process serves WebSockets (set by `hothour.asgi`), otherwise one
background thread's loop (Celery workers, management commands, WSGI processes).
"""

import asyncio
import logging
import os
import threading
from collections.abc import Coroutine
from concurrent.futures import Future, wait
from typing import Any

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

GroupMessage = tuple[str, dict[str, Any]]


class Broadcaster:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._owner_pid: int | None = None
        self._order: asyncio.Lock | None = None
        self._pending: set[Future[None]] = set()

    def adopt_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Use the ASGI server's loop, where the in-memory layer's queues and consumers live."""
        with self._lock:
            self._loop, self._owner_pid, self._order = loop, os.getpid(), None

    def submit(self, messages: list[GroupMessage]) -> None:
        if messages:
            self._run(self._send(messages))

    def flush(self, timeout: float = 5.0) -> None:
        """Wait for what was submitted (for short-lived processes such as `manage.py tick`)."""
        wait(list(self._pending), timeout=timeout)

    def _run(self, coroutine: Coroutine[Any, Any, None]) -> None:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._ensure_loop())
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

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
            results = await asyncio.gather(
                *(layer.group_send(group, message) for group, message in messages), return_exceptions=True
            )
        failures = [result for result in results if isinstance(result, BaseException)]
        if failures:
            # The state is committed; clients catch up from the snapshot when they reconnect.
            logger.warning("%s of %s broadcasts failed: %r", len(failures), len(results), failures[0])


broadcaster = Broadcaster()
