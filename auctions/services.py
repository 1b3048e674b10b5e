"""Auction writes: create, publish, cancel, start turbo, seats taken and freed, and the tick.

Every status change happens here, under the auction's row lock, and is broadcast after commit.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Studio
from core import sql
from core.errors import Conflict, Invalid, NotFound

from . import events, hooks, lifecycle, lock_objects, pricing, validation
from .models import SETTINGS_FIELDS, Auction, AuctionStatus, TickHeartbeat

logger = logging.getLogger(__name__)


class AuctionNotDraft(Conflict):
    code = "auction_not_draft"


class AuctionNotEditable(Conflict):
    code = "auction_not_editable"


class AuctionNotCancellable(Conflict):
    code = "auction_not_cancellable"


class TurboNotAvailable(Conflict):
    code = "turbo_not_available"


TEXT_FIELDS = ("title", "description", "scheduled_at")


def _check_settings(
    auction: Auction, *, now: datetime, publishing: bool, seats_before: int | None = None
) -> None:
    errors = validation.settings_errors(auction, now=now, publishing=publishing, seats_before=seats_before)
    if errors:
        raise Invalid(errors)


def refresh_cache(auction: Auction, *, now: datetime) -> None:
    """Bring the cached price and the tick's due time in line with `now` (caller saves)."""
    settings = pricing.PriceSettings.of(auction)
    auction.current_price = pricing.price_at(settings, now)
    auction.next_change_at = lifecycle.next_change_at(auction.status, settings, now)


def auction_create(
    *, studio: Studio, publish: bool = False, now: datetime | None = None, **values: Any
) -> Auction:
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown auction fields: {sorted(unknown)}")
    now = now or timezone.now()
    auction = Auction(studio=studio, status=AuctionStatus.DRAFT, **values)
    _check_settings(auction, now=now, publishing=publish)
    auction.current_price = auction.start_price
    with transaction.atomic():
        auction.save()
        if publish:
            auction = auction_publish(auction_id=auction.pk, now=now)
    return auction


def editable_fields(auction: Auction, *, now: datetime) -> tuple[str, ...]:
    """Prices and times are fixed once customers may have seen them; the words and class time are not.

    Seats may be added while the auction still sells (a sold-out one included: it is relisted).
    """
    status = lifecycle.status_at(auction.status, pricing.PriceSettings.of(auction), now)
    if status in (AuctionStatus.DRAFT, AuctionStatus.SCHEDULED):
        return SETTINGS_FIELDS
    if status in (AuctionStatus.CANCELLED,) or auction.scheduled_at <= now:
        return ()
    if status in (AuctionStatus.ACTIVE, AuctionStatus.SOLD) and now < auction.end_time:
        return (*TEXT_FIELDS, "seats")
    return TEXT_FIELDS


def auction_update(*, auction_id: int, now: datetime | None = None, **values: Any) -> Auction:
    """Change what `editable_fields` allows at `now`; anything else is refused whole."""
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown auction fields: {sorted(unknown)}")
    now = now or timezone.now()
    with transaction.atomic():
        auction = _locked(auction_id)
        status = lifecycle.status_at(auction.status, pricing.PriceSettings.of(auction), now)
        allowed = editable_fields(auction, now=now)
        changed = {name for name, value in values.items() if getattr(auction, name) != value}
        if changed - set(allowed):
            raise AuctionNotEditable(
                _("Once an auction has opened only its title, description and class time can change.")
            )
        seats_before = None if status == AuctionStatus.DRAFT else auction.seats
        for name, value in values.items():
            setattr(auction, name, value)
        _check_settings(
            auction, now=now, publishing=status == AuctionStatus.SCHEDULED, seats_before=seats_before
        )
        if status == AuctionStatus.SOLD and auction.seats_left:
            _relist(auction, now=now)  # seats were added to a sold-out class
        if status in (AuctionStatus.DRAFT, AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE):
            refresh_cache(auction, now=now)
        auction.save()
        if status != AuctionStatus.DRAFT:
            events.auction_changed(auction)
    return auction


