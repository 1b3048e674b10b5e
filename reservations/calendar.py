"""Reservations as iCalendar: one event per reservation, and a customer's private feed."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from icalendar import Calendar, Event

from accounts.models import User

from .models import Reservation, ReservationStatus


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//HotHour//Reservations//TR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    return calendar


def _event(reservation: Reservation) -> Event:
    auction, studio = reservation.auction, reservation.auction.studio
    event = Event()
    event.add("uid", f"reservation-{reservation.pk}@hothour")
    event.add("dtstamp", reservation.reserved_at)
    event.add("dtstart", auction.scheduled_at)
    event.add("dtend", auction.scheduled_at + timedelta(minutes=settings.HOTHOUR_CLASS_MINUTES))
    event.add("summary", f"{auction.title} · {studio.name}")
    event.add("location", f"{studio.name}, {studio.address}")
    event.add(
        "description",
        f"{reservation.booking_code} · {reservation.locked_price} {settings.HOTHOUR_CURRENCY}"
        + (f"\n{studio.maps_url}" if studio.maps_url else ""),
    )
    if studio.maps_url:
        event.add("url", studio.maps_url)
    cancelled = reservation.status == ReservationStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def reservation_ics(reservation_id: int) -> bytes:
    reservation = Reservation.objects.select_related("auction", "auction__studio").get(pk=reservation_id)
    calendar = _calendar()
    calendar.add_component(_event(reservation))
    return bytes(calendar.to_ical())


def feed_ics(user: User, reservations: list[Reservation]) -> bytes:
    calendar = _calendar()
    calendar.add("x-wr-calname", f"HotHour · {user.full_name}")
    for reservation in reservations:
        calendar.add_component(_event(reservation))
    return bytes(calendar.to_ical())


def email_attachments(*, context: dict[str, Any]) -> list[tuple[str, bytes, str]]:
    """The class as a calendar entry on emails about one reservation (core's outbox asks)."""
    reservation_id = context.get("ics_reservation_id")
    return [("hothour.ics", reservation_ics(reservation_id), "text/calendar")] if reservation_id else []
