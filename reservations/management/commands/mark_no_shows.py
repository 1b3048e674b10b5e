"""`manage.py mark_no_shows`: mark everyone still pending past class time + grace (what beat does)."""

from typing import Any

from django.core.management.base import BaseCommand

from reservations.services import reservations_mark_no_shows


class Command(BaseCommand):
    help = "Mark PENDING_ON_SITE reservations NO_SHOW once HOTHOUR_NO_SHOW_GRACE_MINUTES have passed."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Marked {reservations_mark_no_shows()} no-shows.")
