"""Run health: tell the creditor team when a run failed or too many invoices failed in it.

A run alerts when its status is ``failed``, or when its exception rate (failures per invoice
attempted in the run, ``counts["failures"] / counts["attempted"]``, at most 1) is above
``alerts.exception_rate``. Every kind of run alerts: ``run``, ``scheduler`` and ``worker``. The
alert is one e-mail to ``alerts.to`` through the configured notifier, Danish then English::

    >>> reason = assess({"attempted": 10, "processed": 7, "failures": 3}, "partial", threshold=0.2)
    >>> reason.code, f"{reason.rate:.2f}"
    ('exception-rate', '0.30')
    >>> assess({"attempted": 10, "processed": 9, "failures": 1}, "ok", threshold=0.2) is None
    True
    >>> f"{exception_rate({'attempted': 59, 'processed': 29, 'failures': 30}):.1%}"
    '50.8%'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loguru import logger

from connectors.base import Notifier, OutgoingNotice
from robot.configuration.settings import AlertSettings
from robot.running.run_report import RunSummary
from robot.store.repo import Store


@dataclass(frozen=True, slots=True)
class AlertReason:
    code: str  # "failed" | "exception-rate"
    rate: float
    da: str
    en: str


def attempted(counts: Mapping[str, Any]) -> int:
    """Invoices the run took in hand (runs recorded before ``attempted`` was counted: decided + failed)."""
    if "attempted" in counts:
        return int(counts["attempted"] or 0)
    return int(counts.get("processed", 0) or 0) + int(counts.get("failures", 0) or 0)


def exception_rate(counts: Mapping[str, Any]) -> float:
    """Failures per invoice attempted, between 0 and 1; 1.0 when nothing was attempted but
    something failed (the source or the store). A run problem that is not an invoice's (the
    fetch, a notice) can make failures exceed the invoices; the rate still stops at 1."""
    failures = int(counts.get("failures", 0) or 0)
    tried = attempted(counts)
    if tried == 0:
        return 1.0 if failures else 0.0
    return min(1.0, failures / tried)


def assess(counts: Mapping[str, Any], status: str, *, threshold: float) -> AlertReason | None:
    """Why this run needs an alert, or None when it is healthy."""
    rate = exception_rate(counts)
    if status == "failed":
        return AlertReason(
            "failed", rate, "Kørslen fejlede og blev ikke gennemført.", "The run failed and did not complete."
        )
    if rate > threshold:
        pct, limit = f"{rate:.0%}", f"{threshold:.0%}"
        return AlertReason(
            "exception-rate",
            rate,
            f"Fejlraten var {pct} (grænse {limit}): {counts.get('failures')} fejl ved "
            f"{attempted(counts)} forsøgte fakturaer.",
            f"The exception rate was {pct} (limit {limit}): {counts.get('failures')} failures for "
            f"{attempted(counts)} invoices attempted.",
        )
    return None


def build_alert(summary: RunSummary, reason: AlertReason, to: tuple[str, ...]) -> OutgoingNotice:
    """The alert e-mail: what happened, the counts, the first problems, where to look."""
    c = summary.counts
    problems = "\n".join(f"  - {p}" for p in summary.problems[:10]) or "  -"
    more = len(summary.problems) - 10
    if more > 0:
        problems += f"\n  ... (+{more})"
    counts_da = (
        f"Bogført {c.get('posted', 0)}, returneret {c.get('returned', 0)}, tilbageholdt {c.get('held', 0)}, "
        f"venter {c.get('pending', 0)}, fejl {c.get('failures', 0)}."
    )
    counts_en = (
        f"Posted {c.get('posted', 0)}, returned {c.get('returned', 0)}, held {c.get('held', 0)}, "
        f"pending {c.get('pending', 0)}, failures {c.get('failures', 0)}."
    )
    started = summary.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    text = (
        f"Fakturarobotten: kørsel {summary.run_id} kræver opmærksomhed.\n\n"
        f"{reason.da}\nStatus: {summary.status}. Startet {started}, varighed {summary.seconds:.0f} s.\n"
        f"{counts_da}\n\nProblemer:\n{problems}\n\n"
        f"Se detaljer med: fakturarobot runs  og  fakturarobot show <faktura-id>\n\n"
        "-- English --\n\n"
        f"Invoice robot: run {summary.run_id} needs attention.\n\n"
        f"{reason.en}\nStatus: {summary.status}. Started {started}, took {summary.seconds:.0f} s.\n"
        f"{counts_en}\n\nProblems: see above.\n\n"
        f"Details: fakturarobot runs  and  fakturarobot show <invoice id>\n"
    )
    label_da = "fejlede" if reason.code == "failed" else "høj fejlrate"
    label_en = "failed" if reason.code == "failed" else "high exception rate"
    return OutgoingNotice(
        notice_key=f"alert:{summary.run_id}",
        to=to,
        subject=f"Fakturarobot: kørsel {summary.run_id} {label_da} / run {summary.run_id} {label_en}",
        text=text,
    )


def alert_on(
    summary: RunSummary, settings: AlertSettings, notifier: Notifier, store: Store | None = None
) -> OutgoingNotice | None:
    """Send the alert if the run needs one; returns the notice sent (None if healthy or unsent)."""
    reason = assess(summary.counts, summary.status, threshold=settings.exception_rate)
    log = logger.bind(run_id=summary.run_id)
    if reason is None:
        return None
    if not settings.to:
        log.warning("run {} needs an alert ({}) but alerts.to is empty", summary.run_id, reason.code)
        return None
    notice = build_alert(summary, reason, settings.to)
    try:
        notifier.send(notice)
    except Exception as exc:  # the alert must never break the scheduler
        log.error("alert for run {} not sent via {}: {}", summary.run_id, notifier.name, exc)
        if store is not None:
            store.event(None, summary.run_id, "alert-failed", reason=reason.code, error=str(exc))
        return None
    log.warning("alert sent for run {}: {}", summary.run_id, reason.en)
    if store is not None:
        store.event(None, summary.run_id, "alert-sent", reason=reason.code, to=list(settings.to))
    return notice
