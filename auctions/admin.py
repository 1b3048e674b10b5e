"""Back office for auctions: a manager's own studio only; every change goes through the services."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.admin_scoping import StudioScopedAdmin, manager_studio_id
from accounts.models import Studio

from . import hooks, lifecycle, pricing, selectors, services, validation
from .models import SETTINGS_FIELDS, Auction, AuctionStatus


class AuctionForm(forms.ModelForm):
    class Meta:
        model = Auction
        fields = ["studio", *SETTINGS_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        candidate = self.instance
        published = candidate.pk is not None and candidate.status != AuctionStatus.DRAFT
        seats_before = candidate.seats if published else None
        for name in SETTINGS_FIELDS:
            if name in cleaned:
                setattr(candidate, name, cleaned[name])
        publishing = candidate.pk is not None and candidate.status == AuctionStatus.SCHEDULED
        errors = validation.settings_errors(
            candidate, now=timezone.now(), publishing=publishing, seats_before=seats_before
        )
        for field, field_errors in errors.items():
            target = field if field in self.fields else None
            for message in field_errors:
                if target is None or target not in self.errors:
                    self.add_error(target, message)
        return cleaned


class LiveStatusFilter(admin.SimpleListFilter):
    """By the status as of now, like the status column, even before the tick has stored it."""

    title = gettext_lazy("status")
    parameter_name = "status_now"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return AuctionStatus.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Auction]) -> QuerySet[Auction]:
        if self.value() in AuctionStatus.values:
            return queryset.filter(selectors.status_q(str(self.value()), timezone.now()))
        return queryset


def _money(value: Any) -> str:
    return f"{value:.2f}"


@admin.register(Auction)
class AuctionAdmin(StudioScopedAdmin):
    form = AuctionForm
    list_display = (
        "title",
        "scheduled_at",
        "status_now",
        "price_now",
        "turbo_state",
        "seats_state",
        "is_sold",
        "studio",
    )
    list_filter = (
        LiveStatusFilter,
        ("scheduled_at", admin.DateFieldListFilter),
        "allowed_gender",
        "turbo_enabled",
    )
    search_fields = ("title", "description")
    date_hierarchy = "scheduled_at"
    ordering = ("-scheduled_at",)
    actions = ["publish", "cancel", "start_turbo", "duplicate_next_week"]
    applied_message = gettext_lazy("%(verb)s: %(count)s auction(s).")
    readonly_fields = ("status_now", "price_now", "turbo_started_at", "price_curve", "watch_demand")
    fieldsets = (
        (None, {"fields": ("studio", "title", "description", "allowed_gender", "scheduled_at", "seats")}),
        (
            gettext_lazy("Price"),
            {"fields": ("start_price", "floor_price", "drop_amount", "drop_interval_mins")},
        ),
        (gettext_lazy("Auction window"), {"fields": ("start_time", "end_time")}),
        (
            gettext_lazy("Turbo"),
            {"fields": ("turbo_enabled", "turbo_trigger_mins", "turbo_drop_amount", "turbo_interval_mins")},
        ),
        (
            gettext_lazy("Now"),
            {"fields": ("status_now", "price_now", "turbo_started_at", "price_curve", "watch_demand")},
        ),
    )

    # --- what a manager may see and change -------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if manager_studio_id(request) is None:
            return fieldsets
        # A manager's auctions are always their own studio's: the field is not theirs to set.
        first_name, first = fieldsets[0]
        fields = [name for name in first["fields"] if name != "studio"]
        return ((first_name, {**first, "fields": fields}), *fieldsets[1:])

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            editable = services.editable_fields(obj, now=timezone.now())
            readonly += [name for name in SETTINGS_FIELDS if name not in editable]
            readonly.append("studio")
        return readonly

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "studio":
            studio_id = manager_studio_id(request)
            if studio_id is not None:
                kwargs["queryset"] = Studio.objects.filter(pk=studio_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Once published, an auction is part of the record: cancel it instead.
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.status == AuctionStatus.DRAFT)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: Auction, form: forms.ModelForm, change: bool) -> None:
        if change:
            values = {name: form.cleaned_data[name] for name in form.changed_data if name in SETTINGS_FIELDS}
            saved = services.auction_update(auction_id=obj.pk, **values)
        else:
            studio_id = manager_studio_id(request)
            studio = (
                Studio.objects.get(pk=studio_id) if studio_id is not None else form.cleaned_data["studio"]
            )
            values = {name: form.cleaned_data[name] for name in SETTINGS_FIELDS if name in form.cleaned_data}
            saved = services.auction_create(studio=studio, **values)
        obj.pk = saved.pk
        obj.refresh_from_db()

    # --- live columns ------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("status"))
    def status_now(self, obj: Auction) -> str:
        if obj.pk is None:
            return "-"
        return str(AuctionStatus(lifecycle.live_state(obj, timezone.now()).status).label)

    @admin.display(description=gettext_lazy("price now"))
    def price_now(self, obj: Auction) -> str:
        if obj.pk is None:
            return "-"
        return _money(lifecycle.live_state(obj, timezone.now()).price)

    @admin.display(description=gettext_lazy("turbo"))
    def turbo_state(self, obj: Auction) -> str:
        if not obj.turbo_enabled:
            return "-"
        if pricing.turbo_active(pricing.PriceSettings.of(obj), timezone.now()):
            return _("running")
        return _("from %(time)s") % {
            "time": timezone.localtime(pricing.turbo_from(pricing.PriceSettings.of(obj))).strftime("%H:%M")
        }

    @admin.display(description=gettext_lazy("seats left"))
    def seats_state(self, obj: Auction) -> str:
        return _("%(left)s of %(seats)s") % {"left": obj.seats_left, "seats": obj.seats}

    @admin.display(description=gettext_lazy("sold out"), boolean=True)
    def is_sold(self, obj: Auction) -> bool:
        return obj.status == AuctionStatus.SOLD

    @admin.display(description=gettext_lazy("price curve"))
    def price_curve(self, obj: Auction) -> SafeString | str:
        if obj.pk is None:
            return _("Save the draft to see its price curve.")
        steps = pricing.schedule(pricing.PriceSettings.of(obj), limit=pricing.MAX_SCHEDULE_POINTS)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td></tr>",
            ((timezone.localtime(step.at).strftime("%d.%m %H:%M"), _money(step.price)) for step in steps),
        )
        table = format_html(
            '<table class="price-curve"><thead><tr><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("from"),
            _("price"),
            rows,
        )
        seats = format_html(
            '<p class="price-curve-seats">{}</p>',
            ngettext("%(seats)s seat", "%(seats)s seats", obj.seats) % {"seats": obj.seats},
        )
        return format_html("{}{}{}", seats, _curve_svg(obj, steps), table)

    @admin.display(description=gettext_lazy("watching"))
    def watch_demand(self, obj: Auction) -> SafeString | str:
        """How many customers watch the auction, at which prices: the demand curve, without names."""
        if obj.pk is None:
            return "-"
        demand = [row for rows in hooks.auction_watch_demand.call(auction=obj) for row in rows]
        if not demand:
            return _("Nobody is watching this auction.")
        watchers = sum(count for _price, count in demand)
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", ((_money(p), n) for p, n in demand))
        return format_html(
            '<p class="watch-demand-total">{}</p><table class="watch-demand"><thead><tr><th>{}</th>'
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            ngettext("%(count)s customer watches it", "%(count)s customers watch it", watchers)
            % {"count": watchers},
            _("alert price"),
            _("customers"),
            rows,
        )

    # --- actions (list) and buttons (change page), all through the services ------------------

    @admin.action(description=gettext_lazy("Publish"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Auction]) -> None:
        self.apply_service(
            request, queryset, _("Published"), lambda a: services.auction_publish(auction_id=a.pk)
        )

    @admin.action(description=gettext_lazy("Cancel (cancels its reservations too)"), permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Auction]) -> None:
        self.apply_service(
            request, queryset, _("Cancelled"), lambda a: services.auction_cancel(auction_id=a.pk)
        )

    @admin.action(description=gettext_lazy("Start turbo now"), permissions=["change"])
    def start_turbo(self, request: HttpRequest, queryset: QuerySet[Auction]) -> None:
        self.apply_service(
            request, queryset, _("Turbo started"), lambda a: services.auction_turbo_start(auction_id=a.pk)
        )

    @admin.action(description=gettext_lazy("Duplicate for the same class next week"), permissions=["add"])
    def duplicate_next_week(self, request: HttpRequest, queryset: QuerySet[Auction]) -> None:
        self.apply_service(
            request,
            queryset,
            _("Duplicated as a draft"),
            lambda a: services.auction_duplicate(auction_id=a.pk),
        )

    def get_urls(self) -> list[URLPattern]:
        buttons = {"publish": self.publish, "cancel": self.cancel, "turbo": self.start_turbo}
        urls = [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(require_POST(self._button_view(action))),
                name=f"auctions_auction_{name}",
            )
            for name, action in buttons.items()
        ]
        return urls + super().get_urls()

    def _button_view(self, action: Any) -> Any:
        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            auction = self.get_object(request, object_id)
            if not self.has_change_permission(request, auction):
                return TemplateResponse(request, "admin/403.html", status=403)
            action(request, self.get_queryset(request).filter(pk=auction.pk))
            return HttpResponseRedirect(reverse("admin:auctions_auction_change", args=[auction.pk]))

        return view

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        obj = context.get("original")
        if obj is not None:
            status = lifecycle.status_at(obj.status, pricing.PriceSettings.of(obj), timezone.now())
            context["can_publish"] = obj.status == AuctionStatus.DRAFT
            context["can_turbo"] = (
                obj.turbo_enabled
                and status == AuctionStatus.ACTIVE
                and not pricing.turbo_active(pricing.PriceSettings.of(obj), timezone.now())
            )
            context["can_cancel"] = (
                status not in (AuctionStatus.DRAFT, AuctionStatus.CANCELLED, AuctionStatus.EXPIRED)
                and obj.scheduled_at > timezone.now()
            )
        return super().render_change_form(request, context, *args, **kwargs)


def _curve_svg(auction: Auction, steps: list[pricing.Step]) -> SafeString:
    """A small step chart of the price over the auction window (numbers only, so safe to inline)."""
    width, height = 360, 120
    start, end = auction.start_time, auction.end_time
    span = (end - start).total_seconds() or 1
    low, high = float(auction.floor_price), float(auction.start_price)

    def x(moment: Any) -> float:
        return round((moment - start).total_seconds() / span * width, 1)

    def y(price: Any) -> float:
        return round(height - (float(price) - low) / ((high - low) or 1) * (height - 10) - 5, 1)

    points = []
    for index, step in enumerate(steps):
        if index:
            points.append(f"{x(step.at)},{y(steps[index - 1].price)}")
        points.append(f"{x(step.at)},{y(step.price)}")
    points.append(f"{width},{y(steps[-1].price)}")
    now_x = x(min(max(timezone.now(), start), end))
    return mark_safe(  # noqa: S308 - built from numbers only
        f'<svg class="price-curve-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img"><polyline fill="none" stroke="#417690" stroke-width="2" points="{" ".join(points)}"/>'
        f'<line x1="{now_x}" x2="{now_x}" y1="0" y2="{height}" stroke="#ba2121" stroke-dasharray="3"/></svg>'
    )
