"""Account emails: verification and password reset, linking to the single-page app."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _


def _frontend_link(path: str, token: str) -> str:
    return f"{settings.FRONTEND_URL.rstrip('/')}/{path}?{urlencode({'token': token})}"


def send_verification_email(*, email: str, full_name: str, token: str, language: str) -> None:
    with translation.override(language):
        link = _frontend_link("verify-email", token)
        subject = _("Confirm your HotHour email address")
        body = _(
            "Hello %(name)s,\n\nConfirm your email address to start grabbing last-minute spots:\n"
            "%(link)s\n\nIf you did not sign up for HotHour, ignore this message.\n"
        ) % {"name": full_name, "link": link}
    send_mail(subject, body, None, [email])


def send_password_reset_email(*, email: str, full_name: str, token: str, language: str) -> None:
    with translation.override(language):
        link = _frontend_link("reset-password", token)
        subject = _("Reset your HotHour password")
        body = _(
            "Hello %(name)s,\n\nSomeone asked to reset the password of this account. "
            "To choose a new password, open:\n%(link)s\n\n"
            "If it was not you, ignore this message; your password stays as it is.\n"
        ) % {"name": full_name, "link": link}
    send_mail(subject, body, None, [email])
