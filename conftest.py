"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.admin_helpers import logged_in, two_studios
from accounts.tests.factories import CustomerFactory, ManagerFactory, StudioFactory

# Real processes (daphne, Celery) and Debian's chromium for the end-to-end and browser tests.
pytest_plugins = ["hothour.tests.live_stack"]


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters live in the cache (Redis); every test starts from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _throttle_clock(monkeypatch):
    """Mid-window, always: a test's requests never straddle a rate window's edge."""
    monkeypatch.setattr("core.api.throttles.clock", lambda: 1_800_000_030.0)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def studio(db):
    return StudioFactory()


@pytest.fixture
def manager(studio):
    return ManagerFactory(studio=studio)


def authenticate(client: APIClient, user) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def customer_client(customer) -> APIClient:
    return authenticate(APIClient(), customer)


@pytest.fixture
def studios(db):
    """Studios A and B, each with its manager (back-office tests)."""
    return two_studios()


@pytest.fixture
def client_a(client, studios):
    """The test client, logged in as studio A's manager."""
    return logged_in(client, studios.manager_a)
