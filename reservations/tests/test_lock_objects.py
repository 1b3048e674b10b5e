"""reservations.lock_objects: which rows each lock takes, in key order, and that PostgreSQL holds
them until the transaction ends (seen from another connection)."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction
from auctions.tests.factories import AuctionFactory, minutes
from core.tests.locks import held_elsewhere, lockable_elsewhere
from reservations import lock_objects, services
from reservations.models import Reservation, ReservationStatus
from reservations.tests.factories import ReservationFactory, grab

# Rows must be committed for another connection to see them.
pytestmark = pytest.mark.django_db(transaction=True)


def class_at(when: datetime, **fields) -> Reservation:
    """A pending reservation of a class starting at `when` (the factory: class 170 min after `now`)."""
    return ReservationFactory.create(auction__now=when - minutes(170), **fields)


def pks(reservations: list[Reservation]) -> list[int]:
    return [r.pk for r in reservations]


def test_reservation_lock_holds_that_reservation_only():
    mine, other = ReservationFactory.create(), ReservationFactory.create()

    with transaction.atomic():
        assert lock_objects.reservation_lock(mine.pk) == mine
        assert lock_objects.reservation_lock(404) is None
        assert not lockable_elsewhere(Reservation, mine.pk)
        assert lockable_elsewhere(Reservation, other.pk)
        assert lockable_elsewhere(Auction, mine.auction_id)

    assert lockable_elsewhere(Reservation, mine.pk)


def test_reservations_lock_live_for_auction_holds_the_live_one_and_skips_cancelled_ones():
    auction = AuctionFactory.create(sold=True)
    dropped = ReservationFactory.create(
        auction=auction, status=ReservationStatus.CANCELLED, cancelled_at=timezone.now()
    )
    live = ReservationFactory.create(auction=auction)

    with transaction.atomic():
        assert lock_objects.reservations_lock_live_for_auction(auction.pk) == [live]
        assert not lockable_elsewhere(Reservation, live.pk)
        assert lockable_elsewhere(Reservation, dropped.pk)


def test_user_lock_holds_the_customers_row_and_says_whether_the_account_exists(customer):
    with transaction.atomic():
        assert lock_objects.user_lock(customer.pk) is True
        assert lock_objects.user_lock(customer.pk + 1000) is False
        assert not lockable_elsewhere(User, customer.pk)

    assert lockable_elsewhere(User, customer.pk)


def test_user_lock_seeing_auction_holds_the_customer_and_reads_the_auction_without_locking_it(customer):
    auction = AuctionFactory.create(sold=True)

    with transaction.atomic():
        assert lock_objects.user_lock_seeing_auction(user_id=customer.pk, auction_id=auction.pk) == (
            True,
            "SOLD",
        )
        assert lock_objects.user_lock_seeing_auction(user_id=customer.pk, auction_id=auction.pk + 99) == (
            True,
            None,
        )
        assert lock_objects.user_lock_seeing_auction(user_id=customer.pk + 1000, auction_id=auction.pk) == (
            False,
            None,
        )
        assert not lockable_elsewhere(User, customer.pk)
        assert lockable_elsewhere(Auction, auction.pk)


def test_a_grab_of_a_sold_auction_is_answered_while_another_holds_its_lock(customer):
    # given: sold out to a grab with an Idempotency-Key, and its row lock held elsewhere
    auction = AuctionFactory.create()
    won = grab(None, auction, idempotency_key="flash-1")
    auction.refresh_from_db()
    assert auction.status == "SOLD"

    with held_elsewhere(Auction, auction.pk), connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '1s'")  # waiting for the auction's lock would fail
        # when / then: answered without waiting for the lock, with the grab's own codes and replay
        with pytest.raises(services.AuctionSold):
            grab(customer, auction)
        with pytest.raises(services.AlreadyBooked):
            grab(won.user, auction)
        assert services.reservation_create(
            user=won.user, auction_id=auction.pk, idempotency_key="flash-1"
        ) == (won, False)
        cursor.execute("RESET lock_timeout")


def test_pending_before_takes_pending_reservations_of_classes_started_before_the_instant():
    # given
    now = timezone.now()
    due = [class_at(now - timedelta(hours=2)), class_at(now - minutes(1))]
    class_at(now + minutes(1))
    class_at(now - timedelta(hours=2), status=ReservationStatus.COMPLETED)
    class_at(now - timedelta(hours=2), status=ReservationStatus.NO_SHOW, no_show_at=now)

    # when
    with transaction.atomic():
        taken = lock_objects.reservations_lock_pending_before(scheduled_before=now)

    # then
    assert pks(taken) == pks(due)


def test_due_reminders_are_pending_unreminded_classes_in_the_window_with_what_the_email_reads(
    django_assert_num_queries,
):
    # given: the window (after, until]
    after = timezone.now()
    until = after + timedelta(hours=3)
    due = [class_at(after + minutes(1)), class_at(until)]
    class_at(after)
    class_at(until + minutes(1))
    class_at(until, reminder_sent_at=after)
    class_at(until, status=ReservationStatus.CANCELLED, cancelled_at=after)

    # when
    with transaction.atomic(), django_assert_num_queries(1):
        taken = lock_objects.reservations_lock_due_reminders(after=after, until=until)
        read = [(r.user.email, r.auction.title, r.auction.studio.name) for r in taken]

    # then
    assert pks(taken) == pks(due)
    assert read == [(r.user.email, r.auction.title, r.auction.studio.name) for r in due]


SKIPPING: dict[str, Callable[[datetime], list[Reservation]]] = {
    "pending_before": lambda when: lock_objects.reservations_lock_pending_before(
        scheduled_before=when + minutes(1)
    ),
    "due_reminders": lambda when: lock_objects.reservations_lock_due_reminders(
        after=when - minutes(1), until=when + minutes(1)
    ),
}


@pytest.mark.parametrize("lock", SKIPPING.values(), ids=SKIPPING.keys())
def test_batch_locks_skip_rows_another_run_holds_and_lock_only_the_reservations(lock):
    when = timezone.now()
    held, free = class_at(when), class_at(when)

    with held_elsewhere(Reservation, held.pk), transaction.atomic():
        assert pks(lock(when)) == [free.pk]
        assert not lockable_elsewhere(Reservation, free.pk)
        assert lockable_elsewhere(Auction, free.auction_id)
        assert lockable_elsewhere(User, free.user_id)
