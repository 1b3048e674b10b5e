"""Throttling of the endpoints an attacker would hammer: 429 `throttled` with Retry-After."""

import copy
from collections.abc import Callable

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, CustomerFactory
from accounts.tests.utils import post
from conftest import authenticate


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
def test_login_account_ceiling_holds_across_addresses(api_client, customer, throttle_rates):
    # given: someone tries one account from many addresses
    throttle_rates(login="100/min", login_ip="100/min", login_email="3/min")
    guess = {"email": customer.email, "password": "guess"}
    for n in range(3):
        assert post(api_client, "auth-login", guess, REMOTE_ADDR=f"10.0.1.{n}").status_code == 401

    # when
    response = post(api_client, "auth-login", guess, REMOTE_ADDR="10.0.1.99")

    # then
    _assert_throttled(response)


@pytest.mark.django_db
def test_failed_logins_elsewhere_do_not_lock_the_owner_out(api_client, customer, throttle_rates):
    # given someone failing on purpose for the customer's email, from their own address
    throttle_rates(login="3/min", login_ip="100/min")
    for _ in range(5):
        post(api_client, "auth-login", {"email": customer.email, "password": "x"}, REMOTE_ADDR="10.0.2.1")

    # when the owner signs in from theirs
    response = post(
        api_client,
        "auth-login",
        {"email": customer.email, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.0.2.2",
    )

    # then
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_account_ceiling_spares_an_address_the_owner_signed_in_from(api_client, customer, throttle_rates):
    # given the owner signed in from home once, then a guesser spread over addresses fills the ceiling
    throttle_rates(login="100/min", login_ip="100/min", login_email="3/min")
    right = {"email": customer.email, "password": DEFAULT_PASSWORD}
    assert post(api_client, "auth-login", right, REMOTE_ADDR="10.0.3.1").status_code == 200
    for n in range(5):
        post(api_client, "auth-login", {"email": customer.email, "password": "x"}, REMOTE_ADDR=f"10.0.4.{n}")

    # when
    from_home = post(api_client, "auth-login", right, REMOTE_ADDR="10.0.3.1")
    from_elsewhere = post(api_client, "auth-login", right, REMOTE_ADDR="10.0.5.1")

    # then
    assert from_home.status_code == 200
    _assert_throttled(from_elsewhere)


@pytest.mark.django_db
def test_reset_requests_elsewhere_do_not_block_the_owners_reset(api_client, customer, throttle_rates):
    throttle_rates(password_reset="3/min", password_reset_ip="100/min")
    for _ in range(5):
        post(api_client, "auth-password-reset", {"email": customer.email}, REMOTE_ADDR="10.0.6.1")

    response = post(api_client, "auth-password-reset", {"email": customer.email}, REMOTE_ADDR="10.0.6.2")

    assert response.status_code == 202


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "endpoint", "body"),
    [
        ("post", "auth-password-change", {"old_password": "guess", "new_password": "An0ther-long-pass"}),
        ("delete", "auth-me", {"password": "guess"}),
        ("patch", "auth-me", {"phone": "0555 999 88 77"}),
    ],
)
def test_endpoints_that_check_a_password_or_a_phone_are_throttled(
    customer_client, throttle_rates, method, endpoint, body
):
    # given
    throttle_rates(credentials="3/min")
    call = getattr(customer_client, method)
    first_three = [call(reverse(endpoint), body, format="json") for _ in range(3)]

    # when
    fourth = call(reverse(endpoint), body, format="json")

    # then
    assert all(response.status_code in (200, 400) for response in first_three)
    _assert_throttled(fourth)


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


@pytest.mark.django_db
def test_a_crowd_behind_one_address_is_held_to_the_per_user_limit_only(api_client):
    # given 150 verified customers on one gym's Wi-Fi, each grabbing once (an auction that is gone:
    # the throttle counts before the grab looks)
    crowd = CustomerFactory.create_batch(150)

    # when
    statuses = {
        authenticate(api_client, customer)
        .post(reverse("reservation-list"), {"auction_id": 999_999}, format="json", REMOTE_ADDR="10.9.9.9")
        .status_code
        for customer in crowd
    }

    # then nobody was told "throttled"
    assert statuses == {404}
