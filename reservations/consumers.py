"""`/ws/me/`: the signed-in customer's own events (bookings, reservation changes, notifications)."""

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone

from accounts.models import User
from accounts.ws_auth import TOKEN_SUBPROTOCOL, token_from_scope, user_for_token
from auctions import events
from core.realtime.consumers import CLOSE_UNAUTHORIZED, HotHourConsumer

from . import selectors
from .services import SESSION_REVOKED_FRAME, reservation_private_data


@database_sync_to_async
def _snapshot(user: User) -> dict[str, Any]:
    upcoming = selectors.reservations_of(user=user, when="upcoming", now=timezone.now())
    return {"reservations": [reservation_private_data(reservation) for reservation in upcoming[:50]]}


class MeConsumer(HotHourConsumer):
    async def connect(self) -> None:
        raw, as_subprotocol = token_from_scope(self.scope)
        found = await user_for_token(raw)
        await self.accept(subprotocol=TOKEN_SUBPROTOCOL if as_subprotocol else None)
        if found is None:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        user, expires_at = found
        if not await self.join(events.user_group(user.pk)):
            return
        await self.send_snapshot(await _snapshot(user))
        # The socket lives no longer than the token that opened it.
        self.expiry = asyncio.get_running_loop().call_later(
            max(0.0, (expires_at - timezone.now()).total_seconds()),
            lambda: asyncio.ensure_future(self.close(code=CLOSE_UNAUTHORIZED)),
        )

    async def deliver(self, text: str) -> None:
        if text.startswith(SESSION_REVOKED_FRAME):
            # Logout, a password change or reset, or deletion: the token that opened this is dead.
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        await super().deliver(text)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "expiry"):
            self.expiry.cancel()
        await super().disconnect(code)
