"""Auction reads. Statuses a tick has not caught up with yet are read as of now, never written."""

from datetime import datetime

from django.db.models import F, Q, QuerySet

from .models import TICKING_STATUSES, Auction, AuctionStatus


def published_auctions() -> QuerySet[Auction]:
    return Auction.objects.exclude(status=AuctionStatus.DRAFT).select_related("studio")


def status_q(status: str, now: datetime) -> Q:
    """Rows whose status *at `now`* is `status`, whether or not the tick has stored it yet."""
    open_window = Q(start_time__lte=now, end_time__gt=now)
    ticking = Q(status__in=[AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE])
    if status == AuctionStatus.SCHEDULED:
        return Q(status=AuctionStatus.SCHEDULED, start_time__gt=now)
    if status == AuctionStatus.ACTIVE:
        return ticking & open_window
    if status == AuctionStatus.EXPIRED:
        return Q(status=AuctionStatus.EXPIRED) | (ticking & Q(end_time__lte=now))
    return Q(status=status)


def changes_between(
    start: datetime, end: datetime, *, limit: int | None = None
) -> list[tuple[int, datetime]]:
    """(auction id, instant) of the changes due in (start, end], earliest first (the due index),
    at most `limit` of them."""
    rows = (
        Auction.objects.filter(status__in=TICKING_STATUSES, next_change_at__gt=start, next_change_at__lte=end)
        .order_by("next_change_at")
        .values_list("pk", "next_change_at")[:limit]
    )
    return [(pk, at) for pk, at in rows if at is not None]


def earliest_change_at() -> datetime | None:
    """When the tick next has work: the earliest stored `next_change_at` (the due index)."""
    return (
        Auction.objects.filter(status__in=TICKING_STATUSES, next_change_at__isnull=False)
        .order_by("next_change_at")
        .values_list("next_change_at", flat=True)
        .first()
    )


def tick_backlog(now: datetime) -> tuple[int, datetime | None]:
    """Auctions with a change due at `now` that no tick has applied, and the oldest one's due time
    (`now` minus it is the tick's lag). Reads the `next_change_at` index only."""
    due = Auction.objects.filter(next_change_at__lte=now)
    oldest = due.order_by("next_change_at").values_list("next_change_at", flat=True).first()
    return (due.count() if oldest is not None else 0), oldest


def on_sale_q(now: datetime) -> Q:
    """Rows with a seat left that can be bought now or once they open (the `has_seats` filter)."""
    selling = status_q(AuctionStatus.SCHEDULED, now) | status_q(AuctionStatus.ACTIVE, now)
    return selling & Q(seats_sold__lt=F("seats"))
