"""Benchmark of the live-price fan-out on `/ws/auctions/` against a raw relay. It measures, never asserts.

    .venv/bin/python bench/fanout_bench.py [--quick] [--layer pubsub|core|both] [--port 8780]

It needs PostgreSQL at postgres://postgres@127.0.0.1:5432, Redis at 127.0.0.1:6379 and three free
ports from --port on. It drops and recreates the database `hothour_fanout`, migrates it, creates
one studio and one ACTIVE auction, empties Redis database 13, and starts:

  app: daphne serving the project (CHANNEL_LAYER_PREFIX=hothour-bench, channel names of its own;
       REDIS_URL=redis://127.0.0.1:6379/13), one per channel layer kind
       (CHANNEL_LAYER_KIND=pubsub / core), output in /tmp/hothour_fanout_daphne_<kind>_<port>.log;
  raw relay: this script with --serve-relay, a bare `websockets` server that subscribes to one Redis
       pub/sub channel and broadcasts each message to all its clients, output in
       /tmp/hothour_fanout_relay_<port>.log.

For each N (100, 1,000, 2,000; --quick: 20, 100) and each target, N WebSocket clients connect from
this one asyncio process and wait for their first frame (the app's `snapshot`), then 20 changes
(--quick: 5) are published one after another: to the app the way the tick does it after commit
(`auctions.events._send_now` with a `price_update` for the auction; the app's broadcaster thread
sends it with the same settings and layer kind as the server), to the relay with one redis-py
PUBLISH. Each change carries a sequence number and its send time; a change's latency is the time
from that send time until the LAST client received it (one more change before them, not counted,
warms the sender up). It prints, per target and N, the clients connected, the changes every
client received (with any shortfall), the p50/p99 last-client latency over the changes, the time
the send call itself took, then the ratio app / raw relay and which layer kind did better at the
largest N, and any Traceback/ERROR/WARNING in the servers' logs.
"""

import argparse
import asyncio
import contextlib
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import benchdb
import redis
from benchdb import recreate_database
from redis import asyncio as aioredis
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "hothour.settings.base"
# Redis pub/sub ignores database numbers: channel names of our own keep a test run or a dev
# server on the same Redis from hearing the benchmark's group messages (and the reverse).
os.environ["CHANNEL_LAYER_PREFIX"] = "hothour-bench"
FANOUT_DB = "hothour_fanout"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{FANOUT_DB}"
REDIS_URL = "redis://127.0.0.1:6379/13"
RAW_CHANNEL = "hothour_fanout_raw"
LAYER_KINDS = ("pubsub", "core")
# The server accepts WebSocket handshakes from ALLOWED_HOSTS + CORS_ALLOWED_ORIGINS.
ORIGIN = Origin("http://localhost")
SEQ, SENT_AT = "bench_seq", "bench_sent_at"
HANDSHAKES_IN_FLIGHT = 50  # daphne listens with Twisted's default backlog of 50
DELIVERY_TIMEOUT = 10.0  # seconds a change may take to reach every client
PAUSE = 0.3  # seconds between changes, after the last client got the previous one
TARGET_RATIO = 2.0  # app p99 / raw relay p99 for the largest N


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    changes: int


FULL = Plan(sizes=(100, 1000, 2000), changes=20)
QUICK = Plan(sizes=(20, 100), changes=5)


@dataclass
class Run:
    target: str
    size: int
    connected: int = 0
    connect_seconds: float = 0.0
    connect_errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # per change: send -> last client, seconds
    deliveries: list[int] = field(default_factory=list)  # per change: clients that received it
    send_seconds: list[float] = field(default_factory=list)  # per change: the publishing call itself
    unexpected_closes: int = 0

    @property
    def complete(self) -> int:
        return sum(1 for delivered in self.deliveries if delivered == self.size)

    def percentile_ms(self, p: float) -> float:
        """Nearest rank: over 20 changes, p99 is the slowest one."""
        ranked = sorted(self.latencies)
        return ranked[max(1, math.ceil(p / 100 * len(ranked))) - 1] * 1000


def step(message: str) -> None:
    print(f"-- {message}", flush=True)


def raise_open_files(needed: int) -> int | None:
    """Raise this process's soft limit on open files to `needed` (children inherit it).

    Returns None when done, else the lower limit the hard limit allows.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return None
    allowed = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (allowed, hard))
    return None if allowed >= needed else allowed


def setup_django() -> None:
    """Django in this process, on the bench database and Redis: the app's sends go from here."""
    # Each run overrides CHANNEL_LAYERS with its own kind.
    benchdb.setup_django(database_url=DATABASE_URL, redis_url=REDIS_URL, CHANNEL_LAYER_KIND=LAYER_KINDS[0])


