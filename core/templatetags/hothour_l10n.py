"""Template filters for money, percentages and counted nouns in the reader's language."""

from typing import Any

from django import template
from django.utils.translation import npgettext

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
    """`8 auctions` / `8 açık artırma`: which form of the noun follows a number is the language's
    choice (Turkish keeps it singular), so the catalogue answers "singular" or "plural"."""
    form = npgettext("noun form after a number", "singular", "plural", count)
    noun = opts.verbose_name if form == "singular" else opts.verbose_name_plural
    return f"{count} {noun}"
