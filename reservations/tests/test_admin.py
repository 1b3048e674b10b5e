"""The reservation back office: the front desk's check-in, no-shows, cancellations and the figures."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib import messages
from django.contrib.admin.models import CHANGE
from django.urls import reverse
from django.utils import timezone

from accounts.tests.admin_helpers import (
    admin_url,
    log_entries,
    logged_in,
    messages_of,
    object_urls,
    run_action,
    two_studios,
)
from accounts.tests.factories import CustomerFactory
from auctions.models import AuctionStatus
from auctions.tests.factories import CLASS_AFTER_OPENING, TURBO, AuctionFactory, make_auction, minutes
from reservations.models import CancelledBy, Reservation, ReservationStatus
from reservations.studio_report import studio_figures
from reservations.tests.factories import ReservationFactory, grab

pytestmark = pytest.mark.django_db

CHANGELIST = admin_url(Reservation, "changelist")
CHECK_IN = reverse("admin:reservations_check_in")
FIGURES = reverse("admin:reservations_figures")


@pytest.fixture
def studios():
    return two_studios()


@pytest.fixture
def client_a(client, studios):
    return logged_in(client, studios.manager_a)


def later_today() -> datetime:
    """A class time still ahead today (at worst a minute from now, near midnight)."""
    now = timezone.now()
    last_minute = timezone.localtime(now).replace(hour=23, minute=59, second=0, microsecond=0)
    return max(now + timedelta(minutes=1), min(now + timedelta(hours=3), last_minute))


def booked(studio, **options) -> Reservation:
    """A PENDING_ON_SITE reservation of a sold auction of `studio` (class later today)."""
    auction = AuctionFactory.create(studio=studio, sold=True, now=later_today() - CLASS_AFTER_OPENING)
    return ReservationFactory.create(auction=auction, **options)


def after_class(studio, **options) -> Reservation:
    """A PENDING_ON_SITE reservation whose class started yesterday."""
    auction = AuctionFactory.create(studio=studio, sold=True, now=timezone.now() - timedelta(days=1))
    assert auction.scheduled_at < timezone.now()
    return ReservationFactory.create(auction=auction, **options)


def warnings_of(response) -> list[str]:
    return [text for level, text in messages_of(response) if level == messages.WARNING]


# --- what a manager sees -------------------------------------------------------------------------


def test_changelist_lists_only_the_managers_studio_reservations(client_a, studios):
    mine = [booked(studios.a), after_class(studios.a)]
    theirs = booked(studios.b)

    response = client_a.get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    for reservation in mine:
        assert reservation.booking_code in page
    assert theirs.booking_code not in page
    assert response.context["cl"].result_count == 2


def test_superuser_changelist_lists_every_studios_reservations(admin_client, studios):
    a, b = booked(studios.a), booked(studios.b)

    page = admin_client.get(CHANGELIST).content.decode()

    assert a.booking_code in page
    assert b.booking_code in page


def test_another_studios_reservation_pages_are_not_found(client_a, studios):
    theirs = booked(studios.b)

    for url in object_urls(theirs):
        assert client_a.get(url).status_code == 404, url


def test_own_reservation_page_is_read_only(client_a, studios):
    reservation = booked(studios.a, locked_price=Decimal("350.00"))

    response = client_a.get(admin_url(Reservation, "change", reservation.pk))

    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert "350" in response.content.decode()


def test_reservations_are_not_added_or_deleted_in_the_back_office(client_a, studios):
    reservation = booked(studios.a)

    assert client_a.get(admin_url(Reservation, "add")).status_code == 403
    assert client_a.post(admin_url(Reservation, "delete", reservation.pk), {"post": "yes"}).status_code == 403
    assert Reservation.objects.filter(pk=reservation.pk).exists()


# --- actions --------------------------------------------------------------------------------------


def test_check_in_action_completes_pending_reservations_and_skips_the_rest(client_a, studios):
    pending = booked(studios.a)
    done = booked(studios.a, status=ReservationStatus.COMPLETED, checked_in_at=timezone.now())

    response = run_action(client_a, Reservation, "check_in", pending, done)

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ReservationStatus.COMPLETED
    assert pending.checked_in_at is not None
    [warning] = warnings_of(response)
    assert done.booking_code in warning
    [entry] = log_entries(studios.manager_a, pending)
    assert entry.action_flag == CHANGE
    assert log_entries(studios.manager_a, done) == []


def test_no_show_action_only_marks_reservations_whose_class_started(client_a, studios):
    missed = after_class(studios.a)
    upcoming = booked(studios.a)

    response = run_action(client_a, Reservation, "mark_no_show", missed, upcoming)

    missed.refresh_from_db()
    upcoming.refresh_from_db()
    assert missed.status == ReservationStatus.NO_SHOW
    assert missed.no_show_at is not None
    assert upcoming.status == ReservationStatus.PENDING_ON_SITE
    [warning] = warnings_of(response)
    assert upcoming.booking_code in warning
    assert len(log_entries(studios.manager_a, missed)) == 1


def test_no_show_action_skips_a_checked_in_reservation(client_a, studios):
    came = after_class(studios.a, status=ReservationStatus.COMPLETED, checked_in_at=timezone.now())

    response = run_action(client_a, Reservation, "mark_no_show", came)

    came.refresh_from_db()
    assert came.status == ReservationStatus.COMPLETED
    assert len(warnings_of(response)) == 1


def test_cancel_action_relists_the_auction(client_a, studios):
    auction = make_auction(studio=studios.a)
    reservation = grab(None, auction)
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.SOLD
    already = booked(studios.a, status=ReservationStatus.CANCELLED, cancelled_at=timezone.now())

    response = run_action(client_a, Reservation, "cancel", reservation, already)

    reservation.refresh_from_db()
    auction.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    assert reservation.cancelled_by == CancelledBy.STUDIO
    assert auction.status == AuctionStatus.ACTIVE
    [warning] = warnings_of(response)
    assert already.booking_code in warning
    assert len(log_entries(studios.manager_a, reservation)) == 1


@pytest.mark.parametrize("action", ["check_in", "mark_no_show", "cancel"])
def test_action_on_another_studios_reservation_changes_nothing(client_a, studios, action):
    theirs = after_class(studios.b)

    run_action(client_a, Reservation, action, theirs)

    theirs.refresh_from_db()
    assert theirs.status == ReservationStatus.PENDING_ON_SITE
    assert log_entries(studios.manager_a, theirs) == []


# --- the check-in page ----------------------------------------------------------------------------


def test_check_in_page_finds_the_code_and_shows_who_pays_what(client_a, studios):
    customer = CustomerFactory(full_name="Zeynep Kaya")
    reservation = booked(studios.a, user=customer, locked_price=Decimal("375.00"))

    response = client_a.get(CHECK_IN, {"code": reservation.booking_code})

    assert response.status_code == 200
    assert response.context["reservation"] == reservation
    assert response.context["state"] == "today"
    page = response.content.decode()
    assert "Zeynep Kaya" in page
    assert "375,00\N{NO-BREAK SPACE}₺" in page
    assert 'id="check-in"' in page


@pytest.mark.parametrize("typed", ["{suffix}", "{code_lower}", "  {suffix_lower}  "])
def test_check_in_page_takes_the_code_without_prefix_and_in_lower_case(client_a, studios, typed):
    reservation = booked(studios.a)
    code = reservation.booking_code
    suffix = code.removeprefix("HOT-")
    typed = typed.format(suffix=suffix, code_lower=code.lower(), suffix_lower=suffix.lower())

    response = client_a.get(CHECK_IN, {"code": typed})

    assert response.context["reservation"] == reservation
    assert response.context["code"] == code


def test_check_in_page_post_checks_the_reservation_in(client_a, studios):
    reservation = booked(studios.a)
    code = reservation.booking_code

    response = client_a.post(CHECK_IN, {"code": code.removeprefix("HOT-").lower()})

    assert response.status_code == 302
    assert response["Location"] == f"{CHECK_IN}?code={code}"
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED
    assert [e.action_flag for e in log_entries(studios.manager_a, reservation)] == [CHANGE]
    # the page it lands on shows the reservation as checked in, with no button any more
    after = client_a.get(response["Location"])
    assert after.context["state"] == "do_not_charge"
    assert 'id="check-in"' not in after.content.decode()


def test_check_in_page_post_twice_checks_in_once(client_a, studios):
    reservation = booked(studios.a)
    client_a.post(CHECK_IN, {"code": reservation.booking_code})

    response = client_a.post(CHECK_IN, {"code": reservation.booking_code})

    assert response.status_code == 200
    assert len(warnings_of(response)) == 1
    assert len(log_entries(studios.manager_a, reservation)) == 1


def test_check_in_page_does_not_find_another_studios_code(client_a, studios):
    theirs = booked(studios.b, user=CustomerFactory(full_name="Deniz Bravo"))

    found = client_a.get(CHECK_IN, {"code": theirs.booking_code})
    posted = client_a.post(CHECK_IN, {"code": theirs.booking_code})

    for response in (found, posted):
        assert response.status_code == 200
        assert response.context["not_found"]
        assert response.context["reservation"] is None
        assert "Deniz Bravo" not in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.status == ReservationStatus.PENDING_ON_SITE


def test_check_in_page_unknown_code_is_not_found(client_a):
    response = client_a.get(CHECK_IN, {"code": "HOT-ZZZZZZ"})

    assert response.context["not_found"]


def test_front_desk_links_are_on_the_managers_home_page(client_a):
    page = client_a.get(reverse("admin:index")).content.decode()

    assert CHECK_IN in page
    assert FIGURES in page


# --- figures --------------------------------------------------------------------------------------


def _period(day: datetime) -> dict[str, str]:
    local = timezone.localdate(day)
    return {"start": str(local - timedelta(days=1)), "end": str(local + timedelta(days=1))}


def _studio_week(studio, base: datetime, *, sold_price: Decimal) -> None:
    """Three published auctions of classes around `base`: one sold and checked in, one expired, one
    cancelled; plus a draft, which is not published and so not counted."""
    ReservationFactory(
        auction=AuctionFactory(studio=studio, sold=True, now=base),
        locked_price=sold_price,
        status=ReservationStatus.COMPLETED,
        checked_in_at=base,
    )
    AuctionFactory(studio=studio, expired=True, now=base)
    AuctionFactory(studio=studio, cancelled=True, now=base)
    AuctionFactory(studio=studio, draft=True, now=base)


@pytest.mark.parametrize(
    ("language", "percent", "money"),
    [("tr", "%{},{}", "{},{}\N{NO-BREAK SPACE}₺"), ("en", "{}.{}%", "₺{}.{}")],
)
def test_figures_page_shows_the_managers_studio_figures(client_a, studios, language, percent, money):
    # given: a week ago, A sold one spot of 500 for 400, one expired and one was cancelled
    base = timezone.now() - timedelta(days=7)
    _studio_week(studios.a, base, sold_price=Decimal("400.00"))
    # and B had a busier week, with a no-show, which A must not see
    _studio_week(studios.b, base, sold_price=Decimal("250.00"))
    ReservationFactory(auction=AuctionFactory(studio=studios.b, sold=True, now=base), no_show=True)
    # and A sold a class outside the period
    ReservationFactory(
        auction=AuctionFactory(studio=studios.a, sold=True, now=base - timedelta(days=10)),
        status=ReservationStatus.COMPLETED,
    )

    # when
    response = client_a.get(FIGURES, _period(base), HTTP_ACCEPT_LANGUAGE=language)

    # then
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.published, figures.sold, figures.expired, figures.cancelled) == (3, 1, 1, 1)
    assert figures.sell_through_percent == Decimal("50.0")
    assert figures.revenue == Decimal("400.00")
    assert figures.average_discount_percent == Decimal("20.0")
    assert figures.turbo_share_percent == Decimal("0.0")
    assert figures.no_shows == 0
    page = response.content.decode()
    for cell, shown in {
        "published": "3",
        "sold": "1",
        "expired": "1",
        "cancelled": "1",
        "sell-through": percent.format(50, 0),
        "revenue": money.format(400, "00"),
        "discount": percent.format(20, 0),
        "turbo-share": percent.format(0, 0),
        "no-shows": "0",
    }.items():
        assert f'<td id="{cell}">{shown}</td>' in page, cell


def test_figures_page_counts_no_shows(client_a, studios):
    base = timezone.now() - timedelta(days=7)
    ReservationFactory(auction=AuctionFactory(studio=studios.a, sold=True, now=base), no_show=True)

    figures = client_a.get(FIGURES, _period(base)).context["figures"]

    assert (figures.sold, figures.no_shows, figures.revenue) == (1, 1, Decimal("0.00"))


def test_figures_page_for_a_superuser_covers_every_studio(admin_client, studios):
    base = timezone.now() - timedelta(days=7)
    _studio_week(studios.a, base, sold_price=Decimal("400.00"))
    _studio_week(studios.b, base, sold_price=Decimal("250.00"))

    figures = admin_client.get(FIGURES, _period(base)).context["figures"]

    assert (figures.published, figures.sold) == (6, 2)
    assert figures.revenue == Decimal("650.00")


def test_figures_page_refuses_a_period_that_ends_before_it_starts(client_a):
    today = timezone.localdate()

    response = client_a.get(FIGURES, {"start": str(today), "end": str(today - timedelta(days=3))})

    assert response.status_code == 200
    assert response.context["form"].errors
    # and falls back on the last four weeks and the coming week
    assert response.context["start"] == today - timedelta(days=28)
    assert response.context["end"] == today + timedelta(days=7)


def test_studio_figures_counts_turbo_sales_and_discounts(studios):
    # given: four sales at different moments of their auctions, all of studio A, classes around `base`
    base = timezone.now() - timedelta(days=3)

    def sale(price: str, reserved_at: datetime, **auction) -> None:
        ReservationFactory(
            auction=AuctionFactory(studio=studios.a, sold=True, now=base, **auction),
            locked_price=Decimal(price),
            reserved_at=reserved_at,
        )

    opened = base - minutes(10)  # the factory's auctions open 10 min before `base`, close 120 min after
    # no turbo on the auction
    sale("450.00", opened + minutes(100))
    # turbo from 30 min before the close (opened + 90): sold before it, then during it
    sale("450.00", opened + minutes(80), **TURBO)
    sale("410.00", opened + minutes(95), **TURBO)
    # turbo started by hand at opened + 20 and sold during it, before the automatic trigger
    sale("400.00", opened + minutes(30), turbo_started_at=opened + minutes(20), **TURBO)
    # and a cancelled reservation, which is no sale
    ReservationFactory(
        auction=AuctionFactory(studio=studios.a, now=base),
        status=ReservationStatus.CANCELLED,
        cancelled_at=base,
    )

    # when
    figures = studio_figures(
        studio_id=studios.a.pk, start=base - timedelta(days=1), end=base + timedelta(days=1)
    )

    # then
    assert figures.sold == 4
    assert figures.turbo_share_percent == Decimal("50.0")
    # (10 + 10 + 18 + 20) / 4 = 14.5 % off the start price of 500
    assert figures.average_discount_percent == Decimal("14.5")
    assert figures.revenue == Decimal("0.00")  # nobody checked in yet
    assert figures.sell_through_percent == Decimal("100.0")
    assert figures.published == 5


def test_studio_figures_with_nothing_sold_has_no_percentages(studios):
    now = timezone.now()

    figures = studio_figures(studio_id=studios.a.pk, start=now - timedelta(days=1), end=now)

    assert figures.published == figures.sold == 0
    assert figures.sell_through_percent is None
    assert figures.average_discount_percent is None
    assert figures.turbo_share_percent is None


# --- the list at 1280 px ---------------------------------------------------------------------------


def test_reservations_list_shows_the_status_first(client_a, studios):
    booked(studios.a)

    response = client_a.get(CHANGELIST)

    shown = [name for name in response.context["cl"].list_display if name != "action_checkbox"]
    assert shown[0] == "status"
    assert "studio" not in shown
