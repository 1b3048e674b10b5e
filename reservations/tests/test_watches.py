"""Watches, price alerts and auto-grab (DESIGN section 3, "Watches, price alerts and auto-grab"):
the API's rules, one alert per watch at the step's instant, standing orders filled before any
manual grab with the grab's own checks, and watches ending with their auction."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.tests.admin_helpers import logged_in, two_studios
from accounts.tests.factories import CustomerFactory, ManagerFactory
from auctions import services as auction_services
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import make_auction, minutes
from conftest import authenticate
from core.outbox import OutboundEmail
from reservations import services
from reservations.models import Notification, NotificationKind, Reservation, Watch, WatchStatus
from reservations.studio_report import studio_figures
from reservations.tests.factories import ReservationFactory, grab

pytestmark = pytest.mark.django_db

WATCHES = "/api/v1/watches/"


@pytest.fixture
def clock(monkeypatch):
    """Every reader of `timezone.now()` sees `clock.at`, moved by hand."""

    class Clock:
        at = timezone.now()

    monkeypatch.setattr(timezone, "now", lambda: Clock.at)
    return Clock


def dropping_auction(clock: Any, seats: int = 1, **overrides: Any) -> Auction:
    """500 now, 10 lira less every minute (490 one minute on), floor 100, open for ten hours."""
    values: dict[str, Any] = {
        "seats": seats,
        "start_price": Decimal("500.00"),
        "floor_price": Decimal("100.00"),
        "drop_amount": Decimal("10.00"),
        "drop_interval_mins": 1,
        "start_time": clock.at - minutes(0.5),
        "end_time": clock.at + minutes(600),
        "scheduled_at": clock.at + minutes(24 * 60),
        **overrides,
    }
    return make_auction(now=clock.at, **values)


def step(clock: Any, n: int = 1) -> None:
    """Move to the instant of the n-th next step and run the tick there."""
    clock.at += minutes(n)
    auction_services.auctions_tick(now=clock.at)


def watch(user: Any, auction: Auction, price: str, *, auto_grab: bool = False) -> Watch:
    created, _ = services.watch_save(
        user=user, auction_id=auction.pk, alert_price=Decimal(price), auto_grab=auto_grab
    )
    return created


def kinds(user: Any) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


# --- the API -----------------------------------------------------------------------------------


def test_post_creates_a_watch_then_updates_it(clock, customer_client, customer):
    auction = dropping_auction(clock)
    body = {"auction_id": auction.pk, "alert_price": "250.00", "auto_grab": False}

    first = customer_client.post(WATCHES, body, format="json")
    second = customer_client.post(
        WATCHES, {**body, "alert_price": "300.00", "auto_grab": True}, format="json"
    )

    assert first.status_code == 201
    assert first.data["status"] == "ACTIVE"
    assert first.data["alert_price"] == "250.00"
    assert second.status_code == 200
    assert second.data["id"] == first.data["id"]
    assert (second.data["alert_price"], second.data["auto_grab"]) == ("300.00", True)
    assert Watch.objects.filter(user=customer).count() == 1


@pytest.mark.parametrize("price", ["500.00", "600.00", "99.99", "-5", "abc", ""])
def test_alert_price_outside_floor_to_current_price_is_refused(clock, customer_client, price):
    auction = dropping_auction(clock)

    response = customer_client.post(WATCHES, {"auction_id": auction.pk, "alert_price": price}, format="json")

    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert "alert_price" in response.data["fields"]
    assert not Watch.objects.exists()


def test_the_floor_itself_is_a_valid_alert_price(clock, customer_client):
    auction = dropping_auction(clock)

    response = customer_client.post(
        WATCHES, {"auction_id": auction.pk, "alert_price": "100.00"}, format="json"
    )

    assert response.status_code == 201


def test_a_manager_cannot_watch(clock, api_client, studio):
    auction = dropping_auction(clock)
    client = authenticate(api_client, ManagerFactory.create(studio=studio))

    response = client.post(WATCHES, {"auction_id": auction.pk, "alert_price": "250.00"}, format="json")

    assert (response.status_code, response.data["code"]) == (403, "staff_cannot_book")


def test_an_unverified_customer_cannot_watch(clock, api_client):
    auction = dropping_auction(clock)
    client = authenticate(api_client, CustomerFactory.create(is_verified=False))

    response = client.post(WATCHES, {"auction_id": auction.pk, "alert_price": "250.00"}, format="json")

    assert (response.status_code, response.data["code"]) == (403, "email_not_verified")


@pytest.mark.parametrize("ending", ["draft", "sold", "expired", "cancelled"])
def test_an_auction_that_no_longer_sells_cannot_be_watched(clock, customer_client, ending):
    auction = dropping_auction(clock, publish=ending != "draft")
    if ending == "sold":
        grab(None, auction)
    elif ending == "expired":
        clock.at = auction.end_time + minutes(1)
    elif ending == "cancelled":
        auction_services.auction_cancel(auction_id=auction.pk)

    response = customer_client.post(
        WATCHES, {"auction_id": auction.pk, "alert_price": "150.00"}, format="json"
    )

    expected = (404, "not_found") if ending == "draft" else (409, "auction_not_active")
    assert (response.status_code, response.data["code"]) == expected
    assert not Watch.objects.exists()


def test_a_scheduled_auction_can_be_watched(clock, customer_client):
    auction = dropping_auction(clock, start_time=clock.at + minutes(60))
    assert auction.status == AuctionStatus.SCHEDULED

    response = customer_client.post(
        WATCHES, {"auction_id": auction.pk, "alert_price": "150.00"}, format="json"
    )

    assert response.status_code == 201


@override_settings(HOTHOUR_MAX_WATCHES=2)
def test_more_active_watches_than_the_limit_are_refused(clock, customer_client, customer):
    auctions = [dropping_auction(clock) for _ in range(3)]
    for auction in auctions[:2]:
        watch(customer, auction, "200.00")

    over = customer_client.post(
        WATCHES, {"auction_id": auctions[2].pk, "alert_price": "200.00"}, format="json"
    )
    again = customer_client.post(
        WATCHES, {"auction_id": auctions[0].pk, "alert_price": "210.00"}, format="json"
    )

    assert (over.status_code, over.data["code"]) == (409, "watch_limit")
    assert again.status_code == 200  # updating one of them is not a new watch
    assert Watch.objects.filter(user=customer).count() == 2


def test_list_shows_own_watches_newest_first_fired_ones_included(clock, customer_client, customer):
    first, second = dropping_auction(clock), dropping_auction(clock)
    older = watch(customer, first, "490.00")
    clock.at += timedelta(seconds=1)
    newer = watch(customer, second, "200.00")
    watch(CustomerFactory.create(), second, "300.00")
    step(clock)  # fires the older one

    response = customer_client.get(WATCHES)

    assert response.status_code == 200
    assert response.data["count"] == 2
    assert [w["id"] for w in response.data["results"]] == [newer.pk, older.pk]
    assert [w["status"] for w in response.data["results"]] == ["ACTIVE", "FIRED"]


def test_another_customers_watch_is_not_found(clock, customer_client):
    theirs = watch(CustomerFactory.create(), dropping_auction(clock), "250.00")
    url = f"{WATCHES}{theirs.pk}/"

    answers = [
        customer_client.get(url),
        customer_client.patch(url, {"alert_price": "260.00"}, format="json"),
        customer_client.delete(url),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404]
    theirs.refresh_from_db()
    assert theirs.alert_price == Decimal("250.00")


def test_patch_changes_an_active_watch_and_delete_removes_it(clock, customer_client, customer):
    mine = watch(customer, dropping_auction(clock), "250.00")
    url = f"{WATCHES}{mine.pk}/"

    patched = customer_client.patch(url, {"alert_price": "260.00", "auto_grab": True}, format="json")
    bad = customer_client.patch(url, {"alert_price": "520.00"}, format="json")
    deleted = customer_client.delete(url)

    assert patched.status_code == 200
    assert (patched.data["alert_price"], patched.data["auto_grab"]) == ("260.00", True)
    assert (bad.status_code, list(bad.data["fields"])) == (400, ["alert_price"])
    assert deleted.status_code == 204
    assert customer_client.get(url).status_code == 404


def test_a_watch_that_fired_cannot_be_changed_or_deleted(clock, customer_client, customer):
    mine = watch(customer, dropping_auction(clock), "490.00")
    step(clock)
    url = f"{WATCHES}{mine.pk}/"

    patched = customer_client.patch(url, {"auto_grab": True}, format="json")
    deleted = customer_client.delete(url)

    assert (patched.status_code, patched.data["code"]) == (409, "watch_closed")
    assert (deleted.status_code, deleted.data["code"]) == (409, "watch_closed")


def test_the_watch_api_needs_a_signed_in_user(api_client):
    assert api_client.get(WATCHES).status_code == 401
    assert api_client.post(WATCHES, {}, format="json").status_code == 401


# --- alerts ------------------------------------------------------------------------------------


def test_the_step_that_reaches_the_alert_price_sends_one_alert(clock, customer):
    auction = dropping_auction(clock)
    mine = watch(customer, auction, "480.00")

    step(clock)  # 490: not yet
    assert kinds(customer) == []
    step(clock)  # 480: reached, at this step's tick
    step(clock)  # 470: still below, nothing more
    auction_services.auctions_tick(now=clock.at)  # a duplicated beat

    mine.refresh_from_db()
    assert (mine.status, mine.fired_at) == (WatchStatus.FIRED, clock.at - minutes(1))
    assert kinds(customer) == [NotificationKind.PRICE_ALERT]
    alert = Notification.objects.get(user=customer)
    assert alert.data["price"] == "480.00"
    emails = OutboundEmail.objects.filter(template="price_alert", to=customer.email)
    assert emails.count() == 1
    assert emails.get().context["url"].endswith(f"/auctions/{auction.pk}")


def test_a_grab_that_takes_the_lock_first_sends_the_alert(clock, customer):
    auction = dropping_auction(clock)
    mine = watch(customer, auction, "490.00")
    clock.at += minutes(1)  # the step is due but no tick ran

    grab(None, auction)

    mine.refresh_from_db()
    assert mine.status == WatchStatus.FIRED
    assert kinds(customer) == [NotificationKind.PRICE_ALERT]


# --- auto-grab ---------------------------------------------------------------------------------


def test_a_standing_order_books_at_the_price_of_the_step(clock, customer):
    auction = dropping_auction(clock)
    order = watch(customer, auction, "485.00", auto_grab=True)

    step(clock)  # 490
    step(clock)  # 480 <= 485

    order.refresh_from_db()
    reservation = Reservation.objects.get(user=customer)
    assert reservation.locked_price == Decimal("480.00")
    assert reservation.booking_code.startswith("HOT-")
    assert (order.status, order.reservation_id) == (WatchStatus.FIRED, reservation.pk)
    assert kinds(customer) == [NotificationKind.AUTO_GRAB_WON]  # no separate alert
    assert OutboundEmail.objects.filter(template="booking_confirmed", to=customer.email).count() == 1
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.SOLD


def test_a_standing_order_beats_a_manual_grab_even_when_the_tick_is_late(clock, customer):
    auction = dropping_auction(clock)
    order = watch(customer, auction, "490.00", auto_grab=True)
    clock.at += minutes(1)  # 490 is due; no tick ran

    with pytest.raises(services.AuctionSold):
        grab(None, auction)

    order.refresh_from_db()
    assert order.status == WatchStatus.FIRED
    assert Reservation.objects.get(auction=auction).user_id == customer.pk


def test_orders_fill_highest_price_first_then_oldest(clock):
    auction = dropping_auction(clock, seats=2)
    low, old, young = CustomerFactory.create_batch(3)
    watch(low, auction, "450.00", auto_grab=True)
    watch(old, auction, "460.00", auto_grab=True)
    clock.at += timedelta(seconds=1)
    watch(young, auction, "460.00", auto_grab=True)

    step(clock, 6)  # 440: all three reached at once

    won = set(Reservation.objects.filter(auction=auction).values_list("user_id", flat=True))
    assert won == {old.pk, young.pk}
    assert kinds(low) == [NotificationKind.AUTO_GRAB_FAILED]
    assert Notification.objects.get(user=low).data["code"] == "auction_sold"


def test_a_failed_order_carries_the_grabs_code_and_fires_once(clock, customer):
    auction = dropping_auction(clock)
    ReservationFactory.create(user=customer, auction=auction, seat_no=1)
    auction.refresh_from_db()
    other = dropping_auction(clock)
    order = watch(customer, other, "490.00", auto_grab=True)
    for _ in range(2):
        ReservationFactory.create(user=customer)  # now at the live cap of 3

    step(clock)
    step(clock)

    order.refresh_from_db()
    assert order.status == WatchStatus.FIRED
    assert order.reservation_id is None
    assert kinds(customer) == [NotificationKind.AUTO_GRAB_FAILED]
    assert Notification.objects.get(user=customer).data["code"] == "reservation_limit"


def test_an_order_is_refused_for_a_gender_it_does_not_allow(clock):
    auction = dropping_auction(clock, allowed_gender="FEMALE")
    man = CustomerFactory.create(gender="MALE")
    watch(man, auction, "490.00", auto_grab=True)

    step(clock)

    assert Notification.objects.get(user=man).data["code"] == "gender_not_allowed"
    assert not Reservation.objects.exists()


# --- the end of the auction ---------------------------------------------------------------------


def test_watches_end_when_the_auction_sells_out_and_a_relisted_seat_rearms_none(clock, customer):
    auction = dropping_auction(clock)
    mine = watch(customer, auction, "300.00", auto_grab=True)
    reservation = grab(None, auction)

    mine.refresh_from_db()
    assert mine.status == WatchStatus.ENDED
    services.reservation_cancel_by_studio(reservation_id=reservation.pk)
    step(clock, 30)  # 200: below the watch, but it is over
    mine.refresh_from_db()
    assert mine.status == WatchStatus.ENDED
    assert kinds(customer) == []


def test_watches_end_when_the_auction_expires(clock, customer):
    auction = dropping_auction(clock, end_time=clock.at + minutes(3))
    mine = watch(customer, auction, "200.00")

    clock.at = auction.end_time
    auction_services.auctions_tick(now=clock.at)

    mine.refresh_from_db()
    assert mine.status == WatchStatus.ENDED


def test_owners_are_told_when_a_watched_auction_is_cancelled(clock, customer):
    auction = dropping_auction(clock)
    mine = watch(customer, auction, "200.00")

    auction_services.auction_cancel(auction_id=auction.pk)

    mine.refresh_from_db()
    assert mine.status == WatchStatus.ENDED
    assert kinds(customer) == [NotificationKind.WATCH_ENDED_CANCELLED]


# --- cost --------------------------------------------------------------------------------------


def test_the_tick_finds_reached_orders_in_one_statement_whatever_their_number(clock):
    auctions = [dropping_auction(clock) for _ in range(5)]
    for auction in auctions:
        for user in CustomerFactory.create_batch(3):
            watch(user, auction, "200.00")

    clock.at += minutes(1)
    with CaptureQueriesContext(connection) as queries:
        auction_services.auctions_tick(now=clock.at)

    watch_table = Watch._meta.db_table
    reads = [q["sql"] for q in queries if f'FROM "{watch_table}"' in q["sql"]]
    assert len(reads) == 1
    assert Watch.objects.filter(status=WatchStatus.ACTIVE).count() == 15


def test_a_tick_fills_any_number_of_orders_in_the_same_number_of_statements(clock):
    def statements_to_fill(orders: int) -> int:
        auctions = [dropping_auction(clock) for _ in range(orders)]
        for auction in auctions:
            watch(CustomerFactory.create(), auction, "490.00", auto_grab=True)
        clock.at += minutes(1)
        with CaptureQueriesContext(connection) as queries:
            auction_services.auctions_tick(now=clock.at)
        assert Reservation.objects.filter(auction__in=auctions).count() == orders
        return len(queries)

    auction_services.auctions_tick(now=clock.at)  # the heartbeat row exists from now on
    assert statements_to_fill(1) == statements_to_fill(6)


def test_the_reached_orders_query_uses_the_auction_price_index(clock):
    auction = dropping_auction(clock)
    watch(CustomerFactory.create(), auction, "200.00")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            f'EXPLAIN SELECT id FROM "{Watch._meta.db_table}" '  # noqa: S608 - names from the model
            "WHERE auction_id = %s AND alert_price >= %s AND status = 'ACTIVE'",
            [auction.pk, Decimal("490.00")],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")

    assert "watch_active_price_idx" in plan


# --- the back office -----------------------------------------------------------------------------


def test_the_auction_page_shows_how_many_watch_at_which_prices_without_names(client):
    studios = two_studios()
    now = timezone.now()
    auction = make_auction(studio=studios.a, now=now)
    watchers = CustomerFactory.create_batch(3, full_name="Zeynep Watcher")
    watch(watchers[0], auction, "300.00")
    watch(watchers[1], auction, "300.00", auto_grab=True)
    watch(watchers[2], auction, "250.00")

    response = logged_in(client, studios.manager_a).get(
        reverse("admin:auctions_auction_change", args=[auction.pk])
    )

    page = response.content.decode()
    assert response.status_code == 200
    demand = page[page.index('class="watch-demand-total"') :]
    assert "3" in demand[: demand.index("</p>")]
    rows = demand[demand.index("<tbody>") : demand.index("</tbody>")]
    assert rows.index("300") < rows.index("250")
    assert "<td>2</td>" in rows
    assert "<td>1</td>" in rows
    assert "Zeynep" not in page
    assert all(w.email not in page for w in watchers)


def test_the_figures_count_the_sales_made_by_auto_grab(clock):
    auction = dropping_auction(clock, seats=3)
    by_order = CustomerFactory.create()
    watch(by_order, auction, "490.00", auto_grab=True)
    step(clock)
    grab(None, auction)

    figures = studio_figures(studio_id=auction.studio_id, start=clock.at, end=clock.at + timedelta(days=2))

    assert figures.sold == 2
    assert figures.auto_grab_sold == 1
