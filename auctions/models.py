"""Auctions: the spots (seats) of one class, sold by a descending price. Status changes live in services."""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Studio

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


def money_field(verbose_name: "StrOrPromise", **options: Any) -> models.DecimalField:
    """Money: up to 99,999,999.99 in the configured currency (HOTHOUR_CURRENCY)."""
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=2, **options)


class AllowedGender(models.TextChoices):
    ANY = "ANY", _("Anyone")
    FEMALE = "FEMALE", _("Women only")
    MALE = "MALE", _("Men only")


class AuctionStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    SCHEDULED = "SCHEDULED", _("Scheduled")
    ACTIVE = "ACTIVE", _("Active")
    SOLD = "SOLD", _("Sold")
    EXPIRED = "EXPIRED", _("Expired")
    CANCELLED = "CANCELLED", _("Cancelled")


# Statuses the tick still has work for (a start, a price step, turbo, the end).
TICKING_STATUSES = (AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE)


# A class sells 1 to MAX_SEATS spots through one auction (DESIGN section 3, "Several spots per class").
MAX_SEATS = 50


# What a studio sets on an auction (forms, the API, duplication); everything else is derived.
SETTINGS_FIELDS = (
    "title",
    "description",
    "allowed_gender",
    "start_price",
    "floor_price",
    "start_time",
    "end_time",
    "scheduled_at",
    "seats",
    "drop_interval_mins",
    "drop_amount",
    "turbo_enabled",
    "turbo_trigger_mins",
    "turbo_drop_amount",
    "turbo_interval_mins",
)


class Auction(models.Model):
    studio = models.ForeignKey(
        Studio, verbose_name=_("studio"), on_delete=models.PROTECT, related_name="auctions"
    )
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    allowed_gender = models.CharField(
        _("allowed gender"), max_length=6, choices=AllowedGender.choices, default=AllowedGender.ANY
    )

    start_price = money_field(_("start price"))
    floor_price = money_field(_("floor price"))
    # A cache for listing and sorting, refreshed by the tick; responses recompute the live price.
    current_price = money_field(_("current price"))
    start_time = models.DateTimeField(_("auction opens at"))
    end_time = models.DateTimeField(_("auction closes at"))
    scheduled_at = models.DateTimeField(_("class starts at"))
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)
    # Seats held by live (not cancelled) reservations. The app that owns the reservations keeps it,
    # under this row's lock, in the transaction that takes or frees a seat; lists and pushes read it.
    seats_sold = models.PositiveSmallIntegerField(_("seats sold"), default=0, editable=False)
    drop_interval_mins = models.PositiveIntegerField(_("drop every (minutes)"), default=30)
    drop_amount = money_field(_("drop amount"))

    turbo_enabled = models.BooleanField(_("turbo enabled"), default=False)
    turbo_trigger_mins = models.PositiveIntegerField(_("turbo starts (minutes before close)"), default=120)
    turbo_drop_amount = money_field(_("turbo drop amount"), null=True, blank=True)
    turbo_interval_mins = models.PositiveIntegerField(_("turbo drop every (minutes)"), default=10)
    turbo_started_at = models.DateTimeField(_("turbo started at"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=9, choices=AuctionStatus.choices, default=AuctionStatus.DRAFT
    )
    # When the tick next has something to do for this auction (status change or price step).
    next_change_at = models.DateTimeField(_("next change at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("auction")
        verbose_name_plural = _("auctions")
        ordering = ["end_time", "id"]
        indexes = [
            models.Index(
                fields=["next_change_at"],
                name="auction_due_idx",
                condition=Q(next_change_at__isnull=False),
            ),
            models.Index(fields=["status", "end_time"], name="auction_status_end_idx"),
            models.Index(fields=["studio", "status"], name="auction_studio_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(floor_price__gt=0), name="auction_floor_positive"),
            models.CheckConstraint(
                condition=Q(start_price__gt=F("floor_price")), name="auction_start_above_floor"
            ),
            models.CheckConstraint(
                condition=Q(drop_amount__gt=0, drop_amount__lte=F("start_price") - F("floor_price")),
                name="auction_drop_amount_range",
            ),
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="auction_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(scheduled_at__gte=F("end_time")), name="auction_class_after_end"
            ),
            models.CheckConstraint(
                condition=Q(drop_interval_mins__gt=0), name="auction_drop_interval_positive"
            ),
            models.CheckConstraint(
                condition=Q(seats__gte=1, seats__lte=MAX_SEATS), name="auction_seats_range"
            ),
            models.CheckConstraint(
                condition=Q(seats_sold__gte=0, seats_sold__lte=F("seats")), name="auction_seats_sold_range"
            ),
            models.CheckConstraint(
                condition=Q(current_price__gte=F("floor_price"), current_price__lte=F("start_price")),
                name="auction_current_price_range",
            ),
            models.CheckConstraint(
                condition=Q(turbo_enabled=False)
                | Q(
                    turbo_interval_mins__gt=0,
                    turbo_interval_mins__lt=F("drop_interval_mins"),
                    turbo_drop_amount__isnull=False,
                    turbo_drop_amount__gt=0,
                    turbo_drop_amount__lte=F("start_price") - F("floor_price"),
                ),
                name="auction_turbo_settings",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def cancellable_until(self) -> datetime:
        """Until when a customer may cancel a booking of this class free of charge (DESIGN section 4)."""
        return self.scheduled_at - timedelta(minutes=settings.HOTHOUR_CANCEL_CUTOFF_MINUTES)

    @property
    def seats_left(self) -> int:
        """Seats no live reservation holds (whether they can still be bought is the status's say)."""
        return max(self.seats - self.seats_sold, 0)


class TickHeartbeat(models.Model):
    """One row: when a tick last finished, whichever process ran it (shown by the health check)."""

    last_tick_at = models.DateTimeField()
    last_processed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("tick heartbeat")

    def __str__(self) -> str:
        return f"last tick {self.last_tick_at.isoformat()}"
