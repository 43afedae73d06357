"""The store's operations, one short transaction each, so a crash at any point loses nothing.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from connectors.base import IncomingDocument
    >>> tmp = tempfile.TemporaryDirectory()
    >>> store = Store.open(f"sqlite:///{tmp.name}/fakturarobot.db")
    >>> run_id = store.start_run("manual")
    >>> content = Path("samples/inbox/0001-peppol-clean.xml").read_bytes()
    >>> doc = IncomingDocument("0001.xml", "0001.xml", content)
    >>> receipt = store.receive("folder", doc, run_id)
    >>> receipt.new, store.receive("folder", doc, run_id).new  # fetched again: recognised
    (True, False)
    >>> store.close(); tmp.cleanup()

Every state change writes an :class:`~robot.store.schema.Event` in the same transaction: the
invoice's journey is the event log. Decisions are recorded by one method,
:meth:`~robot.store.decisions.Decisions.apply` (its own module). Writes that change a claimed
invoice take an optional ``worker``: given, they happen only while ``claimed_by`` is still that
worker (else :class:`~robot.store.fence.LeaseLost`, and nothing is written), so a worker whose
lease was lost never records a decision or a completion over another worker's.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import IncomingDocument
from robot.serialize import jsonable
from robot.store.completions import Completions
from robot.store.db import open_engine, open_existing
from robot.store.decisions import Decisions
from robot.store.holds import HoldQueue
from robot.store.queries import Queries
from robot.store.queue import LeaseLost, WorkQueue
from robot.store.receipts import Receipt, receive
from robot.store.runs import RunLog
from robot.store.schema import Document, Event, FindingRow, InvoiceRow, utcnow

IDS_PER_QUERY = 1000
"""Invoice ids one ``IN (...)`` names at the most (:meth:`Store.findings_by_invoice`)."""


class Store(RunLog, WorkQueue, Queries, HoldQueue, Decisions, Completions):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self._probe_connection = None
        self._probe_lock = threading.Lock()

    @classmethod
    def open(cls, url: str | None = None, *, existing: bool = False, upgrade: bool = False) -> Store:
        """Create and migrate the store (``FAKTURAROBOT_DATABASE_URL`` wins over ``url``); or, with
        ``existing``, open the store at exactly ``url`` without creating anything (upgrading an
        older schema only with ``upgrade``; see :func:`robot.store.db.open_existing`)."""
        if existing:
            assert url is not None, "an existing store is opened by its URL"
            return cls(open_existing(url, upgrade=upgrade))
        return cls(open_engine(url))

    @property
    def dialect(self) -> str:
        return str(self.engine.dialect.name)

    def close(self) -> None:
        self.close_probe()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- receiving ----------------------------------------------------------------------------

    def receive(self, source: str, doc: IncomingDocument, run_id: int | None) -> Receipt:
        return receive(self.sessions, source, doc, run_id)

    def document_of(self, invoice_id: int) -> tuple[InvoiceRow, Document]:
        """The invoice row and its document, in one query."""
        with self.sessions() as s:
            row, document = s.execute(
                select(InvoiceRow, Document)
                .join(Document, Document.id == InvoiceRow.document_id)
                .where(InvoiceRow.id == invoice_id)
            ).one()
            return row, document

    def documents_of(self, invoice_ids: Sequence[int]) -> list[tuple[InvoiceRow, Document]]:
        """Several invoice rows and their documents, in one query, in the order of ``invoice_ids``."""
        if not invoice_ids:
            return []
        with self.sessions() as s:
            rows = s.execute(
                select(InvoiceRow, Document)
                .join(Document, Document.id == InvoiceRow.document_id)
                .where(InvoiceRow.id.in_(list(invoice_ids)))
            ).all()
        found = {row.id: (row, document) for row, document in rows}
        return [found[i] for i in invoice_ids if i in found]

    def invoice(self, invoice_id: int) -> InvoiceRow:
        with self.sessions() as s:
            return s.get_one(InvoiceRow, invoice_id)

    # --- processing steps ---------------------------------------------------------------------

    def event(self, invoice_id: int | None, run_id: int | None, kind: str, **detail: Any) -> None:
        with self.sessions.begin() as s:
            s.add(Event(invoice_id=invoice_id, run_id=run_id, kind=kind, detail=jsonable(detail)))

    def findings_of(self, invoice_id: int) -> list[FindingRow]:
        return self.findings_by_invoice([invoice_id]).get(invoice_id, [])

    def findings_by_invoice(self, invoice_ids: Sequence[int]) -> dict[int, list[FindingRow]]:
        """The findings of several invoices, each invoice's in recorded order: one query per
        :data:`IDS_PER_QUERY` invoices, so no statement outgrows what a driver binds (PostgreSQL
        65,535 parameters, SQLite 32,766) however many invoices a digest names."""
        found: dict[int, list[FindingRow]] = {}
        ids = list(invoice_ids)
        with self.sessions() as s:
            for start in range(0, len(ids), IDS_PER_QUERY):
                chunk = ids[start : start + IDS_PER_QUERY]
                query = select(FindingRow).where(FindingRow.invoice_id.in_(chunk)).order_by(FindingRow.id)
                for row in s.scalars(query):
                    found.setdefault(row.invoice_id, []).append(row)
        return found

    # --- application failures (the invoice stays pending) -----------------------------------

    def step_failed(
        self, invoice_id: int, run_id: int, step: str, error: str, *, worker: str | None = None
    ) -> int:
        """An application failure (a bug, a damaged file): the invoice stays pending. Returns attempts."""
        with self.sessions.begin() as s:
            row = _owned_row(s, invoice_id, worker, f"recording a {step} failure")
            row.attempts += 1
            row.last_error = f"{step}: {error}"
            row.claimed_by, row.lease_until, row.last_run_id = None, None, run_id
            s.add(Event(invoice_id=invoice_id, run_id=run_id, kind=f"{step}-failed", detail={"error": error}))
            return row.attempts

    def erp_unreachable(
        self,
        invoice_id: int,
        run_id: int,
        error: str,
        *,
        backoff: timedelta,
        backoff_max: timedelta,
        worker: str | None = None,
    ) -> tuple[int, datetime]:
        """The ERP could not be reached: back off, without spending the invoice's ``attempts``.

        The invoice stays pending. The first outage in a row is retried by the next run (a blip);
        from the second on it is not claimed before ``retry_after`` = now + ``backoff`` doubled per
        further outage (at most ``backoff_max``). Returns (outages in a row, retry_after).
        """
        now = utcnow()
        with self.sessions.begin() as s:
            row = _owned_row(s, invoice_id, worker, "recording an ERP outage")
            row.erp_unreachable = (row.erp_unreachable or 0) + 1
            n = row.erp_unreachable
            delay = timedelta(0) if n == 1 else min(backoff * 2 ** min(n - 2, 30), backoff_max)
            row.retry_after = now + delay
            row.last_error = f"erp unreachable: {error}"
            row.claimed_by, row.lease_until, row.last_run_id = None, None, run_id
            detail = {"error": error, "in_a_row": row.erp_unreachable, "retry_after": row.retry_after}
            s.add(
                Event(invoice_id=invoice_id, run_id=run_id, kind="erp-unreachable", detail=jsonable(detail))
            )
            return row.erp_unreachable, row.retry_after

    # --- outcomes written back to the source ---------------------------------------------------

    def pending_outcomes(self) -> list[InvoiceRow]:
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(InvoiceRow).where(InvoiceRow.outcome_pending.is_(True)).order_by(InvoiceRow.id)
                )
            )

    def outcome_reported(self, invoice_id: int, run_id: int, outcome: str) -> None:
        with self.sessions.begin() as s:
            s.execute(update(InvoiceRow).where(InvoiceRow.id == invoice_id).values(outcome_pending=False))
            event = {"invoice_id": invoice_id, "run_id": run_id, "kind": "outcome-reported"}
            s.execute(insert(Event), [{**event, "detail": {"outcome": outcome}, "at": utcnow()}])


def _owned_row(s: Session, invoice_id: int, worker: str | None, step: str) -> InvoiceRow:
    """The invoice row, locked (PostgreSQL), checked to be still ``worker``'s when one is given."""
    row = s.get_one(InvoiceRow, invoice_id, with_for_update=worker is not None)
    if worker is not None and row.claimed_by != worker:
        raise LeaseLost(invoice_id, worker, step)
    return row
