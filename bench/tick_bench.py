"""Benchmark of the price tick (`auctions.services.auctions_tick`). It measures, never asserts.

    .venv/bin/python bench/tick_bench.py [--quick]

It needs PostgreSQL at postgres://postgres@127.0.0.1:5432 and Redis at 127.0.0.1:6379. It drops
and recreates the database `hothour_tickbench`, migrates it, and runs Django in this process with
REDIS_URL=redis://127.0.0.1:6379/14, so every tick also pays for its broadcast through the project's
channel layer (RedisPubSubChannelLayer, the settings default; CHANNEL_LAYER_PREFIX=hothour-bench gives it
a channel prefix of its own; nobody is subscribed).

For each table size (10,000 then 100,000 auctions; --quick: 1,000 then 5,000) it empties the
auctions table and bulk-creates ACTIVE auctions, all consistent at one instant C (cached price
and `next_change_at` computed with `auctions.pricing` / `auctions.lifecycle`): 5 groups of 1,000
(--quick: 3 of 100) whose first price step falls on the instants T0, T0+1 min, ... and the rest
whose next change comes after the last of those. After VACUUM ANALYZE it prints the query plan
(EXPLAIN ANALYZE) of the tick's due-auction select at T0, runs one warm-up tick at C (nothing
due), then times `auctions_tick(now=Ti)` at each instant: every run finds exactly one group due
(1,000 price steps, 2,000 group sends) among all the others. A tick hands its broadcasts to the
app's broadcaster thread after commit and returns; each run is timed until `auctions_tick`
returned and until `broadcaster.flush()` saw the broadcasts sent to Redis (what `manage.py tick`
waits for). It prints each run and the min/median/max of both.
"""

import argparse
import os
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import benchdb
from benchdb import recreate_database

ROOT = Path(__file__).resolve().parent.parent
# Redis pub/sub ignores database numbers: channel names of our own keep a test run or a dev
# server on the same Redis from hearing the benchmark's group messages (and the reverse).
os.environ["CHANNEL_LAYER_PREFIX"] = "hothour-bench"
TICK_DB = "hothour_tickbench"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{TICK_DB}"
REDIS_URL = "redis://127.0.0.1:6379/14"
BATCH = 5000  # rows per bulk_create
TARGET_SECONDS = 1.0
# Every auction: 500 -> 100 by 50 every 60 minutes, open for 120 minutes, class an hour after.
START_PRICE, FLOOR_PRICE, DROP_AMOUNT = Decimal("500.00"), Decimal("100.00"), Decimal("50.00")
DROP_INTERVAL = timedelta(minutes=60)
DURATION = timedelta(minutes=120)
CLASS_AFTER_CLOSE = timedelta(minutes=60)
# The not-due auctions' first step comes 1 to 55 minutes after the last timed instant.
NOT_DUE_SPREAD_MINUTES = 55


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    due: int  # auctions due at each timed instant
    runs: int


FULL = Plan(sizes=(10_000, 100_000), due=1000, runs=5)
QUICK = Plan(sizes=(1000, 5000), due=100, runs=3)


@dataclass(frozen=True)
class TickRun:
    returned: float  # seconds until auctions_tick returned (its broadcasts are queued by then)
    flushed: float  # seconds until its broadcasts had all been sent to the channel layer too
    processed: int
    status_changes: dict[str, int]


def step(message: str) -> None:
    print(f"-- {message}", flush=True)


def setup_django() -> None:
    benchdb.setup_django(database_url=DATABASE_URL, redis_url=REDIS_URL)


def auction_rows(studio: Any, plan: Plan, size: int, at: datetime, instants: list[datetime]) -> Iterator[Any]:
    """`size` ACTIVE auctions as they stand at `at`: `plan.due` step at each instant, the rest later."""
    from auctions import lifecycle, pricing
    from auctions.models import Auction, AuctionStatus

    cached: dict[datetime, tuple[Decimal, datetime | None]] = {}

    def row(number: int, first_step: datetime) -> Auction:
        start = first_step - DROP_INTERVAL
        auction = Auction(
            studio=studio,
            title=f"Tick bench class {number}",
            start_price=START_PRICE,
            floor_price=FLOOR_PRICE,
            drop_amount=DROP_AMOUNT,
            drop_interval_mins=DROP_INTERVAL // timedelta(minutes=1),
            start_time=start,
            end_time=start + DURATION,
            scheduled_at=start + DURATION + CLASS_AFTER_CLOSE,
            status=AuctionStatus.ACTIVE,
        )
        if start not in cached:
            settings = pricing.PriceSettings.of(auction)
            cached[start] = (
                pricing.price_at(settings, at),
                lifecycle.next_change_at(auction.status, settings, at),
            )
        auction.current_price, auction.next_change_at = cached[start]
        return auction

    number = 0
    for instant in instants:
        for _ in range(plan.due):
            yield row(number, instant)
            number += 1
    for i in range(size - number):
        yield row(number + i, instants[-1] + timedelta(minutes=1 + i % NOT_DUE_SPREAD_MINUTES))


