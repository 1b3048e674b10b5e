"""Reservation writes: the grab, cancellation, check-in and no-show, each guarded by status."""

import logging
import secrets
import time
import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import EmailNotVerified
from auctions import events, lifecycle
from auctions import lock_objects as auction_locks
from auctions import services as auction_services
from auctions.lifecycle import is_grabbable
from auctions.models import AllowedGender, Auction, AuctionStatus
from auctions.pricing import PriceSettings, price_at
from core import jobs, sql
from core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

from . import emails, lock_objects, notifications, selectors
from .api.serializers import ReservationSerializer
from .metrics import GRAB_SECONDS, GRABS
from .models import (
    CancelledBy,
    Notification,
    NotificationKind,
    Reservation,
    ReservationStatus,
    Watch,
    WatchStatus,
)

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: codes are read aloud at a front desk.
BOOKING_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
BOOKING_CODE_ATTEMPTS = 10


class AuctionNotActive(Conflict):
    code = "auction_not_active"


class AuctionSold(Conflict):
    code = "auction_sold"


class AlreadyBooked(Conflict):
    code = "already_booked"


class PriceChanged(Conflict):
    code = "price_changed"


class ReservationLimit(Conflict):
    code = "reservation_limit"


class RebookNotAllowed(Conflict):
    code = "rebook_not_allowed"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


class ReservationNotCancellable(Conflict):
    code = "reservation_not_cancellable"


class ReservationWrongStatus(Conflict):
    code = "reservation_wrong_status"


class CheckInUndoClosed(Conflict):
    code = "check_in_undo_closed"


class CheckInNotToday(Conflict):
    code = "check_in_not_today"


class StaffCannotBook(Forbidden):
    code = "staff_cannot_book"


class GenderNotAllowed(Forbidden):
    code = "gender_not_allowed"


class BookingSuspended(Forbidden):
    code = "booking_suspended"


class CancellationClosed(Forbidden):
    code = "cancellation_closed"


BOOKING_CODE_LENGTH = 6
# Bytes at or above this are dropped, so every letter of the alphabet is equally likely.
_UNBIASED_BELOW = 256 - 256 % len(BOOKING_CODE_ALPHABET)


def new_booking_code() -> str:
    """`HOT-` and six letters from `secrets`, drawn with one call to the system's random source
    (each call is a system call; `secrets.choice` per letter made six)."""
    letters: list[str] = []
    while len(letters) < BOOKING_CODE_LENGTH:
        letters += [
            BOOKING_CODE_ALPHABET[byte % len(BOOKING_CODE_ALPHABET)]
            for byte in secrets.token_bytes(2 * BOOKING_CODE_LENGTH)
            if byte < _UNBIASED_BELOW
        ]
    return "HOT-" + "".join(letters[:BOOKING_CODE_LENGTH])


def reservation_create(
    *,
    user: User,
    auction_id: int,
    expected_price: Decimal | None = None,
    idempotency_key: str | None = None,
) -> tuple[Reservation, bool]:
    """The grab. Returns the reservation and whether it was created now (False: a replay).

    One short transaction: lock the customer and the auction, check everything at this instant,
    lock the price. A booking-code collision (one in ~900 million) retries the whole transaction.
    Counted in `hothour_grabs_total{code}` and timed in `hothour_grab_seconds`.
    """
    started, code = time.perf_counter(), "error"
    try:
        reservation, created = _grab_checked(
            user=user, auction_id=auction_id, expected_price=expected_price, idempotency_key=idempotency_key
        )
        code = "created" if created else "replayed"
    except DomainError as exc:
        code = exc.code
        raise
    finally:
        GRABS.labels(code=code).inc()
        GRAB_SECONDS.observe(time.perf_counter() - started)
    if created:
        logger.info(
            "grab created",
            extra={
                "auction_id": auction_id,
                "reservation_id": reservation.pk,
                "price": str(reservation.locked_price),
            },
        )
    return reservation, created


def _check_may_book(user: User) -> None:
    """The account's own checks, first of a grab's (a standing order and a watch ask them too)."""
    if user.is_staff or user.is_superuser:
        raise StaffCannotBook(_("Staff and studio accounts cannot book spots."))
    if not user.is_verified:
        raise EmailNotVerified(_("Confirm your email address before booking."))


