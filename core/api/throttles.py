"""Rate limits that hold under concurrency: one atomic counter per identity and time window.

A request is counted against every identity it has: the client address always, the signed-in
user, and for the account endpoints the email address it names. Any of them over its rate → 429.
Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]: `<scope>` for users and for (email,
client address) pairs, `<scope>_ip` (falling back to `<scope>`) for addresses, and `<scope>_email`
(if set) as a ceiling per email address over all addresses.

Per pair, not per email: counting an account's requests from every address together let anyone
keep its owner from signing in by failing on purpose. The per-email ceiling still bounds a
guesser spread over many addresses, but it is not applied to an address the account signed in
from lately (`remember_address`), so it slows an attacker without locking the owner out.

If the cache (Redis) is unreachable the limit is not enforced rather than failing the request:
availability first, and it is logged.
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

from core.api.client_address import client_address

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Windows are fixed (a burst across a window's edge may reach twice the rate); tests pin the clock.
clock = time.time
# How long an address the account signed in from stays exempt from the per-email ceiling.
KNOWN_ADDRESS_SECONDS = 30 * 86400


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
        for kind, identity in self.identities(request, checks_email=_rate(rates, scope, "email") is not None):
            rate = _rate(rates, scope, kind)
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

    def identities(self, request: Request, *, checks_email: bool) -> list[tuple[str, str]]:
        """Who the request counts against. The per-email ceiling (`checks_email`, only scopes
        that have one) costs a cache read for the known-address exemption; others skip it."""
        address = client_address(request)
        found = [("ip", str(address))]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            found.append(("user", str(user.pk)))
        email = submitted_email(request)
        if email is not None:
            found.append(("email_ip", f"{email} {address}"))
            if checks_email and not _is_known_address(email, address):
                found.append(("email", email))
        return found

    def wait(self) -> float | None:
        return None if self.wait_seconds is None else max(1, math.ceil(self.wait_seconds))


def _rate(rates: dict[str, Any], scope: str, kind: str) -> str | None:
    if kind == "ip":
        return rates.get(f"{scope}_ip", rates[scope])
    if kind == "email":
        return rates.get(f"{scope}_email")
    return rates[scope]  # the user, and an (email, address) pair


def submitted_email(request: Request) -> str | None:
    email = request.data.get("email") if isinstance(request.data, dict) else None
    if isinstance(email, str) and email.strip():
        return email.strip().lower()[:254]
    return None


def _known_address_key(email: str, address: str | None) -> str:
    return f"throttle:known:{_digest(email)}:{_digest(address)}"


def _is_known_address(email: str, address: str | None) -> bool:
    try:
        return bool(caches["default"].get(_known_address_key(email, address)))
    except Exception:
        return False  # the store is down: counting is skipped anyway (`allow_request`)


def remember_address(request: Any, email: str) -> None:
    """The account `email` signed in from this request's address: exempt it from the ceiling."""
    key = _known_address_key(email.strip().lower()[:254], client_address(request))
    try:
        caches["default"].set(key, 1, timeout=KNOWN_ADDRESS_SECONDS)
    except Exception as exc:
        logger.warning("throttle store unavailable (%s); address not remembered", exc.__class__.__name__)
