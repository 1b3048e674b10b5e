"""The client's address behind the proxy, one resolver for the API throttles and the admin lock-out."""

import copy

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.tests.admin_helpers import two_studios
from accounts.tests.factories import DEFAULT_PASSWORD
from core.api.client_address import client_address

PROXY = "172.18.0.5"


def _request(remote: str | None, forwarded: str | None = None):
    request = RequestFactory().get("/")
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    return request


def test_without_trusted_proxies_the_connection_is_the_client(settings):
    settings.NUM_PROXIES, settings.TRUSTED_PROXIES = 0, []

    assert client_address(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_one_trusted_proxy_hands_on_the_address_it_saw(settings):
    settings.NUM_PROXIES, settings.TRUSTED_PROXIES = 1, []

    # the client wrote "1.2.3.4" itself; nginx appended the address it really saw
    assert client_address(_request(PROXY, "1.2.3.4, 198.51.100.9")) == "198.51.100.9"


def test_a_proxy_count_never_reads_past_the_chain(settings):
    settings.NUM_PROXIES, settings.TRUSTED_PROXIES = 2, []

    assert client_address(_request(PROXY, "198.51.100.9")) == "198.51.100.9"
    assert client_address(_request(PROXY)) == PROXY


def test_trusted_networks_skip_only_hops_inside_them(settings):
    settings.NUM_PROXIES, settings.TRUSTED_PROXIES = 0, ["172.16.0.0/12", "10.0.0.1"]

    assert client_address(_request(PROXY, "9.9.9.9, 198.51.100.9, 10.0.0.1")) == "198.51.100.9"
    # a connection from outside the trusted networks is the client, whatever it forwards
    assert client_address(_request("203.0.113.7", "198.51.100.9")) == "203.0.113.7"


def test_addresses_are_canonical_and_garbage_is_not_believed(settings):
    settings.NUM_PROXIES, settings.TRUSTED_PROXIES = 1, []

    assert client_address(_request("::ffff:172.18.0.5", " 2001:DB8::0001 ")) == "2001:db8::1"
    assert client_address(_request(PROXY, "not-an-address")) == PROXY
    assert client_address(_request(None)) is None


def _admin_login(client, email: str, password: str, forwarded_for: str):
    """A sign-in to the admin through the proxy, as the client at `forwarded_for`."""
    return client.post(
        reverse("admin:login"),
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.mark.django_db
def test_admin_lockout_counts_the_client_behind_the_proxy_not_the_proxy(client, settings):
    # given a manager, and someone else who fails five times through the same nginx
    settings.NUM_PROXIES = 1
    manager = two_studios().manager_a
    for _ in range(5):
        _admin_login(client, manager.email, "wrong-guess", "203.0.113.66")

    # when the manager signs in from their own address, through the same proxy
    response = _admin_login(client, manager.email, DEFAULT_PASSWORD, "198.51.100.10")

    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager.pk)


@pytest.mark.django_db
def test_admin_lockout_still_locks_the_guessing_client(client, settings):
    settings.NUM_PROXIES = 1
    manager = two_studios().manager_a
    for _ in range(5):
        _admin_login(client, manager.email, "wrong-guess", "203.0.113.66")

    response = _admin_login(client, manager.email, DEFAULT_PASSWORD, "203.0.113.66")

    assert response.status_code == 429


@pytest.mark.django_db
def test_the_api_throttles_count_the_client_behind_the_proxy(api_client, customer, settings):
    # given one client that used up its address's logins, through the proxy everyone shares
    settings.NUM_PROXIES = 1
    rest_framework = copy.deepcopy(settings.REST_FRAMEWORK)
    rest_framework["DEFAULT_THROTTLE_RATES"].update(login="100/min", login_ip="3/min")
    settings.REST_FRAMEWORK = rest_framework
    credentials = {"email": customer.email, "password": DEFAULT_PASSWORD}
    login = reverse("auth-login")
    for _ in range(3):
        api_client.post(
            login, credentials, format="json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66"
        )

    # when
    same_client = api_client.post(
        login, credentials, format="json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66"
    )
    forging_an_address = api_client.post(
        login, credentials, format="json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.66"
    )
    other_client = api_client.post(
        login, credentials, format="json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.10"
    )

    # then
    assert same_client.status_code == 429
    assert forging_an_address.status_code == 429
    assert other_client.status_code == 200
