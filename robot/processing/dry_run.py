"""A dry run: what a run would do with each invoice, and no side effect at all.

The source is asked for its documents but never told to forget them (nothing leaves the inbox,
nothing is acknowledged or written back to the purchase system); nothing is posted, returned or
notified; and nothing is stored but the run record. Each document is decided in memory by the
run's own code (:func:`robot.processing.decision.decide`) with the store's duplicate history, growing with
each document as in a real run, so a later real run finds every invoice as it was and decides it
afresh. Invoices already in the store and still pending are shown too: decided earlier (a posting
to finish, a released hold) with their verdict, not yet decided by the same decision.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from classifiers.api import Finding
from classifiers.engine import Classifier
from connectors.base import IncomingDocument, IntakeFailure, Source, shown
from robot.pdftext import TemplateSet
from robot.processing.context import MasterData
from robot.processing.decision import Decision, decide_row, read_or_error, remember
from robot.processing.findings import from_rows
from robot.serialize import decimal_text
from robot.store.receipts import sha256_of
from robot.store.repo import Store
from robot.store.schema import Document, InvoiceRow, error_type_codes


@dataclass(frozen=True, slots=True)
class WouldBe:
    """One invoice in a dry run: the verdict a run would reach and why."""

    source_ref: str
    invoice_id: int | None  # stored already (pending), else None: still only in the source
    invoice_number: str | None
    customer_id: str | None
    verdict: str  # post | return | hold
    error_types: tuple[str, ...]
    findings: tuple[Finding, ...]
    payable: str | None
    currency: str | None
    decided_earlier: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.source_ref,
            "invoice_id": self.invoice_id,
            "invoice_number": self.invoice_number,
            "customer": self.customer_id,
            "verdict": self.verdict,
            "error_types": list(self.error_types),
            "findings": [f.to_json() for f in self.findings],
            "payable": self.payable,
            "currency": self.currency,
            "decided_earlier": self.decided_earlier,
        }


def _would_be(ref: str, invoice_id: int | None, d: Decision) -> WouldBe:
    inv = d.invoice
    return WouldBe(
        source_ref=ref,
        invoice_id=invoice_id,
        invoice_number=inv.number if inv is not None else None,
        customer_id=d.customer_id,
        verdict=d.verdict,
        error_types=d.error_types,
        findings=d.findings,
        payable=decimal_text(inv.totals.payable) if inv is not None else None,
        currency=inv.currency if inv is not None else None,
    )


class DryRun:
    def __init__(
        self, store: Store, master: MasterData, classifier: Classifier, templates: TemplateSet | None
    ) -> None:
        self.store, self.master, self.classifier, self.templates = store, master, classifier, templates
        self.results: list[WouldBe] = []
        self.problems: list[str] = []
        self._unstored = 0  # in-memory ids for the duplicate index: -1, -2, ... (never a stored id)

    def run(self, source: Source | None, *, customers: frozenset[str], stop: threading.Event) -> None:
        """Pending stored invoices first (a run takes them before what it fetches), then the source's."""
        for item in self._stored(customers):
            if stop.is_set():
                break
            self.results.append(item)
        if source is not None and not stop.is_set():
            self._fetched(source, customers, stop)
        if stop.is_set():
            self.problems.append("stopped before all invoices were looked at")

    def _stored(self, customers: frozenset[str]) -> Iterator[WouldBe]:
        for invoice_id in self.store.pending_ids():
            row, doc = self.store.document_of(invoice_id)
            if customers and row.customer_id not in customers:
                continue
            if row.verdict is not None:  # decided earlier: the run carries that verdict out
                found = tuple(from_rows(self.store.findings_of(invoice_id)))
                yield WouldBe(
                    row.source_ref,
                    row.id,
                    row.invoice_number,
                    row.customer_id,
                    row.verdict,
                    error_type_codes(row.error_types),
                    found,
                    decimal_text(row.payable),
                    row.currency,
                    decided_earlier=True,
                )
                continue
            invoice, read_error = read_or_error(row, doc.content, doc.filename, self.templates)
            d = decide_row(self.master, self.classifier, row, invoice, read_error, doc.sha256, doc.content)
            remember(self.master, row.id, invoice, doc.sha256)
            yield _would_be(row.source_ref, row.id, d)

    def _fetched(self, source: Source, customers: frozenset[str], stop: threading.Event) -> None:
        try:
            for item in source.fetch():  # never acknowledged: the source keeps every document
                if stop.is_set():
                    return
                if isinstance(item, IntakeFailure):
                    ref, reason = shown(item.source_ref), shown(item.reason, 500)
                    self.problems.append(f"intake from {source.name} would fail for {ref}: {reason}")
                    continue
                result = self._one(source.name, item)
                if result is not None and (not customers or result.customer_id in customers):
                    self.results.append(result)
        except Exception as exc:  # the source is down: say so; nothing else to look at
            self.problems.append(f"fetch from {source.name} failed: {exc}")

    def _one(self, source: str, item: IncomingDocument) -> WouldBe | None:
        digest = sha256_of(item.content)
        if self._received(source, item.source_ref, digest):
            return None  # a run recognises the receipt; it is shown above if still pending
        row = InvoiceRow(source=source, source_ref=item.source_ref, source_meta=dict(item.metadata))
        invoice, read_error = read_or_error(row, item.content, item.filename, self.templates)
        d = decide_row(self.master, self.classifier, row, invoice, read_error, digest, item.content)
        if invoice is not None:
            self._unstored += 1
            remember(self.master, -self._unstored, invoice, digest)
        return _would_be(item.source_ref, None, d)

    def _received(self, source: str, source_ref: str, digest: str) -> bool:
        """Whether the store has this receipt (same source, reference and bytes), read only."""
        with self.store.sessions() as s:
            query = (
                select(InvoiceRow.id)
                .join(Document, Document.id == InvoiceRow.document_id)
                .where(
                    InvoiceRow.source == source,
                    InvoiceRow.source_ref == source_ref,
                    Document.sha256 == digest,
                )
                .limit(1)
            )
            return s.scalars(query).first() is not None
