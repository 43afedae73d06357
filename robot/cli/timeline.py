"""An invoice's journey as a person reads it: one line per event, time, what happened, by whom.

``fakturarobot show`` prints it (``--json`` keeps the raw events). Each kind of event the robot
records has its own wording and the details that matter; an event kind this module does not know
is shown with its details as ``key: value`` pairs, never as raw JSON cut off. Every value is
escaped for the terminal (robot.cli.safe_text).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table

from robot.cli.safe_text import safe
from robot.cli.tables import column, narrow_table
from robot.store.schema import Event, FindingRow, InvoiceRow

Detail = Mapping[str, Any]


def _join(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    return "-" if value is None or value == "" else str(value)


def _received(d: Detail) -> str:
    size = d.get("size")
    text = f"{_join(d.get('filename') or d.get('source_ref'))} from {_join(d.get('source'))}"
    if isinstance(size, int):
        text += f", {size:,} bytes"
    if d.get("sha256"):
        text += f", sha256 {str(d['sha256'])[:12]}…"
    return text + (", the same bytes were received before" if d.get("same_bytes_seen_before") else "")


def _read(d: Detail) -> str:
    if d.get("error"):
        return f"unreadable: {d['error']}"
    number = f", invoice {d['invoice_number']}" if d.get("invoice_number") else ""
    ocr = ", text recognised by OCR" if d.get("ocr") else ""
    values = f", {len(d['evidence'])} values with evidence" if isinstance(d.get("evidence"), list) else ""
    return f"as {_join(d.get('format'))}{number}{ocr}{values}"


def _classified(d: Detail) -> str:
    text = f"verdict {_join(d.get('verdict'))}"
    if d.get("customer"):
        text += f" for customer {d['customer']}"
    if d.get("error_types"):
        text += f"; error types {d['error_types']}"
    if d.get("findings"):
        text += f"; findings {_join(d['findings'])}"
    return text


def _decision(d: Detail) -> str:
    parts = []
    if d.get("approved_by"):
        parts.append(f"approved before by {d['approved_by']}")
    if d.get("note"):
        parts.append(f"note: {d['note']}")
    if d.get("findings"):
        parts.append(f"held for {_join(d['findings'])}")
    return "; ".join(parts) or "-"


def _posted(d: Detail) -> str:
    found = " (found in the ERP: posted before)" if d.get("found_existing") else ""
    return f"ERP document {_join(d.get('erp_document_no'))}{found}"


def _erp_unreachable(d: Detail) -> str:
    after = _join(d.get("retry_after"))
    return f"{_join(d.get('error'))}; {d.get('in_a_row', '?')} in a row, next try after {after}"


#: kind → (what happened, how its details read)
KINDS: dict[str, tuple[str, Callable[[Detail], str]]] = {
    "received": ("received", _received),
    "read": ("read", _read),
    "classified": ("classified", _classified),
    "held": ("held for a person", lambda d: _join(d.get("reason"))),
    "posting": ("posting", lambda d: f"to {_join(d.get('ledger'))}, key {_join(d.get('key'))}"),
    "posted": ("posted", _posted),
    "returned": ("returned", lambda d: f"error types {_join(d.get('error_types'))}"),
    "notice-queued": ("notice queued", lambda d: f"notice {_join(d.get('notice'))}"),
    "notice-sent": ("notice sent", lambda d: f"notice {_join(d.get('notice'))}"),
    "notice-refused": (
        "notice refused",
        lambda d: f"notice {_join(d.get('notice'))}: {_join(d.get('error'))}",
    ),
    "outcome-reported": ("outcome reported", lambda d: f"to the source: {_join(d.get('outcome'))}"),
    "outcome-refused": ("outcome refused", lambda d: _join(d.get("error"))),
    "outcome-failed": ("outcome failed", lambda d: _join(d.get("error"))),
    "release-approved": ("release approved", _decision),
    "released": ("released", _decision),
    "returned-by-hand": ("returned by hand", _decision),
    "retry": ("retry asked", _decision),
    "erp-unreachable": ("ERP unreachable", _erp_unreachable),
    "lease-lost": ("lease lost", lambda d: f"worker {_join(d.get('worker'))} while {_join(d.get('step'))}"),
    "invoice-response-skipped": ("no Invoice Response", lambda d: _join(d.get("error"))),
}
_PERSON = {"release-approved", "released", "returned-by-hand", "retry"}


def describe(event: Event) -> tuple[str, str, str]:
    """(what happened, by whom, details) of one event, as plain text (not yet escaped)."""
    detail: Detail = event.detail or {}
    if event.kind in _PERSON:
        by = _join(detail.get("by"))
    else:
        by = f"run {event.run_id}" if event.run_id is not None else "-"
    known = KINDS.get(event.kind)
    if known is not None:
        what, details = known[0], known[1](detail)
    elif event.kind.endswith("-failed"):
        what, details = event.kind.replace("-", " "), _join(detail.get("error"))
    else:
        what = event.kind.replace("-", " ")
        details = "; ".join(f"{k}: {_join(v)}" for k, v in detail.items() if k != "by") or "-"
    return what, by, details


def timeline(events: Sequence[Event]) -> Table:
    """The journey for a terminal: at 80 columns only the details wrap."""
    table = narrow_table(
        "Journey",
        column("at (UTC)"),
        column("what"),
        column("by", fold=True, max_width=16),
        column("details", wrap=True, fold=True),
        flush_left=True,
    )
    for e in events:
        what, by, details = describe(e)
        table.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", safe(what), safe(by), safe(details))
    return table


def recorded_evidence(events: Sequence[Event]) -> list[Detail]:
    """The evidence of the last read that recorded some: one mapping per value (field, value,
    text, confidence, page), as :func:`robot.serialize.evidence_to_json` writes it."""
    for event in reversed(events):
        found = (event.detail or {}).get("evidence") if event.kind == "read" else None
        if isinstance(found, list):
            return [e for e in found if isinstance(e, Mapping)]
    return []


def evidence_table(evidence: Sequence[Detail], *, title: str = "Read from the PDF") -> Table:
    """Each value read from a printed PDF, the printed text it came from and how sure the reading is."""
    table = narrow_table(
        title,
        column("field", fold=True),
        column("value", wrap=True, fold=True),
        column("printed text", wrap=True, fold=True),
        column("sure", right=True),
        flush_left=True,
    )
    for e in evidence:
        confidence = e.get("confidence")
        sure = f"{confidence:.0%}" if isinstance(confidence, int | float) else "-"
        table.add_row(
            safe(_join(e.get("field"))), safe(_join(e.get("value"))), safe(_join(e.get("text"))), sure
        )
    return table


def print_journey(
    console: Console,
    row: InvoiceRow,
    state: str,
    findings: Sequence[FindingRow],
    events: Sequence[Event],
    evidence: Sequence[Detail] = (),
    evidence_title: str = "Read from the PDF",
) -> None:
    """``show``: the invoice, where it stands now, its findings, then the timeline."""
    amount = f"{row.payable:,.2f} {row.currency or ''}".strip() if row.payable is not None else "-"
    console.print(
        f"[bold]Invoice {row.id}[/bold] {safe(row.invoice_number or '-')} from "
        f"{safe(row.supplier_name or '-')}"
    )
    console.print(f"  file      {safe(row.source)}:{safe(row.source_ref)}")
    console.print(
        f"  customer  {safe(row.customer_id or '-')}, {safe(amount)}, error types "
        f"{safe(row.error_types or '-')}"
    )
    console.print(f"  now       [bold]{safe(state)}[/bold]")
    if row.erp_document_no:
        console.print(f"  ERP       {safe(row.erp_document_no)}")
    if findings:
        console.print("Findings")
    for f in findings:
        console.print(f"  • {safe(f.code)} ({safe(f.severity)}{safe(', ' + f.field if f.field else '')})")
        console.print(Padding(safe(f.message_da), (0, 0, 0, 4)))
        console.print(Padding(safe(f.message_en), (0, 0, 0, 4)), style="dim")
    if evidence:
        console.print(evidence_table(evidence, title=evidence_title))
    console.print(timeline(events))
