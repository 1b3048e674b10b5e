"""auctions.tasks: the sweep schedules an on-time step for each change due within the horizon, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from auctions import tasks
from auctions.tests.factories import AuctionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch, settings) -> list[dict]:
    """The on-time steps handed to the broker, as a broker-backed worker would (not eager)."""
    settings.HOTHOUR_ON_TIME_HORIZON_SECONDS = 10
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent: list[dict] = []
    monkeypatch.setattr(
        tasks.step, "apply_async", lambda args, **options: sent.append({"args": args, **options})
    )
    return sent


def _next_step_in(seconds: float):
    start_time = timezone.now() + timedelta(seconds=seconds - 60)
    return AuctionFactory.create(
        now=start_time + timedelta(seconds=30), start_time=start_time, drop_interval_mins=1
    )


def test_each_change_within_the_horizon_gets_one_step_with_its_instant_as_eta(queued):
    soon, later = _next_step_in(3), _next_step_in(40)
    AuctionFactory.create(sold=True)

    first = tasks.schedule_on_time_steps()
    again = tasks.schedule_on_time_steps()

    assert (first, again) == (1, 0)
    assert len(queued) == 1
    (step,) = queued
    assert step["args"] == (soon.pk, soon.next_change_at.isoformat())
    assert step["eta"] == soon.next_change_at
    assert step["expires"] > step["eta"]
    assert later.next_change_at is not None


def test_a_change_moved_to_a_new_instant_gets_a_step_of_its_own(queued):
    auction = _next_step_in(3)
    tasks.schedule_on_time_steps()

    auction.next_change_at = auction.next_change_at + timedelta(seconds=2)
    auction.save(update_fields=["next_change_at"])
    tasks.schedule_on_time_steps()

    assert [step["eta"] for step in queued] == [
        auction.next_change_at - timedelta(seconds=2),
        auction.next_change_at,
    ]


def test_without_a_broker_nothing_is_scheduled(settings):
    # eager mode runs a task at once, so an ETA would be ignored: the in-process ticker sleeps instead
    _next_step_in(3)

    assert settings.CELERY_TASK_ALWAYS_EAGER
    assert tasks.schedule_on_time_steps() == 0


@pytest.mark.django_db(transaction=True)  # the tick closes a connection it finds in a transaction
def test_the_beat_task_sweeps_then_schedules(queued):
    due = _next_step_in(-1)
    soon = _next_step_in(2)

    processed = tasks.tick()

    assert processed == 1
    due.refresh_from_db()
    assert due.current_price == due.start_price - due.drop_amount
    assert [step["args"][0] for step in queued] == [soon.pk]
