"""`GET /metrics`: the Prometheus text format, for the loopback address, METRICS_ALLOWED_IPS or a
bearer METRICS_TOKEN (DESIGN section 8); 403 for anyone else.

The address is the client's as resolved behind the proxies, never the connection's: nginx on
loopback in front of us must not open the metrics to whoever nginx serves.
"""

import hmac
import ipaddress
import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from core import metrics, outbox
from core.api.client_address import client_address, networks

logger = logging.getLogger(__name__)


def may_read_metrics(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    offered = request.headers.get("Authorization", "")
    if token and offered.startswith("Bearer "):
        return hmac.compare_digest(offered.removeprefix("Bearer ").encode(), token.encode())
    try:
        address = ipaddress.ip_address(client_address(request) or "")
    except ValueError:
        return False
    if address.is_loopback:
        return True
    return any(address in network for network in networks(tuple(settings.METRICS_ALLOWED_IPS)))


class _ThisProcess(Collector):
    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()


class _ReadAtScrape(Collector):
    def collect(self) -> Iterator[Any]:
        try:
            yield outbox.backlog_metric()
            for families in metrics.at_scrape.call():
                yield from families
        except Exception as exc:
            # The process-kept series still answer while the database is away.
            logger.warning("metrics from the database unavailable: %s", exc.__class__.__name__)


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not may_read_metrics(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    registry = CollectorRegistry(auto_describe=False)
    if metrics.MULTIPROCESS_DIR:
        MultiProcessCollector(registry, path=metrics.MULTIPROCESS_DIR)
    else:
        registry.register(_ThisProcess())
    registry.register(_ReadAtScrape())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
