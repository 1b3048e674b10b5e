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
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from prometheus_client.core import GaugeMetricFamily

from core import effects, sql
from core.hooks import Hook
from core.models import OutboundEmail

logger = logging.getLogger(__name__)

Attachment = tuple[str, bytes, str]  # file name, content, MIME type
RETRYABLE = (smtplib.SMTPException, OSError)
MAX_ATTEMPTS = 10
# Emails that a task should have sent by now; younger ones are still on their way.
STALE_AFTER = timedelta(minutes=2)
# A sender's hold on an email while the mail server answers; past it, another sender may try.
CLAIM_SECONDS = 120
# flush_outbox: emails claimed per transaction, and batches per run (beat runs it every minute).
FLUSH_BATCH = 50
FLUSH_MAX_BATCHES = 20
FLUSH_SOFT_LIMIT_SECONDS = 50
SEND_SOFT_LIMIT_SECONDS = 60
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
    queue_emails([OutboundEmail(template=template, to=to, context=context, language=language or "")])


def queue_emails(emails: list[OutboundEmail]) -> None:
    """Store new outbox emails in one insert and ask Celery to send each after commit (a tick
    filling a thousand standing orders queues a thousand confirmations). An email without a
    language is written in the active one."""
    if not emails:
        return
    for email in emails:
        email.language = email.language or translation.get_language() or "tr"
    sql.insert(*emails)  # the grab's hot path: no query compiler
    # One task per email, so workers send them side by side.
    for email in emails:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # The embedded default and the tests: sent inline after commit.
            effects.on_commit(send_email.delay, email.pk)
        else:
            # Publishing to Redis need not hold the request: the outbox has the email either way.
            effects.on_commit_in_background(send_email.delay, email.pk)


def deliver(email_id: int) -> bool:
    """Send one outbox email unless it is sent or being sent; True when it went out now.

    The row is locked only to claim it (a lease of CLAIM_SECONDS), never across the mail server's
    answer: a slow SMTP server holds no database lock and blocks no other sender. A sender that
    dies mid-send leaves a lease that runs out, and the email is tried again.
    """
    email = _claim(OutboundEmail.objects.filter(pk=email_id))
    if email is None:
        return False
    return _send_claimed(email)


def _claim(candidates: QuerySet[OutboundEmail], limit: int = 1) -> OutboundEmail | None:
    claimed = claim_batch(candidates, limit=limit)
    return claimed[0] if claimed else None


def claim_batch(candidates: QuerySet[OutboundEmail], *, limit: int) -> list[OutboundEmail]:
    """Up to `limit` of `candidates` that are unsent and not claimed, claimed for this sender in one
    short transaction (rows another sender is claiming are skipped, not waited for)."""
    now = timezone.now()
    with transaction.atomic():
        emails = list(
            candidates.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("pk")[:limit]
        )
        for email in emails:
            email.attempts += 1
            email.claimed_until = now + timedelta(seconds=CLAIM_SECONDS)
        OutboundEmail.objects.bulk_update(emails, ["attempts", "claimed_until"])
    return emails


def _send_claimed(email: OutboundEmail) -> bool:
    """Outside any transaction: build, send, record; True when it went out. Raises what the mail
    server raised."""
    try:
        message = _message(email)
    except Exception as exc:
        # Not the mail server's fault and no retry will mend it (a template a deploy renamed,
        # say): recorded as given up, so it neither loops nor holds up the emails after it.
        logger.exception("outbox email cannot be built; giving up on it", extra={"email_id": email.pk})
        OutboundEmail.objects.filter(pk=email.pk).update(
            attempts=MAX_ATTEMPTS, last_error=f"{exc.__class__.__name__}: {exc}"[:300], claimed_until=None
        )
        return False
    try:
        message.send()
    except RETRYABLE as exc:
        # Recorded before the caller retries or gives up; the claim is released for the retry.
        OutboundEmail.objects.filter(pk=email.pk).update(
            last_error=f"{exc.__class__.__name__}: {exc}"[:300], claimed_until=None
        )
        raise
    except BaseException:
        OutboundEmail.objects.filter(pk=email.pk).update(claimed_until=None)
        raise
    # Links with tokens, names, booking codes: needed to send, not to remember.
    OutboundEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now(), claimed_until=None, context={})
    logger.info("email sent", extra={"email_id": email.pk, "template": email.template})
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
    soft_time_limit=SEND_SOFT_LIMIT_SECONDS,
    time_limit=SEND_SOFT_LIMIT_SECONDS + 30,
)
def send_email(self: Any, email_id: int) -> None:
    if self.request.retries:
        logger.warning("retrying email %s (attempt %s)", email_id, self.request.retries + 1)
    deliver(email_id)


@shared_task(
    ignore_result=True, soft_time_limit=FLUSH_SOFT_LIMIT_SECONDS, time_limit=FLUSH_SOFT_LIMIT_SECONDS + 30
)
def flush_outbox(batch_size: int = FLUSH_BATCH, max_batches: int = FLUSH_MAX_BATCHES) -> int:
    """Send what no task delivered (broker down at commit time, a worker lost, retries spent), in
    batches of `batch_size`: each claimed in its own short transaction, then sent with no lock
    held. At most `max_batches` a run; beat's next run takes the rest."""
    stale = OutboundEmail.objects.filter(
        attempts__lt=MAX_ATTEMPTS, created_at__lt=timezone.now() - STALE_AFTER
    )
    sent = 0
    try:
        for _batch in range(max_batches):
            emails = claim_batch(stale, limit=batch_size)
            for email in emails:
                try:
                    sent += _send_claimed(email)
                except RETRYABLE:
                    logger.warning("outbox email still failing", extra={"email_id": email.pk})
            if len(emails) < batch_size:
                break
    except SoftTimeLimitExceeded:
        # The claims taken and not sent run out; the next run sends them.
        logger.warning("outbox flush stopped at its time limit after %s emails", sent)
    return sent


def backlog() -> int:
    """Emails still to send (not given up on): what health and /metrics report."""
    return OutboundEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).count()


def backlog_metric() -> GaugeMetricFamily:
    return GaugeMetricFamily("hothour_outbox_backlog", "Emails waiting in the outbox.", value=backlog())


def health_report() -> dict[str, Any]:
    """The outbox's part of `GET health/`: emails still to send."""
    return {"outbox": {"backlog": backlog()}}


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
