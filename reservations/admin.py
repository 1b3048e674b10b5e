"""Back office for reservations: find a booking, check it in, mark a no-show, cancel; and the figures."""

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin_scoping import StudioScopedAdmin, manager_studio_id
from auctions.admin import AuctionAdmin
from auctions.models import Auction
from core import l10n

from . import selectors, services, studio_report
from .models import Reservation, ReservationStatus
from .templatetags.desk import render_desk_today


class ReservationInline(admin.TabularInline):
    """The seats of one auction on its page: who holds which, at what price, in what state.

    Read-only: bookings are made by grabs and changed through the reservation actions.
    """

    model = Reservation
    fields = ("seat_no", "customer_name", "locked_price", "status", "reserved_at")
    readonly_fields = fields
    ordering = ("seat_no", "reserved_at")
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = gettext_lazy("seat")
    verbose_name_plural = gettext_lazy("seats booked")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reservation]:
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("customer"))
    def customer_name(self, obj: Reservation) -> str:
        return obj.user.full_name


# Auctions cannot know their bookings (the house's one-way rule): the auction page that shows
# them is the auctions admin with this app's inline, registered in its place.
class AuctionWithSeatsAdmin(AuctionAdmin):
    inlines = [ReservationInline]

    def get_formsets_with_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        # The seats are shown, never posted: a saved auction form carries no formset for them.
        if request.method == "POST":
            return
        yield from super().get_formsets_with_inlines(request, obj)


admin.site.unregister(Auction)
admin.site.register(Auction, AuctionWithSeatsAdmin)


