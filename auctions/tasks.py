"""Celery tasks of auctions: the sweep that beat runs every HOTHOUR_TICK_SECONDS, and the on-time
step it schedules for each change due within the next HOTHOUR_ON_TIME_HORIZON_SECONDS, both on
their own queue ("tick", routed in settings) so no other work can make them wait."""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import selectors, ticker

logger = logging.getLogger(__name__)

# An on-time step not started by then is dropped: the sweep has applied its change long before.
ON_TIME_STEP_EXPIRES = timedelta(seconds=30)
# On-time tasks queued per sweep, earliest first. Thousands of changes due in the same second are
# one batch for the sweep but thousands of tasks ahead of it on the tick queue (seen: a sweep
# starved for over 30 s); past this many, the sweep applies the rest.
ON_TIME_MAX_PER_SWEEP = 50


# A tick takes milliseconds; one still running after 20 s is stuck, and the next one retries.
@shared_task(ignore_result=True, soft_time_limit=20, time_limit=30)
def tick() -> int:
    result = ticker.tick_once()
    schedule_on_time_steps()
    return result.processed if result else 0


@shared_task(ignore_result=True, soft_time_limit=20, time_limit=30)
def step(auction_id: int, due_at: str) -> int:
    return ticker.step_on_time(auction_id, datetime.fromisoformat(due_at))


def schedule_on_time_steps(now: datetime | None = None) -> int:
    """Give each change due within the horizon a `step` task whose ETA is its instant, once.

    Only what is due soon is scheduled: on a Redis broker an ETA task held past the visibility
    timeout is delivered again, and one held by a worker that dies waits for that timeout. Each
    sweep schedules what has come into the horizon; a change whose task is lost, or written
    after the horizon passed it, is still applied by the sweep, at most one beat late.
    A duplicate task is harmless (`ticker.step_on_time` is idempotent); the marks in the cache
    only keep the sweeps from queueing one per beat. Returns how many it scheduled.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return 0  # no broker holds ETA tasks; the in-process ticker sleeps until each change
    now = now or timezone.now()
    horizon = settings.HOTHOUR_ON_TIME_HORIZON_SECONDS
    try:
        upcoming = {
            f"auctions:on-time:{pk}:{at.timestamp()}": (pk, at)
            for pk, at in selectors.changes_between(
                now, now + timedelta(seconds=horizon), limit=ON_TIME_MAX_PER_SWEEP
            )
        }
        if not upcoming:
            return 0
        marked = cache.get_many(list(upcoming))
        scheduled = 0
        for key, (pk, at) in upcoming.items():
            if key in marked or not cache.add(key, 1, timeout=int(horizon) + 60):
                continue
            step.apply_async((pk, at.isoformat()), eta=at, expires=at + ON_TIME_STEP_EXPIRES)
            scheduled += 1
    except Exception:
        logger.exception("could not schedule on-time steps; the sweep applies them")
        return 0
    return scheduled
