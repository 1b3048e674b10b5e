"""Reservations as iCalendar: one reservation's event (owner only) and the private feed URL."""

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.tests.factories import CustomerFactory
from auctions.tests.factories import make_auction
from reservations import services
from reservations.models import Reservation, ReservationStatus
from reservations.tests.factories import ReservationFactory, grab

pytestmark = pytest.mark.django_db

ME = reverse("auth-me")
ROTATE = reverse("auth-calendar-token")


def ics_url(reservation: Reservation) -> str:
    return reverse("reservation-calendar", args=[reservation.pk])


def events(response) -> list[Any]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/calendar")
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def uids(response) -> set[str]:
    return {str(event["uid"]) for event in events(response)}


def uid(reservation: Reservation) -> str:
    return f"reservation-{reservation.pk}@hothour"


def feed_url(client) -> str:
    return client.get(ME).json()["calendar_feed_url"]


# --- one reservation ------------------------------------------------------------------------------


def test_owner_gets_the_class_as_an_icalendar_event(customer, customer_client):
    reservation = grab(customer, make_auction())

    response = customer_client.get(ics_url(reservation))

    (event,) = events(response)
    assert response["Content-Disposition"] == f'attachment; filename="hothour-{reservation.pk}.ics"'
    assert "no-store" in response["Cache-Control"]
    # iCalendar times have whole seconds
    assert event.decoded("dtstart") == reservation.auction.scheduled_at.replace(microsecond=0)
    assert reservation.booking_code in str(event["description"])
    assert str(event["status"]) == "CONFIRMED"


def test_a_cancelled_reservation_is_a_cancelled_event(customer, customer_client):
    reservation = grab(customer, make_auction())
    services.reservation_cancel_by_studio(reservation_id=reservation.pk)

    (event,) = events(customer_client.get(ics_url(reservation)))

    assert str(event["status"]) == "CANCELLED"


def test_someone_elses_reservation_is_not_found(customer_client):
    theirs = ReservationFactory.create()

    response = customer_client.get(ics_url(theirs))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_reservation_event_requires_authentication(api_client):
    response = api_client.get(ics_url(ReservationFactory.create()))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- the private feed -----------------------------------------------------------------------------


def test_feed_url_works_without_authentication_and_lists_the_upcoming_classes(
    customer, customer_client, api_client
):
    # given: two upcoming classes, one from two months ago, and someone else's
    upcoming = [grab(customer, make_auction()), grab(customer, make_auction())]
    ReservationFactory.create(
        user=customer, status=ReservationStatus.COMPLETED, auction__now=timezone.now() - timedelta(days=60)
    )
    ReservationFactory.create()
    url = feed_url(customer_client)

    # when: fetched by a calendar app, which sends no credentials
    response = api_client.get(url)

    # then
    assert url.startswith("http://testserver/")
    assert uids(response) == {uid(r) for r in upcoming}
    assert "no-store" in response["Cache-Control"]
    calendar = Calendar.from_ical(response.content)
    assert customer.full_name in str(calendar["x-wr-calname"])


def test_feed_ignores_a_bad_authorization_header(customer, customer_client, api_client):
    reservation = grab(customer, make_auction())
    url = feed_url(customer_client)

    response = api_client.get(url, HTTP_AUTHORIZATION="Bearer not-a-token")

    assert uids(response) == {uid(reservation)}


def test_forged_feed_token_is_not_found(customer, api_client):
    grab(customer, make_auction())
    forged = reverse("calendar-feed", kwargs={"token": customer.calendar_token[:-1] + "x"})

    response = api_client.get(forged)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_rotating_the_token_revokes_the_old_feed_url(customer, customer_client, api_client):
    reservation = grab(customer, make_auction())
    old = feed_url(customer_client)

    rotated = customer_client.post(ROTATE)

    assert rotated.status_code == 200
    new = rotated.json()["calendar_feed_url"]
    assert new != old
    assert feed_url(customer_client) == new
    assert api_client.get(old).status_code == 404
    assert uids(api_client.get(new)) == {uid(reservation)}


def test_rotating_requires_authentication(api_client):
    assert api_client.post(ROTATE).status_code == 401


def test_feed_of_a_deactivated_user_is_not_found(customer, customer_client, api_client):
    grab(customer, make_auction())
    url = feed_url(customer_client)
    customer.is_active = False
    customer.save(update_fields=["is_active"])

    response = api_client.get(url)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_feeds_are_per_customer(api_client):
    first, second = CustomerFactory.create(), CustomerFactory.create()
    mine, theirs = grab(first, make_auction()), grab(second, make_auction())

    first_feed = api_client.get(reverse("calendar-feed", kwargs={"token": first.calendar_token}))
    second_feed = api_client.get(reverse("calendar-feed", kwargs={"token": second.calendar_token}))

    assert uids(first_feed) == {uid(mine)}
    assert uids(second_feed) == {uid(theirs)}