def auction_duplicate(*, auction_id: int, shift: timedelta = timedelta(days=7)) -> Auction:
    """A draft of the same class `shift` later (next week by default), to review and publish."""
    source = Auction.objects.select_related("studio").filter(pk=auction_id).first()
    if source is None:
        raise NotFound(_("No such auction."))
    values = {name: getattr(source, name) for name in SETTINGS_FIELDS}
    for name in ("start_time", "end_time", "scheduled_at"):
        values[name] += shift
    return auction_create(studio=source.studio, **values)


def auction_publish(*, auction_id: int, now: datetime | None = None) -> Auction:
    now = now or timezone.now()
    with transaction.atomic():
        auction = _locked(auction_id)
        if auction.status != AuctionStatus.DRAFT:
            raise AuctionNotDraft(_("Only a draft can be published."))
        _check_settings(auction, now=now, publishing=True)
        settings = pricing.PriceSettings.of(auction)
        auction.status = lifecycle.status_at(AuctionStatus.SCHEDULED, settings, now)
        refresh_cache(auction, now=now)
        auction.save()
        events.auction_changed(auction, "auction_created")
    return auction


def auction_cancel(*, auction_id: int, now: datetime | None = None) -> Auction:
    """The studio calls the spot off; the apps holding bookings of it cancel them (a hook)."""
    now = now or timezone.now()
    with transaction.atomic():
        auction = _locked(auction_id)
        if auction.status in (AuctionStatus.CANCELLED, AuctionStatus.DRAFT):
            raise AuctionNotCancellable(_("Only a published auction can be cancelled."))
        if auction.scheduled_at <= now:
            raise AuctionNotCancellable(_("The class has already started."))
        # Receivers cancel the bookings and set `seats_sold` to the seats still held.
        hooks.auction_cancelling.call(auction=auction, now=now)
        auction.status = AuctionStatus.CANCELLED
        auction.next_change_at = None
        auction.save(update_fields=["status", "next_change_at", "seats_sold", "updated_at"])
        events.auction_changed(auction)
    return auction


def auction_turbo_start(*, auction_id: int, now: datetime | None = None) -> Auction:
    now = now or timezone.now()
    with transaction.atomic():
        auction = _locked(auction_id)
        settings = pricing.PriceSettings.of(auction)
        if not auction.turbo_enabled:
            raise TurboNotAvailable(_("Turbo is not enabled for this auction."))
        if not lifecycle.is_grabbable(auction.status, settings, now):
            raise TurboNotAvailable(_("Turbo can only start while the auction is open."))
        if pricing.turbo_active(settings, now):
            raise TurboNotAvailable(_("Turbo is already running."))
        auction.status = AuctionStatus.ACTIVE
        auction.turbo_started_at = now
        refresh_cache(auction, now=now)
        auction.save()
        events.auction_changed(auction, "turbo_triggered")
    return auction


def auctions_seats_taken(*, taken: list[tuple[Auction, int, Decimal]], now: datetime) -> None:
    """Caller holds these auctions' row locks and has just inserted live reservations: each
    `(auction, seats_sold, price)` has `seats_sold` seats held, the last taken at `price`. The
    last seat sells the auction out at its price. One UPDATE for them all (a grab's one auction,
    or every auction whose standing orders a tick filled).

    Every change is pushed (`auction_updated`, with `seats_left`), once per auction, after commit.
    """
    auctions = []
    for auction, seats_sold, price in taken:
        auction.seats_sold = seats_sold
        if not auction.seats_left:
            auction.status = AuctionStatus.SOLD
            auction.current_price = price
            auction.next_change_at = None
        else:
            # A SCHEDULED auction past its start that no tick has opened yet is open: store it so.
            auction.status = lifecycle.status_at(auction.status, pricing.PriceSettings.of(auction), now)
            refresh_cache(auction, now=now)
        auction.updated_at = now
        auctions.append(auction)
    sql.update_many(auctions, ["status", "current_price", "next_change_at", "seats_sold", "updated_at"])
    events.send_many([events.auction_message(auction, now=now) for auction in auctions])


