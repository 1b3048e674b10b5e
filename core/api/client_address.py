"""The client's address behind our reverse proxies: one resolver for the API throttles, the admin's
lock-out (django-axes) and anything else that counts or allows by address.

The connection's address (REMOTE_ADDR) is a proxy's when one is in front. Each trusted proxy
appends the address it saw to X-Forwarded-For, so the chain is read from the right: every hop
we trust is skipped, and the first one we do not trust is the client. Entries further left were
written by the client itself and are never believed.

Which hops are trusted comes from the environment: TRUSTED_PROXIES (addresses or networks; a hop
is trusted when it is in one), or else NUM_PROXIES (that many hops from the right are trusted).
"""

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(value: str) -> str | None:
    """The canonical text of an IP address (IPv4-mapped IPv6 unwrapped), or None if it is none."""
    try:
        parsed = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed)


@lru_cache(maxsize=8)
def networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """Addresses or networks from settings (a tuple, so it can be cached), parsed once."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _trusted(address: str, hops_skipped: int) -> bool:
    trusted = networks(tuple(settings.TRUSTED_PROXIES))
    if trusted:
        parsed = ipaddress.ip_address(address)
        return any(parsed in network for network in trusted)
    return hops_skipped < settings.NUM_PROXIES


def client_address(request: Any) -> str | None:
    """The client's IP address for `request` (a Django or DRF request); None without REMOTE_ADDR."""
    meta = request.META
    address = _address(meta.get("REMOTE_ADDR") or "")
    if address is None:
        return None
    forwarded = [hop for hop in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if hop.strip()]
    hops_skipped = 0
    while forwarded and _trusted(address, hops_skipped):
        previous = _address(forwarded.pop())
        if previous is None:
            # A trusted proxy passed on something that is not an address: stop at that proxy.
            break
        address = previous
        hops_skipped += 1
    return address
