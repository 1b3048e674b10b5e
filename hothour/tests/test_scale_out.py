"""The scale-out shape, run for real: the project's nginx.conf in front of two gunicorn and two
daphne processes, the channel layer sharded over two Redis servers, PostgreSQL behind PgBouncer in
transaction mode, one Celery worker and one beat (DESIGN section 1, "Production shape").

Debian's nginx and pgbouncer, installed by the test command when missing; every process is this
test's own, on free ports, stopped at the end (the fault tests' harness)."""

import asyncio
import functools
import json
import os
import shutil
import socket
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import websockets
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken
from websockets.typing import Origin

from accounts.tests.factories import StudioFactory, UserFactory
from auctions.models import Auction, TickHeartbeat
from auctions.services import auction_create
from auctions.tests.factories import make_stepping_auctions
from hothour.tests.processes import Processes
from hothour.tests.processes import free_port as _free_port
from hothour.tests.processes import wait_until as _wait_until
from hothour.tests.test_faults import _app_environment, _celery, _daphne, _gunicorn, _tool
from hothour.tests.test_production_shape import render_nginx
from reservations.models import Reservation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ORIGIN = Origin("http://localhost")
NGINX = "/usr/sbin/nginx"
PGBOUNCER = "/usr/sbin/pgbouncer"


@dataclass
class Shape:
    proxy: str  # http://127.0.0.1:<nginx>
    daphnes: list[int]
    processes: Processes
    env: dict[str, str]


def _config_dir() -> Path:
    # PgBouncer refuses to run as root, so it runs as postgres: its files must be readable by it.
    path = Path(tempfile.mkdtemp(prefix="hothour-scale-"))
    path.chmod(0o755)
    return path


