"""Reservation reads."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from accounts.models import User

from .models import Reservation, ReservationStatus

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
    """Strikes and live reservations in one query (the grab asks for both)."""
    counts = Reservation.objects.filter(user=user).aggregate(
        strikes=Count(
            "id", filter=Q(status=ReservationStatus.NO_SHOW, no_show_at__gt=strikes_since(user, now))
        ),
        live=Count("id", filter=Q(status__in=LIVE_STATUSES, auction__scheduled_at__gt=now)),
    )
    return Standing(strikes=counts["strikes"], live=counts["live"])


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
