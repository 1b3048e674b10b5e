"""auctions.validation: every rule an auction's settings break, named by field, without a database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from auctions.models import Auction
from auctions.tests.factories import auction_values
from auctions.validation import settings_errors

NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
# Everything a studio sets, left empty.
NOTHING_SET = dict.fromkeys(
    [
        "title",
        "start_price",
        "floor_price",
        "drop_amount",
        "start_time",
        "end_time",
        "scheduled_at",
        "drop_interval_mins",
    ]
)


def auction(turbo: bool = False, **fields) -> Auction:
    """Valid settings, open since 10 minutes before NOW, unless `fields` say otherwise."""
    return Auction(**{**auction_values(now=NOW, turbo=turbo), **fields})


def errors(publishing: bool = True, **fields) -> dict[str, list[str]]:
    return settings_errors(auction(**fields), now=NOW, publishing=publishing)


@pytest.mark.parametrize("turbo", [False, True])
def test_valid_settings_have_no_errors(turbo):
    assert errors(turbo=turbo) == {}


def test_every_broken_rule_is_reported_at_once_under_its_field():
    found = errors(title=" ", floor_price=Decimal("0.00"), drop_interval_mins=0, scheduled_at=None)

    assert set(found) == {"title", "floor_price", "drop_interval_mins", "scheduled_at"}
    assert all(len(messages) == 1 for messages in found.values())


def test_settings_left_empty_are_each_named_not_crashed_on():
    assert set(errors(**NOTHING_SET)) == set(NOTHING_SET)


def test_closing_in_the_past_is_refused_only_when_publishing():
    closed = {"start_time": NOW - timedelta(hours=3), "end_time": NOW - timedelta(hours=1)}

    assert errors(publishing=False, **closed) == {}
    assert list(errors(publishing=True, **closed)) == ["end_time"]


def test_turbo_settings_are_checked_only_when_turbo_is_on():
    broken_turbo = {"turbo_drop_amount": None, "turbo_interval_mins": 0, "turbo_trigger_mins": 0}

    assert errors(turbo_enabled=False, **broken_turbo) == {}
    assert set(errors(turbo_enabled=True, **broken_turbo)) == set(broken_turbo)


def test_a_start_price_not_above_the_floor_is_one_error_not_a_drop_error_too():
    found = errors(start_price=Decimal("100.00"), floor_price=Decimal("200.00"))

    assert list(found) == ["start_price"]


def test_messages_are_in_the_active_language():
    with translation.override("en"):
        english = errors(title="")["title"]
    with translation.override("tr"):
        turkish = errors(title="")["title"]

    assert english == ["Give the class a title."]
    assert turkish == ["Derse bir başlık verin."]
