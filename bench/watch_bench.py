"""Benchmark of the tick with watches (issue 18). It measures, never asserts.

    .venv/bin/python bench/watch_bench.py [--quick]

It needs PostgreSQL at postgres://postgres@127.0.0.1:5432 and Redis at 127.0.0.1:6379. It drops
and recreates the database `hothour_watchbench`, migrates it, and runs Django in this process with
REDIS_URL=redis://127.0.0.1:6379/6 and the channel prefix `hothour-watchbench`, so every tick pays
for its broadcasts as in production (nobody is subscribed).

The auctions are tick_bench.py's: 10,000 ACTIVE auctions (--quick: 1,000), 500 -> 100 by 50 an hour,
5 groups of 1,000 (--quick: 3 of 100) whose first step (to 450) falls on T0, T0+1 min, ...; the
rest step later. Three rounds, each on a freshly seeded table, time `auctions_tick(now=Ti)` at
each instant (one group of 1,000 price steps per tick), until it returned and until its
broadcasts were sent:

  none     no watches at all: the tick as it was;
  (a)      100,000 ACTIVE watches (10 per auction, 10,000 customers), alert prices 100 to 440:
           no step reaches any of them;
  (b)      the same 100,000, of which one auto-grab order per due auction at 450: every tick
           reaches and fills 1,000 orders (1,000 bookings, each with its booking_confirmed push,
           AUTO_GRAB_WON notification and confirmation email queued), one per auction.

It prints each run and a table with (a) and (b) beside the tick without watches.
"""

import argparse
import os
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import benchdb
from benchdb import recreate_database
from tick_bench import FULL, QUICK, Plan, TickRun, auction_rows, tick

ROOT = Path(__file__).resolve().parent.parent
WATCH_DB = "hothour_watchbench"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{WATCH_DB}"
REDIS_URL = "redis://127.0.0.1:6379/6"
os.environ["CHANNEL_LAYER_PREFIX"] = "hothour-watchbench"
BATCH = 5000
WATCHES_PER_AUCTION = 10
NO_ORDER_TARGET = 0.10  # (a) at most 10 % over the tick without watches
FILL_TARGET_SECONDS = 2.0  # (b) 1,000 orders filled and published


@dataclass(frozen=True)
class Round:
    name: str
    watches: bool
    orders: bool


ROUNDS = (
    Round("none", watches=False, orders=False),
    Round("(a)", watches=True, orders=False),
    Round("(b)", watches=True, orders=True),
)


def step(message: str) -> None:
    print(f"-- {message}", flush=True)


def setup_django() -> None:
    benchdb.setup_django(database_url=DATABASE_URL, redis_url=REDIS_URL)


def customers(count: int, prefix: str) -> list[int]:
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    password = make_password("HotHour-bench-2026")  # hashed once
    made: list[int] = []
    for start in range(0, count, BATCH):
        made += [
            user.pk
            for user in User.objects.bulk_create(
                User(
                    email=f"{prefix}{i}@bench.example.com",
                    full_name=f"Bench {prefix} {i}",
                    phone=f"+90{(5 if prefix == 'w' else 6)}{i:09d}",
                    gender="FEMALE",
                    is_verified=True,
                    password=password,
                )
                for i in range(start, min(start + BATCH, count))
            )
        ]
    return made


