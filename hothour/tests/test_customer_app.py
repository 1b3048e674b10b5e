"""The customer app (frontend/) in Debian's chromium against the real stack: daphne, a Celery
worker and beat on PostgreSQL and Redis. Plus its contract with the API (the generated types) and
how Django serves it.

Screenshots of every page at 390×844 and 1280×800 land in artifacts/screenshots/customer/.
`make test` builds the app (frontend/dist/) and installs frontend/node_modules before pytest.
"""

import email
import json
import re
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests.factories import CustomerFactory, StudioFactory
from auctions import pricing, services
from auctions.tests.factories import make_auction, make_auction_dropping_in
from hothour.tests.live_stack import running_stack
from hothour.tests.processes import ROOT, wait_until
from reservations.models import Reservation, ReservationStatus

FRONTEND = ROOT / "frontend"
SCREENSHOTS = ROOT / "artifacts" / "screenshots" / "customer"
AXE = FRONTEND / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "Sup3r-secret-pass"  # accounts.tests.factories.DEFAULT_PASSWORD

browser_on_stack = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _require_build() -> None:
    index = FRONTEND / "dist" / "index.html"
    if not index.exists():
        pytest.fail("frontend/dist/ is missing: make test builds it (npm --prefix frontend run build)")
    newest_source = max(path.stat().st_mtime for path in (FRONTEND / "src").rglob("*") if path.is_file())
    if newest_source > index.stat().st_mtime:
        pytest.fail("frontend/dist/ is older than frontend/src/: rebuild (npm --prefix frontend run build)")


# ---------------------------------------------------------------- the contract and the serving


def test_the_generated_api_types_match_the_live_schema(tmp_path):
    """frontend/src/api/schema.d.ts is what openapi-typescript makes of today's schema: regenerate
    it with `npm --prefix frontend run gen:api` whenever the API changes."""
    generator = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
    if not generator.exists():
        pytest.fail("frontend/node_modules is missing: make test runs npm ci first")
    schema = tmp_path / "openapi.yaml"
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "spectacular", "--file", str(schema)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "hothour.settings.base"},
    )
    generated = tmp_path / "schema.d.ts"
    subprocess.run(  # noqa: S603 - the project's own generator
        [str(generator), str(schema), "-o", str(generated)], cwd=FRONTEND, check=True, capture_output=True
    )

    committed = (FRONTEND / "src" / "api" / "schema.d.ts").read_text()
    assert "AuctionDetail" in committed
    assert generated.read_text() == committed, "API changed: run npm --prefix frontend run gen:api and commit"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/auctions/12",
        "/me/reservations",
        "/verify-email?token=abc",
        "/reset-password?token=abc",
        "/no/such",
    ],
)
def test_app_paths_and_email_links_return_the_app(client, path):
    _require_build()
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b'<div id="app">' in response.content
    assert response["Cache-Control"] == "no-cache"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "ws://testserver wss://testserver" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/admin/login/", "/api/v1/"])
def test_api_and_admin_paths_are_not_the_app(client, path):
    _require_build()
    response = client.get(path)

    assert b'<div id="app">' not in response.content


def test_the_admin_keeps_its_own_policy(client):
    response = client.get("/admin/login/")
    assert "style-src 'self' 'unsafe-inline'" in response["Content-Security-Policy"]


def test_hashed_assets_are_served_compressed_and_cached_for_a_year(client):
    _require_build()
    html = client.get("/").content.decode()
    script = re.search(r'src="(/assets/index-[^"]+\.js)"', html)
    assert script, html

    response = client.get(script.group(1), HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]


def first_page_files() -> list[Path]:
    """What the browser loads for `/`: the entry, the live-auctions page and what they import."""
    dist = FRONTEND / "dist"
    manifest = json.loads((dist / ".vite" / "manifest.json").read_text())
    files: set[str] = set()
    pending = ["index.html", "src/pages/AuctionsPage.vue"]
    while pending:
        chunk = manifest[pending.pop()]
        if chunk["file"] not in files:
            files.add(chunk["file"])
            files.update(chunk.get("css", []))
            pending += chunk.get("imports", [])
    return [dist / name for name in sorted(files)]


