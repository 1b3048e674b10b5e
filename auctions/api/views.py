"""Public auction endpoints: anyone may browse published auctions."""

from typing import Any

from django.utils import timezone
from rest_framework import generics

from auctions import selectors

from .filters import AuctionFilter
from .serializers import AuctionDetailSerializer, AuctionSerializer


class AuctionListView(generics.ListAPIView):
    serializer_class = AuctionSerializer
    filterset_class = AuctionFilter
    ordering_fields = ["end_time", "current_price", "scheduled_at", "start_time"]
    ordering = ["end_time", "id"]

    def get_queryset(self) -> Any:
        return selectors.published_auctions()

    def get_serializer_context(self) -> dict[str, Any]:
        # One instant for the whole page, so every row is priced at the same moment.
        return {**super().get_serializer_context(), "now": timezone.now()}


class AuctionDetailView(generics.RetrieveAPIView):
    serializer_class = AuctionDetailSerializer

    def get_queryset(self) -> Any:
        return selectors.published_auctions()
