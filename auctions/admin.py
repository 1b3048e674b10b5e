"""Back office for auctions: a manager's own studio only; every change goes through the services."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.admin_scoping import StudioScopedAdmin, manager_studio_id
from accounts.models import Studio
from core import l10n

from . import admin_curve, lifecycle, pricing, selectors, services, validation
from .models import SETTINGS_FIELDS, Auction, AuctionStatus

# Rows one live-prices request may ask for (a changelist page shows 100).
LIVE_PRICES_MAX = 200
# Everything the curve depends on (pricing.PriceSettings), as the form names them.
PRICE_SHAPE_FIELDS = (
    "start_price",
    "floor_price",
    "drop_amount",
    "drop_interval_mins",
    "start_time",
    "end_time",
    "turbo_enabled",
    "turbo_trigger_mins",
    "turbo_drop_amount",
    "turbo_interval_mins",
)
MONEY_FIELDS = ("start_price", "floor_price", "drop_amount", "turbo_drop_amount")


def _with_currency(label: Any) -> Any:
    """`start price (₺)`": the form says which money it means (lazy, translated when shown)."""
    symbol = l10n.CURRENCY_SYMBOLS.get(settings.HOTHOUR_CURRENCY, settings.HOTHOUR_CURRENCY)
    return format_lazy("{} ({})", label, symbol)


def _fixed_name(name: str) -> str:
    """The read-only stand-in of a money field (see `_fixed_money`)."""
    return f"{name}_fixed" if name in MONEY_FIELDS else name


def _fixed_money(name: str) -> Any:
    @admin.display(description=_with_currency(getattr(Auction._meta.get_field(name), "verbose_name", name)))
    def shown(self: Any, obj: Auction) -> str:
        value = getattr(obj, name)
        return "-" if value is None else l10n.money(value)

    return shown


