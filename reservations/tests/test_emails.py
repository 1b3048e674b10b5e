"""Emails: the booking confirmation (with its .ics), cancellations, the reminder, and a mail server down.

Emails leave after commit, so most tests run the commit callbacks on leaving an `after_commit()` block.
"""

import functools
import logging
import smtplib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.models import Studio, User
from accounts.tests.factories import CustomerFactory, ManagerFactory, StudioFactory
from auctions import services as auction_services
from auctions.models import Auction
from auctions.tests.factories import make_auction, minutes
from conftest import authenticate
from core.models import OutboundEmail
from core.outbox import STALE_AFTER, flush_outbox, send_email
from hothour.celery import app as celery_app
from reservations import services
from reservations.models import Reservation, ReservationStatus
from reservations.tests.factories import ReservationFactory, grab

pytestmark = pytest.mark.django_db

AfterCommit = Callable[[], AbstractContextManager[Any]]

# 18:30 on the 15th in New York (EST, UTC-5); 02:30 on the 16th in Istanbul (UTC+3).
CLASS_AT = datetime(2027, 1, 15, 23, 30, tzinfo=UTC)
NEW_YORK_TIME = "15.01.2027 18:30"
ISTANBUL_TIME = "16.01.2027 02:30"


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks) -> AfterCommit:
    return functools.partial(django_capture_on_commit_callbacks, execute=True)


@pytest.fixture
def new_york(db) -> Studio:
    return StudioFactory.create(
        name="Brooklyn Barre",
        address="123 Atlantic Ave, Brooklyn, NY 11201",
        maps_url="https://maps.example.com/brooklyn-barre",
        timezone="America/New_York",
    )


@pytest.fixture
def english_customer(db) -> User:
    return CustomerFactory.create(full_name="Jane Doe", language="en")


def class_at(studio: Studio | None = None, **overrides: Any) -> Auction:
    """Open now, for the class at CLASS_AT (well before the cancellation cutoff)."""
    return make_auction(studio=studio or StudioFactory.create(), scheduled_at=CLASS_AT, **overrides)


def book(after_commit: AfterCommit, user: User, auction: Auction) -> Reservation:
    with after_commit():
        reservation = grab(user, auction)
    return reservation


def only_email() -> EmailMessage:
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    return mail.outbox[0]


def calendar_events(message: EmailMessage) -> Sequence[Any]:
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == ("hothour.ics", "text/calendar")
    return Calendar.from_ical(content).walk("VEVENT")


# --- the booking confirmation ---------------------------------------------------------------------


def test_booking_confirmation_has_everything_needed_at_the_door(after_commit, new_york, english_customer):
    # given: a studio in New York and a manager of it
    ManagerFactory.create(studio=new_york)
    auction = class_at(new_york, title="Barre burn")

    # when
    reservation = book(after_commit, english_customer, auction)

    # then: one email, to the customer only
    message = only_email()
    code = reservation.booking_code
    assert message.to == [english_customer.email]
    assert code in message.subject
    assert "Barre burn" in message.subject
    # the text part
    assert reservation.locked_price == Decimal("500.00")
    for line in (
        f"    {code}",
        "Class: Barre burn",
        f"When: {NEW_YORK_TIME} (America/New_York)",
        "Studio: Brooklyn Barre",
        "Address: 123 Atlantic Ave, Brooklyn, NY 11201",
        "Map: https://maps.example.com/brooklyn-barre",
        "Price to pay on site: 500.00 TRY",
    ):
        assert line in message.body.splitlines()
    assert ISTANBUL_TIME not in message.body
    # the HTML alternative
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert code in html
    assert NEW_YORK_TIME in html
    assert 'href="https://maps.example.com/brooklyn-barre"' in html
    assert "500.00 TRY" in html
    # the calendar file
    (event,) = calendar_events(message)
    assert event.decoded("dtstart") == CLASS_AT
    assert code in str(event["description"])
    assert "123 Atlantic Ave" in str(event["location"])


def test_booking_confirmation_shows_the_class_time_of_an_istanbul_studio_in_istanbul_time(
    after_commit, english_customer
):
    book(after_commit, english_customer, class_at(StudioFactory.create(timezone="Europe/Istanbul")))

    assert f"When: {ISTANBUL_TIME} (Europe/Istanbul)" in only_email().body.splitlines()


def test_booking_confirmation_is_in_english_for_an_english_customer(after_commit, english_customer):
    reservation = book(after_commit, english_customer, class_at(title="Reformer pilates"))

    message = only_email()
    assert message.subject == f"Your spot at Reformer pilates: {reservation.booking_code}"
    assert message.body.startswith("Hello Jane Doe,")
    assert 'lang="en"' in message.alternatives[0][0]


