"""Fixtures of the accounts tests: a valid registration and after-commit effects (emails)."""

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest


@pytest.fixture
def register_payload() -> dict[str, str]:
    return {
        "email": "Ayse.Yilmaz@Example.com",
        "password": "Moda-kadikoy-2026",
        "full_name": "Ayşe Yılmaz",
        "phone": "0555 111 22 33",
        "gender": "FEMALE",
    }


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks) -> Callable[[], AbstractContextManager[Any]]:
    """Emails leave after commit; a test runs inside one transaction, so run them on leaving the block."""
    return functools.partial(django_capture_on_commit_callbacks, execute=True)
