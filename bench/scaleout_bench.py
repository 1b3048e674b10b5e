"""Benchmark of the scale-out shape at 10,000 sockets: price steps from the ticker to every socket
on two daphne processes behind nginx, beside the raw websockets + Redis relay at the same N, in
the same run. It measures, never asserts.

    .venv/bin/python bench/scaleout_bench.py [--quick] [--clients N] [--port 8800]

The shape is the scale-out test's (hothour/tests/test_scale_out.py), at benchmark size: the
project's deploy/nginx.conf (rendered as the production-shape test renders it, in a main config
with room for every socket) in front of two daphne processes, the channel layer sharded over two
Redis servers of its own (CHANNEL_LAYER_REDIS_URLS), PostgreSQL behind PgBouncer in transaction
mode (prepared statements off), one Celery worker (prefork, 2 processes, as docker-compose runs
it) and one beat (HOTHOUR_TICK_SECONDS=1). It needs Debian's nginx and pgbouncer (the test command
installs them), PostgreSQL at postgres://postgres@127.0.0.1:5432 and Redis at 127.0.0.1:6379 (for
the relay only); it drops and recreates the database `hothour_scaleout`. Logs are in
/tmp/hothour_scaleout_<port>/.

The relay (fanout_bench.py's) is measured first with the same N clients (send -> last client).
Then N clients connect to `/ws/auctions/` through nginx, which spreads them over both daphne
processes, and once all have their snapshot the bench creates one ACTIVE auction per step whose
first step falls 15 s later and then every 2 s (ontime_bench.py's auctions and report): only the
worker sends those steps. It prints the steps that reached every client, next_drop_at -> last
client, and the first -> last spread against the relay's (target: every step delivered to all,
spread p99 at most 2x the relay's at the same N), plus the servers' log problems.
"""

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import fanout_bench as fb
import ontime_bench as ob
import redis
from benchdb import recreate_database, setup_django

if TYPE_CHECKING:
    from hothour.tests.processes import Processes

ROOT = Path(__file__).resolve().parent.parent
SCALE_DB = "hothour_scaleout"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{SCALE_DB}"
PREFIX = "hothour-scaleout"
FULL = ob.Plan(size=10_000, changes=10)
QUICK = ob.Plan(size=500, changes=5)


def start_shape(processes: "Processes", port: int, log_dir: Path, config: Path) -> tuple[int, list[int]]:
    """pgbouncer, two Redis shards, two daphnes, a worker, beat, nginx and the raw relay; returns
    the relay's port and the daphnes'."""
    from hothour.tests.processes import free_port
    from hothour.tests.test_faults import _app_environment, _celery, _daphne
    from hothour.tests.test_production_shape import render_nginx
    from hothour.tests.test_scale_out import _pgbouncer, _port_open, _redis

    bouncer = _pgbouncer(processes, config)
    shards = [_redis(processes, f"redis-{i}", log_dir) for i in (1, 2)]
    env = _app_environment(
        database_url=f"postgres://postgres@127.0.0.1:{bouncer}/{SCALE_DB}",
        redis_url=shards[0],
        CHANNEL_LAYER_REDIS_URLS=",".join(shards),
        CHANNEL_LAYER_PREFIX=PREFIX,
        DB_PREPARE_THRESHOLD="none",
        HOTHOUR_TICK_SECONDS="1",
        LOG_LEVEL="WARNING",
    )
    daphnes = [port + 1, port + 2]
    for i, daphne_port in enumerate(daphnes, 1):
        processes.start(f"daphne-{i}", _daphne(daphne_port), env)
    processes.start("worker", _celery("worker", "--concurrency", "2", "-l", "warning"), env)
    processes.start(
        "beat", _celery("beat", "-l", "warning", "--schedule", str(log_dir / "beat-schedule")), env
    )
    # deploy/nginx.conf with both daphnes in its upstream, in a main config with room for 2 x N
    # connections (every proxied socket holds one to the client and one to a daphne), as the
    # proxy image's main config does.
    main = render_nginx(config, proxy=port, api=free_port(), ws=daphnes[0])
    site = config / "hothour.conf"
    one = f"server 127.0.0.1:{daphnes[0]};"
    site.write_text(site.read_text().replace(one, f"{one} server 127.0.0.1:{daphnes[1]};"))
    main.write_text(
        main.read_text()
        .replace("worker_connections 256;", "worker_connections 65536;")
        # A worker per core, as the image's main config (deploy/nginx-main.conf) runs: each holds
        # its share of the sockets under its own open-files limit.
        .replace("worker_processes 1;", "worker_processes auto;\nworker_rlimit_nofile 65536;")
    )
    processes.start("nginx", ["/usr/sbin/nginx", "-c", str(main), "-p", str(config)])
    relay_port = port + 3
    processes.start(
        "relay", [sys.executable, fb.__file__, "--serve-relay", str(relay_port)], dict(os.environ)
    )
    deadline = time.monotonic() + 30
    while not all(_port_open(p) for p in [port, *daphnes, relay_port]):
        if time.monotonic() > deadline:
            raise SystemExit(f"the shape did not come up: see the logs in {log_dir}")
        time.sleep(0.2)
    return relay_port, daphnes


