"""Reservations: the spot a customer grabbed, the price locked at that instant, and its fate."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from auctions.models import Auction, money_field


class ReservationStatus(models.TextChoices):
    PENDING_ON_SITE = "PENDING_ON_SITE", _("To pay on site")
    COMPLETED = "COMPLETED", _("Checked in")
    NO_SHOW = "NO_SHOW", _("No-show")
    CANCELLED = "CANCELLED", _("Cancelled")


class CancelledBy(models.TextChoices):
    CUSTOMER = "CUSTOMER", _("Customer")
    STUDIO = "STUDIO", _("Studio")


class Reservation(models.Model):
    auction = models.ForeignKey(
        Auction, verbose_name=_("auction"), on_delete=models.PROTECT, related_name="reservations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    locked_price = money_field(_("locked price"))
    booking_code = models.CharField(_("booking code"), max_length=10, unique=True)
    status = models.CharField(
        _("status"),
        max_length=15,
        choices=ReservationStatus.choices,
        default=ReservationStatus.PENDING_ON_SITE,
    )
    reserved_at = models.DateTimeField(_("reserved at"), default=timezone.now)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("marked no-show at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.CharField(_("cancelled by"), max_length=8, choices=CancelledBy.choices, blank=True)
    # The client's Idempotency-Key of the grab that made this row, so a retry returns it.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-reserved_at", "-id"]
        constraints = [
            # The database's own guarantee behind the grab's row lock: one live sale per spot.
            models.UniqueConstraint(
                fields=["auction"],
                condition=~Q(status="CANCELLED"),
                name="reservation_one_live_per_auction",
            ),
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="reservation_idempotency_key_unique",
            ),
            models.CheckConstraint(condition=Q(locked_price__gt=0), name="reservation_locked_price_positive"),
            models.CheckConstraint(
                condition=~Q(status="CANCELLED") | Q(cancelled_at__isnull=False),
                name="reservation_cancelled_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "status"], name="reservation_user_status_idx"),
        ]

    def __str__(self) -> str:
        return self.booking_code