def _grab_checked(
    *, user: User, auction_id: int, expected_price: Decimal | None, idempotency_key: str | None
) -> tuple[Reservation, bool]:
    _check_may_book(user)
    for _attempt in range(BOOKING_CODE_ATTEMPTS):
        try:
            return _grab(
                user=user,
                auction_id=auction_id,
                expected_price=expected_price,
                idempotency_key=idempotency_key,
                booking_code=new_booking_code(),
            )
        except _BookingCodeTaken:
            logger.info("booking code collision, drawing another")
    raise RuntimeError("could not draw a free booking code")


class _BookingCodeTaken(Exception):
    pass


def _grab(
    *,
    user: User,
    auction_id: int,
    expected_price: Decimal | None,
    idempotency_key: str | None,
    booking_code: str,
) -> tuple[Reservation, bool]:
    refusal: DomainError | None = None
    with transaction.atomic():
        # The customer first: their grabs queue here, so the cap on live reservations holds.
        found, auction_status = lock_objects.user_lock_seeing_auction(user_id=user.pk, auction_id=auction_id)
        if not found:
            raise NotFound
        standing = selectors.customer_standing(user=user, now=timezone.now())
        _check_not_suspended(user, standing)
        if auction_status == AuctionStatus.SOLD:
            # Sold out when we locked the customer: nothing fills or sells until a cancellation
            # relists it, so the answer is known without the auction's lock (a flash sale's losers
            # do not queue one by one behind it).
            replay = _replay(user=user, auction_id=auction_id, idempotency_key=idempotency_key)
            if replay is not None:
                return replay, False
            _check_not_holder_or_canceller(
                user, selectors.seats_of(auction_ids=[auction_id], user_ids=[user.pk])[auction_id]
            )
            raise AuctionSold(_("Someone else got this spot first."))
        auction = auction_locks.auction_lock(auction_id)
        if auction is None or auction.status == AuctionStatus.DRAFT:
            raise NotFound(_("No such auction."))
        replay = _replay(user=user, auction_id=auction.pk, idempotency_key=idempotency_key)
        if replay is not None:
            return replay, False
        # The grab's instant is when we hold the lock: nobody can sell these seats before us now.
        now = timezone.now()
        # Standing orders the price has reached come before this grab (DESIGN section 3), and
        # stay filled when the grab is refused: the refusal then commits them before it answers.
        fired = watches_fire(auctions=[auction], now=now)
        try:
            with transaction.atomic(savepoint=fired > 0):
                seats = selectors.seats_of(auction_ids=[auction.pk], user_ids=[user.pk])
                reservation = _seat(
                    user=user,
                    auction=auction,
                    now=now,
                    live=standing.live,
                    seats=seats[auction.pk],
                    expected_price=expected_price,
                    idempotency_key=idempotency_key,
                    booking_code=booking_code,
                )
                _record_bookings(
                    [reservation], seats=seats, now=now, notice=NotificationKind.BOOKING_CONFIRMED
                )
        except DomainError as exc:
            if not fired:
                raise
            refusal = exc
        if refusal is None and auction.status == AuctionStatus.SOLD:
            _watches_end(auction_ids=[auction.pk])
    if refusal is not None:
        raise refusal
    return reservation, True


def _replay(*, user: User, auction_id: int, idempotency_key: str | None) -> Reservation | None:
    """The reservation this Idempotency-Key already made, if any (for this auction only)."""
    if idempotency_key is None:
        return None
    replay = Reservation.objects.filter(user=user, idempotency_key=idempotency_key).first()
    if replay is not None and replay.auction_id != auction_id:
        raise IdempotencyKeyReused(_("This Idempotency-Key was used for another auction."))
    return replay


def _check_not_suspended(user: User, standing: selectors.Standing) -> None:
    carried_over = user.inherited_suspension_until
    if standing.strikes >= settings.HOTHOUR_NO_SHOW_LIMIT or (
        # Suspended as a deleted account with the same email or phone (accounts.SuspendedIdentity).
        carried_over is not None and carried_over > timezone.now()
    ):
        raise BookingSuspended(_("Booking is suspended after repeated no-shows."))


