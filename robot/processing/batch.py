"""Deciding a batch of new invoices in one transaction (the posting stays per invoice, fenced).

A worker claims a batch of invoices; the new ones (``received``, or resumed after ``read``) are
read outside any transaction, then classified and decided in one transaction
(:meth:`robot.store.queue.WorkQueue.batch_transaction`): one statement locks the batch's claims
(those another worker took meanwhile are left to it, with a ``lease-lost`` event; the others'
lease is renewed with their decisions), one takes the locks that keep two workers from deciding
invoices that could find each other in the history at the same time (PostgreSQL,
:meth:`robot.processing.actions.Actions.serialised_on`), one asks the duplicate history for the
whole batch (:meth:`robot.store.history.StoreHistory.prefetch`), and a few write every decision
with its findings, posting intent and events
(:meth:`robot.store.decisions.Decisions.apply_many`).
Each invoice is decided after the ones before it in the batch and sees them in the history, as
when they are decided one at a time.

What stays per invoice is what exactly-once needs: each invoice to post is asked of the ERP and
posted on its own, with the lease verified right before each ERP call
(:mod:`robot.processing.handover_batch`; the batch's lease renewal, the ERP journal's flush and
the recording of the numbers are shared, and a number is recorded only while the invoice is still
the worker's). A crash after the batch's commit leaves invoices ``classified`` with their
posting intent: the next holder asks the ERP before posting, as after any crash.

One bad document does not stop the others: an unreadable one is held (``READ-ERROR``) in the batch
like any decision, and one whose reading or classifying fails (an application failure) is left out
of the batch and recorded on its own afterwards (retried later, held after ``max_attempts``). If
the batch's transaction fails as a whole (a database error), nothing of it was written and the
caller takes the invoices one at a time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from loguru import logger

from classifiers.keys import HistoryKey
from connectors.base import Posting
from robot.model import Invoice
from robot.processing import decision
from robot.processing.outcome import Outcome
from robot.store.history import StoreHistory
from robot.store.schema import Document, InvoiceRow, InvoiceState, utcnow

if TYPE_CHECKING:
    from robot.processing.actions import Actions


@dataclass(slots=True)
class Decided:
    """What a batch's transaction decided: invoices to hand over, invoices done, failures."""

    postings: list[tuple[int, Posting]] = field(default_factory=list)  # intent recorded, still claimed
    final: list[int] = field(default_factory=list)  # decided with nothing to hand over (e.g. returned)
    failures: list[tuple[int, Exception]] = field(default_factory=list)  # to record one by one
    lost: list[int] = field(default_factory=list)  # another worker's now
    renewed_at: float | None = None  # when (time.monotonic) the claims of ``postings`` were renewed


@dataclass(slots=True)
class _Read:
    row: InvoiceRow
    doc: Document
    invoice: Invoice | None
    read_error: str | None
    read_recorded: bool
    key: HistoryKey | None  # what the duplicate history is asked about it (None: unread)


def is_new(row: InvoiceRow) -> bool:
    """Not decided yet: read, classified and decided in a batch (else its decision is carried out)."""
    return row.state in (InvoiceState.RECEIVED, InvoiceState.READ) or row.verdict is None


def decide_batch(
    actions: Actions,
    items: list[tuple[InvoiceRow, Document]],
    run_id: int,
    *,
    worker: str,
    lease: timedelta,
) -> Decided:
    """Read, classify and decide ``items`` (new invoices claimed by ``worker``) in one transaction.

    Raises what the transaction raised (nothing of the batch is then written); failures of one
    invoice are returned in :attr:`Decided.failures`, not raised.
    """
    result = Decided()
    reads: list[_Read] = []
    for row, doc in items:
        try:
            invoice, read_error, read_recorded = decision.read_to_decide(
                row, doc.content, doc.filename, actions.pdf_templates
            )
        except Exception as exc:  # this document only (the reader crashed): recorded on its own
            result.failures.append((row.id, exc))
            continue
        key = HistoryKey.of(invoice, doc.sha256) if invoice is not None else None
        reads.append(_Read(row, doc, invoice, read_error, read_recorded, key))
    store, history = actions.store, actions.master.history
    locked = [
        name
        for r in (reads if actions.shared_history else [])
        if r.key is not None
        for name in actions.serialised_on(r.key)
    ]
    store_backed = isinstance(history, StoreHistory)
    outcomes: list[tuple[int, Outcome]] = []
    result.renewed_at = time.monotonic()  # before the lease the decisions write is taken
    lease_until = utcnow() + lease
    with store.batch_transaction([r.row.id for r in reads], worker, lease, locked) as (tx, owned):
        reads, lost = [r for r in reads if r.row.id in owned], [r for r in reads if r.row.id not in owned]
        result.lost = [r.row.id for r in lost]
        if actions.shared_history and not store_backed:  # an index loaded at the start: catch up
            for r in reads:
                if r.key is not None:
                    actions.catch_up(r.key.supplier_key, r.doc.sha256, tx)
        wanted = [r.key for r in reads if r.key is not None]
        if isinstance(history, StoreHistory):
            history.prefetch(wanted, session=tx)
        else:
            history.prefetch(wanted)
        for r in reads:
            try:
                outcome, posting = actions.outcome(r.row, r.invoice, r.read_error, r.doc, r.read_recorded)
            except Exception as exc:  # a rule or the posting builder crashed: this invoice only
                result.failures.append((r.row.id, exc))
                continue
            outcomes.append((r.row.id, outcome))
            actions.remember(r.row, r.invoice, r.doc, outcome, run_id)
            if posting is not None:
                result.postings.append((r.row.id, posting))
            else:
                result.final.append(r.row.id)
        store.apply_many(tx, run_id, outcomes, lease_until=lease_until)
    for invoice_id in result.lost:
        logger.bind(run_id=run_id, invoice_id=invoice_id).warning(
            "invoice {}: lease of {} lost before deciding; left to its new holder", invoice_id, worker
        )
        store.event(invoice_id, run_id, "lease-lost", worker=worker, step="deciding")
    return result
