"""`manage.py tick`: run one tick now (what Celery beat does every HOTHOUR_TICK_SECONDS)."""

from typing import Any

from django.core.management.base import BaseCommand

from auctions.services import auctions_tick
from hothour.broadcast import broadcaster


class Command(BaseCommand):
    help = "Apply every due auction change (open, price step, turbo, expiry) once, now."

    def handle(self, *args: Any, **options: Any) -> None:
        result = auctions_tick()
        broadcaster.flush()
        changes = ", ".join(f"{count} {status}" for status, count in sorted(result.status_changes.items()))
        self.stdout.write(f"Ticked {result.processed} auctions{': ' + changes if changes else ''}.")
