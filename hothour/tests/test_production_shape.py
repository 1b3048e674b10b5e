"""The production shape, run for real: gunicorn (2 workers) and daphne with `hothour.settings.production`
(secret key and hosts from the environment) behind the project's own deploy/nginx.conf, Celery
workers for the tick and the mail queues, beat, on the test PostgreSQL and Redis.

The requests arrive as a TLS terminator in front of nginx would send them (X-Forwarded-Proto:
https, the client in X-Forwarded-For), so NUM_PROXIES is 2. At the end, every log line of every
process is scanned for the personal data and secrets the run used.
"""

import asyncio
import email
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import websockets
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import timezone
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from websockets.typing import Origin, Subprotocol

from accounts.tests.factories import CustomerFactory
from auctions.models import TickHeartbeat
from auctions.tests.factories import make_auction
from core.tests.test_outbox_worker import FlakyMailServer
from hothour.tests.processes import ROOT, Processes, free_port, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BIN = Path(sys.executable).parent
HOST = "hothour.test"
CLIENT = "198.51.100.23"  # the customer, as the TLS terminator saw them
METRICS_TOKEN = secrets.token_urlsafe(24)
PASSWORD = "Prod-shape-pass-2026!"


@dataclass
class Stack:
    proxy: int
    api: int
    ws: int
    processes: Processes
    metrics_dir: Path
    mail: FlakyMailServer
    secrets_used: set[str] = field(default_factory=set)

    def logs(self) -> dict[str, str]:
        return {log.stem: log.read_text(errors="replace") for log in self.processes.log_dir.glob("*.log")}

    def json_lines(self, name: str) -> list[dict]:
        found = []
        for line in self.logs()[name].splitlines():
            if line.startswith("{"):
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue
        return found


