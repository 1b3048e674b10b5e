"""The outbox through the real broker: a Celery worker on Redis retries an email the mail server
refused, and sends it exactly once. (In-process tests run Celery eagerly; this one does not.)"""

import os
import socketserver
import sys
import threading
import time
from pathlib import Path

import pytest
from celery import current_app
from django.db import transaction

from core.models import OutboundEmail
from core.outbox import queue_email
from hothour.tests.live_stack import stack_environment
from hothour.tests.processes import Processes, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class FlakyMailServer(socketserver.ThreadingTCPServer):
    """A minimal SMTP server that turns the first connection away (421) and accepts the rest."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FlakySMTPHandler)
        self.connections = 0
        self.messages: list[str] = []
        self.lock = threading.Lock()


class FlakySMTPHandler(socketserver.StreamRequestHandler):
    server: FlakyMailServer

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        with self.server.lock:
            self.server.connections += 1
            first = self.server.connections == 1
        if first:
            self.reply("421 busy, try again later")
            return
        self.reply("220 flaky.test ready")
        while line := self.rfile.readline().decode().strip():
            verb = line.split(" ", 1)[0].upper()
            if verb == "DATA":
                self.reply("354 go ahead")
                body = []
                while (data := self.rfile.readline().decode()) not in (".\r\n", ""):
                    body.append(data)
                with self.server.lock:
                    self.server.messages.append("".join(body))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def mail_server():
    server = FlakyMailServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def worker(mail_server, tmp_path):
    env = stack_environment(
        CHANNEL_LAYER_PREFIX=f"outbox-{os.getpid()}",
        EMAIL_URL=f"smtp://127.0.0.1:{mail_server.server_address[1]}",
        HOTHOUR_EMAIL_RETRY_BACKOFF_SECONDS="1",
        DB_POOL_MAX_SIZE="2",
    )
    celery = [str(Path(sys.executable).parent / "celery"), "-A", "hothour", "worker", "--pool", "solo"]
    with Processes(tmp_path) as processes:
        processes.start(
            "worker", [*celery, "--loglevel", "info", "--hostname", f"outbox-{free_port()}@test"], env
        )
        yield processes


@pytest.fixture
def through_the_broker(settings):
    """This process publishes tasks to the real broker instead of running them inline."""
    # Read before the Django setting changes: Celery loads its configuration from it lazily.
    eager = current_app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False
    current_app.conf.task_always_eager = False
    yield
    current_app.conf.task_always_eager = eager


def test_an_email_the_mail_server_refused_is_retried_through_the_broker_and_sent_once(
    worker, mail_server, through_the_broker
):

    # when an email is queued with the change it tells about
    with transaction.atomic():
        queue_email(
            template="verify_email",
            to="retry@example.com",
            context={"name": "Retry", "link": "http://localhost/verify-email?token=t"},
            language="en",
        )
    email = OutboundEmail.objects.get(to="retry@example.com")

    # then the worker's first attempt is turned away, the retry (via the broker) delivers it
    deadline = time.monotonic() + 45
    sent = OutboundEmail.objects.filter(pk=email.pk, sent_at__isnull=False)
    while time.monotonic() < deadline and not sent.exists():
        assert worker.running["worker"].poll() is None, "the Celery worker exited:\n" + worker.log("worker")
        time.sleep(0.3)
    email.refresh_from_db()
    assert email.sent_at is not None, f"not sent; attempts={email.attempts}, error={email.last_error!r}"
    assert email.attempts == 2
    assert "421" in email.last_error
    # and exactly once, even though two attempts were made
    time.sleep(1.5)
    assert len(mail_server.messages) == 1
    assert "To: retry@example.com" in mail_server.messages[0]
    assert mail_server.connections == 2
