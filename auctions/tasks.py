"""Celery tasks of auctions: the tick that beat schedules every HOTHOUR_TICK_SECONDS."""

from celery import shared_task

from .ticker import tick_once


@shared_task(ignore_result=True)
def tick() -> int:
    result = tick_once()
    return result.processed if result else 0
