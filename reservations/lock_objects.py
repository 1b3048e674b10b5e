"""Every row lock the reservations app takes (after the auction's lock; see auctions.lock_objects)."""

from datetime import datetime

from django.db import connection

from accounts.models import User
from hothour import db

from . import selectors
from .models import Reservation, ReservationStatus
from .selectors import Standing


def reservation_lock(reservation_id: int) -> Reservation | None:
    return Reservation.objects.select_for_update(of=("self",)).filter(pk=reservation_id).first()


def reservations_lock_live_for_auction(auction_id: int) -> list[Reservation]:
    return list(
        Reservation.objects.select_for_update()
        .filter(auction_id=auction_id)
        .exclude(status=ReservationStatus.CANCELLED)
        .order_by("pk")
    )


def customer_lock(*, user: User, now: datetime) -> Standing | None:
    """Lock the customer's row, then read their standing; None if the account is gone.

    Serialises one customer's grabs, so the cap on live reservations holds under concurrency. Two
    statements: a statement's snapshot is taken before it waits for the lock, so counts read in
    the locking statement itself would miss the reservation the previous holder just committed.
    """
    table = db.quote(User._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE id = %s{db.for_update()}", [user.pk])  # noqa: S608 - names from the model
        if cursor.fetchone() is None:
            return None
        cursor.execute(*selectors.standing_query(user=user, now=now))
        strikes, live = cursor.fetchone()
    return Standing(strikes=strikes, live=live)


def reservations_lock_pending_before(*, scheduled_before: datetime) -> list[Reservation]:
    """Pending reservations whose class started before the instant; rows another run holds are skipped."""
    return list(
        Reservation.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("auction", "user")
        .filter(status=ReservationStatus.PENDING_ON_SITE, auction__scheduled_at__lte=scheduled_before)
        .order_by("pk")
    )


def reservations_lock_due_reminders(*, after: datetime, until: datetime) -> list[Reservation]:
    return list(
        Reservation.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("auction", "auction__studio", "user")
        .filter(
            status=ReservationStatus.PENDING_ON_SITE,
            reminder_sent_at__isnull=True,
            auction__scheduled_at__gt=after,
            auction__scheduled_at__lte=until,
        )
        .order_by("pk")
    )