def auction_seat_freed(*, auction: Auction, seats_sold: int, now: datetime) -> None:
    """Caller holds the auction's row lock and has just cancelled a live reservation, which
    leaves `seats_sold` seats held. A sold-out auction is relisted; the change is pushed."""
    auction.seats_sold = seats_sold
    if auction.status == AuctionStatus.SOLD and auction.seats_left:
        _relist(auction, now=now)
    auction.save(update_fields=["status", "current_price", "next_change_at", "seats_sold", "updated_at"])
    events.auction_changed(auction)


def _relist(auction: Auction, *, now: datetime) -> None:
    """A sold-out auction has a seat again: on sale on the same price curve, or EXPIRED if its
    window has passed (caller holds the lock and saves)."""
    settings = pricing.PriceSettings.of(auction)
    auction.status = lifecycle.status_at(AuctionStatus.ACTIVE, settings, now)
    refresh_cache(auction, now=now)


@dataclass
class TickResult:
    processed: int = 0
    status_changes: dict[str, int] = field(default_factory=dict)


def auctions_tick(
    *, now: datetime | None = None, batch_size: int = 1000, auction_id: int | None = None
) -> TickResult:
    """Apply every due change: opening, price steps, turbo, expiry. Safe to run concurrently.

    Only auctions whose indexed `next_change_at` has passed are read, so the cost follows the
    number of auctions that change, not the number that exist. The sweep skips rows someone else
    holds; with `auction_id` only that auction is ticked, if due, waiting for its lock (the
    on-time step), and the sweep's heartbeat is left alone.
    """
    now = now or timezone.now()
    result = TickResult()
    while True:
        with transaction.atomic():
            if auction_id is None:
                due = list(lock_objects.auctions_lock_due(now=now, limit=batch_size))
            else:
                due = list(lock_objects.auction_lock_due(auction_id=auction_id, now=now))
            messages: list[events.Message] = []
            before = {auction.pk: auction.status for auction in due}
            for auction in due:
                messages.extend(_tick_one(auction, now=now, result=result))
            # The step's own frames first: what the standing orders then do to these auctions
            # (a seat taken, SOLD) is pushed after them, so clients end on the newest state.
            events.send_many(messages)
            if due:
                hooks.auctions_stepped.call(auctions=due, now=now)
            sql.update_many(due, TICKED_FIELDS)
            expired = [
                a for a in due if a.status == AuctionStatus.EXPIRED and before[a.pk] != AuctionStatus.EXPIRED
            ]
            if expired:
                hooks.auctions_expired.call(auctions=expired)
        result.processed += len(due)
        if auction_id is not None:
            return result
        if len(due) < batch_size:
            TickHeartbeat.objects.update_or_create(
                pk=1, defaults={"last_tick_at": now, "last_processed": result.processed}
            )
            return result


TICKED_FIELDS = ["status", "current_price", "next_change_at", "turbo_started_at", "updated_at"]


def _tick_one(auction: Auction, *, now: datetime, result: TickResult) -> list[events.Message]:
    settings = pricing.PriceSettings.of(auction)
    before_status, before_price = auction.status, auction.current_price
    auction.status = lifecycle.status_at(auction.status, settings, now)
    refresh_cache(auction, now=now)
    auction.updated_at = now
    turbo_began = (
        auction.status == AuctionStatus.ACTIVE
        and auction.turbo_started_at is None
        and pricing.turbo_active(settings, now)
    )
    messages = []
    if turbo_began:
        # Record when turbo began by itself, so it is announced once.
        auction.turbo_started_at = pricing.turbo_from(settings)
        messages.append(events.auction_message(auction, "turbo_triggered", now))
    if auction.status != before_status:
        result.status_changes[auction.status] = result.status_changes.get(auction.status, 0) + 1
        messages.append(events.auction_message(auction, "auction_updated", now))
    elif auction.current_price != before_price:
        messages.append(events.auction_message(auction, "price_update", now))
    return messages


def _locked(auction_id: int) -> Auction:
    auction = lock_objects.auction_lock(auction_id)
    if auction is None:
        raise NotFound(_("No such auction."))
    return auction
