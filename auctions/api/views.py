"""Public auction endpoints: anyone may browse published auctions."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics

from auctions import selectors
from core.api.schema import error_responses

from .filters import AuctionFilter
from .serializers import AuctionDetailSerializer, AuctionSerializer


@extend_schema_view(
    get=extend_schema(
        responses={
            200: AuctionSerializer,
            **error_responses(401, e400="A filter or `page_size` is invalid.", e404="No such page."),
        }
    )
)
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


@extend_schema_view(get=extend_schema(responses={200: AuctionDetailSerializer, **error_responses(401, 404)}))
class AuctionDetailView(generics.RetrieveAPIView):
    serializer_class = AuctionDetailSerializer

    def get_queryset(self) -> Any:
        return selectors.published_auctions()
