"""Account writes: registration, verification, passwords, sessions, studios and managers."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max, Value
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from core.errors import Forbidden, Invalid
from core.outbox import outbox_forget

from . import emails, hooks, tokens
from .models import Gender, Studio, SuspendedIdentity, User, folded_name, new_calendar_token, normalize_email
from .phones import normalize_phone
from .revocation import revoke_access_tokens
from .roles import ensure_managers_group


class EmailNotVerified(Forbidden):
    code = "email_not_verified"


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


def _request_language() -> str:
    """The language the client speaks to us in, as one of ours (it becomes their emails' language)."""
    language = (translation.get_language() or "tr").split("-")[0]
    return language if language in dict(settings.LANGUAGES) else "tr"


def _check_registration(
    errors: FieldErrors,
    *,
    email: str | None,
    password: str | None,
    full_name: str | None,
    phone: str | None,
    gender: str | None,
) -> User:
    """The account as it would be registered; each rule of a field that was given adds to `errors`."""
    user = User(language=_request_language())
    if email is not None:
        user.email = _clean_email(email, errors)
    if full_name is not None:
        user.full_name = _clean_full_name(full_name, errors)
    if phone is not None:
        user.phone = _clean_phone(phone, errors)
    if gender is not None:
        user.gender = _clean_gender(gender, errors)
    if password is not None:
        _check_password(password, user, errors)
    return user


def registration_errors(
    *,
    email: str | None = None,
    password: str | None = None,
    full_name: str | None = None,
    phone: str | None = None,
    gender: str | None = None,
) -> dict[str, list[str]]:
    """What is wrong with the fields that are there, so a form with a missing field still hears
    about every other problem in the same answer."""
    errors = FieldErrors()
    _check_registration(
        errors, email=email, password=password, full_name=full_name, phone=phone, gender=gender
    )
    return errors.fields


def user_register(*, email: str, password: str, full_name: str, phone: str, gender: str) -> User:
    errors = FieldErrors()
    user = _check_registration(
        errors, email=email, password=password, full_name=full_name, phone=phone, gender=gender
    )
    errors.raise_if_any()
    user.inherited_suspension_until = suspension_carried_over(email=user.email, phone=user.phone)

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
    emails.queue_verification_email(user=user, token=tokens.make_verification_token(user))


def verification_resend(*, email: str) -> None:
    """Silent whatever the address: the caller must not learn whether an account exists."""
    user = User.objects.filter(email__iexact=normalize_email(email), is_active=True).first()
    if user is not None:
        user_send_verification(user=user)


def user_verify_email(*, token: str) -> User:
    user = tokens.read_verification_token(token)
    if not user.is_verified:
        # A feed token made before the address was proven may be known to whoever registered it.
        user.is_verified, user.calendar_token = True, new_calendar_token()
        User.objects.filter(pk=user.pk).update(is_verified=True, calendar_token=user.calendar_token)
    return user


def password_reset_request(*, email: str) -> None:
    """Silent whatever the address, like `verification_resend`."""
    user = User.objects.filter(email__iexact=normalize_email(email), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    emails.queue_password_reset_email(user=user, token=tokens.make_password_reset_token(user))


def password_reset_confirm(*, token: str, new_password: str) -> User:
    user = tokens.read_password_reset_token(token)
    errors = FieldErrors()
    _check_password(new_password, user, errors, field="new_password")
    errors.raise_if_any()
    with transaction.atomic():
        _replace_password(user, new_password)
    return user


def password_change(*, user: User, old_password: str, new_password: str) -> RefreshToken:
    """Set a new password, end every other session and return a fresh one for the caller."""
    errors = FieldErrors()
    if not user.check_password(old_password):
        errors.add("old_password", _("Your current password is not correct."))
    _check_password(new_password, user, errors, field="new_password")
    errors.raise_if_any()
    with transaction.atomic():
        _replace_password(user, new_password)
        return RefreshToken.for_user(user)


def _replace_password(user: User, new_password: str) -> None:
    """Set it, and end every session the old one opened. Inside `atomic()`."""
    user.set_password(new_password)
    # Whoever had the account may have copied its private calendar feed URL too.
    user.calendar_token = new_calendar_token()
    user.save(update_fields=["password", "calendar_token"])
    user_sessions_revoke(user=user)


def user_sessions_revoke(*, user: User) -> int:
    """Blacklist every refresh token of `user` still outstanding; return how many."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    revoked = [BlacklistedToken(token=token) for token in outstanding]
    BlacklistedToken.objects.bulk_create(revoked, ignore_conflicts=True)
    # The callers change the password or erase the account, which refuses its access tokens (they
    # carry a digest of the password hash); open sockets are closed by the app that holds them.
    hooks.sessions_revoked.call(user=user)
    return len(revoked)


def session_logout(*, user: User, refresh: RefreshToken) -> None:
    if str(refresh.payload.get("user_id")) != str(user.pk):
        raise Invalid({"refresh": [_("This token does not belong to you.")]})
    refresh.blacklist()
    revoke_access_tokens(user_id=user.pk)
    hooks.sessions_revoked.call(user=user)


def user_update_profile(
    *,
    user: User,
    full_name: str | None = None,
    phone: str | None = None,
    language: str | None = None,
) -> User:
    errors = FieldErrors()
    changed: list[str] = []
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            errors.add("language", _("Choose one of: %(choices)s.") % {"choices": "tr, en"})
        user.language = language
        changed.append("language")
    if full_name is not None:
        user.full_name = _clean_full_name(full_name, errors)
        changed.append("full_name")
    if phone is not None:
        user.phone = _clean_phone(phone, errors, exclude_pk=user.pk)
        changed.append("phone")
        carried = suspension_carried_over(email=user.email, phone=user.phone)
        if carried is not None:
            user.inherited_suspension_until = max(carried, user.inherited_suspension_until or carried)
            changed.append("inherited_suspension_until")
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
    taken = Studio.objects.alias(key=folded_name("name")).filter(key=folded_name(Value(studio.name)))
    if taken.exists():
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
            manager_join_group(user=user)
    except IntegrityError as exc:
        raise Invalid({"email": [_("An account with this email address already exists.")]}) from exc
    return user


def manager_join_group(*, user: User) -> None:
    user.groups.add(ensure_managers_group(Group, Permission))


def user_calendar_token_rotate(*, user: User) -> str:
    """A new secret for the private calendar feed; the old feed URL stops working at once."""
    if not user.is_verified:
        raise EmailNotVerified(_("Confirm your email address to get a calendar feed."))
    user.calendar_token = new_calendar_token()
    user.save(update_fields=["calendar_token"])
    return user.calendar_token


def user_delete_account(*, user: User, password: str) -> None:
    """Erase the person, keep the studio's books: reservations stay, pointing at an anonymous account.

    The apps holding the person's bookings hear of it first (`hooks.account_erasing`): upcoming
    reservations that may still be cancelled are cancelled; ones inside the cutoff stay.
    """
    if not user.check_password(password):
        raise Invalid({"password": [_("Your current password is not correct.")]})
    with transaction.atomic():
        _keep_suspension(user=user, now=timezone.now())
        hooks.account_erasing.call(user=user)
        user_sessions_revoke(user=user)
        # What was still waiting to be sent (links, names, booking codes) goes with the person.
        outbox_forget(to=user.email)
        user.email = f"deleted-{user.pk}@deleted.invalid"
        user.full_name = _("Deleted customer")
        user.phone = None
        user.gender = ""
        user.is_active = False
        user.is_verified = False
        user.calendar_token = new_calendar_token()
        user.set_unusable_password()
        user.save()


def user_forgive_strikes(*, user: User, now: datetime | None = None) -> None:
    """A superuser lifts a suspension: no-shows before now stop counting as strikes."""
    user.strikes_forgiven_at = now or timezone.now()
    user.inherited_suspension_until = None
    user.save(update_fields=["strikes_forgiven_at", "inherited_suspension_until"])


IDENTITY_SALT = "accounts.suspended-identity"


def _identity_fingerprints(*, email: str, phone: str | None) -> list[str]:
    """Keyed hashes (SECRET_KEY) of the normalized email ("+tags" dropped) and phone number."""
    local, _at, domain = normalize_email(email).partition("@")
    values = [f"email:{local.split('+', 1)[0]}@{domain}"]
    if phone:
        values.append(f"phone:{phone}")
    return [salted_hmac(IDENTITY_SALT, value, algorithm="sha256").hexdigest() for value in values]


def suspension_carried_over(*, email: str, phone: str | None, now: datetime | None = None) -> datetime | None:
    """Until when a deleted, suspended account with this email or phone would still be suspended."""
    fingerprints = _identity_fingerprints(email=email, phone=phone)
    found = SuspendedIdentity.objects.filter(
        fingerprint__in=fingerprints, suspended_until__gt=now or timezone.now()
    )
    until: datetime | None = found.aggregate(until=Max("suspended_until"))["until"]
    return until


def _keep_suspension(*, user: User, now: datetime) -> None:
    """Before `user` is erased: if suspended, remember their email and phone until it ends."""
    ends = [answer["until"] for answer in hooks.standing_of.call(user=user, now=now)]
    ends.append(user.inherited_suspension_until)
    until = max((end for end in ends if end is not None and end > now), default=None)
    if until is None:
        return
    for fingerprint in _identity_fingerprints(email=user.email, phone=user.phone):
        kept, created = SuspendedIdentity.objects.get_or_create(
            fingerprint=fingerprint, defaults={"suspended_until": until}
        )
        if not created and kept.suspended_until < until:
            kept.suspended_until = until
            kept.save(update_fields=["suspended_until"])


def suspended_identities_purge(*, now: datetime | None = None) -> int:
    """Forget the fingerprints whose suspension has ended."""
    deleted, _by_model = SuspendedIdentity.objects.filter(suspended_until__lte=now or timezone.now()).delete()
    return deleted
