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
were added. With several workers the question is asked under locks on what it asks about
(:func:`serialising_names`, taken by ``WorkQueue.serial_transaction``), so every decision another
worker made that it could find is committed and seen; nothing is cached across invoices, so
nothing can be stale.

A batch (:meth:`StoreHistory.prefetch`) asks for several invoices in one query; each invoice's
answer is then used once, by its own classification (:meth:`StoreHistory.for_invoice`). Call it
under the batch's locks (``WorkQueue.batch_transaction``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from classifiers.api import PriorInvoice
from classifiers.keys import HistoryKey, canonical_invoice_number, normalise_invoice_number
from classifiers.lookups import HistoryIndex
from robot.store import history_sql as sql

if TYPE_CHECKING:
    from robot.store.repo import Store

__all__ = ["StoreHistory", "serialising_names"]

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


def serialising_names(key: HistoryKey) -> list[str]:
    """What two workers deciding invoices at the same time must take turns on, for this history.

    Every question this history answers for an invoice is about its own key (:meth:`for_invoice`):
    the same supplier and number (whose folded number is then the same too), the same supplier and
    folded number or amount (``numbers_like``, ``by_amount_date``), the same bytes. So an invoice
    whose decision could find another as a prior shares one of these names with it, and two that
    share none are decided side by side, even of one supplier. (The in-memory index catches up per
    supplier and is serialised on the supplier instead, see ``Actions.serialised_on``.) A rule that
    asks about some other supplier, number or amount is answered by a query of its own, which these
    names do not cover: the built-in duplicate rules never do.

    >>> from datetime import date
    >>> key = HistoryKey("12345674", "F-0O17", "F17", Decimal("100.00"), date(2026, 1, 2), "ab")
    >>> serialising_names(key) == serialising_names(HistoryKey("12345674", "F17", "F17",
    ...     Decimal("100.0"), None, "ab"))
    True
    """
    names = [f"number\x1f{key.supplier_key}\x1f{key.canonical}"]
    paid = key.payable if _nonzero(key.payable) else None
    if paid is not None:
        names.append(f"amount\x1f{key.supplier_key}\x1f{paid.normalize()}")
    if key.sha256:
        names.append(f"document\x1f{key.sha256}")
    return names


