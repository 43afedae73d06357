"""Helpers the console's tests share: a robot over the samples, what a decision leaves in a store,
and the CLI.

The hold queue and the invoice page both prove that a decision through the web leaves a store
exactly as the same decision through the CLI leaves a copy of it; they compare
:func:`decision_record` of the two stores and run the CLI with :func:`run_cli`. The reads are
tested over stores a :func:`sample_robot` ran.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from connectors.testing.fakes import MemoryLedger, MemoryNotifier, MemorySource
from robot.cli.app import _register, app
from robot.pdftext import TemplateSet
from robot.processing.context import MasterData
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import Event, FindingRow, InvoiceRow
from tests.conftest import SAMPLES, sample_source


def sample_robot(
    store: Store,
    source: MemorySource | None,
    ledger: MemoryLedger | None = None,
    *,
    base: Path = SAMPLES,
    templates: bool = False,
) -> Robot:
    """A robot over ``store`` with the master data of ``base`` (the samples), an in-memory ERP
    (``ledger``, else one that posts everything) and notifier; ``templates``: the PDF templates too."""
    master = MasterData.load(base / "customers.yaml", base / "vendors.yaml", base / "orders.yaml")
    return Robot(
        store,
        master,
        source=source,
        ledger=MemoryLedger() if ledger is None else ledger,
        notifier=MemoryNotifier(),
        pdf_templates=TemplateSet.load([base / "pdf-templates"]) if templates else None,
    )


def run_samples(store: Store) -> Store:
    """``store`` after one run over the samples (their PDF templates included)."""
    sample_robot(store, sample_source(), templates=True).run(RunOptions())
    return store


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
