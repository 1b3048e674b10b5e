"""`manage.py tick`: run one tick now (what Celery beat does every HOTHOUR_TICK_SECONDS)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from auctions.ticker import tick_once
from core.realtime.broadcast import broadcaster


class Command(BaseCommand):
    help = "Apply every due auction change (open, price step, turbo, expiry) once, now."

    def handle(self, *args: Any, **options: Any) -> None:
        result = tick_once()
        broadcaster.flush()
        if result is None:
            raise CommandError("The tick failed; see the log above.")
        changes = ", ".join(f"{count} {status}" for status, count in sorted(result.status_changes.items()))
        self.stdout.write(f"Ticked {result.processed} auctions{': ' + changes if changes else ''}.")
