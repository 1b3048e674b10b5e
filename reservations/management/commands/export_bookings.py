"""`manage.py export_bookings`: one studio's bookings as CSV, for its books or a dispute."""

import argparse
import csv
import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Studio
from reservations.models import Reservation

COLUMNS = [
    "booking_code",
    "status",
    "class_title",
    "class_starts_at",
    "customer",
    "locked_price",
    "currency",
    "reserved_at",
    "checked_in_at",
    "cancelled_at",
    "cancelled_by",
]


class Command(BaseCommand):
    help = (
        "Write one studio's bookings (every reservation, cancelled ones included) as CSV: booking code, "
        "status, class, customer name, price and times in the studio's time zone. --from/--to select "
        "classes by their day (inclusive). The file holds personal data: keep it out of shared places."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--studio", required=True, help="The studio's name (any case) or id.")
        parser.add_argument("--from", dest="start", type=_day, metavar="YYYY-MM-DD", help="First class day.")
        parser.add_argument("--to", dest="end", type=_day, metavar="YYYY-MM-DD", help="Last class day.")
        parser.add_argument("--output", "-o", metavar="FILE", help="Write here instead of standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        studio = _studio(options["studio"])
        zone = zoneinfo.ZoneInfo(studio.timezone)
        start, end = options["start"], options["end"]
        if start and end and start > end:
            raise CommandError("--from is after --to.")
        bookings = Reservation.objects.filter(auction__studio=studio).select_related("auction", "user")
        if start:
            bookings = bookings.filter(auction__scheduled_at__gte=datetime.combine(start, time(), zone))
        if end:
            bookings = bookings.filter(
                auction__scheduled_at__lt=datetime.combine(end + timedelta(days=1), time(), zone)
            )
        rows = [_row(booking, zone) for booking in bookings.order_by("auction__scheduled_at", "pk")]
        if options["output"]:
            try:
                with open(options["output"], "w", newline="", encoding="utf-8") as out:
                    _write(out, rows)
            except OSError as exc:
                raise CommandError(f"Cannot write {options['output']}: {exc.strerror}.") from exc
            self.stderr.write(f"Wrote {len(rows)} bookings of {studio.name} to {options['output']}.")
        else:
            _write(self.stdout, rows)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a day like 2026-12-31") from exc


def _studio(given: str) -> Studio:
    found = Studio.objects.filter(pk=int(given)).first() if given.isdigit() else None
    found = found or Studio.objects.filter(name__iexact=given.strip()).first()
    if found is None:
        names = ", ".join(Studio.objects.order_by("name").values_list("name", flat=True)[:20])
        raise CommandError(f"No studio {given!r}. Studios: {names or 'none yet'}.")
    return found


def _local(moment: datetime | None, zone: zoneinfo.ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="minutes") if moment else ""


def _row(booking: Reservation, zone: zoneinfo.ZoneInfo) -> list[str]:
    return [
        booking.booking_code,
        booking.status,
        booking.auction.title,
        _local(booking.auction.scheduled_at, zone),
        booking.user.full_name,
        str(booking.locked_price),
        settings.HOTHOUR_CURRENCY,
        _local(booking.reserved_at, zone),
        _local(booking.checked_in_at, zone),
        _local(booking.cancelled_at, zone),
        booking.cancelled_by,
    ]


def _write(out: Any, rows: list[list[str]]) -> None:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