def _seat(
    *,
    user: User,
    auction: Auction,
    now: datetime,
    live: int,
    seats: selectors.Seats,
    expected_price: Decimal | None,
    idempotency_key: str | None,
    booking_code: str,
) -> Reservation:
    """Decide a booking of `user` at `now` with the grab's checks in their order, and take its
    seat in `seats` (an unsaved reservation), or refuse with the grab's code and change nothing.

    The one decision of the manual grab and the standing orders: `_record_bookings` writes it.
    Caller holds the auction's row lock (and the customer's, whenever it could take it); `live`
    is the customer's live reservations.
    """
    _check_not_holder_or_canceller(user, seats)
    price = _check_auction(auction, user=user, seats=seats, now=now)
    seat_no = _lowest_free_seat(seats.holders, auction.seats)
    if live >= settings.HOTHOUR_MAX_LIVE_RESERVATIONS:
        raise ReservationLimit(
            _("You already hold %(limit)s reservations; use or cancel one first.")
            % {"limit": settings.HOTHOUR_MAX_LIVE_RESERVATIONS}
        )
    if expected_price is not None and price > expected_price:
        raise PriceChanged(_("The price is now %(price)s.") % {"price": price}, current_price=str(price))
    seats.holders[seat_no] = user.pk
    return Reservation(
        auction=auction,
        user=user,
        locked_price=price,
        booking_code=booking_code,
        reserved_at=now,
        idempotency_key=idempotency_key,
        seat_no=seat_no,
    )


def _record_bookings(
    reservations: list[Reservation], *, seats: dict[int, selectors.Seats], now: datetime, notice: str
) -> None:
    """Write the bookings `_seat` decided, in one insert, and what follows each: its auction's
    seats (sold out at the last), `booking_confirmed` to its owner, the notification `notice`, the
    confirmation email. A handful of statements however many bookings a tick fills."""
    if not reservations:
        return
    try:
        sql.insert(*reservations)
    except IntegrityError as exc:
        # Backstops of the lock: under it, only the booking code can collide.
        constraint = _violated_constraint(exc)
        if constraint == "reservation_one_live_per_seat":
            raise AuctionSold(_("Someone else got this spot first.")) from exc
        if constraint == "reservation_one_live_per_customer":
            raise AlreadyBooked(_("You already have this spot.")) from exc
        if constraint == "reservation_idempotency_key_unique":
            raise IdempotencyKeyReused(_("This Idempotency-Key was used for another auction.")) from exc
        raise _BookingCodeTaken from exc
    last = {reservation.auction_id: reservation for reservation in reservations}
    auction_services.auctions_seats_taken(
        taken=[(r.auction, len(seats[pk].holders), r.locked_price) for pk, r in last.items()], now=now
    )
    events.send_many(
        [
            ([events.user_group(r.user_id)], "booking_confirmed", reservation_private_data(r))
            for r in reservations
        ]
    )
    notifications.notify_each([(r.user, notice, notifications.reservation_facts(r)) for r in reservations])
    emails.queue_booking_confirmations(reservations)


def _check_not_holder_or_canceller(user: User, seats: selectors.Seats) -> None:
    """The grab's checks that come before "sold": a seat of theirs is `already_booked`; and
    holding the spot (sold to everyone else), cancelling and re-buying it cheaper is refused
    whatever the spot's state. A cancellation by the studio does not count."""
    if user.pk in seats.holders.values():
        raise AlreadyBooked(_("You already have this spot."))
    if user.pk in seats.cancelled_by_customer:
        raise RebookNotAllowed(_("You cancelled your reservation of this class; it cannot be booked again."))


def _check_auction(auction: Auction, *, user: User, seats: selectors.Seats, now: datetime) -> Decimal:
    """The auction's own checks, after `_check_not_holder_or_canceller`; the price at `now`."""
    if auction.status == AuctionStatus.SOLD or len(seats.holders) >= auction.seats:
        # A customer holding a seat already was answered `already_booked` before this.
        raise AuctionSold(_("Someone else got this spot first."))
    settings_ = PriceSettings.of(auction)
    if not is_grabbable(auction.status, settings_, now):
        raise AuctionNotActive(_("This auction is not open for booking."))
    if auction.allowed_gender != AllowedGender.ANY and auction.allowed_gender != user.gender:
        raise GenderNotAllowed(_("This class is not open to you."))
    return price_at(settings_, now)


