"""ASGI entry point: HTTP goes to Django, WebSockets to the Channels routes."""

import asyncio
import gc
import os
from typing import Any

from django.core.asgi import get_asgi_application

# Production unless told otherwise: a server started without it must not run the development
# settings (console email, demo secret key). The run and test commands set their own.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hothour.settings.production")

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from auctions import ticker  # noqa: E402
from core.realtime.broadcast import broadcaster  # noqa: E402
from hothour.routing import websocket_urlpatterns  # noqa: E402

# Like AllowedHostsOriginValidator, plus the SPA's own origins (CORS_ALLOWED_ORIGINS), which
# need not be hosts this server answers to. A handshake from anywhere else is refused.
websocket_origins = [*settings.ALLOWED_HOSTS, *settings.CORS_ALLOWED_ORIGINS]


class EmbeddedMode:
    """With the in-memory channel layer everything live happens in this one process and loop:
    broadcasts are delivered on it, and (unless told otherwise) the ticker runs on it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.started = False
        self.ticking: asyncio.Task[None] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        if not self.started:
            self.started = True
            loop = asyncio.get_running_loop()
            broadcaster.adopt_loop(loop)
            if settings.HOTHOUR_IN_PROCESS_TICKER:
                self.ticking = loop.create_task(ticker.run_forever(settings.HOTHOUR_TICK_SECONDS))
        return await self.app(scope, receive, send)


application: Any = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginValidator(URLRouter(websocket_urlpatterns), websocket_origins),
    }
)
if not settings.REDIS_URL:
    application = EmbeddedMode(application)

# Everything loaded so far lives as long as the process: keep it out of the cyclic collector's
# full passes, which otherwise walk all of Django on top of every open socket's objects.
gc.freeze()
