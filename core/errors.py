"""Domain errors: raised by services, each with a stable machine `code`.

Services know nothing of HTTP; `core.api.exceptions` maps each category to a status.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    default_detail = _("The request could not be completed.")

    def __init__(self, detail: str | None = None, **extra: object) -> None:
        self.detail = detail if detail is not None else str(self.default_detail)
        self.extra = extra
        super().__init__(self.detail)


class NotFound(DomainError):
    code = "not_found"
    default_detail = _("Not found.")


class Conflict(DomainError):
    """The request is well formed but the current state forbids it (HTTP 409)."""


class Forbidden(DomainError):
    """The caller may not do this (HTTP 403)."""


class BadRequest(DomainError):
    """A request the server understood but cannot act on as sent (HTTP 400)."""


class TokenInvalid(BadRequest):
    code = "token_invalid"
    default_detail = _("This link is invalid or has already been used.")


class TokenExpired(BadRequest):
    code = "token_expired"
    default_detail = _("This link has expired; ask for a new one.")


class Invalid(DomainError):
    """Input that breaks a rule; `fields` maps field names to messages (HTTP 400)."""

    code = "invalid"
    # The same words as DRF's validation errors get (core.api.exceptions): one detail per code.
    default_detail = _("Some fields are invalid.")

    def __init__(self, fields: dict[str, list[str]], detail: str | None = None) -> None:
        self.fields = fields
        super().__init__(detail)