def _lowest_free_seat(holders: dict[int, int], seats: int) -> int:
    """The lowest seat number no live reservation holds (`_check_auction` saw one is free)."""
    return next(seat_no for seat_no in range(1, seats + 1) if seat_no not in holders)


# SQLite names no constraint, only the columns of the unique index that failed.
_SQLITE_UNIQUE_COLUMNS = (
    (".booking_code", None),
    (".idempotency_key", "reservation_idempotency_key_unique"),
    (".seat_no", "reservation_one_live_per_seat"),
    (".user_id", "reservation_one_live_per_customer"),
)


def _violated_constraint(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name is not None:
        return str(name)
    message = str(exc)
    return next((found for column, found in _SQLITE_UNIQUE_COLUMNS if column in message), None)


def reservation_cancel_by_customer(
    *, user: User, reservation_id: int, now: datetime | None = None
) -> Reservation:
    now = now or timezone.now()
    with transaction.atomic():
        auction, reservation = _lock_for_cancel(Reservation.objects.filter(pk=reservation_id, user=user))
        if now > auction.cancellable_until:
            raise CancellationClosed(
                _("Cancellation closes %(minutes)s minutes before the class.")
                % {"minutes": settings.HOTHOUR_CANCEL_CUTOFF_MINUTES}
            )
        _cancel(reservation, by=CancelledBy.CUSTOMER, now=now)
        _free_seat(auction, now=now)
        notifications.notify(
            recipients=notifications.studio_managers(auction.studio_id),
            kind=NotificationKind.CUSTOMER_CANCELLED,
            data={**notifications.reservation_facts(reservation), "customer": user.full_name},
        )
        emails.queue_cancellation(reservation, by_studio=False)
    return reservation


def reservations_cancel_before_erasure(*, user: User) -> None:
    """The account is being deleted: its pending reservations still before the cancellation
    cutoff are cancelled (the spots go back on sale); ones inside it stay, as the studio is
    counting on them. The person's notifications go with them."""
    cutoff = timezone.now() + timedelta(minutes=settings.HOTHOUR_CANCEL_CUTOFF_MINUTES)
    upcoming = Reservation.objects.filter(
        user=user, status=ReservationStatus.PENDING_ON_SITE, auction__scheduled_at__gte=cutoff
    ).values_list("pk", flat=True)
    for reservation_id in list(upcoming):
        reservation_cancel_by_customer(user=user, reservation_id=reservation_id)
    Notification.objects.filter(user=user).delete()


def reservation_cancel_by_studio(*, reservation_id: int, now: datetime | None = None) -> Reservation:
    """The studio may cancel at any time; the seat is freed like a customer's cancellation."""
    now = now or timezone.now()
    with transaction.atomic():
        auction, reservation = _lock_for_cancel(Reservation.objects.filter(pk=reservation_id))
        _cancel(reservation, by=CancelledBy.STUDIO, now=now)
        _free_seat(auction, now=now)
        notifications.notify(
            recipients=[reservation.user],
            kind=NotificationKind.RESERVATION_CANCELLED_BY_STUDIO,
            data=notifications.reservation_facts(reservation),
        )
        emails.queue_cancellation(reservation, by_studio=True)
    return reservation


def _free_seat(auction: Auction, *, now: datetime) -> None:
    """A reservation of `auction` was just cancelled: its seat is for sale again (lock held)."""
    auction_services.auction_seat_freed(
        auction=auction, seats_sold=selectors.seats_held(auction_id=auction.pk), now=now
    )


def _lock_for_cancel(found: QuerySet[Reservation]) -> tuple[Auction, Reservation]:
    """Lock the auction, then the reservation (the app's lock order), and check it can be cancelled.

    `found` is the reservation as the caller may see it (a customer: only their own).
    """
    row = found.values_list("pk", "auction_id").first()
    if row is None:
        raise NotFound(_("No such reservation."))
    auction = auction_locks.auction_lock(row[1])
    reservation = lock_objects.reservation_lock(row[0])
    assert auction is not None  # noqa: S101 - reservations PROTECT their auction
    assert reservation is not None  # noqa: S101 - and it was just read
    _check_cancellable(reservation)
    return auction, reservation


def reservations_cancel_for_auction(*, auction: Auction, now: datetime) -> None:
    """The studio cancelled the whole auction: every seat still to be honoured is cancelled and
    its holder told. Caller holds the auction's row lock (and saves `seats_sold`)."""
    for reservation in lock_objects.reservations_lock_live_for_auction(auction.pk):
        reservation.auction = auction
        if reservation.status == ReservationStatus.PENDING_ON_SITE:
            _cancel(reservation, by=CancelledBy.STUDIO, now=now)
            notifications.notify(
                recipients=[reservation.user],
                kind=NotificationKind.AUCTION_CANCELLED,
                data=notifications.reservation_facts(reservation),
            )
            emails.queue_cancellation(reservation, by_studio=True)
    auction.seats_sold = selectors.seats_held(auction_id=auction.pk)


def _check_cancellable(reservation: Reservation) -> None:
    if reservation.status != ReservationStatus.PENDING_ON_SITE:
        raise ReservationNotCancellable(
            _("A reservation that is %(status)s cannot be cancelled.")
            % {"status": reservation.get_status_display()}
        )


def _cancel(reservation: Reservation, *, by: str, now: datetime) -> None:
    reservation.status = ReservationStatus.CANCELLED
    reservation.cancelled_at = now
    reservation.cancelled_by = by
    reservation.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    _tell_owner(reservation)


def reservation_check_in(
    *, reservation_id: int, now: datetime | None = None, today_only: bool = False
) -> Reservation:
    """`today_only`: the front desk's guard, refusing a booking whose class is not on the studio's
    today (a code for another day taken by mistake); the desk lifts it after asking twice."""
    now = now or timezone.now()
    with transaction.atomic():
        reservation = _locked_reservation(reservation_id)
        if reservation.status != ReservationStatus.PENDING_ON_SITE:
            raise ReservationWrongStatus(
                _("Only a reservation waiting for payment on site can be checked in.")
            )
        if today_only and not selectors.is_for_today(reservation, now=now):
            raise CheckInNotToday(
                _("This booking is for another day: check it in on the check-in page, which asks first.")
            )
        reservation.status = ReservationStatus.COMPLETED
        reservation.checked_in_at = now
        reservation.save(update_fields=["status", "checked_in_at"])
        _tell_owner(reservation)
    return reservation


def reservation_check_in_undo(*, reservation_id: int, now: datetime | None = None) -> Reservation:
    """The desk checked in the wrong booking: back to waiting for payment, within
    `HOTHOUR_CHECKIN_UNDO_MINUTES` of the check-in (later, the money has changed hands for real)."""
    now = now or timezone.now()
    with transaction.atomic():
        reservation = _locked_reservation(reservation_id)
        undoable_until = selectors.check_in_undoable_until(reservation)
        if undoable_until is None:
            raise ReservationWrongStatus(_("Only a checked-in reservation can be undone."))
        if now > undoable_until:
            raise CheckInUndoClosed(
                _("A check-in can only be undone within %(minutes)s minutes.")
                % {"minutes": settings.HOTHOUR_CHECKIN_UNDO_MINUTES}
            )
        reservation.status = ReservationStatus.PENDING_ON_SITE
        reservation.checked_in_at = None
        reservation.save(update_fields=["status", "checked_in_at"])
        _tell_owner(reservation)
    return reservation


def reservation_mark_no_show(*, reservation_id: int, now: datetime | None = None) -> Reservation:
    now = now or timezone.now()
    with transaction.atomic():
        reservation = _locked_reservation(reservation_id)
        _mark_no_show(reservation, now=now)
    return reservation


def reservations_mark_no_shows(*, now: datetime | None = None) -> int:
    """Everyone still pending `HOTHOUR_NO_SHOW_GRACE_MINUTES` after their class started did not come.

    Never cancels: a no-show keeps the spot sold and counts as a strike. Safe to run concurrently.
    """
    now = now or timezone.now()
    deadline = now - timedelta(minutes=settings.HOTHOUR_NO_SHOW_GRACE_MINUTES)
    with transaction.atomic():
        due = lock_objects.reservations_lock_pending_before(scheduled_before=deadline)
        for reservation in due:
            _mark_no_show(reservation, now=now)
        jobs.job_finished(name=selectors.NO_SHOW_JOB, result=len(due), now=now)
    return len(due)


def _mark_no_show(reservation: Reservation, *, now: datetime) -> None:
    """Caller holds the reservation's row lock."""
    if reservation.status != ReservationStatus.PENDING_ON_SITE:
        raise ReservationWrongStatus(_("Only a reservation waiting for payment on site can be a no-show."))
    if reservation.auction.scheduled_at > now:
        raise ReservationWrongStatus(_("The class has not started yet."))
    reservation.status = ReservationStatus.NO_SHOW
    reservation.no_show_at = now
    reservation.save(update_fields=["status", "no_show_at"])
    _tell_owner(reservation)
    facts = notifications.reservation_facts(reservation)
    notifications.notify(recipients=[reservation.user], kind=NotificationKind.NO_SHOW, data=facts)
    standing = selectors.customer_standing(user=reservation.user, now=now)
    if standing.strikes == settings.HOTHOUR_NO_SHOW_LIMIT:
        until = selectors.suspended_until(user=reservation.user, now=now)
        # The day as the customer lives it: the studio's calendar, not UTC's (which is a day
        # behind in Istanbul's late evening).
        studio_zone = zoneinfo.ZoneInfo(reservation.auction.studio.timezone)
        notifications.notify(
            recipients=[reservation.user],
            kind=NotificationKind.BOOKING_SUSPENDED,
            data={
                "strikes": standing.strikes,
                "until": until.astimezone(studio_zone).date().isoformat() if until else "",
            },
        )


def reservations_send_reminders(*, now: datetime | None = None) -> int:
    """Email each pending customer once, in the HOTHOUR_REMINDER_MINUTES before their class."""
    now = now or timezone.now()
    with transaction.atomic():
        due = lock_objects.reservations_lock_due_reminders(
            after=now, until=now + timedelta(minutes=settings.HOTHOUR_REMINDER_MINUTES)
        )
        for reservation in due:
            reservation.reminder_sent_at = now
            emails.queue_reminder(reservation)
        Reservation.objects.bulk_update(due, ["reminder_sent_at"])
    return len(due)


def notification_mark_read(*, user: User, notification_id: int, now: datetime | None = None) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, user=user).first()
    if notification is None:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User, now: datetime | None = None) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now or timezone.now())


