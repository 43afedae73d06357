"""Replay stored invoices through reading and classification under changed criteria or rules.

    master, classifier = prepare(loaded, criteria=Path("customers-new.yaml"), rules=[])
    result = replay(store, master, classifier, loaded.pdf_templates(), since=..., customer="SFE")

Each decided invoice received in the period (``since`` <= received_at < ``until``) is read from its
stored bytes and decided by the run's own code (:func:`robot.processing.decision.read_or_error`,
:func:`robot.processing.decision.decide_row`) against the vendor master and orders of the configuration
and the given customers file. The duplicate history is the one a run had: the invoices decided
before the period, growing in the order the invoices came (as :mod:`robot.processing.dry_run`
does), every customer's, so a customer filter does not hide a duplicate. "Before" is what the store
holds: the robot's own verdict (its last ``classified`` event; a person's release rewrites the
``verdict`` column), its blocking findings, and a person's decision if any. Only reads.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from classifiers.api import PriorInvoice
from classifiers.engine import Classifier
from robot.codes import InvoiceState, Verdict
from robot.processing.decision import decide_row, prior_of, read_or_error
from robot.processing.whatif.result import Change, WhatIf
from robot.store.queries import HISTORY_COLUMNS
from robot.store.schema import Document, Event, FindingRow, InvoiceRow

if TYPE_CHECKING:
    from robot.configuration.settings import LoadedConfig
    from robot.pdftext import TemplateSet
    from robot.processing.context import MasterData
    from robot.store.repo import Store

BATCH = 500
BY_HAND = ("released", "release-approved", "returned-by-hand", "retry")
_UNDECIDED = (InvoiceState.RECEIVED, InvoiceState.READ)


def prepare(
    loaded: LoadedConfig, *, criteria: Path | None, rules: Sequence[str]
) -> tuple[MasterData, Classifier]:
    """The master data (with ``criteria`` as the customers file) and the classifier of a replay."""
    from robot.configuration.masterdata import load_customers
    from robot.configuration.wiring import load_master
    from robot.processing.context import MasterData

    master = load_master(loaded)
    if criteria is not None:
        customers = load_customers(criteria).customers
        master = MasterData(customers=customers, vendors=master.vendors, orders=master.orders)
    official = loaded.official_rules()  # the run judged with them: so does its replay
    checks = [official] if official is not None else []
    if not rules:
        return master, Classifier(document_checks=checks)
    from robot.processing.whatif.rules import replay_registry

    return master, Classifier(replay_registry(list(rules)), document_checks=checks)


@dataclass(frozen=True, slots=True)
class _Listed:
    """An invoice of the period as the id query lists it (enough for the duplicate history)."""

    id: int
    customer_id: str | None
    prior: PriorInvoice | None


def replay(
    store: Store,
    master: MasterData,
    classifier: Classifier,
    templates: TemplateSet | None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    customer: str | None = None,
) -> WhatIf:
    started = time.perf_counter()
    result = WhatIf()
    master.with_history(_priors_before(store, since))
    listed = _listed(store, since, until)
    for start in range(0, len(listed), BATCH):
        batch = listed[start : start + BATCH]
        wanted = [item.id for item in batch if customer is None or item.customer_id == customer]
        stored = _Stored.load(store, wanted)
        for item in batch:  # in the order they came: each sees the invoices before it
            prior = item.prior
            if item.id in stored.rows:
                prior = _one(master, classifier, templates, stored, item.id, result) or prior
            if prior is not None:
                master.history.add(prior)
    result.seconds = time.perf_counter() - started
    return result


@dataclass(frozen=True, slots=True)
class _Stored:
    """A batch of invoices as the store holds them: rows and bytes, the robot's and people's decisions."""

    rows: dict[int, tuple[InvoiceRow, bytes, str, str]]
    verdicts: dict[int, str]
    by_hand: dict[int, str]
    rules: dict[int, tuple[str, ...]]

    @classmethod
    def load(cls, store: Store, ids: list[int]) -> _Stored:
        if not ids:
            return cls({}, {}, {}, {})
        query = (
            select(*_ROW_COLUMNS, Document.content, Document.filename, Document.sha256)
            .join(Document, Document.id == InvoiceRow.document_id)
            .where(InvoiceRow.id.in_(ids))
        )
        with store.sessions() as s:
            rows = {}
            for r in s.execute(query):
                row = InvoiceRow(**dict(zip(_ROW_KEYS, r[: len(_ROW_KEYS)], strict=True)))  # unsaved
                rows[row.id] = (row, r[-3], r[-2], r[-1])
            verdicts, by_hand = _journeys(s, ids)
            return cls(rows, verdicts, by_hand, _blocking(s, ids))


#: what the replay needs of a stored invoice (its row has more: the Invoice Response, the lease, ...)
_ROW_COLUMNS = (
    InvoiceRow.id,
    InvoiceRow.source,
    InvoiceRow.source_ref,
    InvoiceRow.source_meta,
    InvoiceRow.state,
    InvoiceRow.verdict,
    InvoiceRow.customer_id,
    InvoiceRow.invoice_number,
)
_ROW_KEYS = tuple(c.key for c in _ROW_COLUMNS)


def _one(
    master: MasterData,
    classifier: Classifier,
    templates: TemplateSet | None,
    stored: _Stored,
    invoice_id: int,
    result: WhatIf,
) -> PriorInvoice | None:
    """Decide one stored invoice again and compare; returns it for the duplicate history."""
    row, content, filename, sha256 = stored.rows[invoice_id]
    invoice, read_error = read_or_error(row, content, filename, templates)
    d = decide_row(master, classifier, row, invoice, read_error, sha256, content)
    before = stored.verdicts.get(row.id) or row.verdict or Verdict.HOLD
    hand = stored.by_hand.get(row.id)
    touchless_before = before == Verdict.POST and hand is None and row.state != InvoiceState.HELD
    who = row.customer_id or d.customer_id
    result.replayed += 1
    if d.verdict == before:
        result.count(who, before=touchless_before, after=touchless_before)
    else:
        result.count(who, before=touchless_before, after=d.verdict == Verdict.POST)
        after_rules = tuple(dict.fromkeys(f.code for f in d.findings if f.blocks))
        before_rules = stored.rules.get(row.id, ())
        change = Change(
            row.id,
            row.source_ref,
            row.invoice_number,
            who,
            str(before),
            str(d.verdict),
            before_rules,
            after_rules,
            hand,
        )
        result.changes.append(change)
    return prior_of(row.id, invoice, sha256) if invoice is not None else None


def _journeys(s: Any, ids: Iterable[int]) -> tuple[dict[int, str], dict[int, str]]:
    """Per invoice the robot's last verdict (its ``classified`` events) and a person's last decision."""
    verdicts: dict[int, str] = {}
    hands: dict[int, str] = {}
    query = (
        select(Event.invoice_id, Event.kind, Event.detail)
        .where(Event.invoice_id.in_(list(ids)), Event.kind.in_(("classified", *BY_HAND)))
        .order_by(Event.id)
    )
    for invoice_id, kind, detail in s.execute(query):
        if kind == "classified":
            verdict = (detail or {}).get("verdict")
            if verdict:
                verdicts[invoice_id] = str(verdict)
        elif not (kind == "release-approved" and hands.get(invoice_id) == "released"):
            hands[invoice_id] = kind
    return verdicts, hands


def _blocking(s: Any, ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """The stored blocking findings' rule codes per invoice, in recorded order."""
    found: dict[int, dict[str, None]] = {}
    query = (
        select(FindingRow.invoice_id, FindingRow.code)
        .where(FindingRow.invoice_id.in_(list(ids)), FindingRow.severity == "error")
        .order_by(FindingRow.id)
    )
    for invoice_id, code in s.execute(query):
        found.setdefault(invoice_id, {})[code] = None
    return {k: tuple(v) for k, v in found.items()}


