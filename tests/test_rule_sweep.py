"""No rule crashes (RULE-CRASHED) on any document the robot can read, nor on junk.

Every registered rule is fed every corpus document that reads (``../shared/corpora``: the official
EN 16931, Peppol BIS 3, OIOUBL 2.1/3, Factur-X and ZUGFeRD examples, and every test of the VEFA
unit-test sets: 1,152 invoices), the demo samples, and generated junk invoices: an empty model,
extreme values, missing parties and hostile strings. Each invoice is classified three times: with a
run's context (the demo master data, a customer's criteria, and the read documents as history, so
the duplicate and order rules have something to compare), without criteria, and with an empty
context (no lookups at all).

All readable corpus documents are used, no sample: reading them takes ~6 s and classifying them
a few seconds more, well under the minute this test may take (asserted).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, get_type_hints

import pytest

from classifiers.api import Context, PriorInvoice
from classifiers.engine import CRASH_CODE, Classifier
from classifiers.keys import supplier_key
from robot import model as m
from robot.errors import ReadError
from robot.processing.context import MasterData
from robot.readers import read_document
from tests.conftest import SAMPLES, corpora_path
from tests.support.oracle import iter_vefa_cases

HOSTILE = [
    "",
    " ",
    "\x00",
    "\u202e",
    "'; DROP TABLE invoices;--",
    "<x>&amp;",
    "{{ 7*7 }}",
    "%s%n",
    "æøå" * 500,
]
HUGE = Decimal("9" * 15 + ".99")


def _master() -> MasterData:
    return MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")


def _party(text: str, *, ident: str) -> m.Party:
    return m.Party(
        name=text,
        trading_name=text,
        endpoint=m.Identifier(ident, "0088"),
        vat_id=f"DK{ident}",
        legal_id=m.Identifier(ident, "0184"),
        party_ids=[m.Identifier(ident, text)],
        address=m.Address(street=text, city=text, postal_code=text, country=text),
        contact=m.Contact(id=text),
    )


def _every(cls: type, kind: type, value: object) -> dict[str, Any]:
    """``value`` in every field of the model class ``cls`` that holds a ``kind`` (or None)."""
    hints = get_type_hints(cls)
    return {f.name: value for f in fields(cls) if hints[f.name] in (kind, kind | None)}


def junk_invoices() -> list[tuple[str, m.Invoice]]:
    """Models no reader would produce, but a rule must survive: empty, extreme, partyless, hostile."""
    out: list[tuple[str, m.Invoice]] = []
    for fmt in ("peppol-bis3", "oioubl-2", "oioubl-3", "cii", "pdf-text", "en16931-ubl"):
        for kind in m.DocumentType:
            out.append((f"empty-{fmt}-{kind.value}", m.Invoice(format=fmt, document_type=kind)))
    zero, negative = Decimal(0), Decimal("-1E+15")
    for label, amount in (("zero", zero), ("negative", negative), ("huge", HUGE), ("tiny", Decimal("1E-12"))):
        line = m.Line(
            **{**_every(m.Line, Decimal, amount), "id": "1", "base_quantity": zero, "vat_category": "S"}
        )
        out.append(
            (
                f"extreme-{label}",
                m.Invoice(
                    format="peppol-bis3",
                    document_type=m.DocumentType.INVOICE,
                    number="1",
                    issue_date=date(1, 1, 1),
                    due_date=date(9999, 12, 31),
                    currency="DKK",
                    seller=_party("S", ident="00000000"),
                    buyer=_party("B", ident="5798000000014"),
                    totals=m.Totals(**_every(m.Totals, Decimal, amount)),
                    vat_breakdown=[m.VatBreakdown("S", amount, amount, amount)],
                    allowances_charges=[
                        m.AllowanceCharge(is_charge=c, amount=amount, base_amount=zero, percent=amount)
                        for c in (False, True)
                    ],
                    payment_means=[
                        m.PaymentMeans(code="31", account="DK" + "0" * 40, due_date=date(1, 1, 1))
                    ],
                    lines=[line] * 3,
                ),
            )
        )
    out.append(
        (
            "no-parties",
            m.Invoice(
                format="oioubl-2",
                document_type=m.DocumentType.CREDIT_NOTE,
                number="NO-PARTIES",
                seller=m.Party(),
                buyer=m.Party(),
                payee=m.Party(),
                totals=m.Totals(payable=Decimal("100")),
                lines=[m.Line(id="")],
                payment_means=[m.PaymentMeans(code="")],
            ),
        )
    )
    for i, text in enumerate(HOSTILE):
        out.append(
            (
                f"hostile-{i}",
                m.Invoice(
                    format="peppol-bis3",
                    document_type=m.DocumentType.INVOICE,
                    **_every(m.Invoice, str, text),
                    notes=[text],
                    preceding_invoices=[text],
                    seller=_party(text, ident=text),
                    buyer=_party(text, ident=text),
                    payment_means=[
                        m.PaymentMeans(**{**_every(m.PaymentMeans, str, text), "code": code})
                        for code in (text, "31", "42", "49", "50", "93", "97")
                    ],
                    lines=[m.Line(**_every(m.Line, str, text))],
                    vat_breakdown=[m.VatBreakdown(text, None, None, None)],
                ),
            )
        )
    return out


def corpus_invoices() -> list[tuple[str, m.Invoice, str]]:
    root = corpora_path()
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in (".xml", ".pdf"))
    files += sorted((SAMPLES / "inbox").glob("*.xml"))
    documents = [(str(path), path.read_bytes()) for path in files]
    test_sets = sorted({path.parent for path in files if b"<testSet" in path.read_bytes()[:2000]})
    documents += [
        (f"{folder}/{case.name}", case.document) for folder in test_sets for case in iter_vefa_cases(folder)
    ]
    read: list[tuple[str, m.Invoice, str]] = []
    for name, content in documents:
        try:
            invoice = read_document(content, Path(name).name)
        except ReadError:
            continue  # not an invoice (schemas, code lists, orders, ...) or refused with a reason
        read.append((name, invoice, hashlib.sha256(content).hexdigest()))
    return read


@pytest.mark.corpora
@pytest.mark.slow
def test_no_rule_crashes_on_any_corpus_document_or_junk_invoice() -> None:
    started = time.monotonic()
    documents = corpus_invoices()
    assert len(documents) > 1000, f"only {len(documents)} corpus documents read"
    master = _master()
    master.with_history(
        PriorInvoice(i, supplier_key(inv), inv.number or "", inv.issue_date, inv.totals.payable, sha)
        for i, (_, inv, sha) in enumerate(documents)
    )
    classifier = Classifier()
    assert len(classifier.rules) >= 50  # every registered rule, no restriction
    customer = master.customers[0]
    crashes: list[str] = []
    cases = [(name, inv, sha) for name, inv, sha in documents]
    cases += [(name, inv, None) for name, inv in junk_invoices()]
    for i, (name, invoice, sha) in enumerate(cases):
        run_ctx = master.context(invoice, metadata={"customer": customer.id}, sha256=sha, invoice_id=i)
        contexts = (run_ctx, replace(run_ctx, criteria=None, customer_id=None), Context())
        for ctx in contexts:
            for finding in classifier.classify(invoice, ctx).findings:
                if finding.code == CRASH_CODE:
                    crashes.append(f"{name}: {finding.message_en}")
    assert not crashes, f"{len(crashes)} rule crashes:\n" + "\n".join(sorted(set(crashes))[:40])
    assert time.monotonic() - started < 60


def test_the_sweep_would_see_a_crash() -> None:
    """The assertion above is not vacuous: a crashing rule shows as RULE-CRASHED in the findings."""
    from classifiers.api import Registry, rule

    registry = Registry()

    @rule("X-CRASHES", description="a rule that indexes an empty list", registry=registry)
    def crashes(invoice: m.Invoice, ctx: Context) -> None:
        invoice.lines[0]

    _, empty = junk_invoices()[0]
    [finding] = Classifier(registry).classify(empty, Context()).findings
    assert finding.code == CRASH_CODE and "IndexError" in finding.message_en


def test_junk_covers_what_it_says(tmp_path: Path) -> None:
    names = [name for name, _ in junk_invoices()]
    assert any(n.startswith("empty-") for n in names) and "no-parties" in names
    assert {f"extreme-{k}" for k in ("zero", "negative", "huge", "tiny")} <= set(names)
    assert sum(n.startswith("hostile-") for n in names) == len(HOSTILE)
