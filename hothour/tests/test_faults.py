"""Fault tests: the real servers on private Redis and PostgreSQL instances that the tests break.

Each test starts its own services on free ports (a `redis-server`, a throwaway PostgreSQL
cluster), never the machine's shared ones, runs real traffic through gunicorn or Celery, kills or
restarts a service in the middle, and then checks the invariants: every request answered with a
JSON `code`, no reservation lost or duplicated, every auction in the state the pure price function
gives. Each prints a small table of what it saw (`pytest -s`).
"""

import asyncio
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pytest
import websockets
from celery import Celery
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.typing import Origin

from accounts.models import Gender, Studio, User
from accounts.tests.factories import StudioFactory
from auctions import lifecycle, pricing
from auctions.models import Auction, AuctionStatus, TickHeartbeat
from auctions.tests.factories import AuctionFactory
from hothour.tests.processes import Processes
from hothour.tests.processes import free_port as _free_port
from hothour.tests.processes import wait_until as _wait_until
from reservations.models import (
    Notification,
    NotificationKind,
    Reservation,
    ReservationStatus,
    Watch,
    WatchStatus,
)

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# A request slower than this counts as a hang.
REQUEST_TIMEOUT = 15.0
TICK_BATCH = 1000  # auctions_tick's default batch size


# --- processes and private services ------------------------------------------------------------


def _missing(what: str) -> NoReturn:
    """Skipped on a developer's machine without it; in CI (CI=true) a missing tool fails the run."""
    if os.environ.get("CI"):
        pytest.fail(f"{what}: the fault tests cannot run, and CI must run them")
    pytest.skip(what)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        _missing(f"{name} is not installed")
    return found


