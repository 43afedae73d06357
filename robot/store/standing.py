"""Where a person's decision on an invoice stands, read from its events since the latest hold.

A held invoice can only have approvals (four eyes: waiting for a second person); a pending one a
release, return or retry waiting for the next run (:func:`standing`, :func:`state_text`). The
decisions themselves are recorded by :meth:`robot.store.holds.HoldQueue.resolve_hold`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from robot.store.schema import Event, InvoiceState

Decision = Literal["release", "return", "retry"]
EVENT = {"release": "released", "return": "returned-by-hand", "retry": "retry"}
APPROVED = "release-approved"
#: the events of a person deciding on an invoice: a posted invoice with none of them is touchless
HUMAN_DECISIONS: tuple[str, ...] = (*EVENT.values(), APPROVED)
#: Events that open a hold, and the ones that record a person's decision on it.
STANDING_KINDS = ("held", APPROVED, *EVENT.values())


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a person's decision on an invoice stands (from its events since the latest hold)."""

    kind: str  # released | returned-by-hand | retry | release-approved
    by: str
    at: datetime
    approved_by: tuple[str, ...] = ()

    def text(self) -> str:
        """One line a person reads, e.g. ``released by ANJE at 2026-05-01 10:00 UTC, ...``."""
        at = f"{self.at:%Y-%m-%d %H:%M} UTC"
        approved = f" (approved by {', '.join(self.approved_by)})" if self.approved_by else ""
        if self.kind == APPROVED:
            return f"approved by {self.by} at {at}, waiting for a second person"
        if self.kind == "released":
            return f"released by {self.by}{approved} at {at}, waiting for the next run"
        if self.kind == "returned-by-hand":
            return f"returned by {self.by} at {at}, waiting for the next run"
        return f"to be read again (retry by {self.by} at {at}), waiting for the next run"


def standing(state: str, events: Sequence[Event]) -> Standing | None:
    """The decision since the invoice's latest hold, if one is still to be carried out.

    A held invoice can only have approvals (waiting for a second person); a pending one (received,
    read, classified) a release, return or retry waiting for the next run. Done invoices have none.
    """
    if state in InvoiceState.DONE and state != InvoiceState.HELD:
        return None
    since: list[Event] = []
    for e in events:
        if e.kind == "held":
            since = []
        elif e.kind in STANDING_KINDS:
            since.append(e)
    approvals = [e for e in since if e.kind == APPROVED]
    decided = [e for e in since if e.kind != APPROVED]
    if state == InvoiceState.HELD:
        if not approvals:
            return None
        first = approvals[0]
        return Standing(APPROVED, _by(first), first.at)
    if not decided:
        return None
    last = decided[-1]
    return Standing(last.kind, _by(last), last.at, tuple(dict.fromkeys(_by(e) for e in approvals)))


def state_text(state: str, events: Sequence[Event]) -> str:
    """The state a person is shown: a released invoice is "released by ..., waiting ...", not classified.

    >>> state_text("posted", [])
    'posted'
    """
    current = standing(state, events)
    if current is None:
        return state
    return f"held; {current.text()}" if state == InvoiceState.HELD else current.text()


def _by(event: Event) -> str:
    return str((event.detail or {}).get("by") or "-")
