"""A studio manager's day in a real browser (Debian's chromium through Playwright).

Screenshots of the main pages land in artifacts/screenshots/ (not committed) for a person to look at.
"""

import json
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from accounts import services as account_services
from accounts.tests.factories import CustomerFactory, StudioFactory
from auctions.models import Auction, AuctionStatus
from reservations.models import Reservation, ReservationStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "Manager-pass-2026"


@pytest.fixture
def browser_page(request, chromium):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locale = getattr(request, "param", "en-US")
    context = chromium.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def _grab(base_url: str, user, auction_id: int) -> dict:
    request = urllib.request.Request(
        f"{base_url}/api/v1/reservations/",
        data=json.dumps({"auction_id": auction_id}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {AccessToken.for_user(user)}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.load(response)


def _fill_split_datetime(page, name: str, moment) -> None:
    local = timezone.localtime(moment)
    page.fill(f"input[name={name}_0]", local.strftime("%Y-%m-%d"))
    page.fill(f"input[name={name}_1]", local.strftime("%H:%M:%S"))


def test_manager_publishes_sees_the_sale_checks_in_and_finds_it_in_the_figures(live_server, browser_page):
    # given a studio, its manager and a verified customer
    studio = StudioFactory.create(name="Moda Reformer")
    manager = account_services.manager_create(
        email="desk@moda.example", full_name="Desk Manager", password=PASSWORD, studio=studio
    )
    customer = CustomerFactory.create(full_name="Ayşe Müşteri")
    page = browser_page
    now = timezone.now()

    # the manager logs in
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", manager.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#studio-desk")
    page.screenshot(path=SCREENSHOTS / "01-admin-index.png", full_page=True)

    # creates an auction; the studio is not theirs to choose
    page.goto(f"{live_server.url}/admin/auctions/auction/add/")
    assert page.locator("select[name=studio]").count() == 0
    page.fill("input[name=title]", "Sabah Reformer")
    page.fill("input[name=start_price]", "500")
    page.fill("input[name=floor_price]", "150")
    page.fill("input[name=drop_amount]", "50")
    page.fill("input[name=drop_interval_mins]", "30")
    _fill_split_datetime(page, "start_time", now - timedelta(minutes=5))
    _fill_split_datetime(page, "end_time", now + timedelta(hours=3))
    _fill_split_datetime(page, "scheduled_at", now + timedelta(hours=4))
    page.check("input[name=turbo_enabled]")
    page.fill("input[name=turbo_trigger_mins]", "60")
    page.fill("input[name=turbo_drop_amount]", "20")
    page.fill("input[name=turbo_interval_mins]", "10")
    page.click("input[name=_continue]")

    # sees the price curve of the draft before publishing
    page.wait_for_selector("table.price-curve")
    page.screenshot(path=SCREENSHOTS / "02-auction-draft-with-curve.png", full_page=True)
    auction = Auction.objects.get(title="Sabah Reformer")
    assert auction.studio_id == studio.pk
    assert auction.status == AuctionStatus.DRAFT
    curve_rows = page.locator("table.price-curve tbody tr")
    assert curve_rows.count() >= 2
    assert curve_rows.first.inner_text().endswith("500.00")

    # publishes it
    page.click("button[data-action=publish]")
    page.wait_for_selector("ul.messagelist")
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE
    page.goto(f"{live_server.url}/admin/auctions/auction/")
    page.screenshot(path=SCREENSHOTS / "03-auction-list.png", full_page=True)
    assert "Sabah Reformer" in page.inner_text("#result_list")

    # a customer grabs it through the API
    booking = _grab(live_server.url, customer, auction.pk)
    code = booking["booking_code"]

    # the front desk finds the booking by code (typed without the prefix, lower case) and checks in
    page.goto(f"{live_server.url}/admin/reservations/reservation/check-in/")
    page.fill("input[name=code]", code.removeprefix("HOT-").lower())
    page.press("input[name=code]", "Enter")
    page.wait_for_selector("#booking")
    assert page.inner_text("#customer") == "Ayşe Müşteri"
    assert page.inner_text("#to-pay") == booking["locked_price"]
    page.screenshot(path=SCREENSHOTS / "04-check-in-found.png", full_page=True)
    page.click("#check-in")
    page.wait_for_selector("ul.messagelist")
    assert page.inner_text("#status") == "Checked in"
    page.screenshot(path=SCREENSHOTS / "05-checked-in.png", full_page=True)
    assert Reservation.objects.get(booking_code=code).status == ReservationStatus.COMPLETED

    # and the figures page shows the sale
    page.goto(f"{live_server.url}/admin/reservations/reservation/figures/")
    assert page.inner_text("#sold") == "1"
    assert page.inner_text("#published") == "1"
    assert page.inner_text("#revenue") == booking["locked_price"]
    assert Decimal(booking["locked_price"]) <= Decimal("500.00")
    page.screenshot(path=SCREENSHOTS / "06-figures.png", full_page=True)


@pytest.mark.parametrize("browser_page", ["tr-TR"], indirect=True)
def test_the_admin_speaks_turkish_to_a_turkish_browser(live_server, browser_page):
    studio = StudioFactory.create()
    manager = account_services.manager_create(
        email="tr@moda.example", full_name="Yönetici", password=PASSWORD, studio=studio
    )
    page = browser_page
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", manager.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#studio-desk")
    page.goto(f"{live_server.url}/admin/auctions/auction/")
    page.screenshot(path=SCREENSHOTS / "07-auction-list-tr.png", full_page=True)
    text = page.inner_text("body")
    assert "Açık artırmalar" in text
    # Django's own catalogue, greeting the manager by name (the page shows it upper-cased by CSS)
    assert "Hoş Geldiniz, Yönetici" in " ".join((page.text_content("#user-tools") or "").split())


def test_api_docs_render_under_the_content_security_policy(live_server, browser_page):
    page = browser_page
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else None,
    )

    response = page.goto(f"{live_server.url}/api/v1/docs/")

    assert response is not None
    assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
    page.wait_for_selector("text=/api/v1/reservations/")
    page.screenshot(path=SCREENSHOTS / "08-api-docs.png", full_page=False)
    assert violations == []
