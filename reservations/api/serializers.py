"""Reservation shapes: only ever shown to their owner (they carry the booking code)."""

from rest_framework import serializers

from accounts.models import Studio
from auctions.models import Auction
from reservations.models import Reservation


class ReservationStudioSerializer(serializers.ModelSerializer):
    class Meta:
        model = Studio
        fields = ["id", "name", "address", "maps_url", "timezone"]


class ReservationAuctionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Auction
        fields = ["id", "title", "scheduled_at", "start_price", "allowed_gender"]


class ReservationSerializer(serializers.ModelSerializer):
    auction_id = serializers.IntegerField(read_only=True)
    user_id = serializers.IntegerField(read_only=True)
    auction = ReservationAuctionSerializer(read_only=True)
    studio = ReservationStudioSerializer(source="auction.studio", read_only=True)

    class Meta:
        model = Reservation
        fields = [
            "id",
            "auction_id",
            "user_id",
            "locked_price",
            "booking_code",
            "status",
            "reserved_at",
            "checked_in_at",
            "cancelled_at",
            "cancelled_by",
            "auction",
            "studio",
        ]
        read_only_fields = fields


class GrabSerializer(serializers.Serializer):
    auction_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    expected_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True
    )


class WhenSerializer(serializers.Serializer):
    when = serializers.ChoiceField(choices=["upcoming", "past"], required=False)
