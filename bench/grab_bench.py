"""Benchmark of the grab (`POST /api/v1/reservations/`) against the real server. It measures, never asserts.

    .venv/bin/python bench/grab_bench.py [--quick] [--port 8765]

It needs PostgreSQL at postgres://postgres@127.0.0.1:5432 (and /usr/bin/pgbench), Redis at
127.0.0.1:6379, and a free port. It drops and recreates the database `hothour_bench`, migrates it,
creates one studio, verified customers and ACTIVE auctions, mints their access tokens, then serves
the app with daphne (log in /tmp/hothour_bench_daphne_<port>.log) and runs:

  a. flash sale: many customers grab the same auction at the same instant (an asyncio.Event gate);
  a2. multi-seat flash sale: as many other customers grab one auction of 10 seats at once;
  b. spread: every customer grabs a different auction, a fixed number of requests in flight;
  trivial: `GET /api/v1/studios/<id>/` (a one-row DRF view), same count and concurrency as b;
  reads: `GET /api/v1/studios/` (the cheapest endpoint), `GET /api/v1/auth/me/` (an
  authenticated read) and the floor, a bare Django view (bench/bare_django.py) served by a second
  gunicorn in the same shape, all with the same count and concurrency, in this run;
  pgbench: the grab's raw SQL transaction, as many clients as the server's connection pool.

It prints, per scenario, the requests, 201s, 409s by error code, errors (any other status or a
connection failure), throughput, p50/p99 latency and the most connections to the bench database
seen while it ran; then the ratios grab (b) / pgbench and grab (b) / trivial next to their targets.
`--quick` is a small smoke run (20 clients, 50 auctions, pgbench for 3 s). `BENCH_DB` names
another database than `hothour_bench` (two people benchmarking on one machine).
"""

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
from benchdb import recreate_database
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
BENCH_DB = os.environ.get("BENCH_DB", "hothour_bench")
DATABASE_URL = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{BENCH_DB}"
# This script's own connections carry an application name, so the sampler can leave them out.
APP_NAME = "grab_bench"
REDIS_URL = "redis://127.0.0.1:6379/12"
PGBENCH = "/usr/bin/pgbench"
# The server's PostgreSQL pool size (settings default 20); pgbench runs with as many clients.
POOL_MAX = int(os.environ.get("DB_POOL_MAX_SIZE", "20"))
GRAB_PATH = "/api/v1/reservations/"
START_PRICE = Decimal("500.00")
TARGET_VS_PGBENCH = 0.20
TARGET_VS_TRIVIAL = 0.50
# Issue 15: held to Django's own floor on the same server shape, measured in the same run.
TARGET_LIST_VS_BARE = 0.50
TARGET_GRAB_VS_BARE = 0.10
TARGET_FLASH_P99_MS = 250
BARE_PATH = "/bare/"


@dataclass(frozen=True)
class Plan:
    flash_clients: int  # scenario a: distinct customers on one auction (a2: as many others)
    spread_auctions: int  # scenario b: as many customers, each on its own auction
    in_flight: int  # scenario b and the trivial baseline: concurrent requests
    pgbench_seconds: int
    reads: int  # requests of each read scenario (list, authenticated read, bare floor)
    read_in_flight: int

    @property
    def customers(self) -> int:
        return max(self.flash_clients, self.spread_auctions)


FULL = Plan(
    flash_clients=200, spread_auctions=1000, in_flight=100, pgbench_seconds=10, reads=4000, read_in_flight=32
)
QUICK = Plan(
    flash_clients=20, spread_auctions=50, in_flight=10, pgbench_seconds=3, reads=1500, read_in_flight=16
)
# Scenario a2: one auction selling this many seats (DESIGN section 3, "Several spots per class").
MULTI_SEATS = 10


