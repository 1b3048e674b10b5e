"""The platform's metrics plumbing (prometheus-client) and its own series; the apps define theirs.

With PROMETHEUS_MULTIPROC_DIR set (production), every process (gunicorn's workers, daphne, the
Celery workers) writes its values to files in that directory and `GET /metrics`
(`core.api.metrics`) adds them up, so the answer does not depend on which worker took the scrape.
The directory may be shared by several containers: a process is named by host and pid, because
pids repeat across containers. Without it (the embedded default, the tests) values live in this
process. Imports no Django: gunicorn's config file uses it before Django is set up.
"""

import os
import socket
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import Counter, Gauge, values
from prometheus_client.multiprocess import mark_process_dead

from core.hooks import Hook

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
_HOST = socket.gethostname().replace("_", "-")


def process_name(pid: int | None = None) -> str:
    """How a process's files are named in the shared directory (no "_": it separates the parts)."""
    return f"{_HOST}-{pid or os.getpid()}"


if MULTIPROCESS_DIR:
    Path(MULTIPROCESS_DIR).mkdir(parents=True, exist_ok=True)
    values.ValueClass = values.MultiProcessValue(process_identifier=process_name)


def forget_process(pid: int | None = None) -> None:
    """Drop a finished process's live gauges (sockets open) so they stop counting; gunicorn calls
    it when a worker exits."""
    if MULTIPROCESS_DIR:
        mark_process_dead(process_name(pid), MULTIPROCESS_DIR)


# Sockets open now, summed over the live processes.
WEBSOCKETS_OPEN = Gauge(
    "hothour_websockets_open", "WebSockets open, per process.", multiprocess_mode="livesum"
)
BROADCAST_FRAMES = Counter(
    "hothour_broadcasts", "Frames published to the channel layer (rate: broadcasts per second)."
)
THROTTLED = Counter("hothour_throttled_requests", "Requests refused with 429, by throttle scope.", ["scope"])

# Values read from the database when scraped (the outbox backlog, the tick's lag): receivers
# return prometheus_client metric families. Connected by the apps in AppConfig.ready().
at_scrape: Hook[Iterable[object]] = Hook("core.metrics_at_scrape")
