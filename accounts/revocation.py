"""Access tokens issued before a user's last logout are refused, though they have not expired.

A logout blacklists one refresh token, but access tokens are not looked up: a copy would work
until it expired (up to JWT_ACCESS_MINUTES). Logging out records the instant in the cache for
that long; every authenticated request and `/ws/me/` handshake refuses an older access token.
The user's other devices get a 401 once, refresh (their refresh tokens are still good) and go
on. Tokens carry their issue time in whole seconds, so one minted in the second of a logout is
refused too (its client refreshes again). If the cache is unreachable the marker is not
enforced (logged), like the throttles.
"""

import logging
import time

from django.core.cache import cache
from rest_framework_simplejwt.settings import api_settings as jwt_settings

logger = logging.getLogger(__name__)
clock = time.time  # tests move it


def _key(user_id: object) -> str:
    return f"auth:revoked-before:{user_id}"


def revoke_access_tokens(*, user_id: int) -> None:
    """Refuse the user's access tokens issued until now."""
    lifetime = int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds())
    try:
        cache.set(_key(user_id), clock(), timeout=lifetime + 1)
    except Exception as exc:
        logger.warning("cache unavailable (%s); access tokens not revoked", exc.__class__.__name__)


def access_token_revoked(*, user_id: object, issued_at: object) -> bool:
    """True when the token was issued (`iat`, whole seconds) before or in the second of the user's
    last logout."""
    try:
        revoked_before = cache.get(_key(user_id))
    except Exception as exc:
        logger.warning("cache unavailable (%s); revocation not checked", exc.__class__.__name__)
        return False
    if revoked_before is None:
        return False
    return not isinstance(issued_at, int | float) or issued_at <= revoked_before
