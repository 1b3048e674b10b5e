"""Project middleware: the request id every log line carries; a database outage answers 503 quickly
everywhere, never a stack trace; the CSP on HTML pages; the browser's session machinery stays off
the token-authenticated API."""

import logging
from collections.abc import Callable

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse, JsonResponse

from core import logs
from core.api.exceptions import DATABASE_DOWN, RETRY_AFTER_SECONDS, service_unavailable_body

logger = logging.getLogger(__name__)


class RequestIdMiddleware:
    """First in the chain: the request's id (the proxy's X-Request-ID, else a new one) is set for
    everything the request logs or queues, and answered in X-Request-ID for gunicorn's access line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        current = logs.accept_request_id(request.headers.get("X-Request-ID"))
        token = logs.request_id.set(current)
        try:
            response = self.get_response(request)
        finally:
            logs.request_id.reset(token)
        response["X-Request-ID"] = current
        return response


class DatabaseUnavailableMiddleware:
    """For what DRF's handler does not see (the admin, middleware that reads the database)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        except DATABASE_DOWN as exc:
            return self._unavailable(request, exc)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, DATABASE_DOWN):
            return self._unavailable(request, exc)
        return None

    def _unavailable(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.error("database unavailable on %s: %s", request.path, exc.__class__.__name__)
        body = service_unavailable_body()
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(body, status=503)
        else:
            response = HttpResponse(body["detail"], status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = RETRY_AFTER_SECONDS
        return response


class ContentSecurityPolicyMiddleware:
    """A strict CSP on HTML pages (the admin and the API docs): scripts only from this site.

    A view that sets its own policy keeps it: the customer app (core.spa) needs no inline styles
    but does open WebSockets to this host."""

    POLICY = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # The admin and its widgets set inline style attributes.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", self.POLICY)
        return response


API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    """The JSON API authenticates by bearer token only (DRF's authentication classes): it reads
    no session, user from a session or flash message, so it does not pay for loading them."""
    return request.path_info.startswith(API_PREFIX)


class BrowserSessionMiddleware(SessionMiddleware):
    """Sessions for the admin and other browser pages; none on the API."""

    def process_request(self, request: HttpRequest) -> None:
        if not is_api(request):
            super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return response if is_api(request) else super().process_response(request, response)


class BrowserAuthenticationMiddleware(AuthenticationMiddleware):
    """The session's user for the admin; the API's user comes from its bearer token (DRF)."""

    def process_request(self, request: HttpRequest) -> None:
        if not is_api(request):
            super().process_request(request)


class BrowserMessageMiddleware(MessageMiddleware):
    """The admin's flash messages; the API answers in its JSON bodies instead."""

    def process_request(self, request: HttpRequest) -> None:
        if not is_api(request):
            super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return response if is_api(request) else super().process_response(request, response)
