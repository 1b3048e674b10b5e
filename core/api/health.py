"""`GET /api/v1/health/`: can this process reach what it needs? 200 when yes, 503 naming what fails."""

import logging
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.hooks import Hook

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
# Reports the apps add (the ticker's age, say): each receiver answers {name: report}. Asked only
# while the database answers; a report is information, not a reason to fail the check.
reports: Hook[dict[str, Any]] = Hook("core.health_reports")


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
        body: dict[str, Any] = {"status": overall, "checks": checks}
        for report in reports.call() if serving else []:
            body.update(report)
        return Response(
            body,
            status=status.HTTP_200_OK if serving else status.HTTP_503_SERVICE_UNAVAILABLE,
        )
