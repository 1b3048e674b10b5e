"""Shapes of the auth and studio endpoints; validation of business rules lives in services."""

from typing import Any

from django.contrib.auth.models import update_last_login
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts import hooks
from accounts.models import Gender, Studio, User
from core.api.serializers import ModelSerializer
from core.api.throttles import remember_address


class LoginSerializer(TokenObtainPairSerializer):
    """Email (any case) + password → a token pair; one error for every kind of failure."""

    default_error_messages = {"no_active_account": _("The email or password is not correct.")}

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        attrs[self.username_field] = attrs[self.username_field].strip().lower()
        try:
            data = super().validate(attrs)
        except exceptions.AuthenticationFailed as exc:
            raise exceptions.AuthenticationFailed(
                self.error_messages["no_active_account"], code="invalid_credentials"
            ) from exc
        # The owner's address: a guesser elsewhere filling the account's ceiling won't stop them here.
        remember_address(self.context["request"], attrs[self.username_field])
        return data


class RefreshSerializer(TokenRefreshSerializer):
    """Rotation with blacklist, refusing tokens of deleted, disabled or re-passworded users."""

    default_error_messages = {"no_active_account": _("This session is no longer valid.")}

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = RefreshToken(attrs["refresh"])
        user = User.objects.filter(pk=refresh.payload.get(jwt_settings.USER_ID_CLAIM) or 0).first()
        claim = refresh.payload.get(jwt_settings.REVOKE_TOKEN_CLAIM)
        if user is None or not user.is_active or claim != get_md5_hash_password(user.password):
            raise exceptions.AuthenticationFailed(
                self.error_messages["no_active_account"], code="session_revoked"
            )
        data = super().validate(attrs)
        if jwt_settings.UPDATE_LAST_LOGIN:
            update_last_login(User, user)
        return data


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RegisterSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32)
    gender = serializers.ChoiceField(choices=Gender.choices)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1024)


class EmailSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1024)
    new_password = serializers.CharField(max_length=128, style={"input_type": "password"})


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, style={"input_type": "password"})
    new_password = serializers.CharField(max_length=128, style={"input_type": "password"})


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=2048)


class StudioSummarySerializer(ModelSerializer):
    class Meta:
        model = Studio
        fields = ["id", "name"]


class StudioSerializer(ModelSerializer):
    class Meta:
        model = Studio
        fields = ["id", "name", "address", "maps_url", "logo_url", "timezone"]


class MeSerializer(ModelSerializer):
    # Declared for the schema: a customer has no studio, a manager no gender (the model allows both).
    studio = StudioSummarySerializer(read_only=True, allow_null=True)
    gender = serializers.ChoiceField(choices=Gender.choices, read_only=True, allow_blank=True)
    no_show_strikes = serializers.SerializerMethodField()
    booking_suspended_until = serializers.SerializerMethodField()
    calendar_feed_url = serializers.SerializerMethodField()

    def _standing(self, user: User) -> hooks.Standing:
        if not hasattr(self, "_standing_cache"):
            self._standing_cache = hooks.standing(user=user, now=timezone.now())
        return self._standing_cache

    def get_no_show_strikes(self, user: User) -> int:
        return int(self._standing(user)["strikes"])

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_booking_suspended_until(self, user: User) -> str | None:
        until = self._standing(user)["until"]
        return None if until is None else serializers.DateTimeField().to_representation(until)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_calendar_feed_url(self, user: User) -> str | None:
        if not user.is_verified:
            return None  # until the address is proven, the feed could be someone else's
        path = reverse("calendar-feed", kwargs={"token": user.calendar_token})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "phone",
            "gender",
            "is_verified",
            "is_staff",
            "studio",
            "language",
            "no_show_strikes",
            "booking_suspended_until",
            "calendar_feed_url",
            "date_joined",
        ]
        read_only_fields = fields


class MeUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False)
    language = serializers.ChoiceField(choices=["tr", "en"], required=False)
    phone = serializers.CharField(max_length=32, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Set at registration, changed only by staff: a customer switching it could book a class
        # that is not open to them and switch back.
        if isinstance(self.initial_data, dict) and "gender" in self.initial_data:
            raise serializers.ValidationError(
                {"gender": [_("Your gender is set at registration; ask us to correct it.")]}
            )
        return attrs


class DeleteAccountSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class CalendarFeedSerializer(serializers.Serializer):
    calendar_feed_url = serializers.CharField()
