"""Periodic account housekeeping (Celery beat)."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def purge_suspended_identities() -> int:
    """Fingerprints of deleted, suspended accounts are kept only until their suspension ends."""
    return services.suspended_identities_purge()
