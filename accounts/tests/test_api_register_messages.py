"""Registration answers every problem at once, in one shape: a missing field does not hide the
others, and the `invalid` code always carries the same `detail`."""

import pytest

from accounts.models import User
from accounts.tests.utils import post

REGISTER = "auth-register"

pytestmark = pytest.mark.django_db


def test_a_missing_field_does_not_hide_the_other_fields_problems(api_client, register_payload):
    del register_payload["gender"]

    response = post(api_client, REGISTER, {**register_payload, "email": "nope", "phone": "12"})

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"gender", "email", "phone"}
    assert not User.objects.exists()


def test_a_malformed_field_and_a_broken_rule_come_in_one_answer(api_client, register_payload):
    response = post(api_client, REGISTER, {**register_payload, "gender": ["F"], "password": "12345678"})

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"gender", "password"}


def test_invalid_has_one_detail_whichever_layer_refused(api_client, register_payload):
    shape = post(api_client, REGISTER, {**register_payload, "gender": None}, HTTP_ACCEPT_LANGUAGE="en")
    rules = post(api_client, REGISTER, {**register_payload, "phone": "12"}, HTTP_ACCEPT_LANGUAGE="en")

    assert shape.json()["code"] == rules.json()["code"] == "invalid"
    assert shape.json()["detail"] == rules.json()["detail"] == "Some fields are invalid."


def test_a_body_that_is_not_json_is_refused_in_the_readers_language(api_client):
    for language, detail in (
        ("tr", "İstek gövdesi geçerli bir JSON değil."),
        ("en", "The request body is not valid JSON."),
    ):
        response = api_client.post(
            "/api/v1/auth/register/",
            data='{"email": ',
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=language,
        )

        assert response.status_code == 400
        assert response.json() == {"code": "parse_error", "detail": detail}
