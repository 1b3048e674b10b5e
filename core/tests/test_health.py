"""GET /api/v1/health/: what it reports with every part up, and with Redis really unreachable."""

import pytest
from django.urls import reverse
from django.utils import timezone

from auctions.models import TickHeartbeat
from auctions.services import auctions_tick

# A port nothing listens on: the checks fail for real (connection refused), nothing is mocked.
NOWHERE = "redis://127.0.0.1:1/0"


@pytest.mark.django_db
def test_health_reports_every_part_and_the_age_of_the_last_tick(api_client):
    auctions_tick()

    response = api_client.get(reverse("health"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "channel_layer": "ok", "broker": "ok"}
    assert body["ticker"]["state"] == "ok"
    assert 0 <= body["ticker"]["age_seconds"] < 60


@pytest.mark.django_db
def test_a_stale_ticker_is_reported_without_taking_the_service_down(api_client):
    TickHeartbeat.objects.update_or_create(
        pk=1, defaults={"last_tick_at": timezone.now() - timezone.timedelta(hours=1)}
    )

    body = api_client.get(reverse("health")).json()

    assert body["status"] == "ok"
    assert body["ticker"]["state"] == "stale"
    assert body["ticker"]["age_seconds"] >= 3600


@pytest.mark.django_db
def test_redis_unreachable_is_named_and_the_service_still_answers_200(api_client, settings):
    settings.REDIS_URL = NOWHERE
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": NOWHERE}], "prefix": "health-test"},
        }
    }

    response = api_client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"] == {
        "database": "ok",
        "channel_layer": "unavailable",
        "broker": "unavailable",
    }
