"""`manage.py tick`: run one tick now (what Celery beat does every HOTHOUR_TICK_SECONDS)."""

from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from auctions.ticker import tick_once
from core.operator import OperatorCommand
from core.realtime.broadcast import broadcaster


class Command(OperatorCommand):
    help = "Apply every due auction change (open, price step, turbo, expiry) once, now."

    def handle(self, *args: Any, **options: Any) -> None:
        result = tick_once()
        broadcaster.flush()
        if result is None:
            raise CommandError(_("The tick failed; see the log above."))
        changes = ", ".join(f"{count} {status}" for status, count in sorted(result.status_changes.items()))
        ticked = ngettext("Ticked %(count)s auction", "Ticked %(count)s auctions", result.processed) % {
            "count": result.processed
        }
        self.stdout.write(f"{ticked}: {changes}." if changes else f"{ticked}.")
