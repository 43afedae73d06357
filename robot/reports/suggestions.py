"""Suggestions from history: criteria a customer could change, each with its evidence.

- :func:`release_suggestions`: a rule whose holds the creditor team released by hand in at least
  :data:`RELEASE_SHARE` of at least :data:`MIN_CASES` decisions for one customer or one supplier
  (the customer could relax the criterion, or allow the supplier);
- :func:`repeat_returns`: suppliers returned at least :data:`MIN_RETURNS` times for the same error
  type (the customer can tell them once).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from robot.codes import InvoiceState
from robot.reports.figures import DECISIONS, NO_RULE, codes_of, decision_rows
from robot.reports.scope import Scope
from robot.store.repo import Store
from robot.store.schema import ErrorTypeRow, InvoiceRow

MIN_CASES = 20
RELEASE_SHARE = 0.95
MIN_RETURNS = 3
REPEAT_LIMIT = 20


@dataclass(frozen=True, slots=True)
class ReleaseSuggestion:
    by: str  # "customer" or "supplier"
    key: str
    rule: str
    decisions: int
    released: int

    @property
    def share(self) -> float:
        return self.released / self.decisions


@dataclass(frozen=True, slots=True)
class RepeatReturn:
    supplier_key: str
    supplier_name: str | None
    code: str  # error type
    returns: int


def release_suggestions(
    store: Store, scope: Scope, *, min_cases: int = MIN_CASES, share: float = RELEASE_SHARE
) -> list[ReleaseSuggestion]:
    """Rules mostly released by hand, per customer and per supplier (most decisions first)."""
    found: list[ReleaseSuggestion] = []
    for by, column in (("customer", InvoiceRow.customer_id), ("supplier", InvoiceRow.supplier_key)):
        counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for key, kind, reason, n in decision_rows(store, scope, column.label("key")):
            if key is None:
                continue
            for code in codes_of(reason):
                if code != NO_RULE:
                    counts[str(key), code][0] += int(n)
                    counts[str(key), code][1] += int(n) if kind == DECISIONS["released"] else 0
        found += [
            ReleaseSuggestion(by, key, rule, total, released)
            for (key, rule), (total, released) in counts.items()
            if total >= min_cases and released >= share * total
        ]
    return sorted(found, key=lambda r: (-r.decisions, r.by, r.key, r.rule))


def repeat_returns(
    store: Store, scope: Scope, *, min_returns: int = MIN_RETURNS, limit: int = REPEAT_LIMIT
) -> list[RepeatReturn]:
    """Suppliers returned again and again for the same error type (most returns first, then by
    supplier and error type; at most ``limit``)."""
    n = func.count()
    query = (
        select(InvoiceRow.supplier_key, func.max(InvoiceRow.supplier_name), ErrorTypeRow.code, n)
        .join(ErrorTypeRow, ErrorTypeRow.invoice_id == InvoiceRow.id)
        .where(
            *scope.where(), InvoiceRow.state == InvoiceState.RETURNED, InvoiceRow.supplier_key.is_not(None)
        )
        .group_by(InvoiceRow.supplier_key, ErrorTypeRow.code)
        .having(n >= min_returns)
        .order_by(n.desc(), InvoiceRow.supplier_key, ErrorTypeRow.code)
        .limit(limit)
    )
    with store.sessions() as s:
        rows = s.execute(query).all()
    return [RepeatReturn(str(key), name, str(code), int(count)) for key, name, code, count in rows]