@dataclass(frozen=True)
class Seed:
    studio_id: int
    flash_auction: int
    multi_seat_auction: int
    spread_auctions: list[int]
    customer_ids: list[int]
    tokens: list[str]  # access token of each customer, in customer_ids order


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    token: str | None = None
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer at all
    code: str  # the error body's `code`, or the exception's name when status is None
    latency: float


@dataclass
class Result:
    name: str
    expected: int  # the success status: 201 for grabs, 200 for the trivial GET
    answers: list[Answer]
    wall: float
    max_db_connections: int
    note: str = ""
    ok: int = field(init=False)
    conflicts: Counter[str] = field(init=False)
    errors: Counter[str] = field(init=False)

    def __post_init__(self) -> None:
        self.ok = sum(1 for a in self.answers if a.status == self.expected)
        self.conflicts = Counter(a.code for a in self.answers if a.status == 409)
        self.errors = Counter(
            f"{a.status or 'no answer'} {a.code}".strip()
            for a in self.answers
            if a.status not in (self.expected, 409)
        )

    @property
    def throughput(self) -> float:
        return len(self.answers) / self.wall if self.wall else 0.0

    def percentile_ms(self, p: float) -> float:
        latencies = sorted(a.latency for a in self.answers)
        rank = max(1, math.ceil(p / 100 * len(latencies)))
        return latencies[rank - 1] * 1000


class ConnectionSampler:
    """Counts connections to the bench database every few milliseconds, from a thread of its own."""

    def __init__(self, interval: float = 0.02) -> None:
        self._interval = interval
        self._max = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._conn = connect("postgres")
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        # Client backends only: autovacuum workers on the bench database would count too otherwise.
        query = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
            " AND backend_type = 'client backend' AND application_name <> %s"
        )
        while not self._stop.is_set():
            row = self._conn.execute(query, (BENCH_DB, APP_NAME)).fetchone()
            with self._lock:
                self._max = max(self._max, row[0] if row else 0)
            self._stop.wait(self._interval)

    def __enter__(self) -> "ConnectionSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()

    def take_max(self) -> int:
        """The most connections seen since the last call."""
        with self._lock:
            seen, self._max = self._max, 0
        return seen


def step(message: str) -> None:
    print(f"-- {message}", flush=True)


def connect(dbname: str) -> psycopg.Connection[tuple[Any, ...]]:
    dsn = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"
    return psycopg.connect(dsn, autocommit=True, application_name=APP_NAME)


def admin_query(query: sql.Composed | str, dbname: str = "postgres") -> list[tuple[Any, ...]]:
    with connect(dbname) as conn:
        cursor = conn.execute(query)
        return cursor.fetchall() if cursor.description else []


