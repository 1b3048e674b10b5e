"""No attacker-chosen text in mail to an address nobody has proven (issue 12, item 13).

Registration put `full_name` into a verification email sent to any address: a free way to mail
one's own words ("Click http://evil.example to claim your prize") from our domain.
"""

import pytest
from django.core import mail

from accounts.tests.factories import CustomerFactory
from accounts.tests.utils import post

pytestmark = pytest.mark.django_db

PAYLOAD_NAME = "Win a prize at evil example com"


def test_the_verification_email_carries_no_name(api_client, register_payload, after_commit):
    with after_commit():
        response = post(api_client, "auth-register", {**register_payload, "full_name": PAYLOAD_NAME})

    assert response.status_code == 201
    (message,) = mail.outbox
    assert PAYLOAD_NAME not in message.body
    assert all(PAYLOAD_NAME not in content for content, _mime in message.alternatives)
    assert "/verify-email?token=" in message.body


def test_a_reset_email_to_an_unverified_account_carries_no_name(api_client, after_commit):
    user = CustomerFactory.create(full_name=PAYLOAD_NAME, is_verified=False)

    with after_commit():
        post(api_client, "auth-password-reset", {"email": user.email})

    (message,) = mail.outbox
    assert PAYLOAD_NAME not in message.body


def test_a_verified_customer_is_still_greeted_by_name(api_client, after_commit):
    user = CustomerFactory.create(full_name="Ayşe Yılmaz")

    with after_commit():
        post(api_client, "auth-password-reset", {"email": user.email})

    (message,) = mail.outbox
    assert "Ayşe Yılmaz" in message.body
