"""Soak test: mixed traffic for minutes against the production shape. It measures, never asserts.

    .venv/bin/python bench/soak.py [--minutes 10] [--quick] [--port 8910]

It needs PostgreSQL at postgres://postgres@127.0.0.1:5432, Redis at 127.0.0.1:6379 and two free
ports. It drops and recreates the database `hothour_soak`, migrates it, empties Redis database 14,
creates a studio with a manager, verified customers and ACTIVE auctions, mints the customers' access
tokens, then starts (and always stops) the production shape, every process with its output in
/tmp/hothour_soak_<name>_<port>.log:

  gunicorn  HTTP: `gunicorn hothour.wsgi:application -k gthread -w 2 --threads 4` (port)
  daphne    WebSockets: `daphne hothour.asgi:application` (port + 1)
  worker    `celery -A hothour worker --pool solo`
  beat      one `celery -A hothour beat`, ticking every second

While the traffic runs, a seeder thread in this process publishes new auctions (through
`auctions.services.auction_create`) so that about as many as at the start stay ACTIVE. The traffic
(asyncio, 127.0.0.1 only): browsing (`GET auctions/` with filters and pages, `GET auctions/{id}/`),
grabs at the last price seen (some deliberately below it), cancellations of some of the spots won,
own reservations and notifications, login + refresh, a health poll; WebSocket clients on
`/ws/auctions/`, `/ws/auctions/{id}/` and `/ws/me/` stay connected for the whole run, count what
they receive and ping now and then. Every ~10 s it samples the resident memory of each server
process tree (`VmRSS` of the process and its descendants).

It prints: requests, successes, expected refusals by code and ERRORS per endpoint (an error is a
connection failure, a 5xx or any answer not expected for that call; a clean run has none), p50/p99
latency per endpoint per time slice, WebSocket messages, delivery delay and disconnects, memory per
process (start, after warm-up, end, max, growth), the ticker's lag, end-of-run consistency checks
of the database against what the clients saw, and the warnings and errors in the server logs.
`--quick` is a one-minute smoke run with a smaller load.
"""

import argparse
import asyncio
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any

import aiohttp
import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
SOAK_DB = "hothour_soak"
DATABASE_URL = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{SOAK_DB}"
REDIS_URL = "redis://127.0.0.1:6379/14"
CHANNEL_LAYER_PREFIX = "soak"
APP_NAME = "hothour_soak_bench"  # this script's own raw connections
LOG_DIR = Path(tempfile.gettempdir())
THROTTLE_OFF = "1000000/min"
THROTTLES = ("THROTTLE_GRAB", "THROTTLE_GRAB_IP", "THROTTLE_LOGIN", "THROTTLE_LOGIN_IP", "THROTTLE_REFRESH")
# The server environment as it was before this script set Django up for itself.
ORIGINAL_ENV = dict(os.environ)
PASSWORD = "HotHour-soak-2026"  # noqa: S105 - the seeded customers' password, for the login calls
ORIGIN = "http://localhost"
GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_POOL = 2, 4, 4
MEMORY_EVERY = 10.0  # seconds between memory samples
HEALTH_EVERY = 10.0
WS_PING_EVERY = 30.0
CANCEL_SHARE = 0.4  # of the spots won, this share is cancelled a little later
LOWBALL_SHARE = 0.1  # of the grabs, this share offers less than the price seen (409 price_changed)
RACE_SHARE, RACERS = 0.1, 3  # this share of the grabs is a race of 3 customers for one spot
ME_SHARE = 0.3  # of the grabs, this share is by a customer whose /ws/me/ is open
MAX_LIVE = 3  # HOTHOUR_MAX_LIVE_RESERVATIONS (settings default)


@dataclass(frozen=True)
class Plan:
    name: str
    minutes: float
    customers: int
    active_target: int  # ACTIVE auctions the seeder keeps available
    browsers: int  # virtual users listing and opening auctions
    grabbers: int  # virtual users grabbing
    readers: int  # virtual users reading their reservations and notifications
    ws_all: int  # clients on /ws/auctions/
    ws_one: int  # clients on /ws/auctions/{id}/
    ws_me: int  # clients on /ws/me/
    slice_seconds: int
    http_in_flight: int

    @property
    def seconds(self) -> float:
        return self.minutes * 60


FULL = Plan("full", 10, 300, 200, 8, 4, 4, 100, 20, 30, 60, 48)
QUICK = Plan("quick", 1, 60, 50, 3, 2, 2, 20, 5, 5, 15, 16)


# ---------------------------------------------------------------------------------------- setup


def step(message: str) -> None:
    print(f"-- {message}", flush=True)


def connect(dbname: str) -> psycopg.Connection[tuple[Any, ...]]:
    dsn = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"
    return psycopg.connect(dsn, autocommit=True, application_name=APP_NAME)


def query(text: str, params: tuple[Any, ...] = (), dbname: str = SOAK_DB) -> list[tuple[Any, ...]]:
    with connect(dbname) as conn:
        cursor = conn.execute(text, params)
        return cursor.fetchall() if cursor.description else []


def recreate_database() -> None:
    step(f"recreating database {SOAK_DB} and migrating it; emptying Redis database 14")
    with connect("postgres") as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SOAK_DB)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SOAK_DB)))
    env = {**ORIGINAL_ENV, "DJANGO_SETTINGS_MODULE": "hothour.settings.base", "DATABASE_URL": DATABASE_URL}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    # Stale Celery tasks and throttle counters of an earlier run must not leak into this one.
    redis.Redis.from_url(REDIS_URL).flushdb()


@dataclass(frozen=True)
class Customer:
    id: int
    email: str
    token: str


@dataclass(frozen=True)
class Seed:
    studio_id: int
    customers: list[Customer]
    auction_ids: list[int]


