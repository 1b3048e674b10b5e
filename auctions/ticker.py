"""The one tick driver. Celery beat's task, `manage.py tick`, `manage.py run_ticker` and the
embedded server's loop are thin callers of `tick_once`; health reports the last tick's age."""

import asyncio
import logging
import threading
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from .metrics import TICK_SECONDS
from .models import TickHeartbeat
from .services import TickResult, auctions_tick

logger = logging.getLogger(__name__)

# Past this age the ticker is reported stale. Prices and statuses stay right regardless (they are
# computed per request), so a stale ticker is reported, not counted as the service being down.
STALE_TICK_SECONDS = 30


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


def run_until(stop: threading.Event, interval: float) -> None:
    """Tick every `interval` seconds in this thread until `stop` is set (`manage.py run_ticker`)."""
    logger.info("ticker started, every %ss", interval)
    while not stop.is_set():
        tick_once()
        stop.wait(interval)
    logger.info("ticker stopped")


async def run_forever(interval: float) -> None:
    """Tick every `interval` seconds on the running event loop (the embedded server)."""
    logger.info("in-process ticker started, every %ss", interval)
    while True:
        await sync_to_async(tick_once, thread_sensitive=False)()
        await asyncio.sleep(interval)


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