class PrivateRedis:
    """A redis-server of our own, on its own port, without persistence."""

    def __init__(self, processes: Processes) -> None:
        self.processes = processes
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [_tool("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        command += ["--dir", str(self.processes.log_dir)]
        self.processes.start("redis", command)
        _wait_until(self.ping, 10, "redis-server")

    def kill(self) -> None:
        self.processes.kill("redis")

    def ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")


def _postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not versions:
        _missing("no PostgreSQL server binaries under /usr/lib/postgresql")
    return versions[-1].parent


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in a temporary directory, on its own port.

    initdb and pg_ctl refuse to run as root (the CI runs tests as root): then they run as the
    `postgres` OS user, which owns the directory.
    """

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.as_user: list[str] = []
        owner: tuple[int, int] | None = None
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                _missing("running as root and there is no `postgres` OS user for initdb")
            self.as_user = [_tool("runuser"), "-u", "postgres", "--"]
            owner = (account.pw_uid, account.pw_gid)
        self.port = _free_port()
        # Not under pytest's tmp_path: the postgres user must be able to reach it, and the socket
        # path must stay short.
        self.dir = Path(tempfile.mkdtemp(prefix="hothour-fault-pg-"))
        if owner is not None:
            os.chown(self.dir, *owner)
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.url_base = f"postgres://postgres@127.0.0.1:{self.port}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(  # noqa: S603 - the cluster's own binaries
            [*self.as_user, *args], check=True, capture_output=True, timeout=timeout
        )

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N")

    def start(self) -> None:
        # fsync off: a throwaway cluster, and fast shutdowns still write everything out.
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg_ctl = str(self.bin / "pg_ctl")
        self._run(pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self, name: str) -> str:
        with psycopg.connect(f"{self.url_base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"{self.url_base}/{name}"

    def destroy(self) -> None:
        with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def _test_database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _app_environment(*, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hothour.settings.base",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CHANNEL_LAYER_PREFIX": f"fault-{os.getpid()}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "THROTTLE_GRAB": "1000000/min",
        "THROTTLE_GRAB_IP": "1000000/min",
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_MAX_SIZE": "4",
        "LOG_LEVEL": "INFO",
        **extra,
    }


def _gunicorn(port: int) -> list[str]:
    return [
        str(BIN / "gunicorn"), "hothour.wsgi:application", "-k", "gthread", "-w", "2", "--threads", "4",
        "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", "--timeout", "60",
        # Its default control socket is one path per OS user, shared by every gunicorn on the machine.
        "--no-control-socket",
    ]  # fmt: skip


def _daphne(port: int) -> list[str]:
    return [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "hothour.asgi:application"]


def _celery(*args: str) -> list[str]:
    return [str(BIN / "celery"), "-A", "hothour", *args]


# A tick worker as the fault tests start it (solo pool, so a kill stops the tick itself).
TICK_WORKER = _celery("worker", "--pool", "solo", "--loglevel", "info", "--without-heartbeat")


def _http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _health_status(url: str) -> str:
    """The "status" in the health body (ok, degraded, unavailable), or "no answer"."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(json.load(response)["status"])
    except urllib.error.HTTPError as error:
        return str(json.load(error).get("status", error.code))
    except OSError:
        return "no answer"


@dataclass(frozen=True)
class Answer503:
    status: int | None
    retry_after: str | None
    body: str


def _answer(url: str, headers: dict[str, str]) -> Answer503:
    """Status, Retry-After and body of a GET, whatever the status; status None without an answer."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return Answer503(response.status, response.headers.get("Retry-After"), response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer503(error.code, error.headers.get("Retry-After"), error.read().decode())
    except OSError:
        return Answer503(None, None, "")


# While the database is down, every kind of page must say so quickly: DRF's handler (the API),
# the middleware (the admin of a signed-in manager, whose session is read from the database)
# and the health check.
DATABASE_DOWN_PROBES = {
    "api": ("/api/v1/studios/", {}),
    "admin": ("/admin/", {"Cookie": "sessionid=a-signed-in-managers-session"}),
    "health": ("/api/v1/health/", {}),
}


def _print_table(title: str, rows: list[tuple[str, object]]) -> None:
    width = max(len(name) for name, _ in rows)
    lines = [f"| {name.ljust(width)} | {value} |" for name, value in rows]
    print(f"\n{title}\n" + "\n".join(lines), flush=True)


# --- grabs over HTTP ---------------------------------------------------------------------------


@dataclass
class Answer:
    index: int
    auction_id: int
    started: float
    finished: float
    status: int | None = None
    code: str | None = None
    booking_code: str | None = None
    replayed: bool = False
    error: str | None = None

    @property
    def label(self) -> str:
        if self.status is None:
            return f"no answer ({self.error})"
        if self.status == 201:
            return "201"
        return f"{self.status} {self.code or '(not JSON / no code)'}"


def post_grab(base_url: str, token: str, auction_id: int, key: str, index: int = 0) -> Answer:
    request = urllib.request.Request(
        f"{base_url}/api/v1/reservations/",
        data=json.dumps({"auction_id": auction_id}).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept-Language": "en",
            "Idempotency-Key": key,
        },
        method="POST",
    )
    answer = Answer(index=index, auction_id=auction_id, started=time.monotonic(), finished=0)
    try:
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                status, body, headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, body, headers = error.code, error.read(), error.headers
    except OSError as exc:
        answer.error = exc.__class__.__name__
    else:
        answer.status = status
        answer.replayed = headers.get("Idempotent-Replayed") == "true"
        if headers.get("Content-Type", "").startswith("application/json"):
            data = json.loads(body)
            answer.code = data.get("code")
            answer.booking_code = data.get("booking_code")
    answer.finished = time.monotonic()
    return answer


@dataclass
class Stream:
    answers: list[Answer]
    # fault name -> (monotonic instant it began, instant it was over)
    marks: dict[str, tuple[float, float]] = field(default_factory=dict)


def run_grab_stream(
    base_url: str,
    grabs: list[tuple[str, int]],
    *,
    seconds: float,
    faults: list[tuple[float, str, Callable[[], None]]],
) -> Stream:
    """Fire one grab per (token, auction) evenly over `seconds`; run each fault at its fraction."""
    spacing = seconds / len(grabs)
    started = time.monotonic()

    def fire(index: int, token: str, auction_id: int) -> Answer:
        time.sleep(max(0.0, started + index * spacing - time.monotonic()))
        return post_grab(base_url, token, auction_id, key=f"fault-grab-{index}", index=index)

    stream = Stream(answers=[])
    with ThreadPoolExecutor(max_workers=48) as pool:
        futures = [pool.submit(fire, i, token, auction_id) for i, (token, auction_id) in enumerate(grabs)]
        for fraction, name, action in faults:
            time.sleep(max(0.0, started + fraction * seconds - time.monotonic()))
            began = time.monotonic()
            action()
            stream.marks[name] = (began, time.monotonic())
        stream.answers = [future.result() for future in futures]
    return stream


def retry_unanswered(base_url: str, grabs: list[tuple[str, int]], stream: Stream) -> list[Answer]:
    """A client that got 503 or no answer tries again with the same Idempotency-Key."""
    retries = []
    for answer in stream.answers:
        if answer.status is None or answer.status >= 500:
            token, auction_id = grabs[answer.index]
            retries.append(post_grab(base_url, token, auction_id, f"fault-grab-{answer.index}", answer.index))
    return retries


def seed_grab_scenario(count: int) -> dict[str, Any]:
    """`count` verified customers and as many ACTIVE auctions, and each customer's access token.

    Also called in a subprocess against the private PostgreSQL (see the PostgreSQL test), so it
    writes rows directly (no password hashing, no broadcasts).
    """
    studio = Studio.objects.create(name=f"Fault studio {time.time_ns()}", address="Moda Cad. 1")
    stamp = time.time_ns()
    customers = User.objects.bulk_create(
        [
            User(
                email=f"fault{stamp}-{i}@example.com",
                full_name=f"Fault customer {i}",
                gender=Gender.FEMALE,
                is_verified=True,
                password=make_password(None),
            )
            for i in range(count)
        ]
    )
    auctions = Auction.objects.bulk_create(AuctionFactory.build_batch(count, studio=studio))
    return {
        "grabs": [
            [str(RefreshToken.for_user(user).access_token), auction.pk]
            for user, auction in zip(customers, auctions, strict=True)
        ],
        "auction_ids": [auction.pk for auction in auctions],
    }


def grab_outcome(auction_ids: list[int]) -> dict[str, Any]:
    """What the database holds for these auctions (JSON-friendly, see `seed_grab_scenario`)."""
    return {
        "reservations": [
            list(row)
            for row in Reservation.objects.filter(auction_id__in=auction_ids).values_list(
                "booking_code", "auction_id", "status"
            )
        ],
        "auction_status": {
            str(pk): status
            for pk, status in Auction.objects.filter(pk__in=auction_ids).values_list("pk", "status")
        },
    }


@dataclass
class Bookkeeping:
    lost: list[str]  # answered 201, not in the database
    unanswered: list[str]  # in the database, never answered 201 (before the retries)
    duplicated: list[int]  # auctions with more than one live reservation
    impossible: list[int]  # SOLD without exactly one live reservation, or the other way round


def check_books(answers: list[Answer], outcome: dict[str, Any]) -> Bookkeeping:
    answered = {a.booking_code for a in answers if a.status == 201}
    stored = {code for code, _, _ in outcome["reservations"]}
    live = Counter(
        auction_id
        for _, auction_id, status in outcome["reservations"]
        if status != ReservationStatus.CANCELLED
    )
    statuses = {int(pk): status for pk, status in outcome["auction_status"].items()}
    return Bookkeeping(
        lost=sorted(str(code) for code in answered - stored),
        unanswered=sorted(stored - answered),
        duplicated=sorted(pk for pk, n in live.items() if n > 1),
        impossible=sorted(
            pk for pk, status in statuses.items() if (status == AuctionStatus.SOLD) != (live[pk] == 1)
        ),
    )


def answers_between(answers: list[Answer], begin: float, end: float) -> list[Answer]:
    """Requests sent and answered entirely inside [begin, end]."""
    return [a for a in answers if a.started >= begin and a.finished <= end]


def _latency(answers: list[Answer]) -> str:
    if not answers:
        return "-"
    spans = sorted(a.finished - a.started for a in answers)
    return f"p50 {spans[len(spans) // 2]:.2f}s, max {spans[-1]:.2f}s"


def _by_label(answers: list[Answer]) -> str:
    return ", ".join(f"{label}: {n}" for label, n in sorted(Counter(a.label for a in answers).items()))


def _by_phase(answers: list[Answer], begin: float, end: float, show: Callable[[list[Answer]], str]) -> str:
    """`show` of the requests sent before `begin`, between `begin` and `end`, and after `end`."""
    phases = (
        [a for a in answers if a.started < begin],
        [a for a in answers if begin <= a.started < end],
        [a for a in answers if a.started >= end],
    )
    return " | ".join(show(phase) or "none" for phase in phases)


# --- WebSocket listener -----------------------------------------------------------------------


class Listener:
    """A WebSocket client in a thread of its own, keeping every event it receives (no reconnect)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.closed: str | None = None
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._listen()), daemon=True)

    def __enter__(self) -> "Listener":
        self._thread.start()
        assert self.connected.wait(15), f"no snapshot from {self.url}"
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    async def _listen(self) -> None:
        try:
            async with websockets.connect(self.url, origin=Origin("http://localhost"), max_size=None) as ws:
                while not self._stop.is_set():
                    try:
                        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=0.2))
                    except TimeoutError:
                        continue
                    if message["event"] == "snapshot":
                        self.connected.set()
                    else:
                        self.events.append((time.monotonic(), message))
        except Exception as exc:
            self.closed = exc.__class__.__name__

    def sold(self, auction_id: int) -> bool:
        return any(
            m["event"] == "auction_updated"
            and m["data"]["id"] == auction_id
            and m["data"]["status"] == AuctionStatus.SOLD
            for _, m in self.events
        )


