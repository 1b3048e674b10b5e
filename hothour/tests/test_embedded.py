"""The embedded default that `make run` serves (SQLite, in-memory layer, no Redis): the grab's
plain-SQL path, and every tick driver — `manage.py tick`, `manage.py run_ticker` and the
server's own in-process ticker.

The rest of the suite runs on PostgreSQL; here `core.sql` has no row locks (SQLite locks the
file) and datetimes are stored as naive UTC text.
"""

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import websockets
from websockets.typing import Origin

from hothour.tests.processes import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]

GRAB_TWICE = """
import json
from decimal import Decimal
from auctions.models import Auction
from auctions.tests.factories import make_auction
from accounts.tests.factories import CustomerFactory
from reservations import services
from reservations.models import Notification, Reservation
from core.models import OutboundEmail

auction = make_auction()
first, second = CustomerFactory(), CustomerFactory()
reservation, created = services.reservation_create(
    user=first, auction_id=auction.pk, expected_price=Decimal("999")
)
try:
    services.reservation_create(user=second, auction_id=auction.pk)
    second_grab = "201"
except services.AuctionSold as exc:
    second_grab = exc.code
reread = Reservation.objects.select_related("auction").get(pk=reservation.pk)
print(json.dumps({
    "created": created,
    "code": reread.booking_code,
    "locked_price": str(reread.locked_price),
    "reserved_at_matches": reread.reserved_at == reservation.reserved_at,
    "auction_status": Auction.objects.get(pk=auction.pk).status,
    "second_grab": second_grab,
    "live_count": services.selectors.customer_standing(user=first, now=reservation.reserved_at).live,
    "notifications": Notification.objects.filter(user=first).count(),
    "emails": OutboundEmail.objects.filter(to=first.email).count(),
}))
"""


pytestmark = pytest.mark.e2e

# An auction whose first drop (1-minute steps) is `due_in` seconds away (negative: overdue, as
# if no tick ran since it was published a second before the drop); prints what to expect.
DUE_AUCTION = """
import json
from datetime import timedelta
from django.utils import timezone
from auctions import pricing
from auctions.tests.factories import make_auction

now = timezone.now()
drop_at = now + timedelta(seconds={due_in})
published = min(now, drop_at - timedelta(seconds=1))
auction = make_auction(
    now=published, start_time=drop_at - timedelta(minutes=1), end_time=now + timedelta(minutes=30),
    drop_interval_mins=1,
)
settings = pricing.PriceSettings.of(auction)
assert pricing.next_drop_at(settings, published) == drop_at
print(json.dumps({{
    "id": auction.pk,
    "drop_at": drop_at.isoformat(),
    "price_before": str(auction.current_price),
    "price_after": str(pricing.price_at(settings, drop_at)),
}}))
"""


