"""The report's counts over a :class:`~robot.reports.scope.Scope`, each one SQL aggregate.

- :func:`states`: the invoices received, by state;
- :func:`touchless`: of the decided invoices (posted, returned or held) the posted ones and the
  *touchless* ones, posted with no person's decision in their journey: the definition of the
  console's error types page (:data:`robot.store.holds.HUMAN_DECISIONS`), shared, not copied;
- :func:`by_error_type` and :func:`by_rule`: the returned and the held invoices (their state now) by
  error type (``invoice_error_types``) and by rule (a blocking finding that returns or holds);
- :func:`decisions`: the decisions made by hand (released, returned by hand, retried) by the rule
  that held the invoice: the codes of the latest ``held`` event before the decision (a retry reads
  the invoice again, so its findings no longer say what held it);
- :func:`duplicates`: the invoices a duplicate rule stopped (returned or held), and their amount.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Exists, and_, case, distinct, exists, func, or_, select
from sqlalchemy.orm import aliased

from robot.codes import InvoiceState
from robot.reports.scope import Scope
from robot.store.holds import EVENT, HUMAN_DECISIONS
from robot.store.repo import Store
from robot.store.schema import MONEY, ErrorTypeRow, Event, FindingRow, InvoiceRow

#: the decisions a person makes on a held invoice, as the report names them → their event kind
DECISIONS: dict[str, str] = {
    "released": EVENT["release"],
    "returned_by_hand": EVENT["return"],
    "retried": EVENT["retry"],
}
#: the duplicate rules (classifiers/builtin/duplicates.py): the same number or bytes, a suspected one
DUPLICATE_RULES: tuple[str, ...] = ("DUP-NUMBER", "DUP-DOCUMENT", "DUP-SUSPECT")
CENT = Decimal("0.01")
NO_RULE = ""  # a decision on an invoice with no held event before it


@dataclass(frozen=True, slots=True)
class Touchless:
    decided: int
    posted: int
    touchless: int

    @property
    def rate(self) -> float | None:
        return self.touchless / self.decided if self.decided else None


@dataclass(frozen=True, slots=True)
class Stopped:
    """Invoices returned and held (their state now) for one error type or rule."""

    code: str
    returned: int
    held: int


@dataclass(frozen=True, slots=True)
class Decided:
    rule: str
    released: int
    returned_by_hand: int
    retried: int


@dataclass(frozen=True, slots=True)
class Duplicates:
    invoices: int
    amount: Decimal
    by_rule: dict[str, int]


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def states(store: Store, scope: Scope) -> dict[str, int]:
    """The invoices received, by state (every state of :class:`InvoiceState`, zeros included)."""
    query = select(InvoiceRow.state, func.count()).where(*scope.where()).group_by(InvoiceRow.state)
    with store.sessions() as s:
        found = {str(state): int(n) for state, n in s.execute(query)}
    return {str(state): found.get(str(state), 0) for state in InvoiceState}


def decided_by_a_person() -> Exists:
    """The invoice's journey holds a person's decision (:data:`HUMAN_DECISIONS`): a posted invoice
    with one is not touchless. The report and the console's error types page count it this one way."""
    return exists().where(Event.invoice_id == InvoiceRow.id, Event.kind.in_(HUMAN_DECISIONS))


def touchless(store: Store, scope: Scope) -> Touchless:
    posted = InvoiceRow.state == InvoiceState.POSTED
    person = decided_by_a_person()
    query = select(
        func.count(),
        func.sum(case((posted, 1), else_=0)),
        func.sum(case((and_(posted, ~person), 1), else_=0)),
    ).where(*scope.where(), InvoiceRow.state.in_(InvoiceState.DONE))
    with store.sessions() as s:
        decided, posted_n, untouched = s.execute(query).one()
    return Touchless(int(decided), int(posted_n or 0), int(untouched or 0))


def _split(rows: Any) -> list[Stopped]:
    found: dict[str, dict[str, int]] = defaultdict(lambda: {"returned": 0, "held": 0})
    for code, state, n in rows:
        found[str(code)][str(state)] = int(n)
    ordered = sorted(found.items(), key=lambda kv: (-(kv[1]["returned"] + kv[1]["held"]), kv[0]))
    return [Stopped(code, v["returned"], v["held"]) for code, v in ordered]


