"""Demo auctions in every state, with times relative to now, so the product is alive at once.

Several sell more than one seat; the reservations demo books some of them (reservations/demo.py).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Studio

from . import services
from .models import AllowedGender, Auction


@dataclass(frozen=True)
class Spec:
    title: str
    opened_mins_ago: int
    closes_in_mins: int
    start: str
    floor: str
    drop: str
    every: int
    turbo: tuple[int, str, int] | None = None  # (trigger minutes before close, amount, every)
    gender: str = AllowedGender.ANY
    then: str = ""  # "", "cancel" or "expire"
    seats: int = 1


SPECS = [
    Spec(
        "Akşam Yogası (yakında açılıyor)",
        -30,
        180,
        "600.00",
        "150.00",
        "50.00",
        30,
        (60, "25.00", 10),
        seats=8,
    ),
    Spec(
        "Pilates Reformer (yeni açıldı)", 5, 175, "750.00", "200.00", "50.00", 20, (45, "20.00", 5), seats=4
    ),
    Spec("Salsa Başlangıç (turbo)", 100, 20, "500.00", "100.00", "50.00", 60, (30, "20.00", 5)),
    Spec(
        "Kadınlara Özel HIIT (tabana yakın)",
        170,
        10,
        "400.00",
        "120.00",
        "40.00",
        20,
        None,
        AllowedGender.FEMALE,
    ),
    Spec(
        "Boks Kondisyon (yalnızca erkekler)",
        15,
        90,
        "450.00",
        "150.00",
        "30.00",
        15,
        (30, "15.00", 5),
        AllowedGender.MALE,
    ),
    Spec("Vinyasa Flow (satıldı)", 20, 100, "550.00", "150.00", "50.00", 30, seats=3),
    Spec("Barre (süresi doldu)", 200, -20, "450.00", "120.00", "30.00", 30, then="expire", seats=5),
    Spec("Zumba (stüdyo iptal etti)", 10, 120, "400.00", "100.00", "25.00", 30, then="cancel"),
    Spec("Spinning (6 bisiklet, iptal edilecek)", 30, 60, "380.00", "120.00", "20.00", 10, seats=6),
]
# The classes the reservations demo books seats of: sold out, partly booked, expired with seats
# booked, and cancelled by the studio with seats booked.
SOLD_TITLE = "Vinyasa Flow (satıldı)"
PARTLY_BOOKED_TITLE = "Pilates Reformer (yeni açıldı)"
EXPIRED_TITLE = "Barre (süresi doldu)"
CANCELLED_WITH_SEATS_TITLE = "Spinning (6 bisiklet, iptal edilecek)"


def _values(spec: Spec, now: datetime) -> dict[str, Any]:
    start = now - timedelta(minutes=spec.opened_mins_ago)
    end = now + timedelta(minutes=spec.closes_in_mins)
    values: dict[str, Any] = {
        "title": spec.title,
        "description": "Son dakika yeri: fiyat düşüyor, ilk kapan alır.",
        "allowed_gender": spec.gender,
        "start_price": Decimal(spec.start),
        "floor_price": Decimal(spec.floor),
        "drop_amount": Decimal(spec.drop),
        "drop_interval_mins": spec.every,
        "start_time": start,
        "end_time": end,
        "scheduled_at": end + timedelta(minutes=30),
        "seats": spec.seats,
    }
    if spec.turbo:
        trigger, amount, every = spec.turbo
        values |= {
            "turbo_enabled": True,
            "turbo_trigger_mins": trigger,
            "turbo_drop_amount": Decimal(amount),
            "turbo_interval_mins": every,
        }
    return values


@transaction.atomic
def seed_auctions(studio: Studio, *, now: datetime | None = None) -> list[Auction]:
    """Create each demo auction unless one with its title is still current (safe to run twice)."""
    now = now or timezone.now()
    created = []
    for spec in SPECS:
        existing = Auction.objects.filter(studio=studio, title=spec.title).order_by("-id").first()
        if existing is not None and (spec.then or existing.end_time > now):
            continue
        values = _values(spec, now)
        if spec.then == "expire":
            # Published while it was still open, then the tick found it past its close.
            published_at = values["start_time"] + timedelta(minutes=1)
            auction = services.auction_create(studio=studio, publish=True, now=published_at, **values)
            services.auctions_tick(now=now)
            auction.refresh_from_db()
        else:
            auction = services.auction_create(studio=studio, publish=True, now=now, **values)
            if spec.then == "cancel":
                auction = services.auction_cancel(auction_id=auction.pk, now=now)
        created.append(auction)
    return created


def demo_auction(studio: Studio, title: str, *statuses: str) -> Auction | None:
    """The newest demo auction of this title, if its stored status is one of `statuses`."""
    return Auction.objects.filter(studio=studio, title=title, status__in=statuses).order_by("-id").first()
