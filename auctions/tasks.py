"""Celery tasks of auctions: the tick that beat schedules every HOTHOUR_TICK_SECONDS."""

from celery import shared_task

from .services import auctions_tick


@shared_task(ignore_result=True)
def tick() -> int:
    return auctions_tick().processed
