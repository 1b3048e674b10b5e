"""Auction writes: settings validation, publish, cancel, turbo, and the database's own checks."""

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.tests.factories import StudioFactory
from auctions import pricing, services
from auctions.models import Auction, AuctionStatus
from auctions.tests.factories import AuctionFactory, auction_values, make_auction, minutes
from core.errors import Invalid
from reservations.models import CancelledBy, ReservationStatus
from reservations.tests.factories import grab

pytestmark = pytest.mark.django_db


def _future(now: datetime, **values: Any) -> dict[str, Any]:
    """An auction opening in an hour: only the rule under test can be broken."""
    return {"start_time": now + minutes(60), **values}


# (values relative to `now`, the one field the error must name)
INVALID_SETTINGS: dict[str, tuple[Callable[[datetime], dict[str, Any]], str]] = {
    "start_equal_to_floor": (lambda now: {"start_price": Decimal("100.00")}, "start_price"),
    "start_below_floor": (lambda now: {"start_price": Decimal("90.00")}, "start_price"),
    "floor_zero": (lambda now: {"floor_price": Decimal("0.00")}, "floor_price"),
    "floor_negative": (lambda now: {"floor_price": Decimal("-1.00")}, "floor_price"),
    "drop_above_spread": (lambda now: {"drop_amount": Decimal("400.01")}, "drop_amount"),
    "drop_zero": (lambda now: {"drop_amount": Decimal("0.00")}, "drop_amount"),
    "drop_negative": (lambda now: {"drop_amount": Decimal("-5.00")}, "drop_amount"),
    "start_time_equal_to_end_time": (
        lambda now: _future(now, end_time=now + minutes(60)),
        "end_time",
    ),
    "start_time_after_end_time": (lambda now: _future(now, end_time=now + minutes(30)), "end_time"),
    "end_time_in_the_past": (
        lambda now: {"start_time": now - minutes(180), "end_time": now - minutes(1)},
        "end_time",
    ),
    "drop_interval_zero": (lambda now: {"drop_interval_mins": 0}, "drop_interval_mins"),
    "drop_interval_longer_than_the_auction": (lambda now: {"drop_interval_mins": 121}, "drop_interval_mins"),
    "class_before_the_close": (
        lambda now: _future(now, end_time=now + minutes(180), scheduled_at=now + minutes(179)),
        "scheduled_at",
    ),
    "turbo_interval_equal_to_drop_interval": (
        lambda now: {"turbo": True, "turbo_interval_mins": 60},
        "turbo_interval_mins",
    ),
    "turbo_interval_longer_than_drop_interval": (
        lambda now: {"turbo": True, "turbo_interval_mins": 90},
        "turbo_interval_mins",
    ),
    "turbo_interval_zero": (lambda now: {"turbo": True, "turbo_interval_mins": 0}, "turbo_interval_mins"),
    "turbo_drop_missing": (lambda now: {"turbo": True, "turbo_drop_amount": None}, "turbo_drop_amount"),
    "turbo_drop_zero": (
        lambda now: {"turbo": True, "turbo_drop_amount": Decimal("0.00")},
        "turbo_drop_amount",
    ),
    "turbo_drop_above_spread": (
        lambda now: {"turbo": True, "turbo_drop_amount": Decimal("400.01")},
        "turbo_drop_amount",
    ),
    "turbo_trigger_equal_to_duration": (
        lambda now: {"turbo": True, "turbo_trigger_mins": 120},
        "turbo_trigger_mins",
    ),
    "turbo_trigger_longer_than_duration": (
        lambda now: {"turbo": True, "turbo_trigger_mins": 121},
        "turbo_trigger_mins",
    ),
    "turbo_trigger_zero": (lambda now: {"turbo": True, "turbo_trigger_mins": 0}, "turbo_trigger_mins"),
    "blank_title": (lambda now: {"title": "  "}, "title"),
}


@pytest.mark.parametrize(("values", "field"), INVALID_SETTINGS.values(), ids=INVALID_SETTINGS.keys())
def test_create_refuses_invalid_settings_naming_the_field_and_saves_nothing(values, field):
    # given
    now = timezone.now()
    studio = StudioFactory()

    # when
    with pytest.raises(Invalid) as error:
        services.auction_create(
            studio=studio, publish=True, now=now, **auction_values(now=now, **values(now))
        )

    # then
    assert set(error.value.fields) == {field}
    assert all(message for message in error.value.fields[field])
    assert error.value.code == "invalid"
    assert not Auction.objects.exists()


