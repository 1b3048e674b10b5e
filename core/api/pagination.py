"""Page-number pagination with a client-chosen page size, capped, counting rows only when it must."""

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from rest_framework import pagination


class CountWhenNeededPaginator(Paginator):
    """Fetches one row past the page: a page that comes back short is the last one, so the total
    is known without a `COUNT(*)` (a second query on every list, most of which fit on one page).
    A full page still counts. Same pages, same errors as Django's paginator."""

    def page(self, number: Any) -> Page:
        if self.orphans:
            return super().page(number)
        number = self._page_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if len(rows) <= self.per_page:
            if not rows and number > 1:
                raise EmptyPage(self.error_messages["no_results"])
            self.__dict__["count"] = bottom + len(rows)  # the cached property, now known
        return Page(rows[: self.per_page], number, self)

    def _page_number(self, number: Any) -> int:
        # Django's validate_number without its upper bound, which would need the count.
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number


class PageNumberPagination(pagination.PageNumberPagination):
    django_paginator_class = CountWhenNeededPaginator
    page_size_query_param = "page_size"
    max_page_size = 100
