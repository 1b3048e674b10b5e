"""Periodic reservation work for Celery beat: no-shows and reminders before class."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def mark_no_shows() -> int:
    return services.reservations_mark_no_shows()


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=280)
def send_reminders() -> int:
    return services.reservations_send_reminders()
