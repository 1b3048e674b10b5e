"""What an operator relies on: task limits and queues, health's reports, start-up checks, error
reports and ADMINS from the environment."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from celery import current_app
from django.core import checks
from django.utils import timezone

from core.checks import MISSING_MANIFEST, static_manifest
from core.error_reports import scrub
from core.models import OutboundEmail
from hothour.celery import app
from reservations.services import reservations_mark_no_shows
from reservations.tests.factories import ReservationFactory

ROOT = Path(__file__).resolve().parents[2]
OUR_APPS = ("core.", "accounts.", "auctions.", "reservations.")


def test_every_task_of_ours_has_a_soft_and_a_hard_time_limit():
    app.loader.import_default_modules()
    ours = {name: task for name, task in current_app.tasks.items() if name.startswith(OUR_APPS)}

    assert {"auctions.tasks.tick", "core.outbox.flush_outbox", "core.outbox.send_email"} <= set(ours)
    for name, task in ours.items():
        soft = task.soft_time_limit or current_app.conf.task_soft_time_limit
        hard = task.time_limit or current_app.conf.task_time_limit
        assert soft, name
        assert hard, name
        assert soft < hard, name


def test_the_tick_goes_to_its_own_queue_and_other_tasks_do_not():
    router = current_app.amqp.router

    assert router.route({}, "auctions.tasks.tick")["queue"].name == "tick"
    assert router.route({}, "core.outbox.flush_outbox")["queue"].name == "celery"
    assert {queue.name for queue in current_app.amqp.queues.values()} >= {"celery", "tick"}


@pytest.mark.django_db
def test_health_reports_the_outbox_backlog_and_the_last_no_show_run(client):
    OutboundEmail.objects.create(template="verify_email", to="a@example.com")
    before = client.get("/api/v1/health/").json()
    ReservationFactory.create(auction__now=timezone.now() - timedelta(days=1))
    marked = reservations_mark_no_shows()

    after = client.get("/api/v1/health/").json()

    assert before["outbox"] == {"backlog": 1}
    assert before["no_shows"]["last_run_at"] is None
    assert after["no_shows"]["last_result"] == marked
    assert after["no_shows"]["age_seconds"] < 60


def test_a_missing_static_manifest_is_named_at_start_up_not_a_500_later(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

    missing = static_manifest()
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')
    present = static_manifest()

    assert [error.id for error in missing] == [MISSING_MANIFEST]
    assert "collectstatic" in missing[0].hint
    assert present == []
    assert static_manifest in checks.registry.registry.deployment_checks


def test_error_reports_carry_no_personal_data():
    event = {
        "user": {"email": "ayse@example.com", "ip_address": "203.0.113.7"},
        "server_name": "api-1",
        "request": {
            "method": "POST",
            "url": "https://hothour.example/api/v1/auth/verify-email/?token=abc",
            "headers": {"Authorization": "Bearer eyJa.eyJb.c"},
            "cookies": {"sessionid": "s"},
            "data": {"password": "hunter2"},
        },
        "exception": {
            "values": [
                {
                    "value": "no reservation for ayse@example.com (HOT-ABC234)",
                    "stacktrace": {"frames": [{"function": "grab", "vars": {"password": "hunter2"}}]},
                }
            ]
        },
    }

    scrubbed = scrub(event)

    assert scrubbed["request"] == {
        "method": "POST",
        "url": "https://hothour.example/api/v1/auth/verify-email/",
    }
    assert "user" not in scrubbed
    text = json.dumps(scrubbed)
    for secret in ("ayse@example.com", "HOT-ABC234", "hunter2", "eyJa", "203.0.113.7", "token=abc"):
        assert secret not in text


def _production_settings(**env: str) -> dict:
    """Loads the production settings in a fresh interpreter (they read the environment once)."""
    script = (
        "import json, sentry_sdk; from django.conf import settings as s; "
        "print(json.dumps({'admins': s.ADMINS, 'exempt': s.SECURE_REDIRECT_EXEMPT, "
        "'sentry': sentry_sdk.get_client().is_active(), 'log_format': s.LOG_FORMAT}))"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "ADMINS"))},
        "DJANGO_SETTINGS_MODULE": "hothour.settings.production",
        "SECRET_KEY": "x" * 60,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "ALLOWED_HOSTS": "hothour.example",
        "EMAIL_URL": "smtp+tls://user:pass@mail.example.com:587",
        **env,
    }
    result = subprocess.run(  # noqa: S603 - our interpreter
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_reports_errors_only_with_a_dsn_and_reads_admins_from_the_environment():
    without = _production_settings()
    with_dsn = _production_settings(
        SENTRY_DSN="https://public@127.0.0.1:9/1",
        ADMINS="Ops Team <ops@hothour.example>,oncall@hothour.example",
    )

    assert without["sentry"] is False
    assert with_dsn["sentry"] is True
    assert with_dsn["admins"] == [["Ops Team", "ops@hothour.example"], ["", "oncall@hothour.example"]]
    assert without["log_format"] == "json"
    assert r"^api/v1/health/$" in without["exempt"]