def test_limits_of_the_rules_are_accepted():
    # drop and turbo drop equal to the spread, interval equal to the duration, class right at the close
    now = timezone.now()

    auction = make_auction(
        now=now,
        turbo=True,
        drop_amount=Decimal("400.00"),
        turbo_drop_amount=Decimal("400.00"),
        drop_interval_mins=120,
        turbo_interval_mins=119,
        turbo_trigger_mins=119,
        scheduled_at=now + minutes(110),
    )

    assert auction.status == AuctionStatus.ACTIVE


def test_a_draft_may_close_in_the_past_but_cannot_be_published():
    # given
    now = timezone.now()
    draft = make_auction(now=now, publish=False, start_time=now - minutes(180), end_time=now - minutes(60))
    assert draft.status == AuctionStatus.DRAFT

    # when
    with pytest.raises(Invalid) as error:
        services.auction_publish(auction_id=draft.pk, now=now)

    # then
    assert set(error.value.fields) == {"end_time"}
    draft.refresh_from_db()
    assert draft.status == AuctionStatus.DRAFT


def test_publishing_a_draft_that_opens_later_schedules_it():
    # given
    now = timezone.now()
    draft = make_auction(now=now, publish=False, start_time=now + minutes(30))

    # when
    auction = services.auction_publish(auction_id=draft.pk, now=now)

    # then
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.SCHEDULED
    assert auction.current_price == Decimal("500.00")
    assert auction.next_change_at == auction.start_time


def test_publishing_a_draft_whose_start_has_passed_activates_it():
    # given
    now = timezone.now()
    draft = make_auction(now=now, publish=False, start_time=now - minutes(70))

    # when
    auction = services.auction_publish(auction_id=draft.pk, now=now)

    # then
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE
    assert auction.current_price == Decimal("450.00")
    assert auction.next_change_at == auction.start_time + minutes(120)


def test_publishing_twice_is_a_conflict():
    auction = make_auction()

    with pytest.raises(services.AuctionNotDraft) as error:
        services.auction_publish(auction_id=auction.pk)

    assert error.value.code == "auction_not_draft"


def test_update_of_an_open_auction_is_refused():
    auction = make_auction()

    with pytest.raises(services.AuctionNotEditable) as error:
        services.auction_update(auction_id=auction.pk, start_price=Decimal("900.00"))

    assert error.value.code == "auction_not_editable"
    auction.refresh_from_db()
    assert auction.start_price == Decimal("500.00")


def test_update_of_a_scheduled_auction_is_validated_and_refreshes_the_cache():
    # given
    now = timezone.now()
    auction = make_auction(now=now, start_time=now + minutes(30))

    # when
    with pytest.raises(Invalid) as error:
        services.auction_update(auction_id=auction.pk, now=now, floor_price=Decimal("600.00"))
    updated = services.auction_update(auction_id=auction.pk, now=now, start_price=Decimal("800.00"))

    # then
    assert set(error.value.fields) == {"start_price"}
    updated.refresh_from_db()
    assert updated.start_price == updated.current_price == Decimal("800.00")
    assert updated.floor_price == Decimal("100.00")


def test_cancelling_a_sold_auction_cancels_its_reservation_as_the_studio():
    # given
    auction = make_auction()
    reservation = grab(None, auction)

    # when
    services.auction_cancel(auction_id=auction.pk)

    # then
    auction.refresh_from_db()
    reservation.refresh_from_db()
    assert auction.status == AuctionStatus.CANCELLED
    assert auction.next_change_at is None
    assert reservation.status == ReservationStatus.CANCELLED
    assert reservation.cancelled_by == CancelledBy.STUDIO
    assert reservation.cancelled_at is not None


def test_cancelling_an_active_auction_stops_the_tick():
    auction = make_auction()

    services.auction_cancel(auction_id=auction.pk)

    auction.refresh_from_db()
    assert auction.status == AuctionStatus.CANCELLED
    assert auction.next_change_at is None
    assert services.auctions_tick(now=auction.end_time).processed == 0


@pytest.mark.parametrize("publish", [True, False], ids=["cancelled", "draft"])
def test_cancel_of_a_draft_or_cancelled_auction_is_refused(publish):
    auction = make_auction(publish=publish)
    if publish:
        services.auction_cancel(auction_id=auction.pk)

    with pytest.raises(services.AuctionNotCancellable) as error:
        services.auction_cancel(auction_id=auction.pk)

    assert error.value.code == "auction_not_cancellable"


def test_cancel_after_the_class_started_is_refused():
    auction = make_auction()

    with pytest.raises(services.AuctionNotCancellable):
        services.auction_cancel(auction_id=auction.pk, now=auction.scheduled_at)

    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE


