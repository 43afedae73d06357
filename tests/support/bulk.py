"""Bulk workloads for the scale and crash tests: unique variants of the clean demo invoices.

Variant ``k`` of a clean sample gets a fresh invoice number (BT-1, a hash so no two look alike to
the duplicate rules) and every date moved ``k`` days back (issue, due, delivery and order dates
together, so payment terms stay as they were). Each variant therefore posts, exactly like its
original, and has its own idempotency key::

    >>> expected = make_inbox(tmp_path / "inbox", 200)   # doctest: +SKIP
    >>> expected                                          # doctest: +SKIP
    200

Also a matching configuration (:func:`write_config`) whose paths point at the demo master data.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from lxml import etree

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def clean_samples(samples: Path = SAMPLES) -> list[Path]:
    """The demo files the manifest says are clean and should be posted."""
    manifest = yaml.safe_load((samples / "manifest.yaml").read_text(encoding="utf-8"))
    return [
        samples / "inbox" / d["file"]
        for d in manifest["documents"]
        if d["scenario"] == "clean" and d["verdict"] == "post" and str(d["file"]).endswith(".xml")
    ]


def variant(content: bytes, k: int, salt: str, *, vary_amount: bool = False) -> bytes:
    """The document with a new invoice number and every date ``k`` days earlier.

    ``vary_amount``: the amount due (BT-115) also differs, by a rounding amount (BT-114) of 0.01 to
    0.49 that cycles with ``k``, so a supplier's variants are not all of one amount (lines, VAT and
    the order match stay as they were).
    """
    root = etree.fromstring(content)
    number = root.find(f"{{{CBC}}}ID")
    if number is None:
        raise ValueError("not a UBL document: no cbc:ID under the root")
    number.text = "BV" + hashlib.sha1(f"{salt}:{k}".encode()).hexdigest()[:12].upper()
    for el in root.iter(f"{{{CBC}}}*"):
        name = etree.QName(el).localname
        if name.endswith("Date") and el.text and ISO_DATE.match(el.text.strip()):
            el.text = (date.fromisoformat(el.text.strip()) - timedelta(days=k)).isoformat()
    if vary_amount:
        _round_payable(root, Decimal(k % 49 + 1) / 100)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _round_payable(root: Any, rounding: Decimal) -> None:
    """Add ``rounding`` to the amount due as its rounding amount (before ``cbc:PayableAmount``);
    OIOUBL 2.x counts it in the amount with VAT too (F-INV128), EN 16931 only in the amount due."""
    totals = root.find(f"{{{CAC}}}LegalMonetaryTotal")
    payable = totals.find(f"{{{CBC}}}PayableAmount") if totals is not None else None
    if payable is None or not payable.text or totals.find(f"{{{CBC}}}PayableRoundingAmount") is not None:
        return
    element = etree.Element(f"{{{CBC}}}PayableRoundingAmount", attrib=dict(payable.attrib))
    element.text = str(rounding)
    payable.addprevious(element)
    changed = [payable]
    if "OIOUBL" in (root.findtext(f"{{{CBC}}}CustomizationID") or "").upper():
        changed += totals.findall(f"{{{CBC}}}TaxInclusiveAmount")
    for amount in changed:
        amount.text = str(Decimal((amount.text or "0").strip()) + rounding)


def make_inbox(
    inbox: Path, count: int, samples: Path = SAMPLES, *, start: int = 0, vary_amount: bool = False
) -> int:
    """Write ``count`` unique clean invoices (with their metadata sidecars) to ``inbox``.

    ``start`` continues a numbering, so later batches never repeat earlier invoices. The files are
    dated a minute back, as documents that have finished arriving: the folder source takes them at
    once instead of waiting for them to settle (connectors.folder.intake.settle), so a test's
    timing does not depend on how fast the machine starts the robot.
    """
    inbox.mkdir(parents=True, exist_ok=True)
    originals = clean_samples(samples)
    arrived = time.time() - 60
    for i in range(start, start + count):
        src = originals[i % len(originals)]
        k = i // len(originals) + 1
        name = f"{i:06d}-{src.stem}.xml"
        written = [inbox / name]
        written[0].write_bytes(variant(src.read_bytes(), k, src.name, vary_amount=vary_amount))
        sidecar = src.with_name(src.name + ".meta.json")
        if sidecar.exists():
            shutil.copyfile(sidecar, inbox / (name + ".meta.json"))
            written.append(inbox / (name + ".meta.json"))
        for path in written:
            os.utime(path, (arrived, arrived))
    return count


def write_config(folder: Path, *, database: str | None = None, samples: Path = SAMPLES) -> Path:
    """A robot configuration in ``folder``: inbox/, ledger.jsonl, outbox/ and the demo master data."""
    folder.mkdir(parents=True, exist_ok=True)
    cfg = {
        "database": database or f"sqlite:///{folder / 'robot.db'}",
        "customers": str(samples / "customers.yaml"),
        "vendors": str(samples / "vendors.yaml"),
        "orders": str(samples / "orders.yaml"),
        "pdf_templates": [str(samples / "pdf-templates")],
        "source": {"kind": "folder", "inbox": "inbox"},
        "ledger": {"kind": "journal", "path": "ledger.jsonl"},
        "notifier": {"kind": "eml", "outbox": "outbox", "from_address": "kreditor@example.dk"},
        "alerts": {"to": ["drift@example.dk"], "exception_rate": 0.2},
    }
    path = folder / "fakturarobot.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path
