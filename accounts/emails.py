"""Account emails: verification and password reset, linking to the single-page app."""

from urllib.parse import urlencode

from django.conf import settings

from hothour.mail import queue_email

from .models import User


def _frontend_link(path: str, token: str) -> str:
    return f"{settings.FRONTEND_URL.rstrip('/')}/{path}?{urlencode({'token': token})}"


def queue_verification_email(*, user: User, token: str) -> None:
    queue_email(
        template="verify_email",
        to=user.email,
        context={"name": user.full_name, "link": _frontend_link("verify-email", token)},
        language=user.language,
    )


def queue_password_reset_email(*, user: User, token: str) -> None:
    queue_email(
        template="password_reset",
        to=user.email,
        context={"name": user.full_name, "link": _frontend_link("reset-password", token)},
        language=user.language,
    )
