"""Invoices per second for 1, 2 and 4 workers on PostgreSQL and 1 on SQLite, journal-file ledger.

Each configuration gets a fresh store and a fresh inbox of unique clean invoices (variants of the
demo's clean samples, see tests/support/bulk.py; a supplier's variants are due different amounts,
or all the same with ``--same-amounts``). The clock covers the processing step only
(claim, read, classify and decide a batch at a time, post each to the journal): fetching into
the store and writing outcomes back are the same single-process work in every configuration and
are reported separately::

    .venv/bin/python -m bench.workers_bench                 # 10,000 invoices (several minutes)
    .venv/bin/python -m bench.workers_bench --invoices 2000 --configs pg1,pg2

Prints one line per configuration, the scaling ratio 2 workers / 1 worker, each worker's peak RSS
(MiB) and how busy the machine's cores were while processing (workers and database server share
them: two workers cannot scale past what is left idle with one).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

from loguru import logger  # noqa: E402

from robot.configuration.wiring import build_robot  # noqa: E402
from robot.running.run import RunOptions  # noqa: E402
from robot.running.worker import WorkerPool, WorkerSpec, check_workers  # noqa: E402
from tests.support.bulk import make_inbox, write_config  # noqa: E402

PG_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def cpu_jiffies() -> tuple[int, int]:
    """The machine's (busy, total) CPU time so far (Linux ``/proc/stat``; zeros elsewhere)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


class Timed:
    """Wraps the pool to time the processing step on its own, and how busy the machine was."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool
        self.seconds = 0.0
        self.busy = 0.0  # share of all cores in use (workers, database server, anything else)

    def __call__(self, run_id: int, opts: RunOptions) -> list[str]:
        start, (busy0, total0) = time.perf_counter(), cpu_jiffies()
        try:
            return self.pool(run_id, opts)
        finally:
            self.seconds = time.perf_counter() - start
            busy1, total1 = cpu_jiffies()
            self.busy = (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0


def one(kind: str, workers: int, invoices: int, inbox_template: Path, batch: int = 50) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{kind}{workers}-"))
    schema = None
    if kind == "pg":
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{folder / 'robot.db'}"
    try:
        shutil.copytree(inbox_template, folder / "inbox")
        cfg = write_config(folder, database=url)
        robot, _ = build_robot(cfg, database_url=url)
        check_workers(robot.store.dialect, workers)
        timed = Timed(WorkerPool(WorkerSpec(cfg, database_url=url), workers))
        start = time.perf_counter()
        summary = robot.run(RunOptions(trigger="bench", processor=timed, batch=batch))
        total = time.perf_counter() - start
        robot.store.close()
        lines = (folder / "ledger.jsonl").read_text().count("\n")
        keys = {json.loads(x)["idempotency_key"] for x in (folder / "ledger.jsonl").read_text().splitlines()}
        assert summary.counts["posted"] == invoices == lines == len(keys), (summary.counts, lines)
        return {
            "config": f"{'PostgreSQL' if kind == 'pg' else 'SQLite'} x{workers}",
            "invoices": invoices,
            "batch": batch,
            "process_s": round(timed.seconds, 1),
            "per_s": round(invoices / timed.seconds, 1),
            "whole_run_s": round(total, 1),
            "cpu_busy": f"{timed.busy:.0%} of {os.cpu_count()} cores",
            "peak_rss_mib": [round(r.peak_rss_kib / 1024) for r in timed.pool.results],
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if schema:
            import psycopg

            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--configs", default="pg1,pg2,pg4,sqlite1", help="comma list of pgN / sqlite1")
    parser.add_argument("--batch", type=int, default=50, help="invoices claimed and decided at a time")
    parser.add_argument(
        "--same-amounts",
        action="store_true",
        help="every variant of a sample due the same amount (the worst case for two workers: "
        "a supplier's invoices of one amount are decided one batch at a time)",
    )
    args = parser.parse_args()
    logger.remove()
    template = Path(tempfile.mkdtemp(prefix="bench-inbox-"))
    make_inbox(template / "inbox", args.invoices, vary_amount=not args.same_amounts)
    rows: dict[str, dict[str, Any]] = {}
    try:
        for item in args.configs.split(","):
            kind, n = ("pg", int(item[2:])) if item.startswith("pg") else ("sqlite", int(item[6:]))
            row = one(kind, n, args.invoices, template / "inbox", args.batch)
            rows[item] = row
            print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(template, ignore_errors=True)
    if "pg1" in rows and "pg2" in rows:
        print(
            f"scaling 2 workers / 1 worker (PostgreSQL): {rows['pg2']['per_s'] / rows['pg1']['per_s']:.2f}x"
        )
    if "pg1" in rows and "pg4" in rows:
        print(
            f"scaling 4 workers / 1 worker (PostgreSQL): {rows['pg4']['per_s'] / rows['pg1']['per_s']:.2f}x"
        )


if __name__ == "__main__":
    main()
