"""Reservation reads."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, QuerySet

from accounts import hooks as account_hooks
from accounts.models import User
from auctions.models import Auction
from core import sql

from .models import CancelledBy, Reservation, ReservationStatus, Watch, WatchStatus

STRIKE_WINDOW = timedelta(days=90)
LIVE_STATUSES = (ReservationStatus.PENDING_ON_SITE,)


def reservations_of(*, user: User, when: str | None = None, now: datetime) -> QuerySet[Reservation]:
    """A customer's reservations; `when` is "upcoming" (class not started) or "past"."""
    queryset = Reservation.objects.filter(user=user).select_related("auction", "auction__studio")
    if when == "upcoming":
        queryset = queryset.filter(auction__scheduled_at__gt=now).order_by("auction__scheduled_at", "id")
    elif when == "past":
        queryset = queryset.filter(auction__scheduled_at__lte=now).order_by("-auction__scheduled_at", "-id")
    return queryset


@dataclass(frozen=True)
class Standing:
    strikes: int  # no-shows within the strike window
    live: int  # reservations still to be honoured


def strikes_since(user: User, now: datetime) -> datetime:
    """No-shows after this instant count: the last 90 days, or since a superuser forgave them."""
    since = now - STRIKE_WINDOW
    return max(since, user.strikes_forgiven_at) if user.strikes_forgiven_at else since


def customer_standing(*, user: User, now: datetime) -> Standing:
    """Strikes and live reservations in one statement (the grab asks for both, on its hot path)."""
    reservation, auction = sql.quote(Reservation._meta.db_table), sql.quote(Auction._meta.db_table)
    live = ", ".join(["%s"] * len(LIVE_STATUSES))
    statement = (
        f"SELECT (SELECT COUNT(*) FROM {reservation} WHERE user_id = %s AND status = %s "  # noqa: S608 - names from the models
        "AND no_show_at > %s), "
        f"(SELECT COUNT(*) FROM {reservation} r JOIN {auction} a ON a.id = r.auction_id "
        f"WHERE r.user_id = %s AND r.status IN ({live}) AND a.scheduled_at > %s)"
    )
    params = [
        user.pk,
        ReservationStatus.NO_SHOW,
        sql.param(Reservation, "no_show_at", strikes_since(user, now)),
        user.pk,
        *LIVE_STATUSES,
        sql.param(Auction, "scheduled_at", now),
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        strikes, live_count = cursor.fetchone()
    return Standing(strikes=strikes, live=live_count)


def seat_holders(*, auction_id: int) -> dict[int, int]:
    """Seat number → customer id of every reservation holding a seat of the auction (any that is
    not cancelled). The grab reads it under the auction's row lock (one plain statement)."""
    table = sql.quote(Reservation._meta.db_table)
    statement = f"SELECT seat_no, user_id FROM {table} WHERE auction_id = %s AND status <> %s"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        cursor.execute(statement, [auction_id, ReservationStatus.CANCELLED])
        return dict(cursor.fetchall())


def cancelled_by_customer(*, auction_id: int, user_id: int) -> bool:
    """Whether the customer cancelled a reservation of the auction themselves (the grab's
    `rebook_not_allowed`; one plain statement on its hot path, also once per standing order)."""
    table = sql.quote(Reservation._meta.db_table)
    statement = (
        f"SELECT 1 FROM {table} WHERE auction_id = %s AND user_id = %s "  # noqa: S608 - names from the model
        "AND status = %s AND cancelled_by = %s LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [auction_id, user_id, ReservationStatus.CANCELLED, CancelledBy.CUSTOMER])
        return cursor.fetchone() is not None


def seats_held(*, auction_id: int) -> int:
    """How many seats of the auction live reservations hold (read under its row lock)."""
    return (
        Reservation.objects.filter(auction_id=auction_id).exclude(status=ReservationStatus.CANCELLED).count()
    )


def suspended_until(*, user: User, now: datetime) -> datetime | None:
    """When a suspended customer may book again (their oldest counting strike ages out), else None."""
    limit = settings.HOTHOUR_NO_SHOW_LIMIT
    strikes = list(
        Reservation.objects.filter(
            user=user, status=ReservationStatus.NO_SHOW, no_show_at__gt=strikes_since(user, now)
        )
        .order_by("-no_show_at")
        .values_list("no_show_at", flat=True)[:limit]
    )
    if len(strikes) < limit or strikes[-1] is None:
        return None
    return strikes[-1] + STRIKE_WINDOW


def calendar_feed(*, user: User, now: datetime) -> list[Reservation]:
    """Upcoming classes and the last month's, cancelled ones included so calendars drop them."""
    return list(
        Reservation.objects.filter(user=user, auction__scheduled_at__gte=now - timedelta(days=30))
        .exclude(status=ReservationStatus.CANCELLED, auction__scheduled_at__lt=now)
        .select_related("auction", "auction__studio")
        .order_by("auction__scheduled_at", "id")
    )


def standing_of(*, user: User, now: datetime) -> account_hooks.Standing:
    """What `auth/me/` shows of a customer's record (answers accounts' `standing_of` hook)."""
    ends = [suspended_until(user=user, now=now), user.inherited_suspension_until]
    return account_hooks.Standing(
        strikes=customer_standing(user=user, now=now).strikes,
        until=max((end for end in ends if end is not None and end > now), default=None),
    )


def watch_demand(*, auction: Auction) -> list[tuple[Decimal, int]]:
    """(alert price, ACTIVE watches at it) of the auction, highest price first; no names."""
    rows = (
        Watch.objects.filter(auction_id=auction.pk, status=WatchStatus.ACTIVE)
        .values_list("alert_price")
        .annotate(watchers=Count("id"))
        .order_by("-alert_price")
    )
    return [(price, watchers) for price, watchers in rows]
