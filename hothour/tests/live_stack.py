"""Real processes and a real browser for end-to-end tests, shared by every app's tests.

`running_stack` starts daphne, a Celery worker and Celery beat on the test database and Redis;
`chromium` launches Debian's chromium through Playwright (never a downloaded browser).
Registered as a pytest plugin by the root conftest.py.
"""

import os
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from hothour.tests.processes import Processes, free_port, wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def stack_environment(**overrides: str) -> dict[str, str]:
    """The environment of the real processes: this test run's database and Redis, production settings
    module (base), its own channel-layer prefix."""
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hothour.settings.base",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CHANNEL_LAYER_PREFIX": f"e2e-{os.getpid()}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_MAX_SIZE": "4",
        **overrides,
    }


@dataclass
class Stack:
    port: int
    log_dir: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def running_stack(log_dir: Path, **env: str) -> Iterator[Stack]:
    """daphne (HTTP + WebSockets), a Celery worker and beat until the block ends; their logs'
    tails go to stderr afterwards. `env` overrides `stack_environment`'s values."""
    port = free_port()
    environment = stack_environment(**{"FRONTEND_URL": f"http://127.0.0.1:{port}", **env})
    stack = Stack(port=port, log_dir=log_dir)
    bin_dir = Path(sys.executable).parent
    commands = {
        "daphne": [str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", str(port), "hothour.asgi:application"],
        "worker": [
            str(bin_dir / "celery"), "-A", "hothour", "worker", "--pool", "solo", "--loglevel", "warning",
        ],
        "beat": [
            str(bin_dir / "celery"), "-A", "hothour", "beat", "--loglevel", "warning",
            "--schedule", str(log_dir / "beat-schedule"),
        ],
    }  # fmt: skip
    with Processes(log_dir) as processes:
        for name, command in commands.items():
            processes.start(name, command, environment)
        try:
            health = f"{stack.url}/api/v1/health/"
            wait_until(lambda: urllib.request.urlopen(health, timeout=2).status == 200, 30, "daphne")
            yield stack
        finally:
            for name in commands:
                sys.stderr.write(f"--- {name} log ---\n{processes.log(name)[-3000:]}\n")


@pytest.fixture
def chromium():
    """A launched chromium (Playwright's sync API); contexts and pages are the test's own."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the test command installs Debian's chromium package")
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
