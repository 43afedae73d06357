"""Fill a PostgreSQL store to a service centre's scale for the console benchmark (bench/web_bench.py).

One real run of the robot over the generated samples (every state, finding, posting, notice and
Invoice Response is the product's own), then PostgreSQL multiplies it: ``copies`` times the 59
sample invoices with distinct numbers, suppliers, customers, dates and amounts, their findings,
error types and events, and two scheduled runs a day back in time. With the defaults:
1,000,000 invoices, about 100,000 of them held, 10,000,000 events::

    .venv/bin/python -m bench.web_fill --schema web_bench          # keeps the schema for web_bench
    .venv/bin/python -m bench.web_fill --invoices 20000 --schema t  # a quick try
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SAMPLES = 59


def schema_url(schema: str) -> str:
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


def demo_run(url: str) -> None:
    """The robot's own run over a copy of samples/ into the store at ``url``."""
    from loguru import logger

    from robot.configuration.wiring import build_robot
    from robot.running.run import RunOptions

    logger.remove()
    work = Path(tempfile.mkdtemp(prefix="web-fill-"))
    try:
        shutil.copytree(ROOT / "samples", work / "samples")
        (work / "var" / "demo").mkdir(parents=True)
        shutil.copytree(ROOT / "samples" / "inbox", work / "var" / "demo" / "inbox")
        robot, _ = build_robot(work / "samples" / "fakturarobot.yaml", database_url=url)
        robot.run(RunOptions(trigger="schedule:morning"))
        robot.store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


# Copy k of the sample invoices (k = 1..copies). Held samples are copied in five of eight copies so
# that about a tenth of all invoices are held, as in a service centre's queue. Suppliers: 2,000
# distinct keys; customers: 40; issue dates spread over two years; due dates around today.
MULTIPLY = """
CREATE TEMP TABLE copies AS
  SELECT k FROM generate_series(1, %(copies)s) AS k;

INSERT INTO invoices (id, document_id, source, source_ref, source_meta, received_at, updated_at,
    first_run_id, last_run_id, state, verdict, error_types, read_error, customer_id, format,
    document_type, invoice_number, number_normalised, supplier_key, supplier_name, issue_date,
    due_date, payable, currency, erp_document_no, invoice_response, outcome_pending, notice_id,
    attempts, erp_unreachable, retry_after, last_error, claimed_by, lease_until)
SELECT t.id + c.k * 1000, t.document_id, t.source, t.source_ref || '#' || c.k, t.source_meta,
    t.received_at - make_interval(hours => (c.k * 37) %% 17520),
    t.updated_at - make_interval(hours => (c.k * 37) %% 17520),
    t.first_run_id, t.last_run_id, t.state, t.verdict, t.error_types, t.read_error,
    CASE WHEN t.customer_id IS NULL THEN NULL ELSE t.customer_id || (c.k %% 40)::text END,
    t.format, t.document_type,
    t.invoice_number || '-' || c.k, t.number_normalised || c.k::text,
    CASE WHEN t.supplier_key IS NULL THEN NULL ELSE t.supplier_key || '-' || (c.k %% 2000)::text END,
    CASE WHEN t.supplier_name IS NULL THEN NULL ELSE t.supplier_name || ' ' || (c.k %% 2000)::text END,
    t.issue_date - ((c.k * 37 / 24) %% 730)::int,
    CURRENT_DATE + ((c.k %% 60) - 30),
    t.payable + (c.k %% 997), t.currency,
    CASE WHEN t.erp_document_no IS NULL THEN NULL ELSE t.erp_document_no || '-' || c.k END,
    t.invoice_response, false, t.notice_id, t.attempts, 0, NULL, t.last_error, NULL, NULL
FROM invoices t CROSS JOIN copies c
WHERE t.id <= 1000 AND (t.state <> 'held' OR c.k %% 8 < 5);

INSERT INTO invoice_error_types (invoice_id, code)
SELECT i.id, e.code FROM invoices i JOIN invoice_error_types e ON e.invoice_id = i.id %% 1000
WHERE i.id > 1000;

INSERT INTO findings (invoice_id, code, official_ids, severity, disposition, status, reason, action,
    field, message_da, message_en, found, expected, line_id)
SELECT i.id, f.code, f.official_ids, f.severity, f.disposition, f.status, f.reason, f.action,
    f.field, f.message_da, f.message_en, f.found, f.expected, f.line_id
FROM invoices i JOIN findings f ON f.invoice_id = i.id %% 1000
WHERE i.id > 1000;

INSERT INTO events (invoice_id, run_id, at, kind, detail)
SELECT i.id, e.run_id, i.received_at + (e.at - t.received_at), e.kind, e.detail
FROM invoices i JOIN invoices t ON t.id = i.id %% 1000 JOIN events e ON e.invoice_id = t.id
WHERE i.id > 1000;
"""