def render_nginx(conf_dir: Path, *, proxy: int, api: int, ws: int) -> Path:
    """deploy/nginx.conf with local ports, inside a main config that runs as this test's child."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    for old, new in [
        ("server api:8000;", f"server 127.0.0.1:{api};"),
        ("server ws:8001;", f"server 127.0.0.1:{ws};"),
        ("listen 8000;", f"listen 127.0.0.1:{proxy};"),
        # The customer app as the test command built it (the image bakes it in at this root).
        ("root /usr/share/nginx/hothour;", f"root {ROOT / 'frontend' / 'dist'};"),
    ]:
        assert site.count(old) == 1, f"deploy/nginx.conf no longer has {old!r}"
        site = site.replace(old, new)
    (conf_dir / "hothour.conf").write_text(site)
    temp = "\n".join(
        f"{kind}_temp_path {conf_dir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = conf_dir / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nworker_processes 1;\npid {conf_dir / 'nginx.pid'};\nerror_log stderr warn;\n"
        f"events {{ worker_connections 256; }}\nhttp {{\n{temp}\ninclude {conf_dir / 'hothour.conf'};\n}}\n"
    )
    return main


def production_environment(tmp: Path, *, api: int, mail_port: int) -> dict[str, str]:
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hothour.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": f"{HOST},127.0.0.1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CHANNEL_LAYER_PREFIX": f"prod-{os.getpid()}",
        "EMAIL_URL": f"smtp://127.0.0.1:{mail_port}",
        "FRONTEND_URL": f"https://{HOST}",
        "CORS_ALLOWED_ORIGINS": f"https://{HOST}",
        "NUM_PROXIES": "2",
        "METRICS_TOKEN": METRICS_TOKEN,
        "STATIC_ROOT": str(tmp / "static"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
        "GUNICORN_BIND": f"127.0.0.1:{api}",
        "WEB_CONCURRENCY": "2",
        "HOTHOUR_TICK_SECONDS": "1",
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_MAX_SIZE": "3",
        "LOG_LEVEL": "INFO",
    }


def _celery(*args: str) -> list[str]:
    return [str(BIN / "celery"), "-A", "hothour", *args, "--loglevel", "info"]


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is missing: the test command installs Debian's nginx package")
    tmp = tmp_path_factory.mktemp("production")
    mail = FlakyMailServer()
    mail.connections = 1  # its "turn the first one away" already spent: a plain mail sink
    mail_thread = ThreadPoolExecutor(1)
    mail_thread.submit(mail.serve_forever)
    proxy, api, ws = free_port(), free_port(), free_port()
    env = production_environment(tmp, api=api, mail_port=mail.server_address[1])
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    assert collected.returncode == 0, collected.stderr.decode()
    with Processes(tmp) as processes:
        processes.start(
            "gunicorn", [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "hothour.wsgi"], env
        )
        daphne = [
            str(BIN / "daphne"),
            "-b",
            "127.0.0.1",
            "-p",
            str(ws),
            "hothour.asgi:application",
        ]
        processes.start("daphne", daphne, env)
        processes.start(
            "tick-worker", _celery("worker", "-Q", "tick", "-n", f"tick-{proxy}@test", "--pool", "solo"), env
        )
        processes.start(
            "mail-worker",
            _celery("worker", "-Q", "celery", "-n", f"mail-{proxy}@test", "--pool", "solo"),
            env,
        )
        processes.start("beat", _celery("beat", "--schedule", str(tmp / "beat-schedule")), env)
        processes.start("nginx", [nginx, "-c", str(render_nginx(tmp, proxy=proxy, api=api, ws=ws))])
        # The containers' own probe (deploy/healthcheck.py) on both servers, over plain HTTP.
        for port in (api, ws):
            wait_until(lambda port=port: _probe(port, env), 60, f"health on {port}")
        wait_until(lambda: call(proxy, "GET", "/nginx-health")[0] == 200, 20, "nginx")
        yield Stack(proxy=proxy, api=api, ws=ws, processes=processes, metrics_dir=tmp / "metrics", mail=mail)
    mail.shutdown()
    mail.server_close()
    mail_thread.shutdown()


def _probe(port: int, env: dict[str, str]) -> bool:
    probe = [sys.executable, "deploy/healthcheck.py", f"http://127.0.0.1:{port}/api/v1/health/"]
    return subprocess.run(probe, env=env, cwd=ROOT, capture_output=True).returncode == 0  # noqa: S603


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def call(port: int, method: str, path: str, body=None, token=None, **headers: str) -> tuple[int, dict, bytes]:
    """Through nginx, as the TLS terminator forwards a customer's request; redirects not followed."""
    sent = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT, "Accept-Language": "en"}
    if body is not None:
        sent["Content-Type"] = "application/json"
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    for name, value in {**sent, **{k.replace("_", "-"): v for k, v in headers.items()}}.items():
        request.add_header(name, value)
    try:
        with _opener.open(request, timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def login(stack: Stack, email_address: str, password: str) -> dict:
    status, _headers, body = call(
        stack.proxy, "POST", "/api/v1/auth/login/", {"email": email_address, "password": password}
    )
    assert status == 200, body
    tokens = json.loads(body)
    stack.secrets_used.update(tokens.values())
    return tokens


def customer_with_password(stack: Stack):
    # A hash the production settings read (the test settings' own hasher is not among theirs).
    hasher = PBKDF2PasswordHasher()
    customer = CustomerFactory.create()
    customer.password = hasher.encode(PASSWORD, hasher.salt())
    customer.save(update_fields=["password"])
    stack.secrets_used.update({customer.email, customer.full_name, PASSWORD})
    return customer


def test_health_answers_plain_http_probes_and_everything_else_is_sent_to_https(stack):
    health = call(stack.proxy, "GET", "/api/v1/health/", X_Forwarded_Proto="http")
    listing = call(stack.proxy, "GET", "/api/v1/auctions/", X_Forwarded_Proto="http")

    assert health[0] == 200
    assert json.loads(health[2])["checks"] == {"database": "ok", "channel_layer": "ok", "broker": "ok"}
    assert listing[0] == 301
    assert listing[1]["Location"] == f"https://{HOST}/api/v1/auctions/"


def test_behind_a_tls_terminator_https_passes_through_without_a_redirect_loop(stack):
    status, headers, _body = call(stack.proxy, "GET", "/api/v1/auctions/")

    assert status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])  # nginx's id, answered by the app


def test_the_admin_login_page_and_its_collected_static_files_are_served(stack):
    status, _headers, page = call(stack.proxy, "GET", "/admin/login/")
    stylesheet = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', page)

    assert status == 200
    assert stylesheet is not None, "the page links the collected (hashed) stylesheet"
    assert call(stack.proxy, "GET", stylesheet.group(1).decode())[0] == 200