def first_frame(url: str, timeout: float = 12.0) -> str:
    """How a fresh WebSocket client fares: its first event, or how the connection ended, and when."""

    async def connect() -> str:
        async with websockets.connect(url, origin=Origin("http://localhost"), open_timeout=timeout) as ws:
            return str(json.loads(await asyncio.wait_for(ws.recv(), timeout=timeout))["event"])

    started = time.monotonic()
    try:
        outcome = asyncio.run(connect())
    except Exception as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        outcome = exc.__class__.__name__ + (f" (HTTP {status})" if status else "")
    return f"{outcome} after {time.monotonic() - started:.1f}s"


# --- 1. Redis killed during a stream of grabs ----------------------------------------------------

GRABS_REDIS = 90
# core.effects logs this when an after-commit effect (here: queuing an email) fails.
DROPPED_EFFECT = "after-commit effect Task.delay failed"
STREAM_SECONDS = 7.5


def test_grabs_keep_working_while_redis_is_down_and_live_updates_come_back(tmp_path):
    # given customers and as many open auctions, one spare for after the fault
    seeded = seed_grab_scenario(GRABS_REDIS + 1)
    grabs = [(token, auction_id) for token, auction_id in seeded["grabs"]]
    spare_token, spare_auction = grabs.pop()
    http_port, ws_port = _free_port(), _free_port()
    base_url = f"http://127.0.0.1:{http_port}"

    with Processes(tmp_path) as processes:
        redis = PrivateRedis(processes)
        redis.start()
        env = _app_environment(database_url=_test_database_url(), redis_url=redis.url)
        processes.start("gunicorn", _gunicorn(http_port), env)
        processes.start("daphne", _daphne(ws_port), env)
        health = f"{base_url}/api/v1/health/"
        _wait_until(lambda: _http_status(health) == 200, 30, "gunicorn healthy")
        _wait_until(lambda: _http_status(f"http://127.0.0.1:{ws_port}/api/v1/health/") == 200, 30, "daphne")

        # a WebSocket client that was already watching before Redis went away
        with Listener(f"ws://127.0.0.1:{ws_port}/ws/auctions/") as before:
            # when Redis is killed a third of the way through the grabs and back at two thirds
            # (meanwhile the health endpoint is asked and a new WebSocket client connects)
            outage_health = []
            outage_ws = []
            ws_probe = threading.Thread(
                target=lambda: outage_ws.append(first_frame(f"ws://127.0.0.1:{ws_port}/ws/auctions/"))
            )
            stream = run_grab_stream(
                base_url,
                grabs,
                seconds=STREAM_SECONDS,
                faults=[
                    (1 / 3, "redis killed", redis.kill),
                    (0.4, "health asked", lambda: outage_health.append(_health_status(health))),
                    (0.4, "new WebSocket client", ws_probe.start),
                    (2 / 3, "redis back", redis.start),
                ],
            )
            back = stream.marks["redis back"][1]
            ws_probe.join()
            _wait_until(lambda: _health_status(health) == "ok", 20, "health ok after Redis returned")
            health_recovered = time.monotonic() - back
            # a sale after Redis returned is broadcast: to the earlier client and to a new one
            with Listener(f"ws://127.0.0.1:{ws_port}/ws/auctions/{spare_auction}/") as after:
                spare = post_grab(base_url, spare_token, spare_auction, key="fault-spare")
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and not (
                    after.sold(spare_auction) and before.sold(spare_auction)
                ):
                    time.sleep(0.1)
        gunicorn_log = processes.log("gunicorn")

    # then
    answers = stream.answers
    killed = stream.marks["redis killed"][1]
    restarted = stream.marks["redis back"][0]
    during = answers_between(answers, killed, restarted)
    health_seconds = stream.marks["health asked"][1] - stream.marks["health asked"][0]
    books = check_books([*answers, spare], grab_outcome(seeded["auction_ids"]))
    broadcast_to = (
        f"new WS client: {after.sold(spare_auction)}, WS client from before the outage: "
        f"{before.sold(spare_auction)} ({before.closed or 'still open'})"
    )
    _print_table(
        "FAULT 1: Redis killed during a stream of grabs (gunicorn gthread 2x4, test PostgreSQL)",
        [
            ("fault", f"kill -9 redis-server at 1/3 of {STREAM_SECONDS}s, restarted at 2/3"),
            ("grab requests", len(answers)),
            ("answers", _by_label(answers)),
            ("answered entirely during the outage", f"{len(during)} ({_by_label(during) or 'none'})"),
            (
                "latency of grabs sent before | during | after",
                _by_phase(answers, killed, restarted, _latency),
            ),
            ("health during the outage (200)", f"{outage_health[0]} in {health_seconds:.2f}s"),
            ("WebSocket client connecting during the outage", outage_ws[0]),
            ("health ok again after Redis returned", f"{health_recovered:.1f}s"),
            ("grab after the return broadcast to", broadcast_to),
            ("reservations lost / duplicated", f"{len(books.lost)} / {len(books.duplicated)}"),
            ("reservations without a 201", len(books.unanswered)),
            ("auctions in an impossible state", len(books.impossible)),
            ("after-commit Celery sends dropped (emails)", gunicorn_log.count(DROPPED_EFFECT)),
        ],
    )
    assert [a for a in answers if a.status is None] == [], "a request got no answer"
    assert all(a.status == 201 for a in answers), _by_label(answers)
    assert during, "no grab was sent and answered while Redis was down"
    assert all(a.status == 201 for a in during), "grabs must keep working without Redis"
    assert spare.status == 201
    assert outage_health == ["degraded"], "health must name Redis and keep answering 200"
    assert "Timeout" not in outage_ws[0], "a WebSocket handshake hung while Redis was down"
    assert books == Bookkeeping(lost=[], unanswered=[], duplicated=[], impossible=[])
    assert "Internal Server Error" not in gunicorn_log, "a request failed with a 500"
    assert after.sold(spare_auction), "a WebSocket client connected after the outage got no broadcast"
    assert before.sold(spare_auction), "a WebSocket client connected before the outage got no broadcast"


