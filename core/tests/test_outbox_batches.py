"""flush_outbox sends in bounded batches and holds no row lock while the mail server answers."""

import smtplib
from datetime import timedelta

import psycopg
import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.utils import timezone

from core import outbox
from core.models import OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)


def stale_emails(count: int) -> list[OutboundEmail]:
    created = timezone.now() - outbox.STALE_AFTER - timedelta(seconds=1)
    return [
        OutboundEmail.objects.create(
            template="verify_email",
            to=f"c{n}@example.com",
            context={"name": "C", "link": "l"},
            created_at=created,
        )
        for n in range(count)
    ]


def _dsn() -> str:
    db = connection.settings_dict
    return f"host={db['HOST']} port={db['PORT']} dbname={db['NAME']} user={db['USER']}"


class LockProbingBackend(EmailBackend):
    """While "the mail server" answers, another connection tries to lock the row being sent."""

    locked_while_sending: list[bool] = []

    def send_messages(self, messages):
        with psycopg.connect(_dsn(), autocommit=True) as other:
            try:
                other.execute(
                    f"SELECT 1 FROM {OutboundEmail._meta.db_table} WHERE sent_at IS NULL FOR UPDATE NOWAIT"  # noqa: S608
                )
                self.locked_while_sending.append(False)
            except psycopg.errors.LockNotAvailable:
                self.locked_while_sending.append(True)
        return super().send_messages(messages)


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("gone")


def test_no_row_lock_is_held_while_the_mail_server_answers(settings):
    settings.EMAIL_BACKEND = f"{__name__}.LockProbingBackend"
    LockProbingBackend.locked_while_sending = []
    stale_emails(3)

    assert outbox.flush_outbox() == 3
    assert LockProbingBackend.locked_while_sending == [False, False, False]


def test_a_flush_sends_at_most_its_batches_and_the_next_one_takes_the_rest():
    stale_emails(5)

    first = outbox.flush_outbox(batch_size=2, max_batches=2)
    second = outbox.flush_outbox(batch_size=2, max_batches=2)

    assert (first, second) == (4, 1)
    assert len(mail.outbox) == 5
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()


def test_an_email_claimed_by_one_sender_is_not_sent_by_another_until_its_claim_runs_out():
    (email,) = stale_emails(1)
    OutboundEmail.objects.filter(pk=email.pk).update(claimed_until=timezone.now() + timedelta(minutes=1))

    assert outbox.deliver(email.pk) is False
    assert outbox.flush_outbox() == 0

    OutboundEmail.objects.filter(pk=email.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert outbox.deliver(email.pk) is True
    assert len(mail.outbox) == 1


def test_a_refused_email_releases_its_claim_and_records_why(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    (email,) = stale_emails(1)

    assert outbox.flush_outbox() == 0

    email.refresh_from_db()
    assert (email.attempts, email.claimed_until, email.sent_at) == (1, None, None)
    assert "SMTPServerDisconnected" in email.last_error
