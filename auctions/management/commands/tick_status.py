"""`manage.py tick_status`: is the tick keeping up? Its last run, the due backlog and the lag."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from auctions.models import TickHeartbeat
from auctions.selectors import tick_backlog


class Command(BaseCommand):
    help = (
        "Show when the tick last ran, how many auctions have a change due that no tick applied yet, "
        "and the lag (now minus the oldest due change). With --fail-over SECONDS, exit with status 1 "
        "when the lag or the last tick's age is over SECONDS (for a container healthcheck or cron)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fail-over",
            type=float,
            metavar="SECONDS",
            help="Exit 1 when the lag or the time since the last tick exceeds this many seconds.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        limit = options["fail_over"]
        if limit is not None and limit <= 0:
            raise CommandError("--fail-over takes a number of seconds above 0.")
        now = timezone.now()
        heartbeat = TickHeartbeat.objects.filter(pk=1).first()
        due, oldest = tick_backlog(now)
        lag = (now - oldest).total_seconds() if oldest is not None else 0.0
        age = (now - heartbeat.last_tick_at).total_seconds() if heartbeat else None
        if heartbeat is None:
            self.stdout.write("last tick:   never")
        else:
            self.stdout.write(
                f"last tick:   {heartbeat.last_tick_at.isoformat()} ({age:.1f}s ago, "
                f"{heartbeat.last_processed} auctions changed)"
            )
        self.stdout.write(f"due now:     {due} auctions")
        self.stdout.write(
            f"lag:         {lag:.1f}s" + (f" (oldest due {oldest.isoformat()})" if oldest else "")
        )
        if limit is None:
            return
        if age is None:
            raise CommandError("The tick has never run: is Celery beat (or run_ticker) running?")
        if lag > limit or age > limit:
            raise CommandError(
                f"The tick is behind: lag {lag:.1f}s, last tick {age:.1f}s ago (limit {limit:g}s). "
                "Check the tick worker (celery -Q tick) and beat."
            )