def _listed(store: Store, since: datetime | None, until: datetime | None) -> list[_Listed]:
    """The decided invoices received in the period, in the order they came."""
    query = _decided().with_only_columns(InvoiceRow.customer_id, *HISTORY_COLUMNS).order_by(InvoiceRow.id)
    if since is not None:
        query = query.where(InvoiceRow.received_at >= since)
    if until is not None:
        query = query.where(InvoiceRow.received_at < until)
    with store.sessions() as s:
        return [_Listed(r[1], r[0], _prior(r[1:])) for r in s.execute(query)]


def _priors_before(store: Store, since: datetime | None) -> list[PriorInvoice]:
    """The duplicate history at the start of the period: the invoices decided before it."""
    if since is None:
        return []
    query = _decided().with_only_columns(*HISTORY_COLUMNS).where(InvoiceRow.received_at < since)
    with store.sessions() as s:
        return [p for p in (_prior(r) for r in s.execute(query)) if p is not None]


def _decided() -> Any:
    return (
        select(InvoiceRow.id)
        .join(Document, Document.id == InvoiceRow.document_id)
        .where(InvoiceRow.state.notin_(_UNDECIDED))
    )


def _prior(r: Sequence[Any]) -> PriorInvoice | None:
    """A stored invoice as the duplicate index knows it (as a run loads it), if it has a number."""
    if not r[1] or not r[2]:
        return None
    return PriorInvoice(r[0], r[1], r[2], r[3], r[4], r[5])
