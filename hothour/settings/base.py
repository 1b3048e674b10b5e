"""Settings read from the environment; with no environment at all this is the embedded default.

Embedded default: SQLite, in-memory channel layer, console email, eager Celery.
Set DATABASE_URL / REDIS_URL to get PostgreSQL, channels-redis and Celery on Redis.
"""

import contextlib
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import environ
from kombu import Queue

from core import error_reports
from core.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# Development-only fallback; `production` refuses to start without a real one.
INSECURE_DEV_SECRET_KEY = "django-insecure-hothour-embedded-default-do-not-deploy"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Who gets Django's error emails: "Ops <ops@example.com>,oncall@example.com".
ADMINS = [parseaddr(entry) for entry in env.list("ADMINS", default=[])]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    # Listed for its translations (its token errors in Turkish); the blacklist app for revocation.
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "channels",
    "axes",
    "core",
    "accounts",
    "auctions",
    "reservations",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Sessions, their user and flash messages serve the admin; the token API skips them.
    "core.middleware.BrowserSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "core.middleware.BrowserAuthenticationMiddleware",
    "core.middleware.BrowserMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "hothour.urls"
ASGI_APPLICATION = "hothour.asgi.application"
WSGI_APPLICATION = "hothour.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
_PREPARE_THRESHOLD = env.str("DB_PREPARE_THRESHOLD", default="5")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every request may run in its own thread: a bounded pool keeps a flash sale of
    # hundreds of concurrent grabs from exhausting PostgreSQL's max_connections.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "pool": {
                "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
                "max_size": env.int("DB_POOL_MAX_SIZE", default=20),
                # How long a request waits for a free connection before answering 503.
                "timeout": env.float("DB_POOL_TIMEOUT", default=5.0),
            },
            # A database that is down is reported in seconds, not after TCP's own timeout.
            "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=3),
            # Parameters bound by the server, so psycopg prepares a statement run 5 times on one
            # connection and PostgreSQL plans it once (the grab's statements run many times).
            # Behind PgBouncer in transaction mode (Debian's 1.18 keeps no prepared statements
            # across transactions) set DB_PREPARE_THRESHOLD=none: statements stay server-bound
            # but unnamed; or DB_SERVER_SIDE_BINDING=false to bind on the client.
            "server_side_binding": env.bool("DB_SERVER_SIDE_BINDING", default=True),
            "prepare_threshold": None if _PREPARE_THRESHOLD.lower() == "none" else int(_PREPARE_THRESHOLD),
        }
    )
    # The pool checks a connection before handing it out: after a PostgreSQL restart the stale
    # ones are replaced instead of each failing one request with a 503 (hothour/tests/test_faults.py).
    # core's backend is Django's, its check polling the socket rather than asking the server.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["ENGINE"] = "core.db.backends.postgresql"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded run has two writers (server and ticker): wait for the file lock, don't fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

# "pubsub" publishes a group message once and lets each process fan it out to its sockets;
# "core" queues a copy per socket in Redis. The fan-out benchmark (bench/) chose pubsub.
CHANNEL_LAYER_KIND = env.str("CHANNEL_LAYER_KIND", default="pubsub")
# Messages a channel may queue before group sends to it are dropped (Channels' default is 100).
FANOUT_CAPACITY = 10_000
CHANNEL_LAYER_BACKENDS = {
    "pubsub": "core.realtime.layers.PubSubChannelLayer",  # Channels' pub/sub layer, pipelined
    "core": "channels_redis.core.RedisChannelLayer",
}
# The channel layer sharded over several Redis servers (scale-out): each group and channel lives
# on one of them, chosen by its name. Celery, the cache and the throttles stay on REDIS_URL.
CHANNEL_LAYER_REDIS_URLS = env.list("CHANNEL_LAYER_REDIS_URLS", default=[REDIS_URL] if REDIS_URL else [])
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER_KIND],
            # redis-py's default 5 s socket timeout would cut idle subscriptions and blocking reads.
            "CONFIG": {
                "hosts": [{"address": url, "socket_timeout": None} for url in CHANNEL_LAYER_REDIS_URLS],
                # Pub/sub channel names are shared by every database of a Redis server.
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="hothour"),
                # The core layer queues per channel, and one channel per process takes every
                # broadcast (core.realtime.fanout): room for a whole tick's burst. Pub/sub has no cap.
                **({"capacity": FANOUT_CAPACITY} if CHANNEL_LAYER_KIND == "core" else {}),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": FANOUT_CAPACITY},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin login brute-force protection (django-axes); the API has its own DRF throttles.
AXES_ONLY_ADMIN_SITE = True
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The same client address as the API throttles: without it axes saw the proxy's address, and five
# wrong passwords from anyone locked a manager out for everybody.
AXES_CLIENT_IP_CALLABLE = "core.api.client_address.client_address"
# Which hops in front of us may tell the client's address (X-Forwarded-For): the proxies at these
# addresses or networks, or else the last NUM_PROXIES hops (core.api.client_address).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# No "AXES: BEGIN ..." line at the start of every process and management command.
AXES_VERBOSE = False
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 3)

