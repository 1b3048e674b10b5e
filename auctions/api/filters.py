"""Query filters of `GET auctions/`."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from auctions import selectors
from auctions.models import AllowedGender, Auction, AuctionStatus


class AuctionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=AuctionStatus.choices, method="filter_status")
    studio = filters.NumberFilter(field_name="studio_id")
    gender = filters.ChoiceFilter(
        choices=AllowedGender.choices,
        method="filter_gender",
        help_text="FEMALE or MALE: auctions that gender may book (their own and ANY).",
    )
    max_price = filters.NumberFilter(field_name="current_price", lookup_expr="lte")
    date = filters.DateFilter(
        method="filter_date", help_text="Class date (YYYY-MM-DD) in the site's time zone."
    )
    # A choice, not a BooleanFilter: that one reads a typo ("ture") as no filter at all.
    has_seats = filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_has_seats",
        help_text="true: auctions with a seat left that is on sale now or once they open "
        "(SCHEDULED or ACTIVE); false: the others (sold out, expired, cancelled).",
    )

    class Meta:
        model = Auction
        fields = ["status", "studio", "gender", "max_price", "date", "has_seats"]

    def filter_status(self, queryset: QuerySet[Auction], name: str, value: str) -> QuerySet[Auction]:
        return queryset.filter(selectors.status_q(value, timezone.now()))

    def filter_gender(self, queryset: QuerySet[Auction], name: str, value: str) -> QuerySet[Auction]:
        if value == AllowedGender.ANY:
            return queryset.filter(allowed_gender=AllowedGender.ANY)
        return queryset.filter(Q(allowed_gender=AllowedGender.ANY) | Q(allowed_gender=value))

    def filter_has_seats(self, queryset: QuerySet[Auction], name: str, value: str) -> QuerySet[Auction]:
        on_sale = selectors.on_sale_q(timezone.now())
        return queryset.filter(on_sale) if value == "true" else queryset.exclude(on_sale)

    def filter_date(self, queryset: QuerySet[Auction], name: str, value: dt.date) -> QuerySet[Auction]:
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(value, dt.time.min, tzinfo=zone)
        return queryset.filter(scheduled_at__gte=start, scheduled_at__lt=start + dt.timedelta(days=1))
