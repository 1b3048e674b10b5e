"""Account writes: registration, verification, passwords, sessions, studios and managers."""

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from hothour import effects
from hothour.errors import Invalid

from . import emails, tokens
from .models import Gender, Studio, User, normalize_email
from .phones import normalize_phone
from .roles import ensure_managers_group


class FieldErrors:
    """Collects messages per field so that one response names every problem at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self.fields:
            raise Invalid(self.fields)


def _clean_email(email: str, errors: FieldErrors, *, exclude_pk: int | None = None) -> str:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        errors.add("email", _("Enter a valid email address."))
        return email
    taken = User.objects.filter(email__iexact=email).exclude(pk=exclude_pk or 0).exists()
    if taken:
        errors.add("email", _("An account with this email address already exists."))
    return email


def _clean_phone(raw: str, errors: FieldErrors, *, exclude_pk: int | None = None) -> str | None:
    phone = normalize_phone(raw)
    if phone is None:
        errors.add("phone", _("Enter a valid phone number, e.g. 0555 111 22 33 or +905551112233."))
        return None
    if User.objects.filter(phone=phone).exclude(pk=exclude_pk or 0).exists():
        errors.add("phone", _("An account with this phone number already exists."))
    return phone


def _clean_gender(gender: str, errors: FieldErrors) -> str:
    if gender not in Gender.values:
        errors.add("gender", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Gender.values)})
    return gender


def _clean_full_name(full_name: str, errors: FieldErrors) -> str:
    full_name = " ".join(full_name.split())
    if not full_name:
        errors.add("full_name", _("Enter your full name."))
    return full_name


def _check_password(password: str, user: User, errors: FieldErrors, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        for message in exc.messages:
            errors.add(field, message)


def user_register(*, email: str, password: str, full_name: str, phone: str, gender: str) -> User:
    errors = FieldErrors()
    email = _clean_email(email, errors)
    full_name = _clean_full_name(full_name, errors)
    normalized_phone = _clean_phone(phone, errors)
    gender = _clean_gender(gender, errors)
    user = User(email=email, full_name=full_name, phone=normalized_phone, gender=gender)
    _check_password(password, user, errors)
    errors.raise_if_any()

    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        # Lost a race with another registration of the same email or phone.
        raise Invalid(
            {"email": [_("An account with this email address or phone number already exists.")]}
        ) from exc
    user_send_verification(user=user)
    return user


def user_send_verification(*, user: User) -> None:
    if user.is_verified:
        return
    effects.on_commit(
        emails.send_verification_email,
        email=user.email,
        full_name=user.full_name,
        token=tokens.make_verification_token(user),
        language=translation.get_language() or "tr",
    )


def verification_resend(*, email: str) -> None:
    """Silent whatever the address: the caller must not learn whether an account exists."""
    user = User.objects.filter(email__iexact=normalize_email(email), is_active=True).first()
    if user is not None:
        user_send_verification(user=user)


def user_verify_email(*, token: str) -> User:
    user = tokens.read_verification_token(token)
    if not user.is_verified:
        User.objects.filter(pk=user.pk).update(is_verified=True)
        user.is_verified = True
    return user


def password_reset_request(*, email: str) -> None:
    """Silent whatever the address, like `verification_resend`."""
    user = User.objects.filter(email__iexact=normalize_email(email), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    effects.on_commit(
        emails.send_password_reset_email,
        email=user.email,
        full_name=user.full_name,
        token=tokens.make_password_reset_token(user),
        language=translation.get_language() or "tr",
    )


def password_reset_confirm(*, token: str, new_password: str) -> User:
    user = tokens.read_password_reset_token(token)
    errors = FieldErrors()
    _check_password(new_password, user, errors, field="new_password")
    errors.raise_if_any()
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        user_sessions_revoke(user=user)
    return user


def password_change(*, user: User, old_password: str, new_password: str) -> RefreshToken:
    """Set a new password, end every other session and return a fresh one for the caller."""
    errors = FieldErrors()
    if not user.check_password(old_password):
        errors.add("old_password", _("Your current password is not correct."))
    _check_password(new_password, user, errors, field="new_password")
    errors.raise_if_any()
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        user_sessions_revoke(user=user)
        return RefreshToken.for_user(user)


def user_sessions_revoke(*, user: User) -> int:
    """Blacklist every refresh token of `user` still outstanding; return how many."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    revoked = [BlacklistedToken(token=token) for token in outstanding]
    BlacklistedToken.objects.bulk_create(revoked, ignore_conflicts=True)
    return len(revoked)


def session_logout(*, user: User, refresh: RefreshToken) -> None:
    if str(refresh.payload.get("user_id")) != str(user.pk):
        raise Invalid({"refresh": [_("This token does not belong to you.")]})
    refresh.blacklist()


def user_update_profile(
    *,
    user: User,
    full_name: str | None = None,
    phone: str | None = None,
    gender: str | None = None,
) -> User:
    errors = FieldErrors()
    changed: list[str] = []
    if full_name is not None:
        user.full_name = _clean_full_name(full_name, errors)
        changed.append("full_name")
    if phone is not None:
        user.phone = _clean_phone(phone, errors, exclude_pk=user.pk)
        changed.append("phone")
    if gender is not None:
        user.gender = _clean_gender(gender, errors)
        changed.append("gender")
    errors.raise_if_any()
    if changed:
        try:
            with transaction.atomic():
                user.save(update_fields=changed)
        except IntegrityError as exc:
            raise Invalid({"phone": [_("An account with this phone number already exists.")]}) from exc
    return user


def studio_create(
    *, name: str, address: str, maps_url: str = "", logo_url: str = "", timezone: str = "Europe/Istanbul"
) -> Studio:
    studio = Studio(
        name=name.strip(), address=address.strip(), maps_url=maps_url, logo_url=logo_url, timezone=timezone
    )
    errors = FieldErrors()
    try:
        studio.full_clean(validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                errors.add(field, message)
    if Studio.objects.filter(name__iexact=studio.name).exists():
        errors.add("name", _("A studio with this name already exists."))
    errors.raise_if_any()
    try:
        with transaction.atomic():
            studio.save()
    except IntegrityError as exc:
        raise Invalid({"name": [_("A studio with this name already exists.")]}) from exc
    return studio


def manager_create(*, email: str, full_name: str, password: str, studio: Studio) -> User:
    """A staff user who runs `studio` in the back office; verified, since we created it ourselves."""
    errors = FieldErrors()
    email = _clean_email(email, errors)
    full_name = _clean_full_name(full_name, errors)
    user = User(email=email, full_name=full_name, is_staff=True, is_verified=True, studio=studio)
    _check_password(password, user, errors)
    errors.raise_if_any()
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            _join_managers_group(user)
    except IntegrityError as exc:
        raise Invalid({"email": [_("An account with this email address already exists.")]}) from exc
    return user


def _join_managers_group(user: User) -> None:
    user.groups.add(ensure_managers_group(Group, Permission))