def test_starting_turbo_now_records_it_and_moves_the_price_curve():
    # given: opened 20 minutes ago, automatic turbo only 30 minutes before the close
    now = timezone.now()
    auction = make_auction(now=now, turbo=True, start_time=now - minutes(20))
    before = pricing.PriceSettings.of(auction)
    assert pricing.price_at(before, now + minutes(5)) == Decimal("500.00")

    # when
    services.auction_turbo_start(auction_id=auction.pk, now=now)

    # then
    auction.refresh_from_db()
    after = pricing.PriceSettings.of(auction)
    assert auction.turbo_started_at == now
    assert pricing.turbo_active(after, now)
    assert pricing.price_at(after, now + minutes(5) - minutes(1) / 60) == Decimal("500.00")
    assert pricing.price_at(after, now + minutes(5)) == Decimal("480.00")
    assert pricing.price_at(after, now + minutes(40)) == Decimal("290.00")  # 1 normal drop and 8 turbo drops
    assert auction.current_price == Decimal("500.00")
    assert auction.next_change_at == now + minutes(5)


def test_starting_turbo_twice_is_refused():
    now = timezone.now()
    auction = make_auction(now=now, turbo=True)
    services.auction_turbo_start(auction_id=auction.pk, now=now)

    with pytest.raises(services.TurboNotAvailable) as error:
        services.auction_turbo_start(auction_id=auction.pk, now=now + minutes(1))

    assert error.value.code == "turbo_not_available"


def test_starting_turbo_without_turbo_or_before_opening_is_refused():
    now = timezone.now()
    plain = make_auction(now=now)
    scheduled = make_auction(now=now, turbo=True, start_time=now + minutes(30))

    with pytest.raises(services.TurboNotAvailable):
        services.auction_turbo_start(auction_id=plain.pk, now=now)
    with pytest.raises(services.TurboNotAvailable):
        services.auction_turbo_start(auction_id=scheduled.pk, now=now)

    scheduled.refresh_from_db()
    assert scheduled.turbo_started_at is None


OPENS = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)

# Settings the pricing function itself refuses: the factory cannot compute the cached columns.
UNPRICEABLE = {"current_price": Decimal("500.00"), "next_change_at": None}

# Rows no service would write; each must be refused by its CHECK constraint.
BAD_ROWS: dict[str, tuple[dict[str, Any], set[str]]] = {
    "floor_above_start": (
        {"start_price": Decimal("100.00"), "floor_price": Decimal("200.00"), "drop_amount": Decimal("50.00")},
        {"auction_start_above_floor", "auction_drop_amount_range", "auction_current_price_range"},
    ),
    "floor_zero": ({"floor_price": Decimal("0.00")}, {"auction_floor_positive"}),
    "drop_above_spread": ({"drop_amount": Decimal("400.01")}, {"auction_drop_amount_range"}),
    "drop_zero": ({"drop_amount": Decimal("0.00")}, {"auction_drop_amount_range"}),
    "start_time_after_end_time": (
        {"start_time": OPENS, "end_time": OPENS - minutes(20), "scheduled_at": OPENS + minutes(60)},
        {"auction_start_before_end", "auction_class_after_end"},
    ),
    "class_before_the_close": (
        {"start_time": OPENS, "scheduled_at": OPENS + minutes(100)},
        {"auction_class_after_end"},
    ),
    "drop_interval_zero": ({"drop_interval_mins": 0, **UNPRICEABLE}, {"auction_drop_interval_positive"}),
    "current_price_below_floor": ({"current_price": Decimal("99.99")}, {"auction_current_price_range"}),
    "current_price_above_start": ({"current_price": Decimal("500.01")}, {"auction_current_price_range"}),
    "turbo_without_drop_amount": (
        {"turbo": True, "turbo_drop_amount": None, **UNPRICEABLE},
        {"auction_turbo_settings"},
    ),
    "turbo_interval_not_shorter": ({"turbo": True, "turbo_interval_mins": 60}, {"auction_turbo_settings"}),
}


@pytest.mark.parametrize(("values", "constraints"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_database_refuses_a_direct_bad_insert(values, constraints):
    # given: a row built without the services
    auction = AuctionFactory.build(studio=StudioFactory(), **values)

    # when
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        auction.save(force_insert=True)

    # then
    assert error.value.__cause__.diag.constraint_name in constraints
    assert not Auction.objects.exists()


def test_database_refuses_a_direct_bad_update():
    auction = AuctionFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Auction.objects.filter(pk=auction.pk).update(floor_price=Decimal("600.00"))

    auction.refresh_from_db()
    assert auction.floor_price == Decimal("100.00")
