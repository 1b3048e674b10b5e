"""Rate limits that hold under concurrency: one atomic counter per identity and time window.

A request is counted against every identity it has: the client IP always, the signed-in user,
and for the account endpoints the email address it names. Any of them over its rate → 429.
Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]: `<scope>` for users and emails,
`<scope>_ip` (falling back to `<scope>`) for addresses. If the cache (Redis) is unreachable the
limit is not enforced rather than failing the request: availability first, and it is logged.
"""

import hashlib
import logging
import math
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Windows are fixed (a burst across a window's edge may reach twice the rate); tests pin the clock.
clock = time.time


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/min" → (10, 60)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period[0]]


def _digest(identity: object) -> str:
    """Keys of a fixed length and alphabet, whatever a client sends, and no email address in Redis.

    `identity` may be None: a request without REMOTE_ADDR (a unix socket) has no address to count.
    """
    return hashlib.sha256(str(identity).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _increment(counters: list[tuple[str, int]]) -> list[int]:
    """Add one to each (key, period) counter atomically and return the new counts.

    On Redis: INCR + EXPIRE NX for every counter in one pipelined round trip. Elsewhere (the
    embedded default's local-memory cache, itself atomic per process): add + incr.
    """
    store = caches["default"]
    if isinstance(store, RedisCache):
        client = store._cache.get_client(write=True)  # Django's own client; one pipeline
        pipeline = client.pipeline(transaction=False)
        for key, period in counters:
            full_key = store.make_and_validate_key(key)
            pipeline.incr(full_key)
            pipeline.expire(full_key, period + 1, nx=True)
        return [int(count) for count in pipeline.execute()[0::2]]
    counts = []
    for key, period in counters:
        store.add(key, 0, timeout=period + 1)
        counts.append(int(store.incr(key)))
    return counts


class ScopedThrottle(BaseThrottle):
    """Uses the view's `throttle_scope`; counts per IP, per user and per submitted email."""

    def __init__(self) -> None:
        self.wait_seconds: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        scope = getattr(view, "throttle_scope", None)
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if not scope or scope not in rates:
            return True
        now = clock()
        counters = []
        for kind, identity in self.identities(request):
            rate = rates.get(f"{scope}_ip", rates[scope]) if kind == "ip" else rates[scope]
            if rate is None:
                continue
            limit, period = parse_rate(str(rate))
            window = int(now // period)
            counters.append((f"throttle:{scope}:{kind}:{_digest(identity)}:{window}", limit, period, window))
        try:
            counts = _increment([(key, period) for key, _limit, period, _window in counters])
        except Exception as exc:
            logger.warning("throttle store unavailable (%s); not limiting", exc.__class__.__name__)
            return True
        for (_key, limit, period, window), count in zip(counters, counts, strict=True):
            if count > limit:
                self.wait_seconds = (window + 1) * period - now
                return False
        return True

    def identities(self, request: Request) -> list[tuple[str, str]]:
        found = [("ip", self.get_ident(request))]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            found.append(("user", str(user.pk)))
        email = request.data.get("email") if isinstance(request.data, dict) else None
        if isinstance(email, str) and email.strip():
            found.append(("email", email.strip().lower()[:254]))
        return found

    def wait(self) -> float | None:
        return None if self.wait_seconds is None else max(1, math.ceil(self.wait_seconds))
