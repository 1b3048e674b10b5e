"""`manage.py run_ticker`: the in-process ticker of the embedded default (no Celery, no Redis)."""

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from auctions.services import auctions_tick

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Tick auctions every HOTHOUR_TICK_SECONDS until stopped (SIGINT/SIGTERM)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=None, help="Seconds between ticks.")

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"] or settings.HOTHOUR_TICK_SECONDS
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        logger.info("ticker started, every %ss", interval)
        while not stop.is_set():
            close_old_connections()
            try:
                result = auctions_tick()
                if result.processed:
                    logger.info("ticked %s auctions %s", result.processed, result.status_changes or "")
            except Exception:
                # A locked SQLite file or a database restart must not end the ticker.
                logger.exception("tick failed; retrying")
            stop.wait(interval)
        logger.info("ticker stopped")
