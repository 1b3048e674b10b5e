"""The grab and the customer's own reservations."""

import re
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import request_user
from accounts.models import User
from core.api.schema import BODY, error_responses
from core.api.throttles import ScopedThrottle
from core.errors import Invalid, NotFound
from reservations import calendar, selectors, services
from reservations.models import Notification

from .serializers import (
    GrabSerializer,
    MarkedSerializer,
    NotificationSerializer,
    ReservationSerializer,
    WhenSerializer,
)

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class ReservationListCreateView(generics.ListAPIView):
    """GET: own reservations. POST: the grab."""

    serializer_class = ReservationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list[type] = []

    def get_throttles(self) -> list[Any]:
        if self.request.method == "POST":
            self.throttle_scope = "grab"
            return [ScopedThrottle()]
        return []

    def get_queryset(self) -> Any:
        params = WhenSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.reservations_of(
            user=request_user(self.request), when=params.validated_data.get("when"), now=timezone.now()
        )

    @extend_schema(
        parameters=[OpenApiParameter("when", OpenApiTypes.STR, enum=["upcoming", "past"])],
        responses={200: ReservationSerializer, **error_responses(400, 401, e404="No such page.")},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=GrabSerializer,
        responses={
            201: ReservationSerializer,
            **error_responses(
                *BODY,
                401,
                429,
                e403="`email_not_verified`, `staff_cannot_book`, `gender_not_allowed`, `booking_suspended`.",
                e404="No such auction (`not_found`).",
                e409="`already_booked`, `rebook_not_allowed`, `auction_sold`, `auction_not_active`, "
                "`reservation_limit`, `idempotency_key_reused`, or `price_changed` (with `current_price`).",
            ),
        },
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER)],
    )
    def post(self, request: Request) -> Response:
        grab = GrabSerializer(data=request.data)
        grab.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY.match(key):
            raise Invalid({"Idempotency-Key": [_("Use 1 to 64 letters, digits, '.', '_', ':' or '-'.")]})
        reservation, created = services.reservation_create(
            user=request_user(request),
            auction_id=grab.validated_data["auction_id"],
            expected_price=grab.validated_data.get("expected_price"),
            idempotency_key=key,
        )
        headers = {} if created else {"Idempotent-Replayed": "true"}
        return Response(
            ReservationSerializer(reservation).data, status=status.HTTP_201_CREATED, headers=headers
        )


@extend_schema_view(get=extend_schema(responses={200: ReservationSerializer, **error_responses(401, 404)}))
class ReservationDetailView(generics.RetrieveAPIView):
    serializer_class = ReservationSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> Any:
        # Another customer's reservation is simply not there (404), never "forbidden".
        return selectors.reservations_of(user=request_user(self.request), now=timezone.now())


class ReservationCancelView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: ReservationSerializer,
            **error_responses(
                401,
                404,
                e403="Too close to the class (`cancellation_closed`).",
                e409="Not pending any more (`reservation_not_cancellable`).",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        reservation = services.reservation_cancel_by_customer(user=request_user(request), reservation_id=pk)
        return Response(ReservationSerializer(reservation).data)


@extend_schema_view(
    get=extend_schema(
        responses={200: NotificationSerializer, **error_responses(400, 401, e404="No such page.")}
    )
)
class NotificationListView(generics.ListAPIView):
    """Own notifications, newest first, with the number still unread."""

    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list[type] = []

    def get_queryset(self) -> Any:
        return Notification.objects.filter(user=request_user(self.request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        response.data["unread_count"] = self.get_queryset().filter(read_at__isnull=True).count()
        return response


class NotificationReadView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: NotificationSerializer, **error_responses(401, 404)})
    def post(self, request: Request, pk: int) -> Response:
        notification = services.notification_mark_read(user=request_user(request), notification_id=pk)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: MarkedSerializer, **error_responses(401)})
    def post(self, request: Request) -> Response:
        return Response({"marked": services.notifications_mark_all_read(user=request_user(request))})


class _CalendarView(APIView):
    """Answers a calendar app that asks for `text/calendar` by name (DRF would refuse it with 406,
    as the API renders only JSON); the event is sent as iCalendar and errors stay JSON."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        return super().perform_content_negotiation(request, force=True)


class ReservationCalendarView(_CalendarView):
    """The reservation's class as an iCalendar event (owner only)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.BINARY, **error_responses(401, 404)})
    def get(self, request: Request, pk: int) -> HttpResponse:
        owned = (
            selectors.reservations_of(user=request_user(request), now=timezone.now()).filter(pk=pk).exists()
        )
        if not owned:
            raise NotFound(_("No such reservation."))
        return _ics_response(calendar.reservation_ics(pk), f"hothour-{pk}.ics")


class CalendarFeedView(_CalendarView):
    """A private iCal feed of a customer's reservations, for calendar apps: the URL is the secret."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.BINARY, **error_responses(404)})
    def get(self, request: Request, token: str) -> HttpResponse:
        owners = User.objects.filter(calendar_token=token, is_active=True, is_verified=True)
        user = owners.first() if token else None
        if user is None:
            raise NotFound(_("No such calendar."))
        return _ics_response(
            calendar.feed_ics(user, selectors.calendar_feed(user=user, now=timezone.now())), None
        )


def _ics_response(content: bytes, filename: str | None) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