async def _price_step_then_sold(stack: Stack, auction_id: int, grab) -> tuple[dict, dict, str]:
    url = f"ws://127.0.0.1:{stack.proxy}/ws/auctions/{auction_id}/"
    async with websockets.connect(url, origin=Origin(f"https://{HOST}")) as socket:
        assert json.loads(await asyncio.wait_for(socket.recv(), 10))["event"] == "snapshot"
        open_sockets = await asyncio.to_thread(scrape, stack)
        step = await _next(socket, "price_update", within=40)
        request_id = await asyncio.to_thread(grab)
        sold = await _next(socket, "auction_updated", within=10)
    assert open_sockets[("hothour_websockets_open", ())] >= 1  # daphne's gauge, read through gunicorn
    return step, sold, request_id


async def _next(socket, event: str, within: float) -> dict:
    deadline = time.monotonic() + within
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), max(deadline - time.monotonic(), 0.1)))
        if message["event"] == event:
            return message


def test_a_websocket_price_step_and_a_grab_through_the_proxy_followed_by_one_request_id(stack):
    # given beat and the tick worker ticking, and an auction whose first drop is seconds away
    started = timezone.now()
    wait_until(lambda: TickHeartbeat.objects.filter(last_tick_at__gt=started).exists(), 30, "a tick")
    auction = make_auction(start_time=timezone.now() - timedelta(seconds=52), drop_interval_mins=1)
    customer = customer_with_password(stack)
    access = login(stack, customer.email, PASSWORD)["access"]

    def grab() -> str:
        status, headers, body = call(
            stack.proxy, "POST", "/api/v1/reservations/", {"auction_id": auction.pk}, access
        )
        assert status == 201, body
        stack.secrets_used.add(json.loads(body)["booking_code"])
        return headers["X-Request-ID"]

    # when a client watches it through nginx, sees a step, and a customer grabs it
    step, sold, request_id = asyncio.run(_price_step_then_sold(stack, auction.pk, grab))

    # then the step and the sale arrived over the socket
    assert step["data"]["auction_id"] == auction.pk
    assert sold["data"]["status"] == "SOLD"
    # and the grab's request id is in gunicorn's lines, the mail worker's task and daphne's fan-out
    wait_until(lambda: _traced(stack, request_id, "mail-worker", "email sent"), 30, "the email task's line")
    wait_until(lambda: _traced(stack, request_id, "daphne", "broadcast delivered"), 10, "the fan-out's line")
    assert _traced(stack, request_id, "gunicorn", "grab created")
    assert _traced(stack, request_id, "gunicorn", "request")
    trace = [
        json.dumps(line)
        for name in ("nginx", "gunicorn", "mail-worker", "daphne")
        for line in stack.json_lines(name)
        if request_id in (line.get("request_id"), *line.get("request_ids", []))
    ]
    sys.stdout.write("\n--- one request followed through the logs ---\n" + "\n".join(trace) + "\n")


def _traced(stack: Stack, request_id: str, process: str, message: str) -> bool:
    return any(
        line.get("message") == message
        and request_id in (line.get("request_id"), *line.get("request_ids", []))
        for line in stack.json_lines(process)
    )


def scrape(stack: Stack, token: str | None = METRICS_TOKEN) -> dict[tuple[str, tuple], float]:
    status, _headers, body = call(
        stack.proxy, "GET", "/metrics", **({"Authorization": f"Bearer {token}"} if token else {})
    )
    assert status == 200, body
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def test_metrics_from_two_gunicorn_workers_add_up_and_are_closed_to_the_outside(stack):
    customer = customer_with_password(stack)
    access = login(stack, customer.email, PASSWORD)["access"]
    key = ("hothour_grabs_total", (("code", "not_found"),))
    before = scrape(stack).get(key, 0)

    def missing_grab(_n: int) -> int:
        return call(stack.proxy, "POST", "/api/v1/reservations/", {"auction_id": 987654321}, access)[0]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(missing_grab, range(16)))

    assert answers == [404] * 16
    assert {scrape(stack)[key] for _ in range(6)} == {before + 16}  # every scrape, whichever worker
    per_process = [_grabs_in(path) for path in stack.metrics_dir.glob("counter_*.db")]
    assert len([count for count in per_process if count]) >= 2, "both gunicorn workers took grabs"
    assert call(stack.proxy, "GET", "/metrics")[0] == 403  # the client outside, though nginx is on loopback
    assert call(stack.proxy, "GET", "/metrics", Authorization="Bearer wrong")[0] == 403
    shown = [
        line
        for line in _metrics_text(stack).splitlines()
        if line.startswith(("hothour_grab", "hothour_tick"))
    ]
    sys.stdout.write("\n--- /metrics (grab and tick lines) ---\n" + "\n".join(shown) + "\n")