@admin.register(Reservation)
class ReservationAdmin(StudioScopedAdmin):
    studio_path = "auction__studio"
    # The status first: at the desk it decides everything else (charge, check in, or not).
    list_display = (
        "status",
        "class_time",
        "booking_code",
        "seat_no",
        "customer_name",
        "auction",
        "price",
    )
    list_filter = ("status", ("auction__scheduled_at", admin.DateFieldListFilter))
    search_fields = ("booking_code", "user__full_name", "user__email", "auction__title")
    list_select_related = ("user", "auction", "auction__studio")
    ordering = ("-reserved_at",)
    actions = ["check_in", "mark_no_show", "cancel"]
    applied_message = gettext_lazy("%(verb)s: %(count)s reservation(s).")
    fields = (
        "booking_code",
        "user",
        "customer_phone",
        "auction",
        "seat_no",
        "class_time",
        "locked_price",
        "status",
        "reserved_at",
        "checked_in_at",
        "no_show_at",
        "cancelled_at",
        "cancelled_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reservations are made by customers grabbing a spot

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the record stays; cancel instead

    @admin.display(description=gettext_lazy("customer"), ordering="user__full_name")
    def customer_name(self, obj: Reservation) -> str:
        return obj.user.full_name

    @admin.display(description=gettext_lazy("phone"))
    def customer_phone(self, obj: Reservation) -> str:
        return obj.user.phone or "-"

    @admin.display(description=gettext_lazy("class starts at"), ordering="auction__scheduled_at")
    def class_time(self, obj: Reservation) -> str:
        return formats.date_format(timezone.localtime(obj.auction.scheduled_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=gettext_lazy("locked price"), ordering="locked_price")
    def price(self, obj: Reservation) -> str:
        return l10n.money(obj.locked_price)

    @admin.action(description=gettext_lazy("Check in (paid on site)"), permissions=["change"])
    def check_in(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> None:
        self.apply_service(
            request,
            queryset,
            _("Checked in"),
            lambda r: services.reservation_check_in(reservation_id=r.pk, today_only=True),
        )

    @admin.action(description=gettext_lazy("Mark as no-show"), permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> None:
        self.apply_service(
            request,
            queryset,
            _("Marked no-show"),
            lambda r: services.reservation_mark_no_show(reservation_id=r.pk),
        )

    @admin.action(description=gettext_lazy("Cancel (the spot goes back on sale)"), permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> None:
        self.apply_service(
            request,
            queryset,
            _("Cancelled"),
            lambda r: services.reservation_cancel_by_studio(reservation_id=r.pk),
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path("check-in/", self.admin_site.admin_view(self.check_in_view), name="reservations_check_in"),
            path("figures/", self.admin_site.admin_view(self.figures_view), name="reservations_figures"),
            path("today/", self.admin_site.admin_view(self.today_view), name="reservations_today"),
            *super().get_urls(),
        ]

    def check_in_view(self, request: HttpRequest) -> HttpResponse:
        """The front desk: type or scan a booking code; the page says in large type whether it is
        for today's class and what to charge, takes another day's code only when asked twice,
        and lets a check-in be undone for a few minutes."""
        if not self.has_view_permission(request):
            return TemplateResponse(request, "admin/403.html", status=403)
        code = (request.POST.get("code") or request.GET.get("code") or "").strip().upper()
        if code and not code.startswith("HOT-"):
            code = f"HOT-{code}"
        found = self.get_queryset(request).select_related("auction", "auction__studio", "user")
        reservation = found.filter(booking_code=code).first() if code else None
        if (
            request.method == "POST"
            and reservation is not None
            and self.has_change_permission(request, reservation)
        ):
            if self._desk_post(request, reservation):
                return HttpResponseRedirect(f"{reverse('admin:reservations_check_in')}?code={code}")
            reservation.refresh_from_db()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Check-in"),
            "code": code,
            "reservation": reservation,
            "not_found": bool(code) and reservation is None,
            "opts": self.model._meta,
            **(_desk_verdict(reservation, now=timezone.now()) if reservation is not None else {}),
        }
        return TemplateResponse(request, "admin/reservations/reservation/check_in.html", context)

    def _desk_post(self, request: HttpRequest, reservation: Reservation) -> int:
        """Check in (another day's class only with `other_day=yes`) or undo; how many were done."""
        selected = self.get_queryset(request).filter(pk=reservation.pk)
        if request.POST.get("action") == "undo":
            return self.apply_service(
                request,
                selected,
                _("Check-in undone"),
                lambda r: services.reservation_check_in_undo(reservation_id=r.pk),
            )
        # Another day's class only once the desk has ticked that it checked (the service refuses).
        confirmed = request.POST.get("other_day") == "yes"
        return self.apply_service(
            request,
            selected,
            _("Checked in"),
            lambda r: services.reservation_check_in(reservation_id=r.pk, today_only=not confirmed),
        )

    def today_view(self, request: HttpRequest) -> HttpResponse:
        """The home page's "today" again, for its script to swap in every few seconds."""
        if not self.has_view_permission(request):
            return JsonResponse({"detail": _("You cannot see this studio's bookings.")}, status=403)
        return JsonResponse({"html": render_desk_today(request)})

    def figures_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            return TemplateResponse(request, "admin/403.html", status=403)
        today = timezone.localdate()
        # By default the last four weeks of classes and the coming week's (sold in advance).
        start, end = today - dt.timedelta(days=28), today + dt.timedelta(days=7)
        period = PeriodForm(request.GET or None, initial={"start": start, "end": end})
        if period.is_valid():
            start, end = period.cleaned_data["start"] or start, period.cleaned_data["end"] or end
            # Shown again in the reader's format, whatever form of the date was typed.
            period = PeriodForm(initial={"start": start, "end": end})
        zone = timezone.get_current_timezone()
        result = studio_report.studio_figures(
            studio_id=manager_studio_id(request),
            start=dt.datetime.combine(start, dt.time.min, tzinfo=zone),
            end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Studio figures"),
            "form": period,
            "start": start,
            "end": end,
            "figures": result,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/reservations/reservation/figures.html", context)


# What the desk must not miss, per state: the large line, and whether money is taken.
_DO_NOT_CHARGE = {
    ReservationStatus.CANCELLED: gettext_lazy("Do not charge: this booking was cancelled"),
    ReservationStatus.NO_SHOW: gettext_lazy("Do not charge: marked as a no-show"),
    ReservationStatus.COMPLETED: gettext_lazy("Do not charge: already checked in"),
}


def _desk_verdict(reservation: Reservation, *, now: dt.datetime) -> dict[str, Any]:
    """The check-in page's verdict: `state` is today, other_day or do_not_charge."""
    zone = zoneinfo.ZoneInfo(reservation.auction.studio.timezone)
    undo_until = selectors.check_in_undoable_until(reservation)
    verdict: dict[str, Any] = {
        "class_time": reservation.auction.scheduled_at.astimezone(zone),
        "checked_in_at": reservation.checked_in_at.astimezone(zone) if reservation.checked_in_at else None,
        "undo_until": undo_until.astimezone(zone) if undo_until and now <= undo_until else None,
    }
    if reservation.status in _DO_NOT_CHARGE:
        headline = _DO_NOT_CHARGE[ReservationStatus(reservation.status)]
        return {**verdict, "state": "do_not_charge", "headline": headline}
    if selectors.is_for_today(reservation, now=now):
        return {**verdict, "state": "today", "headline": _("Today's class: take payment")}
    return {**verdict, "state": "other_day", "headline": _("Not today: this booking is for another day")}


class PeriodForm(forms.Form):
    # The admin's own date box and calendar: dates shown and typed as the reader writes them
    # (07.12.2026), where a type=date input shows whatever the browser's own locale says.
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=AdminDateWidget)
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=AdminDateWidget)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            raise forms.ValidationError(_("The period must start before it ends."))
        return cleaned
