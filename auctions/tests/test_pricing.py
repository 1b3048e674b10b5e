"""The pricing function on its own: no database, only settings and instants."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from auctions.pricing import (
    PriceSettings,
    Quote,
    Step,
    next_drop_at,
    next_price,
    price_at,
    quote,
    schedule,
    turbo_active,
    turbo_from,
)

START = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


# DESIGN section 2: 500 down to 100, 50 every 60 min, turbo 20 every 5 min from 30 min before a 120-min end.
WORKED = PriceSettings(
    start_price=Decimal("500.00"),
    floor_price=Decimal("100.00"),
    start_time=START,
    end_time=START + minutes(120),
    drop_interval_mins=60,
    drop_amount=Decimal("50.00"),
    turbo_enabled=True,
    turbo_trigger_mins=30,
    turbo_drop_amount=Decimal("20.00"),
    turbo_interval_mins=5,
)


def test_worked_example_is_390_fifteen_minutes_before_the_end():
    assert price_at(WORKED, WORKED.end_time - minutes(15)) == Decimal("390.00")


def test_price_before_start_is_the_start_price():
    assert price_at(WORKED, START - timedelta(days=3)) == Decimal("500.00")
    assert price_at(WORKED, START - MICROSECOND) == Decimal("500.00")


def test_price_at_start_is_the_start_price():
    assert price_at(WORKED, START) == Decimal("500.00")


def test_normal_drop_lands_exactly_at_its_instant_and_not_a_microsecond_before():
    assert price_at(WORKED, START + minutes(60) - MICROSECOND) == Decimal("500.00")
    assert price_at(WORKED, START + minutes(60)) == Decimal("450.00")


def test_turbo_is_active_at_its_trigger_but_has_not_dropped_yet():
    trigger = START + minutes(90)

    assert turbo_from(WORKED) == trigger
    assert not turbo_active(WORKED, trigger - MICROSECOND)
    assert turbo_active(WORKED, trigger)
    assert price_at(WORKED, trigger) == Decimal("450.00")


def test_first_turbo_drop_is_one_turbo_interval_after_the_trigger():
    assert price_at(WORKED, START + minutes(95) - MICROSECOND) == Decimal("450.00")
    assert price_at(WORKED, START + minutes(95)) == Decimal("430.00")


def test_price_at_end_time_is_the_formula_value_including_drops_landing_there():
    # 2 normal drops and 6 turbo drops; the auction is closed by then, so no schedule shows it.
    assert price_at(WORKED, WORKED.end_time) == Decimal("280.00")


def test_price_never_goes_below_the_floor():
    high_floor = replace(WORKED, floor_price=Decimal("400.00"))

    assert price_at(high_floor, START + minutes(105)) == Decimal("400.00")
    assert price_at(high_floor, START + timedelta(days=30)) == Decimal("400.00")
    assert price_at(WORKED, START + timedelta(days=30)) == Decimal("100.00")


def test_manager_starting_turbo_early_moves_turbo_earlier():
    early = replace(WORKED, turbo_started_at=START + minutes(30))

    assert turbo_from(early) == START + minutes(30)
    assert turbo_active(early, START + minutes(30))
    assert price_at(early, START + minutes(45)) == Decimal("440.00")
    assert price_at(early, START + minutes(60)) == Decimal("330.00")


def test_manager_starting_turbo_after_the_automatic_trigger_changes_nothing():
    late = replace(WORKED, turbo_started_at=START + minutes(100))

    assert turbo_from(late) == START + minutes(90)
    assert schedule(late) == schedule(WORKED)


def test_turbo_started_before_the_auction_opens_counts_from_the_opening():
    before_open = replace(WORKED, turbo_started_at=START - minutes(30))

    assert turbo_from(before_open) == START
    assert price_at(before_open, START) == Decimal("500.00")
    assert price_at(before_open, START + minutes(5)) == Decimal("480.00")


def test_turbo_started_at_keeps_its_seconds_as_the_turbo_clock_origin():
    odd_start = replace(WORKED, turbo_started_at=START + minutes(30) + timedelta(seconds=42))

    assert price_at(odd_start, START + minutes(35) + timedelta(seconds=41)) == Decimal("500.00")
    assert price_at(odd_start, START + minutes(35) + timedelta(seconds=42)) == Decimal("480.00")


def test_disabled_turbo_ignores_the_turbo_fields():
    plain = replace(WORKED, turbo_enabled=False, turbo_started_at=START + minutes(10))

    assert turbo_from(plain) is None
    assert not turbo_active(plain, START + minutes(115))
    assert price_at(plain, START + minutes(115)) == Decimal("450.00")
    assert [step.price for step in schedule(plain)] == [Decimal("500.00"), Decimal("450.00")]


def test_settings_are_read_off_any_object_with_the_model_field_names():
    auction = SimpleNamespace(
        **{name: getattr(WORKED, name) for name in PriceSettings.__dataclass_fields__}, title="Yoga"
    )

    assert PriceSettings.of(auction) == WORKED


def test_settings_without_turbo_accept_the_model_s_empty_turbo_amount():
    plain = replace(WORKED, turbo_enabled=False, turbo_drop_amount=None)

    assert price_at(plain, START + minutes(115)) == Decimal("450.00")


def test_enabled_turbo_without_an_amount_is_refused():
    with pytest.raises(ValueError, match="turbo_drop_amount"):
        replace(WORKED, turbo_drop_amount=None)


@pytest.mark.parametrize(
    "call",
    [price_at, next_drop_at, next_price, turbo_active, quote],
    ids=lambda call: call.__name__,
)
def test_naive_instant_is_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call(WORKED, datetime(2025, 6, 2, 10, 0))  # noqa: DTZ001 - the naive value is the point


@pytest.mark.parametrize("field", ["start_time", "end_time", "turbo_started_at"])
def test_naive_setting_is_refused(field):
    naive: dict[str, Any] = {field: datetime(2025, 6, 2, 10, 0)}  # noqa: DTZ001 - the naive value is the point

    with pytest.raises(ValueError, match=field):
        replace(WORKED, **naive)


def test_wall_clock_changes_do_not_move_the_steps():
    # Berlin springs forward at 02:00 on 2025-03-30: 03:30 CEST is one elapsed hour after 01:30 CET.
    berlin = ZoneInfo("Europe/Berlin")
    across_dst = replace(
        WORKED,
        start_time=datetime(2025, 3, 30, 1, 30, tzinfo=berlin),
        end_time=datetime(2025, 3, 30, 9, 0, tzinfo=berlin),
        turbo_enabled=False,
    )

    assert price_at(across_dst, datetime(2025, 3, 30, 3, 30, tzinfo=berlin)) == Decimal("450.00")
    assert next_drop_at(across_dst, datetime(2025, 3, 30, 1, 30, tzinfo=berlin)) == datetime(
        2025, 3, 30, 1, 30, tzinfo=UTC
    )


def test_amounts_with_more_than_two_places_round_half_up():
    sub_cent = replace(
        WORKED,
        start_price=Decimal("10.00"),
        floor_price=Decimal("1.00"),
        drop_amount=Decimal("0.005"),
        turbo_enabled=False,
    )

    # 9.985 would be 9.98 under banker's rounding.
    assert price_at(sub_cent, START + minutes(180)) == Decimal("9.99")
    assert price_at(replace(sub_cent, drop_amount=Decimal("0.135")), START + minutes(60)) == Decimal("9.87")


def test_next_drop_skips_sub_cent_steps_that_do_not_move_the_rounded_price():
    sub_cent = replace(
        WORKED,
        start_price=Decimal("10.00"),
        floor_price=Decimal("1.00"),
        drop_amount=Decimal("0.005"),
        end_time=START + minutes(600),
        turbo_enabled=False,
    )

    # 9.995 rounds back up to 10.00, so the first visible change is the second step.
    assert next_drop_at(sub_cent, START) == START + minutes(120)
    assert next_price(sub_cent, START) == Decimal("9.99")


@pytest.mark.parametrize(
    ("offset", "expected_at", "expected_price"),
    [
        (minutes(-10), minutes(60), "450.00"),
        (minutes(0), minutes(60), "450.00"),
        (minutes(60) - MICROSECOND, minutes(60), "450.00"),
        (minutes(60), minutes(95), "430.00"),
        (minutes(90), minutes(95), "430.00"),
        (minutes(95), minutes(100), "410.00"),
        (minutes(104), minutes(105), "390.00"),
        (minutes(114), minutes(115), "350.00"),
    ],
)
def test_next_drop_in_the_worked_example(offset, expected_at, expected_price):
    assert next_drop_at(WORKED, START + offset) == START + expected_at
    assert next_price(WORKED, START + offset) == Decimal(expected_price)


@pytest.mark.parametrize("offset", [minutes(115), minutes(119), minutes(120), minutes(500)])
def test_no_next_drop_once_the_remaining_steps_land_at_or_after_the_end(offset):
    assert next_drop_at(WORKED, START + offset) is None
    assert next_price(WORKED, START + offset) is None


def test_no_next_drop_at_the_floor():
    high_floor = replace(WORKED, floor_price=Decimal("400.00"))

    assert next_drop_at(high_floor, START + minutes(105)) is None
    assert next_price(high_floor, START + minutes(105)) is None


def test_normal_and_turbo_steps_landing_together_are_one_drop():
    # Turbo from minute 90 every 5 min: its sixth step lands on the normal step at minute 120.
    longer = replace(WORKED, end_time=START + minutes(150), turbo_trigger_mins=60)

    assert price_at(longer, START + minutes(115)) == Decimal("350.00")
    assert next_drop_at(longer, START + minutes(115)) == START + minutes(120)
    assert next_price(longer, START + minutes(115)) == Decimal("280.00")
    assert next_drop_at(longer, START + minutes(120)) == START + minutes(125)


def test_quote_in_the_worked_example():
    assert quote(WORKED, START + minutes(105)) == Quote(
        price=Decimal("390.00"),
        next_price=Decimal("370.00"),
        next_drop_at=START + minutes(110),
        turbo_active=True,
        turbo_from=START + minutes(90),
    )


def test_schedule_of_the_worked_example():
    assert schedule(WORKED) == [
        Step(START, Decimal("500.00")),
        Step(START + minutes(60), Decimal("450.00")),
        Step(START + minutes(95), Decimal("430.00")),
        Step(START + minutes(100), Decimal("410.00")),
        Step(START + minutes(105), Decimal("390.00")),
        Step(START + minutes(110), Decimal("370.00")),
        Step(START + minutes(115), Decimal("350.00")),
    ]


def test_schedule_ends_at_the_floor():
    assert schedule(replace(WORKED, floor_price=Decimal("400.00"))) == [
        Step(START, Decimal("500.00")),
        Step(START + minutes(60), Decimal("450.00")),
        Step(START + minutes(95), Decimal("430.00")),
        Step(START + minutes(100), Decimal("410.00")),
        Step(START + minutes(105), Decimal("400.00")),
    ]


def test_schedule_of_a_week_of_one_minute_steps_is_bounded_by_the_floor():
    week = replace(
        WORKED,
        end_time=START + timedelta(days=7),
        drop_interval_mins=1,
        drop_amount=Decimal("1.00"),
        turbo_enabled=False,
    )

    # 400 one-lira drops from 500 to the 100 floor, whatever the week's 10,080 minutes could hold.
    steps = schedule(week)

    assert len(steps) == 401
    assert steps[-1] == Step(START + minutes(400), Decimal("100.00"))


# Property-based: settings valid per DESIGN section 2, instants around and inside the window.


@st.composite
def valid_settings(draw: st.DrawFn) -> PriceSettings:
    cents = 100 if draw(st.booleans()) else 1000  # sometimes a third decimal place, to exercise rounding
    start_price = draw(st.integers(2, 1_000_000))
    floor_price = draw(st.integers(1, start_price - 1))
    start_time = START + timedelta(microseconds=draw(st.integers(0, 10**12)))
    duration = timedelta(microseconds=draw(st.integers(60 * 10**6, 3 * 24 * 3600 * 10**6)))
    duration_mins = duration // minutes(1)
    drop_interval_mins = draw(st.integers(1, duration_mins))
    turbo_enabled = drop_interval_mins > 1 and draw(st.booleans())
    turbo: dict[str, Any] = {}
    if turbo_enabled:
        started = st.integers(0, duration // MICROSECOND).map(lambda us: start_time + us * MICROSECOND)
        turbo = {
            "turbo_trigger_mins": draw(st.integers(0, duration_mins - 1)),
            "turbo_drop_amount": Decimal(draw(st.integers(1, start_price - floor_price))) / cents,
            "turbo_interval_mins": draw(st.integers(1, drop_interval_mins - 1)),
            "turbo_started_at": draw(st.none() | started),
        }
    return PriceSettings(
        start_price=Decimal(start_price) / cents,
        floor_price=Decimal(floor_price) / cents,
        start_time=start_time,
        end_time=start_time + duration,
        drop_interval_mins=drop_interval_mins,
        drop_amount=Decimal(draw(st.integers(1, start_price - floor_price))) / cents,
        turbo_enabled=turbo_enabled,
        **turbo,
    )


def instants(draw: st.DrawFn, s: PriceSettings) -> datetime:
    """Anywhere from before the start to after the end, often exactly on (or just off) a step."""
    span = (s.end_time - s.start_time) // MICROSECOND
    anywhere = s.start_time + draw(st.integers(-span // 4, span + span // 4)) * MICROSECOND
    origin, interval = s.start_time, s.drop_interval_mins
    if (turbo_start := turbo_from(s)) is not None and draw(st.booleans()):
        origin, interval = turbo_start, s.turbo_interval_mins
    on_step = origin + minutes(interval) * draw(st.integers(0, span // (interval * 60 * 10**6) + 1))
    return draw(st.sampled_from([anywhere, on_step, on_step - MICROSECOND, on_step + MICROSECOND]))


property_test = settings(max_examples=200, deadline=None)


@property_test
@given(s=valid_settings(), data=st.data())
def test_price_never_rises_as_time_moves_forward(s, data):
    earlier, later = sorted([instants(data.draw, s), instants(data.draw, s)])

    assert price_at(s, earlier) >= price_at(s, later)


@property_test
@given(s=valid_settings(), data=st.data())
def test_price_stays_between_floor_and_start(s, data):
    price = price_at(s, instants(data.draw, s))

    # Compared as displayed: a third decimal place in the settings rounds away.
    assert price_at(replace(s, start_price=s.floor_price), s.start_time) <= price
    assert price <= price_at(s, s.start_time - MICROSECOND)


@property_test
@given(s=valid_settings(), data=st.data())
def test_next_drop_is_the_next_change_and_nothing_changes_before_it(s, data):
    t = instants(data.draw, s)
    drop_at = next_drop_at(s, t)
    assume(drop_at is not None)

    assert t < drop_at < s.end_time
    assert price_at(s, drop_at) != price_at(s, t)
    assert price_at(s, drop_at) == next_price(s, t)
    assert price_at(s, drop_at - MICROSECOND) == price_at(s, t)
    for _ in range(3):
        between = t + data.draw(st.integers(0, (drop_at - t) // MICROSECOND - 1)) * MICROSECOND
        assert price_at(s, between) == price_at(s, t)


@property_test
@given(s=valid_settings(), data=st.data())
def test_after_the_last_step_there_is_no_next_drop_and_the_price_holds_until_the_end(s, data):
    last_step = schedule(s)[-1].at
    t = last_step + data.draw(st.integers(0, (s.end_time - last_step) // MICROSECOND - 1)) * MICROSECOND

    assert next_drop_at(s, t) is None
    assert price_at(s, s.end_time - MICROSECOND) == price_at(s, t)


@property_test
@given(s=valid_settings())
def test_schedule_matches_price_at_and_strictly_decreases(s):
    steps = schedule(s)

    assert steps[0] == Step(s.start_time, price_at(s, s.start_time))
    assert all(step.price == price_at(s, step.at) for step in steps)
    assert all(a.at < b.at and a.price > b.price for a, b in pairwise(steps))
    assert steps[-1].at < s.end_time