class AuctionForm(forms.ModelForm):
    class Meta:
        model = Auction
        fields = ["studio", *SETTINGS_FIELDS]
        # Text inputs in the reader's format: "450,50" in Turkish (a number input refuses the comma).
        localized_fields = MONEY_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in MONEY_FIELDS:
            if name in self.fields:
                self.fields[name].label = _with_currency(self.fields[name].label)

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
    readonly_fields = ("status_now", "price_now", "turbo_started_at", "price_curve")
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
        (gettext_lazy("Price curve"), {"fields": ("price_curve",)}),
        (gettext_lazy("Now"), {"fields": ("status_now", "price_now", "turbo_started_at")}),
    )

    # --- what a manager may see and change -------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            # Prices fixed once the auction opened are shown as money, with the currency.
            editable = services.editable_fields(obj, now=timezone.now())
            fieldsets = tuple(
                (
                    name,
                    {
                        **options,
                        "fields": [
                            _fixed_name(str(f)) if f not in editable else f for f in options["fields"]
                        ],
                    },
                )
                for name, options in fieldsets
            )
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
            readonly += [_fixed_name(name) for name in SETTINGS_FIELDS if name not in editable]
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

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        # Publish, cancel and turbo cannot be taken back: the list asks first, like the buttons.
        irreversible = {
            "publish": _("Publish the selected auctions? Customers see them at once."),
            "cancel": _("Cancel the selected auctions? Their reservations are cancelled too."),
            "start_turbo": _("Start turbo now on the selected auctions? This cannot be undone."),
        }
        return super().changelist_view(
            request, {**(extra_context or {}), "irreversible_actions": irreversible}
        )

    def get_list_display(self, request: HttpRequest) -> Any:
        # A manager runs one studio: its name on every row is noise at 1280 px.
        shown = super().get_list_display(request)
        return shown if manager_studio_id(request) is None else [name for name in shown if name != "studio"]

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
        if obj.status == AuctionStatus.DRAFT:
            self.message_user(
                request,
                _(
                    "This auction is a draft: customers cannot see it yet. Check its price curve, "
                    "then press Publish at the top of its page (or use the Publish action in the list)."
                ),
                messages.WARNING,
            )

    # --- live columns ------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("status"))
    def status_now(self, obj: Auction) -> str:
        if obj.pk is None:
            return "-"
        return str(AuctionStatus(lifecycle.live_state(obj, timezone.now()).status).label)

    @admin.display(description=gettext_lazy("price now"))
    def price_now(self, obj: Auction) -> SafeString | str:
        if obj.pk is None:
            return "-"
        return format_html(
            '<span data-live-price="{}">{}</span>',
            obj.pk,
            l10n.money(lifecycle.live_state(obj, timezone.now()).price),
        )

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
    def price_curve(self, obj: Auction) -> SafeString:
        # Redrawn while the form is being filled in (core/static/core/curve.js and curve_preview_view).
        shown = (
            admin_curve.curve_html(pricing.PriceSettings.of(obj), now=timezone.now())
            if obj.pk is not None
            else _("Fill in the prices and the auction window to see the price curve.")
        )
        seats = ngettext("%(seats)s seat", "%(seats)s seats", obj.seats) % {"seats": obj.seats}
        return format_html(
            '<p class="price-curve-seats">{}</p>'
            '<div id="curve-preview" data-preview-url="{}" data-object-id="{}" aria-live="polite">{}</div>',
            seats,
            reverse("admin:auctions_curve_preview"),
            obj.pk or "",
            shown,
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
        urls += [
            path(
                "live-prices/", self.admin_site.admin_view(self.live_prices_view), name="auctions_live_prices"
            ),
            path(
                "curve-preview/",
                self.admin_site.admin_view(require_POST(self.curve_preview_view)),
                name="auctions_curve_preview",
            ),
        ]
        return urls + super().get_urls()

    def curve_preview_view(self, request: HttpRequest) -> JsonResponse:
        """The curve of the settings as typed so far (nothing is saved): the form posts itself here."""
        object_id = request.POST.get("_object_id", "")
        obj = self.get_object(request, object_id) if object_id else None
        if not (self.has_change_permission(request, obj) if obj else self.has_add_permission(request)):
            return JsonResponse({"detail": _("You cannot change this auction.")}, status=403)
        candidate = Auction(**{name: getattr(obj, name) for name in SETTINGS_FIELDS}) if obj else Auction()
        form = self.get_form(request, obj)(request.POST, instance=candidate)
        for name in PRICE_SHAPE_FIELDS:
            if name in form.fields:
                try:
                    setattr(candidate, name, form.fields[name].clean(form[name].data))
                except forms.ValidationError:
                    setattr(candidate, name, None)
        errors = validation.settings_errors(candidate, now=timezone.now(), publishing=False)
        problems = [message for name in PRICE_SHAPE_FIELDS for message in errors.get(name, [])]
        if problems:
            hint = format_html(
                '<p class="price-curve-hint">{}</p><ul class="price-curve-problems">{}</ul>',
                _("The curve appears once these are set:"),
                format_html_join("", "<li>{}</li>", ((message,) for message in problems)),
            )
            return JsonResponse({"html": hint, "complete": False})
        settings_ = pricing.PriceSettings.of(candidate)
        return JsonResponse({"html": admin_curve.curve_html(settings_, now=timezone.now()), "complete": True})

    def live_prices_view(self, request: HttpRequest) -> JsonResponse:
        """Prices now of the listed auctions (`?ids=1,2`), as the list shows them; its script polls this."""
        ids = [int(part) for part in request.GET.get("ids", "").split(",") if part.isdigit()][
            :LIVE_PRICES_MAX
        ]
        now = timezone.now()
        prices = {
            str(auction.pk): l10n.money(lifecycle.live_state(auction, now).price)
            for auction in self.get_queryset(request).filter(pk__in=ids)
        }
        return JsonResponse({"prices": prices})

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


for _name in MONEY_FIELDS:
    setattr(AuctionAdmin, _fixed_name(_name), _fixed_money(_name))
