"""No-shows: marked after class + grace (never cancelled), counted as strikes, suspending at the limit."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from accounts.tests.admin_helpers import admin_url, logged_in, run_action, two_studios
from accounts.tests.factories import CustomerFactory
from auctions.models import AuctionStatus
from auctions.tests.factories import make_auction
from reservations import selectors, services, tasks
from reservations.models import Notification, NotificationKind, Reservation, ReservationStatus
from reservations.selectors import STRIKE_WINDOW
from reservations.tests.factories import ReservationFactory, grab, strike

pytestmark = pytest.mark.django_db

GRAB = reverse("reservation-list")
ISTANBUL = ZoneInfo("Europe/Istanbul")
ME = reverse("auth-me")


def grace_end(reservation: Reservation, settings) -> datetime:
    """The first instant at which a reservation still pending is a no-show."""
    return reservation.auction.scheduled_at + timedelta(minutes=settings.HOTHOUR_NO_SHOW_GRACE_MINUTES)


def class_days_ago(days: float, **fields) -> Reservation:
    """A pending reservation whose class took place `days` ago (no one has marked it yet)."""
    return ReservationFactory.create(auction__now=timezone.now() - timedelta(days=days), **fields)


def post_grab(client, auction):
    return client.post(GRAB, {"auction_id": auction.pk}, format="json")


def at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


# --- when the task marks --------------------------------------------------------------------------


def test_pending_reservation_is_not_marked_before_the_grace_ends(settings):
    reservation = ReservationFactory.create()

    for now in (reservation.auction.scheduled_at, grace_end(reservation, settings) - timedelta(seconds=1)):
        assert services.reservations_mark_no_shows(now=now) == 0

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.PENDING_ON_SITE
    assert reservation.no_show_at is None
    assert not Notification.objects.exists()


@pytest.mark.parametrize("after_grace", [timedelta(0), timedelta(seconds=1), timedelta(days=3)])
def test_pending_reservation_is_marked_once_the_grace_has_ended(settings, after_grace):
    reservation = ReservationFactory.create()
    now = grace_end(reservation, settings) + after_grace

    assert services.reservations_mark_no_shows(now=now) == 1

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.NO_SHOW
    assert reservation.no_show_at == now


def test_checked_in_reservation_is_left_alone(settings):
    reservation = ReservationFactory.create()
    services.reservation_check_in(reservation_id=reservation.pk)

    assert services.reservations_mark_no_shows(now=grace_end(reservation, settings)) == 0

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED
    assert reservation.no_show_at is None


def test_cancelled_reservation_is_left_alone(settings):
    reservation = ReservationFactory.create()
    services.reservation_cancel_by_studio(reservation_id=reservation.pk)

    assert services.reservations_mark_no_shows(now=grace_end(reservation, settings)) == 0

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    assert reservation.no_show_at is None


def test_no_show_never_cancels_the_reservation_nor_relists_the_spot(settings, customer):
    # given: a real grab, so the auction is SOLD the way the service leaves it
    reservation = grab(customer, make_auction())

    # when
    services.reservations_mark_no_shows(now=grace_end(reservation, settings))
    again = services.reservations_mark_no_shows(now=grace_end(reservation, settings) + timedelta(hours=1))

    # then
    reservation.refresh_from_db()
    reservation.auction.refresh_from_db()
    assert again == 0
    assert reservation.status == ReservationStatus.NO_SHOW
    assert reservation.cancelled_at is None
    assert reservation.cancelled_by == ""
    assert reservation.auction.status == AuctionStatus.SOLD
    assert reservation.auction.next_change_at is None
    assert Reservation.objects.filter(auction=reservation.auction).count() == 1


def test_the_celery_task_marks_past_classes_with_the_real_clock():
    due = class_days_ago(1)
    upcoming = ReservationFactory.create()

    assert tasks.mark_no_shows() == 1

    assert Reservation.objects.get(pk=due.pk).status == ReservationStatus.NO_SHOW
    assert Reservation.objects.get(pk=upcoming.pk).status == ReservationStatus.PENDING_ON_SITE


def test_mark_no_shows_command_prints_how_many_it_marked():
    class_days_ago(1)
    class_days_ago(2)
    ReservationFactory.create()
    first, second = StringIO(), StringIO()

    call_command("mark_no_shows", stdout=first)
    call_command("mark_no_shows", stdout=second)

    assert first.getvalue().strip() == "Marked 2 no-shows."
    assert second.getvalue().strip() == "Marked 0 no-shows."


# --- strikes and suspension -----------------------------------------------------------------------


def test_three_no_shows_marked_by_the_task_suspend_booking(settings, customer, customer_client):
    # given
    assert settings.HOTHOUR_NO_SHOW_LIMIT == 3
    for days in (3, 2, 1):
        class_days_ago(days, user=customer)
    assert services.reservations_mark_no_shows() == 3

    # when
    response = post_grab(customer_client, make_auction())
    me = customer_client.get(ME).json()

    # then
    assert response.status_code == 403
    assert response.json()["code"] == "booking_suspended"
    assert me["no_show_strikes"] == 3
    marked = Reservation.objects.filter(user=customer).values_list("no_show_at", flat=True)
    assert at(me["booking_suspended_until"]) == min(marked) + STRIKE_WINDOW


def test_fewer_strikes_than_the_limit_do_not_suspend(customer, customer_client):
    strike(customer, days_ago=10)
    strike(customer, days_ago=1)

    response = post_grab(customer_client, make_auction())
    me = customer_client.get(ME).json()

    assert response.status_code == 201, response.json()
    assert me["no_show_strikes"] == 2
    assert me["booking_suspended_until"] is None


def test_suspension_lasts_until_the_oldest_counting_strike_is_90_days_old(customer, customer_client):
    # given: three strikes within 90 days and an older one that no longer counts
    strike(customer, days_ago=100)
    oldest = strike(customer, days_ago=80)
    strike(customer, days_ago=50)
    strike(customer, days_ago=10)

    me = customer_client.get(ME).json()

    assert me["no_show_strikes"] == 3
    assert oldest.no_show_at is not None
    assert at(me["booking_suspended_until"]) == oldest.no_show_at + timedelta(days=90)


def test_with_more_strikes_than_the_limit_the_suspension_ends_when_fewer_than_the_limit_remain(
    customer, customer_client
):
    # given: four strikes; booking reopens once the two oldest have aged out
    strike(customer, days_ago=80)
    second_oldest = strike(customer, days_ago=60)
    strike(customer, days_ago=40)
    strike(customer, days_ago=10)

    me = customer_client.get(ME).json()

    assert me["no_show_strikes"] == 4
    assert second_oldest.no_show_at is not None
    assert at(me["booking_suspended_until"]) == second_oldest.no_show_at + timedelta(days=90)


def test_customer_can_grab_again_once_the_oldest_strike_has_aged_out(customer, customer_client):
    # given: suspended for one more minute
    oldest = strike(customer, days_ago=90 - 1 / (24 * 60))
    strike(customer, days_ago=50)
    strike(customer, days_ago=10)
    assert post_grab(customer_client, make_auction()).json()["code"] == "booking_suspended"

    # when: that minute has passed
    Reservation.objects.filter(pk=oldest.pk).update(no_show_at=timezone.now() - timedelta(days=90, minutes=1))

    # then
    response = post_grab(customer_client, make_auction())
    assert response.status_code == 201, response.json()
    me = customer_client.get(ME).json()
    assert me["no_show_strikes"] == 2
    assert me["booking_suspended_until"] is None


def test_superuser_forgiving_the_strikes_lets_the_customer_grab_at_once(customer, customer_client):
    for days in (30, 20, 10):
        strike(customer, days_ago=days)
    assert post_grab(customer_client, make_auction()).status_code == 403

    account_services.user_forgive_strikes(user=customer)

    response = post_grab(customer_client, make_auction())
    assert response.status_code == 201, response.json()
    me = customer_client.get(ME).json()
    assert me["no_show_strikes"] == 0
    assert me["booking_suspended_until"] is None


def test_a_no_show_after_the_lift_counts_again(customer, customer_client):
    for days in (30, 20, 10):
        strike(customer, days_ago=days)
    account_services.user_forgive_strikes(user=customer, now=timezone.now() - timedelta(days=5))

    strike(customer, days_ago=1)

    assert customer_client.get(ME).json()["no_show_strikes"] == 1


def test_superuser_lifts_the_suspension_from_the_admin(admin_client, customer, customer_client):
    for days in (30, 20, 10):
        strike(customer, days_ago=days)

    response = run_action(admin_client, User, "lift_booking_suspension", customer)

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.strikes_forgiven_at is not None
    assert LogEntry.objects.filter(
        object_id=str(customer.pk), change_message="Lifted booking suspension"
    ).exists()
    assert post_grab(customer_client, make_auction()).status_code == 201


def test_studio_manager_cannot_lift_a_suspension(client):
    studios = two_studios()
    customer = CustomerFactory.create()
    for days in (30, 20, 10):
        strike(customer, days_ago=days, auction__studio=studios.a)

    manager_client = logged_in(client, studios.manager_a)
    changelist = manager_client.get(admin_url(User, "changelist"))

    run_action(manager_client, User, "lift_booking_suspension", customer)

    assert changelist.status_code == 200
    assert customer.email in changelist.content.decode()
    assert "lift_booking_suspension" not in changelist.content.decode()
    customer.refresh_from_db()
    assert customer.strikes_forgiven_at is None
    assert selectors.customer_standing(user=customer, now=timezone.now()).strikes == 3


def test_booking_suspended_is_told_once_when_the_limit_is_reached(customer):
    # given: two strikes already, and two more classes missed
    oldest = strike(customer, days_ago=20)
    strike(customer, days_ago=10)
    class_days_ago(2, user=customer)
    class_days_ago(1, user=customer)

    # when
    services.reservations_mark_no_shows()
    services.reservations_mark_no_shows()

    # then
    kinds = list(Notification.objects.filter(user=customer).order_by("id").values_list("kind", flat=True))
    assert kinds == [NotificationKind.NO_SHOW, NotificationKind.BOOKING_SUSPENDED, NotificationKind.NO_SHOW]
    suspended = Notification.objects.get(kind=NotificationKind.BOOKING_SUSPENDED)
    assert oldest.no_show_at is not None
    ends_in_studio_time = (oldest.no_show_at + STRIKE_WINDOW).astimezone(ISTANBUL)
    assert suspended.data == {"strikes": 3, "until": ends_in_studio_time.date().isoformat()}
    assert not Notification.objects.exclude(user=customer).exists()


def test_suspension_end_is_dated_in_the_studios_time_zone_late_in_the_utc_evening(customer):
    # given: the oldest strike at 22:30 UTC, which is already 01:30 the next day in Istanbul
    evening = (timezone.now() - timedelta(days=20)).astimezone(UTC).replace(hour=22, minute=30)
    ReservationFactory.create(
        user=customer, no_show=True, no_show_at=evening, auction__now=evening - timedelta(hours=4)
    )
    strike(customer, days_ago=10)
    class_days_ago(1, user=customer)

    # when the third strike is marked
    services.reservations_mark_no_shows()

    # then the suspension ends on the Istanbul date, not the UTC one
    suspended = Notification.objects.get(user=customer, kind=NotificationKind.BOOKING_SUSPENDED)
    utc_end = evening + STRIKE_WINDOW
    assert suspended.data["until"] == (utc_end.date() + timedelta(days=1)).isoformat()