# The journey of a real invoice has more steps than the demo's one run (fetch retries, outcome
# reports, notices, people looking at it): extra steps bring the events to ``events_per_invoice``.
PAD_EVENTS = """
INSERT INTO events (invoice_id, run_id, at, kind, detail)
SELECT i.id, NULL, i.received_at + make_interval(mins => n), 'outcome-reported',
       '{"outcome": "bench"}'::json
FROM invoices i CROSS JOIN generate_series(1, %(pad)s) AS n
WHERE i.id > 1000;
"""

RUNS = """
INSERT INTO runs (started_at, finished_at, heartbeat_at, status, trigger, dry_run, host, pid, counts)
SELECT ts, ts + interval '4 minutes', ts + interval '4 minutes',
       CASE WHEN d %% 50 = 0 THEN 'partial' ELSE 'ok' END,
       CASE WHEN d %% 2 = 0 THEN 'schedule:morning' ELSE 'schedule:afternoon' END,
       false, 'bench', 1, '{"posted": 600, "returned": 40, "held": 70}'::json
FROM (SELECT d, date_trunc('day', now()) - make_interval(days => d / 2)
             + CASE WHEN d %% 2 = 0 THEN interval '5 hours' ELSE interval '13 hours' END AS ts
      FROM generate_series(2, %(runs)s) AS d) AS s
ORDER BY ts;
"""


def vacuum(schema: str) -> None:
    """VACUUM ANALYZE the big tables. A bulk load leaves the visibility map empty, and without it
    PostgreSQL makes no index-only scan (autovacuum gets there in its own time; a long transaction
    elsewhere on the server holds it back)."""
    with psycopg.connect(PG_DSN, options=f"-csearch_path={schema}", autocommit=True) as conn:
        for table in ("invoices", "events", "findings", "invoice_error_types", "runs"):
            conn.execute(f"VACUUM ANALYZE {table}")


def fill(schema: str, invoices: int, events_per_invoice: int = 10) -> dict[str, float]:
    """Create ``schema`` (dropped first if it exists) and fill it; returns counts and seconds."""
    from robot.store.repo import Store

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = schema_url(schema)
    Store.open(url).close()  # migrations
    start = time.perf_counter()
    demo_run(url)
    copies = max(1, round(invoices / (SAMPLES - 9 * 3 / 8)))
    with psycopg.connect(PG_DSN, options=f"-csearch_path={schema}") as conn:
        (max_id,) = conn.execute("SELECT max(id) FROM invoices").fetchone() or (0,)
        assert max_id is not None and max_id < 1000, max_id
        for statement in MULTIPLY.split(";\n\n"):
            conn.execute(statement, {"copies": copies})
        (per,) = conn.execute(
            "SELECT count(*)::float / count(DISTINCT invoice_id) FROM events"
        ).fetchone() or (1,)
        pad = max(0, round(events_per_invoice - per))
        if pad:
            conn.execute(PAD_EVENTS, {"pad": pad})
        conn.execute(RUNS, {"runs": 2 * 730})
        for table in ("invoices", "events", "findings", "runs"):  # new rows after the copies
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        conn.commit()
    vacuum(schema)
    with psycopg.connect(PG_DSN, options=f"-csearch_path={schema}") as conn:
        counts = {
            name: conn.execute(sql).fetchone()[0]  # type: ignore[index]
            for name, sql in {
                "invoices": "SELECT count(*) FROM invoices",
                "held": "SELECT count(*) FROM invoices WHERE state = 'held'",
                "events": "SELECT count(*) FROM events",
                "runs": "SELECT count(*) FROM runs",
            }.items()
        }
    return {**counts, "fill_s": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--events-per-invoice", type=int, default=10)
    parser.add_argument("--schema", default="web_bench")
    args = parser.parse_args()
    print(fill(args.schema, args.invoices, args.events_per_invoice), flush=True)


if __name__ == "__main__":
    main()
