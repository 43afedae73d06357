"""Fill a store with N earlier invoices for the scale benchmark (bench/scale_bench.py).

PostgreSQL: a database of its own (``fr_scale_bench`` by default, created here, dropped with
``--drop``), the robot's migrations, the demo's own run over samples/ (bench/web_fill.py's
``demo_run``: real runs, findings, postings), then N decided invoices by ``COPY`` with their
documents (tiny, distinct bytes), the plain indexes dropped during the load and built again after.
SQLite: the same rows by ``executemany`` into a file. With 5,000,000 invoices PostgreSQL takes a few
minutes; fill once, then run the bench as often as needed::

    .venv/bin/python -m bench.scale_fill --pg 5000000               # keeps fr_scale_bench
    .venv/bin/python -m bench.scale_fill --sqlite 1000000 --dir /tmp/fr-scale-bench
    .venv/bin/python -m bench.scale_fill --drop                     # drops the database again

The history is a service centre's: 30,000 suppliers in a Zipf distribution (the busiest has about
9 % of all invoices), the demo's twelve clean suppliers — whose invoices the bench sends — the
busiest of all, five years of issue dates that end before the bench's invoices begin, 90 % posted,
5 % returned, 5 % held. Numbers (``R<supplier>X<n>``) and amounts are the supplier's own series, so
the bench's new invoices are no duplicates, but every duplicate query runs against a supplier with
up to hundreds of thousands of earlier invoices. ``fill.json`` in ``--dir`` records the highest id
of every table after the fill: the bench deletes everything above it between configurations.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import sqlite3
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
DATABASE = "fr_scale_bench"
DIR = Path("/tmp/fr-scale-bench")
SUPPLIERS = 30_000
ZIPF = 1.0
FIRST_DAY = date(2019, 1, 1)
DAYS = 5 * 365  # ends 2023-12-31: the bench's invoices are dated from 2024-03 on
CHUNK = 100_000

#: the invoices columns the fill writes (the others are NULL)
COLUMNS = (
    "id",
    "document_id",
    "source",
    "source_ref",
    "source_meta",
    "received_at",
    "updated_at",
    "state",
    "verdict",
    "error_types",
    "customer_id",
    "format",
    "document_type",
    "invoice_number",
    "number_normalised",
    "number_canonical",
    "supplier_key",
    "supplier_name",
    "issue_date",
    "due_date",
    "payable",
    "currency",
    "outcome_pending",
    "attempts",
    "erp_unreachable",
)
DOC_COLUMNS = ("id", "sha256", "size", "content", "filename", "first_seen_at")


def pg_url(database: str = DATABASE) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"


def pg_dsn(database: str = DATABASE) -> str:
    return f"host=127.0.0.1 port=5432 dbname={database} user=postgres"


def sqlite_url(folder: Path = DIR) -> str:
    return f"sqlite:///{folder / 'history.db'}"


def demo_suppliers() -> list[str]:
    """The supplier keys of the clean demo invoices the bench sends, most frequent first."""
    from collections import Counter

    from classifiers.lookups import supplier_key
    from robot.readers import read_document
    from tests.support.bulk import clean_samples

    counts = Counter(supplier_key(read_document(p.read_bytes())) for p in clean_samples())
    return [key for key, _ in counts.most_common()]


def rows(count: int, first_id: int, seed: int = 17) -> Iterator[tuple[Any, ...]]:
    """``count`` decided invoices (invoice row values in :data:`COLUMNS` order, ids from ``first_id``)."""
    from classifiers.lookups import canonical_invoice_number, normalise_invoice_number

    rng = random.Random(seed)
    keys = demo_suppliers() + [f"3{n:07d}" for n in range(SUPPLIERS)]
    keys = keys[:SUPPLIERS]
    weights = [1 / (rank + 1) ** ZIPF for rank in range(len(keys))]
    picks = rng.choices(range(len(keys)), weights=weights, k=count)
    serial = [0] * len(keys)
    states = ("posted",) * 18 + ("returned", "held")
    for offset, s in enumerate(picks):
        serial[s] += 1
        number = f"R{s + 1}X{serial[s]}"
        issued = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        state = states[rng.randrange(20)]
        verdict = {"posted": "post", "returned": "return", "held": "hold"}[state]
        payable = Decimal(rng.randrange(10_000, 50_000_000)) / 100
        received = f"{issued.isoformat()} 08:00:00+00"
        yield (
            first_id + offset,
            first_id + offset,
            "bench-history",
            f"h{first_id + offset}",
            "{}",
            received,
            received,
            state,
            verdict,
            None if state == "posted" else "OTH",
            "SFE",
            "peppol-bis3",
            "invoice",
            number,
            normalise_invoice_number(number),
            canonical_invoice_number(number),
            keys[s],
            f"Leverandør {s + 1} A/S",
            issued.isoformat(),
            (issued + timedelta(days=30)).isoformat(),
            str(payable),
            "DKK",
            False,
            0,
            0,
        )


def _document(invoice_id: int, received: str) -> tuple[Any, ...]:
    content = b"bench history %d" % invoice_id
    return (
        invoice_id,
        hashlib.sha256(content).hexdigest(),
        len(content),
        content,
        f"h{invoice_id}.xml",
        received,
    )


def _copy_text(values: tuple[Any, ...]) -> str:
    out = []
    for v in values:
        if v is None:
            out.append("\\N")
        elif isinstance(v, bool):
            out.append("t" if v else "f")
        elif isinstance(v, bytes):
            out.append("\\\\x" + v.hex())
        else:
            out.append(str(v))
    return "\t".join(out) + "\n"


def _copy(
    conn: psycopg.Connection[Any], table: str, columns: tuple[str, ...], values: Iterator[tuple[Any, ...]]
) -> None:
    """``COPY table FROM STDIN``, written in blocks of :data:`CHUNK` rows."""
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for n, row in enumerate(values, 1):
            buffer.write(_copy_text(row))
            if n % CHUNK == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def max_ids(url: str) -> dict[str, int]:
    """The highest id of every table with an ``id`` (what the bench keeps between configurations)."""
    from sqlalchemy import create_engine, func, select

    from robot.store.schema import Base

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: int(conn.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one())
                for t in Base.metadata.sorted_tables
                if "id" in t.c
            }
    finally:
        engine.dispose()


def fill_pg(count: int, database: str = DATABASE) -> dict[str, Any]:
    """Create ``database`` (dropped first if it exists) and fill it with ``count`` earlier invoices."""
    from bench.web_fill import demo_run
    from robot.store.repo import Store

    start = time.perf_counter()
    drop_pg(database)
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    Store.open(pg_url(database)).close()  # the migrations
    demo_run(pg_url(database))  # the robot's own rows: runs, findings, postings, notices
    with psycopg.connect(pg_dsn(database)) as conn:
        first = int(conn.execute("SELECT coalesce(max(id), 0) FROM invoices").fetchone()[0]) + 1  # type: ignore[index]
        first = max(first, int(conn.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()[0]) + 1)  # type: ignore[index]
        plain = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'invoices' AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = 'invoices'::regclass)"
        ).fetchall()
        for name, _ in plain:
            conn.execute(f'DROP INDEX "{name}"')
        _copy(conn, "documents", DOC_COLUMNS, (_document(row[0], row[5]) for row in rows(count, first)))
        _copy(conn, "invoices", COLUMNS, rows(count, first))
        loaded = time.perf_counter() - start
        conn.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in plain:
            conn.execute(definition)
        for table in ("invoices", "documents"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        conn.commit()
    with psycopg.connect(pg_dsn(database), autocommit=True) as conn:
        for table in ("invoices", "documents"):
            conn.execute(f"VACUUM ANALYZE {table}")
    return {
        "database": database,
        "invoices": count,
        "load_s": round(loaded, 1),
        "fill_s": round(time.perf_counter() - start, 1),
    }


def drop_pg(database: str = DATABASE) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def fill_sqlite(count: int, folder: Path = DIR) -> dict[str, Any]:
    """A SQLite store at ``folder/history.db`` (replaced) with ``count`` earlier invoices."""
    from robot.store.repo import Store

    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (folder / f"history.db{suffix}").unlink(missing_ok=True)
    Store.open(sqlite_url(folder)).close()
    conn = sqlite3.connect(folder / "history.db")
    try:
        plain = conn.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = 'invoices' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in plain:
            conn.execute(f'DROP INDEX "{name}"')
        marks = ", ".join("?" * len(COLUMNS))
        batch: list[tuple[Any, ...]] = []
        docs: list[tuple[Any, ...]] = []
        for row in rows(count, 1):
            received = row[5].replace("+00", ".000000")
            batch.append((*row[:5], received, received, *row[7:]))
            docs.append(_document(row[0], received))
            if len(batch) == CHUNK:
                conn.executemany(
                    f"INSERT INTO documents ({', '.join(DOC_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)", docs
                )
                conn.executemany(f"INSERT INTO invoices ({', '.join(COLUMNS)}) VALUES ({marks})", batch)
                batch, docs = [], []
        if batch:
            conn.executemany(
                f"INSERT INTO documents ({', '.join(DOC_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)", docs
            )
            conn.executemany(f"INSERT INTO invoices ({', '.join(COLUMNS)}) VALUES ({marks})", batch)
        for _, definition in plain:
            conn.execute(definition)
        conn.commit()
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return {
        "sqlite": str(folder / "history.db"),
        "invoices": count,
        "fill_s": round(time.perf_counter() - start, 1),
    }


def record(folder: Path, name: str, url: str, count: int) -> None:
    """``fill.json``: per store the history's size and every table's highest id after the fill."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fill.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = {"url": url, "invoices": count, "max_ids": max_ids(url)}
    path.write_text(json.dumps(data, indent=2))


def recorded(folder: Path, name: str) -> dict[str, Any] | None:
    path = folder / "fill.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    entry = data.get(name)
    return entry if isinstance(entry, dict) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", type=int, default=0, help="earlier invoices for PostgreSQL (e.g. 5000000)")
    parser.add_argument("--sqlite", type=int, default=0, help="earlier invoices for SQLite (e.g. 1000000)")
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--dir", type=Path, default=DIR)
    parser.add_argument(
        "--drop", action="store_true", help="drop the PostgreSQL database and the SQLite file"
    )
    args = parser.parse_args()
    if args.drop:
        drop_pg(args.database)
        for suffix in ("", "-wal", "-shm"):
            (args.dir / f"history.db{suffix}").unlink(missing_ok=True)
        (args.dir / "fill.json").unlink(missing_ok=True)
        print(f"dropped {args.database} and {args.dir / 'history.db'}")
        return
    if args.pg:
        print(fill_pg(args.pg, args.database), flush=True)
        record(args.dir, "pg", pg_url(args.database), args.pg)
    if args.sqlite:
        print(fill_sqlite(args.sqlite, args.dir), flush=True)
        record(args.dir, "sqlite", sqlite_url(args.dir), args.sqlite)


if __name__ == "__main__":
    main()
