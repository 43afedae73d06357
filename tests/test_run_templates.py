"""A run with a PDF template that cannot be used: the template is named and skipped, nothing stops.

Before, one broken template in the folder refused every document of the run, XML included.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from connectors.testing.fakes import MemoryLedger, MemoryNotifier
from robot.pdftext import TemplateSet
from robot.processing.context import MasterData
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from tests.conftest import SAMPLES, sample_source

MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]


def test_a_broken_template_is_named_in_the_run_summary_and_every_document_is_decided(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(SAMPLES / "pdf-templates", folder)
    (folder / "zz.broken.yml").write_text(
        "issuer: Broken\nkeywords: [Broken]\nfields:\n  invoice_number: '(unclosed'\n", encoding="utf-8"
    )
    templates = TemplateSet.load([folder])
    assert len(templates.problems) == 1
    store = Store.open(f"sqlite:///{tmp_path}/robot.db")
    try:
        master = MasterData.load(
            SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml"
        )
        robot = Robot(
            store,
            master,
            source=sample_source(),
            ledger=MemoryLedger(),
            notifier=MemoryNotifier(),
            pdf_templates=templates,
        )
        summary = robot.run(RunOptions())
        assert summary.counts["processed"] == len(MANIFEST)  # every document decided, the PDFs too
        skipped = [p for p in summary.problems if p.startswith("PDF template skipped: ")]
        assert len(skipped) == 1 and "zz.broken.yml:4: fields.invoice_number" in skipped[0], summary.problems
        assert summary.status == "partial"  # said, so the creditor team mends the template
        [printed] = store.find_invoices("0057-pdf-printed-posted.pdf")
        assert printed.state == "posted"  # the good template still read its supplier's PDF
    finally:
        store.close()
