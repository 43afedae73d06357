"""The ERP confirmed: invoices recorded as posted, one at a time or a batch's together.

:meth:`Completions.complete_posting` records one invoice (PostgreSQL: one statement, the invoice's
update feeding the posting's and the ``posted`` event as data-modifying CTEs);
:meth:`Completions.complete_postings` records a batch's in one transaction, after the batch's ERP
calls were made durable (:meth:`connectors.base.Ledger.posting_batch`). With a worker, only the
invoices still claimed by it are written; the others are its lost leases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Boolean, String, Table, bindparam, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, sessionmaker

from robot.store.decisions import owned
from robot.store.queue import LeaseLost
from robot.store.schema import Event, InvoiceRow, InvoiceState, PostingRow, utcnow

#: one posted invoice of a batch: (invoice id, the ERP's document number, found in the ERP already)
Posted = tuple[int, str, bool]


def _posted_values(erp_document_no: Any, run_id: Any, now: Any) -> dict[str, Any]:
    """The invoice's columns once it is posted."""
    return {
        "state": InvoiceState.POSTED,
        "erp_document_no": erp_document_no,
        "last_run_id": run_id,
        "outcome_pending": True,
        "claimed_by": None,
        "lease_until": None,
        "last_error": None,
        "erp_unreachable": 0,
        "retry_after": None,
        "updated_at": now,
    }


class Completions:
    """Mixin of :class:`robot.store.repo.Store`: recording what the ERP confirmed."""

    sessions: sessionmaker[Session]

    def complete_posting(
        self,
        invoice_id: int,
        run_id: int,
        erp_document_no: str,
        *,
        found_existing: bool,
        worker: str | None = None,
    ) -> None:
        """The ERP confirmed: the invoice is posted. With ``worker``, only while it still holds it.

        PostgreSQL: one statement (the invoice's update, whose ``RETURNING`` feeds the posting's
        update and the ``posted`` event as data-modifying CTEs), committed by itself: one round
        trip. Elsewhere the same three writes in one transaction.
        """
        now = utcnow()
        values = _posted_values(erp_document_no, run_id, now)
        posting = {"state": InvoiceState.POSTED, "erp_document_no": erp_document_no, "posted_at": now}
        detail = {"erp_document_no": erp_document_no, "found_existing": found_existing}
        with self.sessions() as s:
            if s.get_bind().dialect.name == "postgresql":
                table = Event.__table__.c
                done = owned(invoice_id, worker).values(**values).returning(InvoiceRow.id).cte("done")
                booked = (
                    update(PostingRow)
                    .where(PostingRow.invoice_id.in_(select(done.c.id)))
                    .values(**posting)
                    .returning(PostingRow.id)
                    .cte("booked")
                )
                event = select(
                    done.c.id,
                    literal(run_id, table.run_id.type),
                    literal("posted", table.kind.type),
                    literal(detail, table.detail.type),
                    literal(now, table.at.type),
                )
                noted = (
                    insert(Event)
                    .from_select(["invoice_id", "run_id", "kind", "detail", "at"], event)
                    .returning(Event.id)
                    .cte("noted")
                )
                query = select(func.count()).select_from(done).add_cte(booked, noted)
                connection = s.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                written = connection.execute(query).scalar_one()
                if worker is not None and not written:
                    raise LeaseLost(invoice_id, worker, "recording the posting")
                return
        with self.sessions.begin() as s:
            result = s.execute(owned(invoice_id, worker).values(**values))
            if worker is not None and not getattr(result, "rowcount", 0):
                raise LeaseLost(invoice_id, worker, "recording the posting")
            s.execute(update(PostingRow).where(PostingRow.invoice_id == invoice_id).values(**posting))
            s.execute(
                insert(Event),
                [{"invoice_id": invoice_id, "run_id": run_id, "kind": "posted", "detail": detail, "at": now}],
            )

    def complete_postings(self, posted: Sequence[Posted], run_id: int, *, worker: str | None) -> set[int]:
        """:meth:`complete_posting` for a batch, in one transaction; returns the invoices not written
        because ``worker`` no longer holds them (its lost leases)."""
        if not posted:
            return set()
        now = utcnow()
        ids = [invoice_id for invoice_id, _, _ in posted]
        with self.sessions() as s:
            if s.get_bind().dialect.name == "postgresql":  # one statement, committed by itself
                values = {
                    "ids": ids,
                    "numbers": [number for _, number, _ in posted],
                    "found": [found for _, _, found in posted],
                    "worker": worker,
                    "run_id": run_id,
                    "now": now,
                }
                connection = s.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                query = _PG_POSTED if worker is not None else _PG_POSTED_UNFENCED
                return set(ids) - {int(i) for i in connection.execute(query, values).scalars()}
        with self.sessions.begin() as s:
            query = select(InvoiceRow.id).where(InvoiceRow.id.in_(ids))
            if worker is not None:
                query = query.where(InvoiceRow.claimed_by == worker)
            ours = set(s.scalars(query))
            rows = [p for p in posted if p[0] in ours]
            if rows:
                invoices, postings = InvoiceRow.__table__, PostingRow.__table__
                assert isinstance(invoices, Table) and isinstance(postings, Table)
                s.execute(
                    update(invoices)
                    .where(invoices.c.id == bindparam("invoice"))
                    .values(**_posted_values(bindparam("number"), run_id, now)),
                    [{"invoice": i, "number": n} for i, n, _ in rows],
                )
                s.execute(
                    update(postings)
                    .where(postings.c.invoice_id == bindparam("invoice"))
                    .values(state=InvoiceState.POSTED, erp_document_no=bindparam("number"), posted_at=now),
                    [{"invoice": i, "number": n} for i, n, _ in rows],
                )
                s.execute(
                    insert(Event),
                    [
                        {
                            "invoice_id": i,
                            "run_id": run_id,
                            "kind": "posted",
                            "detail": {"erp_document_no": n, "found_existing": existing},
                            "at": now,
                        }
                        for i, n, existing in rows
                    ],
                )
        return set(ids) - ours


