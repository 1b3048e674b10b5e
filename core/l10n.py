"""Numbers, money and percentages the way the reader's language writes them (Turkish: 1.250,00 ₺, %75,0)."""

from decimal import Decimal

from django.conf import settings
from django.utils import formats, translation

CURRENCY_SYMBOLS = {"TRY": "₺", "EUR": "€", "USD": "$", "GBP": "£"}


def _language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def number(value: Decimal | float | int, places: int) -> str:
    return formats.number_format(Decimal(value), places, use_l10n=True, force_grouping=True)


def money(value: Decimal | float | int | None, currency: str | None = None) -> str:
    """`450,00 ₺` in Turkish, `₺450.00` in English; an unknown currency is written by its code."""
    if value is None:
        return "-"
    code = currency or settings.HOTHOUR_CURRENCY
    symbol = CURRENCY_SYMBOLS.get(code)
    amount = number(value, 2)
    if symbol is None:
        return f"{amount} {code}"
    return f"{amount}\N{NO-BREAK SPACE}{symbol}" if _language() == "tr" else f"{symbol}{amount}"


def percent(value: Decimal | float | int | None, places: int = 1) -> str:
    """Turkish puts the sign first (`%75,0`), English after (`75.0%`)."""
    if value is None:
        return "-"
    amount = number(value, places)
    return f"%{amount}" if _language() == "tr" else f"{amount}%"
