"""Production defaults that do not leak (issue 12, item 11): no console email, no tokens in the
proxy's log, no demo accounts, and entry points that start in production unless told otherwise."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "hothour.settings.production",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "hothour.example.com",
}
SETTINGS_NAMES = {"SECRET_KEY", "EMAIL_URL", "EMAIL_ALLOW_CONSOLE", *PRODUCTION_ENV}


def _python(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_NAMES}
    return subprocess.run(  # noqa: S603 - our own code
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def _production(**env: str) -> dict[str, str]:
    return {**PRODUCTION_ENV, "SECRET_KEY": secrets.token_urlsafe(64), **env}


def test_production_refuses_the_console_email_backend():
    result = _python("manage.py", "check", **_production())

    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr


def test_production_takes_the_console_backend_only_when_told_to():
    result = _python("manage.py", "check", **_production(EMAIL_ALLOW_CONSOLE="true"))

    assert result.returncode == 0, result.stderr


def test_production_takes_a_mail_server():
    result = _python("manage.py", "check", **_production(EMAIL_URL="smtp+tls://u:p@mail.example.com:587"))

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("module", ["hothour.wsgi", "hothour.asgi"])
def test_the_entry_points_start_in_production_unless_told_otherwise(module):
    # no DJANGO_SETTINGS_MODULE and no secrets: production settings refuse to start
    result = _python("-c", f"import {module}")

    assert result.returncode != 0
    assert "must be set in production" in result.stderr


def test_the_run_command_sets_the_development_settings_itself():
    script = (ROOT / "scripts" / "run.sh").read_text()

    assert re.search(r"^export DJANGO_SETTINGS_MODULE=.*hothour\.settings\.base", script, re.M)


def test_the_proxy_does_not_log_websocket_query_strings():
    # given the proxy's configuration: the /ws/ location and the log formats it may use
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    formats = dict(re.findall(r"log_format\s+(\w+)\s+(.*?);", conf, re.S))
    ws_location = re.search(r"location /ws/ \{(.*?)\}", conf, re.S)
    assert ws_location is not None

    # then it logs with a format of its own, with the path but no query string (access tokens)
    (log_format,) = re.findall(r"access_log\s+\S+\s+(\w+)", ws_location.group(1))
    assert "$uri" in formats[log_format]
    for leaky in ("$request ", '$request"', "$request_uri", "$args", "$query_string", "$arg_"):
        assert leaky not in formats[log_format]


@pytest.mark.django_db
def test_seed_demo_refuses_outside_development(settings):
    settings.HOTHOUR_DEMO_DATA = False

    with pytest.raises(CommandError, match="development"):
        call_command("seed_demo")


def test_production_settings_turn_the_demo_data_off():
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.HOTHOUR_DEMO_DATA)"
    )

    result = _python("-c", code, **_production(EMAIL_ALLOW_CONSOLE="true"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_proxy_image_main_config_holds_many_sockets_and_nginx_accepts_it(tmp_path):
    # given the image's main config around the site as the production-shape test renders it
    from hothour.tests.test_production_shape import render_nginx

    main = (ROOT / "deploy" / "nginx-main.conf").read_text()
    assert (
        "COPY deploy/nginx-main.conf /etc/nginx/nginx.conf"
        in (ROOT / "deploy" / "proxy.Dockerfile").read_text()
    )
    render_nginx(tmp_path, proxy=18000, api=18001, ws=18002)
    local = (
        main.replace("user nginx;", "user root;" if os.geteuid() == 0 else "")
        .replace("/etc/nginx/conf.d/*.conf", str(tmp_path / "hothour.conf"))
        .replace("/var/log/nginx/error.log", str(tmp_path / "error.log"))
        .replace("/var/run/nginx.pid", str(tmp_path / "nginx.pid"))
    )
    (tmp_path / "main.conf").write_text(local)

    # then nginx accepts it, with room for thousands of proxied sockets per worker
    checked = subprocess.run(  # noqa: S603 - Debian's nginx
        ["/usr/sbin/nginx", "-t", "-c", str(tmp_path / "main.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr
    assert int(re.search(r"worker_connections (\d+);", main).group(1)) >= 16384