class Embedded:
    """A migrated SQLite database and the environment `make run` has (no Redis, no PostgreSQL)."""

    def __init__(self, tmp_path: Path) -> None:
        self.database = tmp_path / "db.sqlite3"
        self.env = {
            key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DATABASE_URL"}
        }
        self.env |= {
            "DJANGO_SETTINGS_MODULE": "hothour.settings.base",
            "DATABASE_URL": f"sqlite:///{self.database}",
        }

    def manage(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def shell(self, script: str) -> dict:
        return json.loads(self.manage("shell", "-c", script).strip().splitlines()[-1])

    def due_auction(self, due_in: float) -> dict:
        return self.shell(DUE_AUCTION.format(due_in=due_in))

    def stored_price(self, auction_id: int) -> str:
        with sqlite3.connect(self.database) as db:
            (price,) = db.execute(
                "SELECT current_price FROM auctions_auction WHERE id = ?", [auction_id]
            ).fetchone()
        # SQLite keeps a decimal as whatever number type fits (450, 412.5): shown as the API shows money.
        return str(Decimal(str(price)).quantize(Decimal("0.01")))


@pytest.fixture
def embedded(tmp_path) -> Embedded:
    site = Embedded(tmp_path)
    site.manage("migrate", "-v0")
    return site


def test_the_grab_runs_on_the_embedded_sqlite_database(embedded):
    # when: one customer grabs, then another tries the same spot
    result = embedded.shell(GRAB_TWICE)

    # then
    assert result["created"] is True
    assert result["code"].startswith("HOT-")
    assert result["locked_price"] == "500.00"
    assert result["reserved_at_matches"]
    assert result["auction_status"] == "SOLD"
    assert result["second_grab"] == "auction_sold"
    assert result["live_count"] == 1
    assert result["notifications"] == 1
    assert result["emails"] == 1


def test_manage_py_tick_applies_a_due_step_once(embedded):
    # given a step that fell due a moment ago
    auction = embedded.due_auction(due_in=-5)

    # when the operator ticks by hand, twice
    first = embedded.manage("tick")
    second = embedded.manage("tick")

    # then the step is stored once; the second tick finds nothing due
    assert first.strip() == "Ticked 1 auction."
    assert second.strip() == "Ticked 0 auctions."
    assert embedded.stored_price(auction["id"]) == auction["price_after"] != auction["price_before"]


def test_run_ticker_ticks_until_it_is_told_to_stop(embedded, tmp_path):
    # given a step due in two seconds, and the ticker running
    auction = embedded.due_auction(due_in=2)
    log = tmp_path / "ticker.log"
    ticker = subprocess.Popen(
        [sys.executable, "manage.py", "run_ticker", "--interval", "0.2"],
        cwd=ROOT,
        env=embedded.env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        assert embedded.stored_price(auction["id"]) == auction["price_before"]
        # then the step is stored once it is due, without anyone asking
        wait_until(lambda: embedded.stored_price(auction["id"]) == auction["price_after"], 20, "the step")
    finally:
        # and SIGTERM stops it cleanly
        ticker.send_signal(signal.SIGTERM)
        returncode = ticker.wait(timeout=15)
    assert returncode == 0, log.read_text()[-2000:]
    assert "ticker stopped" in log.read_text()


async def _next_price_update(url: str) -> tuple[dict, dict]:
    async with websockets.connect(url, origin=Origin("http://localhost")) as ws:
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=20))
            if message["event"] == "price_update":
                return snapshot, message


def test_the_embedded_server_ticks_prices_itself_and_pushes_them(embedded, tmp_path):
    # given `make run`'s server (daphne, in-memory layer, in-process ticker) and a step due soon
    port = free_port()
    log = tmp_path / "daphne.log"
    server = subprocess.Popen(  # noqa: S603 - our own executable
        [
            str(Path(sys.executable).parent / "daphne"),
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "hothour.asgi:application",
        ],
        cwd=ROOT,
        env=embedded.env | {"HOTHOUR_TICK_SECONDS": "0.5"},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        health = f"http://127.0.0.1:{port}/api/v1/health/"
        wait_until(lambda: _answers(health), 30, "daphne")
        # (the step is made due once the server is up, with room for a slow machine to connect)
        auction = embedded.due_auction(due_in=12)
        # when a customer watches the auction
        url = f"ws://127.0.0.1:{port}/ws/auctions/{auction['id']}/"
        snapshot, update = asyncio.run(_next_price_update(url))
        arrived = datetime.now().astimezone()
        with urllib.request.urlopen(health, timeout=5) as response:
            ticker = json.load(response)["ticker"]
    finally:
        server.terminate()
        server.wait(timeout=15)

    # then the drop is pushed by the server's own ticker, at (not before) its instant
    assert snapshot["data"]["current_price"] == auction["price_before"], log.read_text()[-2000:]
    assert update["data"]["auction_id"] == auction["id"]
    assert update["data"]["current_price"] == auction["price_after"]
    assert 0 <= (arrived - datetime.fromisoformat(auction["drop_at"])).total_seconds() < 3
    assert ticker["state"] == "ok"
    assert embedded.stored_price(auction["id"]) == auction["price_after"]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
