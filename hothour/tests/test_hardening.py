"""Production hardening: deploy checks, fail-fast settings, security headers, limits that hold
under a burst, and no secrets or personal data in the logs."""

import logging
import os
import secrets
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, CustomerFactory
from auctions.tests.factories import make_auction

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "hothour.settings.production",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "hothour.example.com",
    "EMAIL_URL": "smtp+tls://user:pass@mail.example.com:587",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "EMAIL_ALLOW_CONSOLE", *PRODUCTION_ENV}
    }
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_checks(tmp_path):
    # what collectstatic leaves behind (the image runs it at build time)
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')

    environment = {**PRODUCTION_ENV, "SECRET_KEY": secrets.token_urlsafe(64), "STATIC_ROOT": str(tmp_path)}

    result = _manage("check", "--deploy", "--fail-level", "WARNING", **environment)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_deploy_checks_name_static_files_that_were_never_collected(tmp_path):
    result = _manage(
        "check", "--deploy", **PRODUCTION_ENV, SECRET_KEY=secrets.token_urlsafe(64), STATIC_ROOT=str(tmp_path)
    )

    assert result.returncode != 0
    assert "hothour.E001" in result.stderr
    assert "collectstatic" in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"])
def test_production_settings_refuse_to_start_without_a_secret_or_a_service(missing):
    env = {**PRODUCTION_ENV, "SECRET_KEY": secrets.token_urlsafe(64)}
    env.pop(missing)

    result = _manage("check", **env)

    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_production_refuses_the_development_secret():
    result = _manage(
        "check", **PRODUCTION_ENV, SECRET_KEY="django-insecure-hothour-embedded-default-do-not-deploy"
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be a real secret" in result.stderr


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client, admin_client):
    api = client.get(reverse("auction-list"))
    admin_page = admin_client.get("/admin/")
    docs = client.get("/api/v1/docs/")

    assert api["X-Content-Type-Options"] == "nosniff"
    assert admin_page["X-Frame-Options"] == "DENY"
    for page in (admin_page, docs):
        policy = page["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_logins_cannot_slip_past_the_limit(live_server, settings):
    # given a limit of 3 a minute for one account, and 10 requests fired at the same instant
    # (10: the test server's listen backlog)
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    rates.update(login="3/min", login_ip="1000/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    customer = CustomerFactory.create()
    body = f'{{"email": "{customer.email}", "password": "{DEFAULT_PASSWORD}"}}'.encode()
    gate = threading.Barrier(10)

    def login() -> int:
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/auth/login/", data=body, headers={"Content-Type": "application/json"}
        )
        gate.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    # when
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda _: login(), range(10)))

    # then exactly the limit got through
    assert sorted(statuses) == [200] * 3 + [429] * 7


@pytest.mark.django_db(transaction=True)
def test_no_password_token_or_email_reaches_the_logs(api_client, caplog):
    # given everything logged at any level, during a customer's whole journey
    caplog.set_level(logging.DEBUG)
    email, password = "secret.person@example.com", "Very-secret-pass-42"
    registered = api_client.post(
        reverse("auth-register"),
        {
            "email": email,
            "password": password,
            "full_name": "Gizli Kişi",
            "phone": "0555 444 33 22",
            "gender": "FEMALE",
        },
        format="json",
    )
    assert registered.status_code == 201
    CustomerFactory._meta.model.objects.filter(email=email).update(is_verified=True)
    pair = api_client.post(
        reverse("auth-login"), {"email": email, "password": password}, format="json"
    ).json()
    api_client.post(reverse("auth-login"), {"email": email, "password": "wrong-guess"}, format="json")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    grabbed = api_client.post(
        reverse("reservation-list"), {"auction_id": make_auction().pk}, format="json"
    ).json()
    api_client.post(reverse("auth-refresh"), {"refresh": pair["refresh"]}, format="json")
    api_client.get(f"{reverse('auth-me')}?token={pair['access']}")

    # then
    logged = "\n".join(f"{record.getMessage()} {record.args!r}" for record in caplog.records)
    for secret in (password, "wrong-guess", pair["access"], pair["refresh"], email, grabbed["booking_code"]):
        assert secret not in logged