def setup_django(plan: Plan) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "hothour.settings.base"
    os.environ["DATABASE_URL"] = DATABASE_URL
    # The seeder's auction_created broadcasts reach the WebSocket clients through daphne.
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["CHANNEL_LAYER_PREFIX"] = CHANNEL_LAYER_PREFIX
    os.environ["EMAIL_URL"] = "dummymail://"
    os.environ["LOG_LEVEL"] = "WARNING"
    # Tokens minted here outlive the run: an expired token would close /ws/me/ with 4401.
    os.environ["JWT_ACCESS_MINUTES"] = str(math.ceil(plan.minutes) + 30)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def auction_values(rng: random.Random, now: datetime, plan: Plan) -> dict[str, Any]:
    """One auction's settings: most drop every minute for an hour or more; some close during the
    run with turbo; some have their class within two hours (customers can no longer cancel)."""
    from auctions.models import AllowedGender

    roll = rng.random()
    start_price = Decimal(rng.choice([300, 400, 500, 600]))
    values: dict[str, Any] = {
        "title": f"Soak class {rng.randrange(10**6)}",
        "allowed_gender": rng.choices(
            [AllowedGender.ANY, AllowedGender.FEMALE, AllowedGender.MALE], weights=[8, 1, 1]
        )[0],
        "start_price": start_price,
        "floor_price": Decimal("100.00"),
        "start_time": now - timedelta(minutes=rng.randint(2, 20), seconds=rng.randint(0, 59)),
        "drop_interval_mins": 1,
        "drop_amount": Decimal("5.00"),
    }
    if roll < 0.15:  # turbo, closes during the run
        end = now + timedelta(minutes=rng.uniform(4, plan.minutes + 5))
        values.update(
            end_time=end,
            scheduled_at=end + timedelta(hours=3),
            drop_interval_mins=2,
            drop_amount=Decimal("10.00"),
            turbo_enabled=True,
            turbo_trigger_mins=5,
            turbo_interval_mins=1,
            turbo_drop_amount=Decimal("10.00"),
        )
    elif roll < 0.30:  # class soon: a customer's cancellation is refused (cancellation_closed)
        end = now + timedelta(minutes=rng.uniform(30, 60))
        values.update(end_time=end, scheduled_at=end + timedelta(minutes=30))
    else:
        end = now + timedelta(minutes=rng.uniform(60, 180))
        values.update(end_time=end, scheduled_at=end + timedelta(hours=rng.uniform(2, 4)))
    return values


def seed_data(plan: Plan, rng: random.Random) -> Seed:
    """Studio, manager, customers, ACTIVE auctions and access tokens, through Django in this process."""
    from django.contrib.auth.hashers import make_password
    from django.db import connections
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import Gender, Studio, User
    from auctions.models import Auction, AuctionStatus
    from auctions.services import auction_create

    step(f"creating 1 studio with a manager, {plan.customers} customers, {plan.active_target} auctions")
    studio = Studio.objects.create(name="Soak Studio", address="Moda, Kadıköy, İstanbul")
    password = make_password(PASSWORD)  # hashed once: argon2 per user would take minutes
    User.objects.create(
        email="manager@hothour.soak",
        full_name="Soak Manager",
        is_staff=True,
        studio=studio,
        password=password,
    )
    customers = User.objects.bulk_create(
        User(
            email=f"soak{i}@hothour.soak",
            full_name=f"Soak Customer {i}",
            phone=f"+90555{i:07d}",
            gender=Gender.FEMALE if i % 2 else Gender.MALE,
            is_verified=True,
            password=password,
        )
        for i in range(plan.customers)
    )
    now = timezone.now()
    ids = [
        auction_create(studio=studio, publish=True, now=now, **auction_values(rng, now, plan)).pk
        for _ in range(plan.active_target)
    ]
    active = Auction.objects.filter(pk__in=ids, status=AuctionStatus.ACTIVE).count()
    if active != len(ids):
        raise SystemExit(f"setup: only {active} of {len(ids)} auctions are ACTIVE")
    tokens = [str(AccessToken.for_user(user)) for user in customers]
    connections.close_all()
    return Seed(
        studio_id=studio.pk,
        customers=[Customer(u.pk, u.email, t) for u, t in zip(customers, tokens, strict=True)],
        auction_ids=ids,
    )


class Seeder(threading.Thread):
    """Publishes new auctions every few seconds so that about `active_target` stay grabbable."""

    def __init__(self, plan: Plan, studio_id: int, rng: random.Random, every: float = 2.0) -> None:
        super().__init__(name="seeder", daemon=True)
        self.plan, self.studio_id, self.rng, self.every = plan, studio_id, rng, every
        self.stopping = threading.Event()
        self.created = 0
        self.create_seconds: list[float] = []
        self.failure: str | None = None

    def run(self) -> None:
        from django.db import connections

        try:
            while not self.stopping.wait(self.every):
                self.top_up()
        except Exception:
            self.failure = traceback.format_exc()
        finally:
            connections.close_all()

    def top_up(self) -> None:
        from django.utils import timezone

        from accounts.models import Studio
        from auctions.models import Auction, AuctionStatus
        from auctions.services import auction_create

        now = timezone.now()
        grabbable = Auction.objects.filter(
            status=AuctionStatus.ACTIVE, end_time__gt=now + timedelta(minutes=2)
        ).count()
        missing = min(self.plan.active_target - grabbable, 25)
        if missing <= 0:
            return
        studio = Studio.objects.get(pk=self.studio_id)
        for _ in range(missing):
            if self.stopping.is_set():
                return
            started = time.perf_counter()
            now = timezone.now()
            auction_create(studio=studio, publish=True, now=now, **auction_values(self.rng, now, self.plan))
            self.create_seconds.append(time.perf_counter() - started)
            self.created += 1

    def stop(self) -> None:
        from core.realtime.broadcast import broadcaster

        self.stopping.set()
        self.join(timeout=30)
        broadcaster.flush()


# ------------------------------------------------------------------------------------ processes


@dataclass
class Service:
    name: str
    command: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    seen_pids: set[int] = field(default_factory=set)


def server_env() -> dict[str, str]:
    return {
        **ORIGINAL_ENV,
        "DJANGO_SETTINGS_MODULE": "hothour.settings.base",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CHANNEL_LAYER_PREFIX": CHANNEL_LAYER_PREFIX,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_URL": "dummymail://",
        "HOTHOUR_TICK_SECONDS": "1",
        "LOG_LEVEL": "INFO",
        **dict.fromkeys(THROTTLES, THROTTLE_OFF),
    }


