"""Invoices per second, peak memory and start-up per worker with a big history (issue 17).

Runs ``--invoices`` new clean invoices (tests/support/bulk.py, as bench/workers_bench.py does)
through 1 and 2 worker processes with the journal ledger against a store already holding millions
of earlier invoices (bench/scale_fill.py: PostgreSQL with 5,000,000, SQLite with 1,000,000). Per
configuration it prints the processing step's invoices/s (claim, read, classify with every rule and
the duplicate history, post to the journal; fetching into the store is timed apart, as in
workers_bench), each worker's peak RSS, and each worker's start-up: from the pool starting the
processes to that worker's first claimed invoice (the store is watched every 10 ms). Between
configurations every row above the fill's highest ids is deleted, so each one sees the same
history::

    .venv/bin/python -m bench.scale_fill --pg 5000000 --sqlite 1000000   # once (minutes)
    .venv/bin/python -m bench.scale_bench --keep                         # 20,000 x pg1, pg2, sqlite1
    .venv/bin/python -m bench.scale_bench --configs pg2 --invoices 5000 --keep

Without a fill it fills first (``--pg-history``, ``--sqlite-history``). Without ``--keep`` it drops
the filled database and SQLite file at the end.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, text

ROOT = Path(__file__).resolve().parent.parent

from loguru import logger  # noqa: E402

from bench import scale_fill  # noqa: E402
from bench.workers_bench import FirstClaims, Timed  # noqa: E402
from robot.configuration.wiring import build_robot  # noqa: E402
from robot.running.run import RunOptions  # noqa: E402
from robot.running.worker import WorkerPool, WorkerSpec, check_workers  # noqa: E402
from robot.store.schema import Base  # noqa: E402
from tests.support.bulk import make_inbox, write_config  # noqa: E402


def reset(url: str, max_ids: dict[str, int]) -> None:
    """Delete every row a bench run added (ids above the fill's), children first."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            top_invoice = max_ids["invoices"]
            for table in reversed(Base.metadata.sorted_tables):
                if table.name == "invoices":  # a bench run's notice may name an earlier invoice too
                    conn.execute(
                        text("UPDATE invoices SET notice_id = NULL WHERE notice_id > :top"),
                        {"top": max_ids["notices"]},
                    )
                if "id" in table.c and table.name in max_ids:
                    conn.execute(delete(table).where(table.c.id > max_ids[table.name]))
                elif "invoice_id" in table.c:
                    conn.execute(delete(table).where(table.c.invoice_id > top_invoice))
    finally:
        engine.dispose()


def one(kind: str, workers: int, invoices: int, inbox: Path, fill: dict[str, Any]) -> dict[str, Any]:
    url = str(fill["url"])
    reset(url, fill["max_ids"])
    folder = Path(tempfile.mkdtemp(prefix=f"scale-{kind}{workers}-"))
    try:
        shutil.copytree(inbox, folder / "inbox")
        cfg = write_config(folder, database=url)
        robot, _ = build_robot(cfg, database_url=url)
        check_workers(robot.store.dialect, workers)
        pool = WorkerPool(WorkerSpec(cfg, database_url=url), workers)
        timed = Timed(pool)
        start = time.perf_counter()
        with FirstClaims(url, workers, int(fill["max_ids"]["invoices"])) as claims:
            summary = robot.run(RunOptions(trigger="bench", processor=timed, batch=20))
        total = time.perf_counter() - start
        robot.store.close()
        ledger = (folder / "ledger.jsonl").read_text().splitlines()
        keys = {json.loads(x)["idempotency_key"] for x in ledger}
        assert summary.counts["posted"] == invoices == len(ledger) == len(keys), (summary.counts, len(ledger))
        return {
            "config": f"{'PostgreSQL' if kind == 'pg' else 'SQLite'} x{workers}",
            "history": fill["invoices"],
            "invoices": invoices,
            "process_s": round(timed.seconds, 1),
            "per_s": round(invoices / timed.seconds, 1),
            "whole_run_s": round(total, 1),
            "peak_rss_mib": [
                round(r.peak_rss_kib / 1024) for r in sorted(pool.results, key=lambda r: r.worker)
            ],
            "startup_s": claims.startup(timed),
            "after_startup_per_s": claims.after_startup(timed, invoices),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--configs", default="pg1,pg2,sqlite1", help="comma list of pg1, pg2, sqlite1")
    parser.add_argument("--pg-history", type=int, default=5_000_000, help="filled when there is no fill")
    parser.add_argument("--sqlite-history", type=int, default=1_000_000)
    parser.add_argument("--database", default=scale_fill.DATABASE, help="the PostgreSQL database to fill")
    parser.add_argument("--dir", type=Path, default=scale_fill.DIR)
    parser.add_argument("--keep", action="store_true", help="keep the filled stores for the next run")
    parser.add_argument(
        "--same-amounts",
        action="store_true",
        help="every variant of a sample due the same amount (the worst case for two workers: "
        "a supplier's invoices of one amount are decided one batch at a time)",
    )
    args = parser.parse_args()
    logger.remove()
    configs = args.configs.split(",")
    fills: dict[str, dict[str, Any]] = {}
    for kind in {"pg" if c.startswith("pg") else "sqlite" for c in configs}:
        entry = scale_fill.recorded(args.dir, kind)
        if entry is None:
            if kind == "pg":
                print(scale_fill.fill_pg(args.pg_history, args.database), flush=True)
                scale_fill.record(args.dir, "pg", scale_fill.pg_url(args.database), args.pg_history)
            else:
                print(scale_fill.fill_sqlite(args.sqlite_history, args.dir), flush=True)
                scale_fill.record(args.dir, "sqlite", scale_fill.sqlite_url(args.dir), args.sqlite_history)
            entry = scale_fill.recorded(args.dir, kind)
        assert entry is not None
        fills[kind] = entry
    template = Path(tempfile.mkdtemp(prefix="scale-inbox-"))
    make_inbox(template / "inbox", args.invoices, vary_amount=not args.same_amounts)
    rows: dict[str, dict[str, Any]] = {}
    try:
        for item in configs:
            kind, n = ("pg", int(item[2:])) if item.startswith("pg") else ("sqlite", int(item[6:]))
            row = one(kind, n, args.invoices, template / "inbox", fills[kind])
            rows[item] = row
            print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(template, ignore_errors=True)
        for entry in fills.values():
            reset(str(entry["url"]), entry["max_ids"])
        if not args.keep:
            drop_fills(args.dir, fills)
    if "pg1" in rows and "pg2" in rows:
        print(
            f"scaling 2 workers / 1 worker (PostgreSQL): {rows['pg2']['per_s'] / rows['pg1']['per_s']:.2f}x"
        )


def drop_fills(folder: Path, fills: dict[str, dict[str, Any]]) -> None:
    """Drop the filled stores (no --keep)."""
    if "pg" in fills:
        scale_fill.drop_pg(str(fills["pg"]["url"]).rsplit("/", 1)[1])
    for suffix in ("", "-wal", "-shm"):
        (folder / f"history.db{suffix}").unlink(missing_ok=True)
    (folder / "fill.json").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
