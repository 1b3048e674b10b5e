"""The tick's series: how long a tick takes (kept by the process that ticks) and how far behind
it is (read from the database at scrape time, so it is right whichever process answers)."""

from django.utils import timezone
from prometheus_client import Histogram
from prometheus_client.core import GaugeMetricFamily

from core import metrics  # noqa: F401 - multiprocess values are set up before ours are created

from .selectors import tick_backlog

TICK_SECONDS = Histogram(
    "hothour_tick_duration_seconds",
    "How long one tick took.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def read_at_scrape() -> list[GaugeMetricFamily]:
    now = timezone.now()
    due, oldest = tick_backlog(now)
    lag = (now - oldest).total_seconds() if oldest is not None else 0.0
    return [
        GaugeMetricFamily(
            "hothour_tick_lag_seconds",
            "Now minus next_change_at of the oldest auction whose change is due (0: none due).",
            value=lag,
        ),
        GaugeMetricFamily("hothour_tick_due_auctions", "Auctions with a change due now.", value=due),
    ]