def services_for(http_port: int, ws_port: int) -> list[Service]:
    def log(name: str) -> Path:
        return LOG_DIR / f"hothour_soak_{name}_{http_port}.log"

    schedule = LOG_DIR / f"hothour_soak_beat_schedule_{http_port}"
    for stale in LOG_DIR.glob(schedule.name + "*"):
        stale.unlink()
    gunicorn = [
        str(BIN / "gunicorn"), "hothour.wsgi:application", "-k", "gthread",
        "-w", str(GUNICORN_WORKERS), "--threads", str(GUNICORN_THREADS), "-b", f"127.0.0.1:{http_port}",
        # gunicorn 27 opens a control socket at one fixed path per user by default, which a second
        # gunicorn on the machine (another benchmark) would take over or remove.
        "--no-control-socket",
    ]  # fmt: skip
    daphne = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(ws_port), "hothour.asgi:application"]
    celery = [str(BIN / "celery"), "-A", "hothour"]
    return [
        Service("gunicorn", gunicorn, log("gunicorn"), {"DB_POOL_MAX_SIZE": str(GUNICORN_POOL)}),
        Service("daphne", daphne, log("daphne")),
        Service("worker", [*celery, "worker", "--pool", "solo", "-l", "INFO"], log("worker")),
        Service("beat", [*celery, "beat", "-l", "INFO", "-s", str(schedule)], log("beat")),
    ]


