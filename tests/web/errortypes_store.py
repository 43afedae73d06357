"""A store for the Error types page and /metrics tests: the robot's real runs over the samples,
a person's release and return by hand, and the invoices spread over ISO weeks (with two right at a
week boundary in Copenhagen and one before the period), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from connectors.testing.fakes import MemorySource
from robot.processing.findings import manual_return
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import FindingRow, InvoiceRow, InvoiceState
from tests.conftest import sample_source
from tests.web.support import sample_robot

CPH = ZoneInfo("Europe/Copenhagen")
#: the page's period in these tests: the 12 ISO weeks up to the one of 1 December 2026 (W38-W49)
LAST_DAY = date(2026, 12, 1)
#: Monday of 2026-W49, 00:00 in Copenhagen (Sunday 23:00 UTC)
W49 = datetime(2026, 11, 30, tzinfo=CPH)


def robot(store: Store, source: MemorySource | None) -> Robot:
    return sample_robot(store, source)


def held_by(store: Store, code: str) -> int:
    """A held invoice with a finding of ``code``."""
    with store.sessions() as s:
        found = s.scalar(
            select(InvoiceRow.id)
            .join(FindingRow, FindingRow.invoice_id == InvoiceRow.id)
            .where(InvoiceRow.state == InvoiceState.HELD, FindingRow.code == code)
            .order_by(InvoiceRow.id)
        )
    assert found is not None, f"no held invoice with {code} in the samples"
    return int(found)


def populate(store: Store) -> dict[str, int]:
    """Run the samples, release one hold and return another by hand, run again; spread the weeks."""
    robot(store, sample_source()).run(RunOptions(trigger="test"))
    released = held_by(store, "CUST-AMOUNT-LIMIT")
    returned = held_by(store, "CUST-REMARK-HOLD")
    store.resolve_hold(released, "release", by="ANJE", note="checked against the order")
    finding = manual_return("REF", "Ordrenummer mangler", "Order number missing")
    store.resolve_hold(returned, "return", by="ANJE", finding=finding)
    robot(store, None).run(RunOptions(trigger="test"))
    with store.sessions() as s:
        ids = list(s.scalars(select(InvoiceRow.id).order_by(InvoiceRow.id)))
    moved = {
        ids[0]: W49,  # the first moment of W49
        ids[1]: W49 - timedelta(seconds=1),  # the last of W48
        ids[2]: W49 - timedelta(weeks=20),  # before the period
    }
    for n, invoice_id in enumerate(ids[3:]):
        moved[invoice_id] = W49 + timedelta(hours=5) - timedelta(weeks=n % 5, days=n % 3)
    with store.sessions.begin() as s:
        for invoice_id, at in moved.items():
            s.execute(update(InvoiceRow).where(InvoiceRow.id == invoice_id).values(received_at=at))
    return {"released": released, "returned": returned}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def populated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, dict[str, int]]]:
    """A populated store (see :func:`populate`) per module, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        folder: Path = tmp_path_factory.mktemp("errortypes")
        store = Store.open(f"sqlite:///{folder}/store.db")
        yield store, populate(store)
        store.close()
        return
    import psycopg

    url = request.getfixturevalue("pg_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = "host=127.0.0.1 port=5432 dbname=test user=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    store = Store.open(f"{url}?options=-csearch_path%3D{schema}")
    try:
        yield store, populate(store)
    finally:
        store.close()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