def test_booking_confirmation_is_in_turkish_for_a_turkish_customer(after_commit):
    customer = CustomerFactory.create(full_name="Ayşe Yılmaz", language="tr")

    reservation = book(after_commit, customer, class_at(title="Reformer pilates"))

    message = only_email()
    assert message.subject == f"Reformer pilates dersindeki yeriniz: {reservation.booking_code}"
    assert message.body.startswith("Merhaba Ayşe Yılmaz,")
    assert "Yerinde ödenecek fiyat: 500.00 TRY" in message.body.splitlines()
    assert 'lang="tr"' in message.alternatives[0][0]


def test_booking_confirmation_says_until_when_it_may_be_cancelled(after_commit, english_customer):
    book(after_commit, english_customer, class_at())

    # 120 minutes before 02:30 in Istanbul
    assert "You can cancel free of charge until 16.01.2027 00:30." in only_email().body.splitlines()


def test_booking_confirmation_of_a_class_past_the_cutoff_promises_no_free_cancellation(
    after_commit, english_customer
):
    # given: a last-minute spot, the class in an hour (cancellation closes 120 minutes before)
    now = timezone.now()
    auction = make_auction(now=now, start_time=now - minutes(100), scheduled_at=now + minutes(60))

    book(after_commit, english_customer, auction)

    message = only_email()
    assert "cancel free of charge" not in message.body
    assert "cancel free of charge" not in message.alternatives[0][0]


# --- cancellations --------------------------------------------------------------------------------


def test_customer_cancellation_confirms_it_was_as_asked(after_commit, english_customer):
    reservation = book(after_commit, english_customer, class_at(title="Reformer pilates"))
    mail.outbox.clear()

    with after_commit():
        services.reservation_cancel_by_customer(user=english_customer, reservation_id=reservation.pk)

    message = only_email()
    assert message.to == [english_customer.email]
    assert message.subject == "Cancelled: Reformer pilates"
    assert (
        f"Your reservation {reservation.booking_code} for Reformer pilates on {ISTANBUL_TIME} "
        "is cancelled, as you asked."
    ) in message.body
    assert "You pay nothing" not in message.body


@pytest.mark.parametrize(
    "cancel",
    [
        lambda reservation: services.reservation_cancel_by_studio(reservation_id=reservation.pk),
        lambda reservation: auction_services.auction_cancel(auction_id=reservation.auction_id),
    ],
    ids=["the reservation", "the whole class"],
)
def test_studio_cancellation_says_the_studio_cancelled_and_nothing_is_owed(
    after_commit, english_customer, cancel
):
    studio = StudioFactory.create(name="Moda Pilates")
    ManagerFactory.create(studio=studio)
    reservation = book(after_commit, english_customer, class_at(studio, title="Reformer pilates"))
    mail.outbox.clear()

    with after_commit():
        cancel(reservation)

    message = only_email()
    assert message.to == [english_customer.email]
    assert message.subject == "Cancelled: Reformer pilates"
    assert (
        f"Moda Pilates has cancelled your reservation {reservation.booking_code} for Reformer pilates "
        f"on {ISTANBUL_TIME}."
    ) in message.body
    assert "You pay nothing. We are sorry for the change of plans." in message.body
    assert "as you asked" not in message.body


# --- the reminder before class --------------------------------------------------------------------


def class_in(delta: timedelta, **fields: Any) -> Reservation:
    """A pending reservation of a class at CLASS_AT + delta (the factory's class is 170 min after `now`)."""
    return ReservationFactory.create(auction__now=CLASS_AT + delta - minutes(170), **fields)


def test_reminder_goes_once_to_live_classes_in_the_window_only(after_commit, settings, english_customer):
    # given: it is an hour before CLASS_AT
    assert settings.HOTHOUR_REMINDER_MINUTES == 180
    now = CLASS_AT - minutes(60)
    due = class_in(timedelta(0), user=english_customer, auction__title="Reformer pilates")
    last_in_window = class_in(minutes(120))
    class_in(timedelta(0), status=ReservationStatus.CANCELLED, cancelled_at=now)
    beyond_window = class_in(minutes(121))
    class_in(-minutes(61))  # already started

    # when
    with after_commit():
        sent = services.reservations_send_reminders(now=now)

    # then
    assert sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([due.user.email, last_in_window.user.email])
    message = next(m for m in mail.outbox if m.to == [english_customer.email])
    assert message.subject == f"Soon: Reformer pilates at {ISTANBUL_TIME}"
    assert due.booking_code in message.body
    assert "450.00 TRY" in message.body
    due.refresh_from_db()
    assert due.reminder_sent_at == now

    # when: the next runs, the same minute and half an hour later
    mail.outbox.clear()
    with after_commit():
        again = services.reservations_send_reminders(now=now)
    with after_commit():
        later = services.reservations_send_reminders(now=now + minutes(30))

    # then: only the class that has since come into the window
    assert (again, later) == (0, 1)
    assert [m.to for m in mail.outbox] == [[beyond_window.user.email]]


# --- the verification email -----------------------------------------------------------------------


