"""Recording decisions: the one place an invoice's decision and its events are written.

:meth:`Decisions.apply` writes a :class:`StepRecord` (an :class:`~robot.processing.outcome.Outcome`,
built by the pure functions of :mod:`robot.processing.outcome`; the store declares only what it
reads of it, and does not import the deciding code) in one transaction: the invoice's new state
and columns, its findings and error types, the posting intent, and the events. The first pass,
every resumed step and the holds after a decision all go through it;
:class:`robot.store.completions.Completions` records the ERP's answer.

Given a ``worker``, a write happens only while ``claimed_by`` is still that worker (``UPDATE ...
WHERE claimed_by = worker``; else :class:`~robot.store.fence.LeaseLost`, and nothing is written).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from robot.serialize import jsonable
from robot.store import decisions_sql as batch_sql
from robot.store.fence import LeaseLost
from robot.store.findings_map import finding_values
from robot.store.schema import ErrorTypeRow, Event, FindingRow, InvoiceRow, PostingRow, utcnow

if TYPE_CHECKING:
    from classifiers.api import Finding


class PostingIntent(Protocol):
    """The posting intent of a step, recorded before the ERP is called."""

    @property
    def key(self) -> str: ...  # the idempotency key
    @property
    def ledger(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def recorded(self) -> bool: ...  # already in the store (a resumed posting): counted again


class StepRecord(Protocol):
    """What :meth:`Decisions.apply` records of one step of an invoice."""

    @property
    def state(self) -> str | None: ...  # the invoice's new state (None: unchanged)
    @property
    def values(self) -> Mapping[str, Any]: ...  # other invoice columns
    @property
    def findings(self) -> tuple[Finding, ...]: ...
    @property
    def replace_findings(self) -> bool: ...
    @property
    def error_types(self) -> tuple[str, ...] | None: ...
    @property
    def posting(self) -> PostingIntent | None: ...
    @property
    def events(self) -> tuple[tuple[str, dict[str, Any]], ...]: ...
    @property
    def step(self) -> str: ...  # what a lost lease names
    @property
    def final(self) -> bool: ...  # the claim is let go


class Decisions:
    """Mixin of :class:`robot.store.repo.Store`: decisions and the ERP's confirmation, fenced."""

    sessions: sessionmaker[Session]

    def apply(
        self,
        invoice_id: int,
        run_id: int | None,
        outcome: StepRecord,
        *,
        session: Session | None = None,
        worker: str | None = None,
    ) -> None:
        """Record one step of the invoice (a decision, a resumed one, a hold) with its events.

        Core statements, a handful of round trips: this is the hot path. Given a ``session``, the
        statements join its open transaction (the caller commits: see
        ``WorkQueue.serial_transaction``).
        """
        now = utcnow()
        values = _invoice_values(outcome, run_id, now)
        events = _events(invoice_id, run_id, outcome, now)
        with self.sessions.begin() if session is None else nullcontext(session) as s:
            result = s.execute(owned(invoice_id, worker).values(**values))
            if worker is not None and not getattr(result, "rowcount", 0):
                raise LeaseLost(invoice_id, worker, outcome.step)
            if outcome.replace_findings:
                s.execute(delete(FindingRow).where(FindingRow.invoice_id == invoice_id))
            if outcome.findings:
                s.execute(insert(FindingRow), [finding_values(invoice_id, f) for f in outcome.findings])
            if outcome.error_types is not None:
                set_error_types(s, invoice_id, outcome.error_types)
            intent = outcome.posting
            if intent is not None and intent.recorded:
                s.execute(
                    update(PostingRow)
                    .where(PostingRow.invoice_id == invoice_id)
                    .values(attempts=PostingRow.attempts + 1)
                )
            elif intent is not None:
                s.execute(insert(PostingRow), [_intent_row(invoice_id, intent, now)])
            if events:
                s.execute(insert(Event), events)

    def apply_many(
        self,
        s: Session,
        run_id: int | None,
        outcomes: Sequence[tuple[int, StepRecord]],
        *,
        lease_until: datetime | None = None,
    ) -> None:
        """Record the decisions of a batch in ``s``, the batch's transaction, in a few statements.

        ``lease_until``: the lease of the invoices that stay claimed (not ``final``: to be handed
        over), renewed in the same statement as their decision.

        The rows must be this worker's and locked in ``s`` (``WorkQueue.batch_transaction``): the
        fence is that transaction's, so nothing here is conditional. Each invoice's writes are those
        :meth:`apply` makes, grouped: one ``UPDATE`` per set of columns (on PostgreSQL from arrays,
        :mod:`robot.store.decisions_sql`; elsewhere an executemany), one ``DELETE`` and one
        multi-row ``INSERT`` per table. A resumed posting (``recorded``) is not batched.
        """
        if not outcomes:
            return
        now = utcnow()
        updates: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        replaced: list[int] = []
        findings: list[dict[str, Any]] = []
        typed: list[int] = []
        type_rows: list[dict[str, Any]] = []
        intents: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for invoice_id, outcome in outcomes:
            if outcome.posting is not None and outcome.posting.recorded:
                raise ValueError("a resumed posting is applied on its own (Decisions.apply)")
            values = _invoice_values(outcome, run_id, now)
            if lease_until is not None and not outcome.final:
                values["lease_until"] = lease_until
            updates[tuple(sorted(values))].append((invoice_id, values))
            if outcome.replace_findings:
                replaced.append(invoice_id)
            findings += [finding_values(invoice_id, f) for f in outcome.findings]
            if outcome.error_types is not None:
                typed.append(invoice_id)
                codes = dict.fromkeys(c for c in outcome.error_types if c)
                type_rows += [{"invoice_id": invoice_id, "code": code} for code in codes]
            if outcome.posting is not None:
                intents.append(_intent_row(invoice_id, outcome.posting, now))
            events += _events(invoice_id, run_id, outcome, now)
        postgresql = s.get_bind().dialect.name == "postgresql"
        for columns, rows in updates.items():
            if postgresql and len(rows) > 1 and batch_sql.arrays_carry(columns):
                s.execute(batch_sql.batch_update(columns), batch_sql.batch_params(columns, rows))
            else:
                _update_each(s, columns, rows)
        if replaced:
            s.execute(delete(FindingRow).where(FindingRow.invoice_id.in_(replaced)))
        if findings:
            s.execute(insert(FindingRow), findings)
        if typed:
            s.execute(delete(ErrorTypeRow).where(ErrorTypeRow.invoice_id.in_(typed)))
        if type_rows:
            s.execute(insert(ErrorTypeRow), type_rows)
        if intents:
            s.execute(insert(PostingRow), intents)
        if events:
            s.execute(insert(Event), events)

    def posting_recorded(self, invoice_id: int) -> bool:
        """Whether the invoice's posting intent is in the store (a resumed posting)."""
        with self.sessions() as s:
            query = select(PostingRow.id).where(PostingRow.invoice_id == invoice_id)
            return s.scalar(query) is not None


