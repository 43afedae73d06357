"""What a what-if found: per customer the touchless rate before and after, and the changed verdicts.

A change falls in one of four groups (:attr:`Change.group`):

- ``released-now-automatic``: held before and released by a person, posted by the robot now
  (evidence that the change is safe);
- ``now-posted``: returned or held before (and not released by hand), posted now (the risk:
  review each one);
- ``now-stopped``: posted before, returned or held now;
- ``other``: a return that is a hold now, or the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from robot.codes import Verdict

RELEASED = ("released", "release-approved")
GROUPS = ("released-now-automatic", "now-posted", "now-stopped", "other")
GROUP_TITLES = {
    "released-now-automatic": "Released by hand before, automatic now",
    "now-posted": "Returned or held before, posted now",
    "now-stopped": "Posted before, stopped now",
    "other": "Returned before, held now, or the other way round",
}


@dataclass(frozen=True, slots=True)
class Change:
    """One invoice whose verdict the change would alter, with the blocking rules before and after."""

    invoice_id: int
    source_ref: str
    invoice_number: str | None
    customer: str | None
    verdict_before: str  # the robot's own verdict (before any person's decision)
    verdict_after: str
    rules_before: tuple[str, ...]
    rules_after: tuple[str, ...]
    decided_by_hand: str | None  # released | release-approved | returned-by-hand | retry

    @property
    def group(self) -> str:
        if self.verdict_after == Verdict.POST:
            return "released-now-automatic" if self.decided_by_hand in RELEASED else "now-posted"
        if self.verdict_before == Verdict.POST:
            return "now-stopped"
        return "other"

    def to_json(self) -> dict[str, Any]:
        return {
            "invoice_id": self.invoice_id,
            "source_ref": self.source_ref,
            "invoice_number": self.invoice_number,
            "customer": self.customer,
            "verdict_before": self.verdict_before,
            "verdict_after": self.verdict_after,
            "rules_before": list(self.rules_before),
            "rules_after": list(self.rules_after),
            "decided_by_hand": self.decided_by_hand,
            "group": self.group,
        }


@dataclass(slots=True)
class CustomerFigures:
    customer: str | None
    invoices: int = 0
    touchless_before: int = 0  # posted with no person's decision
    touchless_after: int = 0

    def rate(self, count: int) -> float:
        return round(count / self.invoices, 4) if self.invoices else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "invoices": self.invoices,
            "touchless_before": self.rate(self.touchless_before),
            "touchless_after": self.rate(self.touchless_after),
            "touchless_invoices_before": self.touchless_before,
            "touchless_invoices_after": self.touchless_after,
        }


@dataclass(slots=True)
class WhatIf:
    customers: dict[str | None, CustomerFigures] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    replayed: int = 0
    seconds: float = 0.0

    def count(self, customer: str | None, *, before: bool, after: bool) -> None:
        figures = self.customers.setdefault(customer, CustomerFigures(customer))
        figures.invoices += 1
        figures.touchless_before += before
        figures.touchless_after += after

    def grouped(self, group: str) -> list[Change]:
        return [c for c in self.changes if c.group == group]

    def to_json(self) -> dict[str, Any]:
        ordered = sorted(self.customers.values(), key=lambda f: f.customer or "")
        return {
            "customers": [f.to_json() for f in ordered],
            "changes": [c.to_json() for c in self.changes],
            "replayed": self.replayed,
        }
