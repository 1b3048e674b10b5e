"""Reservation reads."""

from dataclasses import dataclass
from datetime import datetime, timedelta

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


def customer_standing(*, user: User, now: datetime) -> Standing:
    """Strikes and live reservations in one query (the grab asks for both)."""
    counts = Reservation.objects.filter(user=user).aggregate(
        strikes=Count("id", filter=Q(status=ReservationStatus.NO_SHOW, no_show_at__gt=now - STRIKE_WINDOW)),
        live=Count("id", filter=Q(status__in=LIVE_STATUSES, auction__scheduled_at__gt=now)),
    )
    return Standing(strikes=counts["strikes"], live=counts["live"])
