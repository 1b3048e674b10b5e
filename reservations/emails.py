"""Reservation emails: confirmation (with the .ics), cancellation, and the reminder before class."""

import zoneinfo
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from core.models import OutboundEmail
from core.outbox import queue_email, queue_emails

from .models import Reservation, Watch


def _context(reservation: Reservation) -> dict[str, Any]:
    auction, studio, user = reservation.auction, reservation.auction.studio, reservation.user
    # The class time as the studio lives it, wherever the customer or the server is.
    zone = zoneinfo.ZoneInfo(studio.timezone)
    local = auction.scheduled_at.astimezone(zone)
    cutoff = auction.cancellable_until
    # A last-minute spot is often booked past the cutoff: then the email says it has ended.
    cancel_ended = cutoff.astimezone(zone).strftime("%d.%m.%Y %H:%M")
    cancel_until = cancel_ended if timezone.now() <= cutoff else ""
    return {
        "name": user.full_name,
        "code": reservation.booking_code,
        "title": auction.title,
        "studio": studio.name,
        "address": studio.address,
        "maps_url": studio.maps_url,
        "timezone": studio.timezone,
        "class_time": local.strftime("%d.%m.%Y %H:%M"),
        "cancel_until": cancel_until,
        "cancel_ended": cancel_ended,
        "price": str(reservation.locked_price),
        "currency": settings.HOTHOUR_CURRENCY,
    }


def queue_booking_confirmations(reservations: list[Reservation]) -> None:
    """The confirmation with the class's calendar entry, one per reservation, in one insert."""
    queue_emails(
        [
            OutboundEmail(
                template="booking_confirmed",
                to=reservation.user.email,
                context={**_context(reservation), "ics_reservation_id": reservation.pk},
                language=reservation.user.language,
            )
            for reservation in reservations
        ]
    )


def queue_cancellation(reservation: Reservation, *, by_studio: bool) -> None:
    context = {**_context(reservation), "by_studio": by_studio}
    queue_email(
        template="reservation_cancelled",
        to=reservation.user.email,
        context=context,
        language=reservation.user.language,
    )


def queue_reminder(reservation: Reservation) -> None:
    queue_email(
        template="class_reminder",
        to=reservation.user.email,
        context=_context(reservation),
        language=reservation.user.language,
    )


def queue_price_alerts(alerts: list[tuple[Watch, Decimal]]) -> None:
    """Each watch's price was reached (the price now beside it): its auction's page in the
    customer app, in the customer's language, one email per watch in one insert."""
    queue_emails(
        [
            OutboundEmail(
                template="price_alert",
                to=watch.user.email,
                context={
                    "name": watch.user.full_name,
                    "title": watch.auction.title,
                    "price": str(price),
                    "alert_price": str(watch.alert_price),
                    "currency": settings.HOTHOUR_CURRENCY,
                    "url": f"{settings.FRONTEND_URL.rstrip('/')}/auctions/{watch.auction_id}",
                },
                language=watch.user.language,
            )
            for watch, price in alerts
        ]
    )
