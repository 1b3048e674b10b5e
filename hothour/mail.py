"""Emails from templates, in the recipient's language, as plain text and HTML, sent by Celery.

`templates/emails/<name>_subject.txt`, `<name>.txt` and `<name>.html` make one message.
`queue_email` sends it after commit and retries when the mail server fails, so a mail server
or broker that is down never fails the request that asked for the email.
"""

import logging
import smtplib
from typing import Any

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from hothour import effects

logger = logging.getLogger(__name__)

Attachment = tuple[str, bytes, str]  # file name, content, MIME type
RETRYABLE = (smtplib.SMTPException, OSError)


def build_email(
    *,
    template: str,
    to: str,
    context: dict[str, Any],
    language: str,
    attachments: list[Attachment] | None = None,
) -> EmailMultiAlternatives:
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    for name, content, mimetype in attachments or []:
        message.attach(name, content, mimetype)
    return message


def queue_email(*, template: str, to: str, context: dict[str, Any], language: str | None = None) -> None:
    effects.on_commit(
        send_email.delay,
        template=template,
        to=to,
        context=context,
        language=language or translation.get_language() or "tr",
    )


@shared_task(
    bind=True,
    ignore_result=True,
    autoretry_for=RETRYABLE,
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=8,
)
def send_email(self: Any, *, template: str, to: str, context: dict[str, Any], language: str) -> None:
    attachments = []
    if context.get("ics_reservation_id"):
        # Built when sent, from the database, so a retried message carries the current state.
        from reservations.calendar import reservation_ics

        attachments.append(("hothour.ics", reservation_ics(context["ics_reservation_id"]), "text/calendar"))
    if self.request.retries:
        logger.warning("retrying email %s (attempt %s)", template, self.request.retries + 1)
    build_email(template=template, to=to, context=context, language=language, attachments=attachments).send()
