"""Helpers the console's decision tests share: what a decision leaves in a store, and the CLI.

The hold queue and the invoice page both prove that a decision through the web leaves a store
exactly as the same decision through the CLI leaves a copy of it; they compare
:func:`decision_record` of the two stores and run the CLI with :func:`run_cli`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from robot.cli.app import _register, app
from robot.store.repo import Store
from robot.store.schema import Event, FindingRow, InvoiceRow


def decision_record(store: Store, invoice_id: int) -> dict[str, Any]:
    """What a decision leaves: the invoice's state, verdict, error types, findings and the people's
    events (those of no run), each in the order they were stored."""
    with store.sessions() as s:
        row = s.get_one(InvoiceRow, invoice_id)
        stored = select(FindingRow).where(FindingRow.invoice_id == invoice_id).order_by(FindingRow.id)
        findings = [
            (f.code, f.disposition, f.reason, str(f.message_da), str(f.message_en)) for f in s.scalars(stored)
        ]
        by_people = select(Event).where(Event.invoice_id == invoice_id, Event.run_id.is_(None))
        events = [(e.kind, e.detail) for e in s.scalars(by_people.order_by(Event.id))]
    return {
        "state": row.state,
        "verdict": row.verdict,
        "types": row.error_types,
        "findings": findings,
        "events": events,
    }


def invoice_id(store: Store, ref: str) -> int:
    """The id of the invoice received as ``ref`` (a sample's file name)."""
    with store.sessions() as s:
        found = s.scalar(select(InvoiceRow.id).where(InvoiceRow.source_ref == ref))
    assert found is not None, ref
    return int(found)


def run_cli(*args: str) -> tuple[int, str]:
    """``fakturarobot ARGS`` in this process (wide output): its exit code and what it printed."""
    _register()
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output
