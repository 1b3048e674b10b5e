"""Auction shapes: live values (price, status, next drop) are computed at the request instant."""

from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import StudioSummarySerializer
from auctions import lifecycle, pricing
from auctions.models import SETTINGS_FIELDS, Auction, AuctionStatus
from core.api.serializers import ModelSerializer


class ScheduleStepSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)


class AuctionSerializer(ModelSerializer):
    studio = StudioSummarySerializer(read_only=True)
    # Shown before the grab, so nobody books believing they can still cancel for free.
    cancellable_until = serializers.DateTimeField(
        read_only=True, help_text="Until when a booking of this class can be cancelled free of charge."
    )
    current_price = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    next_price = serializers.SerializerMethodField()
    next_drop_at = serializers.SerializerMethodField()
    turbo_active = serializers.SerializerMethodField()
    seats_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = Auction
        fields = [
            "id",
            "studio",
            *SETTINGS_FIELDS,
            "seats_left",
            "current_price",
            "turbo_started_at",
            "turbo_active",
            "status",
            "next_price",
            "next_drop_at",
            "cancellable_until",
        ]
        read_only_fields = fields

    def _live(self, auction: Auction) -> lifecycle.LiveState:
        """Everything live about `auction`, computed once per object at the request instant."""
        context: dict[str, Any] = self.context  # type: ignore[assignment] # DRF's context is a dict
        cache = context.setdefault("_live", {})
        if auction.pk not in cache:
            now: datetime = context.setdefault("now", timezone.now())
            cache[auction.pk] = lifecycle.live_state(auction, now)
        live: lifecycle.LiveState = cache[auction.pk]
        return live

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2))
    def get_current_price(self, auction: Auction) -> str:
        return str(self._live(auction).price)

    @extend_schema_field(serializers.ChoiceField(choices=AuctionStatus.choices))
    def get_status(self, auction: Auction) -> str:
        return str(self._live(auction).status)

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True))
    def get_next_price(self, auction: Auction) -> str | None:
        value = self._live(auction).next_price
        return None if value is None else str(value)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_drop_at(self, auction: Auction) -> str | None:
        value = self._live(auction).next_drop_at
        return None if value is None else serializers.DateTimeField().to_representation(value)

    @extend_schema_field(serializers.BooleanField())
    def get_turbo_active(self, auction: Auction) -> bool:
        return self._live(auction).turbo_active


class AuctionDetailSerializer(AuctionSerializer):
    schedule = serializers.SerializerMethodField()

    class Meta(AuctionSerializer.Meta):
        fields = [*AuctionSerializer.Meta.fields, "schedule"]
        read_only_fields = fields

    @extend_schema_field(ScheduleStepSerializer(many=True))
    def get_schedule(self, auction: Auction) -> list[dict[str, Any]]:
        # Bounded (DESIGN section 4): an older auction beyond it answers its first points.
        steps = pricing.schedule(self._live(auction).settings, limit=pricing.MAX_SCHEDULE_POINTS)
        at = serializers.DateTimeField()
        return [{"at": at.to_representation(step.at), "price": str(step.price)} for step in steps]
