"""`manage.py run_ticker`: the in-process ticker of the embedded default (no Celery, no Redis)."""

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from auctions import ticker


class Command(BaseCommand):
    help = "Tick auctions every HOTHOUR_TICK_SECONDS until stopped (SIGINT/SIGTERM)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=None, help="Seconds between ticks.")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        ticker.run_until(stop, options["interval"] or settings.HOTHOUR_TICK_SECONDS)
