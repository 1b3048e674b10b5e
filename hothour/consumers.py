"""What every HotHour WebSocket shares: the message envelope, ping/pong, bad frames, unknown paths."""

import json
import logging
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

logger = logging.getLogger(__name__)

MAX_CLIENT_FRAME = 4096
CLOSE_NOT_FOUND = 4404
CLOSE_UNAUTHORIZED = 4401
CLOSE_TRY_AGAIN_LATER = 1013


class HotHourConsumer(AsyncWebsocketConsumer):
    """Server messages are `{"event", "data", "server_time"}`; clients may only `ping`."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        # A broadcast touches no database: skip Channels' per-message hop to a thread to close old
        # connections, which costs as much as the send itself with thousands of sockets
        # (bench/fanout_bench.py: p99 to the last of 2,000 clients about halved).
        if message.get("type") == "broadcast":
            await self.broadcast(message)
            return
        await super().dispatch(message)

    async def send_event(self, event: str, data: Any, server_time: str | None = None) -> None:
        message = {"event": event, "data": data, "server_time": server_time or timezone.now().isoformat()}
        await self.send(text_data=json.dumps(message))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        raw = text_data if text_data is not None else bytes_data or b""
        if len(raw) > MAX_CLIENT_FRAME:
            await self.send_error("frame_too_large", f"Frames are limited to {MAX_CLIENT_FRAME} bytes.")
            return
        try:
            message = json.loads(raw)
        except ValueError:
            await self.send_error("invalid_json", "Send JSON text frames.")
            return
        if not isinstance(message, dict) or message.get("event") != "ping":
            await self.send_error("unknown_event", 'The only client event is {"event": "ping"}.')
            return
        await self.send_event("pong", {})

    async def join(self, group: str) -> bool:
        """Subscribe to `group`; if the channel layer (Redis) is down, close with 1013 instead of
        failing the handshake with a 500. Clients reconnect and get a fresh snapshot."""
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except Exception as exc:
            logger.warning("channel layer unavailable, refusing a socket: %s", exc.__class__.__name__)
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
            return False
        self.group = group
        return True

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            try:
                await self.channel_layer.group_discard(self.group, self.channel_name)
            except Exception as exc:
                logger.warning("channel layer unavailable on disconnect: %s", exc.__class__.__name__)

    async def send_error(self, code: str, detail: str) -> None:
        await self.send_event("error", {"code": code, "detail": detail})

    async def broadcast(self, message: dict[str, Any]) -> None:
        """A group message from `auctions.events`: the frame is already serialised."""
        await self.send(text_data=message["text"])


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Any path without a route: accept, then close with 4404 so the client learns why."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)
