"""The demo set's scenarios: clean documents first, then one document per common error.

Each error document is a clean document with exactly one thing broken; the manifest records the
verdict (``post``/``return``/``hold``), the Invoice Response reason code (domain.md §5) and the
official rule ids the error fires::

    >>> entries, orders = build(2026)
    >>> entries[0].file, entries[0].verdict
    ('0001-peppol-clean.xml', 'post')
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from robot.demo.samplegen.builder import Builder, Entry
from robot.demo.samplegen.documents import AllowanceSpec
from robot.demo.samplegen.error_cases import add_errors
from robot.demo.samplegen.printed import add_damaged, add_printed
from robot.demo.samplegen.scanned import add_scanned
from robot.demo.samplegen.scenarios_base import LIMIT_NET
from robot.demo.samplegen.untemplated import add_untemplated

RANDOM_CLEAN = 15
ALLOWED = {"MFP": ("K10001", "K10003", "K10005", "K10010")}


def build(seed: int) -> tuple[list[Entry], list[dict[str, Any]]]:
    b = Builder(seed)
    add_errors(b, *_clean(b))
    add_printed(b)
    add_untemplated(b)
    add_scanned(b)
    add_damaged(b)
    return b.entries, b.orders


def _ok(b: Builder, fmt: str, cid: str, vnum: str, slug: str, da: str, en: str, **kw: Any) -> Entry:
    doc = b.doc(fmt, cid, vnum, max_net=LIMIT_NET[cid], **kw)
    b.order_for(doc)
    return b.add(slug, "clean", doc, "post", None, da, en)


def _clean(b: Builder) -> tuple[Entry, Entry, Entry]:
    """The clean documents; returns the originals the duplicate scenarios copy."""
    first = _ok(
        b,
        "peppol",
        "SFE",
        "K10001",
        "peppol-clean",
        "Ren faktura, bankoverførsel (42)",
        "Clean invoice, domestic transfer (42)",
    )
    _ok(
        b,
        "oioubl",
        "ITD",
        "K10005",
        "oioubl-clean",
        "Ren OIOUBL-faktura, bankoverførsel (42)",
        "Clean OIOUBL invoice, domestic transfer (42)",
    )
    _ok(
        b,
        "peppol",
        "EKU",
        "K10006",
        "peppol-clean-zero-rated",
        "Ren faktura med 25 % moms og nulmomslinje (aviser)",
        "Clean invoice with 25% VAT and a zero-rated line (newspapers)",
        quantities=(1, 1),
    )
    fik71 = _ok(
        b,
        "oioubl",
        "SFE",
        "K10002",
        "oioubl-clean-fik71",
        "Ren OIOUBL-faktura, FIK-kort 71",
        "Clean OIOUBL invoice, FIK card 71",
    )
    _ok(
        b,
        "peppol",
        "ITD",
        "K10004",
        "peppol-clean-fik75",
        "Ren faktura, FIK-kort 75",
        "Clean invoice, FIK card 75",
    )
    doc = b.doc("peppol", "SFE", "K10012", quantities=(20, 6, 8))
    doc.allowances = [
        AllowanceSpec(False, Decimal("250.00"), "Mængderabat", "95"),
        AllowanceSpec(True, Decimal("395.00"), "Fragt", "FC"),
    ]
    b.order_for(doc)
    b.add(
        "peppol-clean-allowance-charge",
        "clean",
        doc,
        "post",
        None,
        "Ren faktura med rabat og fragttillæg",
        "Clean invoice with a discount and a freight charge",
    )
    doc = b.doc("peppol", "SFE", "K10003", quantities=(12, 0))
    doc.currency = "EUR"
    doc.lines = [replace(ln, price=Decimal("154.00")) for ln in doc.lines]
    b.order_for(doc)
    b.add(
        "peppol-clean-iban-eur",
        "clean",
        doc,
        "post",
        None,
        "Ren faktura i EUR, IBAN-overførsel (31)",
        "Clean invoice in EUR, IBAN transfer (31)",
    )
    suspect_of = _ok(
        b,
        "oioubl",
        "MFP",
        "K10003",
        "oioubl-clean-iban",
        "Ren OIOUBL-faktura, IBAN-overførsel (31)",
        "Clean OIOUBL invoice, IBAN transfer (31)",
    )
    _ok(
        b,
        "peppol",
        "EKU",
        "K10011",
        "peppol-clean-nemkonto",
        "Ren faktura, betaling til NemKonto (97)",
        "Clean invoice, paid to NemKonto (97)",
    )
    resend_of = _ok(
        b,
        "oioubl",
        "SFE",
        "K10011",
        "oioubl-clean-nemkonto",
        "Ren OIOUBL-faktura, NemKonto (97)",
        "Clean OIOUBL invoice, NemKonto (97)",
    )
    _ok(
        b,
        "peppol",
        "ITD",
        "K10007",
        "peppol-clean-exempt",
        "Ren faktura med momsfritaget kursuslinje",
        "Clean invoice with a VAT-exempt course line",
        quantities=(2, 2),
    )
    for original, fmt in ((first, "peppol"), (fik71, "oioubl")):
        doc = b.doc(fmt, "SFE", original.doc.seller.number, quantities=(1,), credit_note=True)
        doc.lines = [replace(original.doc.lines[0], id="1", quantity=Decimal(1))]
        doc.billing_ref = (original.doc.number, original.doc.issue_date)
        doc.order_ref = original.doc.order_ref
        doc.note = f"Kreditering af faktura {original.doc.number}: én enhed returneret"
        b.add(
            f"{fmt}-creditnote-clean",
            "clean",
            doc,
            "post",
            None,
            "Ren kreditnota (delvis kreditering)",
            "Clean credit note (partial credit)",
            related_to=original,
        )
    for i in range(RANDOM_CLEAN):
        fmt = "peppol" if i % 2 == 0 else "oioubl"
        cid = b.rng.choice(("SFE", "ITD", "MFP", "EKU"))
        choices = ALLOWED.get(cid) or tuple(f"K100{n:02d}" for n in range(1, 13) if n != 11)
        _ok(b, fmt, cid, b.rng.choice(choices), f"{fmt}-clean", "Ren faktura", "Clean invoice")
    return first, suspect_of, resend_of