# --- 2. PostgreSQL restarted during a stream of grabs --------------------------------------------

GRABS_POSTGRES = 120
POSTGRES_STREAM_SECONDS = 10.0
POSTGRES_DOWN_SECONDS = 2.0
QUIET_GRABS = 16


def _call_in_subprocess(env: dict[str, str], function: str, *args: object) -> Any:
    """`function` of this module called in a child process with Django set up (on `env`'s database)."""
    script = (
        "import django, json\ndjango.setup()\n"
        f"from hothour.tests.test_faults import {function}\nprint(json.dumps({function}(*{args!r})))"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_grabs_survive_a_postgresql_restart_without_losing_or_doubling_a_reservation(tmp_path):
    postgres = PrivatePostgres()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    try:
        # given a private cluster, migrated and seeded, behind gunicorn
        postgres.init()
        postgres.start()
        database_url = postgres.create_database("hothour_fault")
        with Processes(tmp_path) as processes:
            redis = PrivateRedis(processes)
            redis.start()
            env = _app_environment(database_url=database_url, redis_url=redis.url)
            migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]
            subprocess.run(migrate, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)  # noqa: S603
            seeded = _call_in_subprocess(env, "seed_grab_scenario", GRABS_POSTGRES + QUIET_GRABS)
            grabs = [(token, auction_id) for token, auction_id in seeded["grabs"]]
            quiet_grabs = [grabs.pop() for _ in range(QUIET_GRABS)]
            processes.start("gunicorn", _gunicorn(port), env)
            _wait_until(lambda: _http_status(f"{base_url}/api/v1/health/") == 200, 30, "gunicorn healthy")

            def restart() -> None:
                postgres.stop("fast")
                time.sleep(POSTGRES_DOWN_SECONDS)
                postgres.start()

            # when PostgreSQL is stopped (fast: sessions killed) 40% of the way through, and started again
            stream = run_grab_stream(
                base_url, grabs, seconds=POSTGRES_STREAM_SECONDS, faults=[(0.4, "postgres restart", restart)]
            )
            # and a client whose grab got no definite answer retries it with the same Idempotency-Key
            retries = retry_unanswered(base_url, grabs, stream)
            # and PostgreSQL restarts again while nobody grabs (the API, the admin and health are
            # asked meanwhile); then grabs arrive once it is up
            postgres.stop("fast")
            down_answers = {
                name: _answer(base_url + path, headers)
                for name, (path, headers) in DATABASE_DOWN_PROBES.items()
            }
            postgres.start()
            with ThreadPoolExecutor(max_workers=8) as pool:
                quiet = list(
                    pool.map(lambda g: post_grab(base_url, g[0], g[1], f"quiet-{g[1]}"), quiet_grabs)
                )
            outcome = _call_in_subprocess(env, "grab_outcome", seeded["auction_ids"])
            gunicorn_log = processes.log("gunicorn")
    finally:
        postgres.destroy()

    # then
    answers = stream.answers
    down, up = stream.marks["postgres restart"]
    after = [a for a in answers if a.started >= up]
    first = check_books(answers, outcome)
    final_answers = [a for a in answers if a.status == 201] + retries + quiet
    final = check_books(final_answers, outcome)
    committed_but_503 = [r for r in retries if r.replayed]
    fault = f"pg_ctl stop -m fast at 40% of {POSTGRES_STREAM_SECONDS}s; start {POSTGRES_DOWN_SECONDS}s later"
    _print_table(
        "FAULT 2: PostgreSQL restarted during a stream of grabs (private cluster, gunicorn gthread 2x4)",
        [
            ("fault", fault),
            ("grab requests", len(answers)),
            ("answers", _by_label(answers)),
            ("answers to grabs sent before | during | after", _by_phase(answers, down, up, _by_label)),
            ("slowest answer", f"{max(a.finished - a.started for a in answers):.2f}s"),
            ("retries (same Idempotency-Key)", f"{len(retries)}: {_by_label(retries) or 'none'}"),
            ("503 although committed (replayed on retry)", len(committed_but_503)),
            ("grabs after a quiet restart (database up)", _by_label(quiet)),
            ("reservations lost / duplicated", f"{len(final.lost)} / {len(final.duplicated)}"),
            ("reservations without any 201", len(final.unanswered)),
            ("auctions in an impossible state", len(final.impossible)),
        ],
    )
    # the database being down is answered as such, on the API, the admin and health alike
    assert {name: answer.status for name, answer in down_answers.items()} == dict.fromkeys(
        DATABASE_DOWN_PROBES, 503
    ), down_answers
    assert json.loads(down_answers["api"].body)["code"] == "service_unavailable"
    assert json.loads(down_answers["health"].body)["status"] == "unavailable"
    assert down_answers["api"].retry_after == down_answers["admin"].retry_after == "5"
    assert [a for a in answers if a.status is None] == [], "a request got no answer (or hung)"
    allowed = {"201", "409 auction_sold", "409 auction_not_active", "503 service_unavailable"}
    assert {a.label for a in answers} <= allowed, _by_label(answers)
    assert any(a.status == 201 for a in after), "no grab succeeded after PostgreSQL came back"
    assert all(a.status == 201 for a in retries), _by_label(retries)
    assert (first.lost, first.duplicated, first.impossible) == ([], [], [])
    assert final == Bookkeeping(lost=[], unanswered=[], duplicated=[], impossible=[])
    assert all(a.status == 201 for a in quiet), "a database that is up again answered 503"
    assert "Internal Server Error" not in gunicorn_log, "a request failed with a 500"


