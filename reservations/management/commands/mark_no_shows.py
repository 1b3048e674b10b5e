"""`manage.py mark_no_shows`: mark everyone still pending past class time + grace (what beat does)."""

from typing import Any

from django.utils.translation import ngettext

from core.operator import OperatorCommand
from reservations.services import reservations_mark_no_shows


class Command(OperatorCommand):
    help = "Mark PENDING_ON_SITE reservations NO_SHOW once HOTHOUR_NO_SHOW_GRACE_MINUTES have passed."

    def handle(self, *args: Any, **options: Any) -> None:
        marked = reservations_mark_no_shows()
        self.stdout.write(
            ngettext("Marked %(count)s no-show.", "Marked %(count)s no-shows.", marked) % {"count": marked}
        )
