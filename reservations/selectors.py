"""Reservation reads."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet

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


def live_reservation_count(*, user: User, now: datetime) -> int:
    """Reservations still to be honoured: pending and for a class that has not started."""
    return Reservation.objects.filter(
        user=user, status__in=LIVE_STATUSES, auction__scheduled_at__gt=now
    ).count()


def no_show_strikes(*, user: User, now: datetime) -> int:
    return Reservation.objects.filter(
        user=user, status=ReservationStatus.NO_SHOW, no_show_at__gt=now - STRIKE_WINDOW
    ).count()


def is_suspended(*, user: User, now: datetime) -> bool:
    return no_show_strikes(user=user, now=now) >= settings.HOTHOUR_NO_SHOW_LIMIT
