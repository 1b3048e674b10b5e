"""Helpers of the accounts tests: calling the auth endpoints and reading tokens out of emails."""

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse as Response


def post(client: APIClient, name: str, data: dict[str, Any] | None = None, **extra: Any) -> "Response":
    return client.post(reverse(name), data or {}, format="json", **extra)


def login(client: APIClient, email: str, password: str) -> "Response":
    return post(client, "auth-login", {"email": email, "password": password})


def bearer(token: object) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def token_from_email(message: EmailMessage, path: str) -> str:
    """The token of the single-page-app link `FRONTEND_URL/<path>?token=...` in `message`."""
    base = re.escape(str(settings.FRONTEND_URL).rstrip("/"))
    link = re.search(rf"{base}/{re.escape(path)}\?\S+", str(message.body))
    assert link is not None, message.body
    return parse_qs(urlsplit(link.group(0)).query)["token"][0]


def is_blacklisted(refresh: str) -> bool:
    return BlacklistedToken.objects.filter(token__token=refresh).exists()