def _locked_reservation(reservation_id: int) -> Reservation:
    reservation = lock_objects.reservation_lock(reservation_id)
    if reservation is None:
        raise NotFound(_("No such reservation."))
    return reservation


def _tell_owner(reservation: Reservation) -> None:
    """Push the reservation's new state to its owner's /ws/me/ after commit."""
    events.send(
        [events.user_group(reservation.user_id)], "reservation_updated", reservation_private_data(reservation)
    )


SESSION_REVOKED = "session_revoked"
# How the frame begins (auctions.events serialises `{"event": ..., "data": ..., ...}`).
SESSION_REVOKED_FRAME = f'{{"event": "{SESSION_REVOKED}"'


def sessions_close(*, user: User) -> None:
    """The user's sessions were revoked: their `/ws/me/` sockets close with 4401 (after commit)."""
    events.send([events.user_group(user.pk)], SESSION_REVOKED, {})


# One instance for every call: its fields are built once (a plain serializer with no context).
_PRIVATE_SHAPE = ReservationSerializer()


def reservation_private_data(reservation: Reservation) -> dict[str, object]:
    """A reservation as its owner sees it (the API's shape; it carries the booking code)."""
    return dict(_PRIVATE_SHAPE.to_representation(reservation))


class WatchLimit(Conflict):
    code = "watch_limit"