def by_error_type(store: Store, scope: Scope) -> list[Stopped]:
    """Returned and held invoices per error type, most first."""
    stopped = InvoiceRow.state.in_((InvoiceState.RETURNED, InvoiceState.HELD))
    query = (
        select(ErrorTypeRow.code, InvoiceRow.state, func.count())
        .join(ErrorTypeRow, ErrorTypeRow.invoice_id == InvoiceRow.id)
        .where(*scope.where(), stopped)
        .group_by(ErrorTypeRow.code, InvoiceRow.state)
    )
    with store.sessions() as s:
        return _split(s.execute(query).all())


def by_rule(store: Store, scope: Scope) -> list[Stopped]:
    """Returned invoices per rule that returns, held ones per rule that holds (blocking findings)."""
    returned = and_(FindingRow.disposition == "return", InvoiceRow.state == InvoiceState.RETURNED)
    held = and_(FindingRow.disposition == "hold", InvoiceRow.state == InvoiceState.HELD)
    query = (
        select(FindingRow.code, InvoiceRow.state, func.count(distinct(InvoiceRow.id)))
        .join(InvoiceRow, InvoiceRow.id == FindingRow.invoice_id)
        .where(*scope.where(), FindingRow.severity == "error", or_(returned, held))
        .group_by(FindingRow.code, InvoiceRow.state)
    )
    with store.sessions() as s:
        return _split(s.execute(query).all())


def decision_rows(store: Store, scope: Scope, *keys: Any) -> list[tuple[Any, ...]]:
    """``(*keys, event kind, held reason, count)`` of the decisions by hand on the scope's invoices.

    The held reason is the ``reason`` of the latest ``held`` event before the decision (a comma list
    of codes), found by one correlated lookup per decision on ``ix_events_kind_invoice``.
    """
    held = aliased(Event)
    reason = (
        select(held.detail["reason"].as_string())
        .where(held.invoice_id == Event.invoice_id, held.kind == "held", held.id < Event.id)
        .order_by(held.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    inner = (
        select(*keys, Event.kind.label("kind"), reason.label("reason"))
        .join(InvoiceRow, InvoiceRow.id == Event.invoice_id)
        .where(*scope.where(), Event.kind.in_(DECISIONS.values()))
        .subquery()
    )
    columns = [inner.c[k.key] for k in keys]
    query = select(*columns, inner.c.kind, inner.c.reason, func.count()).group_by(
        *columns, inner.c.kind, inner.c.reason
    )
    with store.sessions() as s:
        return [tuple(row) for row in s.execute(query)]


def codes_of(reason: object) -> list[str]:
    """The rule codes of a held event's ``reason`` ("A,B" → ["A", "B"]; none → [:data:`NO_RULE`])."""
    codes = [c.strip() for c in str(reason or "").split(",") if c.strip()]
    return codes or [NO_RULE]


def decisions(store: Store, scope: Scope) -> list[Decided]:
    """Decisions by hand per rule (a decision on a hold by two rules counts for each), most first."""
    kinds = {kind: name for name, kind in DECISIONS.items()}
    found: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DECISIONS, 0))
    for kind, reason, n in decision_rows(store, scope):
        for code in codes_of(reason):
            found[code][kinds[str(kind)]] += int(n)
    ordered = sorted(found.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    return [Decided(code, **counts) for code, counts in ordered]


def duplicates(store: Store, scope: Scope) -> Duplicates:
    """Invoices a duplicate rule returned or holds (their state now), their amount (BT-115) and the
    invoices per rule."""
    stopped = InvoiceRow.state.in_((InvoiceState.RETURNED, InvoiceState.HELD))
    rule = and_(FindingRow.code.in_(DUPLICATE_RULES), FindingRow.severity == "error")
    flagged = exists().where(FindingRow.invoice_id == InvoiceRow.id, rule)
    total = select(func.count(), func.sum(InvoiceRow.payable, type_=MONEY)).where(
        *scope.where(), stopped, flagged
    )
    per_rule = (
        select(FindingRow.code, func.count(distinct(InvoiceRow.id)))
        .join(InvoiceRow, InvoiceRow.id == FindingRow.invoice_id)
        .where(*scope.where(), stopped, rule)
        .group_by(FindingRow.code)
        .order_by(FindingRow.code)
    )
    with store.sessions() as s:
        count, amount = s.execute(total).one()
        by_rule = {str(code): int(n) for code, n in s.execute(per_rule)}
    return Duplicates(int(count), _money(amount), by_rule)
