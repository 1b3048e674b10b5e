"""Reservation reads."""

import zoneinfo
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import Count, QuerySet

from accounts import hooks as account_hooks
from accounts.models import User
from auctions import lifecycle
from auctions.models import Auction, AuctionStatus
from core import jobs, sql

from .models import CancelledBy, Reservation, ReservationStatus, Watch, WatchStatus

STRIKE_WINDOW = timedelta(days=90)
NO_SHOW_JOB = "reservations.no_shows"
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
    """One customer's strikes and live reservations (the grab asks on its hot path: one statement)."""
    return customer_standings(users=[user], now=now)[user.pk]


def customer_standings(*, users: Sequence[User], now: datetime) -> dict[int, Standing]:
    """Strikes and live reservations of each customer, in one statement for any number of them
    (a tick asks for every standing order's owner at once). Strikes count after `strikes_since`."""
    if not users:
        return {}
    reservation, auction = sql.quote(Reservation._meta.db_table), sql.quote(Auction._meta.db_table)
    marks, live = ", ".join(["%s"] * len(users)), ", ".join(["%s"] * len(LIVE_STATUSES))

    def since(instant: datetime) -> Any:
        return sql.param(Reservation, "no_show_at", instant)

    # The strike window starts later for those a superuser forgave: one branch for each of them.
    forgiven = [(user.pk, since(strikes_since(user, now))) for user in users if user.strikes_forgiven_at]
    window = "%s"
    if forgiven:
        window = "CASE r.user_id " + "WHEN %s THEN %s " * len(forgiven) + "ELSE %s END"
    statement = (
        f"SELECT r.user_id, SUM(CASE WHEN r.status = %s THEN 1 ELSE 0 END), "  # noqa: S608 - names from the models
        f"SUM(CASE WHEN r.status = %s THEN 0 ELSE 1 END) FROM {reservation} r "
        f"JOIN {auction} a ON a.id = r.auction_id WHERE r.user_id IN ({marks}) "
        f"AND ((r.status = %s AND r.no_show_at > {window}) "
        f"OR (r.status IN ({live}) AND a.scheduled_at > %s)) GROUP BY r.user_id"
    )
    no_show = ReservationStatus.NO_SHOW
    params = [
        no_show,
        no_show,
        *(user.pk for user in users),
        no_show,
        *(value for pair in forgiven for value in pair),
        since(now - STRIKE_WINDOW),
        *LIVE_STATUSES,
        sql.param(Auction, "scheduled_at", now),
    ]
    standings = {user.pk: Standing(strikes=0, live=0) for user in users}
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for user_id, strikes, live_count in cursor.fetchall():
            standings[user_id] = Standing(strikes=int(strikes), live=int(live_count))
    return standings


@dataclass
class Seats:
    """What the holder of an auction's row lock knows of its seats before booking one."""

    holders: dict[int, int]  # seat number -> customer id, of every reservation not cancelled
    cancelled_by_customer: set[int]  # customers who cancelled a reservation of it themselves


def seats_of(*, auction_ids: Collection[int], user_ids: Collection[int]) -> dict[int, Seats]:
    """Each auction's `Seats`, as far as these customers are concerned, in one plain statement:
    the grab reads it under the auction's row lock, a tick for all its standing orders at once.
    A customer who cancelled a reservation themselves may not book it again (`rebook_not_allowed`)."""
    seats = {pk: Seats(holders={}, cancelled_by_customer=set()) for pk in auction_ids}
    if not seats:
        return seats
    table = sql.quote(Reservation._meta.db_table)
    auctions, users = ", ".join(["%s"] * len(seats)), ", ".join(["%s"] * len(user_ids))
    cancelled = f" OR (cancelled_by = %s AND user_id IN ({users}))" if user_ids else ""
    statement = (
        f"SELECT auction_id, seat_no, user_id, status FROM {table} WHERE auction_id IN ({auctions}) "  # noqa: S608 - names from the model
        f"AND (status <> %s{cancelled})"
    )
    params: list[Any] = [*seats, ReservationStatus.CANCELLED]
    if user_ids:
        params += [CancelledBy.CUSTOMER, *user_ids]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for auction_id, seat_no, user_id, status in cursor.fetchall():
            if status == ReservationStatus.CANCELLED:
                seats[auction_id].cancelled_by_customer.add(user_id)
            else:
                seats[auction_id].holders[seat_no] = user_id
    return seats


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


# --- the front desk ----------------------------------------------------------------------------


