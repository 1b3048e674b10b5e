"""What every HotHour WebSocket shares: the message envelope, ping/pong, bad frames, unknown paths."""

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django.utils.translation.trans_real import parse_accept_lang_header

from core.metrics import WEBSOCKETS_OPEN
from core.realtime.fanout import local_groups

logger = logging.getLogger(__name__)

MAX_CLIENT_FRAME = 4096
CLOSE_NOT_FOUND = 4404
CLOSE_UNAUTHORIZED = 4401
CLOSE_TRY_AGAIN_LATER = 1013


class HotHourConsumer(AsyncWebsocketConsumer):
    """Server messages are `{"event", "data", "server_time"}`; clients may only `ping`.

    Broadcasts come through this process's `core.realtime.fanout.LocalGroups`, not the socket's own
    channel; they are held back until the socket has sent its snapshot (`send_snapshot`).
    """

    held: list[str] | None = None

    async def send_event(self, event: str, data: Any, server_time: str | None = None) -> None:
        message = {"event": event, "data": data, "server_time": server_time or timezone.now().isoformat()}
        await self.send(text_data=json.dumps(message))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        raw = text_data if text_data is not None else bytes_data or b""
        if len(raw) > MAX_CLIENT_FRAME:
            await self.send_error(
                "frame_too_large",
                gettext_lazy("Frames are limited to %(bytes)s bytes."),
                bytes=MAX_CLIENT_FRAME,
            )
            return
        try:
            message = json.loads(raw)
        except ValueError:
            await self.send_error("invalid_json", gettext_lazy("Send JSON text frames."))
            return
        if not isinstance(message, dict) or message.get("event") != "ping":
            await self.send_error(
                "unknown_event", gettext_lazy('The only client event is {"event": "ping"}.')
            )
            return
        await self.send_event("pong", {})

    async def join(self, group: str) -> bool:
        """Subscribe to `group`; if the channel layer (Redis) is down, close with 1013 instead of
        failing the handshake with a 500. Clients reconnect and get a fresh snapshot."""
        self.held = []
        try:
            await local_groups(self.channel_layer).join(group, self)
        except Exception as exc:
            logger.warning("channel layer unavailable, refusing a socket: %s", exc.__class__.__name__)
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
            return False
        self.group = group
        WEBSOCKETS_OPEN.inc()
        return True

    async def send_snapshot(self, data: Any) -> None:
        """The first frame; then the broadcasts that arrived meanwhile, then the live ones."""
        await self.send_event("snapshot", data)
        while self.held:
            await self.send(text_data=self.held.pop(0))
        self.held = None

    async def deliver(self, text: str) -> None:
        """A broadcast frame from `auctions.events`, already serialised."""
        if self.held is not None:
            self.held.append(text)
            return
        await self.send(text_data=text)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            WEBSOCKETS_OPEN.dec()
            try:
                await local_groups(self.channel_layer).leave(self.group, self)
            except Exception as exc:
                logger.warning("channel layer unavailable on disconnect: %s", exc.__class__.__name__)

    async def send_error(self, code: str, detail: Any, **values: object) -> None:
        """`detail` (lazy, with `%(name)s` for `values`) in the language the client asked for."""
        with translation.override(self.language()):
            text = str(detail) % values if values else str(detail)
        await self.send_event("error", {"code": code, "detail": text})

    def language(self) -> str:
        """`?lang=en`, else the handshake's Accept-Language, else the site's default (Turkish)."""
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        headers = dict(self.scope.get("headers", []))
        for wanted in (*query.get("lang", []), headers.get(b"accept-language", b"").decode("latin-1")):
            for code, _quality in parse_accept_lang_header(wanted):
                try:
                    return translation.get_supported_language_variant(code)
                except LookupError:
                    continue
        return settings.LANGUAGE_CODE


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Any path without a route: accept, then close with 4404 so the client learns why."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)
