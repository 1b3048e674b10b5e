"""Opaque tokens sent by email: email verification (signed, expiring) and password reset (single use)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from core.errors import TokenExpired, TokenInvalid

from .models import User

VERIFY_SALT = "accounts.verify-email"


def make_verification_token(user: User) -> str:
    # Bound to the address, so a token for an old address cannot verify a new one.
    return signing.dumps({"user": user.pk, "email": user.email}, salt=VERIFY_SALT, compress=True)


def read_verification_token(token: str) -> User:
    max_age = settings.HOTHOUR_EMAIL_VERIFICATION_MAX_AGE
    try:
        payload = signing.loads(token, salt=VERIFY_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise TokenExpired() from exc
    except signing.BadSignature as exc:
        raise TokenInvalid() from exc
    user = User.objects.filter(pk=payload.get("user"), email=payload.get("email"), is_active=True).first()
    if user is None:
        raise TokenInvalid()
    return user


def make_password_reset_token(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{uid}.{default_token_generator.make_token(user)}"


def read_password_reset_token(token: str) -> User:
    """Django's generator: expires after PASSWORD_RESET_TIMEOUT, dies once the password changes."""
    uid, _, secret = token.partition(".")
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise TokenInvalid() from exc
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, secret):
        raise TokenInvalid()
    return user
