"""The private calendar feed URL does not survive a takeover (issue 12, item 6).

It stayed valid after a password reset or change, and registration handed it to whoever
registered an address first: it is replaced on reset, change and verification, and shown to a
verified account only.
"""

import pytest
from django.core import mail
from django.urls import reverse

from accounts import tokens
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, CustomerFactory
from accounts.tests.utils import post, token_from_email
from conftest import authenticate

pytestmark = pytest.mark.django_db

ME = reverse("auth-me")
NEW_PASSWORD = "Yeni-parola-Moda-77"


def _feed(user: User) -> str:
    return reverse("calendar-feed", kwargs={"token": user.calendar_token})


def test_a_password_reset_replaces_the_feed_url(api_client, customer, after_commit):
    # given the address the attacker read before the owner reset the password
    old_feed = _feed(customer)
    with after_commit():
        post(api_client, "auth-password-reset", {"email": customer.email})
    token = token_from_email(mail.outbox[-1], "reset-password")

    # when
    response = post(api_client, "auth-password-reset-confirm", {"token": token, "new_password": NEW_PASSWORD})

    # then
    assert response.status_code == 204
    assert api_client.get(old_feed).status_code == 404
    customer.refresh_from_db()
    assert api_client.get(_feed(customer)).status_code == 200


def test_a_password_change_replaces_the_feed_url(api_client, customer, customer_client):
    old_feed = _feed(customer)

    response = post(
        customer_client,
        "auth-password-change",
        {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert api_client.get(old_feed).status_code == 404
    customer.refresh_from_db()
    assert api_client.get(_feed(customer)).status_code == 200


def test_an_unverified_account_is_shown_no_feed_url(api_client, register_payload):
    registered = post(api_client, "auth-register", register_payload)
    user = User.objects.get(pk=registered.json()["id"])

    me = authenticate(api_client, user).get(ME)

    assert registered.json()["calendar_feed_url"] is None
    assert me.json()["calendar_feed_url"] is None
    assert post(api_client, "auth-calendar-token").status_code == 403
    assert api_client.get(_feed(user)).status_code == 404


def test_verifying_the_address_replaces_the_token_of_whoever_registered_it(api_client):
    # given someone registered the owner's address and learnt its token somehow
    user = CustomerFactory.create(is_verified=False)
    token_at_registration = user.calendar_token

    # when the owner verifies the address
    response = post(api_client, "auth-verify-email", {"token": tokens.make_verification_token(user)})

    # then
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.calendar_token != token_at_registration
    assert response.json()["calendar_feed_url"].endswith(_feed(user))
