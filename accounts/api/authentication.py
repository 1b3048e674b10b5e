"""simplejwt's bearer authentication, refusing access tokens revoked by a logout."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.revocation import access_token_revoked


class RevocableJWTAuthentication(JWTAuthentication):
    def authenticate(self, request: Request) -> Any:
        found = super().authenticate(request)
        if found is not None:
            user, token = found
            if access_token_revoked(user_id=user.pk, issued_at=token.get("iat")):
                raise exceptions.AuthenticationFailed(
                    _("This session is no longer valid."), code="session_revoked"
                )
        return found


class RevocableJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema's bearer scheme, as for simplejwt's own class (registered on import)."""

    target_class = "accounts.api.authentication.RevocableJWTAuthentication"
