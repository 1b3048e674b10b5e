"""reservations.selectors: a customer's reservations, standing, suspension and calendar feed, each
read as of an instant."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts import hooks as account_hooks
from accounts.tests.factories import CustomerFactory
from auctions.tests.factories import minutes
from reservations import selectors
from reservations.models import Reservation, ReservationStatus
from reservations.tests.factories import ReservationFactory, strike

pytestmark = pytest.mark.django_db


def class_at(when: datetime, **fields) -> Reservation:
    """A reservation of a class starting at `when` (the factory's class is 170 min after its `now`)."""
    return ReservationFactory.create(auction__now=when - minutes(170), **fields)


def cancelled(when: datetime, **fields) -> Reservation:
    return class_at(when, status=ReservationStatus.CANCELLED, cancelled_at=when - timedelta(days=3), **fields)


def test_reservations_of_splits_upcoming_and_past_classes_each_in_reading_order(customer):
    # given
    now = timezone.now()
    last_week, an_hour_ago = class_at(now - timedelta(days=7), user=customer), class_at(now, user=customer)
    soon, tomorrow = (
        class_at(now + minutes(1), user=customer),
        class_at(now + timedelta(days=1), user=customer),
    )
    class_at(now + minutes(1))  # someone else's

    # when
    upcoming = list(selectors.reservations_of(user=customer, when="upcoming", now=now))
    past = list(selectors.reservations_of(user=customer, when="past", now=now))
    every = set(selectors.reservations_of(user=customer, now=now))

    # then: soonest first, most recent first, and the class starting now has started
    assert upcoming == [soon, tomorrow]
    assert past == [an_hour_ago, last_week]
    assert every == {last_week, an_hour_ago, soon, tomorrow}


def test_customer_standing_counts_recent_strikes_and_live_upcoming_bookings_in_one_statement(
    customer, django_assert_num_queries
):
    # given: what counts
    now = timezone.now()
    strike(customer, days_ago=10)
    class_at(now + minutes(1), user=customer)
    # and what does not
    strike(customer, days_ago=91)
    strike(CustomerFactory.create(), days_ago=1)
    class_at(now, user=customer)  # started: no longer to be honoured
    class_at(now + minutes(1), user=customer, status=ReservationStatus.COMPLETED)
    cancelled(now + minutes(1), user=customer)
    class_at(now + minutes(1))

    # when
    with django_assert_num_queries(1):
        standing = selectors.customer_standing(user=customer, now=now)

    # then
    assert standing == selectors.Standing(strikes=1, live=1)


def test_customer_standings_reads_many_customers_in_one_statement_each_with_its_own_window(
    django_assert_num_queries,
):
    # given: three customers with a strike 10 days ago and one live booking each; one was forgiven
    # five days ago, one has nothing at all
    now = timezone.now()
    plain, forgiven, idle = CustomerFactory.create_batch(3)
    for customer in (plain, forgiven):
        strike(customer, days_ago=10)
        class_at(now + minutes(1), user=customer)
    forgiven.strikes_forgiven_at = now - timedelta(days=5)

    # when
    with django_assert_num_queries(1):
        standings = selectors.customer_standings(users=[plain, forgiven, idle], now=now)

    # then
    assert standings == {
        plain.pk: selectors.Standing(strikes=1, live=1),
        forgiven.pk: selectors.Standing(strikes=0, live=1),
        idle.pk: selectors.Standing(strikes=0, live=0),
    }


def test_seats_of_reads_holders_and_own_cancellations_of_many_auctions_in_one_statement(
    django_assert_num_queries,
):
    # given: one auction with a held seat 2 and a customer who cancelled, another with nothing
    now = timezone.now()
    held = class_at(now + minutes(1))
    mine = cancelled(now + minutes(1), auction=held.auction, cancelled_by="CUSTOMER")
    theirs = cancelled(now + minutes(1), auction=held.auction, cancelled_by="CUSTOMER")
    empty = class_at(now + minutes(1)).auction
    Reservation.objects.filter(auction=empty).delete()

    # when: as far as `mine`'s customer is concerned
    with django_assert_num_queries(1):
        seats = selectors.seats_of(auction_ids=[held.auction_id, empty.pk], user_ids=[mine.user_id])

    # then: every holder, but only the asked-for customers' own cancellations
    assert seats[held.auction_id] == selectors.Seats(
        holders={held.seat_no: held.user_id}, cancelled_by_customer={mine.user_id}
    )
    assert theirs.user_id not in seats[held.auction_id].cancelled_by_customer
    assert seats[empty.pk] == selectors.Seats(holders={}, cancelled_by_customer=set())


def test_strikes_count_from_the_window_or_from_a_later_forgiveness(customer):
    now = timezone.now()
    strike(customer, days_ago=10)
    window = now - selectors.STRIKE_WINDOW
    assert selectors.strikes_since(customer, now) == window

    customer.strikes_forgiven_at = window - timedelta(days=1)
    assert selectors.strikes_since(customer, now) == window

    customer.strikes_forgiven_at = now - timedelta(days=5)
    assert selectors.strikes_since(customer, now) == now - timedelta(days=5)
    assert selectors.customer_standing(user=customer, now=now).strikes == 0


def test_suspension_ends_exactly_at_the_announced_instant(customer):
    for days in (80, 50, 10):
        strike(customer, days_ago=days)
    until = selectors.suspended_until(user=customer, now=timezone.now())
    assert until is not None
    just_before = until - timedelta(microseconds=1)

    assert selectors.customer_standing(user=customer, now=just_before).strikes == 3
    assert selectors.suspended_until(user=customer, now=just_before) == until
    assert selectors.customer_standing(user=customer, now=until).strikes == 2
    assert selectors.suspended_until(user=customer, now=until) is None


def test_strikes_below_the_limit_suspend_nobody(customer, settings):
    assert settings.HOTHOUR_NO_SHOW_LIMIT == 3
    strike(customer, days_ago=20)
    strike(customer, days_ago=10)

    assert selectors.suspended_until(user=customer, now=timezone.now()) is None


def test_calendar_feed_has_upcoming_and_last_months_classes_and_drops_only_past_cancellations(customer):
    # given
    now = timezone.now()
    month_ago = class_at(now - timedelta(days=29), user=customer)
    tomorrow = class_at(now + timedelta(days=1), user=customer)
    cancelled_upcoming = cancelled(now + timedelta(days=2), user=customer)
    class_at(now - timedelta(days=31), user=customer)
    cancelled(now - timedelta(days=1), user=customer)
    class_at(now + timedelta(days=1))  # someone else's

    # when
    feed = selectors.calendar_feed(user=customer, now=now)

    # then: in class order, cancelled upcoming ones kept so calendars remove them
    assert feed == [month_ago, tomorrow, cancelled_upcoming]


def test_standing_of_answers_the_accounts_hook_with_strikes_and_suspension(customer):
    now = timezone.now()
    for days in (30, 20, 10):
        strike(customer, days_ago=days)
    expected = {"strikes": 3, "until": selectors.suspended_until(user=customer, now=now)}

    assert selectors.standing_of(user=customer, now=now) == expected
    assert account_hooks.standing_of.call(user=customer, now=now) == [expected]
    assert expected["until"] is not None