class StoreHistory:
    """Earlier invoices for the duplicate rules, asked of the store (see the module)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._added = HistoryIndex()  # decided in this run (committed or not): on top of the store
        self._added_ids: set[int] = set()
        # the run's additions by what numbers_like asks (same folded number, same amount), each with
        # its place in the order added, so an invoice costs only its own matches, not its supplier's
        self._added_like: dict[tuple[str, Any], list[tuple[int, PriorInvoice, str]]] = defaultdict(list)
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
        canonical, place = canonical_invoice_number(prior.number), len(self._added_ids)
        self._added_like[prior.supplier_key, ("canonical", canonical)].append((place, prior, canonical))
        if _nonzero(prior.payable):
            self._added_like[prior.supplier_key, ("payable", prior.payable)].append((place, prior, canonical))

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
        added = self._added_like.get((supplier_key, ("canonical", canonical_number)), [])
        if _nonzero(payable):
            same = self._added_like.get((supplier_key, ("payable", payable)), [])
            added = _each_once(added, same, _place)
        pairs += [(prior, canonical) for _, prior, canonical in added]
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
        params: dict[str, list[Any]] = {"numbers": [], "canonicals": [], "payables": [], "unfolded": []}
        suppliers: set[str] = set()
        for key in keys:
            if not key.supplier_key and not (key.number or key.canonical or key.payable):
                continue
            if key.number:
                params["numbers"].append((key.supplier_key, key.number))
            if key.canonical:
                params["canonicals"].append((key.supplier_key, key.canonical))
            if _nonzero(key.payable):  # the same amount: DUP-SUSPECT's date and its similar numbers
                params["payables"].append((key.supplier_key, key.payable))
            if key.canonical or key.number:
                suppliers.add(key.supplier_key)
        params = {name: list(dict.fromkeys(pairs)) for name, pairs in params.items()}  # each asked once
        params["unfolded"] = sorted(suppliers)
        shas = sorted({key.sha256 for key in keys if key.sha256})
        asks_keys = any(params.values())
        if not asks_keys and not shas:
            return
        self.queries += 1
        rows: dict[int, tuple[PriorInvoice, str, str]] = {}
        query = sql.BOTH if asks_keys and shas else sql.BY_KEYS if asks_keys else sql.BY_SHA
        fetched = s.execute(query, {**params, "shas": shas}).all()  # at once: a row at a time costs 9 us more
        self.rows_fetched += len(fetched)
        for i, supplier, text, issued, payable, sha, number, canonical in fetched:
            if i in rows:
                continue  # asked by two arms
            text = text or ""
            # the folded numbers as stored (the query matched on them); worked out for rows stored
            # before 0013 filled them
            rows[i] = (
                PriorInvoice(i, supplier or "", text, issued, payable, sha),
                normalise_invoice_number(text) if number is None else number,
                canonical_invoice_number(text) if canonical is None else canonical,
            )
        # each earlier invoice filed under what this chunk asks (only), in the order they came
        asked = {name: set(pairs) for name, pairs in params.items() if name != "unfolded"}
        asked_shas = set(shas)
        numbers: dict[tuple[str, str], list[PriorInvoice]] = defaultdict(list)
        amounts: dict[tuple[str, Decimal, date], list[PriorInvoice]] = defaultdict(list)
        canonicals: dict[tuple[str, str], list[tuple[PriorInvoice, str]]] = defaultdict(list)
        payables: dict[tuple[str, Decimal], list[tuple[PriorInvoice, str]]] = defaultdict(list)
        by_sha: dict[str, list[PriorInvoice]] = defaultdict(list)
        for invoice_id in sorted(rows):
            prior, number, canonical = rows[invoice_id]
            supplier = prior.supplier_key
            if (supplier, number) in asked["numbers"]:
                numbers[supplier, number].append(prior)
            if (supplier, canonical) in asked["canonicals"]:
                canonicals[supplier, canonical].append((prior, canonical))
            if prior.payable is not None and (supplier, prior.payable) in asked["payables"]:
                payables[supplier, prior.payable].append((prior, canonical))
                if prior.issue_date is not None:
                    amounts[supplier, prior.payable, prior.issue_date].append(prior)
            if prior.sha256 in asked_shas:
                by_sha[prior.sha256].append(prior)
        for key in keys:
            answer = answers[key]
            paid = key.payable if _nonzero(key.payable) else None
            if key.number:
                answer.numbers.extend(numbers.get((key.supplier_key, key.number), ()))
            if paid is not None and key.issue_date is not None:
                answer.amounts.extend(amounts.get((key.supplier_key, paid, key.issue_date), ()))
            if key.canonical:  # the same folded number, or the same amount: each once, in order
                like = canonicals.get((key.supplier_key, key.canonical), [])
                if paid is not None:
                    like = _each_once(like, payables.get((key.supplier_key, paid), []), _first_id)
                answer.like.extend(like)
            if key.sha256:
                answer.documents.extend(by_sha.get(key.sha256, ()))


E = TypeVar("E")


def _each_once(first: list[E], second: list[E], order: Callable[[E], int]) -> list[E]:
    """The entries of both lists, each once (by ``order``), in that order."""
    return sorted({order(entry): entry for entry in (*first, *second)}.values(), key=order)


def _first_id(pair: tuple[PriorInvoice, str]) -> int:
    """A (prior, folded number) pair's place: the earlier invoice's id."""
    return pair[0].invoice_id


def _place(entry: tuple[int, PriorInvoice, str]) -> int:
    """An addition's place in the order the run added it."""
    return entry[0]
