"""ASGI entry point: HTTP goes to Django, WebSockets to the Channels routes."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hothour.settings.base")

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from hothour.routing import websocket_urlpatterns  # noqa: E402

# Like AllowedHostsOriginValidator, plus the SPA's own origins (CORS_ALLOWED_ORIGINS), which
# need not be hosts this server answers to. A handshake from anywhere else is refused.
websocket_origins = [*settings.ALLOWED_HOSTS, *settings.CORS_ALLOWED_ORIGINS]
if settings.DEBUG and not settings.ALLOWED_HOSTS:
    websocket_origins += [".localhost", "127.0.0.1", "[::1]"]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginValidator(URLRouter(websocket_urlpatterns), websocket_origins),
    }
)
