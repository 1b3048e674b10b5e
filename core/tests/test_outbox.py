"""core.outbox: an email is stored with the change it tells about, sent once after commit, and retried
(by its task, then by the flush) until it goes out, each attempt recorded."""

import logging
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from core.models import OutboundEmail
from core.outbox import (
    MAX_ATTEMPTS,
    STALE_AFTER,
    Attachment,
    attachments_for,
    deliver,
    flush_outbox,
    queue_email,
    send_email,
)

pytestmark = pytest.mark.django_db

CONTEXT = {"name": "Jane Doe", "link": "https://hothour.example/verify/abc"}
ENGLISH_SUBJECT = "Confirm your HotHour email address"


class Rollback(Exception):
    pass


@pytest.fixture
def mail_server_down(settings) -> None:
    """An SMTP port nothing listens on: sending fails for real (connection refused)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1


def stored(to: str = "jane@example.com", **fields: Any) -> OutboundEmail:
    return OutboundEmail.objects.create(
        **{"template": "verify_email", "to": to, "context": CONTEXT, **fields}
    )


def stale(to: str, **fields: Any) -> OutboundEmail:
    """An unsent email old enough that its task should have sent it by now."""
    return stored(to, created_at=timezone.now() - STALE_AFTER, **fields)


def test_queue_email_stores_the_email_and_sends_it_once_after_commit(django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        queue_email(template="verify_email", to="jane@example.com", context=CONTEXT, language="en")
        (email,) = OutboundEmail.objects.all()
        assert mail.outbox == []

    # then
    (message,) = mail.outbox
    assert (message.to, message.subject) == (["jane@example.com"], ENGLISH_SUBJECT)
    assert "https://hothour.example/verify/abc" in message.body
    assert message.alternatives[0][1] == "text/html"
    email.refresh_from_db()
    assert email.sent_at is not None
    assert email.attempts == 1


def test_queue_email_in_a_rolled_back_transaction_stores_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), suppress(Rollback), transaction.atomic():
        queue_email(template="verify_email", to="jane@example.com", context=CONTEXT)
        raise Rollback

    assert not OutboundEmail.objects.exists()
    assert mail.outbox == []


def test_queue_email_takes_the_active_language_unless_told():
    with translation.override("en"):
        queue_email(template="verify_email", to="jane@example.com", context=CONTEXT)
        queue_email(template="verify_email", to="ayse@example.com", context=CONTEXT, language="tr")

    assert dict(OutboundEmail.objects.values_list("to", "language")) == {
        "jane@example.com": "en",
        "ayse@example.com": "tr",
    }


def test_deliver_sends_an_email_once():
    email = stored()

    assert deliver(email.pk) is True
    assert deliver(email.pk) is False
    assert deliver(email.pk + 1) is False
    assert len(mail.outbox) == 1


@pytest.fixture
def note_attached() -> Iterator[None]:
    """An app that attaches a note to emails whose context asks for one."""

    def note(*, context: dict[str, Any]) -> list[Attachment]:
        return [("note.txt", context["note"].encode(), "text/plain")] if "note" in context else []

    attachments_for.connect(note)
    yield
    attachments_for.disconnect(note)


def test_an_email_is_built_in_its_own_language_with_what_the_apps_attach(note_attached):
    email = stored(language="tr", context={**CONTEXT, "note": "bring a towel"})

    with translation.override("en"):
        deliver(email.pk)

    (message,) = mail.outbox
    assert message.subject == "HotHour e-posta adresinizi doğrulayın"
    assert message.attachments == [("note.txt", "bring a towel", "text/plain")]


def test_a_refused_email_records_each_attempt_and_its_error_until_it_goes_out(mail_server_down, settings):
    # given: two attempts while the mail server is down
    email = stored()
    for _ in range(2):
        with pytest.raises(ConnectionRefusedError):
            deliver(email.pk)
    email.refresh_from_db()
    assert (email.attempts, email.sent_at) == (2, None)
    assert email.last_error.startswith("ConnectionRefusedError: ")

    # when: it is back
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = deliver(email.pk)

    # then
    email.refresh_from_db()
    assert sent is True
    assert email.attempts == 3
    assert email.sent_at is not None
    assert len(mail.outbox) == 1


def test_the_send_task_retries_until_its_attempts_are_spent(mail_server_down, monkeypatch):
    # given: Celery running the task as a worker would (eager propagation turns a retry into an error)
    monkeypatch.setitem(send_email.app.conf, "task_eager_propagates", False)
    email = stored()

    send_email.delay(email.pk)

    email.refresh_from_db()
    assert email.attempts == MAX_ATTEMPTS
    assert email.sent_at is None


def test_flush_sends_only_stale_unsent_emails_with_attempts_left():
    due = stale("due@example.com", attempts=1)
    stale("sent@example.com", sent_at=timezone.now())
    stale("given-up@example.com", attempts=MAX_ATTEMPTS)
    stored("young@example.com")

    assert flush_outbox() == 1
    assert [message.to for message in mail.outbox] == [[due.to]]


@pytest.mark.django_db
def test_an_email_younger_than_the_flush_delay_is_left_to_its_task(settings):
    OutboundEmail.objects.create(
        template="verify_email", to="x@example.com", context={"name": "X", "link": "l"}
    )

    assert flush_outbox() == 0


def test_flush_logs_an_email_still_failing_and_goes_on_with_the_next(mail_server_down, caplog):
    emails = [stale("first@example.com"), stale("second@example.com")]

    with caplog.at_level(logging.WARNING, logger="core.outbox"):
        sent = flush_outbox()

    assert sent == 0
    assert [e.attempts for e in OutboundEmail.objects.order_by("pk")] == [1, 1]
    assert [(r.getMessage(), r.email_id) for r in caplog.records if r.name == "core.outbox"] == [
        ("outbox email still failing", e.pk) for e in emails
    ]


def test_an_email_that_cannot_be_built_does_not_hold_up_the_rest_of_the_flush():
    stale("first@example.com", template="renamed_since")
    waiting = stale("second@example.com")

    sent = flush_outbox()

    assert sent == 1
    assert [message.to for message in mail.outbox] == [[waiting.to]]
    # and the broken one is given up for good, its reason kept for the operator
    broken = OutboundEmail.objects.get(to="first@example.com")
    assert (broken.sent_at, broken.attempts) == (None, MAX_ATTEMPTS)
    assert broken.last_error.startswith("TemplateDoesNotExist")
    assert flush_outbox() == 0
