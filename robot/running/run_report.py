"""The run summary: what a creditor team reads after each run, and what ``--json`` prints.

Counts by verdict and by error type (the Invoice Response reason codes), plus what is still
pending and what went wrong. ``status`` is ``ok``, ``partial`` (work left for the next run) or
``failed``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from robot.codes import Verdict
from robot.store.outbox import Outbox
from robot.store.repo import Store
from robot.store.schema import InvoiceState, utcnow


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: int
    status: str
    started_at: datetime
    finished_at: datetime
    counts: dict[str, Any]
    problems: tuple[str, ...] = ()
    dry_run: bool = False
    invoices: tuple[dict[str, Any], ...] = ()  # a dry run: what would happen to each invoice

    def with_status(self, status: str) -> RunSummary:
        return replace(self, status=status)

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "seconds": round(self.seconds, 3),
            "counts": self.counts,
            "problems": list(self.problems),
            "dry_run": self.dry_run,
            **({"invoices": list(self.invoices)} if self.dry_run else {}),
        }


def summarise(
    store: Store, outbox: Outbox, run_id: int, started: datetime, status: str, problems: list[str]
) -> RunSummary:
    rows = store.invoices_of_run(run_id)
    by_state = Counter(r.state for r in rows)
    error_types: Counter[str] = Counter()
    for r in rows:
        if r.state in (InvoiceState.RETURNED, InvoiceState.HELD) and r.error_types:
            error_types.update(r.error_types.split(","))
    pending = len(store.pending_ids())
    queue, overdue = store.hold_queue_size(date.today())
    counts: dict[str, Any] = {
        "attempted": len(rows),  # every invoice this run took in hand, decided or not
        "processed": sum(by_state[s] for s in InvoiceState.DONE),
        "posted": by_state[InvoiceState.POSTED],
        "returned": by_state[InvoiceState.RETURNED],
        "held": by_state[InvoiceState.HELD],
        "pending": pending,
        "error_types": dict(sorted(error_types.items())),
        "failures": len(problems),
        "notices_pending": outbox.count("pending") + outbox.count("sending"),
        "hold_queue": queue,
        "hold_queue_overdue": overdue,
    }
    return RunSummary(run_id, status, started, utcnow(), counts, tuple(problems))


def with_would_be(summary: RunSummary, invoices: list[dict[str, Any]]) -> RunSummary:
    """A dry run's summary: nothing was posted, returned or held; ``counts["would"]`` says what a
    run would do (``post``, ``return``, ``hold``, ``error_types``) and ``invoices`` each invoice's
    verdict, error types and findings. Pending invoices are the store's, untouched by a dry run."""
    verdicts = Counter(str(i["verdict"]) for i in invoices)
    error_types: Counter[str] = Counter()
    for i in invoices:
        if i["verdict"] != Verdict.POST:
            error_types.update(i["error_types"])
    would = {
        "invoices": len(invoices),
        "post": verdicts["post"],
        "return": verdicts["return"],
        "hold": verdicts["hold"],
        "error_types": dict(sorted(error_types.items())),
    }
    return replace(summary, counts={**summary.counts, "would": would}, dry_run=True, invoices=tuple(invoices))
