"""Celery tasks of auctions: the tick that beat schedules every HOTHOUR_TICK_SECONDS, on its own
queue ("tick", routed in settings) so no other work can make it wait."""

from celery import shared_task

from .ticker import tick_once


# A tick takes milliseconds; one still running after 20 s is stuck, and the next one retries.
@shared_task(ignore_result=True, soft_time_limit=20, time_limit=30)
def tick() -> int:
    result = tick_once()
    return result.processed if result else 0