def seed(plan: Plan, size: int, at: datetime, instants: list[datetime], rnd: Round) -> None:
    from django.db import connection

    from accounts.models import Studio, User
    from auctions.models import Auction
    from reservations.models import Watch

    step(f"round {rnd.name}: seeding {size:,} auctions")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE auctions_auction, auctions_tickheartbeat, accounts_user, core_outboundemail "
            "RESTART IDENTITY CASCADE"
        )
    studio, _ = Studio.objects.get_or_create(name="Watch Bench Studio", defaults={"address": "Kadıköy"})
    rows = auction_rows(studio, plan, size, at, instants)
    auction_ids: list[int] = []
    while batch := [auction for _, auction in zip(range(BATCH), rows, strict=False)]:
        auction_ids += [a.pk for a in Auction.objects.bulk_create(batch)]
    if rnd.watches:
        # Watchers: one customer per auction in ten (each watches ten auctions, one watch each).
        watchers = customers(size // WATCHES_PER_AUCTION * 1, "w")
        due_count = plan.due * len(instants)
        order_owners = customers(due_count, "o") if rnd.orders else []
        step(
            f"round {rnd.name}: {size * WATCHES_PER_AUCTION:,} watches"
            + (f", {due_count:,} of them auto-grab orders at 450" if rnd.orders else "")
        )
        placed = at - timedelta(hours=1)

        def watch_rows():
            for index, auction_id in enumerate(auction_ids):
                for k in range(WATCHES_PER_AUCTION):
                    is_order = rnd.orders and k == 0 and index < due_count
                    yield Watch(
                        user_id=order_owners[index] if is_order else watchers[(index + k) % len(watchers)],
                        auction_id=auction_id,
                        alert_price=Decimal("450.00")
                        if is_order
                        else Decimal(100 + (index * 7 + k * 34) % 341),
                        auto_grab=is_order or k % 2 == 1,
                        created_at=placed,
                    )

        watches = watch_rows()
        while batch := [w for _, w in zip(range(BATCH), watches, strict=False)]:
            Watch.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE auctions_auction")
        cursor.execute("VACUUM ANALYZE reservations_watch")
        cursor.execute(f"VACUUM ANALYZE {User._meta.db_table}")


def bench_round(plan: Plan, size: int, rnd: Round) -> tuple[list[TickRun], int]:
    from django.utils import timezone

    from reservations.models import Reservation

    at = timezone.now().replace(second=0, microsecond=0)
    instants = [at + timedelta(minutes=1 + i) for i in range(plan.runs)]
    seed(plan, size, at, instants, rnd)
    tick(at)  # warm-up: nothing due
    runs = []
    for i, instant in enumerate(instants):
        run = tick(instant)
        runs.append(run)
        print(
            f"   {rnd.name} run {i + 1}: returned in {run.returned * 1000:7.1f} ms, "
            f"broadcasts sent at {run.flushed * 1000:7.1f} ms; processed {run.processed}",
            flush=True,
        )
    booked = Reservation.objects.count()
    step(f"round {rnd.name}: {booked:,} reservations made by the ticks")
    return runs, booked


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def report(plan: Plan, size: int, results: dict[str, tuple[list[TickRun], int]]) -> None:
    print()
    print(f"== tick of {plan.due:,} steps among {size:,} auctions, {plan.runs} runs per round (medians, max)")
    base = results["none"][0]
    header = ("round", "returned ms", "max", "sent ms", "max", "vs none (sent)", "booked", "target")
    rows = []
    for name, (runs, booked) in results.items():
        sent = [r.flushed for r in runs]
        ratio = statistics.median(sent) / statistics.median([r.flushed for r in base]) - 1
        if name == "(a)":
            target = f"<= +{NO_ORDER_TARGET:.0%}: {'met' if ratio <= NO_ORDER_TARGET else 'NOT met'}"
        elif name == "(b)":
            target = (
                f"< {FILL_TARGET_SECONDS:.0f} s: {'met' if max(sent) < FILL_TARGET_SECONDS else 'NOT met'}"
            )
        else:
            target = "-"
        rows.append(
            (
                name,
                f"{median_ms([r.returned for r in runs]):.1f}",
                f"{max(r.returned for r in runs) * 1000:.1f}",
                f"{median_ms(sent):.1f}",
                f"{max(sent) * 1000:.1f}",
                "-" if name == "none" else f"{ratio:+.1%}",
                f"{booked:,}",
                target,
            )
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    plan = QUICK if parser.parse_args().quick else FULL
    size = plan.sizes[0]

    recreate_database(WATCH_DB)
    setup_django()
    results = {rnd.name: bench_round(plan, size, rnd) for rnd in ROUNDS}
    report(plan, size, results)


if __name__ == "__main__":
    main()
