"""Every row lock the auctions app takes. Locks are taken in primary-key order.

Lock order across apps: the customer's user row (only the grab takes it), then auction rows,
then reservations. Nothing locks a user after an auction, so no two paths can deadlock.
"""

from datetime import datetime

from django.db.models import QuerySet

from .models import TICKING_STATUSES, Auction


def auction_lock(auction_id: int) -> Auction | None:
    """Lock one auction (waits for other holders). Call inside `transaction.atomic()`."""
    return (
        Auction.objects.select_for_update(of=("self",)).select_related("studio").filter(pk=auction_id).first()
    )


def auctions_lock_due(*, now: datetime, limit: int) -> QuerySet[Auction]:
    """Lock up to `limit` auctions whose next change is due, skipping rows another tick holds."""
    return (
        Auction.objects.select_for_update(skip_locked=True)
        .filter(next_change_at__lte=now, status__in=TICKING_STATUSES)
        .order_by("pk")[:limit]
    )