def _pg_posted(fenced: bool) -> Any:
    """:meth:`Completions.complete_postings` on PostgreSQL: the invoices' update (only those still
    claimed by ``:worker`` when ``fenced``), whose ``RETURNING`` feeds the postings' update and the
    ``posted`` events as data-modifying CTEs; every list is one array parameter."""
    invoices, postings, events = InvoiceRow.__table__, PostingRow.__table__, Event.__table__
    assert isinstance(invoices, Table) and isinstance(postings, Table) and isinstance(events, Table)
    asked = (
        func.unnest(
            bindparam("ids", type_=ARRAY(BigInteger)),
            bindparam("numbers", type_=ARRAY(String)),
            bindparam("found", type_=ARRAY(Boolean)),
        )
        .table_valued("id", "number", "found", name="posted")
        .render_derived()
    )
    now = bindparam("now", type_=events.c.at.type)
    done = update(invoices).where(invoices.c.id == asked.c.id)
    if fenced:
        done = done.where(invoices.c.claimed_by == bindparam("worker"))
    done_cte = (
        done.values(**_posted_values(asked.c.number, bindparam("run_id"), now))
        .returning(invoices.c.id, asked.c.number, asked.c.found)
        .cte("done")
    )
    booked = (
        update(postings)
        .where(postings.c.invoice_id == done_cte.c.id)
        .values(state=InvoiceState.POSTED, erp_document_no=done_cte.c.number, posted_at=now)
        .returning(postings.c.id)
        .cte("booked")
    )
    detail = func.json_build_object(
        "erp_document_no", done_cte.c.number, "found_existing", done_cte.c.found, type_=events.c.detail.type
    )
    noted = (
        insert(events)
        .from_select(
            ["invoice_id", "run_id", "kind", "detail", "at"],
            select(done_cte.c.id, bindparam("run_id"), literal("posted", events.c.kind.type), detail, now),
        )
        .returning(events.c.id)
        .cte("noted")
    )
    return select(done_cte.c.id).add_cte(booked, noted)


_PG_POSTED, _PG_POSTED_UNFENCED = _pg_posted(True), _pg_posted(False)