def seed_auction() -> Any:
    """One studio and one auction, ACTIVE for the next two hours, through the services."""
    from django.db import connection
    from django.db.backends.postgresql.base import DatabaseWrapper
    from django.utils import timezone

    from accounts.models import Studio
    from auctions.models import AuctionStatus
    from auctions.services import auction_create

    step("creating 1 studio and 1 ACTIVE auction")
    now = timezone.now()
    auction = auction_create(
        studio=Studio.objects.create(name="Fanout Studio", address="Moda, Kadıköy, İstanbul"),
        publish=True,
        now=now,
        title="Fanout bench class",
        start_price=Decimal("500.00"),
        floor_price=Decimal("100.00"),
        drop_amount=Decimal("50.00"),
        drop_interval_mins=60,
        start_time=now - timedelta(minutes=10),
        end_time=now + timedelta(hours=2),
        scheduled_at=now + timedelta(hours=3),
    )
    if auction.status != AuctionStatus.ACTIVE:
        raise SystemExit(f"setup: the auction is {auction.status}, not ACTIVE")
    connection.close()
    if isinstance(connection, DatabaseWrapper):
        connection.close_pool()
    return auction


def layer_settings(kind: str) -> dict[str, Any]:
    """The project's CHANNEL_LAYERS with CHANNEL_LAYER_KIND=kind."""
    from django.conf import settings

    return {
        "default": {**settings.CHANNEL_LAYERS["default"], "BACKEND": settings.CHANNEL_LAYER_BACKENDS[kind]}
    }


