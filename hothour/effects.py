"""Side effects that leave the database (email, channel layer, Celery) run after commit, here.

A failing effect is logged and swallowed: the transaction that asked for it has
already committed, and a mail server or broker being down must never fail a request.
"""

import logging
from collections.abc import Callable
from typing import ParamSpec

from django.db import transaction

logger = logging.getLogger(__name__)

P = ParamSpec("P")


def on_commit(func: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
    def run() -> None:
        try:
            func(*args, **kwargs)
        except Exception:
            logger.exception("after-commit effect %s failed", getattr(func, "__qualname__", func))

    transaction.on_commit(run)