class WatchClosed(Conflict):
    code = "watch_closed"


WATCHABLE_STATUSES = (AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE)


def watches_fire(*, auctions: list[Auction], now: datetime) -> int:
    """Fire every ACTIVE watch whose alert price these auctions' price at `now` has reached: a
    standing order is booked at `now`'s price or refused with the grab's code, then an alert is
    sent (an alert watch whose auction those orders just sold out ends instead: it helps nobody).

    Orders fill by price then time (highest alert price first, then the oldest watch), each watch
    at most once: its status changes in the caller's transaction, under the auction's lock.
    Caller holds the row locks of `auctions` (the tick, or a grab before it serves itself).
    Watches of an auction that ends up SOLD or EXPIRED end. Returns how many watches changed.
    """
    open_now: dict[int, Auction] = {}
    prices: dict[int, Decimal] = {}
    for auction in auctions:
        settings_ = PriceSettings.of(auction)
        if auction.status != AuctionStatus.SOLD and is_grabbable(auction.status, settings_, now):
            open_now[auction.pk], prices[auction.pk] = auction, price_at(settings_, now)
    fired = lock_objects.watches_lock_reached(prices)
    lock_objects.users_try_lock({w.user_id for w in fired if w.auto_grab})
    for watch in fired:
        watch.auction = open_now[watch.auction_id]
        watch.status, watch.fired_at = WatchStatus.FIRED, now
    _fill_orders([w for w in fired if w.auto_grab], now=now)
    alerts: list[Watch] = []
    for watch in fired:
        if watch.auto_grab:
            continue
        if watch.auction.status == AuctionStatus.SOLD:
            watch.status, watch.fired_at = WatchStatus.ENDED, None
        else:
            alerts.append(watch)
    if fired:
        sql.update_many(fired, ["status", "fired_at", "reservation"])
    _send_price_alerts(alerts, prices)
    ended = [a.pk for a in auctions if a.status in (AuctionStatus.SOLD, AuctionStatus.EXPIRED)]
    return len(fired) + (_watches_end(auction_ids=ended) if ended else 0)