LANGUAGE_CODE = "tr"
LANGUAGES = [("tr", "Türkçe"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as Turkish people type and read them (07.12.2026), on every form and page.
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Istanbul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# The embedded default serves static files straight from the apps; production collects them.
WHITENOISE_USE_FINDERS = True
# WhiteNoise warns at every start when the collected folder is missing; the embedded default
# collects nothing, so it gets the empty folder (a read-only disk just keeps the warning).
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The customer app's build (frontend/, `npm run build`): core.spa answers index.html for its routes;
# WhiteNoise serves the rest (/assets/*, hashed by Vite, with the .gz the build writes beside them).
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
if FRONTEND_DIST.is_dir():  # scanned once at start; the run command builds before serving
    WHITENOISE_ROOT = FRONTEND_DIST
# Cached for a year: Vite's hashed assets (/assets/name-hash8.ext) and hashed static files.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/assets/.+-[A-Za-z0-9_-]{8}\.\w+$|^/static/.+\.[0-9a-f]{12}\.\w+$"

# EMAIL_URL like smtp+tls://user:password@mail.example.com:587 (django-environ's form). Unset, each
# email goes to a file in EMAIL_FILE_PATH and the log says one line about it (core.mail).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_CONFIG = (
    env.email_url("EMAIL_URL")
    if env.str("EMAIL_URL", default="")
    else {"EMAIL_BACKEND": "core.mail.FolderBackend", "EMAIL_FILE_PATH": EMAIL_FILE_PATH}
)
# A file-based EMAIL_URL names its own folder, which then replaces EMAIL_FILE_PATH.
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="HotHour <no-reply@hothour.local>")
# Links in emails point at the customer app, which posts the token back to the API. By default
# the app is served by this server itself (core.spa), where the run command listens.
FRONTEND_URL = env.str("FRONTEND_URL", default="http://127.0.0.1:8000")

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=["http://localhost:5173"])
CORS_ALLOW_CREDENTIALS = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, refusing access tokens older than the user's last logout.
        "accounts.api.authentication.RevocableJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.negotiation.CommonAcceptNegotiation",
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    # Per user or (account email, client address) pair; the "_ip" rates apply per client address
    # (shared by offices and mobile carriers, hence higher); the "_email" rates are ceilings per
    # account email over all addresses it has not signed in from (core.api.throttles).
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("THROTTLE_LOGIN", default="10/min"),
        "login_ip": env.str("THROTTLE_LOGIN_IP", default="30/min"),
        "login_email": env.str("THROTTLE_LOGIN_EMAIL", default="100/hour"),
        "refresh": env.str("THROTTLE_REFRESH", default="60/min"),
        "register": env.str("THROTTLE_REGISTER", default="5/min"),
        "verification": env.str("THROTTLE_VERIFICATION", default="5/min"),
        "verification_ip": env.str("THROTTLE_VERIFICATION_IP", default="20/min"),
        "verification_email": env.str("THROTTLE_VERIFICATION_EMAIL", default="10/hour"),
        "password_reset": env.str("THROTTLE_PASSWORD_RESET", default="5/min"),
        "password_reset_ip": env.str("THROTTLE_PASSWORD_RESET_IP", default="20/min"),
        "password_reset_email": env.str("THROTTLE_PASSWORD_RESET_EMAIL", default="10/hour"),
        # Where the current password is checked (password change, account deletion) or a phone
        # number is tried (profile): like login, per user and per address.
        "credentials": env.str("THROTTLE_CREDENTIALS", default="10/min"),
        "credentials_ip": env.str("THROTTLE_CREDENTIALS_IP", default="30/min"),
        "grab": env.str("THROTTLE_GRAB", default="30/min"),
        # A safety net, not a limit a crowd can meet: a gym's Wi-Fi or a carrier's NAT puts
        # hundreds of customers on one address, each held to the per-user rate above.
        "grab_ip": env.str("THROTTLE_GRAB_IP", default="6000/min"),
    },
}
# Largest JSON body the API reads; anything bigger is refused with 413 before parsing.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=10)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # Tokens carry a digest of the password hash: changing the password revokes them all.
    "CHECK_REVOKE_TOKEN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "TOKEN_OBTAIN_SERIALIZER": "accounts.api.serializers.LoginSerializer",
    "TOKEN_REFRESH_SERIALIZER": "accounts.api.serializers.RefreshSerializer",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "HotHour API",
    "DESCRIPTION": "Last-minute class spots sold by descending-price auctions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AuctionStatusEnum": "auctions.models.AuctionStatus",
        "ReservationStatusEnum": "reservations.models.ReservationStatus",
    },
}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# Queuing a task after commit must not hold a request when Redis is down: no publish retries,
# the email waits in the outbox (core.OutboundEmail) and beat's flush_outbox sends it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
# The tick has a queue of its own, served by its own worker in production: a flood of emails or a
# slow mail server cannot delay a price step. A plain `celery worker` consumes both queues.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("tick"))
CELERY_TASK_ROUTES = {
    "auctions.tasks.tick": {"queue": "tick"},
    "auctions.tasks.step": {"queue": "tick"},  # the on-time steps (DESIGN section 2)
}
# Every task has limits (each task may set tighter ones): a stuck one is stopped, not left to
# hold a worker. The soft limit raises inside the task first, so it can stop cleanly.
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
# Our JSON log lines (LOGGING below), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
HOTHOUR_TICK_SECONDS = env.float("HOTHOUR_TICK_SECONDS", default=1.0)
# Each sweep gives the changes due this soon a Celery task with their instant as ETA (DESIGN
# section 2); kept far below the broker's visibility timeout (an hour), past which Redis would
# deliver a waiting ETA task a second time.
HOTHOUR_ON_TIME_HORIZON_SECONDS = env.float("HOTHOUR_ON_TIME_HORIZON_SECONDS", default=10.0)
# Without Redis there is no Celery beat: the ASGI server ticks in-process (hothour.asgi).
HOTHOUR_IN_PROCESS_TICKER = env.bool("HOTHOUR_IN_PROCESS_TICKER", default=not REDIS_URL)
CELERY_BEAT_SCHEDULE = {
    "auctions-tick": {
        "task": "auctions.tasks.tick",
        "schedule": HOTHOUR_TICK_SECONDS,
        # A tick that could not start in time is dropped, not queued: the next one does its work.
        "options": {"expires": HOTHOUR_TICK_SECONDS},
    },
    "reservations-no-shows": {"task": "reservations.tasks.mark_no_shows", "schedule": 60.0},
    "reservations-reminders": {"task": "reservations.tasks.send_reminders", "schedule": 300.0},
    "emails-outbox": {"task": "core.outbox.flush_outbox", "schedule": 60.0},
    "emails-outbox-purge": {"task": "core.outbox.purge_outbox", "schedule": 3600.0},
    "accounts-suspended-identities": {
        "task": "accounts.tasks.purge_suspended_identities",
        "schedule": 3600.0,
    },
}

