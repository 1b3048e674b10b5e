"""The front desk's check-in: today's class or not, what not to charge, and undoing a mistake."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE
from django.urls import reverse
from django.utils import timezone

from accounts.tests.admin_helpers import log_entries, messages_of, run_action
from auctions.tests.factories import CLASS_AFTER_OPENING, AuctionFactory
from reservations import services
from reservations.models import Reservation, ReservationStatus
from reservations.tests.factories import ReservationFactory

pytestmark = pytest.mark.django_db

CHECK_IN = reverse("admin:reservations_check_in")


def booking(studio, *, class_at, **options) -> Reservation:
    auction = AuctionFactory.create(studio=studio, sold=True, now=class_at - CLASS_AFTER_OPENING)
    return ReservationFactory.create(auction=auction, **options)


def checked_in(studio, *, minutes_ago: float) -> Reservation:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return booking(studio, class_at=timezone.now(), status=ReservationStatus.COMPLETED, checked_in_at=at)


# --- the undo service -------------------------------------------------------------------------------


def test_undo_puts_a_fresh_check_in_back_to_waiting_for_payment(studios):
    reservation = checked_in(studios.a, minutes_ago=2)

    services.reservation_check_in_undo(reservation_id=reservation.pk)

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.PENDING_ON_SITE
    assert reservation.checked_in_at is None


def test_undo_is_refused_after_the_undo_window(studios, settings):
    settings.HOTHOUR_CHECKIN_UNDO_MINUTES = 5
    reservation = checked_in(studios.a, minutes_ago=6)

    with pytest.raises(services.CheckInUndoClosed):
        services.reservation_check_in_undo(reservation_id=reservation.pk)

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED


@pytest.mark.parametrize("status", [ReservationStatus.PENDING_ON_SITE, ReservationStatus.CANCELLED])
def test_undo_is_refused_for_a_reservation_that_is_not_checked_in(studios, status):
    reservation = booking(studios.a, class_at=timezone.now(), status=status, cancelled_at=timezone.now())

    with pytest.raises(services.ReservationWrongStatus):
        services.reservation_check_in_undo(reservation_id=reservation.pk)


# --- the page ---------------------------------------------------------------------------------------


def test_todays_code_is_said_in_large_type_with_time_class_and_customer(client_a, studios):
    reservation = booking(studios.a, class_at=timezone.now())

    page = client_a.get(CHECK_IN, {"code": reservation.booking_code})

    assert page.context["state"] == "today"
    html = page.content.decode()
    assert 'class="desk-verdict desk-today"' in html
    assert timezone.localtime(reservation.auction.scheduled_at).strftime("%H:%M") in html
    assert reservation.user.full_name in html
    assert 'id="check-in"' in html


def test_another_days_code_is_refused_without_the_second_confirmation(client_a, studios):
    reservation = booking(studios.a, class_at=timezone.now() + timedelta(days=2))

    shown = client_a.get(CHECK_IN, {"code": reservation.booking_code})
    posted = client_a.post(CHECK_IN, {"code": reservation.booking_code})

    assert shown.context["state"] == "other_day"
    assert 'id="check-in"' not in shown.content.decode()
    assert 'id="other-day"' in shown.content.decode()
    assert posted.status_code == 200
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.PENDING_ON_SITE
    assert log_entries(studios.manager_a, reservation) == []


def test_another_days_code_is_taken_when_confirmed(client_a, studios):
    reservation = booking(studios.a, class_at=timezone.now() - timedelta(days=1))

    response = client_a.post(CHECK_IN, {"code": reservation.booking_code, "other_day": "yes"})

    assert response.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED


@pytest.mark.parametrize(
    ("options", "headline"),
    [
        ({"status": ReservationStatus.CANCELLED, "cancelled_at": timezone.now()}, "cancelled"),
        ({"status": ReservationStatus.NO_SHOW, "no_show_at": timezone.now()}, "no-show"),
        ({"status": ReservationStatus.COMPLETED, "checked_in_at": timezone.now()}, "already checked in"),
    ],
)
def test_a_booking_not_to_charge_is_red_with_no_price_to_pay(client_a, studios, options, headline):
    reservation = booking(studios.a, class_at=timezone.now(), **options)

    page = client_a.get(CHECK_IN, {"code": reservation.booking_code}, HTTP_ACCEPT_LANGUAGE="en")

    assert page.context["state"] == "do_not_charge"
    html = page.content.decode()
    assert 'class="desk-verdict desk-do_not_charge"' in html
    assert "Do not charge" in html
    assert headline in html
    assert 'id="to-pay"' not in html
    assert 'id="check-in"' not in html


def test_the_desk_undoes_its_check_in_and_the_admin_log_records_it(client_a, studios):
    reservation = booking(studios.a, class_at=timezone.now())
    client_a.post(CHECK_IN, {"code": reservation.booking_code})
    after = client_a.get(CHECK_IN, {"code": reservation.booking_code})
    assert 'id="undo"' in after.content.decode()

    response = client_a.post(
        CHECK_IN, {"code": reservation.booking_code, "action": "undo"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.PENDING_ON_SITE
    entries = log_entries(studios.manager_a, reservation)
    assert [entry.action_flag for entry in entries] == [CHANGE, CHANGE]
    assert entries[-1].change_message == "Check-in undone"


def test_no_undo_button_once_the_window_has_passed(client_a, studios):
    reservation = checked_in(studios.a, minutes_ago=30)

    page = client_a.get(CHECK_IN, {"code": reservation.booking_code})

    assert 'id="undo"' not in page.content.decode()


def test_another_studios_check_in_cannot_be_undone(client_a, studios):
    theirs = checked_in(studios.b, minutes_ago=1)

    client_a.post(CHECK_IN, {"code": theirs.booking_code, "action": "undo"})

    theirs.refresh_from_db()
    assert theirs.status == ReservationStatus.COMPLETED


def test_the_desks_guard_refuses_another_days_booking_in_the_service(studios):
    reservation = booking(studios.a, class_at=timezone.now() + timedelta(days=2))

    with pytest.raises(services.CheckInNotToday):
        services.reservation_check_in(reservation_id=reservation.pk, today_only=True)

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.PENDING_ON_SITE


def test_the_list_action_skips_another_days_booking_and_says_why(client_a, studios):
    today = booking(studios.a, class_at=timezone.now())
    other_day = booking(studios.a, class_at=timezone.now() + timedelta(days=2))

    response = run_action(client_a, Reservation, "check_in", today, other_day)

    today.refresh_from_db()
    other_day.refresh_from_db()
    assert today.status == ReservationStatus.COMPLETED
    assert other_day.status == ReservationStatus.PENDING_ON_SITE
    assert any(other_day.booking_code in text for _level, text in messages_of(response))