def seed_data(plan: Plan) -> Seed:
    """Studio, customers, ACTIVE auctions and access tokens, written through Django in this process."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "hothour.settings.base"
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["REDIS_URL"] = ""  # setup broadcasts go to the in-memory layer, nobody listens here
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connections
    from django.db.backends.postgresql.base import DatabaseWrapper
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import Gender, Studio, User
    from auctions.models import Auction, AuctionStatus
    from auctions.services import auction_create

    step(f"creating 1 studio, {plan.customers} customers, {plan.spread_auctions + 2} auctions")
    studio = Studio.objects.create(name="Bench Studio", address="Moda, Kadıköy, İstanbul")
    password = make_password("HotHour-bench-2026")  # hashed once: argon2 per user would take minutes
    customers = User.objects.bulk_create(
        User(
            email=f"bench{i}@hothour.bench",
            full_name=f"Bench Customer {i}",
            phone=f"+90555{i:07d}",
            gender=Gender.FEMALE,
            is_verified=True,
            password=password,
        )
        for i in range(plan.customers)
    )
    now = timezone.now()
    values: dict[str, Any] = {
        "start_price": START_PRICE,
        "floor_price": Decimal("100.00"),
        "drop_amount": Decimal("50.00"),
        "drop_interval_mins": 60,
        "start_time": now - timedelta(minutes=10),
        "end_time": now + timedelta(hours=2),
        "scheduled_at": now + timedelta(hours=3),
    }
    auction_ids = [
        auction_create(studio=studio, publish=True, title=f"Bench class {i}", **values).pk
        for i in range(plan.spread_auctions + 1)
    ]
    multi_seat = auction_create(
        studio=studio, publish=True, title=f"Bench class of {MULTI_SEATS} seats", seats=MULTI_SEATS, **values
    )
    auction_ids.append(multi_seat.pk)
    active = Auction.objects.filter(pk__in=auction_ids, status=AuctionStatus.ACTIVE).count()
    if active != len(auction_ids):
        raise SystemExit(f"setup: only {active} of {len(auction_ids)} auctions are ACTIVE")
    tokens = [str(AccessToken.for_user(user)) for user in customers]
    # Give back this process's pooled connections so the sampler counts only the server's.
    database = connections["default"]
    database.close()
    if isinstance(database, DatabaseWrapper):
        database.close_pool()
    return Seed(
        studio_id=studio.pk,
        flash_auction=auction_ids[0],
        multi_seat_auction=multi_seat.pk,
        spread_auctions=auction_ids[1:-1],
        customer_ids=[user.pk for user in customers],
        tokens=tokens,
    )


# The docker-compose shape: a worker per core, two threads each (on 2 cores 2x2 gave the grab
# 93.7/s where 4x4 gave 71.1/s: more threads only fight over each process's GIL).
# BENCH_GUNICORN_WORKERS / _THREADS try others.
GUNICORN_WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", str(os.cpu_count() or 2)))
GUNICORN_THREADS = int(os.environ.get("BENCH_GUNICORN_THREADS", "2"))


def server_command(kind: str, port: int) -> tuple[list[str], dict[str, str], int]:
    """The command line, extra environment and most database connections of one server shape."""
    bin_dir = Path(sys.executable).parent
    if kind == "daphne":
        return (
            [str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", str(port), "hothour.asgi:application"],
            {},
            POOL_MAX,
        )
    command = [
        str(bin_dir / "gunicorn"), "hothour.wsgi:application", "-b", f"127.0.0.1:{port}",
        "-k", "gthread", "-w", str(GUNICORN_WORKERS), "--threads", str(GUNICORN_THREADS),
        "--no-control-socket",
        # Longer than any queued request waits: gunicorn's 2 s default closed pooled client
        # connections just as they were reused (ClientOSError) once p99 passed 2 s.
        "--keep-alive", "75",
    ]  # fmt: skip
    # One pool per worker process, as big as its threads: workers x threads connections at most.
    env = {"DB_POOL_MAX_SIZE": str(GUNICORN_THREADS), "DB_POOL_MIN_SIZE": "1"}
    return command, env, GUNICORN_WORKERS * GUNICORN_THREADS


def bare_server_command(port: int) -> list[str]:
    """The floor: bench/bare_django.py under gunicorn in exactly the product's gunicorn shape."""
    command, _, _ = server_command("gunicorn", port)
    command[1] = "bare_django:application"
    return [*command, "--chdir", str(ROOT / "bench")]


def start_server(kind: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    command, extra_env, _ = server_command(kind, port)
    if kind == "bare":
        command, extra_env = bare_server_command(port), {}
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hothour.settings.base",
        # BENCH_SERVER_DATABASE_URL points the server elsewhere, e.g. at a PgBouncer in front of the
        # same database (with DB_PREPARE_THRESHOLD=none or DB_SERVER_SIDE_BINDING=false).
        "DATABASE_URL": os.environ.get("BENCH_SERVER_DATABASE_URL", DATABASE_URL),
        "REDIS_URL": REDIS_URL,
        "THROTTLE_GRAB": "1000000/min",
        "THROTTLE_GRAB_IP": "1000000/min",
        **extra_env,
    }
    step(f"starting {kind} on 127.0.0.1:{port} (log: {log_path})")
    with log_path.open("wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    step("server stopped")


async def wait_until_healthy(session: aiohttp.ClientSession, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode} before answering")
        try:
            async with session.get("/api/v1/health/") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.25)
    raise SystemExit("the server did not answer /api/v1/health/ with 200 within 60 s")