def class_day(reservation: Reservation) -> date:
    """The calendar day of the class, as the studio lives it."""
    zone = zoneinfo.ZoneInfo(reservation.auction.studio.timezone)
    return reservation.auction.scheduled_at.astimezone(zone).date()


def is_for_today(reservation: Reservation, *, now: datetime) -> bool:
    """Whether the booking's class is on the studio's today: the desk takes only today's codes."""
    zone = zoneinfo.ZoneInfo(reservation.auction.studio.timezone)
    return class_day(reservation) == now.astimezone(zone).date()


def check_in_undoable_until(reservation: Reservation) -> datetime | None:
    """Until when the desk may undo this check-in (None if it is not a check-in)."""
    if reservation.status != ReservationStatus.COMPLETED or reservation.checked_in_at is None:
        return None
    return reservation.checked_in_at + timedelta(minutes=settings.HOTHOUR_CHECKIN_UNDO_MINUTES)


@dataclass(frozen=True)
class ClassToday:
    auction: Auction
    status: str
    status_label: str
    price: Decimal
    seats_left: int
    booked: int

    @property
    def on_sale(self) -> bool:
        """Whether its price means anything now (a sold or closed auction has none)."""
        return self.status in (AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE)


@dataclass(frozen=True)
class DeskEvent:
    at: datetime
    kind: str  # "sale" or "cancellation"
    reservation: Reservation


@dataclass(frozen=True)
class DeskToday:
    day: date
    classes: list[ClassToday]
    due: list[Reservation]  # waiting to be checked in, the next class first
    recent: list[DeskEvent]  # sales and cancellations of the last day, newest first


DESK_RECENT = 10


def _seats_left(auction: Auction, status: str, booked: int) -> int:
    seats = getattr(auction, "seats", 1)
    if status in (AuctionStatus.CANCELLED, AuctionStatus.EXPIRED):
        return 0
    return max(seats - booked, 0)


def desk_today(*, studio_id: int | None, zone: zoneinfo.ZoneInfo, now: datetime) -> DeskToday:
    """What the front desk needs on one screen: today's classes with their auctions as they stand
    now, the bookings still to check in, and what just sold or was cancelled. `studio_id` None:
    every studio (a superuser)."""
    day = now.astimezone(zone).date()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = start + timedelta(days=1)
    auctions = Auction.objects.filter(scheduled_at__gte=start, scheduled_at__lt=end).exclude(
        status=AuctionStatus.DRAFT
    )
    reservations = Reservation.objects.select_related("auction", "auction__studio", "user")
    if studio_id is not None:
        auctions = auctions.filter(studio_id=studio_id)
        reservations = reservations.filter(auction__studio_id=studio_id)
    live_counts = dict(
        reservations.filter(auction__in=auctions)
        .exclude(status=ReservationStatus.CANCELLED)
        .values_list("auction_id")
        .annotate(models.Count("id"))
    )
    classes = []
    for auction in auctions.order_by("scheduled_at", "id"):
        state = lifecycle.live_state(auction, now)
        booked = live_counts.get(auction.pk, 0)
        classes.append(
            ClassToday(
                auction=auction,
                status=state.status,
                status_label=str(AuctionStatus(state.status).label),
                price=state.price,
                seats_left=_seats_left(auction, state.status, booked),
                booked=booked,
            )
        )
    due = list(
        reservations.filter(
            status=ReservationStatus.PENDING_ON_SITE,
            auction__scheduled_at__gte=start,
            auction__scheduled_at__lt=end,
        ).order_by("auction__scheduled_at", "booking_code")
    )
    since = now - timedelta(days=1)
    sales = reservations.filter(reserved_at__gte=since).order_by("-reserved_at")[:DESK_RECENT]
    cancellations = reservations.filter(cancelled_at__gte=since).order_by("-cancelled_at")[:DESK_RECENT]
    recent = [DeskEvent(r.reserved_at, "sale", r) for r in sales]
    recent += [DeskEvent(r.cancelled_at, "cancellation", r) for r in cancellations if r.cancelled_at]
    recent.sort(key=lambda event: event.at, reverse=True)
    return DeskToday(day=day, classes=classes, due=due, recent=recent[:DESK_RECENT])


def no_show_health_report() -> dict[str, object]:
    """The no-show sweep's part of `GET health/` (connected to core's health reports)."""
    return {"no_shows": jobs.last_run(NO_SHOW_JOB)}
