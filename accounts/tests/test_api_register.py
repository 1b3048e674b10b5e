"""Registration: the profile it returns, normalization, every refusal, and request-body limits."""

import json

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import CustomerFactory
from accounts.tests.utils import post

REGISTER = "auth-register"


@pytest.mark.django_db
def test_register_returns_201_with_the_profile_and_no_password(api_client, register_payload):
    # when
    response = post(api_client, REGISTER, register_payload)

    # then
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "email",
        "full_name",
        "phone",
        "gender",
        "is_verified",
        "is_staff",
        "studio",
        "language",
        "no_show_strikes",
        "booking_suspended_until",
        "calendar_feed_url",
        "date_joined",
    }
    assert "password" not in json.dumps(body)
    assert register_payload["password"] not in json.dumps(body)
    assert body["full_name"] == "Ayşe Yılmaz"
    assert body["gender"] == "FEMALE"
    assert body["is_verified"] is False
    assert body["is_staff"] is False
    assert body["studio"] is None
    assert User.objects.get(pk=body["id"]).check_password(register_payload["password"])


@pytest.mark.django_db
def test_register_stores_email_lowercased_and_phone_in_e164(api_client, register_payload):
    # given
    register_payload["email"] = "  Ayse.Yilmaz@Example.COM "
    register_payload["phone"] = "0555 111 22 33"

    # when
    response = post(api_client, REGISTER, register_payload)

    # then
    assert response.status_code == 201
    assert response.json()["email"] == "ayse.yilmaz@example.com"
    assert response.json()["phone"] == "+905551112233"
    user = User.objects.get()
    assert user.email == "ayse.yilmaz@example.com"
    assert user.phone == "+905551112233"


@pytest.mark.django_db
def test_register_sends_a_verification_email_to_the_new_address(api_client, register_payload, after_commit):
    # when
    with after_commit():
        response = post(api_client, REGISTER, register_payload)

    # then
    assert response.status_code == 201
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ayse.yilmaz@example.com"]
    assert "/verify-email?token=" in mail.outbox[0].body


def _assert_refused(response, field: str) -> None:
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"]
    assert field in body["fields"]
    assert all(isinstance(message, str) and message for message in body["fields"][field])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"email": "not-an-email"}, "email", id="bad-email"),
        pytest.param({"email": "ayse@"}, "email", id="email-without-domain"),
        pytest.param({"password": "12345678"}, "password", id="numeric-common-password"),
        pytest.param({"password": "short1!"}, "password", id="too-short-password"),
        pytest.param(
            {"email": "kadikoyrunner@example.com", "password": "kadikoyrunner"},
            "password",
            id="password-similar-to-email",
        ),
        pytest.param({"phone": "12"}, "phone", id="unnormalizable-phone"),
        pytest.param({"phone": "call me maybe"}, "phone", id="phone-with-letters"),
        pytest.param({"gender": "OTHER"}, "gender", id="unknown-gender"),
        pytest.param({"full_name": "   "}, "full_name", id="blank-full-name"),
    ],
)
def test_register_with_bad_input_is_refused_and_creates_nothing(
    api_client, register_payload, after_commit, changes, field
):
    # given
    users_before = User.objects.count()

    # when
    with after_commit():
        response = post(api_client, REGISTER, {**register_payload, **changes})

    # then
    _assert_refused(response, field)
    assert User.objects.count() == users_before
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["email", "password", "full_name", "phone", "gender"])
def test_register_with_a_missing_field_is_refused(api_client, register_payload, missing):
    # given
    del register_payload[missing]

    # when
    response = post(api_client, REGISTER, register_payload)

    # then
    _assert_refused(response, missing)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_names_every_bad_field_at_once(api_client, register_payload):
    # when
    response = post(
        api_client,
        REGISTER,
        {**register_payload, "email": "nope", "phone": "12", "password": "12345678"},
    )

    # then
    assert response.status_code == 400
    assert {"email", "phone", "password"} <= set(response.json()["fields"])
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_with_an_email_taken_in_another_case_is_refused(api_client, register_payload, after_commit):
    # given
    CustomerFactory.create(email="a@x.com")

    # when
    with after_commit():
        response = post(api_client, REGISTER, {**register_payload, "email": "A@x.com"})

    # then
    _assert_refused(response, "email")
    assert User.objects.count() == 1
    assert mail.outbox == []


@pytest.mark.django_db
def test_register_with_a_phone_taken_in_another_format_is_refused(api_client, register_payload):
    # given
    CustomerFactory.create(phone="+905551112233")

    # when
    response = post(api_client, REGISTER, {**register_payload, "phone": "0555 111 22 33"})

    # then
    _assert_refused(response, "phone")
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_register_with_a_body_that_is_not_json_is_a_parse_error(api_client):
    # when
    response = api_client.post(
        reverse(REGISTER), data='{"email": "a@x.com",', content_type="application/json"
    )

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_with_form_data_is_an_unsupported_media_type(api_client, register_payload):
    # when
    response = api_client.post(reverse(REGISTER), register_payload, format="multipart")

    # then
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_with_a_body_over_the_size_limit_is_refused(api_client, register_payload, settings):
    # given: a valid registration padded past the limit
    padding = "x" * settings.API_MAX_BODY_BYTES
    body = json.dumps({**register_payload, "full_name": padding})

    # when
    response = api_client.post(reverse(REGISTER), data=body, content_type="application/json")

    # then
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_with_a_body_exactly_at_the_size_limit_is_read(api_client, register_payload, settings):
    # given: the limit lowered so that the valid payload only just fits
    body = json.dumps(register_payload)
    settings.API_MAX_BODY_BYTES = len(body.encode())

    # when
    response = api_client.post(reverse(REGISTER), data=body, content_type="application/json")

    # then
    assert response.status_code == 201
