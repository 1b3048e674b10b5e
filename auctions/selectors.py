"""Auction reads. Statuses a tick has not caught up with yet are read as of now, never written."""

from datetime import datetime

from django.db.models import F, Q, QuerySet

from .models import Auction, AuctionStatus


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


def on_sale_q(now: datetime) -> Q:
    """Rows with a seat left that can be bought now or once they open (the `has_seats` filter)."""
    selling = status_q(AuctionStatus.SCHEDULED, now) | status_q(AuctionStatus.ACTIVE, now)
    return selling & Q(seats_sold__lt=F("seats"))
