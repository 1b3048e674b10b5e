"""Log lines an operator can follow: JSON, each carrying the id of the request (or task) behind it.

The id lives in a context variable: `core.middleware.RequestIdMiddleware` sets it for a request,
Celery carries it in the headers of the tasks that request queues (`carry_to_task` /
`adopt_in_task`), and broadcasts carry it to the fan-out that writes the frames. Imports no
Django, so gunicorn's config file can use `logging_config` before Django is set up.

Personal data and secrets are kept out where they are logged (ids, never addresses); what slips
through anyway (an exception's text) is masked by `redact` before a line is written.
"""

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# "name[id]" of the Celery task running in this context.
task_label: ContextVar[str | None] = ContextVar("task_label", default=None)

# What a proxy may hand us as X-Request-ID (nginx's $request_id is 32 hex digits).
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
CELERY_HEADER = "hothour_request_id"

_MASKS = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "<email>"),
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+"), "<jwt>"),
    (re.compile(r"\bHOT-[A-Z0-9]{6}\b"), "<booking-code>"),
    (re.compile(r"\+\d[\d ()-]{8,}\d"), "<phone>"),
]


def accept_request_id(offered: str | None) -> str:
    """The proxy's id when it looks like one (so nginx's lines and ours share it), else a new one."""
    if offered and _ACCEPTABLE_ID.match(offered):
        return offered
    return uuid.uuid4().hex


def redact(text: str) -> str:
    for pattern, mask in _MASKS:
        text = pattern.sub(mask, text)
    return text


class ContextFilter(logging.Filter):
    """Adds `request_id` and `task` to every record (None outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        if getattr(record, "task", None) is None:
            record.task = task_label.get()
        return True


class GunicornAccessFilter(logging.Filter):
    """gunicorn's access line as fields: method, path (never the query string, where tokens
    travel), status, duration and the request id the app answered with. No client address."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args if isinstance(record.args, dict) else {}
        record.method = atoms.get("m")
        record.path = atoms.get("U")
        record.status = _int(atoms.get("s"))
        record.duration_ms = round(_int(atoms.get("D")) / 1000, 1)
        record.request_id = atoms.get("{x-request-id}o") or None
        record.msg, record.args = "request", ()
        return True


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


class HotHourJsonFormatter(JsonFormatter):
    """One JSON object per line; every string in it passed through `redact`."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: redact(value) if isinstance(value, str) else value for key, value in log_data.items()}


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task)s"
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(*, level: str = "INFO", json: bool = True) -> dict[str, Any]:
    """The `logging.config.dictConfig` of every process: Django's, Celery's and gunicorn's."""
    formatter: dict[str, Any] = (
        {
            "()": HotHourJsonFormatter,
            "fmt": JSON_FIELDS,
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
        if json
        else {"()": PlainFormatter, "fmt": PLAIN_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": formatter},
        "filters": {
            "context": {"()": ContextFilter},
            "gunicorn_access": {"()": GunicornAccessFilter},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["context"]},
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "filters": ["gunicorn_access", "context"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }


# Celery signal receivers, connected in CoreConfig.ready().
_task_tokens: dict[str, tuple[Any, Any]] = {}


def carry_to_task(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """before_task_publish: a task queued while serving a request carries the request's id."""
    current = request_id.get()
    if current and headers is not None:
        headers.setdefault(CELERY_HEADER, current)


def adopt_in_task(task_id: str = "", task: Any = None, **_: Any) -> None:
    """task_prerun: the task's lines carry the id it was queued with (or, run eagerly inside a
    request, the request's own) and the task's name and id."""
    context = getattr(task, "request", None)
    carried = getattr(context, CELERY_HEADER, None) or (getattr(context, "headers", None) or {}).get(
        CELERY_HEADER
    )
    previous_task = task_label.set(f"{getattr(task, 'name', '?')}[{task_id}]")
    previous_id = request_id.set(carried or request_id.get())
    _task_tokens[task_id] = (previous_id, previous_task)


def leave_task(task_id: str = "", **_: Any) -> None:
    """task_postrun: back to the context the task started in."""
    tokens = _task_tokens.pop(task_id, None)
    if tokens is not None:
        request_id.reset(tokens[0])
        task_label.reset(tokens[1])
