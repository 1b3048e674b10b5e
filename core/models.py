"""The platform's own rows: the email outbox (written with the change it tells about)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """An email to send, written in the same transaction as the change it tells about.

    A Celery task sends it after commit; if the broker or the mail server is down, it stays
    unsent here and the periodic `flush_outbox` task tries again, so no email is lost.
    """

    template = models.CharField(max_length=64)
    to = models.EmailField()
    context = models.JSONField(default=dict)
    language = models.CharField(max_length=5, default="tr")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    # A sender holds the email until then while the mail server answers (core.outbox.deliver).
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        indexes = [
            models.Index(
                fields=["created_at"], name="outbox_unsent_idx", condition=models.Q(sent_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.template} to {self.to}"


class JobRun(models.Model):
    """When a periodic job last finished and what it did (the health check shows it)."""

    name = models.CharField(max_length=64, primary_key=True)
    last_run_at = models.DateTimeField()
    last_result = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self) -> str:
        return f"{self.name} at {self.last_run_at.isoformat()}"