class SocketCount(threading.Thread):
    """The most established connections seen on each daphne's port (sampled every second)."""

    def __init__(self, ports: list[int]) -> None:
        super().__init__(daemon=True)
        self.most = dict.fromkeys(ports, 0)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(1.0):
            for port in self.most:
                found = subprocess.run(
                    ["ss", "-Htn", "state", "established", f"( sport = :{port} )"],
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout
                self.most[port] = max(self.most[port], len(found.splitlines()))


async def run_all(
    plan: ob.Plan, port: int, relay_port: int, processes: "Processes"
) -> tuple[ob.Steps, fb.Run, fb.Run]:
    # The relay listens on the machine's Redis (pub/sub spans its databases), as in fanout_bench.py.
    return await ob.relay_then_steps(
        plan,
        relay=(f"ws://127.0.0.1:{relay_port}/", processes.running["relay"]),
        app=(f"ws://127.0.0.1:{port}/ws/auctions/", processes.running["nginx"]),
        what="scale-out: through nginx on two daphnes",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run (500 clients)")
    parser.add_argument("--clients", type=int, help="how many sockets (default 10,000)")
    parser.add_argument(
        "--port", type=int, default=8800, help="nginx's port; daphnes and relay the next three"
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.clients:
        plan = ob.Plan(size=args.clients, changes=plan.changes)
    for tool in ("/usr/sbin/nginx", "/usr/sbin/pgbouncer"):
        if not Path(tool).exists():
            raise SystemExit(f"{tool} is missing: install Debian's nginx and pgbouncer (make test does)")
    # This process holds N client sockets, the relay N, each daphne about N / 2 (they inherit the
    # limit); nginx, started as root, raises its own (worker_rlimit_nofile).
    short = fb.raise_open_files(plan.size + 4096)
    if short is not None:
        raise SystemExit(f"open files are capped at {short}: too few for {plan.size} sockets")
    recreate_database(SCALE_DB)
    setup_django(database_url=DATABASE_URL, redis_url=fb.REDIS_URL, CHANNEL_LAYER_PREFIX=PREFIX)
    from hothour.tests.processes import Processes

    redis.Redis.from_url(fb.REDIS_URL).flushdb()
    fb.seed_auction()  # the relay's envelope is built from an auction that never steps in the run
    log_dir = Path(tempfile.gettempdir()) / f"hothour_scaleout_{args.port}"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir()
    config = Path(tempfile.mkdtemp(prefix="hothour-scaleout-"))
    config.chmod(0o755)  # PgBouncer runs as postgres and reads its files from here
    try:
        with Processes(log_dir) as processes:
            relay_port, daphnes = start_shape(processes, args.port, log_dir, config)
            sockets = SocketCount(daphnes)
            sockets.start()
            steps, run, relay = asyncio.run(run_all(plan, args.port, relay_port, processes))
            sockets.done.set()
            fb.step("stopping the shape")
    finally:
        shutil.rmtree(config, ignore_errors=True)
    print(f"\n== the scale-out shape: nginx, 2 daphne, 2 Redis shards, PgBouncer; N = {plan.size}")
    for port, most in sockets.most.items():
        print(f"daphne on {port}: at most {most:,} established connections (from nginx)")
    for target in (relay, run):
        failed = Counter(error.split(":")[0] for error in target.connect_errors)
        print(
            f"{target.target}: {len(target.connect_errors)} failed to connect {dict(failed) or ''}, "
            f"{target.unexpected_closes} closed by the server during the run"
        )
        for error in sorted(set(target.connect_errors))[:5]:
            print(f"  {error}")
    logs = [log_dir / f"{name}.log" for name in ("daphne-1", "daphne-2", "worker", "beat", "nginx")]
    ob.report(plan, steps, run, relay, logs, title="steps over the scale-out shape")


if __name__ == "__main__":
    main()
