"""Periodic jobs' last runs, kept in the database so any process's health check can report them."""

from datetime import datetime
from typing import Any

from django.utils import timezone

from core.models import JobRun


def job_finished(*, name: str, result: int, now: datetime | None = None) -> None:
    JobRun.objects.update_or_create(
        name=name, defaults={"last_run_at": now or timezone.now(), "last_result": result}
    )


def last_run(name: str) -> dict[str, Any]:
    """`{"last_run_at", "age_seconds", "last_result"}`, each None when the job never ran."""
    run = JobRun.objects.filter(name=name).first()
    if run is None:
        return {"last_run_at": None, "age_seconds": None, "last_result": None}
    return {
        "last_run_at": run.last_run_at.isoformat(),
        "age_seconds": round((timezone.now() - run.last_run_at).total_seconds(), 3),
        "last_result": run.last_result,
    }