def _grabs_in(counter_file: Path) -> float:
    """Grabs counted by the one process that wrote `counter_file`."""
    families = MultiProcessCollector.merge([str(counter_file)])
    return sum(s.value for f in families for s in f.samples if s.name == "hothour_grabs_total")


def _metrics_text(stack: Stack) -> str:
    return call(stack.proxy, "GET", "/metrics", Authorization=f"Bearer {METRICS_TOKEN}")[2].decode()


def _link_token(stack: Stack, to: str, path: str) -> str:
    """The token in the last email to `to` whose link goes to `path`, as the customer would click it."""
    for raw in reversed(stack.mail.messages):
        message = email.message_from_string(raw)
        if to not in str(message["To"]):
            continue
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                text = payload.decode() if isinstance(payload, bytes) else str(payload)
                found = re.search(rf"/{path}\?token=([^\s\"'&<]+)", text)
                if found:
                    return urllib.parse.unquote(found.group(1))
    raise AssertionError(f"no {path} email to the customer yet")


def test_a_full_customer_run_leaves_no_personal_data_or_secret_in_any_log_line(stack):
    # given a whole customer journey through the proxy
    address, phone, name = "zeynep.kaya@example.net", "+905321234567", "Zeynep Kaya"
    new_password = "Another-pass-2026?"
    stack.secrets_used.update({address, name, PASSWORD, new_password, "5321234567"})
    registered = call(
        stack.proxy,
        "POST",
        "/api/v1/auth/register/",
        {"email": address, "password": PASSWORD, "full_name": name, "phone": phone, "gender": "FEMALE"},
    )
    assert registered[0] == 201, registered[2]
    verification = _wait_for_token(stack, address, "verify-email")
    assert call(stack.proxy, "POST", "/api/v1/auth/verify-email/", {"token": verification})[0] == 200
    tokens = login(stack, address, PASSWORD)
    auction = make_auction()
    status, _h, body = call(
        stack.proxy, "POST", "/api/v1/reservations/", {"auction_id": auction.pk}, tokens["access"]
    )
    assert status == 201, body
    reservation = json.loads(body)
    stack.secrets_used.add(reservation["booking_code"])
    cancelled = call(
        stack.proxy, "POST", f"/api/v1/reservations/{reservation['id']}/cancel/", {}, tokens["access"]
    )
    assert cancelled[0] == 200, cancelled[2]
    asyncio.run(_me_socket(stack, tokens["access"]))
    assert call(stack.proxy, "POST", "/api/v1/auth/password/reset/", {"email": address})[0] in (200, 202, 204)
    reset = _wait_for_token(stack, address, "reset-password")
    confirmed = call(
        stack.proxy,
        "POST",
        "/api/v1/auth/password/reset/confirm/",
        {"token": reset, "new_password": new_password},
    )
    assert confirmed[0] in (200, 204), confirmed[2]
    stack.secrets_used.update({verification, reset})
    login(stack, address, new_password)
    time.sleep(2)  # the workers' last lines

    # then no line of any process holds any of them
    leaks = [
        f"{process}: {secret[:6]}…"
        for process, text in stack.logs().items()
        for secret in stack.secrets_used
        if secret and secret in text
    ]
    assert leaks == []
    assert all(stack.logs()[name] for name in ("gunicorn", "daphne", "mail-worker", "nginx")), (
        "logs were written"
    )


def _wait_for_token(stack: Stack, to: str, path: str) -> str:
    wait_until(lambda: _link_token(stack, to, path), 30, f"the {path} email", every=0.3)
    return _link_token(stack, to, path)


async def _me_socket(stack: Stack, access: str) -> None:
    url = f"ws://127.0.0.1:{stack.proxy}/ws/me/"
    async with websockets.connect(
        url, origin=Origin(f"https://{HOST}"), subprotocols=[Subprotocol("hothour.jwt"), Subprotocol(access)]
    ) as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["event"] == "snapshot"
