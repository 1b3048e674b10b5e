"""The outbox keeps no secrets and no personal data longer than it must (issue 12, item 12).

Rows kept reset and verification links and personal data indefinitely, and outlived the
deletion of the account they were addressed to.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD, CustomerFactory
from conftest import authenticate
from core.models import OutboundEmail
from core.outbox import deliver, purge_outbox

pytestmark = pytest.mark.django_db


def _queued(to: str = "ayse@example.com", **fields) -> OutboundEmail:
    return OutboundEmail.objects.create(
        template="password_reset",
        to=to,
        context={"name": "Ayşe", "link": "https://app.example/reset-password?token=SECRET-TOKEN"},
        **fields,
    )


def test_a_sent_email_keeps_no_link_nor_name():
    email = _queued()

    assert deliver(email.pk) is True

    (message,) = mail.outbox
    assert "SECRET-TOKEN" in message.body  # it went out whole
    email.refresh_from_db()
    assert email.sent_at is not None
    assert "SECRET-TOKEN" not in str(email.context)
    assert "Ayşe" not in str(email.context)


def test_rows_older_than_the_retention_period_are_purged(settings):
    # given
    settings.HOTHOUR_OUTBOX_RETENTION_DAYS = 30
    long_ago = timezone.now() - timedelta(days=31)
    old_sent = _queued(created_at=long_ago, sent_at=long_ago)
    old_given_up = _queued(created_at=long_ago, attempts=10)
    recent_sent = _queued(created_at=timezone.now() - timedelta(days=2), sent_at=timezone.now())
    waiting = _queued()

    # when
    purged = purge_outbox()

    # then
    assert purged == 2
    remaining = set(OutboundEmail.objects.values_list("pk", flat=True))
    assert remaining == {recent_sent.pk, waiting.pk}
    assert old_sent.pk not in remaining
    assert old_given_up.pk not in remaining


def test_a_deleted_accounts_mail_is_deleted_with_it(api_client):
    # given mail still waiting for a customer (the mail server was down), and someone else's
    customer = CustomerFactory.create()
    _queued(to=customer.email)
    others = _queued(to="someone.else@example.com")

    # when
    response = authenticate(api_client, customer).delete(
        reverse("auth-me"), {"password": DEFAULT_PASSWORD}, format="json"
    )

    # then
    assert response.status_code == 204
    assert list(OutboundEmail.objects.values_list("pk", flat=True)) == [others.pk]