HOTHOUR_CURRENCY = env.str("HOTHOUR_CURRENCY", default="TRY")
HOTHOUR_MAX_LIVE_RESERVATIONS = env.int("HOTHOUR_MAX_LIVE_RESERVATIONS", default=3)
HOTHOUR_MAX_WATCHES = env.int("HOTHOUR_MAX_WATCHES", default=20)
HOTHOUR_CANCEL_CUTOFF_MINUTES = env.int("HOTHOUR_CANCEL_CUTOFF_MINUTES", default=120)
# The front desk may undo a check-in (a wrong code taken) for this long after making it.
HOTHOUR_CHECKIN_UNDO_MINUTES = env.int("HOTHOUR_CHECKIN_UNDO_MINUTES", default=5)
HOTHOUR_NO_SHOW_GRACE_MINUTES = env.int("HOTHOUR_NO_SHOW_GRACE_MINUTES", default=30)
HOTHOUR_NO_SHOW_LIMIT = env.int("HOTHOUR_NO_SHOW_LIMIT", default=3)
HOTHOUR_REMINDER_MINUTES = env.int("HOTHOUR_REMINDER_MINUTES", default=180)
# Classes have no end time of their own; calendars show them this long.
HOTHOUR_CLASS_MINUTES = env.int("HOTHOUR_CLASS_MINUTES", default=60)
HOTHOUR_DEFAULT_PHONE_REGION = env.str("HOTHOUR_DEFAULT_PHONE_REGION", default="TR")
HOTHOUR_EMAIL_VERIFICATION_MAX_AGE = timedelta(days=3)
# An email the mail server refused is retried after up to this many seconds, doubling each time.
HOTHOUR_EMAIL_RETRY_BACKOFF_SECONDS = env.int("HOTHOUR_EMAIL_RETRY_BACKOFF_SECONDS", default=30)
# Whether `seed_demo` may run: demo accounts share a published password (production: never).
HOTHOUR_DEMO_DATA = env.bool("HOTHOUR_DEMO_DATA", default=True)
# Sent emails (their secrets stripped once sent) and ones given up on are deleted after this.
HOTHOUR_OUTBOX_RETENTION_DAYS = env.int("HOTHOUR_OUTBOX_RETENTION_DAYS", default=30)

# One line per record, carrying the request id (core.logs): JSON for machines (LOG_FORMAT=json,
# production's default) or plain text for a developer's terminal.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = logging_config(level=env.str("LOG_LEVEL", default="INFO"), json=LOG_FORMAT == "json")

# GET /metrics (core.api.metrics): loopback, these addresses or networks, or this bearer token.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Error reports to a Sentry-protocol server, only when a DSN is given (core.error_reports).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    error_reports.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("SENTRY_RELEASE", default="") or None,
    )
