"""Every row lock the auctions app takes. Locks are taken in primary-key order.

Lock order across apps: the customer's user row (only the grab takes it), then auction rows,
then reservations. Nothing locks a user after an auction, so no two paths can deadlock.
"""

from datetime import datetime

from django.db import connection
from django.db.models import QuerySet

from accounts.models import Studio
from core import sql

from .models import TICKING_STATUSES, Auction


def auction_lock(auction_id: int) -> Auction | None:
    """Lock one auction (waits for other holders), its studio read alongside. Inside `atomic()`.

    Plain SQL: the grab takes this lock on every request (see `core.sql`).
    """
    auction, studio = sql.columns(Auction, "a"), sql.columns(Studio, "s")
    statement = (
        f"SELECT {auction.sql}, {studio.sql} FROM {sql.quote(Auction._meta.db_table)} a "  # noqa: S608 - names from the models
        f"JOIN {sql.quote(Studio._meta.db_table)} s ON s.id = a.studio_id WHERE a.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement + sql.for_update("a"), [auction_id])
        row = cursor.fetchone()
    if row is None:
        return None
    locked = auction.build(row)
    locked.studio = studio.build(row, len(auction))
    return locked


def auctions_lock_due(*, now: datetime, limit: int) -> QuerySet[Auction]:
    """Lock up to `limit` auctions whose next change is due, skipping rows another tick holds."""
    return (
        # The studio rides along (unlocked) for the public auction objects a status change sends.
        Auction.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("studio")
        .filter(next_change_at__lte=now, status__in=TICKING_STATUSES)
        .order_by("pk")[:limit]
    )


def auction_lock_due(*, auction_id: int, now: datetime) -> QuerySet[Auction]:
    """Lock one auction if its next change is due, waiting for whoever holds it (the on-time step:
    a grab holds the lock for milliseconds, so waiting beats stepping a second late). PostgreSQL
    re-checks the filter once the lock is granted, so a change applied meanwhile is not reapplied."""
    return (
        Auction.objects.select_for_update(of=("self",))
        .select_related("studio")
        .filter(pk=auction_id, next_change_at__lte=now, status__in=TICKING_STATUSES)
    )
