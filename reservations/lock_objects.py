"""Every row lock the reservations app takes (after the auction's lock; see auctions.lock_objects)."""

from datetime import datetime

from django.db import connection

from accounts.models import User
from core import sql

from .models import Reservation, ReservationStatus


def reservation_lock(reservation_id: int) -> Reservation | None:
    return Reservation.objects.select_for_update(of=("self",)).filter(pk=reservation_id).first()


def reservations_lock_live_for_auction(auction_id: int) -> list[Reservation]:
    """Every seat of the auction still held, with its holder (read, not locked: see the lock order)."""
    return list(
        Reservation.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(auction_id=auction_id)
        .exclude(status=ReservationStatus.CANCELLED)
        .order_by("pk")
    )


def user_lock(user_id: int) -> bool:
    """Serialises one customer's grabs, so the live-reservation cap holds under concurrency.

    Read their standing in a statement after this one: a statement's snapshot is taken before it
    waits for the lock, so counts read in the locking statement would miss the reservation the
    previous holder just committed. False if the account is gone.
    """
    table = sql.quote(User._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE id = %s{sql.for_update()}", [user_id])  # noqa: S608 - names from the model
        return cursor.fetchone() is not None


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
