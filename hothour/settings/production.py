"""Production settings: fail fast on anything missing, secure transport and cookies."""

import os

from django.core.exceptions import ImproperlyConfigured

for required in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"):
    if not os.environ.get(required):
        raise ImproperlyConfigured(f"The environment variable {required} must be set in production.")

from .base import *  # noqa: E402, F403
from .base import EMAIL_CONFIG, INSECURE_DEV_SECRET_KEY, SECRET_KEY, env, logging_config  # noqa: E402

if SECRET_KEY == INSECURE_DEV_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be a real secret of at least 50 characters.")
# The console backend prints every email (reset links, tokens, booking codes) into the logs; the
# embedded default's folder (EMAIL_URL unset) writes them to disk.
LOCAL_EMAIL_BACKENDS = ("django.core.mail.backends.console.EmailBackend", "core.mail.FolderBackend")
if EMAIL_CONFIG["EMAIL_BACKEND"] in LOCAL_EMAIL_BACKENDS and not env.bool(
    "EMAIL_ALLOW_CONSOLE", default=False
):
    raise ImproperlyConfigured(
        "EMAIL_URL must name a mail server in production (e.g. smtp+tls://user:pass@host:587); "
        "the console backend would print reset links and tokens to the logs. "
        "Set EMAIL_ALLOW_CONSOLE=true to allow it anyway."
    )
# `seed_demo` makes accounts with a published password.
HOTHOUR_DEMO_DATA = False

DEBUG = False
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# JSON lines for the log collector.
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = logging_config(level=env.str("LOG_LEVEL", default="INFO"), json=LOG_FORMAT == "json")

# TLS ends at the proxy in front (deploy/nginx.conf passes an outer terminator's
# X-Forwarded-Proto through): a request it received over https is secure here.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes speak plain HTTP from inside the network (container healthchecks, Prometheus): answering
# them with a redirect to https would fail every probe.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