def test_the_first_page_loads_under_150_kb_of_gzipped_javascript_and_css():
    _require_build()
    files = first_page_files()
    assert any(f.suffix == ".css" for f in files)
    assert any("AuctionsPage" in f.name for f in files)
    # the build writes each file's .gz beside it (what WhiteNoise and nginx send)
    total = sum(Path(f"{f}.gz").stat().st_size for f in files)
    assert total < 150 * 1024, {f.name: Path(f"{f}.gz").stat().st_size for f in files}


def test_email_links_point_at_the_app_by_default():
    assert settings.FRONTEND_URL == "http://127.0.0.1:8000"


# ---------------------------------------------------------------- in the browser, on the real stack


@pytest.fixture
def stack(tmp_path):
    _require_build()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    # The test process's broadcasts (an auction created or cancelled here) reach the stack's sockets.
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    # django-environ drops one slash: four make an absolute path.
    email_url = f"filemail:///{mail_dir}"
    with running_stack(
        tmp_path, EMAIL_URL=email_url, CHANNEL_LAYER_PREFIX=prefix, HOTHOUR_TICK_SECONDS="1"
    ) as running:
        yield running


class Problems:
    """Console errors and CSP refusals seen by a page: a test fails on any of them."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, page) -> None:
        # A refused request (a 400 the page shows as a message) is logged by the browser itself.
        page.on(
            "console",
            lambda m: (
                self.seen.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.on("pageerror", lambda e: self.seen.append(str(e)))

    def csp(self) -> list[str]:
        return [text for text in self.seen if "Content Security Policy" in text]


def _context(chromium, *, user=None, language="tr", viewport=PHONE):
    """A browser context; with `user`, signed in the way a reload finds it (refresh token stored)."""
    context = chromium.new_context(locale="tr-TR", viewport=viewport)
    seed = {"hothour.language": language}
    if user is not None:
        seed["hothour.refresh"] = str(RefreshToken.for_user(user))
    # Only once: the app rotates the refresh token, and the old one is blacklisted.
    context.add_init_script(
        f"for (const [k, v] of Object.entries({json.dumps(seed)}))"
        " if (!localStorage.getItem(k)) localStorage.setItem(k, v)"
    )
    return context


def _api(stack, path: str, user, method: str = "GET", body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{stack.url}/api/v1/{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {AccessToken.for_user(user)}"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)


def _price_on_screen(page) -> Decimal:
    """The clock's price, read back from the page's own formatting (Intl, tr-TR: ₺1.234,50)."""
    text = page.inner_text("[data-testid=price]")
    digits = re.sub(r"[^\d,\.]", "", text)
    # Turkish: dots group and a comma separates the decimals; English the other way round.
    turkish = "," in digits[-3:]
    return Decimal(digits.replace(".", "").replace(",", ".") if turkish else digits.replace(",", ""))


@pytest.mark.browser
@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_sign_up_verify_from_the_email_link_and_sign_in(stack, chromium):
    page = _context(chromium, language="en").new_page()
    problems = Problems()
    problems.watch(page)

    # a visitor signs up
    page.goto(f"{stack.url}/register")
    page.get_by_label("Full name").fill("Deniz Yıldız")
    page.get_by_label("Email").fill("deniz@example.com")
    page.get_by_label("Phone").fill("0532 123 45 67")
    page.get_by_label("Password").fill("short")  # refused: the rest must survive
    page.get_by_label("Female").check()
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_selector(".field--invalid")
    _screenshot(page, "register-invalid")
    assert page.get_by_label("Full name").input_value() == "Deniz Yıldız"
    assert page.get_by_label("Email").input_value() == "deniz@example.com"
    page.get_by_label("Password").fill("A-much-better-pass-2026")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_selector("[data-testid=registered]")

    # the email the worker sent carries a link into the app
    mail_dir = stack.log_dir / "mail"
    link_pattern = re.compile(rf"{re.escape(stack.url)}/verify-email\?token=[\w\-.:%]+")

    def verification_link() -> str | None:
        for file in mail_dir.glob("*.log"):
            # Django's file backend: whole MIME messages, one after another.
            for raw in file.read_text().split("-" * 79):
                for part in email.message_from_string(raw.strip()).walk():
                    if part.get_content_type() == "text/plain":
                        payload = part.get_payload(decode=True)
                        assert isinstance(payload, bytes)
                        found = link_pattern.search(payload.decode())
                        if found:
                            return found.group(0)
        return None

    wait_until(verification_link, 20, "the verification email")
    link = verification_link()
    assert link is not None

    # opening it verifies the address in the app
    page.goto(link)
    page.wait_for_selector("[data-testid=verified]")
    _screenshot(page, "verify-email-done")

    # and the customer signs in, landing on the live auctions, signed in
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email").fill("DENIZ@example.com")
    page.get_by_label("Password").fill("A-much-better-pass-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=My bookings")
    # Playwright's own wait: the sync API only learns of a client-side navigation while it runs.
    page.wait_for_url(f"{stack.url}/")
    me = page.evaluate("fetch('/api/v1/auth/me/').then(r => r.status)")
    assert me == 401  # no cookie session: the token lives in the app's memory only
    page.goto(f"{stack.url}/me/profile")  # a reload keeps the session (rotated refresh token)
    page.wait_for_selector("text=Email verified")

    # a password change revokes every older token; the app carries on with the new pair
    page.get_by_label("Current password").fill("A-much-better-pass-2026")
    page.get_by_label("New password").fill("Another-good-pass-2027")
    page.get_by_role("button", name="Change password").click()
    page.wait_for_selector("text=Password changed.")
    page.reload()
    page.wait_for_selector("text=Email verified")
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert problems.seen == []


@pytest.mark.browser
@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_price_drop_shows_on_screen_without_reloading(stack, chromium):
    # given an auction whose first drop (1-minute steps) is 8 seconds ahead
    now = timezone.now()
    auction, drop_at = make_auction_dropping_in(8, now=now)
    price_settings = pricing.PriceSettings.of(auction)
    before, after = pricing.price_at(price_settings, now), pricing.price_at(price_settings, drop_at)
    assert after < before

    page = _context(chromium).new_page()
    problems = Problems()
    problems.watch(page)
    page.goto(f"{stack.url}/auctions/{auction.pk}")
    page.wait_for_selector("[data-testid=live-status][data-state=open]")
    assert _price_on_screen(page) == before
    page.evaluate("window.__sameDocument = true")

    # when the drop's instant passes, the clock shows the new price, in the same document
    wait_until(lambda: _price_on_screen(page) == after, 20, f"the price to drop to {after}", every=0.1)
    shown_at = timezone.now()
    assert page.evaluate("window.__sameDocument") is True
    assert (shown_at - drop_at).total_seconds() < 1.5
    assert problems.csp() == []


@pytest.mark.browser
@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_grab_shows_the_code_and_qr_the_booking_exists_and_can_be_cancelled(stack, chromium):
    customer = CustomerFactory.create()
    auction = make_auction(title="Akşam Reformer")
    page = _context(chromium, user=customer, language="en").new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{stack.url}/auctions/{auction.pk}")
    page.wait_for_selector("[data-testid=grab]")
    shown = _price_on_screen(page)

    # a double click books once
    page.dblclick("[data-testid=grab]")
    page.wait_for_selector("[data-testid=booked]")
    code = page.inner_text("[data-testid=booking-code]")
    assert re.fullmatch(r"HOT-[A-Z0-9]{6}", code)
    qr = page.locator("[data-testid=booking-qr]")
    assert qr.get_attribute("src").startswith("data:image/png;base64,")
    assert page.evaluate("document.querySelector('[data-testid=booking-qr]').naturalWidth") >= 200
    _screenshot(page, "auction-booked")

    # the booking's notification arrives on /ws/me/: the unread count goes up without a reload
    page.wait_for_selector("[data-testid=unread-count]:has-text('1')", timeout=5000)

    mine = _api(stack, "reservations/?when=upcoming", customer)["results"]
    assert [r["booking_code"] for r in mine] == [code]
    assert Decimal(mine[0]["locked_price"]) <= shown
    money = "{style: 'currency', currency: 'TRY', currencyDisplay: 'narrowSymbol'}"
    locked = page.evaluate(f"new Intl.NumberFormat('en', {money}).format({mine[0]['locked_price']})")
    assert page.inner_text("[data-testid=locked-price]") == locked  # what they pay at the desk
    assert Reservation.objects.filter(auction=auction).count() == 1

    # my bookings show it with its code; cancelling it frees the spot
    page.get_by_role("link", name="See my bookings").click()
    page.wait_for_selector(f"[data-testid=booking-code]:has-text('{code}')")
    _screenshot(page, "reservations-with-booking")
    page.click("[data-testid=cancel]")
    page.wait_for_selector("text=Booking cancelled.")
    assert Reservation.objects.get(booking_code=code).status == ReservationStatus.CANCELLED
    assert _api(stack, f"auctions/{auction.pk}/", customer)["status"] == "ACTIVE"


@pytest.mark.browser
@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_grab_works_from_the_keyboard_alone_with_visible_focus(stack, chromium):
    customer = CustomerFactory.create()
    auction = make_auction(title="Klavye ile")
    page = _context(chromium, user=customer, language="en").new_page()
    page.goto(f"{stack.url}/auctions/{auction.pk}")
    page.wait_for_selector("[data-testid=grab]")

    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "grab":
            break
    else:
        pytest.fail("the grab button cannot be reached with Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "the focused button shows no focus ring"
    page.keyboard.press("Enter")

    page.wait_for_selector("[data-testid=booked]")
    assert Reservation.objects.filter(auction=auction, user=customer).count() == 1


@pytest.mark.browser
@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_two_browsers_race_for_one_spot_one_gets_the_code_the_other_sees_it_sold(stack, chromium):
    auction = make_auction(title="Son yer")
    racers = [CustomerFactory.create(), CustomerFactory.create()]
    pages = []
    for racer in racers:
        page = _context(chromium, user=racer).new_page()
        page.goto(f"{stack.url}/auctions/{auction.pk}")
        page.wait_for_selector("[data-testid=grab]")
        pages.append(page)

    # both press the button at (nearly) the same moment: clicks dispatched without waiting
    for page in pages:
        page.evaluate("document.querySelector('[data-testid=grab]').click()")
    seen: dict[int, tuple[str, float]] = {}
    sold = "[data-testid=grab-problem][data-code=auction_sold], [data-testid=closed]"
    deadline = time.monotonic() + 10
    while len(seen) < 2 and time.monotonic() < deadline:
        for index, page in enumerate(pages):
            if index in seen:
                continue
            if page.locator("[data-testid=booked]").count():
                seen[index] = ("booked", time.monotonic())
            elif page.locator(sold).count():
                seen[index] = ("sold", time.monotonic())
        time.sleep(0.02)

    outcomes = sorted(outcome for outcome, _ in seen.values())
    assert outcomes == ["booked", "sold"], seen
    (winner,) = [i for i, (o, _) in seen.items() if o == "booked"]
    (loser,) = [i for i, (o, _) in seen.items() if o == "sold"]
    assert seen[loser][1] - seen[winner][1] < 1.0
    _screenshot(pages[winner], "race-winner")
    _screenshot(pages[loser], "race-loser")
    assert pages[loser].locator("[data-testid=booking-code]").count() == 0
    (booking,) = Reservation.objects.filter(auction=auction)
    assert booking.user_id == racers[winner].pk
    assert pages[winner].inner_text("[data-testid=booking-code]") == booking.booking_code


@pytest.mark.browser
@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_turkish_by_default_english_on_request_and_remembered_and_the_filters(stack, chromium):
    auction = make_auction(title="Yoga")
    women_only = make_auction(title="Kadınlara özel HIIT", allowed_gender="FEMALE")
    context = chromium.new_context(locale="en-US", viewport=PHONE)
    page = context.new_page()

    page.goto(f"{stack.url}/")
    page.wait_for_selector(f"[data-auction-id='{auction.pk}']")
    assert page.locator("h1").inner_text() == "Canlı açık artırmalar"
    assert page.evaluate("document.documentElement.lang") == "tr"
    assert "₺" in page.inner_text("[data-testid=card-price]")

    page.select_option("[data-testid=language]", "en")
    assert page.locator("h1").inner_text() == "Live auctions"
    page.reload()
    page.wait_for_selector(f"[data-auction-id='{auction.pk}']")
    assert page.locator("h1").inner_text() == "Live auctions"
    assert page.evaluate("document.documentElement.lang") == "en"

    # the filters narrow the list through the API and stay in the address (a link to share)
    assert page.locator(f"[data-auction-id='{women_only.pk}']").count() == 1
    page.get_by_text("Filters").click()
    page.get_by_label("Who may join").select_option("MALE")
    page.get_by_role("button", name="Show").click()
    page.wait_for_selector(f"[data-auction-id='{women_only.pk}']", state="detached")
    assert page.locator(f"[data-auction-id='{auction.pk}']").count() == 1
    page.wait_for_url(re.compile(r"/\?gender=MALE$"))
    page.get_by_label("Price up to").fill("1")
    page.get_by_role("button", name="Show").click()
    page.wait_for_selector("[data-testid=empty]")
    assert page.locator("[data-auction-id]").count() == 0
    # the API's own messages follow the choice too
    page.goto(f"{stack.url}/login")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    error = page.wait_for_selector("[data-testid=error]")
    assert re.search(r"[a-z]", error.inner_text())
    assert not re.search(r"[ğışçöü]", error.inner_text().lower())
    context.close()


@pytest.mark.browser
@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_cancelled_auction_and_a_dead_socket_show_clear_states(stack, chromium):
    auction = make_auction(title="İptal edilecek ders")
    page = _context(chromium, language="en").new_page()
    page.goto(f"{stack.url}/auctions/{auction.pk}")
    page.wait_for_selector("[data-testid=live-status][data-state=open]")

    # the studio cancels while the customer watches
    services.auction_cancel(auction_id=auction.pk)
    page.wait_for_selector("[data-testid=closed]:has-text('cancelled')", timeout=5000)
    assert page.locator("[data-testid=grab]").count() == 0
    _screenshot(page, "auction-cancelled")

    # an auction that does not exist
    page.goto(f"{stack.url}/auctions/999999")
    page.wait_for_selector("[data-testid=vanished]")

    # a session that ended elsewhere (refresh token revoked): a clear sign-in page, not a blank one
    expired = _context(chromium, language="en").new_page()
    expired.add_init_script("localStorage.setItem('hothour.refresh', 'revoked-or-garbage')")
    expired.goto(f"{stack.url}/me/reservations")
    expired.wait_for_selector("text=Your session ended. Sign in again to continue.")
    expired.wait_for_url(re.compile(r"/login\?next="))
    assert expired.url.endswith("/me/reservations"), expired.url
    assert expired.get_by_role("button", name="Sign in").is_visible()
    _screenshot(expired, "session-expired")

    # the socket dies (the browser goes offline): the page says so and retries
    page.goto(f"{stack.url}/")
    page.wait_for_selector("[data-testid=live-status][data-state=open]")
    page.context.set_offline(True)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # forces a reconnect attempt now
    page.wait_for_selector("[data-testid=live-status][data-state=retrying]", timeout=15000)
    _screenshot(page, "socket-retrying")
    page.context.set_offline(False)
    page.wait_for_selector("[data-testid=live-status][data-state=open]", timeout=20000)


AXE_RUN = """async () => {
  const results = await axe.run(document, { resultTypes: ['violations'] });
  return {
    passes: results.passes.length,
    bad: results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact,
        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })),
  };
}"""


@pytest.mark.browser
@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_every_page_has_no_serious_accessibility_violation_at_phone_and_desktop_width(stack, chromium):
    if not AXE.exists():
        pytest.fail("frontend/node_modules/axe-core is missing: make test runs npm ci first")
    axe_source = AXE.read_text()
    customer = CustomerFactory.create(full_name="Ayşe Demir")
    studio = StudioFactory.create(name="Moda Reformer", address="Caferağa Mah. Moda Cad. 12, Kadıköy")
    now = timezone.now()
    auction = make_auction(
        studio=studio, title="Sabah Reformer", turbo=True, start_time=now - timedelta(minutes=70), now=now
    )
    make_auction(studio=studio, title="Akşam Yoga", now=now)
    make_auction(studio=studio, title="Gece Pilates", start_time=now + timedelta(minutes=30), now=now)
    booked = make_auction(studio=studio, title="Öğle Barre", now=now)
    _api(stack, "reservations/", customer, "POST", {"auction_id": booked.pk})

    signed_in = [
        ("auctions", "/", "[data-testid=live-auctions] article"),
        ("auction", f"/auctions/{auction.pk}", "[data-testid=price-curve]"),
        ("reservations", "/me/reservations", "[data-testid=booking-qr]"),
        ("watches", "/me/watches", "h1"),
        ("notifications", "/me/notifications", "[data-testid=notifications] article"),
        ("profile", "/me/profile", "[data-testid=calendar-feed]"),
        ("not-found", "/no/such/page", "h1"),
    ]
    anonymous = [
        ("login", "/login", "form"),
        ("register", "/register", "form"),
        ("forgot-password", "/forgot-password", "form"),
        ("reset-password", "/reset-password?token=abc", "form"),
        ("verify-email", "/verify-email?token=abc", "form"),
    ]
    checked = []
    for viewport in (PHONE, DESKTOP):
        for user, pages in ((customer, signed_in), (None, anonymous)):
            context = _context(chromium, user=user, viewport=viewport)
            page = context.new_page()
            problems = Problems()
            problems.watch(page)
            for name, path, ready in pages:
                page.goto(f"{stack.url}{path}")
                page.wait_for_selector(ready)
                page.wait_for_load_state("networkidle")
                _screenshot(page, name)
                page.evaluate(axe_source)  # through the DevTools protocol: the page's CSP stays on
                result = page.evaluate(AXE_RUN)
                assert result["passes"] > 0, name
                assert result["bad"] == [], f"{name} at {viewport['width']} px: {result['bad']}"
                assert page.locator("[data-testid=error]").count() == 0, name
                if name == "watches":
                    # Until the watches API exists (issue in progress) the page says so plainly.
                    answer = page.evaluate("fetch('/api/v1/watches/').then((r) => r.status)")
                    unavailable = page.locator("[data-testid=watch-unavailable]").count()
                    assert unavailable == (1 if answer == 404 else 0), answer
                checked.append(name)
            # the verify page with a bad token shows its failure form (a 400), nothing else is an error
            assert problems.csp() == [], problems.seen
            context.close()
    assert len(checked) == 2 * (len(signed_in) + len(anonymous))
