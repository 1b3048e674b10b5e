"""The desk's home page: today's classes as they stand, who is due, what just sold or was cancelled;
and the endpoints its script polls (the home page's fragment, the auction list's prices)."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.admin_helpers import logged_in
from accounts.tests.factories import CustomerFactory
from auctions.tests.factories import CLASS_AFTER_OPENING, AuctionFactory
from reservations import selectors, services
from reservations.models import ReservationStatus
from reservations.tests.factories import ReservationFactory, grab

pytestmark = pytest.mark.django_db

HOME = reverse("admin:index")
TODAY = reverse("admin:reservations_today")
LIVE_PRICES = reverse("admin:auctions_live_prices")
ISTANBUL = zoneinfo.ZoneInfo("Europe/Istanbul")


def class_now(studio, **options):
    """An auction whose class starts now (always today) and which is still open for grabs."""
    now = timezone.now()
    return AuctionFactory.create(
        studio=studio,
        now=now - CLASS_AFTER_OPENING,
        end_time=now - timedelta(minutes=1),
        scheduled_at=now,
        **options,
    )


def open_today(studio, **options):
    """An ACTIVE auction for a class later today: in three hours, or just before the studio's
    midnight when that comes sooner (so the test holds in Istanbul's late evening too)."""
    now = timezone.now()
    midnight = datetime.combine(now.astimezone(ISTANBUL).date() + timedelta(days=1), time.min, ISTANBUL)
    scheduled_at = min(now + timedelta(hours=3), midnight - timedelta(seconds=1))
    return AuctionFactory.create(
        studio=studio,
        now=now - timedelta(minutes=1),
        end_time=min(now + timedelta(minutes=100), scheduled_at),
        scheduled_at=scheduled_at,
        **options,
    )


def test_desk_today_lists_todays_classes_due_bookings_and_recent_events(studios):
    now = timezone.now()
    sold = class_now(studios.a, sold=True, title="Sabah Reformer")
    due = ReservationFactory.create(auction=sold, reserved_at=now - timedelta(minutes=20))
    cancelled = ReservationFactory.create(
        auction=open_today(studios.a, title="Öğle Yoga"),
        status=ReservationStatus.CANCELLED,
        cancelled_at=now - timedelta(minutes=5),
        reserved_at=now - timedelta(hours=2),
    )
    AuctionFactory.create(studio=studios.a, now=now + timedelta(days=2), title="Next week")
    class_now(studios.b, title="Bravo class")

    today = selectors.desk_today(studio_id=studios.a.pk, zone=ISTANBUL, now=now)

    assert [row.auction.title for row in today.classes] == ["Sabah Reformer", "Öğle Yoga"]
    assert [row.seats_left for row in today.classes] == [0, 1]
    assert today.due == [due]
    assert [(event.kind, event.reservation) for event in today.recent] == [
        ("cancellation", cancelled),
        ("sale", due),
        ("sale", cancelled),
    ]


def test_the_home_page_is_the_desks_today(client, studios):
    class_now(studios.a, sold=True, title="Sabah Reformer")
    class_now(studios.b, title="Bravo class")
    logged_in(client, studios.manager_a)

    page = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'id="desk-today"' in page
    assert "Sabah Reformer" in page
    assert "Bravo class" not in page
    assert f'data-refresh-url="{TODAY}"' in page
    assert "core/live.js" in page


def test_the_today_endpoint_changes_when_a_customer_grabs(client, studios):
    auction = open_today(studios.a, title="Akşam Pilates")
    logged_in(client, studios.manager_a)
    before = client.get(TODAY).json()["html"]

    reservation = grab(CustomerFactory(full_name="Ayşe Müşteri"), auction)

    after = client.get(TODAY).json()["html"]
    assert "Ayşe Müşteri" not in before
    assert "Ayşe Müşteri" in after
    assert reservation.booking_code in after


def test_the_today_endpoint_shows_only_the_managers_studio(client, studios):
    theirs = open_today(studios.b, title="Bravo class")
    grab(CustomerFactory(full_name="Deniz Bravo"), theirs)
    logged_in(client, studios.manager_a)

    html = client.get(TODAY).json()["html"]

    assert "Bravo class" not in html
    assert "Deniz Bravo" not in html


def test_live_prices_answer_the_listed_auctions_of_the_managers_studio(client, studios):
    mine = AuctionFactory.create(studio=studios.a)
    theirs = AuctionFactory.create(studio=studios.b)
    logged_in(client, studios.manager_a)

    body = client.get(LIVE_PRICES, {"ids": f"{mine.pk},{theirs.pk},x"}, HTTP_ACCEPT_LANGUAGE="tr").json()

    assert body == {"prices": {str(mine.pk): "500,00\N{NO-BREAK SPACE}₺"}}


def test_the_auction_list_marks_its_prices_for_the_script(client, studios):
    auction = AuctionFactory.create(studio=studios.a)
    logged_in(client, studios.manager_a)

    page = client.get(reverse("admin:auctions_auction_changelist")).content.decode()

    assert f'data-live-prices-url="{LIVE_PRICES}"' in page
    assert f'data-live-price="{auction.pk}"' in page


def test_a_customer_cancellation_shows_on_the_desk(client, studios):
    auction = open_today(studios.a)
    reservation = grab(CustomerFactory(full_name="Can Yılmaz"), auction)
    services.reservation_cancel_by_studio(reservation_id=reservation.pk)
    logged_in(client, studios.manager_a)

    html = client.get(TODAY, HTTP_ACCEPT_LANGUAGE="en").json()["html"]

    assert 'class="desk-cancellation"' in html
    assert "Can Yılmaz" in html
    # the spot is back on sale: the class shows as active again, one seat left
    assert "desk-status-active" in html
