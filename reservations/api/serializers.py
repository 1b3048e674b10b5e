"""Reservation shapes: only ever shown to their owner (they carry the booking code)."""

from rest_framework import serializers

from auctions.models import AllowedGender
from reservations.messages import message_of
from reservations.models import CancelledBy, Notification, NotificationKind, ReservationStatus


# Plain serializers with declared fields: a grab answers faster without ModelSerializer's
# per-request introspection of the models (measured with bench/grab_bench.py).
class ReservationStudioSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    maps_url = serializers.CharField()
    timezone = serializers.CharField()


class ReservationAuctionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    scheduled_at = serializers.DateTimeField()
    start_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    allowed_gender = serializers.ChoiceField(choices=AllowedGender.choices)


class ReservationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    auction_id = serializers.IntegerField(read_only=True)
    user_id = serializers.IntegerField(read_only=True)
    seat_no = serializers.IntegerField(read_only=True)
    locked_price = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    booking_code = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=ReservationStatus.choices, read_only=True)
    reserved_at = serializers.DateTimeField(read_only=True)
    checked_in_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cancelled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cancelled_by = serializers.ChoiceField(choices=CancelledBy.choices, read_only=True, allow_blank=True)
    auction = ReservationAuctionSerializer(read_only=True)
    studio = ReservationStudioSerializer(source="auction.studio", read_only=True)
    # In the past when the spot was bought after the cutoff: then there is no free cancellation.
    cancellable_until = serializers.DateTimeField(
        source="auction.cancellable_until",
        read_only=True,
        help_text="Until when the owner can cancel free of charge; in the past means it has ended.",
    )


class GrabSerializer(serializers.Serializer):
    auction_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    expected_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True
    )


class WhenSerializer(serializers.Serializer):
    when = serializers.ChoiceField(choices=["upcoming", "past"], required=False)


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=NotificationKind.choices, read_only=True)
    message = serializers.SerializerMethodField()
    # DRF's metaclass takes declared fields off the class, so this does not shadow `.data`.
    data = serializers.DictField(read_only=True)  # type: ignore[assignment]
    created_at = serializers.DateTimeField(read_only=True)
    read_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_message(self, notification: Notification) -> str:
        return message_of(notification)


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
