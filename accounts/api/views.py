"""Auth, profile and studio endpoints: parse, call a service, shape the answer."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import selectors, services
from accounts.api.permissions import request_user
from core.api.schema import BODY, error_responses
from core.api.throttles import ScopedThrottle
from core.errors import Invalid

from . import serializers as s

DetailSerializer = inline_serializer("Detail", {"detail": serializers.CharField()})


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _every_registration_problem(serializer: s.RegisterSerializer) -> dict[str, list[str]]:
    """The shape's errors (a missing or malformed field) and the rules' for the fields that passed."""
    shape = {name: [str(message) for message in messages] for name, messages in serializer.errors.items()}
    sent = serializer.initial_data if isinstance(serializer.initial_data, Mapping) else {}
    given = {
        name: value
        for name, value in sent.items()
        if name in serializer.fields and name not in shape and isinstance(value, str)
    }
    return {**services.registration_errors(**given), **shape}


class RegisterView(APIView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "register"

    @extend_schema(
        request=s.RegisterSerializer,
        responses={201: s.MeSerializer, **error_responses(*BODY, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = s.RegisterSerializer(data=request.data)
        if not serializer.is_valid():
            raise Invalid(_every_registration_problem(serializer))
        user = services.user_register(**serializer.validated_data)
        return Response(
            s.MeSerializer(user, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class VerifyEmailView(APIView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "verification"

    @extend_schema(
        request=s.TokenSerializer,
        responses={
            200: s.MeSerializer,
            **error_responses(
                *BODY, 401, 429, e400="Invalid input, or a bad link (`token_invalid`, `token_expired`)."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        user = services.user_verify_email(**_valid(s.TokenSerializer, request))
        return Response(s.MeSerializer(user, context={"request": request}).data)


class VerifyEmailResendView(APIView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "verification"

    @extend_schema(
        request=s.EmailSerializer, responses={202: DetailSerializer, **error_responses(*BODY, 401, 429)}
    )
    def post(self, request: Request) -> Response:
        services.verification_resend(**_valid(s.EmailSerializer, request))
        detail = _("If an unverified account uses this address, a new link is on its way.")
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    post=extend_schema(
        responses={
            200: s.TokenPairSerializer,
            **error_responses(*BODY, 429, e401="Wrong email or password (`invalid_credentials`)."),
        }
    )
)
class LoginView(jwt_views.TokenObtainPairView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "login"


@extend_schema_view(
    post=extend_schema(
        responses={
            200: s.TokenPairSerializer,
            **error_responses(
                *BODY,
                429,
                e401="A bad refresh token (`token_not_valid`) or an ended session (`session_revoked`).",
            ),
        }
    )
)
class RefreshView(jwt_views.TokenRefreshView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "refresh"


class LogoutView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.LogoutSerializer, responses={204: None, **error_responses(*BODY, 401)})
    def post(self, request: Request) -> Response:
        refresh = RefreshToken(_valid(s.LogoutSerializer, request)["refresh"])
        services.session_logout(user=request_user(request), refresh=refresh)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(APIView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "password_reset"

    @extend_schema(
        request=s.EmailSerializer, responses={202: DetailSerializer, **error_responses(*BODY, 401, 429)}
    )
    def post(self, request: Request) -> Response:
        services.password_reset_request(**_valid(s.EmailSerializer, request))
        detail = _("If an account uses this address, a reset link is on its way.")
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "password_reset"

    @extend_schema(
        request=s.PasswordResetConfirmSerializer,
        responses={
            204: None,
            **error_responses(
                *BODY, 401, 429, e400="Invalid input, or a bad link (`token_invalid`, `token_expired`)."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        services.password_reset_confirm(**_valid(s.PasswordResetConfirmSerializer, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    # Each try checks the current password: an oracle and an Argon2 CPU sink without a limit.
    throttle_classes = [ScopedThrottle]
    throttle_scope = "credentials"

    @extend_schema(
        request=s.PasswordChangeSerializer,
        responses={200: s.TokenPairSerializer, **error_responses(*BODY, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        refresh = services.password_change(
            user=request_user(request), **_valid(s.PasswordChangeSerializer, request)
        )
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    # DELETE checks the current password, PATCH tells whether a phone number is taken: both are
    # limited like login. Reading one's profile is not.
    throttle_scope = "credentials"

    def get_throttles(self) -> list[Any]:
        return [ScopedThrottle()] if self.request.method in ("PATCH", "DELETE") else []

    @extend_schema(responses={200: s.MeSerializer, **error_responses(401)})
    def get(self, request: Request) -> Response:
        return Response(s.MeSerializer(request_user(request), context={"request": request}).data)

    @extend_schema(
        request=s.MeUpdateSerializer, responses={200: s.MeSerializer, **error_responses(*BODY, 401, 429)}
    )
    def patch(self, request: Request) -> Response:
        user = services.user_update_profile(
            user=request_user(request), **_valid(s.MeUpdateSerializer, request)
        )
        return Response(s.MeSerializer(user, context={"request": request}).data)

    @extend_schema(
        request=s.DeleteAccountSerializer, responses={204: None, **error_responses(*BODY, 401, 429)}
    )
    def delete(self, request: Request) -> Response:
        """Delete the account: personal data erased, reservations kept anonymised for the studio.

        The body carries the current password: `{"password": "..."}` (400 `invalid` without it).
        """
        services.user_delete_account(user=request_user(request), **_valid(s.DeleteAccountSerializer, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarTokenView(APIView):
    """A new private calendar feed URL; the old one stops working."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: s.CalendarFeedSerializer,
            **error_responses(401, e403="Email not verified yet (`email_not_verified`)."),
        },
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        services.user_calendar_token_rotate(user=user)
        me = s.MeSerializer(user, context={"request": request}).data
        return Response({"calendar_feed_url": me["calendar_feed_url"]})


@extend_schema_view(
    get=extend_schema(
        responses={
            200: s.StudioSerializer,
            **error_responses(400, 401, e404="No such page (`not_found`)."),
        }
    )
)
class StudioListView(generics.ListAPIView):
    serializer_class = s.StudioSerializer
    filter_backends: list[type] = []

    def get_queryset(self) -> Any:
        return selectors.studio_list()


@extend_schema_view(get=extend_schema(responses={200: s.StudioSerializer, **error_responses(401, 404)}))
class StudioDetailView(generics.RetrieveAPIView):
    serializer_class = s.StudioSerializer

    def get_queryset(self) -> Any:
        return selectors.studio_list()
