"""The one place where errors become HTTP responses: `{"code", "detail"}` (+ `fields`)."""

import logging
from typing import Any

from django import db
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from core import errors
from core.metrics import THROTTLED

logger = logging.getLogger(__name__)

DOMAIN_STATUS = {
    errors.NotFound: status.HTTP_404_NOT_FOUND,
    errors.Conflict: status.HTTP_409_CONFLICT,
    errors.Forbidden: status.HTTP_403_FORBIDDEN,
    errors.Invalid: status.HTTP_400_BAD_REQUEST,
    errors.BadRequest: status.HTTP_400_BAD_REQUEST,
}

# DRF's own codes are kept where they are stable and readable; these are renamed.
DRF_CODE_OVERRIDES = {
    exceptions.ValidationError: "invalid",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "parse_error",
    exceptions.Throttled: "throttled",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, errors.DomainError):
        return _domain_response(exc)
    if isinstance(exc, DATABASE_DOWN):
        return service_unavailable_response(exc)
    if isinstance(exc, TokenError):
        exc = InvalidToken(exc.args[0] if exc.args else None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.Throttled):
        THROTTLED.labels(scope=getattr(context.get("view"), "throttle_scope", None) or "other").inc()

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    response.data = _api_exception_body(exc)
    return response


# The database is unreachable (down, restarting, or the pool could not hand out a connection).
DATABASE_DOWN = (db.OperationalError, db.InterfaceError)


# Seconds a client should wait before retrying after a 503.
RETRY_AFTER_SECONDS = "5"


def service_unavailable_body() -> dict[str, str]:
    """The 503 answer's body, for DRF's handler and the middleware alike."""
    return {
        "code": "service_unavailable",
        "detail": _("The service is briefly unavailable; try again shortly."),
    }


def service_unavailable_response(exc: Exception) -> Response:
    logger.error("database unavailable: %s", exc.__class__.__name__)
    response = Response(service_unavailable_body(), status=status.HTTP_503_SERVICE_UNAVAILABLE)
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def _domain_response(exc: errors.DomainError) -> Response:
    http_status = next(
        (code for klass, code in DOMAIN_STATUS.items() if isinstance(exc, klass)),
        status.HTTP_400_BAD_REQUEST,
    )
    body: dict[str, Any] = {"code": exc.code, "detail": exc.detail, **exc.extra}
    if isinstance(exc, errors.Invalid):
        body["fields"] = exc.fields
    return Response(body, status=http_status)


def _api_exception_body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        return {
            "code": "invalid",
            "detail": _("Some fields are invalid."),
            "fields": _flatten_fields(exc.detail),
        }
    code = _code_of(exc)
    detail: Any = exc.detail
    if isinstance(detail, dict):
        # simplejwt puts its message under "detail" and a list of per-token messages beside it.
        detail = detail.get("detail", next(iter(detail.values()), ""))
    if isinstance(detail, list):
        detail = detail[0] if detail else ""
    return {"code": code, "detail": str(detail)}


def _code_of(exc: exceptions.APIException) -> str:
    if isinstance(exc, InvalidToken):
        return "token_not_valid"
    for klass, code in DRF_CODE_OVERRIDES.items():
        if isinstance(exc, klass):
            if isinstance(exc, exceptions.AuthenticationFailed):
                own = _own_code(exc)
                return own or code
            return code
    return _own_code(exc) or exc.default_code


def _own_code(exc: exceptions.APIException) -> str | None:
    detail = exc.detail
    if isinstance(detail, dict):
        code = detail.get("code")
        return str(code) if code else None
    if isinstance(detail, exceptions.ErrorDetail) and detail.code not in (None, exc.default_code):
        return str(detail.code)
    return None


def _flatten_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """`{"a": {"b": ["msg"]}}` → `{"a.b": ["msg"]}`; a bare list goes under `non_field_errors`."""
    if isinstance(detail, dict):
        fields: dict[str, list[str]] = {}
        for name, value in detail.items():
            fields.update(_flatten_fields(value, f"{prefix}{name}." if prefix or name else ""))
        return {key.rstrip("."): messages for key, messages in fields.items()}
    if isinstance(detail, list) and detail and isinstance(detail[0], (dict, list)):
        fields = {}
        for index, value in enumerate(detail):
            fields.update(_flatten_fields(value, f"{prefix}{index}."))
        return fields
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(message) for message in messages]}


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 for a URL no route matches (`auctions/abc/`): under /api/ the API's error body."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "detail": str(exceptions.NotFound.default_detail)}, status=404
        )
    return defaults.page_not_found(request, exception)
