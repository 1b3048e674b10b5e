"""Test settings: the real services (PostgreSQL and Redis on this machine unless told otherwise)."""

import os

# Each pytest-xdist worker gets its own Redis database, so flushing one never touches another.
_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hothour")
_per_process = {
    "REDIS_URL": f"redis://127.0.0.1:6379/{1 + _worker % 15}",
    # Redis pub/sub ignores database numbers: give this test process channel names of its own.
    "CHANNEL_LAYER_PREFIX": f"test-{os.getpid()}",
}
_defaulted = [name for name in _per_process if name not in os.environ]
os.environ.update({name: _per_process[name] for name in _defaulted})

from .base import *  # noqa: E402, F403

# Out of the environment again: the xdist controller loads these settings too, and its workers
# inherit its environment (they all shared one Redis database and flushed each other's counters).
for _name in _defaulted:
    del os.environ[_name]

# Argon2 is deliberately slow; the tests create hundreds of users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
# Static files are served from the apps' folders in tests; no collected directory exists.
STATIC_ROOT = None
