"""The rules an auction's settings must follow (DESIGN section 2), in one place.

Services turn the messages into `Invalid`; the model's `clean()` into form errors in the admin.
"""

import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import MAX_SEATS
from .pricing import MAX_SCHEDULE_POINTS

# Last-minute spots: a month is already generous, and it bounds what a schedule can hold.
MAX_WINDOW = timedelta(days=30)


def settings_errors(
    auction: Any, *, now: datetime, publishing: bool, seats_before: int | None = None
) -> dict[str, list[str]]:
    """Messages per field for everything wrong with `auction`'s settings (empty when valid).

    `seats_before`: the seats of a published auction before this change (they only go up).
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    _check_seats(auction, seats_before, add)

    start, floor = auction.start_price, auction.floor_price
    if not (auction.title or "").strip():
        add("title", _("Give the class a title."))
    if floor is None or floor <= 0:
        add("floor_price", _("The floor price must be more than zero."))
    if start is None or (floor is not None and start <= floor):
        add("start_price", _("The start price must be higher than the floor price."))
    spread = start - floor if start is not None and floor is not None else None
    _check_amount(auction.drop_amount, spread, "drop_amount", add)

    start_time, end_time = auction.start_time, auction.end_time
    duration: timedelta | None = None
    if start_time is None:
        add("start_time", _("Set when the auction opens."))
    if end_time is None:
        add("end_time", _("Set when the auction closes."))
    if start_time is not None and end_time is not None:
        if start_time >= end_time:
            add("end_time", _("The auction must close after it opens."))
        elif end_time - start_time > MAX_WINDOW:
            add("end_time", _("An auction can run for %(days)s days at most.") % {"days": MAX_WINDOW.days})
        else:
            duration = end_time - start_time
    if publishing and end_time is not None and end_time <= now:
        add("end_time", _("The auction must close in the future to be published."))
    if auction.scheduled_at is None:
        add("scheduled_at", _("Set when the class starts."))
    elif end_time is not None and auction.scheduled_at < end_time:
        add("scheduled_at", _("The class cannot start before the auction closes."))

    interval = auction.drop_interval_mins
    if not interval or interval <= 0:
        add("drop_interval_mins", _("The drop interval must be at least one minute."))
    elif duration is not None and timedelta(minutes=interval) > duration:
        add("drop_interval_mins", _("The drop interval cannot be longer than the auction."))

    if auction.turbo_enabled:
        turbo_interval = auction.turbo_interval_mins
        if not turbo_interval or turbo_interval <= 0:
            add("turbo_interval_mins", _("The turbo interval must be at least one minute."))
        elif interval and turbo_interval >= interval:
            add("turbo_interval_mins", _("Turbo must drop more often than the normal interval."))
        _check_amount(auction.turbo_drop_amount, spread, "turbo_drop_amount", add)
        trigger = auction.turbo_trigger_mins
        if trigger is None or trigger <= 0:
            add("turbo_trigger_mins", _("Turbo must start at least one minute before the close."))
        elif duration is not None and timedelta(minutes=trigger) >= duration:
            add("turbo_trigger_mins", _("Turbo must start after the auction opens."))
    if not errors and duration is not None:
        _check_steps(auction, duration, add)
    return errors


def _check_steps(auction: Any, duration: timedelta, add: Any) -> None:
    """At most MAX_SCHEDULE_POINTS points in the schedule: the opening price and each change.

    Each step drops the price by a cent at least, so it stops changing at the floor; turbo is
    counted from the opening, as a manager may start it then.
    """
    spread = auction.start_price - auction.floor_price
    normal = min(
        duration // timedelta(minutes=auction.drop_interval_mins), math.ceil(spread / auction.drop_amount)
    )
    message = _("That is %(count)s price steps; at most %(limit)s: drop more at a time, or less often.")
    if 1 + normal > MAX_SCHEDULE_POINTS:
        add("drop_interval_mins", message % {"count": normal, "limit": MAX_SCHEDULE_POINTS - 1})
        return
    if auction.turbo_enabled:
        smallest = min(auction.drop_amount, auction.turbo_drop_amount)
        turbo = duration // timedelta(minutes=auction.turbo_interval_mins)
        steps = min(normal + turbo, math.ceil(spread / smallest))
        if 1 + steps > MAX_SCHEDULE_POINTS:
            add("turbo_interval_mins", message % {"count": steps, "limit": MAX_SCHEDULE_POINTS - 1})


def _check_amount(amount: Decimal | None, spread: Decimal | None, field: str, add: Any) -> None:
    if amount is None or amount <= 0:
        add(field, _("The drop amount must be more than zero."))
    elif spread is not None and spread > 0 and amount > spread:
        add(field, _("The drop amount cannot exceed the start price minus the floor price."))


def _check_seats(auction: Any, seats_before: int | None, add: Any) -> None:
    seats = auction.seats
    if isinstance(seats, bool) or not isinstance(seats, int):
        add("seats", _("The number of seats must be a whole number."))
    elif not 1 <= seats <= MAX_SEATS:
        add("seats", _("A class has from 1 to %(max)s seats.") % {"max": MAX_SEATS})
    elif seats < (auction.seats_sold or 0):
        sold = auction.seats_sold
        add(
            "seats",
            ngettext(
                "%(sold)s seat is already sold; there cannot be fewer seats.",
                "%(sold)s seats are already sold; there cannot be fewer seats.",
                sold,
            )
            % {"sold": sold},
        )
    elif seats_before is not None and seats < seats_before:
        add(
            "seats",
            _("Once published, seats can only be added (it has %(seats)s).") % {"seats": seats_before},
        )
