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
