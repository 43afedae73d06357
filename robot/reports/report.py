"""The whole report over a scope (:func:`report`), as one JSON-ready object (:meth:`Report.as_dict`)
and as flat CSV rows (:meth:`Report.rows`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from robot.reports import cycle as cycles
from robot.reports import figures, suggestions
from robot.reports.scope import Scope
from robot.store.repo import Store


@dataclass(frozen=True, slots=True)
class Report:
    scope: Scope
    states: dict[str, int]
    touchless: figures.Touchless
    error_types: list[figures.Stopped]
    rules: list[figures.Stopped]
    decisions: list[figures.Decided]
    to_posting: cycles.Cycle
    to_payment: cycles.Cycle
    duplicates: figures.Duplicates
    release_suggestions: list[suggestions.ReleaseSuggestion]
    repeat_returns: list[suggestions.RepeatReturn]

    @property
    def received(self) -> int:
        return sum(self.states.values())

    def as_dict(self) -> dict[str, Any]:
        t = self.touchless
        return {
            "scope": self.scope.as_dict(),
            "received": self.received,
            "states": dict(self.states),
            "touchless": {"decided": t.decided, "posted": t.posted, "touchless": t.touchless, "rate": t.rate},
            "error_types": [
                {"code": e.code, "returned": e.returned, "held": e.held} for e in self.error_types
            ],
            "rules": [{"code": r.code, "returned": r.returned, "held": r.held} for r in self.rules],
            "decisions": [
                {
                    "rule": d.rule,
                    "released": d.released,
                    "returned_by_hand": d.returned_by_hand,
                    "retried": d.retried,
                }
                for d in self.decisions
            ],
            "cycle_time": {"posting": self.to_posting.as_dict(), "payment": self.to_payment.as_dict()},
            "duplicates": {
                "invoices": self.duplicates.invoices,
                "amount": str(self.duplicates.amount),
                "by_rule": dict(self.duplicates.by_rule),
            },
            "suggestions": {
                "release": [
                    {
                        "by": r.by,
                        "key": r.key,
                        "rule": r.rule,
                        "decisions": r.decisions,
                        "released": r.released,
                    }
                    for r in self.release_suggestions
                ],
                "repeat_returns": [
                    {
                        "supplier": r.supplier_key,
                        "supplier_name": r.supplier_name,
                        "error_type": r.code,
                        "returns": r.returns,
                    }
                    for r in self.repeat_returns
                ],
            },
        }

    def rows(self) -> list[tuple[str, str, str, str]]:
        """``(section, key, figure, value)`` for every figure (the CSV output)."""
        out: list[tuple[str, str, str, str]] = [("invoices", "", "received", str(self.received))]
        out += [("state", state, "invoices", str(n)) for state, n in self.states.items()]
        t = self.touchless
        out += [
            ("touchless", "", k, str(v))
            for k, v in (("decided", t.decided), ("posted", t.posted), ("touchless", t.touchless))
        ]
        out += [("touchless", "", "rate", "" if t.rate is None else f"{t.rate:.4f}")]
        for section, stopped in (("error_type", self.error_types), ("rule", self.rules)):
            for s in stopped:
                out += [
                    (section, s.code, "returned", str(s.returned)),
                    (section, s.code, "held", str(s.held)),
                ]
        for d in self.decisions:
            for name in figures.DECISIONS:
                out.append(("decision", d.rule, name, str(getattr(d, name))))
        for name, c in (("posting", self.to_posting), ("payment", self.to_payment)):
            for k, v in c.as_dict().items():
                out.append(("cycle_time", name, k, "" if v is None else str(v)))
        dup = self.duplicates
        out += [
            ("duplicates", "", "invoices", str(dup.invoices)),
            ("duplicates", "", "amount", str(dup.amount)),
        ]
        out += [("duplicates", code, "invoices", str(n)) for code, n in dup.by_rule.items()]
        for r in self.release_suggestions:
            out.append(
                (
                    "suggest_release",
                    f"{r.by}:{r.key}:{r.rule}",
                    "released_of_decisions",
                    f"{r.released}/{r.decisions}",
                )
            )
        for rr in self.repeat_returns:
            out.append(("repeat_returns", f"{rr.supplier_key}:{rr.code}", "returns", str(rr.returns)))
        return out


def report(store: Store, scope: Scope | None = None) -> Report:
    """Every figure of the report over ``scope`` (everything when None)."""
    scope = scope or Scope()
    return Report(
        scope=scope,
        states=figures.states(store, scope),
        touchless=figures.touchless(store, scope),
        error_types=figures.by_error_type(store, scope),
        rules=figures.by_rule(store, scope),
        decisions=figures.decisions(store, scope),
        to_posting=cycles.cycle(store, scope, cycles.POSTED),
        to_payment=cycles.cycle(store, scope, cycles.PAID),
        duplicates=figures.duplicates(store, scope),
        release_suggestions=suggestions.release_suggestions(store, scope),
        repeat_returns=suggestions.repeat_returns(store, scope),
    )
