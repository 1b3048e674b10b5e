"""Hooks: how a lower app lets a higher one react without importing it (DESIGN section 1).

The lower app declares a `Hook` and calls it where the event happens; the higher app connects
a receiver in its `AppConfig.ready()`. Receivers run at once, in the caller's thread and
transaction, in the order they were connected, and their errors reach the caller: a hook is a
step of the operation, not a fire-and-forget notice.
"""

from collections.abc import Callable
from typing import Generic, TypeVar

R = TypeVar("R")


class Hook(Generic[R]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Callable[..., R]] = []

    def connect(self, receiver: Callable[..., R]) -> Callable[..., R]:
        """Add `receiver` once (ready() may run more than once in tests); usable as a decorator."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Callable[..., R]) -> None:
        self._receivers.remove(receiver)

    def call(self, **kwargs: object) -> list[R]:
        """Run every receiver with `kwargs`; their answers, in order."""
        return [receiver(**kwargs) for receiver in self._receivers]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._receivers)} receiver(s)>"
