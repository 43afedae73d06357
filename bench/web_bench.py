"""The creditor console at a service centre's scale: p50/p95 of each page over real HTTP.

Fills (or reuses) a PostgreSQL schema with bench/web_fill.py (1,000,000 invoices, ~100,000 held,
10,000,000 events), serves the console with uvicorn on 127.0.0.1, logs in as a creditor through
the login form and times each page ``--repeat`` times (different filter values each time)::

    .venv/bin/python -m bench.web_bench                      # fill 1,000,000 and measure
    .venv/bin/python -m bench.web_bench --reuse              # measure the schema filled before
    .venv/bin/python -m bench.web_bench --invoices 50000     # a quick try

Prints one JSON line per page: p50_ms, p95_ms, max_ms, and the HTTP status seen.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from collections.abc import Callable

import httpx
import psycopg

from bench.web_fill import PG_DSN, ROOT, fill, schema_url, vacuum

PASSWORD = "bench-password-123"  # a throwaway user of the bench schema only


def samples(schema: str) -> dict[str, list[str]]:
    """Values to filter and search by, taken from the filled store."""
    with psycopg.connect(PG_DSN, options=f"-csearch_path={schema}") as conn:

        def column(sql: str) -> list[str]:
            return [str(r[0]) for r in conn.execute(sql).fetchall() if r[0] is not None]

        return {
            "customer": column("SELECT DISTINCT customer_id FROM invoices WHERE id % 997 = 0 LIMIT 20"),
            "supplier": column("SELECT DISTINCT supplier_name FROM invoices WHERE id % 991 = 0 LIMIT 20"),
            "supplier_key": column("SELECT DISTINCT supplier_key FROM invoices WHERE id % 983 = 0 LIMIT 20"),
            "number": column("SELECT invoice_number FROM invoices WHERE id % 977 = 0 LIMIT 20"),
            "rule": column("SELECT DISTINCT code FROM findings WHERE disposition = 'hold' LIMIT 20"),
            "error_type": column("SELECT DISTINCT code FROM invoice_error_types LIMIT 20"),
            "held_id": column("SELECT id FROM invoices WHERE state = 'held' AND id % 13 = 0 LIMIT 50"),
            "any_id": column("SELECT id FROM invoices WHERE id % 9973 = 0 LIMIT 50"),
        }


def login(client: httpx.Client) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    data = {"username": "bench", "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
    answer = client.post("/login", data=data)
    if answer.status_code >= 400 or "fr_session" not in client.cookies:
        raise SystemExit(f"login failed: HTTP {answer.status_code}")


def pages(v: dict[str, list[str]]) -> dict[str, Callable[[random.Random], str]]:
    def pick(key: str) -> Callable[[random.Random], str]:
        return lambda r: r.choice(v[key])

    customer, supplier, number, rule, etype = (
        pick("customer"),
        pick("supplier"),
        pick("number"),
        pick("rule"),
        pick("error_type"),
    )
    return {
        "overview": lambda r: "/",
        "runs": lambda r: "/runs",
        "hold queue": lambda r: "/holds",
        "hold queue, customer": lambda r: f"/holds?customer={customer(r)}",
        "hold queue, error type": lambda r: f"/holds?error_type={etype(r)}",
        "hold queue, rule": lambda r: f"/holds?rule={rule(r)}",
        "hold queue, supplier": lambda r: f"/holds?supplier={supplier(r).split(' ')[0]}",
        "hold queue, due before": lambda r: f"/holds?due_before=2026-12-{r.randint(1, 28):02d}",
        "hold queue, amount": lambda r: (
            f"/holds?amount_min={r.randint(100, 900)}&amount_max={r.randint(1000, 5000)}"
        ),
        "search, number": lambda r: f"/search?number={number(r)}",
        "search, supplier": lambda r: f"/search?supplier={supplier(r)}",
        "invoice page, held": lambda r: f"/invoices/{r.choice(v['held_id'])}",
        "invoice page, any": lambda r: f"/invoices/{r.choice(v['any_id'])}",
        "workload": lambda r: "/workload",
        "error types": lambda r: "/error-types",
    }


def measure(base_url: str, v: dict[str, list[str]], repeat: int) -> None:
    rng = random.Random(12)
    with httpx.Client(base_url=base_url, timeout=120, follow_redirects=True) as client:
        login(client)
        for name, url_of in pages(v).items():
            times, statuses = [], set()
            client.get(url_of(rng))  # warm the plan cache and the connection pool
            for _ in range(repeat):
                start = time.perf_counter()
                answer = client.get(url_of(rng))
                times.append((time.perf_counter() - start) * 1000)
                statuses.add(answer.status_code)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
            row = {
                "page": name,
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(p95, 1),
                "max_ms": round(times[-1], 1),
                "status": sorted(statuses),
            }
            print(json.dumps(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--schema", default="web_bench")
    parser.add_argument("--reuse", action="store_true", help="measure the schema filled before")
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    from loguru import logger

    from connectors.testing.localserver import serve
    from robot.configuration.settings import load_config
    from robot.store.repo import Store
    from robot.store.users import Users
    from robot.web.app import create_app

    logger.remove()
    if not args.reuse:
        print(json.dumps({"filled": fill(args.schema, args.invoices)}), flush=True)
    store = Store.open(schema_url(args.schema))  # migrates a schema filled by an older version
    vacuum(args.schema)
    config = load_config(ROOT / "samples" / "fakturarobot.yaml")  # the demo's customers and schedules
    users = Users(store.sessions)
    if users.get("bench") is None:
        users.add("bench", "creditor", PASSWORD)
    try:
        with serve(create_app(config, store, secure_cookies=False)) as base_url:
            measure(base_url, samples(args.schema), args.repeat)
    finally:
        store.close()


if __name__ == "__main__":
    main()
