"""Template filters for money, percentages and counted nouns in the reader's language."""

from typing import Any

from django import template
from django.utils.translation import ngettext

from core import l10n

register = template.Library()


@register.filter
def money(value: Any, currency: str | None = None) -> str:
    return l10n.money(value, currency)


@register.filter
def percent(value: Any) -> str:
    return l10n.percent(value)


@register.simple_tag
def count_of(count: int, opts: Any) -> str:
    """`8 auctions` / `8 açık artırma`: Turkish keeps the noun singular after a number."""
    return ngettext("%(count)s %(singular)s", "%(count)s %(plural)s", count) % {
        "count": count,
        "singular": opts.verbose_name,
        "plural": opts.verbose_name_plural,
    }
