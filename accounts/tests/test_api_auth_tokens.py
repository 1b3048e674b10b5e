"""Login, refresh and logout: one answer for every bad login, token types kept apart, revocation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests.factories import DEFAULT_PASSWORD, CustomerFactory
from accounts.tests.utils import bearer, is_blacklisted, login, post

ME = reverse("auth-me")


def _pair(client, user) -> dict[str, str]:
    response = login(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 200
    return response.json()


@pytest.mark.django_db
def test_login_returns_an_access_and_a_refresh_token(api_client, customer):
    # when
    response = login(api_client, customer.email, DEFAULT_PASSWORD)

    # then
    assert response.status_code == 200
    pair = response.json()
    assert set(pair) == {"access", "refresh"}
    assert str(AccessToken(pair["access"])["user_id"]) == str(customer.pk)
    assert str(RefreshToken(pair["refresh"])["user_id"]) == str(customer.pk)
    me = api_client.get(ME, **bearer(pair["access"]))
    assert me.status_code == 200
    assert me.json()["email"] == customer.email


@pytest.mark.django_db
def test_login_with_email_in_other_case_succeeds(api_client):
    # given
    CustomerFactory.create(email="ayse@example.com")

    # when
    response = login(api_client, " Ayse@EXAMPLE.com ", DEFAULT_PASSWORD)

    # then
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


@pytest.mark.django_db
def test_wrong_password_and_unknown_email_get_the_same_answer(api_client, customer):
    # when
    wrong_password = login(api_client, customer.email, "Not-the-password-1")
    unknown_email = login(api_client, "nobody@example.com", DEFAULT_PASSWORD)

    # then
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json()["code"] == unknown_email.json()["code"] == "invalid_credentials"
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.json()["detail"]


@pytest.mark.django_db
def test_login_of_a_deactivated_user_is_refused_like_a_wrong_password(api_client):
    # given
    user = CustomerFactory.create(is_active=False)

    # when
    response = login(api_client, user.email, DEFAULT_PASSWORD)

    # then
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


@pytest.mark.django_db
def test_login_without_a_password_is_invalid_input(api_client, customer):
    response = post(api_client, "auth-login", {"email": customer.email})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "password" in response.json()["fields"]


@pytest.mark.django_db
def test_refresh_token_used_as_an_access_token_is_refused(api_client, customer):
    # given
    pair = _pair(api_client, customer)

    # when
    response = api_client.get(ME, **bearer(pair["refresh"]))

    # then
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.django_db
def test_access_token_sent_to_refresh_is_refused(api_client, customer):
    # given
    pair = _pair(api_client, customer)

    # when
    response = post(api_client, "auth-refresh", {"refresh": pair["access"]})

    # then
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert "access" not in response.json()


@pytest.mark.django_db
def test_garbage_bearer_token_is_refused(api_client, customer):
    response = api_client.get(ME, **bearer("this.is.garbage"))

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.django_db
def test_garbage_refresh_token_is_refused(api_client):
    response = post(api_client, "auth-refresh", {"refresh": "this.is.garbage"})

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.django_db
def test_expired_access_token_is_refused(api_client, customer):
    # given
    token = AccessToken.for_user(customer)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1))

    # when
    response = api_client.get(ME, **bearer(token))

    # then
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.django_db
def test_unexpired_access_token_built_the_same_way_is_accepted(api_client, customer):
    # given: the control for the expired-token test above
    token = AccessToken.for_user(customer)
    token.set_exp(from_time=timezone.now())

    # when
    response = api_client.get(ME, **bearer(token))

    # then
    assert response.status_code == 200


@pytest.mark.django_db
def test_access_token_of_a_deactivated_user_is_refused(api_client, customer):
    # given
    pair = _pair(api_client, customer)
    customer.is_active = False
    customer.save(update_fields=["is_active"])

    # when
    response = api_client.get(ME, **bearer(pair["access"]))

    # then
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


@pytest.mark.django_db
def test_refresh_rotates_the_refresh_token_and_refuses_the_old_one(api_client, customer):
    # given
    old = _pair(api_client, customer)

    # when
    rotated = post(api_client, "auth-refresh", {"refresh": old["refresh"]})

    # then
    assert rotated.status_code == 200
    new = rotated.json()
    assert set(new) == {"access", "refresh"}
    assert new["refresh"] != old["refresh"]
    assert api_client.get(ME, **bearer(new["access"])).status_code == 200
    reused = post(api_client, "auth-refresh", {"refresh": old["refresh"]})
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_not_valid"
    assert post(api_client, "auth-refresh", {"refresh": new["refresh"]}).status_code == 200


@pytest.mark.django_db
def test_refresh_of_a_deactivated_user_is_refused(api_client, customer):
    # given
    pair = _pair(api_client, customer)
    customer.is_active = False
    customer.save(update_fields=["is_active"])

    # when
    response = post(api_client, "auth-refresh", {"refresh": pair["refresh"]})

    # then
    assert response.status_code == 401
    assert "access" not in response.json()


@pytest.mark.django_db
def test_logout_blacklists_the_refresh_token(api_client, customer):
    # given
    pair = _pair(api_client, customer)

    # when
    response = post(api_client, "auth-logout", {"refresh": pair["refresh"]}, **bearer(pair["access"]))

    # then
    assert response.status_code == 204
    assert is_blacklisted(pair["refresh"])
    refused = post(api_client, "auth-refresh", {"refresh": pair["refresh"]})
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_not_valid"


@pytest.mark.django_db
def test_logout_with_another_users_refresh_token_is_refused_and_leaves_it_valid(api_client, customer):
    # given
    own = _pair(api_client, customer)
    other = _pair(api_client, CustomerFactory.create())

    # when
    response = post(api_client, "auth-logout", {"refresh": other["refresh"]}, **bearer(own["access"]))

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "refresh" in response.json()["fields"]
    assert not is_blacklisted(other["refresh"])
    assert post(api_client, "auth-refresh", {"refresh": other["refresh"]}).status_code == 200


@pytest.mark.django_db
def test_logout_requires_authentication(api_client, customer):
    # given
    pair = _pair(api_client, customer)

    # when
    response = post(api_client, "auth-logout", {"refresh": pair["refresh"]})

    # then
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not is_blacklisted(pair["refresh"])


@pytest.mark.django_db
def test_logout_with_an_access_token_in_place_of_the_refresh_is_refused(api_client, customer):
    # given
    pair = _pair(api_client, customer)

    # when
    response = post(api_client, "auth-logout", {"refresh": pair["access"]}, **bearer(pair["access"]))

    # then
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert post(api_client, "auth-refresh", {"refresh": pair["refresh"]}).status_code == 200