def _update_each(s: Session, columns: tuple[str, ...], rows: list[tuple[int, dict[str, Any]]]) -> None:
    """One executemany ``UPDATE`` of ``columns`` for ``rows`` (invoice id, values)."""
    table = InvoiceRow.__table__
    assert isinstance(table, Table)
    query = update(table).where(table.c.id == bindparam("v__id"))
    params = [{"v__id": invoice_id, **{f"v_{c}": values[c] for c in columns}} for invoice_id, values in rows]
    s.execute(query.values({c: bindparam(f"v_{c}") for c in columns}), params)


def _invoice_values(outcome: StepRecord, run_id: int | None, now: datetime) -> dict[str, Any]:
    """The invoice's columns a step writes."""
    values: dict[str, Any] = {**outcome.values, "last_run_id": run_id, "updated_at": now}
    if outcome.state is not None:
        values["state"] = outcome.state
    if outcome.final:
        values.update(claimed_by=None, lease_until=None)
    if outcome.error_types is not None:
        values["error_types"] = ",".join(dict.fromkeys(outcome.error_types)) or None
    return values


def _events(invoice_id: int, run_id: int | None, outcome: StepRecord, now: datetime) -> list[dict[str, Any]]:
    return [
        {"invoice_id": invoice_id, "run_id": run_id, "kind": kind, "detail": jsonable(detail), "at": now}
        for kind, detail in outcome.events
    ]


def _intent_row(invoice_id: int, intent: PostingIntent, now: datetime) -> dict[str, Any]:
    return {
        "invoice_id": invoice_id,
        "idempotency_key": intent.key,
        "ledger": intent.ledger,
        "payload": jsonable(intent.payload),
        "attempts": 1,
        "state": "pending",
        "created_at": now,
    }


def set_error_types(s: Session, invoice_id: int, codes: Iterable[str]) -> None:
    """Replace the invoice's error types (``invoice_error_types``, one row per code) in ``s``.

    ``invoices.error_types`` keeps the same codes comma-joined, as every report shows them; the
    child rows are what ``held --error-type`` filters on, exactly.
    """
    s.execute(delete(ErrorTypeRow).where(ErrorTypeRow.invoice_id == invoice_id))
    rows = [{"invoice_id": invoice_id, "code": code} for code in dict.fromkeys(codes) if code]
    if rows:
        s.execute(insert(ErrorTypeRow), rows)


def owned(invoice_id: int, worker: str | None) -> Any:
    """``UPDATE invoices WHERE id = ?`` (and ``AND claimed_by = ?`` when a worker is given)."""
    query = update(InvoiceRow).where(InvoiceRow.id == invoice_id)
    return query if worker is None else query.where(InvoiceRow.claimed_by == worker)