def register(api_client, after_commit: AfterCommit, language: str) -> EmailMessage:
    payload = {
        "email": "Jane.Doe@Example.com",
        "password": "Moda-kadikoy-2026",
        "full_name": "Jane Doe",
        "phone": "0555 111 22 33",
        "gender": "FEMALE",
    }
    with after_commit():
        response = api_client.post(
            reverse("auth-register"), payload, format="json", HTTP_ACCEPT_LANGUAGE=language
        )
    assert response.status_code == 201, response.json()
    assert response.json()["language"] == language
    return only_email()


def test_verification_email_is_in_english_for_someone_registering_in_english(api_client, after_commit):
    message = register(api_client, after_commit, "en")

    assert message.subject == "Confirm your HotHour email address"
    assert message.body.startswith("Hello,")  # no name: the address is not proven yet
    assert "Confirm your email address to start grabbing last-minute spots:" in message.body


def test_verification_email_is_in_turkish_for_someone_registering_in_turkish(api_client, after_commit):
    message = register(api_client, after_commit, "tr")

    assert message.subject == "HotHour e-posta adresinizi doğrulayın"
    assert message.body.startswith("Merhaba,")
    assert "Son dakika yerlerini kapmaya başlamak için e-posta adresinizi doğrulayın:" in message.body


# --- a mail server that is down -------------------------------------------------------------------


class DownMailServer(BaseEmailBackend):
    """An SMTP server refusing every message; counts how often it was tried."""

    attempts = 0

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        type(self).attempts += 1
        raise smtplib.SMTPException("421 Service not available")


@pytest.fixture
def mail_server_down(settings, monkeypatch) -> type[DownMailServer]:
    settings.EMAIL_BACKEND = f"{__name__}.{DownMailServer.__qualname__}"
    monkeypatch.setattr(DownMailServer, "attempts", 0)
    return DownMailServer


def grab_over_http(api_client, user: User, auction: Auction):
    return authenticate(api_client, user).post(
        reverse("reservation-list"), {"auction_id": auction.pk}, format="json"
    )


@pytest.mark.django_db(transaction=True)
def test_grab_succeeds_while_the_mail_server_is_down_and_the_email_is_retried(
    api_client, mail_server_down, monkeypatch, caplog
):
    # given: Celery running the task as a worker would (eager propagation turns a retry into an error)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    customer = CustomerFactory.create()

    # when: a real commit, so the email is sent inside the request
    with caplog.at_level(logging.INFO):
        response = grab_over_http(api_client, customer, make_auction())

    # then
    assert response.status_code == 201, response.json()
    assert Reservation.objects.filter(pk=response.json()["id"], user=customer).exists()
    assert mail_server_down.attempts == send_email.max_retries + 1
    (email,) = OutboundEmail.objects.filter(template="booking_confirmed", to=customer.email)
    retries = [r.getMessage() for r in caplog.records if r.name == "core.outbox"]
    assert retries == [
        f"retrying email {email.pk} (attempt {n})" for n in range(2, send_email.max_retries + 2)
    ]
    given_up = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(given_up) == 1
    assert "SMTPException" in given_up[0].getMessage()
    # and the email is not lost: it waits in the outbox with what went wrong
    assert email.sent_at is None
    assert email.attempts == send_email.max_retries + 1
    assert "421 Service not available" in email.last_error


@pytest.mark.django_db(transaction=True)
def test_an_email_the_mail_server_refused_is_sent_by_the_outbox_flush_once_it_is_back(
    api_client, mail_server_down, settings
):
    # given a booking whose confirmation could not be sent
    customer = CustomerFactory.create()
    response = grab_over_http(api_client, customer, make_auction())
    assert response.status_code == 201
    (email,) = OutboundEmail.objects.filter(template="booking_confirmed", to=customer.email)
    assert email.sent_at is None
    OutboundEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - STALE_AFTER)

    # when the mail server is back and beat flushes the outbox (twice: the second finds nothing)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent_first, sent_again = flush_outbox(), flush_outbox()

    # then it went out exactly once, with its calendar file
    email.refresh_from_db()
    assert (sent_first, sent_again) == (1, 0)
    assert email.sent_at is not None
    (message,) = [m for m in mail.outbox if m.to == [customer.email]]
    assert response.json()["booking_code"] in message.subject
    assert any(name == "hothour.ics" for name, _content, _mime in message.attachments)


@pytest.mark.django_db(transaction=True)
def test_grab_succeeds_when_sending_inline_fails_and_the_failure_is_logged(
    api_client, mail_server_down, caplog
):
    # given: the test settings (eager, propagating), as the embedded default runs Celery
    customer = CustomerFactory.create()

    with caplog.at_level(logging.ERROR, logger="core.effects"):
        response = grab_over_http(api_client, customer, make_auction())

    assert response.status_code == 201, response.json()
    assert Reservation.objects.filter(pk=response.json()["id"], user=customer).exists()
    assert mail_server_down.attempts >= 1
    (failure,) = [r for r in caplog.records if r.name == "core.effects"]
    assert failure.getMessage().startswith("after-commit effect")
    assert failure.exc_info is not None