def start_services(services: list[Service]) -> None:
    base = server_env()
    for service in services:
        command = " ".join([Path(service.command[0]).name, *service.command[1:]])
        step(f"starting {service.name}: {command} (log: {service.log})")
        with service.log.open("wb") as log:
            # A session of its own: a Ctrl+C in the terminal reaches this script only, which then
            # stops every process in order.
            service.proc = subprocess.Popen(
                service.command,
                cwd=ROOT,
                env={**base, **service.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


def stop_services(services: list[Service]) -> None:
    # Beat first (no new ticks), then the worker, then the servers.
    for service in sorted(services, key=lambda s: ["beat", "worker", "gunicorn", "daphne"].index(s.name)):
        proc = service.proc
        if proc is None:
            continue
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: only what it started
                proc.wait()
        # Children it left behind (none expected), by the pids this script saw in its tree.
        for pid in service.seen_pids - {proc.pid}:
            if process_alive(pid) and pid in descendants_of_session(proc.pid):
                os.kill(pid, signal.SIGKILL)
        step(f"{service.name} stopped (exit status {proc.returncode})")


def process_alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def descendants_of_session(session_id: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session_id:  # field 6 of stat: the session id
            found.add(int(stat.parent.name))
    return found


# --------------------------------------------------------------------------------------- memory


def process_tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(fields[1])].append(int(stat.parent.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, []))
    return tree


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass(frozen=True)
class MemorySample:
    at: float  # seconds since the traffic started
    rss_kb: dict[str, int]
    procs: dict[str, int]
    load: float
    db_connections: int


def sample_memory(services: list[Service], at: float) -> MemorySample:
    rss, procs = {}, {}
    for service in services:
        if service.proc is None or service.proc.poll() is not None:
            rss[service.name], procs[service.name] = 0, 0
            continue
        tree = [pid for pid in process_tree(service.proc.pid) if process_alive(pid)]
        service.seen_pids.update(tree)
        rss[service.name] = sum(rss_kb(pid) for pid in tree)
        procs[service.name] = len(tree)
    rows = query(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'"
        " AND application_name <> %s",
        (SOAK_DB, APP_NAME),
        "postgres",
    )
    return MemorySample(at, rss, procs, os.getloadavg()[0], int(rows[0][0]))


# -------------------------------------------------------------------------------------- traffic

GRAB = "POST reservations/ (grab)"
CANCEL = "POST reservations/{id}/cancel/"
ENDPOINTS = [
    "GET auctions/",
    "GET auctions/{id}/",
    GRAB,
    CANCEL,
    "GET reservations/",
    "GET notifications/",
    "POST auth/login/",
    "POST auth/refresh/",
    "GET health/",
]
SUCCESS = {GRAB: 201}  # 200 for every other endpoint
# Refusals that are right answers to the call as made (the state moved on, or the rule says no).
EXPECTED: dict[str, set[tuple[int, str]]] = {
    GRAB: {
        (409, "auction_sold"),
        (409, "auction_not_active"),
        (409, "price_changed"),
        (409, "reservation_limit"),
        (403, "gender_not_allowed"),
    },
    CANCEL: {(403, "cancellation_closed")},
}


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer at all
    code: str  # the error body's `code`, or the exception's name when status is None
    latency: float
    body: Any = None


@dataclass(frozen=True)
class Sample:
    endpoint: str
    at: float
    status: int | None
    code: str
    latency: float
    outcome: str  # "ok", "expected" or "error"


@dataclass
class WsStats:
    clients: int = 0
    connects: int = 0
    connect_failures: Counter[str] = field(default_factory=Counter)
    disconnects: Counter[str] = field(default_factory=Counter)  # closed by the server or the network
    events: Counter[str] = field(default_factory=Counter)
    bytes: int = 0
    server_errors: list[str] = field(default_factory=list)


CLOSED_TYPES = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED)


class Market:
    """What the clients last saw of each auction: its price, and which ones are ACTIVE."""

    def __init__(self) -> None:
        self.price: dict[int, Decimal] = {}
        self._active: list[int] = []
        self._position: dict[int, int] = {}

    def see(self, auction_id: int, status: str, price: str | None) -> None:
        if price is not None:
            self.price[auction_id] = Decimal(price)
        if status == "ACTIVE" and auction_id not in self._position and auction_id in self.price:
            self._position[auction_id] = len(self._active)
            self._active.append(auction_id)
        elif status != "ACTIVE" and auction_id in self._position:
            index = self._position.pop(auction_id)
            last = self._active.pop()
            if last != auction_id:
                self._active[index] = last
                self._position[last] = index

    def see_many(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.see(int(row["id"]), str(row["status"]), row.get("current_price"))

    def pick_active(self, rng: random.Random) -> tuple[int, Decimal] | None:
        if not self._active:
            return None
        auction_id = rng.choice(self._active)
        return auction_id, self.price[auction_id]

    def pick_any(self, rng: random.Random) -> int | None:
        return rng.choice(list(self.price)) if self.price else None

    @property
    def active(self) -> int:
        return len(self._active)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


class Soak:
    def __init__(self, plan: Plan, seed: Seed, services: list[Service], http_port: int, ws_port: int) -> None:
        self.plan, self.seed, self.services = plan, seed, services
        self.http = f"http://127.0.0.1:{http_port}"
        self.ws = f"ws://127.0.0.1:{ws_port}"
        self.ws_http = f"http://127.0.0.1:{ws_port}"
        self.market = Market()
        self.samples: list[Sample] = []
        self.error_details: Counter[str] = Counter()
        self.violations: list[str] = []
        self.ws_stats: dict[str, WsStats] = defaultdict(WsStats)
        self.ws_delay: dict[int, list[float]] = defaultdict(list)  # slice -> server_time to receipt
        self.ws_rtt: dict[int, list[float]] = defaultdict(list)  # slice -> ping to pong
        self.ticker_age: dict[int, list[float]] = defaultdict(list)
        self.memory: list[MemorySample] = []
        self.grabs_won = 0
        self.cancels_done = 0
        self.me_customers = seed.customers[: plan.ws_me]
        self.cancels: set[asyncio.Task[None]] = set()
        self.list_counts: dict[str, int] = {}  # listing query -> its last `count`
        self.races: Counter[int] = Counter()  # races by how many of their grabs won (0 or 1)
        self.hung: list[str] = []  # tasks still running a minute after the deadline
        self.t0 = 0.0
        self.deadline = 0.0
        self.session: aiohttp.ClientSession | None = None

    # -- helpers

    def now(self) -> float:
        return time.monotonic() - self.t0

    def over(self) -> bool:
        return time.monotonic() >= self.deadline

    def slice_of(self, at: float) -> int:
        return min(int(at // self.plan.slice_seconds), self.slices - 1)

    @property
    def slices(self) -> int:
        return max(1, math.ceil(self.plan.seconds / self.plan.slice_seconds))

    async def pause(self, rng: random.Random, low: float, high: float) -> None:
        await asyncio.sleep(max(0.0, min(rng.uniform(low, high), self.deadline - time.monotonic())))

    async def call(
        self, endpoint: str, method: str, path: str, token: str | None = None, body: Any = None
    ) -> Answer:
        assert self.session is not None
        headers = {"Accept-Language": "en"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        at = self.now()
        started = time.perf_counter()
        try:
            async with self.session.request(method, self.http + path, json=body, headers=headers) as response:
                text = await response.text()
                latency = time.perf_counter() - started
                try:
                    data = json.loads(text) if text else None
                except ValueError:
                    data = None
                code = str(data.get("code", "")) if response.status >= 400 and isinstance(data, dict) else ""
                if response.status >= 400 and not code:
                    code = text[:60].replace("\n", " ")
                answer = Answer(response.status, code, latency, data)
        except (aiohttp.ClientError, TimeoutError) as exc:
            answer = Answer(None, type(exc).__name__, time.perf_counter() - started)
        if answer.status == SUCCESS.get(endpoint, 200):
            outcome = "ok"
        elif (answer.status, answer.code) in EXPECTED.get(endpoint, set()):
            outcome = "expected"
        else:
            outcome = "error"
            self.error_details[f"{endpoint}: {answer.status or 'no answer'} {answer.code}".strip()] += 1
        self.samples.append(Sample(endpoint, at, answer.status, answer.code, answer.latency, outcome))
        return answer

    def customer(self, rng: random.Random) -> Customer:
        if self.me_customers and rng.random() < ME_SHARE:
            return rng.choice(self.me_customers)
        return rng.choice(self.seed.customers)

    # -- HTTP virtual users

    async def browser(self, rng: random.Random) -> None:
        today = time.strftime("%Y-%m-%d")
        gender = rng.choice(["FEMALE", "MALE"])
        listings = [  # query, page size
            ("", 20),
            ("status=ACTIVE&ordering=current_price", 20),
            ("status=ACTIVE&ordering=-current_price&page_size=50", 50),
            (f"gender={gender}&status=ACTIVE", 20),
            ("max_price=250&status=ACTIVE", 20),
            (f"studio={self.seed.studio_id}&ordering=end_time&page_size=100", 100),
            (f"date={today}", 20),
            ("status=SOLD&ordering=-end_time", 20),
        ]
        while not self.over():
            query_string, size = rng.choice(listings)
            # A page that surely exists: counts move (ACTIVE ones sell), so stay below the last one.
            pages = max(1, int(0.8 * self.list_counts.get(query_string, 0) / size))
            page = rng.randint(1, pages)
            listing = f"?{query_string}&page={page}" if query_string else f"?page={page}"
            answer = await self.call("GET auctions/", "GET", f"/api/v1/auctions/{listing}")
            if answer.status == 200 and isinstance(answer.body, dict):
                self.market.see_many(answer.body.get("results", []))
                self.list_counts[query_string] = int(answer.body.get("count", 0))
            for _ in range(rng.randint(1, 2)):
                auction_id = self.market.pick_any(rng)
                if auction_id is not None and not self.over():
                    answer = await self.call("GET auctions/{id}/", "GET", f"/api/v1/auctions/{auction_id}/")
                    if answer.status == 200 and isinstance(answer.body, dict):
                        self.market.see_many([answer.body])
            await self.pause(rng, 0.3, 1.2)

    async def grabber(self, rng: random.Random) -> None:
        while not self.over():
            picked = self.market.pick_active(rng)
            if picked is None:
                await self.pause(rng, 0.5, 0.5)
                continue
            auction_id, seen = picked
            if rng.random() < RACE_SHARE:
                # A small flash sale: distinct customers grab the same spot at the same instant.
                racers = rng.sample(self.seed.customers, RACERS)
                won = await asyncio.gather(*(self.grab(rng, who, auction_id, seen) for who in racers))
                self.races[sum(won)] += 1
                if sum(won) > 1:
                    self.violations.append(f"race on {auction_id}: {sum(won)} grabs answered 201")
            else:
                expected = seen - 1 if rng.random() < LOWBALL_SHARE else seen
                await self.grab(rng, self.customer(rng), auction_id, expected)
            await self.pause(rng, 0.5, 2.0)

    async def grab(self, rng: random.Random, who: Customer, auction_id: int, expected: Decimal) -> bool:
        """One grab at `expected`; True when it won the spot."""
        answer = await self.call(
            GRAB,
            "POST",
            "/api/v1/reservations/",
            who.token,
            {"auction_id": auction_id, "expected_price": str(expected)},
        )
        body = answer.body if isinstance(answer.body, dict) else {}
        if answer.status == 201:
            self.grabs_won += 1
            locked = Decimal(str(body.get("locked_price")))
            if locked > expected:
                self.violations.append(f"grab of {auction_id}: locked {locked} > expected {expected}")
            self.market.see(auction_id, "SOLD", str(locked))
            if rng.random() < CANCEL_SHARE:
                task = asyncio.create_task(self.cancel_later(rng, who, int(body["id"])))
                self.cancels.add(task)
                task.add_done_callback(self.cancels.discard)
            return True
        if answer.code == "price_changed":
            current = Decimal(str(body.get("current_price")))
            if current <= expected:
                self.violations.append(f"grab of {auction_id}: price_changed at {current} <= {expected}")
            self.market.see(auction_id, "ACTIVE", str(current))
        elif answer.code in ("auction_sold", "auction_not_active"):
            self.market.see(auction_id, "SOLD" if answer.code == "auction_sold" else "EXPIRED", None)
        return False

    async def cancel_later(self, rng: random.Random, who: Customer, reservation_id: int) -> None:
        await self.pause(rng, 5, 60)
        if self.over():
            return
        path = f"/api/v1/reservations/{reservation_id}/cancel/"
        answer = await self.call(CANCEL, "POST", path, who.token)
        if answer.status == 200:
            self.cancels_done += 1

    async def reader(self, rng: random.Random) -> None:
        while not self.over():
            who = self.customer(rng)
            when = rng.choice(["", "?when=upcoming", "?when=past"])
            await self.call("GET reservations/", "GET", f"/api/v1/reservations/{when}", who.token)
            await self.call("GET notifications/", "GET", "/api/v1/notifications/", who.token)
            await self.pause(rng, 1.0, 2.0)

    async def authenticator(self, rng: random.Random) -> None:
        while not self.over():
            who = rng.choice(self.seed.customers)
            answer = await self.call(
                "POST auth/login/",
                "POST",
                "/api/v1/auth/login/",
                None,
                {"email": who.email, "password": PASSWORD},
            )
            refresh = answer.body.get("refresh") if isinstance(answer.body, dict) else None
            for _ in range(2):
                if not refresh or self.over():
                    break
                await self.pause(rng, 0.5, 1.0)
                answer = await self.call(
                    "POST auth/refresh/", "POST", "/api/v1/auth/refresh/", None, {"refresh": refresh}
                )
                refresh = answer.body.get("refresh") if isinstance(answer.body, dict) else None
            await self.pause(rng, 2.0, 4.0)

    async def health(self) -> None:
        while not self.over():
            answer = await self.call("GET health/", "GET", "/api/v1/health/")
            if isinstance(answer.body, dict):
                age = (answer.body.get("ticker") or {}).get("age_seconds")
                if age is not None:
                    self.ticker_age[self.slice_of(self.now())].append(float(age))
            await asyncio.sleep(max(0.0, min(HEALTH_EVERY, self.deadline - time.monotonic())))

    async def memory_sampler(self) -> None:
        while not self.over():
            await asyncio.sleep(max(0.0, min(MEMORY_EVERY, self.deadline - time.monotonic())))
            self.memory.append(await asyncio.to_thread(sample_memory, self.services, self.now()))

    # -- WebSockets

    async def ws_client(
        self,
        session: aiohttp.ClientSession,
        kind: str,
        path: str,
        gate: asyncio.Semaphore,
        rng: random.Random,
        primary: bool = False,
        protocols: tuple[str, ...] = (),
    ) -> None:
        stats = self.ws_stats[kind]
        stats.clients += 1
        next_ping = time.monotonic() + rng.uniform(5, WS_PING_EVERY)
        while not self.over():
            try:
                async with gate:
                    ws = await session.ws_connect(
                        self.ws + path, protocols=protocols, origin=ORIGIN, max_msg_size=0, autoping=True
                    )
            except (aiohttp.ClientError, TimeoutError) as exc:
                stats.connect_failures[type(exc).__name__] += 1
                await self.pause(rng, 1.0, 2.0)
                continue
            stats.connects += 1
            ping_sent: float | None = None
            try:
                while True:
                    wake = min(self.deadline, next_ping)
                    try:
                        # Not receive(timeout=): aiohttp restarts that timeout after every control
                        # frame, and daphne pings every 20 s, so a quiet socket would never time out.
                        async with asyncio.timeout(max(0.001, wake - time.monotonic())):
                            message = await ws.receive()
                    except TimeoutError:
                        if self.over():
                            break
                        await ws.send_str('{"event": "ping"}')
                        ping_sent, next_ping = time.monotonic(), time.monotonic() + WS_PING_EVERY
                        continue
                    if message.type == aiohttp.WSMsgType.TEXT:
                        stats.bytes += len(message.data)
                        ping_sent = self.ws_message(stats, message.data, primary, ping_sent)
                    elif message.type in CLOSED_TYPES:
                        stats.disconnects[f"closed {ws.close_code}"] += 1
                        break
                    elif message.type == aiohttp.WSMsgType.ERROR:
                        stats.disconnects[f"error {type(ws.exception()).__name__}"] += 1
                        break
                    else:
                        stats.events[f"frame {message.type.name}"] += 1
            except (aiohttp.ClientError, ConnectionError) as exc:
                stats.disconnects[f"error {type(exc).__name__}"] += 1
            finally:
                await ws.close()
            if not self.over():
                await self.pause(rng, 1.0, 2.0)  # then reconnect, as the SPA does

    def ws_message(self, stats: WsStats, raw: str, primary: bool, ping_sent: float | None) -> float | None:
        received = time.time()
        try:
            message = json.loads(raw)
            event, data = str(message["event"]), message.get("data")
        except (ValueError, KeyError, TypeError):
            stats.events["not JSON"] += 1
            return ping_sent
        stats.events[event] += 1
        at = self.slice_of(self.now())
        if event == "pong":
            if ping_sent is not None:
                self.ws_rtt[at].append(time.monotonic() - ping_sent)
            return None
        if event == "error":
            stats.server_errors.append(raw[:200])
            return ping_sent
        if event != "snapshot":
            sent = datetime.fromisoformat(str(message.get("server_time"))).timestamp()
            self.ws_delay[at].append(received - sent)
        if primary:
            if event == "snapshot" and isinstance(data, list):
                self.market.see_many(data)
            elif isinstance(data, dict) and "auction_id" in data:
                self.market.see(int(data["auction_id"]), str(data["status"]), data.get("current_price"))
        return ping_sent

    # -- the run

    async def wait_ready(self) -> None:
        assert self.session is not None
        deadline = time.monotonic() + 120
        waiting_for = "the servers"
        while time.monotonic() < deadline:
            for service in self.services:
                if service.proc is not None and service.proc.poll() is not None:
                    raise SystemExit(
                        f"{service.name} exited with {service.proc.returncode}; see {service.log}"
                    )
            try:
                async with (
                    self.session.get(self.ws_http + "/api/v1/health/") as daphne,
                    self.session.get(self.http + "/api/v1/health/") as gunicorn,
                ):
                    body = await gunicorn.json()
                    ticker = body.get("ticker", {})
                    if daphne.status == 200 and gunicorn.status == 200:
                        waiting_for = "the first tick"
                        if ticker.get("state") == "ok" and (ticker.get("age_seconds") or 99) < 5:
                            return
            except (aiohttp.ClientError, ValueError):
                pass
            await asyncio.sleep(0.5)
        raise SystemExit(f"gave up waiting for {waiting_for} after 120 s (logs in {LOG_DIR})")

    async def run(self) -> None:
        connector = aiohttp.TCPConnector(limit=self.plan.http_in_flight, keepalive_timeout=1.0)
        timeout = aiohttp.ClientTimeout(total=30)
        ws_connector = aiohttp.TCPConnector(limit=0)
        ws_timeout = aiohttp.ClientTimeout(total=None, connect=15)
        async with (
            aiohttp.ClientSession(connector=connector, timeout=timeout) as session,
            aiohttp.ClientSession(connector=ws_connector, timeout=ws_timeout) as ws_session,
        ):
            self.session = session
            step("waiting for gunicorn, daphne and the first tick of beat + worker")
            await self.wait_ready()
            self.t0 = time.monotonic()
            self.deadline = self.t0 + self.plan.seconds
            self.memory.append(await asyncio.to_thread(sample_memory, self.services, 0.0))
            plan, rng = self.plan, random.Random(7)
            step(
                f"traffic for {plan.minutes:g} min: {plan.ws_all} + {plan.ws_one} + {plan.ws_me} WebSocket "
                f"clients, {plan.browsers} browsers, {plan.grabbers} grabbers, {plan.readers} readers, "
                "1 login/refresh user, a health poll"
            )
            gate = asyncio.Semaphore(20)  # handshakes in flight (daphne's listen backlog is 50)
            long_lived = self.seed.auction_ids[: plan.ws_one]
            tasks = [
                self.ws_client(ws_session, "/ws/auctions/", "/ws/auctions/", gate, random.Random(i), i == 0)
                for i in range(plan.ws_all)
            ]
            tasks += [
                self.ws_client(
                    ws_session, "/ws/auctions/{id}/", f"/ws/auctions/{pk}/", gate, random.Random(1000 + i)
                )
                for i, pk in enumerate(long_lived)
            ]
            tasks += [
                self.ws_client(
                    ws_session,
                    "/ws/me/",
                    "/ws/me/",
                    gate,
                    random.Random(2000 + i),
                    False,
                    ("hothour.jwt", customer.token),
                )
                for i, customer in enumerate(self.me_customers)
            ]
            tasks += [self.browser(random.Random(rng.random())) for _ in range(plan.browsers)]
            tasks += [self.grabber(random.Random(rng.random())) for _ in range(plan.grabbers)]
            tasks += [self.reader(random.Random(rng.random())) for _ in range(plan.readers)]
            tasks += [self.authenticator(random.Random(rng.random())), self.health(), self.memory_sampler()]
            running = [asyncio.create_task(task) for task in tasks]
            grace = self.deadline - time.monotonic() + 60
            done, pending = await asyncio.wait(running, timeout=grace)
            if self.cancels:
                await asyncio.wait(self.cancels, timeout=60)
            for task in done:
                task.result()  # a bug of this script: raise it
            for task in pending:  # every loop ends at the deadline: this one hung
                frames = task.get_stack(limit=5)
                where = " <- ".join(f"{f.f_code.co_name}:{f.f_lineno}" for f in frames)
                self.hung.append(where or repr(task))
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=10)
            self.memory.append(await asyncio.to_thread(sample_memory, self.services, self.now()))


# --------------------------------------------------------------------------------------- checks


@dataclass
class Checks:
    lines: list[str] = field(default_factory=list)
    failures: int = 0

    def check(self, label: str, ok: bool, detail: str) -> None:
        self.lines.append(f"{'ok  ' if ok else 'FAIL'}  {label}: {detail}")
        self.failures += 0 if ok else 1

    def note(self, label: str, detail: str) -> None:
        self.lines.append(f"      {label}: {detail}")


def final_checks(soak: Soak) -> Checks:
    checks = Checks()
    live_of_a = (
        "(SELECT count(*) FROM reservations_reservation r"
        " WHERE r.auction_id = a.id AND r.status <> 'CANCELLED')"
    )
    (bad_sold,) = query(
        f"SELECT count(*) FROM auctions_auction a WHERE a.status = 'SOLD' AND {live_of_a} <> a.seats"  # noqa: S608 - constant SQL
    )[0]
    checks.check("SOLD auctions without a live reservation on every seat", bad_sold == 0, str(bad_sold))
    (bad_live,) = query(
        f"SELECT count(*) FROM auctions_auction a WHERE a.status <> 'SOLD' AND {live_of_a} >= a.seats"  # noqa: S608 - constant SQL
    )[0]
    checks.check("auctions not SOLD holding a live reservation on every seat", bad_live == 0, str(bad_live))
    (bad_count,) = query(
        f"SELECT count(*) FROM auctions_auction a WHERE a.seats_sold <> {live_of_a}"  # noqa: S608 - constant SQL
    )[0]
    checks.check("auctions whose seats_sold is not their live reservations", bad_count == 0, str(bad_count))
    total, live, cancelled = query(
        "SELECT count(*), count(*) FILTER (WHERE status <> 'CANCELLED'),"
        " count(*) FILTER (WHERE status = 'CANCELLED') FROM reservations_reservation"
    )[0]
    checks.check(
        "reservations in the database = grabs answered 201",
        total == soak.grabs_won,
        f"{total} rows, {soak.grabs_won} x 201",
    )
    checks.check(
        "cancelled reservations = cancels answered 200",
        cancelled == soak.cancels_done,
        f"{cancelled} rows, {soak.cancels_done} x 200",
    )
    checks.check(
        "live reservations = 201s - cancels",
        live == soak.grabs_won - soak.cancels_done,
        f"{live} = {soak.grabs_won} - {soak.cancels_done}",
    )
    (duplicates,) = query(
        "SELECT count(*) FROM (SELECT booking_code FROM reservations_reservation GROUP BY 1"
        " HAVING count(*) > 1) d"
    )[0]
    checks.check("duplicate booking codes", duplicates == 0, str(duplicates))
    (hoarders,) = query(
        "SELECT count(*) FROM (SELECT user_id FROM reservations_reservation"
        " WHERE status = 'PENDING_ON_SITE' GROUP BY 1 HAVING count(*) > %s) d",
        (MAX_LIVE,),
    )[0]
    checks.check(f"customers holding more than {MAX_LIVE} live reservations", hoarders == 0, str(hoarders))
    (above,) = query(
        "SELECT count(*) FROM reservations_reservation r JOIN auctions_auction a ON a.id = r.auction_id"
        " WHERE r.locked_price > a.start_price OR r.locked_price < a.floor_price"
    )[0]
    checks.check("locked prices outside [floor, start]", above == 0, str(above))
    checks.check(
        "grab answers priced above the expected price / inconsistent price_changed",
        not soak.violations,
        str(len(soak.violations)),
    )
    (overdue,) = query(
        "SELECT count(*) FROM auctions_auction WHERE next_change_at < now() - interval '5 seconds'"
    )[0]
    checks.check("auctions the tick is more than 5 s late with", overdue == 0, str(overdue))
    statuses = query("SELECT status, count(*) FROM auctions_auction GROUP BY 1 ORDER BY 1")
    checks.note("auctions by status", ", ".join(f"{s}={n}" for s, n in statuses))
    kinds = query("SELECT kind, count(*) FROM reservations_notification GROUP BY 1 ORDER BY 1")
    checks.note("notifications by kind", ", ".join(f"{k}={n}" for k, n in kinds) or "none")
    return checks


LOG_PATTERN = re.compile(r"Traceback|ERROR|CRITICAL|WARNING|Warning|Exception|exception|Error:")
# django.request logs every 4xx at WARNING: the expected refusals. Counted, not listed.
EXPECTED_LOG = re.compile(r"WARNING django\.request (Conflict|Forbidden): ")


def scan_logs(services: list[Service]) -> list[str]:
    lines = []
    for service in services:
        try:
            text = service.log.read_text(errors="replace").splitlines()
        except OSError:
            continue
        expected = sum(1 for line in text if EXPECTED_LOG.search(line))
        flagged = [line for line in text if LOG_PATTERN.search(line) and not EXPECTED_LOG.search(line)]
        lines.append(
            f"{service.name} ({service.log}, {len(text)} lines): {len(flagged)} warning/error lines"
            f" (+ {expected} django.request 4xx warnings)"
        )
        shown = Counter(re.sub(r"^\d{4}-\d\d-\d\d [\d:,]+ |^\[[^\]]*\] ", "", line)[:160] for line in flagged)
        for line, count in shown.most_common(8):
            lines.append(f"    {count:>5} x {line}")
    return lines


# --------------------------------------------------------------------------------------- report


def table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(
                cell.rjust(w) if i else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:.0f}" if values else "-"


def report(soak: Soak, seeder: Seeder, checks: Checks, logs: list[str], loads: tuple[str, str]) -> None:
    plan = soak.plan
    span = soak.plan.seconds
    print()
    print(f"== soak run ({plan.name}): {plan.minutes:g} min of traffic, slices of {plan.slice_seconds} s")
    print(f"load average (1/5/15 min) at start: {loads[0]}; at end: {loads[1]}")

    by_endpoint: dict[str, list[Sample]] = defaultdict(list)
    for s in soak.samples:
        by_endpoint[s.endpoint].append(s)
    print()
    print("== HTTP requests (gunicorn)")
    rows = []
    for name in ENDPOINTS:
        samples = by_endpoint.get(name, [])
        latencies = [s.latency for s in samples]
        expected = Counter(f"{s.status} {s.code}" for s in samples if s.outcome == "expected")
        rows.append(
            [
                name,
                str(len(samples)),
                str(sum(1 for s in samples if s.outcome == "ok")),
                ", ".join(f"{k}={n}" for k, n in expected.most_common()) or "-",
                str(sum(1 for s in samples if s.outcome == "error")),
                f"{len(samples) / span:.1f}",
                ms(latencies, 50),
                ms(latencies, 99),
                ms(latencies, 100),
            ]
        )
    all_lat = [s.latency for s in soak.samples]
    total_errors = sum(1 for s in soak.samples if s.outcome == "error")
    rows.append(
        [
            "all",
            str(len(soak.samples)),
            str(sum(1 for s in soak.samples if s.outcome == "ok")),
            str(sum(1 for s in soak.samples if s.outcome == "expected")),
            str(total_errors),
            f"{len(soak.samples) / span:.1f}",
            ms(all_lat, 50),
            ms(all_lat, 99),
            ms(all_lat, 100),
        ]
    )
    table(
        ["endpoint", "requests", "ok", "expected refusals", "ERRORS", "req/s", "p50 ms", "p99 ms", "max ms"],
        rows,
    )
    errors = total_errors + len(soak.violations) + len(soak.hung)
    print()
    if errors:
        print(f"!!! ERRORS: {errors} !!!")
        for label, count in soak.error_details.most_common(20):
            print(f"!!!   {count} x {label}")
        for violation in soak.violations[:20]:
            print(f"!!!   contract: {violation}")
        for where in Counter(soak.hung).most_common(10):
            print(f"!!!   client task still running 60 s after the end ({where[1]} x): {where[0]}")
    else:
        print("ERRORS: 0 (no connection failure, no 5xx, no unexpected status, no contract violation)")

    print()
    heads = [f"{i * plan.slice_seconds // 60}:{i * plan.slice_seconds % 60:02d}" for i in range(soak.slices)]
    print("== latency per slice, p50/p99 ms (column = slice start, min:s)")
    rows = []
    for name in ENDPOINTS:
        per: dict[int, list[float]] = defaultdict(list)
        for s in by_endpoint.get(name, []):
            per[soak.slice_of(s.at)].append(s.latency)
        rows.append([name, *(f"{ms(per[i], 50)}/{ms(per[i], 99)}" for i in range(soak.slices))])
    rows.append(
        [
            "WS ping -> pong",
            *(f"{ms(soak.ws_rtt[i], 50)}/{ms(soak.ws_rtt[i], 99)}" for i in range(soak.slices)),
        ]
    )
    rows.append(
        [
            "WS server_time -> receipt",
            *(f"{ms(soak.ws_delay[i], 50)}/{ms(soak.ws_delay[i], 99)}" for i in range(soak.slices)),
        ]
    )
    counts: Counter[int] = Counter(soak.slice_of(s.at) for s in soak.samples)
    rows.append(["HTTP req/s", *(f"{counts[i] / plan.slice_seconds:.1f}" for i in range(soak.slices))])
    rows.append(
        [
            "tick age max s (health)",
            *(f"{max(soak.ticker_age[i]):.1f}" if soak.ticker_age[i] else "-" for i in range(soak.slices)),
        ]
    )
    table(["", *heads], rows)

    print()
    print("== WebSockets (daphne)")
    rows = []
    ws_disconnects = 0
    for kind, stats in soak.ws_stats.items():
        ws_disconnects += sum(stats.disconnects.values()) + sum(stats.connect_failures.values())
        ws_disconnects += len(stats.server_errors)
        rows.append(
            [
                kind,
                str(stats.clients),
                str(stats.connects),
                ", ".join(f"{k}={n}" for k, n in stats.connect_failures.items()) or "0",
                ", ".join(f"{k}={n}" for k, n in stats.disconnects.items()) or "0",
                str(sum(stats.events.values())),
                f"{stats.bytes / 1e6:.1f}",
                ", ".join(f"{k}={n}" for k, n in stats.events.most_common()),
            ]
        )
    table(["path", "clients", "connects", "failed", "disconnects", "messages", "MB", "by event"], rows)
    all_delay = [d for values in soak.ws_delay.values() for d in values]
    print(
        f"delivery delay (server_time -> receipt) over the run: p50 {ms(all_delay, 50)} ms, "
        f"p99 {ms(all_delay, 99)} ms, max {ms(all_delay, 100)} ms; "
        + (f"!!! {ws_disconnects} WebSocket failures/disconnects !!!" if ws_disconnects else "no disconnects")
    )
    for stats in soak.ws_stats.values():
        for raw in stats.server_errors[:5]:
            print(f"!!! server error event: {raw}")

    print()
    print(
        f"== memory (RSS MB, sampled every {MEMORY_EVERY:g} s; "
        f"warm = first sample at >= {plan.slice_seconds} s)"
    )
    rows = []
    memory = soak.memory
    if memory:
        warm = next((m for m in memory if m.at >= plan.slice_seconds), memory[-1])
        for service in soak.services:
            name = service.name
            start, end = memory[0].rss_kb[name] / 1024, memory[-1].rss_kb[name] / 1024
            warm_mb = warm.rss_kb[name] / 1024
            top = max(m.rss_kb[name] for m in memory) / 1024

            def growth(base: float, end: float = end) -> str:
                return f"{end - base:+.1f} ({(end - base) / base:+.1%})" if base else "-"

            rows.append(
                [
                    name,
                    f"{memory[0].procs[name]}/{memory[-1].procs[name]}",
                    f"{start:.1f}",
                    f"{warm_mb:.1f}",
                    f"{end:.1f}",
                    f"{top:.1f}",
                    growth(start),
                    growth(warm_mb),
                ]
            )
        table(
            ["process", "procs", "start", "warm", "end", "max", "start->end MB (%)", "warm->end MB (%)"], rows
        )
        print("per slice (last sample in each):")
        last: dict[int, MemorySample] = {}
        for m in memory:
            last[soak.slice_of(m.at)] = m
        rows = [
            [
                service.name,
                *(
                    f"{last[i].rss_kb[service.name] / 1024:.1f}" if i in last else "-"
                    for i in range(soak.slices)
                ),
            ]
            for service in soak.services
        ]
        rows.append(
            ["load avg 1 min", *(f"{last[i].load:.2f}" if i in last else "-" for i in range(soak.slices))]
        )
        rows.append(
            [
                "max DB connections",
                *(
                    str(max((m.db_connections for m in memory if soak.slice_of(m.at) == i), default=0))
                    for i in range(soak.slices)
                ),
            ]
        )
        table(["", *heads], rows)

    print()
    print("== seeder and state")
    create = seeder.create_seconds
    print(
        f"auctions published during the run: {seeder.created} (auction_create p50 {ms(create, 50)} ms, "
        f"p99 {ms(create, 99)} ms); ACTIVE seen by the clients at the end: {soak.market.active}; "
        f"grabs won {soak.grabs_won}, cancelled {soak.cancels_done}"
    )
    races = ", ".join(f"{n} with {won} winner(s)" for won, n in sorted(soak.races.items()))
    print(f"races of {RACERS} customers for one spot: {sum(soak.races.values())} ({races or 'none'})")
    if seeder.failure:
        print(f"!!! the seeder failed:\n{seeder.failure}")

    print()
    print("== consistency checks (database after the run)")
    for line in checks.lines:
        print(line)

    print()
    print("== server logs")
    for line in logs:
        print(line)

    print()
    verdict = "CLEAN" if not errors and not ws_disconnects and not checks.failures else "NOT CLEAN"
    print(
        f"== {verdict}: {errors} HTTP errors, {ws_disconnects} WebSocket failures, "
        f"{checks.failures} failed checks"
    )


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=None, help="how long the traffic runs (default 10)")
    parser.add_argument("--quick", action="store_true", help="a one-minute smoke run with a smaller load")
    parser.add_argument("--port", type=int, default=8910, help="gunicorn's port; daphne gets the next one")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.minutes is not None:
        if args.minutes <= 0:
            parser.error("--minutes must be positive")
        plan = Plan(**{**plan.__dict__, "minutes": args.minutes})
    signal.signal(signal.SIGTERM, interrupted)

    load_start = loadavg()
    rng = random.Random(2026)
    services = services_for(args.port, args.port + 1)
    seeder: Seeder | None = None
    try:
        recreate_database()
        setup_django(plan)
        seed = seed_data(plan, rng)
        start_services(services)
        seeder = Seeder(plan, seed.studio_id, random.Random(99))
        soak = Soak(plan, seed, services, args.port, args.port + 1)
        seeder.start()
        asyncio.run(soak.run())
        seeder.stop()
        load_end = loadavg()
        step("checking the database")
        checks = final_checks(soak)
    except KeyboardInterrupt:
        print("\n-- interrupted: stopping everything", flush=True)
        return 130
    finally:
        if seeder is not None and seeder.is_alive():
            seeder.stop()
        stop_services(services)
    report(soak, seeder, checks, scan_logs(services), (load_start, load_end))
    return 0


if __name__ == "__main__":
    sys.exit(main())
