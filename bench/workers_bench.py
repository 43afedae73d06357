"""Invoices per second for 1, 2 and 4 workers on PostgreSQL and 1 on SQLite, journal-file ledger.

Each configuration gets a fresh store and a fresh inbox of unique clean invoices (variants of the
demo's clean samples, see tests/support/bulk.py; a supplier's variants are due different amounts,
or all the same with ``--same-amounts``). The clock covers the processing step only
(claim, read, classify and decide a batch at a time, post each to the journal): fetching into
the store and writing outcomes back are the same single-process work in every configuration and
are reported separately::

    .venv/bin/python -m bench.workers_bench                 # 10,000 invoices (several minutes)
    .venv/bin/python -m bench.workers_bench --invoices 2000 --configs pg1,pg2

Prints one line per configuration (invoices per second over the processing step, and from the
first worker's first claim on, without the processes' start-up), the scaling ratio 2 workers /
1 worker (of each), each worker's peak RSS (MiB) and start-up (s), and how busy the machine's
cores were while processing (workers and database server share them: two workers cannot scale
past what is left idle with one), and the CPU time the PostgreSQL server's processes spent per
invoice meanwhile (a server on this machine).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

from loguru import logger  # noqa: E402
from sqlalchemy import create_engine, select  # noqa: E402

from robot.configuration.wiring import build_robot  # noqa: E402
from robot.running.run import RunOptions  # noqa: E402
from robot.running.worker import WorkerPool, WorkerSpec, check_workers  # noqa: E402
from robot.store.schema import InvoiceRow  # noqa: E402
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


def postgres_cpu_seconds() -> float:
    """CPU time so far of this machine's PostgreSQL server processes, ended ones included (Linux
    ``/proc``; 0 elsewhere): what an invoice costs the server beside what it costs the workers."""
    total, tick = 0, os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = entry.read_text()
        except OSError:  # the process ended meanwhile
            continue
        name, _, rest = stat.partition(" (")[2].rpartition(") ")
        if name == "postgres":
            fields = rest.split()
            # utime + stime, and cutime + cstime: the backends that ended (a worker's, when it
            # exits) are counted in the postmaster's once it has reaped them
            total += sum(int(f) for f in fields[11:15])
    return total / tick


class Timed:
    """Wraps the pool to time the processing step on its own, and how busy the machine was."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool
        self.began = 0.0  # time.perf_counter() when the pool starts the worker processes
        self.seconds = 0.0
        self.busy = 0.0  # share of all cores in use (workers, database server, anything else)
        self.server_cpu = 0.0  # CPU seconds of the PostgreSQL server's processes meanwhile

    def __call__(self, run_id: int, opts: RunOptions) -> list[str]:
        self.began, (busy0, total0), server0 = time.perf_counter(), cpu_jiffies(), postgres_cpu_seconds()
        try:
            return self.pool(run_id, opts)
        finally:
            self.seconds = time.perf_counter() - self.began
            self.server_cpu = postgres_cpu_seconds() - server0
            busy1, total1 = cpu_jiffies()
            self.busy = (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0


class FirstClaims:
    """Watches the store from the side: when each worker first holds a claim on a new invoice."""

    def __init__(self, url: str, workers: int, above: int = 0) -> None:
        self.engine = create_engine(url)
        self.workers, self.above = workers, above  # it stops looking once it has seen them all
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> FirstClaims:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()
        self.engine.dispose()

    def _watch(self) -> None:
        query = (
            select(InvoiceRow.claimed_by)
            .where(InvoiceRow.id > self.above, InvoiceRow.claimed_by.is_not(None))
            .group_by(InvoiceRow.claimed_by)
        )
        while not self.stop.is_set() and len(self.seen) < self.workers:
            try:
                with self.engine.connect() as conn:
                    for (worker,) in conn.execute(query):
                        self.seen.setdefault(str(worker), time.perf_counter())
            except Exception:  # the writer has SQLite locked for a moment: look again
                pass
            self.stop.wait(0.01)

    def startup(self, timed: Timed) -> list[float]:
        """Each worker's start-up: from the pool starting the processes to its first claim (s)."""
        return [round(self.seen[w] - timed.began, 2) for w in sorted(self.seen)]

    def after_startup(self, timed: Timed, invoices: int) -> float:
        """Invoices per second from the first worker's first claim to the end of processing."""
        first = min(self.seen.values(), default=timed.began)
        return round(invoices / max(timed.began + timed.seconds - first, 1e-9), 1)


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
        with FirstClaims(url, workers) as claims:
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
            "after_startup_per_s": claims.after_startup(timed, invoices),
            "startup_s": claims.startup(timed),
            "whole_run_s": round(total, 1),
            "cpu_busy": f"{timed.busy:.0%} of {os.cpu_count()} cores",
            "peak_rss_mib": [round(r.peak_rss_kib / 1024) for r in timed.pool.results],
            "server_cpu_ms_per_invoice": round(timed.server_cpu / invoices * 1000, 3)
            if kind == "pg"
            else None,
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
        "--rounds",
        type=int,
        default=1,
        help="run the configurations this many times, interleaved; ratios are of the medians",
    )
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
    runs: dict[str, list[dict[str, Any]]] = {}
    try:
        for _ in range(args.rounds):
            for item in args.configs.split(","):
                kind, n = ("pg", int(item[2:])) if item.startswith("pg") else ("sqlite", int(item[6:]))
                row = one(kind, n, args.invoices, template / "inbox", args.batch)
                runs.setdefault(item, []).append(row)
                print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(template, ignore_errors=True)
    for n in (2, 4):
        if "pg1" in runs and f"pg{n}" in runs:
            print(
                f"scaling {n} workers / 1 worker (PostgreSQL, medians of {args.rounds}): "
                + ", ".join(
                    f"{what} {_median(runs[f'pg{n}'], what) / _median(runs['pg1'], what):.2f}x"
                    f" ({_median(runs['pg1'], what)} and {_median(runs[f'pg{n}'], what)} invoices/s)"
                    for what in ("per_s", "after_startup_per_s")
                )
            )


def _median(rows: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(float(r[key]) for r in rows))


if __name__ == "__main__":
    main()
