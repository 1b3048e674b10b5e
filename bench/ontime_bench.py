"""Benchmark of on-time price steps: from each step's `next_drop_at` to the LAST of N sockets, the
production way (Celery beat's sweep + the on-time ETA tasks on a worker, daphne), beside the raw
websockets + Redis relay in the same run. It measures, never asserts.

    .venv/bin/python bench/ontime_bench.py [--quick] [--port 8790]

It needs PostgreSQL at postgres://postgres@127.0.0.1:5432, Redis at 127.0.0.1:6379 and two free
ports. It drops and recreates the database `hothour_ontime`, empties Redis database 10 (Celery's
queue and the on-time marks), and starts daphne (CHANNEL_LAYER_PREFIX=hothour-ontime), a Celery
worker (prefork, 2 processes, as docker-compose runs it), one Celery beat (HOTHOUR_TICK_SECONDS=1)
and fanout_bench.py's raw relay; logs in /tmp/hothour_ontime_<process>_<port>.log.

For each N (2,000; --quick: 200): the raw relay is measured first as fanout_bench.py does (send
-> last client over the same number of changes). Then N clients connect to daphne's
`/ws/auctions/` and, once all got their snapshot, `changes` ACTIVE auctions are created whose
first price step falls 15 s later and then every 2 s, one auction per step (2-minute steps, so
each auction steps once during the run). Nothing sends those steps but the ticker: each reaches
the clients as a `price_update` when the worker applies it. A step's latency is from its instant
(`next_drop_at` as the clients were told) to its arrival at the last client; it also prints the
first -> last spread, when the worker published it (the envelope's
server_time), how early any client saw a step (never, if steps are never published before
their instant) and the figures' ratio to the relay.
"""

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import fanout_bench as fb
import redis
from benchdb import recreate_database, setup_django
from redis import asyncio as aioredis
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
ONTIME_DB = "hothour_ontime"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{ONTIME_DB}"
REDIS_URL = "redis://127.0.0.1:6379/10"
PREFIX = "hothour-ontime"
LEAD = 15.0  # seconds from the auctions' creation to the first step
GAP = 2.0  # seconds between steps
TARGET_P99_MS = 150.0
TARGET_SPREAD_RATIO = 2.0


@dataclass(frozen=True)
class Plan:
    size: int
    changes: int


FULL = Plan(size=2000, changes=20)
QUICK = Plan(size=200, changes=8)


@dataclass
class Steps:
    """Per auction: its step instant, and when each client received its price_update."""

    instants: dict[int, float] = field(default_factory=dict)
    arrivals: dict[int, list[float]] = field(default_factory=dict)
    published: dict[int, float] = field(default_factory=dict)  # the envelope's server_time


class StepFleet(fb.Fleet):
    """Clients that time the ticker's own price_update of each auction against its step instant."""

    def __init__(self, size: int, steps: Steps) -> None:
        super().__init__(size)
        self.steps = steps

    async def _listen(self, ws: Any) -> None:
        try:
            async for raw in ws:
                received = time.time()
                message = json.loads(raw)
                if message.get("event") == "price_update":
                    pk = message["data"]["auction_id"]
                    self.steps.arrivals.setdefault(pk, []).append(received)
                    if pk not in self.steps.published:
                        sent = datetime.fromisoformat(message["server_time"]).timestamp()
                        self.steps.published[pk] = sent
        except ConnectionClosed:
            pass
        if not self.closing:
            self.unexpected_closes += 1


def stack_env(port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hothour.settings.base",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CHANNEL_LAYER_PREFIX": PREFIX,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HOTHOUR_TICK_SECONDS": "1",
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_MAX_SIZE": "4",
    }