# --- 3. The Celery worker killed in the middle of a tick -----------------------------------------

TICK_AUCTIONS = 3000


def due_auctions(studio: Studio, count: int, now: datetime) -> list[Auction]:
    """`count` auctions due at `now`, consistent as seen a little earlier: by thirds, a price step
    (opened 61 min ago, steps hourly), a close (closed a minute ago) and an opening (30 s ago)."""
    rows = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            start, status = now - timedelta(minutes=61), AuctionStatus.ACTIVE
            seen_at = start + timedelta(minutes=59)
        elif kind == 1:
            start, status = now - timedelta(minutes=121), AuctionStatus.ACTIVE
            seen_at = start + timedelta(minutes=119)
        else:
            start, status = now - timedelta(seconds=30), AuctionStatus.SCHEDULED
            seen_at = start - timedelta(minutes=1)
        auction = Auction(
            studio=studio,
            title=f"Fault tick {i}",
            start_price=Decimal("500.00"),
            floor_price=Decimal("100.00"),
            drop_amount=Decimal("50.00"),
            drop_interval_mins=60,
            start_time=start,
            end_time=start + timedelta(minutes=120),
            scheduled_at=start + timedelta(minutes=180),
            status=status,
        )
        price_settings = pricing.PriceSettings.of(auction)
        auction.current_price = pricing.price_at(price_settings, seen_at)
        auction.next_change_at = lifecycle.next_change_at(status, price_settings, seen_at)
        assert auction.next_change_at is not None
        assert auction.next_change_at <= now
        rows.append(auction)
    return rows


@dataclass(frozen=True)
class Seen:
    status: str
    current_price: Decimal
    next_change_at: datetime | None


def seen(auction: Auction) -> Seen:
    return Seen(auction.status, auction.current_price, auction.next_change_at)


def expected_at(initial: Auction, t: datetime) -> Seen:
    """What the pure functions say `initial` (as created) has become at `t`."""
    price_settings = pricing.PriceSettings.of(initial)
    status = lifecycle.status_at(initial.status, price_settings, t)
    return Seen(
        status, pricing.price_at(price_settings, t), lifecycle.next_change_at(status, price_settings, t)
    )