def _fill_orders(orders: list[Watch], *, now: datetime) -> None:
    """Book each standing order's owner at `now`, in the order given, with every check of the grab
    in its order; a refused order's owner is told the grab's code. A handful of statements for
    any number of orders: the owners' standings and the auctions' seats are read once, and the
    bookings written together.

    Caller holds the auctions' row locks, and the owners' where they were free: waiting for a
    user under an auction's lock would break the lock order (see `lock_objects.users_try_lock`).
    """
    if not orders:
        return
    owners = {watch.user_id: watch.user for watch in orders}
    standings = selectors.customer_standings(users=list(owners.values()), now=now)
    live = {pk: standing.live for pk, standing in standings.items()}
    seats = selectors.seats_of(auction_ids={w.auction_id for w in orders}, user_ids=owners.keys())
    filled: list[tuple[Watch, Reservation]] = []
    refusals: list[tuple[User, str, dict[str, Any]]] = []
    for watch in orders:
        user = watch.user
        try:
            _check_may_book(user)
            _check_not_suspended(user, standings[user.pk])
            reservation = _seat(
                user=user,
                auction=watch.auction,
                now=now,
                live=live[user.pk],
                seats=seats[watch.auction_id],
                expected_price=watch.alert_price,
                idempotency_key=None,
                booking_code=new_booking_code(),
            )
        except DomainError as refusal:
            facts = {**_watch_facts(watch), "code": refusal.code}
            refusals.append((user, NotificationKind.AUTO_GRAB_FAILED, facts))
            continue
        live[user.pk] += 1
        filled.append((watch, reservation))
    # No savepoint: a refusal comes before any write, and a booking code that collides (one in
    # ~900 million) fails the whole transaction, whose watches stay ACTIVE for the next beat or
    # grab to fill with other codes.
    _record_bookings([r for _, r in filled], seats=seats, now=now, notice=NotificationKind.AUTO_GRAB_WON)
    for watch, reservation in filled:
        watch.reservation = reservation  # now saved: its id is set
    notifications.notify_each(refusals)


def _watch_facts(watch: Watch) -> dict[str, object]:
    return {
        "watch_id": watch.pk,
        "auction_id": watch.auction_id,
        "title": watch.auction.title,
        "alert_price": str(watch.alert_price),
    }


def _send_price_alerts(alerts: list[Watch], prices: dict[int, Decimal]) -> None:
    told: list[tuple[User, str, dict[str, Any]]] = []
    for watch in alerts:
        facts = {**_watch_facts(watch), "price": str(prices[watch.auction_id])}
        told.append((watch.user, NotificationKind.PRICE_ALERT, facts))
    notifications.notify_each(told)
    emails.queue_price_alerts([(watch, prices[watch.auction_id]) for watch in alerts])


