"""`GET /metrics`: who may read it, and the hothour_* series the product keeps."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from accounts.tests.factories import CustomerFactory
from auctions.models import Auction
from auctions.tests.factories import make_auction
from auctions.ticker import tick_once
from conftest import authenticate
from core.models import OutboundEmail
from reservations.tests.factories import grab

pytestmark = pytest.mark.django_db

OUTSIDE = "203.0.113.7"


def samples(response) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of a /metrics answer."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_answer_the_loopback_address_in_the_prometheus_format(client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    names = {name for name, _labels in samples(response)}
    assert {"hothour_outbox_backlog", "hothour_tick_lag_seconds", "hothour_websockets_open"} <= names


def test_metrics_are_refused_to_anyone_else(client):
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDE).status_code == 403


def test_a_proxy_on_loopback_does_not_open_the_metrics_to_its_clients(client, settings):
    # nginx on the same machine: the connection is from loopback, the client is outside
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": OUTSIDE}

    assert client.get("/metrics", **forwarded).status_code == 403


def test_metrics_answer_the_allowed_networks_by_the_resolved_address(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "203.0.113.7"]

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="198.51.100.1").status_code == 403


def test_metrics_answer_the_bearer_token_from_anywhere_and_refuse_a_wrong_one(client, settings):
    settings.METRICS_TOKEN = "a-long-random-scrape-token"

    right = client.get(
        "/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer a-long-random-scrape-token"
    )
    wrong = client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer guess")

    assert (right.status_code, wrong.status_code) == (200, 403)


def test_grabs_are_counted_by_outcome_and_timed(customer_client):
    auction = make_auction()
    created, sold = (
        value("hothour_grabs_total", code="created"),
        value("hothour_grabs_total", code="auction_sold"),
    )
    timed = value("hothour_grab_seconds_count")
    url = reverse("reservation-list")

    first = customer_client.post(url, {"auction_id": auction.pk}, format="json")
    second = authenticate(customer_client.__class__(), CustomerFactory()).post(
        url, {"auction_id": auction.pk}, format="json"
    )

    assert (first.status_code, second.status_code) == (201, 409)
    assert value("hothour_grabs_total", code="created") == created + 1
    assert value("hothour_grabs_total", code="auction_sold") == sold + 1
    assert value("hothour_grab_seconds_count") == timed + 2


def test_throttled_requests_are_counted_by_scope(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "register": "1/min"},
    }
    before = value("hothour_throttled_requests_total", scope="register")
    body = {"email": "new@example.com", "password": "x", "full_name": "N"}

    answers = [api_client.post(reverse("auth-register"), body, format="json").status_code for _ in range(3)]

    assert answers.count(429) == 2
    assert value("hothour_throttled_requests_total", scope="register") == before + 2


def test_the_tick_lag_is_the_age_of_the_oldest_due_change(client):
    now = timezone.now()
    make_auction()
    due = make_auction()
    Auction.objects.filter(pk=due.pk).update(next_change_at=now - timedelta(seconds=42))

    found = samples(client.get("/metrics", REMOTE_ADDR="127.0.0.1"))

    assert 42 <= found[("hothour_tick_lag_seconds", ())] < 52
    assert found[("hothour_tick_due_auctions", ())] >= 1


def test_the_outbox_backlog_counts_unsent_emails_not_given_up_on(client):
    OutboundEmail.objects.create(template="verify_email", to="a@example.com")
    OutboundEmail.objects.create(template="verify_email", to="b@example.com", sent_at=timezone.now())
    OutboundEmail.objects.create(template="verify_email", to="c@example.com", attempts=10)

    found = samples(client.get("/metrics", REMOTE_ADDR="127.0.0.1"))

    assert found[("hothour_outbox_backlog", ())] == 1


def test_a_tick_is_timed(client):
    before = value("hothour_tick_duration_seconds_count")
    tick_once()

    assert value("hothour_tick_duration_seconds_count") == before + 1


def test_a_grab_in_the_service_counts_even_without_http():
    before = value("hothour_grabs_total", code="created")

    grab(None, make_auction())

    assert value("hothour_grabs_total", code="created") == before + 1
