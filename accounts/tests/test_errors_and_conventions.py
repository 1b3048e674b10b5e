"""The error body every endpoint shares: a stable `code`, a translated `detail`, `fields` when invalid."""

import io
from types import SimpleNamespace

import pytest
from django.urls import reverse

from accounts.tests.utils import bearer, post
from core.api.parsers import BoundedJSONParser, RequestTooLarge

ERROR_KEYS = {"code", "detail"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("call", "status", "code"),
    [
        pytest.param(lambda c: c.get(reverse("auth-me")), 401, "not_authenticated", id="no-credentials"),
        pytest.param(
            lambda c: c.get(reverse("auth-me"), **bearer("garbage")), 401, "token_not_valid", id="bad-token"
        ),
        pytest.param(
            lambda c: post(c, "auth-login", {"email": "a@x.com", "password": "nope-nope"}),
            401,
            "invalid_credentials",
            id="bad-login",
        ),
        pytest.param(lambda c: post(c, "auth-register", {}), 400, "invalid", id="invalid"),
        pytest.param(
            lambda c: post(c, "auth-verify-email", {"token": "x"}), 400, "token_invalid", id="domain-error"
        ),
        pytest.param(
            lambda c: c.post(reverse("auth-login"), "{", content_type="application/json"),
            400,
            "parse_error",
            id="parse-error",
        ),
        pytest.param(
            lambda c: c.post(reverse("auth-login"), {"email": "a@x.com"}, format="multipart"),
            415,
            "unsupported_media_type",
            id="form-data",
        ),
        pytest.param(lambda c: c.get(reverse("auth-login")), 405, "method_not_allowed", id="wrong-method"),
        pytest.param(
            lambda c: c.get(reverse("studio-detail", args=[987654])), 404, "not_found", id="not-found"
        ),
    ],
)
def test_every_error_has_a_code_and_a_detail_and_nothing_unexpected(api_client, call, status, code):
    # when
    response = call(api_client)

    # then
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if code == "invalid":
        assert set(body) == ERROR_KEYS | {"fields"}
        assert all(isinstance(messages, list) for messages in body["fields"].values())
    else:
        assert set(body) == ERROR_KEYS


def test_body_over_the_limit_without_a_declared_length_is_refused(settings):
    # given: a chunked upload declares no length, so only reading can catch it
    settings.API_MAX_BODY_BYTES = 16
    request = SimpleNamespace(META={})
    stream = io.BytesIO(b'{"full_name": "' + b"x" * 32 + b'"}')

    # when / then
    with pytest.raises(RequestTooLarge):
        BoundedJSONParser().parse(stream, "application/json", {"request": request})


def test_body_within_the_limit_without_a_declared_length_is_parsed(settings):
    settings.API_MAX_BODY_BYTES = 64
    request = SimpleNamespace(META={})

    parsed = BoundedJSONParser().parse(io.BytesIO(b'{"a": 1}'), "application/json", {"request": request})

    assert parsed == {"a": 1}


@pytest.mark.django_db
def test_error_detail_is_turkish_by_default_and_english_on_request(api_client):
    # when
    default = api_client.get(reverse("auth-me"))
    english = api_client.get(reverse("auth-me"), HTTP_ACCEPT_LANGUAGE="en")
    turkish = api_client.get(reverse("auth-me"), HTTP_ACCEPT_LANGUAGE="tr")

    # then
    assert default.json()["code"] == english.json()["code"] == turkish.json()["code"] == "not_authenticated"
    assert english.json()["detail"] == "Authentication credentials were not provided."
    assert default.json()["detail"] != english.json()["detail"]
    assert default.json()["detail"] == turkish.json()["detail"]


@pytest.mark.django_db
def test_field_messages_are_translated_but_codes_and_field_names_are_not(api_client):
    # when
    english = post(api_client, "auth-register", {}, HTTP_ACCEPT_LANGUAGE="en")
    turkish = post(api_client, "auth-register", {}, HTTP_ACCEPT_LANGUAGE="tr")

    # then
    assert english.json()["code"] == turkish.json()["code"] == "invalid"
    assert set(english.json()["fields"]) == set(turkish.json()["fields"])
    assert english.json()["fields"]["email"] == ["This field is required."]
    assert turkish.json()["fields"]["email"] != english.json()["fields"]["email"]


@pytest.mark.django_db
def test_token_error_detail_follows_the_requested_language(api_client):
    # when
    english = api_client.get(reverse("auth-me"), HTTP_ACCEPT_LANGUAGE="en", **bearer("garbage"))
    turkish = api_client.get(reverse("auth-me"), HTTP_ACCEPT_LANGUAGE="tr", **bearer("garbage"))

    # then
    assert english.json()["code"] == turkish.json()["code"] == "token_not_valid"
    assert english.json()["detail"] != turkish.json()["detail"]


@pytest.mark.django_db
def test_own_error_detail_follows_the_requested_language(api_client):
    # when
    english = post(api_client, "auth-verify-email", {"token": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    turkish = post(api_client, "auth-verify-email", {"token": "x"}, HTTP_ACCEPT_LANGUAGE="tr")

    # then
    assert english.json()["code"] == turkish.json()["code"] == "token_invalid"
    assert english.json()["detail"] == "This link is invalid or has already been used."
    assert turkish.json()["detail"] != english.json()["detail"]