def _watches_end(*, auction_ids: list[int]) -> int:
    """The auctions sold out, expired or were cancelled: their watches still ACTIVE end with them."""
    return Watch.objects.filter(auction_id__in=auction_ids, status=WatchStatus.ACTIVE).update(
        status=WatchStatus.ENDED
    )


def watches_end_for_cancelled_auction(*, auction: Auction, now: datetime) -> None:
    """The studio cancelled the auction (caller holds its lock): its watches end, their owners told."""
    ending = list(
        Watch.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(auction_id=auction.pk, status=WatchStatus.ACTIVE)
        .order_by("pk")
    )
    _watches_end(auction_ids=[auction.pk])
    for watch in ending:
        watch.auction = auction
        notifications.notify(
            recipients=[watch.user], kind=NotificationKind.WATCH_ENDED_CANCELLED, data=_watch_facts(watch)
        )


def watch_save(
    *, user: User, auction_id: int, alert_price: Decimal, auto_grab: bool, now: datetime | None = None
) -> tuple[Watch, bool]:
    """Watch an auction at a price; a customer's ACTIVE watch of it is updated instead.

    Returns the watch and whether it was created now.
    """
    _check_may_book(user)
    with transaction.atomic():
        # The customer's row serialises their watches, so the cap and "one per auction" hold.
        if not lock_objects.user_lock(user.pk):
            raise NotFound
        auction = Auction.objects.filter(pk=auction_id).exclude(status=AuctionStatus.DRAFT).first()
        if auction is None:
            raise NotFound(_("No such auction."))
        now = now or timezone.now()
        _check_alert_price(auction, alert_price, now=now)
        watch = Watch.objects.filter(user=user, auction=auction, status=WatchStatus.ACTIVE).first()
        if watch is not None:
            watch.alert_price, watch.auto_grab = alert_price, auto_grab
            watch.save(update_fields=["alert_price", "auto_grab"])
            return watch, False
        if Watch.objects.filter(user=user, status=WatchStatus.ACTIVE).count() >= settings.HOTHOUR_MAX_WATCHES:
            raise WatchLimit(
                _("You are watching %(limit)s auctions already; stop watching one first.")
                % {"limit": settings.HOTHOUR_MAX_WATCHES}
            )
        watch = Watch.objects.create(
            user=user, auction=auction, alert_price=alert_price, auto_grab=auto_grab, created_at=now
        )
    return watch, True


def watch_update(
    *,
    user: User,
    watch_id: int,
    alert_price: Decimal | None = None,
    auto_grab: bool | None = None,
    now: datetime | None = None,
) -> Watch:
    with transaction.atomic():
        watch = _locked_active_watch(user=user, watch_id=watch_id)
        if alert_price is not None:
            auction = Auction.objects.get(pk=watch.auction_id)
            _check_alert_price(auction, alert_price, now=now or timezone.now())
            watch.alert_price = alert_price
        if auto_grab is not None:
            watch.auto_grab = auto_grab
        watch.save(update_fields=["alert_price", "auto_grab"])
    return watch


def watch_delete(*, user: User, watch_id: int) -> None:
    with transaction.atomic():
        _locked_active_watch(user=user, watch_id=watch_id).delete()


def _locked_active_watch(*, user: User, watch_id: int) -> Watch:
    watch = lock_objects.watch_lock(watch_id=watch_id, user_id=user.pk)
    if watch is None:
        raise NotFound(_("No such watch."))
    if watch.status != WatchStatus.ACTIVE:
        raise WatchClosed(_("This watch has already fired or ended."))
    return watch


def _check_alert_price(auction: Auction, alert_price: Decimal, *, now: datetime) -> None:
    """The auction still sells (SCHEDULED or ACTIVE at `now`) and `alert_price` lies in
    [floor, price now): a price already reached would fire at once, one below the floor never."""
    settings_ = PriceSettings.of(auction)
    if lifecycle.status_at(auction.status, settings_, now) not in WATCHABLE_STATUSES:
        raise AuctionNotActive(_("This auction is not open for booking."))
    price = price_at(settings_, now)
    if not auction.floor_price <= alert_price < price:
        raise Invalid(
            {
                "alert_price": [
                    _("Choose a price from %(floor)s up to, but not including, %(price)s.")
                    % {"floor": auction.floor_price, "price": price}
                ]
            }
        )
