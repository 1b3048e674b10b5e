"""The embedded default (SQLite, in-memory layer, no Redis) runs the grab's plain-SQL path too.

The rest of the suite runs on PostgreSQL; `make run` runs on SQLite, where `core.sql` has no
row locks (SQLite locks the file) and datetimes are stored as naive UTC text.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.e2e
def test_the_grab_runs_on_the_embedded_sqlite_database(tmp_path):
    # given: a migrated SQLite database and no Redis, as `make run` has
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DATABASE_URL"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "hothour.settings.base",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }

    def manage(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "-v0")

    # when: one customer grabs, then another tries the same spot
    result = json.loads(manage("shell", "-c", GRAB_TWICE).strip().splitlines()[-1])

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