def _pgbouncer(processes: Processes, config: Path) -> int:
    port = _free_port()
    db = connection.settings_dict
    ini = config / "pgbouncer.ini"
    users = config / "users.txt"
    users.write_text(f'"{db["USER"]}" ""\n')
    ini.write_text(
        "[databases]\n"
        f"* = host={db['HOST']} port={db['PORT']}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {users}\n"
        "pool_mode = transaction\nmax_client_conn = 500\ndefault_pool_size = 12\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    for path in (ini, users):
        path.chmod(0o644)
    user = ["-u", "postgres"] if os.geteuid() == 0 else []
    processes.start("pgbouncer", [PGBOUNCER, *user, str(ini)])
    _wait_until(lambda: _port_open(port), 10, "pgbouncer")
    return port


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _redis(processes: Processes, name: str, log_dir: Path) -> str:
    port = _free_port()
    command = [_tool("redis-server"), "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(log_dir)]
    processes.start(name, command)
    _wait_until(lambda: _port_open(port), 10, name)
    return f"redis://127.0.0.1:{port}/0"


def _nginx(processes: Processes, config: Path, gunicorns: list[int], daphnes: list[int]) -> int:
    """The project's deploy/nginx.conf (as the production-shape test renders it for local ports)
    with both gunicorn and both daphne processes in its upstreams."""
    port = _free_port()
    main = render_nginx(config, proxy=port, api=gunicorns[0], ws=daphnes[0])
    site = config / "hothour.conf"
    text = site.read_text()
    for first, second in [(gunicorns[0], gunicorns[1]), (daphnes[0], daphnes[1])]:
        one = f"server 127.0.0.1:{first};"
        assert text.count(one) == 1
        text = text.replace(one, f"{one} server 127.0.0.1:{second};")
    site.write_text(text)
    processes.start("nginx", [NGINX, "-c", str(main), "-p", str(config)])
    _wait_until(lambda: _port_open(port), 10, "nginx")
    return port


def _healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/api/v1/health/", timeout=3) as response:
        return response.status == 200


@pytest.fixture
def scale_out(tmp_path) -> Iterator[Shape]:
    for tool in (NGINX, PGBOUNCER):
        if not Path(tool).exists():
            pytest.fail(f"{tool} is missing: the test command installs Debian's nginx and pgbouncer")
    config = _config_dir()
    try:
        with Processes(tmp_path) as processes:
            bouncer = _pgbouncer(processes, config)
            shards = [_redis(processes, f"redis-{i}", tmp_path) for i in (1, 2)]
            db = connection.settings_dict
            env = _app_environment(
                database_url=f"postgres://{db['USER']}@127.0.0.1:{bouncer}/{db['NAME']}",
                redis_url=shards[0],
                CHANNEL_LAYER_REDIS_URLS=",".join(shards),
                # PgBouncer 1.18 in transaction mode keeps no prepared statement across transactions.
                DB_PREPARE_THRESHOLD="none",
                HOTHOUR_TICK_SECONDS="1",
            )
            gunicorns, daphnes = [_free_port(), _free_port()], [_free_port(), _free_port()]
            for i, port in enumerate(gunicorns, 1):
                processes.start(f"gunicorn-{i}", _gunicorn(port), env)
            for i, port in enumerate(daphnes, 1):
                processes.start(f"daphne-{i}", _daphne(port), env)
            processes.start("worker", _celery("worker", "--pool", "solo", "-l", "info"), env)
            beat_schedule = str(tmp_path / "beat-schedule")
            processes.start("beat", _celery("beat", "-l", "warning", "--schedule", beat_schedule), env)
            proxy = f"http://127.0.0.1:{_nginx(processes, config, gunicorns, daphnes)}"
            for url in [f"http://127.0.0.1:{port}" for port in [*gunicorns, *daphnes]]:
                _wait_until(functools.partial(_healthy, url), 60, url)
            yield Shape(proxy=proxy, daphnes=daphnes, processes=processes, env=env)
    finally:
        shutil.rmtree(config, ignore_errors=True)


class Listener:
    """One socket on /ws/auctions/: the price steps and auction updates it received."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.steps: dict[int, str] = {}  # auction id -> price of its price_update
        self.updates: dict[int, str] = {}  # auction id -> status of its auction_updated
        self.snapshot: dict[int, str] = {}  # auction id -> price in the first snapshot
        self.ready = asyncio.Event()
        self.seen: list[str] = []  # every event, for the failure message

    async def run(self, until: asyncio.Event) -> None:
        try:
            await self._run(until)
        except Exception as exc:
            self.seen.append(f"ended by {exc!r}")
            raise

    async def _run(self, until: asyncio.Event) -> None:
        async with websockets.connect(self.url, origin=ORIGIN) as ws:
            first = json.loads(await asyncio.wait_for(ws.recv(), 20))
            assert first["event"] == "snapshot"
            self.snapshot = {a["id"]: a["current_price"] for a in first["data"]}
            self.ready.set()
            while not until.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                except TimeoutError:
                    continue
                data = message["data"]
                self.seen.append(f"{message['event']} {data.get('auction_id', data.get('id'))}")
                if message["event"] == "price_update":
                    self.steps[data["auction_id"]] = data["current_price"]
                elif message["event"] == "auction_updated":
                    self.updates[data["id"]] = data["status"]


def _grab(proxy: str, token: str, auction_id: int) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{proxy}/api/v1/reservations/",
        data=json.dumps({"auction_id": auction_id}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def test_the_scale_out_shape_grabs_through_nginx_and_steps_reach_both_daphnes_through_a_restart(
    scale_out: Shape,
):
    # given a customer, an auction to grab and three price steps 12, 24 and 36 s ahead
    customer = UserFactory.create()
    token = str(AccessToken.for_user(customer))
    target = auction_create(
        studio=StudioFactory.create(),
        publish=True,
        title="Grabbed through nginx",
        start_price=Decimal("300.00"),
        floor_price=Decimal("100.00"),
        drop_amount=Decimal("10.00"),
        drop_interval_mins=60,
        start_time=timezone.now() - timedelta(minutes=5),
        end_time=timezone.now() + timedelta(hours=2),
        scheduled_at=timezone.now() + timedelta(hours=3),
    )
    started = timezone.now()
    _wait_until(lambda: TickHeartbeat.objects.filter(last_tick_at__gt=started).exists(), 30, "beat's sweep")
    instants = make_stepping_auctions(3, first_in=12, every=12)
    first, second, third = instants
    direct = [f"ws://127.0.0.1:{port}/ws/auctions/" for port in scale_out.daphnes]
    proxied = scale_out.proxy.replace("http://", "ws://") + "/ws/auctions/"

    async def sleep_until(instant: float) -> None:
        await asyncio.sleep(max(0.0, instant - time.time()))

    async def restart_daphne_1(down_until: float) -> None:
        await asyncio.to_thread(scale_out.processes.stop, "daphne-1")
        await sleep_until(down_until)
        await asyncio.to_thread(
            scale_out.processes.start, "daphne-1", _daphne(scale_out.daphnes[0]), scale_out.env
        )
        daphne_1 = f"http://127.0.0.1:{scale_out.daphnes[0]}"
        await asyncio.to_thread(_wait_until, functools.partial(_healthy, daphne_1), 60, "daphne 1")

    async def scenario() -> tuple[Listener, Listener, Listener, Listener, tuple[int, dict]]:
        done = asyncio.Event()
        staying, proxied_listener = Listener(direct[1]), Listener(proxied)
        restarted, back = Listener(direct[0]), Listener(direct[0])
        listeners = [staying, proxied_listener, restarted]
        tasks = [asyncio.create_task(listener.run(done)) for listener in listeners]
        for listener in listeners:
            await asyncio.wait_for(listener.ready.wait(), 30)

        # when a customer grabs through nginx (gunicorn behind PgBouncer)
        grab = await asyncio.to_thread(_grab, scale_out.proxy, token, target.pk)

        # and daphne 1 is down from just after the first step until just after the second
        await sleep_until(instants[first] + 1)
        await restart_daphne_1(down_until=instants[second] + 1)
        tasks.append(asyncio.create_task(back.run(done)))
        await asyncio.wait_for(back.ready.wait(), 30)
        await sleep_until(instants[third] + 3)
        done.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        return staying, proxied_listener, restarted, back, grab

    staying, proxied_listener, restarted, back, (status, body) = asyncio.run(scenario())

    # then the grab went through
    assert status == 201
    assert Reservation.objects.filter(auction_id=target.pk, user=customer).count() == 1
    assert body["auction_id"] == target.pk
    # the sale and the first step reached sockets on both daphne processes (the sharded layer),
    # direct and through nginx (whose socket may sit on daphne 1 and end with its restart)
    for listener in [staying, restarted, proxied_listener]:
        assert listener.updates.get(target.pk) == "SOLD", (listener.url, listener.seen)
        assert listener.steps.get(first) == "450.00", (listener.url, listener.seen)
    # every step reached the socket on daphne 2, across daphne 1's restart: none lost
    stepped = {pk: str(Auction.objects.get(pk=pk).current_price) for pk in instants}
    assert stepped == dict.fromkeys(instants, "450.00")
    assert staying.steps == stepped, (staying.seen, instants)
    # a socket on daphne 1 once it is back reads the steps applied meanwhile in its snapshot and
    # gets the next one live
    assert (back.snapshot[first], back.snapshot[second]) == ("450.00", "450.00")
    assert back.steps.get(third) == "450.00", back.seen
