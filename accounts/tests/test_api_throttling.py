"""Throttling of the endpoints an attacker would hammer: 429 `throttled` with Retry-After."""

import copy
from collections.abc import Callable

import pytest

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.utils import post


@pytest.fixture
def throttle_rates(settings) -> Callable[..., None]:
    """Replace some scopes' rates; the throttles read them at request time."""

    def set_rates(**rates: str) -> None:
        rest_framework = copy.deepcopy(settings.REST_FRAMEWORK)
        rest_framework["DEFAULT_THROTTLE_RATES"].update(rates)
        settings.REST_FRAMEWORK = rest_framework

    return set_rates


def _assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert response.json()["detail"]
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.django_db
def test_fourth_login_in_a_minute_is_throttled(api_client, customer, throttle_rates):
    # given
    throttle_rates(login="3/min")
    credentials = {"email": customer.email, "password": DEFAULT_PASSWORD}
    first_three = [post(api_client, "auth-login", credentials) for _ in range(3)]

    # when
    fourth = post(api_client, "auth-login", credentials)

    # then
    assert [response.status_code for response in first_three] == [200, 200, 200]
    _assert_throttled(fourth)


@pytest.mark.django_db
def test_failed_logins_count_towards_the_login_throttle(api_client, customer, throttle_rates):
    # given
    throttle_rates(login="3/min")
    for _ in range(3):
        assert (
            post(api_client, "auth-login", {"email": customer.email, "password": "guess"}).status_code == 401
        )

    # when: even the right password is refused now
    response = post(api_client, "auth-login", {"email": customer.email, "password": DEFAULT_PASSWORD})

    # then
    _assert_throttled(response)


@pytest.mark.django_db
def test_login_address_limit_is_per_client_address(api_client, customer, throttle_rates):
    # given
    throttle_rates(login="100/min", login_ip="3/min")
    credentials = {"email": customer.email, "password": DEFAULT_PASSWORD}
    answers = [post(api_client, "auth-login", credentials, REMOTE_ADDR="10.0.0.1") for _ in range(4)]

    # when
    other_client = post(api_client, "auth-login", credentials, REMOTE_ADDR="10.0.0.2")

    # then
    _assert_throttled(answers[3])
    assert other_client.status_code == 200


@pytest.mark.django_db
def test_login_account_limit_holds_across_addresses(api_client, customer, throttle_rates):
    # given: someone tries one account from many addresses
    throttle_rates(login="3/min", login_ip="100/min")
    guess = {"email": customer.email, "password": "guess"}
    for n in range(3):
        assert post(api_client, "auth-login", guess, REMOTE_ADDR=f"10.0.1.{n}").status_code == 401

    # when
    response = post(api_client, "auth-login", guess, REMOTE_ADDR="10.0.1.99")

    # then
    _assert_throttled(response)


@pytest.mark.django_db
def test_fourth_registration_in_a_minute_is_throttled_and_creates_nothing(
    api_client, register_payload, throttle_rates
):
    # given
    throttle_rates(register="3/min")
    payloads = [
        {**register_payload, "email": f"user{n}@example.com", "phone": f"0555 111 22 3{n}"} for n in range(4)
    ]
    first_three = [post(api_client, "auth-register", payload) for payload in payloads[:3]]

    # when
    fourth = post(api_client, "auth-register", payloads[3])

    # then
    assert [response.status_code for response in first_three] == [201, 201, 201]
    _assert_throttled(fourth)
    assert not User.objects.filter(email="user3@example.com").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scope", "endpoint"),
    [
        ("verification", "auth-verify-resend"),
        ("password_reset", "auth-password-reset"),
    ],
)
def test_email_sending_endpoints_are_throttled(api_client, throttle_rates, scope, endpoint):
    # given
    throttle_rates(**{scope: "3/min"})
    first_three = [post(api_client, endpoint, {"email": "someone@example.com"}) for _ in range(3)]

    # when
    fourth = post(api_client, endpoint, {"email": "someone@example.com"})

    # then
    assert [response.status_code for response in first_three] == [202, 202, 202]
    _assert_throttled(fourth)
