"""Password reset by emailed token and password change: both replace the password and end old sessions."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts import tokens
from accounts.tests.factories import DEFAULT_PASSWORD, CustomerFactory
from accounts.tests.utils import bearer, is_blacklisted, login, post, token_from_email

ME = reverse("auth-me")
NEW_PASSWORD = "Yeni-parola-Moda-77"


def _pair(client, user) -> dict[str, str]:
    response = login(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 200
    return response.json()


def _reset_token(client, email: str, after_commit) -> str:
    with after_commit():
        assert post(client, "auth-password-reset", {"email": email}).status_code == 202
    return token_from_email(mail.outbox[-1], "reset-password")


@pytest.mark.django_db
def test_reset_request_answers_the_same_for_known_and_unknown_addresses(api_client, customer, after_commit):
    # when
    with after_commit():
        known = post(api_client, "auth-password-reset", {"email": customer.email.upper()})
        unknown = post(api_client, "auth-password-reset", {"email": "ghost@example.com"})

    # then
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert set(known.json()) == {"detail"}
    assert [message.to for message in mail.outbox] == [[customer.email]]


@pytest.mark.django_db
def test_reset_request_for_a_deactivated_account_sends_nothing(api_client, after_commit):
    # given
    user = CustomerFactory.create(is_active=False)

    # when
    with after_commit():
        response = post(api_client, "auth-password-reset", {"email": user.email})

    # then
    assert response.status_code == 202
    assert mail.outbox == []


@pytest.mark.django_db
def test_reset_confirm_sets_the_new_password(api_client, customer, after_commit):
    # given
    token = _reset_token(api_client, customer.email, after_commit)

    # when
    response = post(api_client, "auth-password-reset-confirm", {"token": token, "new_password": NEW_PASSWORD})

    # then
    assert response.status_code == 204
    assert login(api_client, customer.email, NEW_PASSWORD).status_code == 200
    old = login(api_client, customer.email, DEFAULT_PASSWORD)
    assert old.status_code == 401
    assert old.json()["code"] == "invalid_credentials"


@pytest.mark.django_db
def test_reset_token_cannot_be_used_twice(api_client, customer, after_commit):
    # given
    token = _reset_token(api_client, customer.email, after_commit)
    first = post(api_client, "auth-password-reset-confirm", {"token": token, "new_password": NEW_PASSWORD})
    assert first.status_code == 204

    # when
    second = post(
        api_client, "auth-password-reset-confirm", {"token": token, "new_password": "Another-secret-99"}
    )

    # then
    assert second.status_code == 400
    assert second.json()["code"] == "token_invalid"
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token",
    [
        pytest.param("garbage", id="no-separator"),
        pytest.param("!!!.abc-def", id="bad-uid"),
        pytest.param("MQ", id="uid-without-secret"),
    ],
)
def test_reset_confirm_with_a_bad_token_is_refused(api_client, token):
    response = post(api_client, "auth-password-reset-confirm", {"token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 400
    assert response.json()["code"] == "token_invalid"


@pytest.mark.django_db
def test_reset_token_of_one_user_cannot_reset_another(api_client, customer):
    # given: the secret of one account put behind the id of another
    victim = CustomerFactory.create()
    _, _, secret = tokens.make_password_reset_token(customer).partition(".")
    victim_uid, _, _ = tokens.make_password_reset_token(victim).partition(".")

    # when
    response = post(
        api_client,
        "auth-password-reset-confirm",
        {"token": f"{victim_uid}.{secret}", "new_password": NEW_PASSWORD},
    )

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "token_invalid"
    victim.refresh_from_db()
    assert victim.check_password(DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_reset_confirm_with_a_weak_password_is_refused_and_keeps_the_token_usable(
    api_client, customer, after_commit
):
    # given
    token = _reset_token(api_client, customer.email, after_commit)

    # when
    weak = post(api_client, "auth-password-reset-confirm", {"token": token, "new_password": "12345678"})

    # then
    assert weak.status_code == 400
    assert weak.json()["code"] == "invalid"
    assert "new_password" in weak.json()["fields"]
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)
    retry = post(api_client, "auth-password-reset-confirm", {"token": token, "new_password": NEW_PASSWORD})
    assert retry.status_code == 204


@pytest.mark.django_db
def test_refresh_tokens_issued_before_a_reset_are_refused_after_it(api_client, customer, after_commit):
    # given
    before = _pair(api_client, customer)
    token = _reset_token(api_client, customer.email, after_commit)

    # when
    post(api_client, "auth-password-reset-confirm", {"token": token, "new_password": NEW_PASSWORD})

    # then
    assert is_blacklisted(before["refresh"])
    refused = post(api_client, "auth-refresh", {"refresh": before["refresh"]})
    assert refused.status_code == 401
    assert api_client.get(ME, **bearer(before["access"])).status_code == 401


@pytest.mark.django_db
def test_change_with_a_wrong_old_password_is_refused(customer, customer_client):
    # when
    response = post(
        customer_client,
        "auth-password-change",
        {"old_password": "Not-the-password-1", "new_password": NEW_PASSWORD},
    )

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "old_password" in response.json()["fields"]
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_change_to_a_weak_password_is_refused(customer, customer_client):
    # when
    response = post(
        customer_client,
        "auth-password-change",
        {"old_password": DEFAULT_PASSWORD, "new_password": "12345678"},
    )

    # then
    assert response.status_code == 400
    assert "new_password" in response.json()["fields"]
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_change_requires_authentication(api_client):
    response = post(
        api_client, "auth-password-change", {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_change_returns_a_new_pair_that_works(api_client, customer):
    # given
    pair = _pair(api_client, customer)

    # when
    response = post(
        api_client,
        "auth-password-change",
        {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        **bearer(pair["access"]),
    )

    # then
    assert response.status_code == 200
    new = response.json()
    assert set(new) == {"access", "refresh"}
    assert api_client.get(ME, **bearer(new["access"])).status_code == 200
    assert post(api_client, "auth-refresh", {"refresh": new["refresh"]}).status_code == 200
    assert login(api_client, customer.email, NEW_PASSWORD).status_code == 200
    assert login(api_client, customer.email, DEFAULT_PASSWORD).status_code == 401


@pytest.mark.django_db
def test_change_revokes_the_callers_old_refresh_and_access_tokens(api_client, customer):
    # given
    old = _pair(api_client, customer)

    # when
    post(
        api_client,
        "auth-password-change",
        {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        **bearer(old["access"]),
    )

    # then
    assert post(api_client, "auth-refresh", {"refresh": old["refresh"]}).status_code == 401
    old_access = api_client.get(ME, **bearer(old["access"]))
    assert old_access.status_code == 401
    assert old_access.json()["code"] == "password_changed"


@pytest.mark.django_db
def test_change_ends_the_users_other_sessions(api_client, customer):
    # given: two devices signed in
    phone = _pair(api_client, customer)
    laptop = _pair(api_client, customer)

    # when: the password is changed from the laptop
    changed = post(
        api_client,
        "auth-password-change",
        {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        **bearer(laptop["access"]),
    )

    # then
    assert changed.status_code == 200
    assert is_blacklisted(phone["refresh"])
    assert not is_blacklisted(changed.json()["refresh"])
    assert post(api_client, "auth-refresh", {"refresh": phone["refresh"]}).status_code == 401
    assert api_client.get(ME, **bearer(phone["access"])).status_code == 401


@pytest.mark.django_db
def test_change_leaves_other_users_sessions_alone(api_client, customer):
    # given
    other = _pair(api_client, CustomerFactory.create())
    own = _pair(api_client, customer)

    # when
    post(
        api_client,
        "auth-password-change",
        {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        **bearer(own["access"]),
    )

    # then
    assert not is_blacklisted(other["refresh"])
    assert api_client.get(ME, **bearer(other["access"])).status_code == 200
    assert post(api_client, "auth-refresh", {"refresh": other["refresh"]}).status_code == 200