def _worker_ready(processes: Processes, name: str) -> Callable[[], bool]:
    return lambda: " ready." in processes.log(name)


def send_tick(redis_url: str) -> None:
    """What beat does: queue `auctions.tasks.tick` on the broker."""
    # Not set as the current app: shared tasks (the emails) would follow it to this broker.
    with Celery(broker=redis_url, set_as_current=False) as app:
        app.send_task("auctions.tasks.tick")


def _tick_progress(pending_before: datetime) -> tuple[int, list[int]]:
    """(auctions the tick has committed, backends of other sessions inside a writing transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM auctions_auction"
            "        WHERE next_change_at IS NULL OR next_change_at > %s),"
            "       (SELECT coalesce(array_agg(pid), '{}') FROM pg_stat_activity"
            "        WHERE datname = current_database() AND pid <> pg_backend_pid()"
            "          AND backend_xid IS NOT NULL)",
            [pending_before],
        )
        done, writers = cursor.fetchone()
    return done, list(writers)


def _backends_gone(pids: list[int]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
        return cursor.fetchone()[0] == 0


def _kill_the_worker_between_batches(
    processes: "Processes",
    env: dict[str, str],
    broker: str,
    *,
    node: str,
    now: datetime,
    total: int,
    seconds: float,
) -> int:
    """Start worker-1, send it a tick and kill -9 it once the tick has committed a batch and is
    writing another; return how many rows were committed by then."""
    processes.start("worker-1", [*TICK_WORKER, "-n", node], env)
    _wait_until(_worker_ready(processes, "worker-1"), 30, "the first worker")
    send_tick(broker)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, writers = _tick_progress(now)
        if TICK_BATCH <= done < total and writers:
            break
        time.sleep(0.002)
    else:
        pytest.fail(f"never saw the tick between batches (committed {done})")
    processes.kill("worker-1")
    _wait_until(lambda: _backends_gone(writers), 15, "the killed worker's session to end")
    return done


def test_a_worker_killed_mid_tick_leaves_no_half_applied_batch_and_the_next_tick_completes(tmp_path):
    # given thousands of auctions due now, so one tick takes several batches
    now = timezone.now()
    studio = StudioFactory.create()
    Auction.objects.bulk_create(due_auctions(studio, TICK_AUCTIONS, now), batch_size=1000)
    initial = {auction.pk: auction for auction in Auction.objects.filter(studio=studio)}
    assert not TickHeartbeat.objects.exists()

    with Processes(tmp_path) as processes:
        redis = PrivateRedis(processes)
        redis.start()
        env = _app_environment(database_url=_test_database_url(), redis_url=redis.url)
        # when the worker is killed once the tick has committed a batch and is inside another
        committed_at_kill = _kill_the_worker_between_batches(
            processes, env, redis.url, node="fault1@%h", now=now, total=TICK_AUCTIONS, seconds=30
        )
        after_kill = {a.pk: a for a in Auction.objects.filter(studio=studio)}
        heartbeat_after_kill = TickHeartbeat.objects.first()

        # and a new worker runs the next tick
        processes.start("worker-2", [*TICK_WORKER, "-n", "fault2@%h"], env)
        _wait_until(_worker_ready(processes, "worker-2"), 30, "the second worker")
        send_tick(redis.url)
        _wait_until(TickHeartbeat.objects.exists, 30, "the second tick to finish")
    worker_logs = processes.log("worker-1") + processes.log("worker-2")

    # then
    heartbeat = TickHeartbeat.objects.get()
    final = {a.pk: a for a in Auction.objects.filter(studio=studio)}
    killed_tick = {a.updated_at for a in after_kill.values() if seen(a) != seen(initial[a.pk])}
    processed_by_killed = len([a for a in after_kill.values() if seen(a) != seen(initial[a.pk])])
    half_applied = [
        pk
        for pk, a in after_kill.items()
        if seen(a) != seen(initial[pk]) and seen(a) != expected_at(initial[pk], a.updated_at)
    ]
    wrong_at_own_tick = [pk for pk, a in final.items() if seen(a) != expected_at(initial[pk], a.updated_at)]
    wrong_now = [pk for pk, a in final.items() if seen(a) != expected_at(initial[pk], heartbeat.last_tick_at)]
    ticks_seen = {a.updated_at for a in final.values()}
    wrong_own = len(wrong_at_own_tick)
    _print_table(
        "FAULT 3: Celery worker (solo) killed -9 in the middle of a tick (private Redis, test PostgreSQL)",
        [
            ("auctions due (price step / close / opening)", f"{TICK_AUCTIONS} ({TICK_AUCTIONS // 3} each)"),
            (
                "committed by the killed tick",
                f"{processed_by_killed} (whole batches of {TICK_BATCH}: {processed_by_killed // TICK_BATCH}; "
                f"{committed_at_kill} seen at the kill)",
            ),
            ("rows half-applied after the kill", len(half_applied)),
            ("killed tick wrote a heartbeat", heartbeat_after_kill is not None),
            ("processed by the next tick (heartbeat)", heartbeat.last_processed),
            ("auctions not at the price function", f"{len(wrong_now)} (at their own tick: {wrong_own})"),
            ("tick instants in the final rows", len(ticks_seen)),
        ],
    )
    assert 0 < processed_by_killed < TICK_AUCTIONS, "the kill did not land in the middle of the tick"
    assert processed_by_killed % TICK_BATCH == 0, "a partial batch was committed"
    assert len(killed_tick) == 1
    assert half_applied == []
    assert heartbeat_after_kill is None
    assert heartbeat.last_processed == TICK_AUCTIONS - processed_by_killed, "an auction was processed twice"
    assert wrong_now == []
    assert wrong_at_own_tick == []
    assert ticks_seen == killed_tick | {heartbeat.last_tick_at}
    assert "ERROR" not in processes.log("worker-2")
    assert re.search(r"auctions\.tasks\.tick\[[^\]]+\] succeeded", worker_logs)


# --- 4. Two Celery beats running at once -------------------------------------------------------

# Auctions stepping at each of 4 consecutive seconds; the first group is big enough that its tick
# outlasts the tick interval, so the next tick runs beside it (the worker has two processes).
STEP_GROUP_SIZES = (4000, 300, 300, 300)
# Celery's own line for a finished sweep or on-time step (both apply due changes), in the
# project's plain log format (core.logs).
TICK_LINE = re.compile(
    r"(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+) INFO celery\.app\.trace \[[^\]]*\] "
    r"Task auctions\.tasks\.(?:tick|step)\[[^\]]+\] succeeded in (?P<seconds>[\d.e-]+)s: (?P<processed>\d+)"
)


def stepping_auctions(studio: Studio, first_step: datetime) -> list[Auction]:
    """ACTIVE auctions dropping 50.00 every minute whose next step falls at one of the coming seconds."""
    rows = []
    for group, size in enumerate(STEP_GROUP_SIZES):
        step_at = first_step + timedelta(seconds=group)
        start = step_at - timedelta(minutes=1)
        for i in range(size):
            auction = Auction(
                studio=studio,
                title=f"Two beats {group}-{i}",
                start_price=Decimal("500.00"),
                floor_price=Decimal("100.00"),
                drop_amount=Decimal("50.00"),
                drop_interval_mins=1,
                start_time=start,
                end_time=start + timedelta(minutes=30),
                scheduled_at=start + timedelta(minutes=90),
                status=AuctionStatus.ACTIVE,
                current_price=Decimal("500.00"),
                next_change_at=step_at,
            )
            assert seen(auction) == expected_at(auction, step_at - timedelta(microseconds=1))
            rows.append(auction)
    return rows


def _overlapping_ticks(worker_log: str) -> tuple[int, int]:
    """Pairs of ticks that ran at the same time: all of them, and those where both changed auctions."""
    spans = []
    for match in TICK_LINE.finditer(worker_log):
        ended = datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S,%f")  # noqa: DTZ007 - one log's clock
        spans.append((ended - timedelta(seconds=float(match["seconds"])), ended, int(match["processed"])))
    pairs = [(a, b) for i, a in enumerate(spans) for b in spans[i + 1 :] if a[0] < b[1] and b[0] < a[1]]
    return len(pairs), len([(a, b) for a, b in pairs if a[2] and b[2]])


def test_two_beats_at_once_never_process_an_auction_twice(tmp_path):
    studio = StudioFactory.create()
    ws_port = _free_port()
    with Processes(tmp_path) as processes:
        # given the production shape on a private Redis: daphne, a worker pool of 2, and TWO beats
        redis = PrivateRedis(processes)
        redis.start()
        env = _app_environment(
            database_url=_test_database_url(), redis_url=redis.url, HOTHOUR_TICK_SECONDS="1"
        )
        processes.start("daphne", _daphne(ws_port), env)
        processes.start("worker", _celery("worker", "--concurrency", "2", "--loglevel", "info"), env)
        _wait_until(lambda: _http_status(f"http://127.0.0.1:{ws_port}/api/v1/health/") == 200, 30, "daphne")
        _wait_until(_worker_ready(processes, "worker"), 30, "the worker")
        with Listener(f"ws://127.0.0.1:{ws_port}/ws/auctions/") as listener:
            for beat in ("beat-a", "beat-b"):
                schedule = str(tmp_path / f"{beat}-schedule")
                processes.start(beat, _celery("beat", "--loglevel", "info", "--schedule", schedule), env)
            for beat in ("beat-a", "beat-b"):
                _wait_until(lambda b=beat: "Sending due task auctions-tick" in processes.log(b), 30, beat)

            # when auctions step during the next seconds while both beats send ticks
            first_step = timezone.now() + timedelta(seconds=2)
            Auction.objects.bulk_create(stepping_auctions(studio, first_step))
            initial = {a.pk: a for a in Auction.objects.filter(studio=studio)}
            last_step = first_step + timedelta(seconds=len(STEP_GROUP_SIZES) - 1)
            _wait_until(
                lambda: not Auction.objects.filter(studio=studio, next_change_at__lte=last_step).exists(),
                30,
                "every step to be ticked",
            )
            time.sleep(2)  # more ticks from both beats, with nothing due
            for beat in ("beat-b", "beat-a"):
                processes.stop(beat)
            time.sleep(1.5)  # ticks already queued run; their broadcasts arrive
        checked_at = timezone.now()
    worker_log = processes.log("worker")
    beat_sends = [processes.log(b).count("Sending due task auctions-tick") for b in ("beat-a", "beat-b")]

    # then
    final = {a.pk: a for a in Auction.objects.filter(studio=studio)}
    heartbeat = TickHeartbeat.objects.get()
    price_updates = Counter(
        m["data"]["auction_id"] for _, m in listener.events if m["event"] == "price_update"
    )
    wrong_prices = [
        m["data"]["auction_id"]
        for _, m in listener.events
        if m["event"] == "price_update" and m["data"]["current_price"] != "450.00"
    ]
    other_events = Counter(m["event"] for _, m in listener.events if m["event"] != "price_update")
    ticks = [int(match["processed"]) for match in TICK_LINE.finditer(worker_log)]
    wrong_state = [pk for pk, a in final.items() if seen(a) != expected_at(initial[pk], checked_at)]
    early = [pk for pk, a in final.items() if a.updated_at < initial[pk].next_change_at]
    twice = sorted(pk for pk, n in price_updates.items() if n > 1)
    overlapping, contended = _overlapping_ticks(worker_log)
    missed = sorted(set(initial) - set(price_updates))
    _print_table(
        "FAULT 4: two Celery beats at once (HOTHOUR_TICK_SECONDS=1, worker prefork x2, private Redis)",
        [
            ("auctions stepping", f"{len(initial)} (at 4 consecutive seconds: {STEP_GROUP_SIZES})"),
            ("ticks sent by beat A / beat B", " / ".join(map(str, beat_sends))),
            (
                "ticks run by the worker",
                f"{len(ticks)} (pairs at the same time: {overlapping}, both changing auctions: {contended})",
            ),
            ("auctions processed (sum over ticks)", sum(ticks)),
            ("price_update events on /ws/auctions/", sum(price_updates.values())),
            ("auctions updated twice / never", f"{len(twice)} / {len(missed)}"),
            ("other events", dict(other_events) or "none"),
            ("auctions not at the price function", len(wrong_state)),
        ],
    )
    assert min(beat_sends) >= 3, "both beats must have been sending ticks"
    assert contended > 0, "no two ticks changed auctions at the same time: this run proved nothing"
    assert sum(ticks) == len(initial), "an auction was processed twice (or never)"
    assert (twice, missed, wrong_prices) == ([], [], [])
    assert (wrong_state, early) == ([], [])
    assert heartbeat.last_tick_at >= last_step
    assert "ERROR" not in worker_log
    assert "Traceback" not in worker_log
    assert listener.closed is None


# --- 5. A worker killed in the middle of a tick that fills standing orders --------------------

ORDER_AUCTIONS = 3000  # as many auctions as the tick test, one standing order on each price step


def test_a_worker_killed_mid_tick_fires_each_standing_order_exactly_once(tmp_path):
    # given thousands of due auctions (several batches); every price step (500 -> 450) reaches
    # one auto-grab order at 450, every close ends one watch, every opening reaches none
    now = timezone.now()
    studio = StudioFactory.create()
    Auction.objects.bulk_create(due_auctions(studio, ORDER_AUCTIONS, now), batch_size=1000)
    auctions = list(Auction.objects.filter(studio=studio).order_by("pk"))
    owners = User.objects.bulk_create(
        User(
            email=f"order{i}@example.com",
            full_name=f"Order owner {i}",
            gender=Gender.FEMALE,
            is_verified=True,
            password=make_password(None),
        )
        for i in range(len(auctions))
    )
    Watch.objects.bulk_create(
        Watch(user=owner, auction=auction, alert_price=Decimal("450.00"), auto_grab=True, created_at=now)
        for owner, auction in zip(owners, auctions, strict=True)
    )
    steps = {a.pk for i, a in enumerate(auctions) if i % 3 == 0}

    with Processes(tmp_path) as processes:
        redis = PrivateRedis(processes)
        redis.start()
        env = _app_environment(database_url=_test_database_url(), redis_url=redis.url)
        # when the worker is killed once the tick has committed a batch and is inside another
        _kill_the_worker_between_batches(
            processes, env, redis.url, node="orders1@%h", now=now, total=ORDER_AUCTIONS, seconds=60
        )
        fired_at_kill = Watch.objects.exclude(status=WatchStatus.ACTIVE).count()
        booked_at_kill = Reservation.objects.count()

        # and a new worker runs the next tick
        processes.start("worker-2", [*TICK_WORKER, "-n", "orders2@%h"], env)
        _wait_until(_worker_ready(processes, "worker-2"), 30, "the second worker")
        send_tick(redis.url)
        _wait_until(TickHeartbeat.objects.exists, 60, "the second tick to finish")

    # then every order on a price step fired once and booked once; the rest ended or wait
    watches = {w.auction_id: w for w in Watch.objects.all()}
    reservations = Counter(Reservation.objects.values_list("auction_id", flat=True))
    notices = Counter(Notification.objects.values_list("user_id", "kind"))
    _print_table(
        "FAULT 5: Celery worker killed -9 in the middle of a tick that fills standing orders",
        [
            ("due auctions / orders reached by their step", f"{ORDER_AUCTIONS} / {len(steps)}"),
            ("watches fired or ended, reservations at the kill", f"{fired_at_kill}, {booked_at_kill}"),
            ("reservations in the end", sum(reservations.values())),
            ("watch statuses in the end", dict(Counter(w.status for w in watches.values()))),
        ],
    )
    assert 0 < booked_at_kill < len(steps), "the kill did not land in the middle of the filling"
    assert set(reservations) == steps
    assert set(reservations.values()) == {1}
    for auction_id, watch in watches.items():
        if auction_id in steps:
            assert watch.status == WatchStatus.FIRED
            assert watch.reservation is not None
            assert watch.reservation.auction_id == auction_id
    assert {w.status for a, w in watches.items() if a not in steps} <= {WatchStatus.ENDED, WatchStatus.ACTIVE}
    won = [(w.user_id, NotificationKind.AUTO_GRAB_WON) for a, w in watches.items() if a in steps]
    assert all(notices[key] == 1 for key in won)
    assert not any(kind == NotificationKind.AUTO_GRAB_FAILED for _, kind in notices)
