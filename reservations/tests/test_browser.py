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
from auctions.tests.factories import CLASS_AFTER_OPENING, AuctionFactory
from reservations.models import Reservation, ReservationStatus
from reservations.tests.factories import ReservationFactory

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

    # publishes it, confirming (publishing cannot be taken back)
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.click("button[data-action=publish]")
    page.wait_for_selector("ul.messagelist >> text=Published")
    assert questions
    assert questions[0].startswith("Publish this auction?")
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
    assert page.inner_text("#to-pay") == f"₺{booking['locked_price']}"
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
    assert page.inner_text("#revenue") == f"₺{booking['locked_price']}"
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


# --- the desk in Turkish (issue 13) -----------------------------------------------------------------

DESK_SHOTS = SCREENSHOTS / "desk"


def _manager_in(page, base_url: str, *, studio_name: str = "Moda Reformer"):
    """A studio, its manager logged in on `page`, and the studio."""
    studio = StudioFactory.create(name=studio_name)
    manager = account_services.manager_create(
        email="desk@moda.example", full_name="Deniz Resepsiyon", password=PASSWORD, studio=studio
    )
    page.goto(f"{base_url}/admin/login/")
    page.fill("input[name=username]", manager.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#studio-desk")
    DESK_SHOTS.mkdir(parents=True, exist_ok=True)
    return studio


def _sold(studio, *, class_at, title: str, customer: str, **options) -> Reservation:
    auction = AuctionFactory.create(studio=studio, sold=True, title=title, now=class_at - CLASS_AFTER_OPENING)
    return ReservationFactory.create(
        auction=auction,
        user=CustomerFactory.create(full_name=customer),
        locked_price=Decimal("420.00"),
        **options,
    )


def _look_up(page, base_url: str, code: str) -> None:
    page.goto(f"{base_url}/admin/reservations/reservation/check-in/")
    page.fill("input[name=code]", code)
    page.press("input[name=code]", "Enter")
    page.wait_for_selector("#verdict")


@pytest.mark.parametrize("browser_page", ["tr-TR"], indirect=True)
def test_the_desk_refuses_a_wrong_day_code_stops_a_cancelled_one_and_undoes_a_check_in(
    live_server, browser_page
):
    page = browser_page
    studio = _manager_in(page, live_server.url)
    now = timezone.now()
    today = _sold(studio, class_at=now + timedelta(minutes=1), title="Akşam Reformer", customer="Ayşe Yılmaz")
    other_day = _sold(studio, class_at=now + timedelta(days=2), title="Cuma Yoga", customer="Mehmet Kaya")
    cancelled = _sold(
        studio,
        class_at=now + timedelta(minutes=1),
        title="Akşam Reformer",
        customer="Zeynep Demir",
        status=ReservationStatus.CANCELLED,
        cancelled_at=now,
    )

    # today's code: green, the time, the class, the customer and the amount in large type
    _look_up(page, live_server.url, today.booking_code.removeprefix("HOT-").lower())
    assert page.get_attribute("#verdict", "data-state") == "today"
    assert "Bugünkü ders" in page.inner_text("#headline")
    assert page.inner_text("#to-pay") == "420,00\N{NO-BREAK SPACE}₺"
    page.screenshot(path=DESK_SHOTS / "check-in-today.png", full_page=True)

    # a code for a class two days away: not today, and the plain button is not there
    _look_up(page, live_server.url, other_day.booking_code)
    assert page.get_attribute("#verdict", "data-state") == "other_day"
    assert "Bugün değil" in page.inner_text("#headline")
    assert page.locator("#check-in").count() == 0
    page.click("#check-in-other-day")  # without the tick the browser keeps the form
    page.screenshot(path=DESK_SHOTS / "check-in-other-day.png", full_page=True)
    other_day.refresh_from_db()
    assert other_day.status == ReservationStatus.PENDING_ON_SITE

    # a cancelled code: red, "do not charge", no amount to take
    _look_up(page, live_server.url, cancelled.booking_code)
    assert page.get_attribute("#verdict", "data-state") == "do_not_charge"
    assert "Ücret almayın" in page.inner_text("#headline")
    assert page.locator("#to-pay").count() == 0
    page.screenshot(path=DESK_SHOTS / "check-in-cancelled.png", full_page=True)

    # today's customer is checked in, then the desk notices the mistake and undoes it
    _look_up(page, live_server.url, today.booking_code)
    page.click("#check-in")
    page.wait_for_selector("#undo")
    assert page.get_attribute("#verdict", "data-state") == "do_not_charge"
    page.click("#undo")
    page.wait_for_selector("#check-in")
    assert "Giriş geri alındı" in page.inner_text("ul.messagelist")
    page.screenshot(path=DESK_SHOTS / "check-in-undone.png", full_page=True)
    today.refresh_from_db()
    assert today.status == ReservationStatus.PENDING_ON_SITE


@pytest.mark.parametrize("browser_page", ["tr-TR"], indirect=True)
def test_a_turkish_manager_types_07_12_2026_and_sees_the_curve_while_typing(live_server, browser_page):
    page = browser_page
    _manager_in(page, live_server.url)

    page.goto(f"{live_server.url}/admin/auctions/auction/add/")
    page.fill("input[name=title]", "Pazartesi Reformer")
    page.fill("input[name=start_price]", "500,00")
    page.fill("input[name=floor_price]", "150,00")
    page.fill("input[name=drop_amount]", "25,00")
    page.fill("input[name=drop_interval_mins]", "30")
    for name, time in (("start_time", "09:00"), ("end_time", "12:00"), ("scheduled_at", "19:00")):
        page.fill(f"input[name={name}_0]", "07.12.2026")
        page.fill(f"input[name={name}_1]", time)
    # the curve is drawn before anything is saved, and says the floor is not reached
    page.wait_for_selector("#curve-preview svg.price-curve-chart")
    assert "taban fiyatına hiç inmiyor" in page.inner_text("#curve-preview")
    page.check("input[name=turbo_enabled]")
    page.fill("input[name=turbo_trigger_mins]", "60")
    page.fill("input[name=turbo_drop_amount]", "50,00")
    page.fill("input[name=turbo_interval_mins]", "10")
    page.wait_for_selector("#curve-preview .price-curve-warning", state="detached")
    assert page.locator("#curve-preview line.turbo").count() == 1
    page.locator("#curve-preview").scroll_into_view_if_needed()
    page.screenshot(path=DESK_SHOTS / "auction-form-live-curve.png", full_page=True)
    page.click("input[name=_continue]")

    # 07.12.2026 was taken, and the page says it is a draft and how to publish
    page.wait_for_selector("ul.messagelist")
    assert "taslak" in page.inner_text("ul.messagelist")
    auction = Auction.objects.get(title="Pazartesi Reformer")
    assert timezone.localtime(auction.scheduled_at).strftime("%d.%m.%Y %H:%M") == "07.12.2026 19:00"
    assert auction.status == AuctionStatus.DRAFT


@pytest.mark.parametrize("browser_page", ["tr-TR"], indirect=True)
def test_the_figures_period_is_visible_in_its_date_boxes(live_server, browser_page):
    page = browser_page
    _manager_in(page, live_server.url)

    page.goto(f"{live_server.url}/admin/reservations/reservation/figures/?start=01.11.2026&end=08.12.2026")

    assert page.input_value("input[name=start]") == "01.11.2026"
    assert page.input_value("input[name=end]") == "08.12.2026"
    assert "01.11.2026" in page.inner_text("#content-main")
    page.screenshot(path=DESK_SHOTS / "figures.png", full_page=True)


@pytest.mark.parametrize("browser_page", ["tr-TR"], indirect=True)
def test_the_today_page_changes_by_itself_when_a_customer_grabs(live_server, browser_page):
    page = browser_page
    studio = _manager_in(page, live_server.url)
    now = timezone.now()
    auction = AuctionFactory.create(
        studio=studio,
        title="Akşam Pilates",
        now=now - timedelta(minutes=1),
        scheduled_at=now + timedelta(hours=3),
    )
    _sold(studio, class_at=now + timedelta(minutes=30), title="Öğle Yoga", customer="Can Öztürk")
    page.goto(f"{live_server.url}/admin/")
    assert "Akşam Pilates" in page.inner_text("#desk-classes")
    assert "Elif Şahin" not in page.inner_text("#desk-today")

    booking = _grab(live_server.url, CustomerFactory.create(full_name="Elif Şahin"), auction.pk)

    # no reload: the page polls its fragment every few seconds
    page.wait_for_selector("#desk-due >> text=Elif Şahin", timeout=10_000)
    assert booking["booking_code"] in page.inner_text("#desk-due")
    assert "Elif Şahin" in page.inner_text("#desk-recent")
    page.screenshot(path=DESK_SHOTS / "desk-home.png", full_page=True)


@pytest.mark.parametrize("browser_page", ["tr-TR"], indirect=True)
def test_the_lists_show_what_matters_at_1280_px(live_server, browser_page):
    page = browser_page
    studio = _manager_in(page, live_server.url)
    _sold(
        studio, class_at=timezone.now() + timedelta(hours=2), title="Akşam Reformer", customer="Ayşe Yılmaz"
    )

    page.goto(f"{live_server.url}/admin/reservations/reservation/")
    headers = page.locator("#result_list thead th").all_inner_texts()
    page.screenshot(path=DESK_SHOTS / "reservations-list.png", full_page=True)
    fits = page.evaluate("(r => r.scrollWidth <= r.clientWidth)(document.querySelector('.results'))")
    page.goto(f"{live_server.url}/admin/auctions/auction/")
    auction_headers = page.locator("#result_list thead th").all_inner_texts()

    assert headers[1].strip().lower() == "durum"
    assert "stüdyo" not in " ".join(auction_headers).lower()
    # every column fits at 1280 px: nothing to scroll sideways to
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert fits
