"""WebSocket URL routes (the consumers live in their apps)."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
