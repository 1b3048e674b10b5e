"""Emails from templates, in the recipient's language, as plain text and HTML, sent by Celery.

`templates/emails/<name>_subject.txt`, `<name>.txt` and `<name>.html` make one message.
`queue_email` stores the email in the outbox inside the caller's transaction and asks Celery to
send it after commit. A mail server or broker that is down never fails the request: the email
stays in the outbox and `flush_outbox` (Celery beat, every minute) sends it later.
"""

import logging
import smtplib
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core import effects, sql
from core.hooks import Hook
from core.models import OutboundEmail

logger = logging.getLogger(__name__)

Attachment = tuple[str, bytes, str]  # file name, content, MIME type
RETRYABLE = (smtplib.SMTPException, OSError)
MAX_ATTEMPTS = 10
# Emails that a task should have sent by now; younger ones are still on their way.
STALE_AFTER = timedelta(minutes=2)
# context=dict → list[Attachment]: the apps attach files an email's context asks for (the
# reservations app, a class's calendar entry), built when the email is sent.
attachments_for: Hook[list[Attachment]] = Hook("core.outbox_attachments")


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
    email = OutboundEmail(
        template=template, to=to, context=context, language=language or translation.get_language() or "tr"
    )
    sql.insert(email)  # the grab's hot path: no query compiler
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # The embedded default and the tests: sent inline after commit.
        effects.on_commit(send_email.delay, email.pk)
    else:
        # Publishing to Redis need not hold the request: the outbox has the email either way.
        effects.on_commit_in_background(send_email.delay, email.pk)


def deliver(email_id: int) -> bool:
    """Send one outbox email unless already sent; True when it went out now."""
    failure: Exception | None = None
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update(skip_locked=True).filter(pk=email_id).first()
        if email is None or email.sent_at is not None:
            return False
        email.attempts += 1
        try:
            message = _message(email)
        except Exception as exc:
            # Not the mail server's fault and no retry will mend it (a template a deploy renamed,
            # say): recorded as given up, so it neither loops nor holds up the emails after it.
            logger.exception("outbox email %s cannot be built; giving up on it", email_id)
            email.attempts = MAX_ATTEMPTS
            email.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
            email.save(update_fields=["attempts", "last_error"])
            return False
        try:
            message.send()
            email.sent_at = timezone.now()
            # Links with tokens, names, booking codes: needed to send, not to remember.
            email.context = {}
        except RETRYABLE as exc:
            # Recorded (committed) before the caller retries or gives up.
            email.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
            failure = exc
        email.save(update_fields=["attempts", "sent_at", "last_error", "context"])
    if failure is not None:
        raise failure
    return True


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
    # Built when sent, from the database, so a late message carries the current state.
    attachments = [item for answer in attachments_for.call(context=email.context) for item in answer]
    return build_email(
        template=email.template,
        to=email.to,
        context=email.context,
        language=email.language,
        attachments=attachments,
    )


@shared_task(
    bind=True,
    ignore_result=True,
    autoretry_for=RETRYABLE,
    retry_backoff=settings.HOTHOUR_EMAIL_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=60 * settings.HOTHOUR_EMAIL_RETRY_BACKOFF_SECONDS,
    retry_jitter=True,
    max_retries=MAX_ATTEMPTS - 1,
)
def send_email(self: Any, email_id: int) -> None:
    if self.request.retries:
        logger.warning("retrying email %s (attempt %s)", email_id, self.request.retries + 1)
    deliver(email_id)


@shared_task(ignore_result=True)
def flush_outbox() -> int:
    """Send what no task delivered (broker down at commit time, a worker lost, retries spent)."""
    stale = OutboundEmail.objects.filter(
        sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, created_at__lt=timezone.now() - STALE_AFTER
    ).values_list("pk", flat=True)
    sent = 0
    for email_id in list(stale[:500]):
        try:
            sent += deliver(email_id)
        except RETRYABLE:
            logger.warning("outbox email %s still failing", email_id)
    return sent


@shared_task(ignore_result=True)
def purge_outbox() -> int:
    """Forget emails older than HOTHOUR_OUTBOX_RETENTION_DAYS: sent ones, and ones given up on."""
    cutoff = timezone.now() - timedelta(days=settings.HOTHOUR_OUTBOX_RETENTION_DAYS)
    deleted, _by_model = OutboundEmail.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def outbox_forget(*, to: str) -> int:
    """Delete every email addressed to `to` (its account is being erased), sent or not."""
    deleted, _by_model = OutboundEmail.objects.filter(to__iexact=to).delete()
    return deleted
