"""Row locks as another connection sees them, for the tests of each app's `lock_objects`.

Run from tests on `transaction=True` databases: the rows must be committed for another connection
to see them, and the lock must be PostgreSQL's own.
"""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction
from django.db.models import Model

TIMEOUT = 10


def _lock(model: type[Model], pk: int, *, nowait: bool) -> None:
    model._default_manager.select_for_update(nowait=nowait).filter(pk=pk).first()


def lockable_elsewhere(model: type[Model], pk: int) -> bool:
    """Whether another connection could lock the row right now (NOWAIT: it answers, never waits)."""

    def attempt() -> bool:
        try:
            with transaction.atomic():
                _lock(model, pk, nowait=True)
            return True
        except DatabaseError:
            return False
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(attempt).result(timeout=TIMEOUT)


@contextmanager
def held_elsewhere(model: type[Model], pk: int) -> Iterator[None]:
    """The row locked by another connection while the block runs."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                _lock(model, pk, nowait=False)
                locked.set()
                release.wait(timeout=TIMEOUT)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(timeout=TIMEOUT), "the other connection could not lock the row"
        yield
    finally:
        release.set()
        thread.join(timeout=TIMEOUT)
