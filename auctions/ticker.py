"""The one tick driver. Celery beat's task, `manage.py tick`, `manage.py run_ticker` and the
embedded server's loop are thin callers of `tick_once`; `step_on_time` applies one auction's change
at its instant; health reports the last tick's age."""

import asyncio
import logging
import threading
import time
from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from . import selectors
from .metrics import TICK_SECONDS
from .models import TickHeartbeat
from .services import TickResult, auctions_tick

logger = logging.getLogger(__name__)

# Past this age the ticker is reported stale. Prices and statuses stay right regardless (they are
# computed per request), so a stale ticker is reported, not counted as the service being down.
STALE_TICK_SECONDS = 30

# A ticker that finds a due row it could not take (a grab holds it) looks again this soon.
BUSY_ROW_RETRY_SECONDS = 0.02
# An on-time step delivered this much or less before its instant waits for it; earlier ones are
# dropped (a clock far off): the sweep applies the change once it is due.
MAX_EARLY_SECONDS = 1.0


def tick_once() -> TickResult | None:
    """One tick, as every driver runs it; None when it failed (logged; the next one retries)."""
    close_old_connections()
    try:
        with TICK_SECONDS.time():
            result = auctions_tick()
    except Exception:
        # A locked SQLite file or a database restart must not end a ticker.
        logger.exception("tick failed; retrying")
        return None
    if result.processed:
        logger.info("ticked %s auctions %s", result.processed, result.status_changes or "")
    return result


def step_on_time(auction_id: int, due_at: datetime) -> int:
    """Apply the change of one auction due at `due_at`, at that instant and never before it.

    Waits for the auction's lock rather than skipping it. Idempotent: once the change is applied
    (by a duplicate delivery or by the sweep) the auction is no longer due and this does nothing.
    """
    early = (due_at - timezone.now()).total_seconds()
    if early > MAX_EARLY_SECONDS:
        logger.warning("on-time step of auction %s came %.3fs early; left to the sweep", auction_id, early)
        return 0
    if early > 0:
        time.sleep(early)
    close_old_connections()
    try:
        return auctions_tick(auction_id=auction_id).processed
    except Exception:
        logger.exception("on-time step of auction %s failed; the sweep retries", auction_id)
        return 0


def tick_then_pause(interval: float) -> float:
    """One tick, then how long to sleep: until the earliest due change, at most `interval`.

    The cap is the safety net: a change written meanwhile (a publish, a relist) is seen within it.
    """
    if tick_once() is None:
        return interval
    try:
        earliest = selectors.earliest_change_at()
    except Exception:
        logger.exception("could not read the next change; sweeping again in %ss", interval)
        return interval
    if earliest is None:
        return interval
    wait = (earliest - timezone.now()).total_seconds()
    return min(interval, wait) if wait > 0 else BUSY_ROW_RETRY_SECONDS


def run_until(stop: threading.Event, interval: float) -> None:
    """Tick in this thread until `stop` is set (`manage.py run_ticker`): each change at its
    instant, and a sweep at least every `interval` seconds."""
    logger.info("ticker started, on time and every %ss at least", interval)
    while not stop.is_set():
        stop.wait(tick_then_pause(interval))
    logger.info("ticker stopped")


async def run_forever(interval: float) -> None:
    """The same on the running event loop (the embedded server)."""
    logger.info("in-process ticker started, on time and every %ss at least", interval)
    while True:
        pause = await sync_to_async(tick_then_pause, thread_sensitive=False)(interval)
        await asyncio.sleep(pause)


def health_report() -> dict[str, Any]:
    """The ticker's part of `GET health/` (connected to core's health reports)."""
    heartbeat = TickHeartbeat.objects.filter(pk=1).first()
    if heartbeat is None:
        return {"ticker": {"state": "never", "last_tick_at": None, "age_seconds": None}}
    age = (timezone.now() - heartbeat.last_tick_at).total_seconds()
    fresh = age <= max(STALE_TICK_SECONDS, 5 * settings.HOTHOUR_TICK_SECONDS)
    return {
        "ticker": {
            "state": "ok" if fresh else "stale",
            "last_tick_at": heartbeat.last_tick_at.isoformat(),
            "age_seconds": round(age, 3),
        }
    }
