"""`GET /api/v1/health/`: can this process reach what it needs? 200 when yes, 503 naming what fails."""

import logging
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from auctions.models import TickHeartbeat

logger = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    # A group nobody joins: a real round trip to the layer that leaves nothing queued behind.
    async_to_sync(layer.group_send)("health", {"type": "health.check"})


def _broker() -> None:
    if not settings.REDIS_URL:
        return
    redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()


CHECKS = {"database": _database, "channel_layer": _channel_layer, "broker": _broker}
# Past this age the ticker is reported stale. Prices and statuses stay right regardless (they are
# computed per request), so a stale ticker is reported, not counted as the service being down.
STALE_TICK_SECONDS = 30


def _ticker() -> dict[str, Any]:
    heartbeat = TickHeartbeat.objects.filter(pk=1).first()
    if heartbeat is None:
        return {"state": "never", "last_tick_at": None, "age_seconds": None}
    age = (timezone.now() - heartbeat.last_tick_at).total_seconds()
    return {
        "state": "ok" if age <= max(STALE_TICK_SECONDS, 5 * settings.HOTHOUR_TICK_SECONDS) else "stale",
        "last_tick_at": heartbeat.last_tick_at.isoformat(),
        "age_seconds": round(age, 3),
    }


HealthSerializer = inline_serializer(
    "Health",
    {"status": serializers.CharField(), "checks": serializers.DictField(child=serializers.CharField())},
)


class HealthView(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(responses={200: HealthSerializer, 503: HealthSerializer})
    def get(self, request: Request) -> Response:
        checks: dict[str, Any] = {}
        for name, check in CHECKS.items():
            try:
                check()
                checks[name] = "ok"
            except Exception as exc:
                logger.warning("health check %s failed: %s", name, exc.__class__.__name__)
                checks[name] = "unavailable"
        # Without the database nothing works: 503. Without Redis the API and the grab still do
        # (broadcasts, emails and ticks wait for it): "degraded", still 200 for load balancers.
        serving = checks["database"] == "ok"
        overall = (
            "ok" if all(v == "ok" for v in checks.values()) else "degraded" if serving else "unavailable"
        )
        ticker = _ticker() if serving else {"state": "unknown"}
        return Response(
            {"status": overall, "checks": checks, "ticker": ticker},
            status=status.HTTP_200_OK if serving else status.HTTP_503_SERVICE_UNAVAILABLE,
        )
