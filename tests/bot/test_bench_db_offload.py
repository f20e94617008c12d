"""Quick checks of bench/db_offload.py: arguments, percentiles, the table and summary, and
a run of a fraction of a second per variant on SQLite (the async variant, and the check that
its statements give what the services give, only when aiosqlite is installed). No long runs."""

from __future__ import annotations

import argparse
import importlib.util
import math
from pathlib import Path

import pytest

from bench import db_offload
from bench.db_offload import Result, Workload, percentile, summary
from storage.migrate import upgrade
from tests.factories import NOW


def test_arguments_and_their_defaults():
    args = db_offload.parse_args([])
    pg = db_offload.parse_args(["--postgres", "--writes", "--threads", "2,4",
                                "--variants", "sync,async"])
    other = db_offload.parse_args(["--postgres", "postgresql://x@h/db"])

    assert (args.postgres, args.readers, args.concurrency, args.seconds, args.writes,
            args.threads, args.variants) == (
        None, 1000, 50, 10.0, False, (4, 8, 16), ("sync", "threads", "async"))
    assert (pg.postgres, pg.writes, pg.threads, pg.variants) == (
        db_offload.POSTGRES_URL, True, (2, 4), ("sync", "async"))
    assert other.postgres == "postgresql://x@h/db"
    with pytest.raises(SystemExit):
        db_offload.parse_args(["--variants", "greenthreads"])


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 101)]

    assert (percentile(values, 50), percentile(values, 95), percentile(values, 100)) == (
        50.0, 95.0, 100.0)
    assert percentile([3.0], 95) == 3.0
    assert math.isnan(percentile([], 50))


def test_summary_names_the_winners():
    sync = Result("sync", ops=1000, elapsed=10, cpu=1, latencies=[0.05], lags=[0.5, 0.7])
    threads = Result("threads-8", ops=800, elapsed=10, cpu=1.2, latencies=[0.06],
                     lags=[0.001, 0.004])
    async_ = Result("async", ops=400, elapsed=10, cpu=2, latencies=[0.1], lags=[0.001, 0.002])

    lines = summary([sync, threads, async_])
    row = sync.row()

    assert lines[:2] == ["loop lag: async wins (p95 2.0 ms, max 2.0 ms)",
                         "throughput: sync wins (100 ops/s)"]
    assert lines[2].startswith("threads-8 against sync: 0.80x the ops/s")
    assert lines[3].startswith("async against threads-8: 0.50x the ops/s")
    assert row == ["sync", "100", "50.0", "50.0", "700.0", "700.0", "1.00", "0"]
    assert len(db_offload.table(db_offload.HEADER, [row])) == 3


def test_async_urls_and_missing_drivers():
    assert db_offload.async_url("sqlite:////tmp/x.db") == "sqlite+aiosqlite:////tmp/x.db"
    assert db_offload.async_url("postgresql://postgres@127.0.0.1:5432/test") == (
        "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    assert set(db_offload.async_drivers_missing("sqlite:///x.db")) <= {"greenlet", "aiosqlite"}


def _workload(tmp_path: Path, *, writes: bool) -> Workload:
    url = f"sqlite:///{tmp_path / 'kopir.db'}"
    upgrade(url)
    event_id, readers = db_offload.seed(url, readers=12, capacity=4, now=NOW)
    return Workload(url, event_id, readers, concurrency=6, writes=writes, now=NOW)


async def test_a_short_run_of_each_variant(tmp_path: Path):
    workload = _workload(tmp_path, writes=True)
    args = argparse.Namespace(variants=("sync", "threads", "async"), threads=(2,), async_pool=2)

    results = []
    for factory in db_offload.backends(args, workload):
        if isinstance(factory, str):  # the async variant without its drivers
            assert "SKIPPED" in factory
            continue
        db_offload.reset_state(workload.url)
        results.append(await db_offload.run_variant(factory(), workload, 0.3, 0.0))

    assert [r.name for r in results][:2] == ["sync", "threads-2"]
    assert all(r.ops > 0 and not r.errors and r.lags for r in results)


async def test_the_async_port_gives_what_the_services_give(tmp_path: Path):
    if db_offload.async_drivers_missing("sqlite:///x.db"):
        pytest.skip("aiosqlite/greenlet not installed (not project dependencies)")
    assert importlib.util.find_spec("aiosqlite") is not None
    await db_offload.check_async_port(_workload(tmp_path, writes=True))
