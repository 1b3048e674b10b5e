"""Email verification: the emailed link, forged and expired tokens, and resend without enumeration."""

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail, signing

from accounts import tokens
from accounts.models import User
from accounts.tests.factories import CustomerFactory
from accounts.tests.utils import post, token_from_email

VERIFY = "auth-verify-email"
RESEND = "auth-verify-resend"


def _move_signing_clock(monkeypatch, by: timedelta) -> None:
    """`django.core.signing` measures a token's age with `time.time()`; only it sees the later clock."""
    real_time = time.time
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: real_time() + by.total_seconds()))


@pytest.mark.django_db
def test_link_in_the_registration_email_verifies_the_account(api_client, register_payload, after_commit):
    # given
    with after_commit():
        user_id = post(api_client, "auth-register", register_payload).json()["id"]
    token = token_from_email(mail.outbox[0], "verify-email")

    # when
    response = post(api_client, VERIFY, {"token": token})

    # then
    assert response.status_code == 200
    assert response.json()["id"] == user_id
    assert response.json()["is_verified"] is True
    assert User.objects.get(pk=user_id).is_verified is True


@pytest.mark.django_db
def test_verify_email_with_a_tampered_signature_is_refused(api_client):
    # given
    user = CustomerFactory.create(is_verified=False)
    token = tokens.make_verification_token(user)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    # when
    response = post(api_client, VERIFY, {"token": tampered})

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "token_invalid"
    user.refresh_from_db()
    assert user.is_verified is False


@pytest.mark.django_db
def test_verify_email_with_a_token_signed_by_another_key_is_refused(api_client):
    # given: a well-formed token for a real account, signed with a key that is not the server's
    user = CustomerFactory.create(is_verified=False)
    forged = signing.dumps(
        {"user": user.pk, "email": user.email}, key="attacker-key", salt=tokens.VERIFY_SALT, compress=True
    )

    # when
    response = post(api_client, VERIFY, {"token": forged})

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "token_invalid"
    user.refresh_from_db()
    assert user.is_verified is False


@pytest.mark.django_db
def test_verify_email_with_garbage_is_refused(api_client):
    response = post(api_client, VERIFY, {"token": "not-a-token"})

    assert response.status_code == 400
    assert response.json()["code"] == "token_invalid"


@pytest.mark.django_db
def test_verification_token_for_an_old_address_does_not_verify_the_new_one(api_client):
    # given
    user = CustomerFactory.create(is_verified=False, email="old@example.com")
    token = tokens.make_verification_token(user)
    User.objects.filter(pk=user.pk).update(email="new@example.com")

    # when
    response = post(api_client, VERIFY, {"token": token})

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "token_invalid"
    user.refresh_from_db()
    assert user.is_verified is False


@pytest.mark.django_db
def test_verify_email_after_the_maximum_age_is_refused_as_expired(api_client, monkeypatch, settings):
    # given
    user = CustomerFactory.create(is_verified=False)
    token = tokens.make_verification_token(user)
    _move_signing_clock(monkeypatch, settings.HOTHOUR_EMAIL_VERIFICATION_MAX_AGE + timedelta(minutes=1))

    # when
    response = post(api_client, VERIFY, {"token": token})

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "token_expired"
    user.refresh_from_db()
    assert user.is_verified is False


@pytest.mark.django_db
def test_verify_email_just_before_the_maximum_age_succeeds(api_client, monkeypatch, settings):
    # given
    user = CustomerFactory.create(is_verified=False)
    token = tokens.make_verification_token(user)
    _move_signing_clock(monkeypatch, settings.HOTHOUR_EMAIL_VERIFICATION_MAX_AGE - timedelta(minutes=1))

    # when
    response = post(api_client, VERIFY, {"token": token})

    # then
    assert response.status_code == 200
    assert response.json()["is_verified"] is True


@pytest.mark.django_db
def test_verify_email_honours_a_shorter_configured_maximum_age(api_client, monkeypatch, settings):
    # given
    settings.HOTHOUR_EMAIL_VERIFICATION_MAX_AGE = timedelta(hours=1)
    user = CustomerFactory.create(is_verified=False)
    token = tokens.make_verification_token(user)
    _move_signing_clock(monkeypatch, timedelta(hours=2))

    # when
    response = post(api_client, VERIFY, {"token": token})

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "token_expired"


@pytest.mark.django_db
def test_verify_email_of_a_deactivated_account_is_refused(api_client):
    # given
    user = CustomerFactory.create(is_verified=False, is_active=False)
    token = tokens.make_verification_token(user)

    # when
    response = post(api_client, VERIFY, {"token": token})

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "token_invalid"


@pytest.mark.django_db
def test_resend_answers_the_same_for_unverified_verified_and_unknown_addresses(api_client, after_commit):
    # given
    CustomerFactory.create(email="pending@example.com", is_verified=False)
    CustomerFactory.create(email="done@example.com", is_verified=True)

    # when
    with after_commit():
        responses = [
            post(api_client, RESEND, {"email": email})
            for email in ("pending@example.com", "done@example.com", "ghost@example.com")
        ]

    # then
    assert [response.status_code for response in responses] == [202, 202, 202]
    assert responses[0].json() == responses[1].json() == responses[2].json()
    assert set(responses[0].json()) == {"detail"}
    assert [message.to for message in mail.outbox] == [["pending@example.com"]]


@pytest.mark.django_db
def test_resend_link_for_an_address_in_another_case_verifies_the_account(api_client, after_commit):
    # given
    user = CustomerFactory.create(email="pending@example.com", is_verified=False)
    with after_commit():
        post(api_client, RESEND, {"email": "Pending@Example.COM"})
    token = token_from_email(mail.outbox[0], "verify-email")

    # when
    response = post(api_client, VERIFY, {"token": token})

    # then
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.is_verified is True
