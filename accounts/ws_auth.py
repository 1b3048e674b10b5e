"""Who is on the other end of a WebSocket: the access token from the subprotocol or `?token=`.

Browsers cannot set `Authorization` on an upgrade, so the SPA opens
`new WebSocket(url, ["hothour.jwt", access])`; the server answers with `hothour.jwt`.
"""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from .models import User
from .revocation import access_token_revoked

TOKEN_SUBPROTOCOL = "hothour.jwt"  # noqa: S105 - a protocol name, not a secret


def token_from_scope(scope: dict[str, Any]) -> tuple[str | None, bool]:
    """The raw token and whether it came as a subprotocol (which must then be echoed back)."""
    protocols = list(scope.get("subprotocols") or [])
    if TOKEN_SUBPROTOCOL in protocols:
        others = [p for p in protocols if p != TOKEN_SUBPROTOCOL]
        if others:
            return others[0], True
    query = parse_qs((scope.get("query_string") or b"").decode("latin-1"))
    tokens = query.get("token")
    return (tokens[0] if tokens else None), False


@database_sync_to_async
def user_for_token(raw: str | None) -> tuple[User, datetime] | None:
    """The active user an access token names, and when it expires; None for anything else."""
    if not raw:
        return None
    try:
        token = AccessToken(raw)  # type: ignore[arg-type] # the stubs miss the str form
    except TokenError:
        return None
    user = User.objects.filter(pk=token.get(jwt_settings.USER_ID_CLAIM) or 0, is_active=True).first()
    if user is None or token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
        return None
    if access_token_revoked(user_id=user.pk, issued_at=token.get("iat")):
        return None
    return user, datetime.fromtimestamp(int(token["exp"]), tz=UTC)
