"""Error reports to a Sentry-protocol server (Sentry, GlitchTip), on only when SENTRY_DSN is set.

Nothing personal leaves: no user, cookies, headers, bodies or query strings; what remains of a
message or an exception's text is passed through the logs' masks (`core.logs.redact`).
"""

from typing import Any

from core.logs import redact

# Request parts that may carry tokens, emails or passwords.
_REQUEST_KEEP = ("method", "url")


def scrub(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """`before_send`: the event without personal data."""
    event.pop("user", None)
    event.pop("server_name", None)
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {key: request[key] for key in _REQUEST_KEEP if key in request}
        if "url" in event["request"]:
            event["request"]["url"] = str(event["request"]["url"]).split("?", 1)[0]
    return _masked(event)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items() if key != "vars"}  # no frame locals
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def init(*, dsn: str, environment: str, release: str | None = None) -> None:
    import sentry_sdk  # only where reports are on
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub,  # type: ignore[arg-type]
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=0.0,
    )