def seed(plan: Plan, size: int, at: datetime, instants: list[datetime]) -> None:
    from django.db import connection

    from accounts.models import Studio
    from auctions.models import Auction

    step(f"emptying the auctions table, creating {size:,} ACTIVE auctions ({plan.due:,} due at each instant)")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE auctions_auction, auctions_tickheartbeat RESTART IDENTITY CASCADE")
    studio, _ = Studio.objects.get_or_create(name="Tick Bench Studio", defaults={"address": "Kadıköy"})
    rows = auction_rows(studio, plan, size, at, instants)
    while batch := [auction for _, auction in zip(range(BATCH), rows, strict=False)]:
        Auction.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE auctions_auction")


def explain_due(instant: datetime, limit: int) -> str:
    """EXPLAIN ANALYZE of the tick's select (it locks the rows, so inside a transaction)."""
    from django.db import transaction

    from auctions import lock_objects

    with transaction.atomic():
        return lock_objects.auctions_lock_due(now=instant, limit=limit).explain(analyze=True, buffers=True)


def tick(instant: datetime) -> TickRun:
    """One tick at `instant`, then until its broadcasts have been handed to the channel layer."""
    from auctions.services import auctions_tick
    from core.realtime.broadcast import broadcaster

    started = time.perf_counter()
    result = auctions_tick(now=instant)
    returned = time.perf_counter() - started
    broadcaster.flush(timeout=60)
    return TickRun(returned, time.perf_counter() - started, result.processed, result.status_changes)


def bench_size(plan: Plan, size: int) -> list[TickRun]:
    from django.utils import timezone

    from auctions.models import Auction

    # C, then the timed instants T0, T0+1 min, ...: whole minutes, like real price steps.
    at = timezone.now().replace(second=0, microsecond=0)
    instants = [at + timedelta(minutes=1 + i) for i in range(plan.runs)]
    seed(plan, size, at, instants)
    due = Auction.objects.filter(next_change_at__lte=instants[0]).count()
    step(f"query plan of the due select at T0 ({due:,} of {size:,} due, LIMIT {plan.due}):")
    plan_text = explain_due(instants[0], plan.due)
    print("\n".join(f"   {line}" for line in plan_text.splitlines()))
    used = "auction_due_idx" in plan_text
    print(f"   -> {'uses' if used else 'does NOT use'} the partial index auction_due_idx")
    step("warm-up tick at C (nothing due)")
    tick(at)
    runs = []
    for i, instant in enumerate(instants):
        run = tick(instant)
        runs.append(run)
        print(
            f"   run {i + 1}: auctions_tick(now=T{i}) returned in {run.returned * 1000:6.1f} ms, "
            f"broadcasts sent at {run.flushed * 1000:6.1f} ms; processed {run.processed}, "
            f"status changes {run.status_changes or 'none'}",
            flush=True,
        )
    return runs


def report(plan: Plan, results: dict[int, list[TickRun]]) -> None:
    from django.conf import settings

    print()
    print(
        f"== tick of {plan.due:,} due auctions, {plan.runs} runs ({'quick' if plan is QUICK else 'full'} run)"
    )
    layer: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
    print(f"channel layer: {layer['BACKEND']} at {REDIS_URL}, prefix {layer['CONFIG']['prefix']!r}")
    header = ("auctions", "until", "min ms", "median ms", "max ms", "processed", "target")
    rows = []
    for size, runs in results.items():
        for label, seconds in (
            ("tick returned", [r.returned for r in runs]),
            ("broadcasts sent", [r.flushed for r in runs]),
        ):
            met = max(seconds) < TARGET_SECONDS
            rows.append(
                (
                    f"{size:,}",
                    label,
                    f"{min(seconds) * 1000:.1f}",
                    f"{statistics.median(seconds) * 1000:.1f}",
                    f"{max(seconds) * 1000:.1f}",
                    "/".join(str(r.processed) for r in runs),
                    f"< {TARGET_SECONDS:.0f} s: {'met' if met else 'NOT met'}",
                )
            )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    plan = QUICK if parser.parse_args().quick else FULL

    recreate_database(TICK_DB)
    setup_django()
    results = {size: bench_size(plan, size) for size in plan.sizes}
    report(plan, results)


if __name__ == "__main__":
    main()
