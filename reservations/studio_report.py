"""A studio's report for a period (the figures page), from the database: what sold, for how much, who came.

Counted in seats: an auction of four seats is four spots offered, each sold at its own price.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum

from auctions import pricing
from auctions.models import Auction, AuctionStatus

from .models import Reservation, ReservationStatus

SOLD_STATUSES = (ReservationStatus.PENDING_ON_SITE, ReservationStatus.COMPLETED, ReservationStatus.NO_SHOW)
# Auctions whose sale has ended with seats sold or not (a cancelled one offered nothing in the end).
SALE_ENDED = (AuctionStatus.SOLD, AuctionStatus.EXPIRED)


@dataclass(frozen=True)
class StudioFigures:
    published: int
    sold: int  # seats sold (every live reservation)
    expired: int  # auctions that closed with seats left
    cancelled: int
    seats_offered: int  # seats of the auctions whose sale ended (sold out or expired)
    sell_through_percent: Decimal | None  # seats sold / seats offered, of the auctions whose sale ended
    revenue: Decimal  # locked prices of checked-in reservations
    average_discount_percent: Decimal | None  # vs the start price, over seats sold
    turbo_share_percent: Decimal | None  # sales made while turbo ran
    no_shows: int


def _percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def studio_figures(*, studio_id: int | None, start: datetime, end: datetime) -> StudioFigures:
    """Auctions whose class falls in [start, end); `studio_id` None means every studio."""
    auctions = Auction.objects.exclude(status=AuctionStatus.DRAFT).filter(
        scheduled_at__gte=start, scheduled_at__lt=end
    )
    if studio_id is not None:
        auctions = auctions.filter(studio_id=studio_id)
    counts = auctions.aggregate(
        published=Count("id"),
        expired=Count("id", filter=Q(status=AuctionStatus.EXPIRED)),
        cancelled=Count("id", filter=Q(status=AuctionStatus.CANCELLED)),
        seats_offered=Sum("seats", filter=Q(status__in=SALE_ENDED), default=0),
    )
    sales = list(
        Reservation.objects.filter(auction__in=auctions, status__in=SOLD_STATUSES).select_related("auction")
    )
    revenue = Reservation.objects.filter(auction__in=auctions, status=ReservationStatus.COMPLETED).aggregate(
        total=Sum("locked_price")
    )["total"] or Decimal("0.00")
    no_shows = sum(1 for sale in sales if sale.status == ReservationStatus.NO_SHOW)
    sold = len(sales)
    sold_of_ended = sum(1 for sale in sales if sale.auction.status in SALE_ENDED)
    discounts = [1 - sale.locked_price / sale.auction.start_price for sale in sales]
    in_turbo = sum(
        1 for sale in sales if pricing.turbo_active(pricing.PriceSettings.of(sale.auction), sale.reserved_at)
    )
    return StudioFigures(
        published=counts["published"],
        sold=sold,
        expired=counts["expired"],
        cancelled=counts["cancelled"],
        seats_offered=counts["seats_offered"],
        sell_through_percent=_percent(sold_of_ended, counts["seats_offered"]),
        revenue=revenue,
        average_discount_percent=_percent(sum(discounts, Decimal(0)), len(discounts)) if discounts else None,
        turbo_share_percent=_percent(in_turbo, sold),
        no_shows=no_shows,
    )
