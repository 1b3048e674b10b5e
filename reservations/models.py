"""Reservations: the seat a customer grabbed, the price locked at that instant, and its fate."""

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
    # Which of the auction's seats (1..seats): the grab takes the lowest one no live reservation holds.
    seat_no = models.PositiveSmallIntegerField(_("seat"))
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
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True, editable=False)
    # The client's Idempotency-Key of the grab that made this row, so a retry returns it.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-reserved_at", "-id"]
        constraints = [
            # The database's own guarantees behind the grab's row lock: one live sale per seat,
            # one live seat per customer and auction.
            models.UniqueConstraint(
                fields=["auction", "seat_no"],
                condition=~Q(status="CANCELLED"),
                name="reservation_one_live_per_seat",
            ),
            models.UniqueConstraint(
                fields=["auction", "user"],
                condition=~Q(status="CANCELLED"),
                name="reservation_one_live_per_customer",
            ),
            models.CheckConstraint(condition=Q(seat_no__gte=1), name="reservation_seat_no_positive"),
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


class NotificationKind(models.TextChoices):
    BOOKING_CONFIRMED = "BOOKING_CONFIRMED", _("Booking confirmed")
    RESERVATION_CANCELLED_BY_STUDIO = (
        "RESERVATION_CANCELLED_BY_STUDIO",
        _("Reservation cancelled by the studio"),
    )
    AUCTION_CANCELLED = "AUCTION_CANCELLED", _("Class cancelled")
    NO_SHOW = "NO_SHOW", _("Marked as no-show")
    BOOKING_SUSPENDED = "BOOKING_SUSPENDED", _("Booking suspended")
    CUSTOMER_CANCELLED = "CUSTOMER_CANCELLED", _("A customer cancelled")
    AUCTION_EXPIRED_UNSOLD = "AUCTION_EXPIRED_UNSOLD", _("Auction ended unsold")


class Notification(models.Model):
    """An in-app message for one person; its text is rendered in the reader's language."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    # What the message is about: ids and the few values its text needs (title, code, price, time).
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read_idx")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