async def send(session: aiohttp.ClientSession, req: Req) -> Answer:
    headers = {"Accept-Language": "en"}
    if req.token:
        headers["Authorization"] = f"Bearer {req.token}"
    started = time.perf_counter()
    try:
        async with session.request(req.method, req.path, json=req.body, headers=headers) as response:
            text = await response.text()
            code = ""
            if response.status >= 400:
                try:
                    code = str(json.loads(text).get("code", ""))
                except (ValueError, AttributeError):
                    code = text[:60]
            return Answer(response.status, code, time.perf_counter() - started)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Answer(None, type(exc).__name__, time.perf_counter() - started)


def grab(token: str, auction_id: int) -> Req:
    return Req("POST", GRAB_PATH, token, {"auction_id": auction_id, "expected_price": str(START_PRICE)})


async def simultaneous(session: aiohttp.ClientSession, reqs: list[Req]) -> tuple[list[Answer], float]:
    """Every request waits at one gate, then all go at once."""
    gate = asyncio.Event()

    async def one(req: Req) -> Answer:
        await gate.wait()
        return await send(session, req)

    tasks = [asyncio.create_task(one(req)) for req in reqs]
    await asyncio.sleep(0.2)  # every task is parked at the gate
    started = time.perf_counter()
    gate.set()
    answers = await asyncio.gather(*tasks)
    return list(answers), time.perf_counter() - started


async def bounded(
    session: aiohttp.ClientSession, reqs: list[Req], in_flight: int
) -> tuple[list[Answer], float]:
    """`in_flight` workers take the requests one after another: that many are always outstanding."""
    pending = iter(reqs)
    answers: list[Answer] = []

    async def worker() -> None:
        for req in pending:
            answers.append(await send(session, req))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return answers, time.perf_counter() - started


def seats_held(auction_id: int) -> str:
    """'k live on d distinct seats in 1..n, seats_sold s, STATUS', read from the database."""
    live, distinct, low, high = admin_query(
        sql.SQL(
            "SELECT count(*), count(DISTINCT seat_no), min(seat_no), max(seat_no)"
            " FROM reservations_reservation WHERE status <> 'CANCELLED' AND auction_id = {}"
        ).format(sql.Literal(auction_id)),
        BENCH_DB,
    )[0]
    seats_sold, status = admin_query(
        sql.SQL("SELECT seats_sold, status FROM auctions_auction WHERE id = {}").format(
            sql.Literal(auction_id)
        ),
        BENCH_DB,
    )[0]
    return f"{live} live on {distinct} distinct seats in {low}..{high}, seats_sold {seats_sold}, {status}"


def live_reservations(auction_ids: list[int]) -> int:
    query = sql.SQL(
        "SELECT count(*) FROM reservations_reservation WHERE status <> 'CANCELLED' AND auction_id IN ({})"
    ).format(sql.SQL(", ").join(sql.Literal(pk) for pk in auction_ids))
    return int(admin_query(query, BENCH_DB)[0][0])


async def run_bare(plan: Plan, port: int, server: subprocess.Popen[bytes]) -> Result:
    connector = aiohttp.TCPConnector(limit=plan.read_in_flight, limit_per_host=0)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", connector=connector) as session:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the bare Django server did not start")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(BARE_PATH) as response:
                    if response.status == 200:
                        break
            await asyncio.sleep(0.25)
        step(f"floor: {plan.reads} x GET {BARE_PATH} (bare Django view), {plan.read_in_flight} in flight")
        await bounded(session, [Req("GET", BARE_PATH)] * 200, plan.read_in_flight)  # warm-up
        answers, wall = await bounded(session, [Req("GET", BARE_PATH)] * plan.reads, plan.read_in_flight)
        return Result("bare Django view", 200, answers, wall, 0)


