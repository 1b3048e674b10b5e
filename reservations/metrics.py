"""The grab's series: outcomes by code (`created`, `replayed` or the error's code) and latency."""

from prometheus_client import Counter, Histogram

from core import metrics  # noqa: F401 - multiprocess values are set up before ours are created

GRABS = Counter("hothour_grabs", "Grabs by outcome: created, replayed or the error code.", ["code"])
GRAB_SECONDS = Histogram(
    "hothour_grab_seconds",
    "Time the grab service took, refusals included.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
