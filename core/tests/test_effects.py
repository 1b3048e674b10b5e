"""core.effects: effects run after a real commit only, never after a rollback; a failing one is logged."""

import logging
import threading
from contextlib import suppress

import pytest
from django.db import transaction

from core import effects

# Real transactions: an effect must wait for PostgreSQL's COMMIT, not for a test's emulation of it.
pytestmark = pytest.mark.django_db(transaction=True)


class Rollback(Exception):
    pass


def rolled_back(schedule, *args) -> None:
    """Schedule an effect inside a transaction that is then rolled back."""
    with suppress(Rollback), transaction.atomic():
        schedule(*args)
        raise Rollback


def test_on_commit_runs_the_effect_once_the_transaction_commits():
    ran: list[str] = []

    with transaction.atomic():
        effects.on_commit(ran.append, "sent")
        assert ran == []

    assert ran == ["sent"]


def test_on_commit_never_runs_the_effect_of_a_rolled_back_transaction():
    ran: list[str] = []

    rolled_back(effects.on_commit, ran.append, "rolled back")
    with transaction.atomic():
        effects.on_commit(ran.append, "committed")

    assert ran == ["committed"]


def test_a_failing_effect_is_logged_not_raised_and_the_next_effect_still_runs(caplog):
    ran: list[str] = []

    def broker_down() -> None:
        raise ConnectionRefusedError("broker down")

    with caplog.at_level(logging.ERROR, logger="core.effects"), transaction.atomic():
        effects.on_commit(broker_down)
        effects.on_commit(ran.append, "next")

    assert ran == ["next"]
    (failure,) = [record for record in caplog.records if record.name == "core.effects"]
    assert "broker_down" in failure.getMessage()
    assert failure.exc_info is not None


def test_a_background_effect_runs_after_commit_in_another_thread_and_rollbacks_run_nothing():
    # given: the background worker runs one effect at a time, in the order committed
    ran: list[str] = []
    done = threading.Event()

    def record(name: str) -> None:
        ran.append(f"{name} in {threading.current_thread().name}")

    # when
    rolled_back(effects.on_commit_in_background, record, "rolled back")
    with transaction.atomic():
        effects.on_commit_in_background(record, "committed")
        effects.on_commit_in_background(done.set)
        assert ran == []

    # then
    assert done.wait(timeout=5)
    assert len(ran) == 1
    assert ran[0].startswith("committed in after-commit")
