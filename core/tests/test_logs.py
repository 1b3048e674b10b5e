"""JSON log lines carry the request id into the tasks and broadcasts a request causes; what would
leak personal data or secrets is masked."""

import json
import logging
import threading
from types import SimpleNamespace

import pytest
from django.db import transaction

from auctions import events
from auctions.tests.factories import make_auction
from core import effects, logs
from core.realtime import broadcast


def _json_line(record: logging.LogRecord) -> dict:
    config = logs.logging_config(json=True)
    formatter = logs.HotHourJsonFormatter(
        **{k: v for k, v in config["formatters"]["line"].items() if k != "()"}
    )
    logs.ContextFilter().filter(record)
    return json.loads(formatter.format(record))


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("hothour.test", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_a_line_logged_while_serving_a_request_carries_its_id():
    token = logs.request_id.set("3f2a9c0d4e5b6a7f8e9d0c1b2a3f4e5d")
    try:
        line = _json_line(_record("grab created", auction_id=7))
    finally:
        logs.request_id.reset(token)

    assert line["request_id"] == "3f2a9c0d4e5b6a7f8e9d0c1b2a3f4e5d"
    assert line["message"] == "grab created"
    assert line["auction_id"] == 7
    assert line["level"] == "INFO"


def test_emails_tokens_booking_codes_and_phone_numbers_are_masked_in_a_line():
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjo1fQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    line = _json_line(
        _record("refused %s for ayse@example.com, code HOT-ABC234, phone +90 532 123 45 67", jwt)
    )

    assert line["message"] == "refused <jwt> for <email>, code <booking-code>, phone <phone>"


@pytest.mark.parametrize(
    ("offered", "kept"),
    [
        ("0123456789abcdef0123456789abcdef", True),
        ("short", False),
        ("bad id\nwith newline", False),
        (None, False),
    ],
)
def test_the_proxy_request_id_is_kept_only_when_it_looks_like_one(client, offered, kept):
    headers = {"X-Request-ID": offered} if offered else {}

    response = client.get("/api/v1/no-such-thing/", headers=headers)

    answered = response["X-Request-ID"]
    assert (answered == offered) is kept
    assert len(answered) >= 8


def test_gunicorn_access_line_has_fields_and_never_the_query_string():
    atoms = {"m": "GET", "U": "/api/v1/auth/verify-email/", "q": "token=secret", "s": "200", "D": "12345"}
    record = _record("%(r)s", **{})
    record.args = {**atoms, "{x-request-id}o": "abcdef0123456789"}

    logs.GunicornAccessFilter().filter(record)
    line = _json_line(record)

    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/auth/verify-email/"
    assert line["status"] == 200
    assert line["duration_ms"] == 12.3
    assert line["request_id"] == "abcdef0123456789"
    assert "secret" not in json.dumps(line)


def test_a_task_queued_in_a_request_carries_its_id_and_its_lines_show_it():
    # given a request's id, when a task is published, its headers carry the id
    token = logs.request_id.set("feedfacecafebeef")
    headers: dict = {}
    logs.carry_to_task(headers=headers)
    logs.request_id.reset(token)
    assert headers[logs.CELERY_HEADER] == "feedfacecafebeef"

    # when a worker (no request of its own) runs it
    task = SimpleNamespace(name="core.outbox.send_email", request=SimpleNamespace(**headers))
    logs.adopt_in_task(task_id="t-1", task=task)
    line = _json_line(_record("email sent"))
    logs.leave_task(task_id="t-1")

    # then its lines carry the request's id and the task, and the worker is back to none after it
    assert line["request_id"] == "feedfacecafebeef"
    assert line["task"] == "core.outbox.send_email[t-1]"
    assert logs.request_id.get() is None
    assert logs.task_label.get() is None


def test_a_task_run_eagerly_inside_a_request_keeps_the_request_id():
    token = logs.request_id.set("0011223344556677")
    logs.adopt_in_task(task_id="t-2", task=SimpleNamespace(name="x", request=SimpleNamespace()))
    try:
        assert logs.request_id.get() == "0011223344556677"
    finally:
        logs.leave_task(task_id="t-2")
        logs.request_id.reset(token)


def test_an_after_commit_effect_in_the_background_keeps_the_request_id(transactional_db):
    seen: list[str | None] = []
    done = threading.Event()

    def effect() -> None:
        seen.append(logs.request_id.get())
        done.set()

    token = logs.request_id.set("background-0001")
    try:
        with transaction.atomic():
            effects.on_commit_in_background(effect)
    finally:
        logs.request_id.reset(token)

    assert done.wait(5)
    assert seen == ["background-0001"]


@pytest.mark.django_db
def test_a_broadcast_caused_by_a_request_names_it_for_the_fan_out(monkeypatch):
    submitted: list = []
    monkeypatch.setattr(broadcast.broadcaster, "submit", submitted.extend)
    auction = make_auction()

    token = logs.request_id.set("cafe0000cafe0000")
    try:
        events._send_now([events.auction_message(auction)])
    finally:
        logs.request_id.reset(token)

    assert {group for group, _ in submitted} == {"auctions", f"auction.{auction.pk}"}
    assert all(message["request_ids"] == ["cafe0000cafe0000"] for _, message in submitted)
    # the id is metadata for our logs, not part of the frame clients receive
    assert all("cafe0000" not in text for _, message in submitted for text in message["texts"])


def test_merged_broadcasts_keep_every_cause():
    merged = broadcast.merge_by_group(
        [
            ("auctions", {"type": "broadcast", "group": "auctions", "texts": ["a"], "request_ids": ["r1"]}),
            ("auctions", {"type": "broadcast", "group": "auctions", "texts": ["b"], "request_ids": []}),
            ("auctions", {"type": "broadcast", "group": "auctions", "texts": ["c"], "request_ids": ["r2"]}),
        ]
    )

    assert merged == [
        (
            "auctions",
            {"type": "broadcast", "group": "auctions", "texts": ["a", "b", "c"], "request_ids": ["r1", "r2"]},
        )
    ]