async def run_http(plan: Plan, seed: Seed, port: int, server: subprocess.Popen[bytes]) -> list[Result]:
    connector = aiohttp.TCPConnector(limit=plan.flash_clients + plan.in_flight, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(
        f"http://127.0.0.1:{port}", connector=connector, timeout=timeout
    ) as session:
        await wait_until_healthy(session, server)
        results = []
        with ConnectionSampler() as sampler:
            step(f"scenario a: {plan.flash_clients} customers grab auction {seed.flash_auction} at once")
            sampler.take_max()
            reqs = [grab(token, seed.flash_auction) for token in seed.tokens[: plan.flash_clients]]
            answers, wall = await simultaneous(session, reqs)
            most = sampler.take_max()  # before our own check below opens a connection
            live = live_reservations([seed.flash_auction])
            results.append(Result("a flash sale", 201, answers, wall, most, f"{live} live in DB"))

            # Other customers than a's (the live-reservation cap is theirs to keep for b).
            others = seed.tokens[len(seed.tokens) - plan.flash_clients :]
            step(
                f"scenario a2: {plan.flash_clients} other customers grab the {MULTI_SEATS} seats of auction "
                f"{seed.multi_seat_auction} at once"
            )
            sampler.take_max()
            answers, wall = await simultaneous(
                session, [grab(token, seed.multi_seat_auction) for token in others]
            )
            most = sampler.take_max()
            held = seats_held(seed.multi_seat_auction)
            results.append(Result(f"a2 flash sale, {MULTI_SEATS} seats", 201, answers, wall, most, held))

            step(f"scenario b: {plan.spread_auctions} grabs on as many auctions, {plan.in_flight} in flight")
            reqs = [grab(token, pk) for token, pk in zip(seed.tokens, seed.spread_auctions, strict=False)]
            answers, wall = await bounded(session, reqs, plan.in_flight)
            most = sampler.take_max()
            live = live_reservations(seed.spread_auctions)
            results.append(Result("b spread", 201, answers, wall, most, f"{live} live in DB"))

            step(f"trivial: {plan.spread_auctions} x GET /api/v1/studios/{seed.studio_id}/, same concurrency")
            sampler.take_max()
            reqs = [Req("GET", f"/api/v1/studios/{seed.studio_id}/")] * plan.spread_auctions
            answers, wall = await bounded(session, reqs, plan.in_flight)
            results.append(Result("trivial GET", 200, answers, wall, sampler.take_max()))

            reads = {
                "list GET": Req("GET", "/api/v1/studios/"),
                "auth'd read": Req("GET", "/api/v1/auth/me/", seed.tokens[-1]),
            }
            for name, req in reads.items():
                step(f"{name}: {plan.reads} x {req.method} {req.path}, {plan.read_in_flight} in flight")
                await bounded(session, [req] * 200, plan.read_in_flight)  # warm-up
                sampler.take_max()
                answers, wall = await bounded(session, [req] * plan.reads, plan.read_in_flight)
                results.append(Result(name, 200, answers, wall, sampler.take_max()))
    return results


PGBENCH_SCRIPT = r"""
\set aid random(:amin, :amax)
\set uid random(:umin, :umax)
BEGIN;
SELECT a.id, a.status, a.start_price, a.floor_price, a.start_time, a.end_time, s.id, s.name
  FROM auctions_auction a JOIN accounts_studio s ON s.id = a.studio_id
 WHERE a.id = :aid FOR UPDATE OF a;
SELECT seat_no, user_id FROM reservations_reservation WHERE auction_id = :aid AND status <> 'CANCELLED';
INSERT INTO reservations_reservation
       (seat_no, locked_price, booking_code, status, reserved_at, cancelled_at, cancelled_by,
        auction_id, user_id)
VALUES (1, 100.00, 'B' || lpad(to_hex(nextval('bench_booking_code')), 9, '0'), 'CANCELLED',
        now(), now(), '', :aid, :uid);
UPDATE auctions_auction SET status = 'SOLD', current_price = 100.00, next_change_at = NULL, updated_at = now()
 WHERE id = :aid;
COMMIT;
"""


@dataclass(frozen=True)
class PgbenchResult:
    tps: float
    latency_ms: float
    failed: str
    transactions: str


def run_pgbench(plan: Plan, seed: Seed) -> PgbenchResult:
    step(f"pgbench: the raw grab transaction, -c {POOL_MAX} -j 2 -T {plan.pgbench_seconds}")
    admin_query("CREATE SEQUENCE IF NOT EXISTS bench_booking_code", BENCH_DB)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", prefix="grab_") as script:
        script.write(PGBENCH_SCRIPT)
        script.flush()
        variables = {
            "amin": min(seed.spread_auctions),
            "amax": max(seed.spread_auctions),
            "umin": min(seed.customer_ids),
            "umax": max(seed.customer_ids),
        }
        command = [PGBENCH, "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-n"]
        command += ["-c", str(POOL_MAX), "-j", "2", "-T", str(plan.pgbench_seconds), "-f", script.name]
        for name, value in variables.items():
            command += ["-D", f"{name}={value}"]
        done = subprocess.run([*command, BENCH_DB], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pgbench failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

    def field_of(pattern: str) -> str:
        match = re.search(pattern, done.stdout, re.MULTILINE)
        return match.group(1) if match else "?"

    return PgbenchResult(
        tps=float(field_of(r"^tps = ([\d.]+)")),
        latency_ms=float(field_of(r"^latency average = ([\d.]+) ms")),
        failed=field_of(r"^number of failed transactions: (.+)$"),
        transactions=field_of(r"^number of transactions actually processed: (\d+)"),
    )


def report(plan: Plan, results: list[Result], pgbench: PgbenchResult, max_connections: int) -> None:
    header = ("scenario", "requests", "2xx", "409 by code", "errors", "req/s", "p50 ms", "p99 ms", "DB conns")
    rows = [
        (
            r.name,
            str(len(r.answers)),
            str(r.ok),
            ", ".join(f"{code}={n}" for code, n in r.conflicts.most_common()) or "-",
            str(sum(r.errors.values())),
            f"{r.throughput:.1f}",
            f"{r.percentile_ms(50):.1f}",
            f"{r.percentile_ms(99):.1f}",
            str(r.max_db_connections),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print()
    print("== results (" + ("quick" if plan is QUICK else "full") + " run)")
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    for r in results:
        if r.note and r.expected == 201:
            print(f"{r.name}: {r.ok} x 201, {r.note}")
        for label, count in r.errors.most_common():
            print(f"{r.name}: error {label} x {count}")
    print(
        f"pgbench (-c {POOL_MAX} -j 2 -T {plan.pgbench_seconds}): tps = {pgbench.tps:.1f}, "
        f"latency average = {pgbench.latency_ms:.2f} ms, transactions = {pgbench.transactions}, "
        f"failed = {pgbench.failed}"
    )
    print(
        "  (its transaction: lock the auction row FOR UPDATE, read the seats held, insert a reservation, "
        "mark the auction SOLD, commit; the reservation is inserted CANCELLED so the partial unique "
        "indexes 'one live reservation per seat' and 'per customer' are maintained but never conflict)"
    )
    by_name = {r.name: r for r in results}
    spread, trivial = by_name["b spread"], by_name["trivial GET"]
    vs_pgbench = spread.throughput / pgbench.tps if pgbench.tps else 0.0
    vs_trivial = spread.throughput / trivial.throughput if trivial.throughput else 0.0
    print()
    print("== ratios")
    if spread.errors or trivial.errors:
        # Throughput of refusals says nothing about the grab: no ratio from such a run.
        print("NOT VALID: scenario b or the trivial GET had errors (see above); no ratios from this run")
        return
    print(
        f"grab (b) / pgbench tps : {spread.throughput:.1f} / {pgbench.tps:.1f} = {vs_pgbench:.1%} "
        f"(target >= {TARGET_VS_PGBENCH:.0%}: {'met' if vs_pgbench >= TARGET_VS_PGBENCH else 'NOT met'})"
    )
    print(
        f"grab (b) / trivial GET : {spread.throughput:.1f} / {trivial.throughput:.1f} = {vs_trivial:.1%} "
        f"(target >= {TARGET_VS_TRIVIAL:.0%}: {'met' if vs_trivial >= TARGET_VS_TRIVIAL else 'NOT met'})"
    )
    bare = by_name.get("bare Django view")
    if bare and bare.throughput and not bare.errors:
        print(f"-- the floor, a bare Django view in the same gunicorn shape: {bare.throughput:.1f} req/s")
        targets = {"list GET": TARGET_LIST_VS_BARE, "b spread": TARGET_GRAB_VS_BARE}
        for name in ("trivial GET", "list GET", "auth'd read", "b spread", "a flash sale"):
            if name not in by_name or name == "a flash sale":
                continue
            r = by_name[name]
            share = r.throughput / bare.throughput
            target = targets.get(name)
            verdict = (
                f" (target >= {target:.0%}: {'met' if share >= target else 'NOT met'})" if target else ""
            )
            print(f"{name} / bare : {r.throughput:.1f} / {bare.throughput:.1f} = {share:.1%}{verdict}")
    flash = by_name["a flash sale"]
    p99 = flash.percentile_ms(99)
    print(
        f"flash sale: {flash.ok} x 201 of {len(flash.answers)}, {sum(flash.errors.values())} errors, "
        f"p99 {p99:.0f} ms (target <= {TARGET_FLASH_P99_MS} ms at 200: "
        f"{'met' if p99 <= TARGET_FLASH_P99_MS else 'NOT met'})"
    )
    most = max(r.max_db_connections for r in results)
    print(f"max connections to {BENCH_DB} seen: {most} (PostgreSQL max_connections {max_connections})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--port", type=int, default=8765, help="where the server listens (default 8765)")
    parser.add_argument(
        "--server",
        choices=["gunicorn", "daphne"],
        default="gunicorn",
        help="HTTP server: gunicorn (WSGI, the recommended shape for HTTP) or daphne (ASGI)",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL

    recreate_database(BENCH_DB)
    seed = seed_data(plan)
    max_connections = int(admin_query("SHOW max_connections")[0][0])
    log_path = Path(tempfile.gettempdir()) / f"hothour_bench_{args.server}_{args.port}.log"
    server = start_server(args.server, args.port, log_path)
    most_connections = server_command(args.server, args.port)[2]
    step(f"server shape: {args.server}; at most {most_connections} database connections")
    bare_log = Path(tempfile.gettempdir()) / f"hothour_bench_bare_{args.port + 1}.log"
    bare_server = start_server("bare", args.port + 1, bare_log)
    try:
        # The floor is measured before and after the product's reads (the machine's load drifts).
        results = [asyncio.run(run_bare(plan, args.port + 1, bare_server))]
        results += asyncio.run(run_http(plan, seed, args.port, server))
        results.append(asyncio.run(run_bare(plan, args.port + 1, bare_server)))
    finally:
        stop_server(server)
        stop_server(bare_server)
    first, last = results.pop(0), results.pop()
    results.append(Result("bare Django view", 200, first.answers + last.answers, first.wall + last.wall, 0))
    pgbench = run_pgbench(plan, seed)
    report(plan, results, pgbench, max_connections)


if __name__ == "__main__":
    main()
