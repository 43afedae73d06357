"""Invoices per second of ``what-if`` on one core, against plain read + classify of the same documents.

    .venv/bin/python -m bench.whatif_bench [--invoices 5000]

Builds a SQLite store by one real run over ``--invoices`` unique clean invoices (variants of the
demo's clean samples, tests/support/bulk.py) and the demo's own documents (every error type), then
times two things on the same stored documents, in this one process (one core):

- *reference*: read each document and decide it (:func:`robot.processing.decision.read_or_error`,
  :func:`~robot.processing.decision.decide`) with the documents already in memory;
- *what-if*: :func:`robot.processing.whatif.replay.replay` with SFE's ``reference: person`` switched
  to ``either``: the store read (read-only), the duplicate history, every document read and
  decided, the verdicts before compared (loading the configuration and the criteria file, once
  per replay whatever its length, is not timed).

Prints both rates (wall clock, and per CPU second of this process: the machine may be shared) and
their ratio (the replay's overhead over classification alone).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import yaml
from loguru import logger
from sqlalchemy import select

from classifiers.engine import Classifier
from robot.configuration.settings import load_config
from robot.configuration.wiring import build_robot, load_master
from robot.processing.decision import decide, prior_of, read_or_error
from robot.processing.whatif.replay import prepare, replay
from robot.processing.whatif.store import open_read_only
from robot.running.run import RunOptions
from robot.store.schema import Document, InvoiceRow
from tests.support.bulk import SAMPLES, make_inbox, write_config


def build(folder: Path, invoices: int) -> Path:
    config = write_config(folder)
    make_inbox(folder / "inbox", invoices)
    for doc in (SAMPLES / "inbox").iterdir():
        shutil.copy2(doc, folder / "inbox" / doc.name)
    robot, _ = build_robot(config)
    try:
        started = time.perf_counter()
        summary = robot.run(RunOptions(trigger="bench"))
        print(f"store built: {summary.counts['processed']} invoices in {time.perf_counter() - started:.0f} s")
    finally:
        robot.close()
    return config


def reference(config: Path) -> tuple[int, float]:
    loaded = load_config(config)
    master, classifier, templates = load_master(loaded), Classifier(), loaded.pdf_templates()
    master.with_history(())
    assert loaded.cfg.database is not None
    store = open_read_only(loaded.cfg.database)
    with store.sessions() as s:
        query = (
            select(InvoiceRow, Document.content, Document.filename, Document.sha256)
            .join(Document, Document.id == InvoiceRow.document_id)
            .order_by(InvoiceRow.id)
        )
        rows = [(r[0], r[1], r[2], r[3]) for r in s.execute(query)]
    store.close()
    started, cpu = time.perf_counter(), time.process_time()
    for row, content, filename, sha256 in rows:
        invoice, error = read_or_error(row, content, filename, templates)
        meta = {str(k): str(v) for k, v in (row.source_meta or {}).items()}
        decide(master, classifier, invoice, error, meta, sha256=sha256, invoice_id=row.id)
        if invoice is not None:
            master.history.add(prior_of(row.id, invoice, sha256))
    return len(rows), time.perf_counter() - started, time.process_time() - cpu


def what_if(config: Path, folder: Path) -> tuple[int, float, float, int]:
    loaded = load_config(config)
    data = yaml.safe_load(Path(str(loaded.file(loaded.cfg.customers))).read_text(encoding="utf-8"))
    for customer in data["customers"]:
        if customer["id"] == "SFE":
            customer["criteria"]["reference"] = "either"
    criteria = folder / "customers-new.yaml"
    criteria.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    master, classifier = prepare(loaded, criteria=criteria, rules=[])  # once, whatever the period
    assert loaded.cfg.database is not None
    store = open_read_only(loaded.cfg.database)
    cpu = time.process_time()
    try:
        result = replay(store, master, classifier, loaded.pdf_templates())
    finally:
        store.close()
    return result.replayed, result.seconds, time.process_time() - cpu, len(result.changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=5000)
    args = parser.parse_args()
    logger.remove()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = build(folder, args.invoices)
        n_ref, t_ref, c_ref = reference(config)
        n_wi, t_wi, c_wi, changed = what_if(config, folder)
    ref_rate, wi_rate = n_ref / t_ref, n_wi / t_wi
    print(f"read + classify: {n_ref} invoices, {ref_rate:,.0f}/s wall, {n_ref / c_ref:,.0f}/s CPU")
    print(
        f"what-if:         {n_wi} invoices, {wi_rate:,.0f}/s wall, {n_wi / c_wi:,.0f}/s CPU",
        f"({changed} changed)",
    )
    print(
        f"what-if / read + classify (wall): {wi_rate / ref_rate:.2f}; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
