"""Auction reads. Statuses a tick has not caught up with yet are read as of now, never written."""

from datetime import datetime

from django.db.models import Q, QuerySet

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