def start_stack(port: int, tmp: Path) -> dict[str, subprocess.Popen[bytes]]:
    bin_dir = Path(sys.executable).parent
    commands = {
        "daphne": [str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", str(port), "hothour.asgi:application"],
        "worker": [str(bin_dir / "celery"), "-A", "hothour", "worker", "--concurrency", "2", "-l", "warning"],
        "beat": [
            str(bin_dir / "celery"), "-A", "hothour", "beat", "-l", "warning",
            "--schedule", str(tmp / f"hothour_ontime_beat_{port}"),
        ],
        "relay": [sys.executable, fb.__file__, "--serve-relay", str(port + 1)],
    }  # fmt: skip
    return {
        name: fb.start_process(name, command, stack_env(port), tmp / f"hothour_ontime_{name}_{port}.log")
        for name, command in commands.items()
    }


def create_stepping_auctions(changes: int) -> dict[int, float]:
    """`changes` ACTIVE auctions, the first step of auction i at now + LEAD + i * GAP."""
    from django.db import connection

    from auctions.tests.factories import make_stepping_auctions

    instants = make_stepping_auctions(changes, first_in=LEAD, every=GAP)
    connection.close()  # this runs in a worker thread: give its connection back
    return instants


async def measure_steps(plan: Plan, url: str) -> tuple[Steps, fb.Run]:
    steps = Steps()
    run = fb.Run("app on-time", plan.size)
    fleet = StepFleet(plan.size, steps)
    started = time.perf_counter()
    run.connect_errors = await fleet.open(url)
    run.connect_seconds = time.perf_counter() - started
    run.connected = len(fleet.connections)
    try:
        fb.step(f"creating {plan.changes} auctions stepping from {LEAD:.0f} s on, one every {GAP:.0f} s")
        steps.instants = await asyncio.to_thread(create_stepping_auctions, plan.changes)
        last = max(steps.instants.values())
        await asyncio.sleep(max(0.0, last - time.time()) + 5)
    finally:
        await fleet.close()
    run.unexpected_closes = fleet.unexpected_closes
    return steps, run


Server = tuple[str, subprocess.Popen[bytes]]  # a URL to wait for, and the process behind it


async def relay_then_steps(
    plan: Plan, *, relay: Server, app: Server, what: str
) -> tuple[Steps, fb.Run, fb.Run]:
    """Once both answer: the raw relay at `relay` (its URL and process) with N clients, then the
    ticker's steps to N clients at `app` (the URL of `/ws/auctions/`)."""
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await fb.wait_ready(*relay)
        await fb.wait_ready(*app)
        fb.step(f"raw relay: {plan.size} clients, {plan.changes} changes")
        from auctions.models import Auction

        any_auction = await asyncio.to_thread(lambda: Auction.objects.first())
        relay_run = await fb.measure(
            "raw relay", relay[0], plan.size, plan.changes, fb.raw_publisher(client, any_auction)
        )
        fb.step(f"{what}: {plan.size} clients, steps by the worker")
        steps, run = await measure_steps(plan, app[0])
    finally:
        await client.aclose()
    return steps, run, relay_run


async def run_all(plan: Plan, port: int, tmp: Path) -> tuple[Steps, fb.Run, fb.Run]:
    processes = start_stack(port, tmp)
    try:
        return await relay_then_steps(
            plan,
            relay=(f"ws://127.0.0.1:{port + 1}/", processes["relay"]),
            app=(f"ws://127.0.0.1:{port}/ws/auctions/", processes["daphne"]),
            what="app on-time on daphne",
        )
    finally:
        for process in processes.values():
            fb.stop_process(process)
        fb.step("processes stopped")


def percentile(values: list[float], p: float) -> float:
    ranked = sorted(values)
    return ranked[max(1, math.ceil(p / 100 * len(ranked))) - 1] if ranked else math.inf


def report(
    plan: Plan, steps: Steps, run: fb.Run, relay: fb.Run, logs: list[Path], title: str = "on-time steps"
) -> None:
    lasts, firsts, spreads, early, short = [], [], [], 0, []
    for pk, instant in steps.instants.items():
        arrivals = steps.arrivals.get(pk, [])
        if len(arrivals) < run.connected:
            short.append(f"auction {pk}: {len(arrivals)} of {run.connected} clients")
        if arrivals:
            lasts.append(max(arrivals) - instant)
            firsts.append(min(arrivals) - instant)
            spreads.append(max(arrivals) - min(arrivals))
            early += sum(1 for a in arrivals if a < instant)
    relay_spread_p99 = relay.percentile_ms(99)
    print()
    print(f"== {title}, N={plan.size} ({'quick' if plan.size < FULL.size else 'full'} run)")
    connected = f"app {run.connected}/{plan.size} in {run.connect_seconds:.1f} s, relay {relay.connected}"
    print(f"clients connected: {connected}")
    print(f"steps that reached every client: {len(steps.instants) - len(short)}/{len(steps.instants)}")
    for line in short:
        print(f"  SHORTFALL {line}")
    print(f"receipts before the step instant: {early}")
    if lasts:
        p50, p99 = percentile(lasts, 50) * 1000, percentile(lasts, 99) * 1000
        print(
            f"next_drop_at -> last client: p50 {p50:.1f} ms, p99 {p99:.1f} ms "
            f"(target p99 <= {TARGET_P99_MS:.0f} ms: {'met' if p99 <= TARGET_P99_MS else 'NOT met'})"
        )
        published = [
            steps.published[pk] - instant for pk, instant in steps.instants.items() if pk in steps.published
        ]
        print(
            f"next_drop_at -> published (the worker's commit, server_time): "
            f"p50 {percentile(published, 50) * 1000:.1f} ms, p99 {percentile(published, 99) * 1000:.1f} ms"
        )
        print(f"next_drop_at -> first client: p50 {percentile(firsts, 50) * 1000:.1f} ms")
        s50, s99 = percentile(spreads, 50) * 1000, percentile(spreads, 99) * 1000
        print(f"first -> last spread: p50 {s50:.1f} ms, p99 {s99:.1f} ms")
        print(
            f"raw relay send -> last client: p50 {relay.percentile_ms(50):.1f} ms, "
            f"p99 {relay_spread_p99:.1f} ms "
            f"(send p50 {statistics.median(relay.send_seconds) * 1000:.1f} ms)"
        )
        ratio = s99 / relay_spread_p99 if relay_spread_p99 else math.inf
        print(
            f"spread p99 / relay p99 = {ratio:.2f}x (target <= {TARGET_SPREAD_RATIO:.0f}x: "
            f"{'met' if ratio <= TARGET_SPREAD_RATIO else 'NOT met'}); "
            f"next_drop_at -> last p99 / relay p99 = {p99 / relay_spread_p99:.2f}x"
        )
    print()
    for path in logs:
        problems = fb.log_problems(path)
        print(f"log {path}: {len(problems)} lines with Traceback/ERROR/WARNING/Exception")
        for line in problems[:10]:
            print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--port", type=int, default=8790, help="daphne's port; the relay takes the next one")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    fb.raise_open_files(2 * plan.size + 1024)
    recreate_database(ONTIME_DB)
    setup_django(database_url=DATABASE_URL, redis_url=REDIS_URL, CHANNEL_LAYER_PREFIX=PREFIX)
    fb.step(f"emptying Redis database {REDIS_URL.rsplit('/', 1)[1]} (Celery's queue, on-time marks)")
    redis.Redis.from_url(REDIS_URL).flushdb()
    # The relay's publisher builds its envelope from an auction: one that never steps during the run.
    fb.seed_auction()
    tmp = Path(tempfile.gettempdir())
    steps, run, relay = asyncio.run(run_all(plan, args.port, tmp))
    logs = [tmp / f"hothour_ontime_{name}_{args.port}.log" for name in ("daphne", "worker", "beat")]
    report(plan, steps, run, relay, logs)


if __name__ == "__main__":
    main()
