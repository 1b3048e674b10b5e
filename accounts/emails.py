"""Account emails: verification and password reset, each a link to the single-page app."""

from urllib.parse import urlencode

from django.conf import settings

from core.outbox import queue_email

from .models import User


def _queue_link_email(*, user: User, template: str, path: str, token: str) -> None:
    link = f"{settings.FRONTEND_URL.rstrip('/')}/{path}?{urlencode({'token': token})}"
    queue_email(
        template=template,
        to=user.email,
        # A name is whatever the registrant typed: never mailed to an address nobody has proven.
        context={"name": user.full_name if user.is_verified else "", "link": link},
        language=user.language,
    )


def queue_verification_email(*, user: User, token: str) -> None:
    _queue_link_email(user=user, template="verify_email", path="verify-email", token=token)


def queue_password_reset_email(*, user: User, token: str) -> None:
    _queue_link_email(user=user, template="password_reset", path="reset-password", token=token)
