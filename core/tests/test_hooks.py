"""core.hooks: receivers run at once, in the order connected, with the caller's arguments and errors."""

import pytest

from core.hooks import Hook


def test_receivers_answer_in_the_order_they_were_connected():
    hook: Hook[str] = Hook("test.greeting")
    hook.connect(lambda *, name: f"hello {name}")
    hook.connect(lambda *, name: f"goodbye {name}")

    assert hook.call(name="Ayşe") == ["hello Ayşe", "goodbye Ayşe"]


def test_a_hook_without_receivers_answers_nothing():
    assert Hook("test.empty").call(anything=1) == []


def test_connecting_a_receiver_twice_runs_it_once():
    # given: ready() may run more than once in tests
    hook: Hook[int] = Hook("test.twice")

    @hook.connect
    def receiver() -> int:
        return 1

    hook.connect(receiver)

    assert hook.call() == [1]
    assert repr(hook) == "<Hook test.twice: 1 receiver(s)>"


def test_a_disconnected_receiver_no_longer_runs():
    hook: Hook[int] = Hook("test.disconnect")
    first, second = (lambda: 1), (lambda: 2)
    hook.connect(first)
    hook.connect(second)

    hook.disconnect(first)

    assert hook.call() == [2]


def test_a_receivers_error_reaches_the_caller_and_stops_the_receivers_after_it():
    # given: a hook is a step of the operation, not a notice
    hook: Hook[None] = Hook("test.error")
    ran: list[str] = []

    def refuse() -> None:
        raise PermissionError("not now")

    hook.connect(refuse)
    hook.connect(lambda: ran.append("after"))

    with pytest.raises(PermissionError, match="not now"):
        hook.call()
    assert ran == []
