"""Side effects that leave the database (email, channel layer, Celery) run after commit, here.

A failing effect is logged and swallowed: the transaction that asked for it has
already committed, and a mail server or broker being down must never fail a request.
"""

import contextvars
import functools
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec

from django.db import transaction

logger = logging.getLogger(__name__)

P = ParamSpec("P")

_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None
_executor_lock = threading.Lock()


def on_commit(func: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
    """Run `func` once the current transaction commits, in this thread."""

    def run() -> None:
        _run_logged(func, *args, **kwargs)

    transaction.on_commit(run)


def on_commit_in_background(func: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
    """Like `on_commit`, but the request does not wait for it: for calls to another service whose
    failure is already covered (a Celery publish whose email also sits in the outbox)."""

    call = functools.partial(func, *args, **kwargs)

    def run() -> None:
        # In the caller's context (its request id): a pool thread has none of its own.
        context = contextvars.copy_context()
        _background().submit(lambda: context.run(_run_logged, call))

    transaction.on_commit(run)


def _run_logged(func: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
    try:
        func(*args, **kwargs)
    except Exception:
        logger.exception("after-commit effect %s failed", getattr(func, "__qualname__", func))


def _background() -> ThreadPoolExecutor:
    global _executor, _executor_pid
    with _executor_lock:
        # A forked worker (gunicorn, Celery prefork) inherits no thread: it needs its own.
        if _executor is None or _executor_pid != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="after-commit")
            _executor_pid = os.getpid()
        return _executor