def start_process(
    name: str, command: list[str], env: dict[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    step(f"starting {name} (log: {log_path})")
    with log_path.open("wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def start_daphne(kind: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CHANNEL_LAYER_KIND": kind,
    }
    daphne = str(Path(sys.executable).parent / "daphne")
    command = [daphne, "-b", "127.0.0.1", "-p", str(port), "hothour.asgi:application"]
    return start_process(f"daphne ({kind}) on 127.0.0.1:{port}", command, env, log_path)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Fleet:
    """N WebSocket clients; for every expected change, when it reached each of them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.connections: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []
        self.latencies: dict[int, list[float]] = {}
        self.everyone: dict[int, asyncio.Event] = {}
        self.closing = False
        self.unexpected_closes = 0

    async def open(self, url: str) -> list[str]:
        """Connect every client and wait for its first frame; return the errors of those that failed."""
        gate = asyncio.Semaphore(HANDSHAKES_IN_FLIGHT)
        results = await asyncio.gather(
            *(self._open_one(url, gate) for _ in range(self.size)), return_exceptions=True
        )
        return [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]

    async def _open_one(self, url: str, gate: asyncio.Semaphore) -> None:
        async with gate:
            ws = await connect(url, origin=ORIGIN, compression=None, ping_interval=None, open_timeout=60)
            try:
                first = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if first.get("event") != "snapshot":
                    raise RuntimeError(f"first frame is {first.get('event')!r}, not a snapshot")
            except BaseException:
                await ws.close()
                raise
        self.connections.append(ws)
        self.readers.append(asyncio.create_task(self._listen(ws)))

    async def _listen(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                received = time.time()
                data = json.loads(raw).get("data")
                if isinstance(data, dict) and data.get(SEQ) in self.latencies:
                    self._arrived(data[SEQ], received - data[SENT_AT])
        except ConnectionClosed:
            pass
        if not self.closing:
            self.unexpected_closes += 1

    def _arrived(self, seq: int, latency: float) -> None:
        latencies = self.latencies[seq]
        latencies.append(latency)
        if len(latencies) == self.size:
            self.everyone[seq].set()

    def expect(self, seq: int) -> None:
        self.latencies[seq] = []
        self.everyone[seq] = asyncio.Event()

    async def wait_for_everyone(self, seq: int) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.everyone[seq].wait(), DELIVERY_TIMEOUT)

    async def close(self) -> None:
        """Close as gradually as the clients connected: a storm of disconnects is another benchmark."""
        self.closing = True
        gate = asyncio.Semaphore(HANDSHAKES_IN_FLIGHT)

        async def close_one(ws: ClientConnection) -> None:
            async with gate:
                await ws.close()

        await asyncio.gather(*(close_one(ws) for ws in self.connections))
        await asyncio.gather(*self.readers)


Publish = Callable[[int], Awaitable[None]]


async def one_change(fleet: Fleet, seq: int, publish: Publish) -> tuple[float, float, int]:
    """Publish change `seq`; return the send call's seconds, the last client's latency and the reach."""
    fleet.expect(seq)
    sending = time.perf_counter()
    await publish(seq)
    sent = time.perf_counter() - sending
    await fleet.wait_for_everyone(seq)
    await asyncio.sleep(PAUSE)  # late arrivals of an incomplete change still count
    latencies = fleet.latencies[seq]
    return sent, max(latencies) if latencies else math.inf, len(latencies)


async def measure(target: str, url: str, size: int, changes: int, publish: Publish) -> Run:
    run = Run(target, size)
    fleet = Fleet(size)
    started = time.perf_counter()
    run.connect_errors = await fleet.open(url)
    run.connect_seconds = time.perf_counter() - started
    run.connected = len(fleet.connections)
    try:
        # Not counted: the first send of a layer opens its Redis connections.
        await one_change(fleet, -1, publish)
        for seq in range(changes):
            sent, latency, reached = await one_change(fleet, seq, publish)
            run.send_seconds.append(sent)
            run.latencies.append(latency)
            run.deliveries.append(reached)
    finally:
        await fleet.close()
    run.unexpected_closes = fleet.unexpected_closes
    return run


def app_publisher(auction: Any) -> Publish:
    """A `price_update` for the auction, handed over the way the tick does after its commit."""
    from auctions import events

    groups, event, data = events.auction_message(auction, "price_update")

    async def publish(seq: int) -> None:
        # It only queues the message for the broadcaster's own thread and loop, so it may run here.
        events._send_now([(groups, event, {**data, SEQ: seq, SENT_AT: time.time()})])

    return publish


def raw_publisher(client: aioredis.Redis, auction: Any) -> Publish:
    """The same envelope and data, PUBLISHed once on the relay's channel."""
    from auctions import events

    _, event, data = events.auction_message(auction, "price_update")

    async def publish(seq: int) -> None:
        sent_at = time.time()
        payload = {"event": event, "data": {**data, SEQ: seq, SENT_AT: sent_at}, "server_time": str(sent_at)}
        await client.publish(RAW_CHANNEL, json.dumps(payload))

    return publish


async def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    """Until one client gets its first frame: the server is up and talks to Redis and the database."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args!r} exited with status {process.returncode} before answering")
        probe = Fleet(1)
        errors = await probe.open(url)
        await probe.close()
        if not errors:
            return
        await asyncio.sleep(0.25)
    raise SystemExit(f"{url} did not send a first frame within 60 s")


async def run_all(plan: Plan, kinds: list[str], auction: Any, port: int, logs: dict[str, Path]) -> list[Run]:
    from django.test.utils import override_settings

    relay_port = port + len(LAYER_KINDS)
    servers = {
        kind: start_daphne(kind, port + i, logs[kind]) for i, kind in enumerate(LAYER_KINDS) if kind in kinds
    }
    relay_command = [sys.executable, __file__, "--serve-relay", str(relay_port)]
    servers["raw"] = start_process(
        f"raw relay on 127.0.0.1:{relay_port}", relay_command, dict(os.environ), logs["raw"]
    )
    urls = {kind: f"ws://127.0.0.1:{port + i}/ws/auctions/" for i, kind in enumerate(LAYER_KINDS)}
    urls["raw"] = f"ws://127.0.0.1:{relay_port}/"
    client = aioredis.Redis.from_url(REDIS_URL)
    runs = []
    try:
        for name, server in servers.items():
            await wait_ready(urls[name], server)
        for size in plan.sizes:
            step(f"raw relay: {size} clients, {plan.changes} changes")
            runs.append(
                await measure("raw relay", urls["raw"], size, plan.changes, raw_publisher(client, auction))
            )
            for kind in kinds:
                step(f"app, {kind} layer: {size} clients, {plan.changes} changes")
                with override_settings(CHANNEL_LAYERS=layer_settings(kind)):
                    publish = app_publisher(auction)
                    runs.append(await measure(f"app {kind}", urls[kind], size, plan.changes, publish))
    finally:
        await client.aclose()
        for server in servers.values():
            stop_process(server)
        step("servers stopped")
    return runs


async def serve_relay(port: int) -> None:
    """The raw relay: every message on RAW_CHANNEL goes to every connected client, nothing else."""
    clients: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        try:
            # Like the app's snapshot: the first frame tells the client it will get every message.
            await ws.send(json.dumps({"event": "snapshot", "data": [], "server_time": str(time.time())}))
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    pubsub = aioredis.Redis.from_url(REDIS_URL).pubsub()
    await pubsub.subscribe(RAW_CHANNEL)
    async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=None, backlog=1024):
        async for message in pubsub.listen():
            if message["type"] == "message":
                broadcast(clients, message["data"], text=True)


def log_problems(path: Path) -> list[str]:
    """Lines of a server log that say something went wrong."""
    python = ("Traceback", "ERROR", "WARNING", "Exception")
    markers = (*python, "[error]", "[crit]", "[alert]", "[emerg]")  # and nginx's
    return [line for line in path.read_text(errors="replace").splitlines() if any(m in line for m in markers)]


def report(plan: Plan, runs: list[Run], kinds: list[str], logs: dict[str, Path]) -> None:
    header = ("target", "N", "connected", "connect s", "complete", "p50 ms", "p99 ms", "send p50 ms")
    rows = [
        (
            r.target,
            str(r.size),
            str(r.connected),
            f"{r.connect_seconds:.1f}",
            f"{r.complete}/{len(r.deliveries)}",
            f"{r.percentile_ms(50):.1f}",
            f"{r.percentile_ms(99):.1f}",
            f"{statistics.median(r.send_seconds) * 1000:.1f}",
        )
        for r in runs
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print()
    print(f"== last-client latency over {plan.changes} changes ({'quick' if plan is QUICK else 'full'} run)")
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print(
        "  complete = changes every one of the N clients received; send = the publishing call alone "
        "(relay: the PUBLISH round trip; app: events._send_now, which queues for the broadcaster thread)"
    )
    for r in runs:
        for error in sorted(set(r.connect_errors)):
            count = r.connect_errors.count(error)
            print(f"{r.target} N={r.size}: {count} clients failed to connect: {error}")
        for seq, delivered in enumerate(r.deliveries):
            if delivered != r.size:
                print(f"{r.target} N={r.size}: SHORTFALL change {seq} reached {delivered} of {r.size}")
        if r.unexpected_closes:
            print(f"{r.target} N={r.size}: {r.unexpected_closes} connections closed by the server")

    by_key = {(r.target, r.size): r for r in runs}
    largest = plan.sizes[-1]
    print()
    print(f"== app / raw relay, last-client latency (target at N={largest}: p99 <= {TARGET_RATIO:.0f}x)")
    for size in plan.sizes:
        raw = by_key["raw relay", size]
        for kind in kinds:
            app = by_key[f"app {kind}", size]
            p50 = app.percentile_ms(50) / raw.percentile_ms(50)
            p99 = app.percentile_ms(99) / raw.percentile_ms(99)
            verdict = f" ({'met' if p99 <= TARGET_RATIO else 'NOT met'})" if size == largest else ""
            print(f"N={size:<5} {kind:<6}  p50 {p50:.2f}x   p99 {p99:.2f}x{verdict}")

    if len(kinds) == len(LAYER_KINDS):
        pubsub, core = by_key["app pubsub", largest], by_key["app core", largest]
        best = min((pubsub, core), key=lambda r: (r.percentile_ms(99), r.percentile_ms(50)))
        print()
        print(f"== layer kinds at N={largest}")
        for r in (pubsub, core):
            print(f"{r.target}: p50 {r.percentile_ms(50):.1f} ms, p99 {r.percentile_ms(99):.1f} ms")
        print(
            f"better at p99: {best.target.removeprefix('app ')}; the project default (pubsub) is "
            + ("supported" if best is pubsub else "NOT supported")
            + " by this run"
        )

    print()
    for name, path in logs.items():
        problems = log_problems(path)
        print(f"{name} log {path}: {len(problems)} lines with Traceback/ERROR/WARNING/Exception")
        for line in problems[:10]:
            print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument(
        "--layer", choices=[*LAYER_KINDS, "both"], default="both", help="channel layer kind(s)"
    )
    parser.add_argument("--port", type=int, default=8780, help="first of three ports used (default 8780)")
    parser.add_argument("--serve-relay", type=int, metavar="PORT", help="internal: be the raw relay on PORT")
    args = parser.parse_args()
    if args.serve_relay:
        asyncio.run(serve_relay(args.serve_relay))
        return
    plan = QUICK if args.quick else FULL
    kinds = list(LAYER_KINDS) if args.layer == "both" else [args.layer]

    needed = 2 * max(plan.sizes) + 1024
    if (limit := raise_open_files(needed)) is not None:
        print(f"warning: open files limited to {limit}, fewer than the {needed} wanted")
    recreate_database(FANOUT_DB)
    setup_django()
    auction = seed_auction()
    step(f"emptying Redis database {REDIS_URL.rsplit('/', 1)[1]} (stale group members would get copies)")
    redis.Redis.from_url(REDIS_URL).flushdb()
    tmp = Path(tempfile.gettempdir())
    logs = {
        kind: tmp / f"hothour_fanout_daphne_{kind}_{args.port + i}.log"
        for i, kind in enumerate(LAYER_KINDS)
        if kind in kinds
    }
    logs["raw"] = tmp / f"hothour_fanout_relay_{args.port + len(LAYER_KINDS)}.log"
    runs = asyncio.run(run_all(plan, kinds, auction, args.port, logs))
    report(plan, runs, kinds, logs)


if __name__ == "__main__":
    main()
