"""Periodic reservation work for Celery beat: no-shows and reminders before class."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def mark_no_shows() -> int:
    return services.reservations_mark_no_shows()


@shared_task(ignore_result=True)
def send_reminders() -> int:
    return services.reservations_send_reminders()
