"""gunicorn's settings for the api service (`gunicorn -c deploy/gunicorn.conf.py hothour.wsgi`).

Workers from WEB_CONCURRENCY (set it to the machine's cores), two threads each: the grab is
CPU-bound Python and more threads per process only contend for its GIL (bench/README.md).
"""

import os

from core.logs import logging_config
from core.metrics import forget_process

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 30
graceful_timeout = 20
# Its default control socket is one path per OS user, shared by every gunicorn on the machine.
control_socket_disable = True

# Access lines through our JSON formatter (core.logs.GunicornAccessFilter picks the fields).
accesslog = "-"
logconfig_dict = logging_config(
    level=os.environ.get("LOG_LEVEL", "INFO"), json=os.environ.get("LOG_FORMAT", "json") == "json"
)


def on_starting(server: object) -> None:
    """Run Django's system checks once in the master: a missing static manifest or setting stops
    the start with its message instead of answering 500 at the first request."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("check", "--deploy", "--fail-level", "ERROR")


def child_exit(server: object, worker: object) -> None:
    """A worker's live gauges (sockets open) stop counting when it exits (prometheus multiprocess)."""
    forget_process(getattr(worker, "pid", None))
