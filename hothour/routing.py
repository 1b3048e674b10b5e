"""WebSocket URL routes; anything else is accepted and closed with 4404."""

from django.urls import path, re_path

from auctions.consumers import AuctionsConsumer
from core.realtime.consumers import NotFoundConsumer
from reservations.consumers import MeConsumer

websocket_urlpatterns = [
    path("ws/auctions/", AuctionsConsumer.as_asgi()),
    path("ws/auctions/<int:auction_id>/", AuctionsConsumer.as_asgi()),
    path("ws/me/", MeConsumer.as_asgi()),
    re_path(r"", NotFoundConsumer.as_asgi()),
]
