"""The duplicate history answered by the store: indexed queries, never every earlier invoice.

:class:`StoreHistory` is the store-backed :class:`classifiers.lookups.RunHistory`. The duplicate
rules ask about one invoice at a time (its supplier and number, amount and date, canonical number,
bytes); one query answers all of it, through the indexes ``ix_invoices_dup_number`` (supplier,
number), ``ix_invoices_dup_canonical`` (supplier, folded number), ``ix_invoices_dup_amount``
(supplier, amount, date) and ``documents.sha256``/``ix_invoices_document``. So a worker starts at
once and its memory does not grow with the history; it grows only with the invoices decided in
its own run, which it remembers (:meth:`StoreHistory.add`), exactly as the in-memory index grows,
so an invoice decided earlier in the same run or batch — committed or not — is seen.

It answers what the in-memory :class:`classifiers.lookups.HistoryIndex` loaded from
:meth:`robot.store.queries.Queries.history` would answer (the same findings, in the same order):
the decided invoices with a supplier and a number, then those added in this run in the order they
were added. With several workers the question is asked under the supplier's lock (see
``WorkQueue.supplier_transaction``), so every decision another worker made for that supplier is
committed and seen; nothing is cached across invoices, so nothing can be stale.

A batch (:meth:`StoreHistory.prefetch`) asks for several invoices in one query; each invoice's
answer is then used once, by its own classification (:meth:`StoreHistory.for_invoice`). Call it
under the batch's supplier locks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select, union_all
from sqlalchemy.orm import Session, sessionmaker

from classifiers.api import PriorInvoice
from classifiers.keys import HistoryKey, canonical_invoice_number, normalise_invoice_number
from classifiers.lookups import HistoryIndex
from robot.store.queries import HISTORY_COLUMNS
from robot.store.schema import Document, InvoiceRow, InvoiceState

if TYPE_CHECKING:
    from robot.store.repo import Store

__all__ = ["StoreHistory"]

_UNDECIDED = (InvoiceState.RECEIVED, InvoiceState.READ)
#: keys per statement: SQLite's parameter limit and PostgreSQL's planner both like it bounded
CHUNK = 200


@dataclass(slots=True)
class _Answer:
    """What the store holds for one invoice's questions (the run's own additions come on top)."""

    numbers: list[PriorInvoice] = field(default_factory=list)  # same supplier and number
    amounts: list[PriorInvoice] = field(default_factory=list)  # same supplier, amount and date
    like: list[tuple[PriorInvoice, str]] = field(default_factory=list)  # same canonical number or amount
    documents: list[PriorInvoice] = field(default_factory=list)  # same bytes


def _nonzero(payable: Decimal | None) -> bool:
    return payable is not None and payable != 0


class StoreHistory:
    """Earlier invoices for the duplicate rules, asked of the store (see the module)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._added = HistoryIndex()  # decided in this run (committed or not): on top of the store
        self._added_ids: set[int] = set()
        self._batch: dict[HistoryKey, list[_Answer]] = {}  # prefetched, each used once
        self._current: tuple[HistoryKey, _Answer] | None = None
        self.queries = 0  # statements sent (tests and the bench count them)
        self.rows_fetched = 0  # rows they returned

    @classmethod
    def of(cls, store: Store) -> StoreHistory:
        """The history of a :class:`robot.store.repo.Store`."""
        return cls(store.sessions)

    # --- RunHistory -------------------------------------------------------------------------------

    def add(self, prior: PriorInvoice) -> None:
        """An invoice decided in this run (or caught up from another worker): seen from now on."""
        if prior.invoice_id in self._added_ids:
            return
        self._added_ids.add(prior.invoice_id)
        self._added.add(prior)

    def __len__(self) -> int:
        """The invoices added in this run (the store's are never counted: that would be a scan)."""
        return len(self._added)

    def prefetch(self, keys: Iterable[HistoryKey], session: Session | None = None) -> None:
        """Answer a batch's questions in one query (per :data:`CHUNK` keys); each answer is used by
        one :meth:`for_invoice` of that key. ``session``: the batch's open transaction, if any."""
        wanted = list(keys)
        answers = self._ask(wanted, session)
        self._batch = {}
        for key in wanted:
            self._batch.setdefault(key, []).append(answers[key])

    def for_invoice(self, key: HistoryKey) -> None:
        """Before the rules run on one invoice: its prefetched answer, or one query now."""
        waiting = self._batch.get(key)
        if waiting:
            answer = waiting.pop()
            if not waiting:
                del self._batch[key]
        else:
            answer = self._ask([key])[key]
        self._current = (key, answer)

    # --- HistoryLookup ----------------------------------------------------------------------------

    def by_number(self, supplier_key: str, normalised_number: str) -> list[PriorInvoice]:
        if not normalised_number:
            return self._added.by_number(supplier_key, normalised_number)
        answer = self._answer(supplier_key, number=normalised_number)
        return self._merged(answer.numbers, self._added.by_number(supplier_key, normalised_number))

    def by_amount_date(self, supplier_key: str, payable: Decimal, issue_date: Any) -> list[PriorInvoice]:
        if not _nonzero(payable) or not isinstance(issue_date, date):
            return []
        answer = self._answer(supplier_key, payable=payable, issue_date=issue_date)
        return self._merged(answer.amounts, self._added.by_amount_date(supplier_key, payable, issue_date))

    def by_sha256(self, sha256: str) -> list[PriorInvoice]:
        if not sha256:
            return []
        answer = self._answer(None, sha256=sha256)
        return self._merged(answer.documents, self._added.by_sha256(sha256))

    def numbers_like(
        self, supplier_key: str, canonical_number: str, payable: Decimal | None
    ) -> tuple[Sequence[PriorInvoice], Sequence[str]]:
        if not canonical_number:
            return [], []
        answer = self._answer(supplier_key, canonical=canonical_number, payable=payable)
        pairs = [pair for pair in answer.like if pair[0].invoice_id not in self._added_ids]
        added, canonicals = self._added.numbers_like(supplier_key, canonical_number, payable)
        for prior, canonical in zip(added, canonicals, strict=True):
            if canonical == canonical_number or (_nonzero(payable) and prior.payable == payable):
                pairs.append((prior, canonical))
        return [p for p, _ in pairs], [c for _, c in pairs]

    # --- the queries ------------------------------------------------------------------------------

    def _merged(self, stored: list[PriorInvoice], added: list[PriorInvoice]) -> list[PriorInvoice]:
        return [p for p in stored if p.invoice_id not in self._added_ids] + added

    def _answer(
        self,
        supplier_key: str | None,
        *,
        number: str = "",
        canonical: str = "",
        payable: Decimal | None = None,
        issue_date: date | None = None,
        sha256: str | None = None,
    ) -> _Answer:
        """The current invoice's answer when the question is about it; else one query for this one."""
        if self._current is not None:
            key, answer = self._current
            if sha256 is not None:
                if key.sha256 == sha256:
                    return answer
            elif key.supplier_key == supplier_key and (
                (number and key.number == number)
                or (canonical and key.canonical == canonical and key.payable == payable)
                or (issue_date is not None and key.payable == payable and key.issue_date == issue_date)
            ):
                return answer
        asked = HistoryKey(supplier_key or "", number, canonical, payable, issue_date, sha256)
        if supplier_key is None:
            asked = HistoryKey("", "", "", None, None, sha256)
        return self._ask([asked])[asked]

    def _ask(self, keys: list[HistoryKey], session: Session | None = None) -> dict[HistoryKey, _Answer]:
        answers = {key: _Answer() for key in keys}
        unique = list(answers)
        with self.sessions() if session is None else nullcontext(session) as s:
            for start in range(0, len(unique), CHUNK):
                self._ask_chunk(s, unique[start : start + CHUNK], answers)
        return answers

    def _ask_chunk(self, s: Session, keys: list[HistoryKey], answers: dict[HistoryKey, _Answer]) -> None:
        arms: list[Any] = []
        suppliers: set[str] = set()
        for key in keys:
            if not key.supplier_key and not (key.number or key.canonical or key.payable):
                continue
            same = InvoiceRow.supplier_key == key.supplier_key
            if key.number:
                arms.append(and_(same, InvoiceRow.number_normalised == key.number))
            if key.canonical:
                arms.append(and_(same, InvoiceRow.number_canonical == key.canonical))
            if _nonzero(key.payable):  # the same amount: DUP-SUSPECT's date and its similar numbers
                arms.append(and_(same, InvoiceRow.payable == key.payable))
            if key.canonical or key.number:
                suppliers.add(key.supplier_key)
        for supplier in suppliers:  # rows stored without a folded number (before 0013 filled it)
            arms.append(and_(InvoiceRow.supplier_key == supplier, InvoiceRow.number_canonical.is_(None)))
        shas = sorted({key.sha256 for key in keys if key.sha256})
        decided = (
            select(*HISTORY_COLUMNS)
            .join(Document, Document.id == InvoiceRow.document_id)
            .where(InvoiceRow.state.notin_(_UNDECIDED))
            .where(InvoiceRow.supplier_key.is_not(None), InvoiceRow.invoice_number.is_not(None))
        )
        parts = []
        if arms:
            parts.append(decided.where(or_(*arms)))
        if shas:
            parts.append(decided.where(Document.sha256.in_(shas)))
        if not parts:
            return
        query = parts[0] if len(parts) == 1 else union_all(*parts)
        self.queries += 1
        rows: dict[int, PriorInvoice] = {}
        for r in s.execute(query):
            self.rows_fetched += 1
            rows[r[0]] = PriorInvoice(r[0], r[1] or "", r[2] or "", r[3], r[4], r[5])
        # each earlier invoice with its folded numbers, worked out once (not once per key asking)
        by_supplier: dict[str, list[tuple[PriorInvoice, str, str]]] = defaultdict(list)
        by_sha: dict[str, list[PriorInvoice]] = defaultdict(list)
        for prior in sorted(rows.values(), key=lambda p: p.invoice_id):  # in the order they came
            folded = normalise_invoice_number(prior.number), canonical_invoice_number(prior.number)
            by_supplier[prior.supplier_key].append((prior, *folded))
            if prior.sha256:
                by_sha[prior.sha256].append(prior)
        for key in keys:
            answer = answers[key]
            for prior, number, canonical in by_supplier.get(key.supplier_key, ()):
                if key.number and number == key.number:
                    answer.numbers.append(prior)
                if (
                    _nonzero(key.payable)
                    and key.issue_date is not None
                    and prior.payable == key.payable
                    and prior.issue_date == key.issue_date
                ):
                    answer.amounts.append(prior)
                if key.canonical and (
                    canonical == key.canonical or (_nonzero(key.payable) and prior.payable == key.payable)
                ):
                    answer.like.append((prior, canonical))
            if key.sha256:
                answer.documents.extend(by_sha.get(key.sha256, ()))
