"""Settings of the fan-out and tick benchmarks: `hothour.settings.base`, with channel names apart.

Redis pub/sub ignores database numbers: under the default prefix a benchmark's group messages
would reach every other process subscribed on the same Redis server (a test run, a dev server),
and theirs would reach the benchmark. A prefix of its own keeps them apart; nothing else changes.
"""

from typing import Any, cast

from hothour.settings.base import *  # noqa: F403
from hothour.settings.base import CHANNEL_LAYERS, REDIS_URL

if REDIS_URL:
    cast(dict[str, Any], CHANNEL_LAYERS["default"]["CONFIG"])["prefix"] = "hothour-bench"
