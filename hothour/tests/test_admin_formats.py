"""Every back-office page in Turkish and in English writes dates, numbers, money and percentages one
way: the reader's. A page mixing "450,00" with "420.00", or "75,0 %" with "%75,0", fails here."""

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Studio, User
from accounts.tests.admin_helpers import admin_url, logged_in, two_studios
from auctions.models import Auction
from auctions.tests.factories import TURBO, AuctionFactory
from reservations.models import Reservation, ReservationStatus
from reservations.tests.factories import ReservationFactory

pytestmark = pytest.mark.django_db


class _Visible(HTMLParser):
    """The text a reader sees, plus what the inputs show (a type=date input is the browser's)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "svg"):
            self._hidden += 1
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") not in ("hidden", "date", "submit", "checkbox"):
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# A decimal written with the other language's separator, not part of a date like 07.12.2026.
MIXED = {
    "tr": {
        "dot decimal": r"(?<![\d.,])\d+\.\d{2}(?![\d.,])",
        "ISO date": r"\b\d{4}-\d{2}-\d{2}\b",
        "slashed date": r"\b\d{1,2}/\d{1,2}/\d{2,4}\b",
        "percent after the number": r"\d ?%",
        "currency code": r"\bTRY\b",
    },
    "en": {
        "comma decimal": r"(?<![\d.,])\d+,\d{2}(?![\d.,])",
        "Turkish date": r"\b\d{2}\.\d{2}\.\d{4}\b",
        "percent before the number": r"%\d",
        "currency code": r"\bTRY\b",
    },
}


@pytest.fixture
def studio_with_sales():
    studios = two_studios()
    now = timezone.now()
    running = AuctionFactory.create(studio=studios.a, title="Akşam Yoga", **TURBO)
    sold = AuctionFactory.create(
        studio=studios.a, sold=True, title="Sabah Reformer", now=now, start_price=Decimal("2000.00")
    )
    reservation = ReservationFactory.create(
        auction=sold, locked_price=Decimal("1250.50"), status=ReservationStatus.COMPLETED, checked_in_at=now
    )
    AuctionFactory.create(studio=studios.a, expired=True)
    return studios, running, reservation


def manager_pages(running: Auction, reservation: Reservation) -> list[str]:
    return [
        reverse("admin:index"),
        admin_url(Auction, "changelist"),
        admin_url(Auction, "add"),
        admin_url(Auction, "change", running.pk),
        admin_url(Auction, "change", reservation.auction_id),
        admin_url(Reservation, "changelist"),
        admin_url(Reservation, "change", reservation.pk),
        f"{reverse('admin:reservations_check_in')}?code={reservation.booking_code}",
        reverse("admin:reservations_figures"),
    ]


@pytest.mark.parametrize("language", ["tr", "en"])
def test_every_manager_page_writes_numbers_and_dates_one_way(client, studio_with_sales, language):
    studios, running, reservation = studio_with_sales
    logged_in(client, studios.manager_a)

    for url in manager_pages(running, reservation):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        for name, pattern in MIXED[language].items():
            assert not re.search(pattern, text), f"{url}: {name}: {re.findall(pattern, text)[:3]}"


@pytest.mark.parametrize("language", ["tr", "en"])
def test_every_superuser_page_writes_numbers_and_dates_one_way(admin_client, studio_with_sales, language):
    studios, running, reservation = studio_with_sales
    pages = [
        admin_url(Studio, "changelist"),
        admin_url(Studio, "change", studios.a.pk),
        admin_url(User, "changelist"),
        admin_url(User, "change", reservation.user_id),
        *manager_pages(running, reservation),
    ]

    for url in pages:
        response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        for name, pattern in MIXED[language].items():
            assert not re.search(pattern, text), f"{url}: {name}: {re.findall(pattern, text)[:3]}"


@pytest.mark.parametrize(
    ("language", "price", "percent"),
    [("tr", "1.250,50\N{NO-BREAK SPACE}₺", "%50,0"), ("en", "₺1,250.50", "50.0%")],
)
def test_money_carries_its_currency_and_percentages_their_language(
    client, studio_with_sales, language, price, percent
):
    studios, _running, _reservation = studio_with_sales
    logged_in(client, studios.manager_a)

    listed = client.get(admin_url(Reservation, "changelist"), HTTP_ACCEPT_LANGUAGE=language)
    figures = client.get(reverse("admin:reservations_figures"), HTTP_ACCEPT_LANGUAGE=language)

    assert price in listed.content.decode()
    assert price in figures.content.decode()
    assert percent in visible_text(figures.content.decode())


def test_a_turkish_count_keeps_the_noun_singular(client, studio_with_sales):
    studios, _running, _reservation = studio_with_sales
    logged_in(client, studios.manager_a)

    text = visible_text(
        client.get(admin_url(Auction, "changelist"), HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    )

    assert "3 açık artırma" in text
    assert "açık artırmalar" not in text.split("3 açık artırma")[1][:20]


def test_a_column_title_starting_with_i_is_capitalised_the_turkish_way(client, studio_with_sales):
    studios, running, _reservation = studio_with_sales
    logged_in(client, studios.manager_a)

    page = client.get(admin_url(Auction, "change", running.pk), HTTP_ACCEPT_LANGUAGE="tr").content.decode()

    assert "İzin verilen cinsiyet" in page
    assert "Izin" not in page


@pytest.mark.parametrize("typed", ["07.12.2026", "07/12/2026", "2026-12-07"])
def test_the_figures_period_takes_the_dates_people_type(client, studio_with_sales, typed):
    studios, _running, _reservation = studio_with_sales
    logged_in(client, studios.manager_a)

    response = client.get(reverse("admin:reservations_figures"), {"start": typed}, HTTP_ACCEPT_LANGUAGE="tr")

    assert not response.context["form"].errors
    assert str(response.context["start"]) == "2026-12-07"
    # shown back the Turkish way, whatever way it was typed
    assert 'value="07.12.2026"' in response.content.decode()
