"""Every row lock the reservations app takes (after the auction's lock; see auctions.lock_objects)."""

from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from accounts.models import User
from auctions.models import Auction
from core import sql

from .models import Reservation, ReservationStatus, Watch, WatchStatus


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


def user_lock_seeing_auction(*, user_id: int, auction_id: int) -> tuple[bool, str | None]:
    """`user_lock`, and in the same statement the auction's status as last committed (read, not
    locked; None if there is no such auction): a grab of an auction already sold out is answered
    without queueing for the auction's lock. False if the account is gone."""
    user, auction = sql.quote(User._meta.db_table), sql.quote(Auction._meta.db_table)
    statement = (
        f"SELECT u.id, (SELECT a.status FROM {auction} a WHERE a.id = %s) FROM {user} u "  # noqa: S608 - names from the models
        f"WHERE u.id = %s{sql.for_update('u')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [auction_id, user_id])
        row = cursor.fetchone()
    return (False, None) if row is None else (True, row[1])


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


def users_try_lock(user_ids: set[int]) -> None:
    """Lock the customers' rows that nobody else holds, in one statement; never waits.

    For the standing orders, which run under an auction's lock: waiting for a user after an
    auction would break the lock order (a customer grabbing holds their row, then waits for the
    auction). A row held elsewhere is skipped and its owner's order served without it; only a
    grab of theirs on another auction at that very instant could then pass the live cap by one.
    """
    if not user_ids:
        return
    table = sql.quote(User._meta.db_table)
    skip = " SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    marks = ", ".join(["%s"] * len(user_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE id IN ({marks}) ORDER BY id{sql.for_update()}{skip}",  # noqa: S608 - names from the model
            sorted(user_ids),
        )


def watches_lock_reached(prices: dict[int, Decimal]) -> list[Watch]:
    """The ACTIVE watches whose alert price `prices` ({auction id: price now}) has reached, locked,
    each auction's in firing order: highest alert price first, then the oldest; owners alongside.

    One statement for the batch, answered from the partial (auction, alert_price) index: on
    PostgreSQL the batch's (auction, price) pairs are joined as two arrays, so a tick of a
    thousand steps plans one small join rather than a thousand-branch OR.
    Caller holds these auctions' row locks.
    """
    if not prices:
        return []
    if connection.vendor != "postgresql":
        reached = Q()
        for auction_id, price in prices.items():
            reached |= Q(auction_id=auction_id, alert_price__gte=price)
        return list(
            Watch.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(reached, status=WatchStatus.ACTIVE)
            .order_by("auction_id", "-alert_price", "created_at", "pk")
        )
    watch = sql.columns(Watch, "w")
    statement = (
        f"SELECT {watch.sql} FROM {sql.quote(Watch._meta.db_table)} w "  # noqa: S608 - names from the model
        "JOIN unnest(%s::bigint[], %s::numeric[]) AS r(auction_id, price) "
        "ON w.auction_id = r.auction_id AND w.alert_price >= r.price "
        "WHERE w.status = %s ORDER BY w.auction_id, w.alert_price DESC, w.created_at, w.id FOR UPDATE OF w"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [list(prices), list(prices.values()), WatchStatus.ACTIVE])
        found = [watch.build(row) for row in cursor.fetchall()]
    if found:
        owners = User.objects.in_bulk({w.user_id for w in found})
        for w in found:
            w.user = owners[w.user_id]
    return found


def watch_lock(*, watch_id: int, user_id: int) -> Watch | None:
    """One of the customer's watches, locked (another customer's is not found)."""
    return Watch.objects.select_for_update(of=("self",)).filter(pk=watch_id, user_id=user_id).first()
