"""PDF templates on real third-party material (skipped without ../shared/corpora).

- invoice2data's 200 public templates load as they are, except three whose YAML is mis-indented
  upstream (invoice2data silently ignores the stray keys; the robot names file and line).
- The text path is checked against ground truth: the intarsys ZUGFeRD 2.0 PDFs print their
  embedded XML, so reading their text with a template must give the same number, date, currency,
  seller VAT id and totals as reading the XML.
- A real printed invoice without XML (Hetzner, German) reads with a template, and its printed lines,
  which add up to one cent more than the printed net amount, are held by PDF-TOTALS.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from classifiers.api import Context
from classifiers.engine import Classifier
from robot.errors import ConfigError, ReadError
from robot.pdftext import Template, TemplateSet
from robot.readers import read_document
from tests.conftest import corpora_path

TEST_TEMPLATES = Path(__file__).parent / "pdf_templates"
UPSTREAM_MISINDENTED = {
    "com.AzureInterior.yml": "unknown key 'invoice_number' in fields.date_due",
    "com.namecheap.yml": "unknown key 'partner_email' in fields.partner_street",
    "nl.gulf.yml": "unknown key 'line_tax_amount' in fields.lines",
}


def test_invoice2data_templates_load_unchanged() -> None:
    folder = corpora_path("invoice2data-templates")
    loaded, refused = 0, {}
    for path in sorted(folder.rglob("*.yml")):
        try:
            Template.load(path)
            loaded += 1
        except ConfigError as exc:
            refused[path.name] = str(exc)
    assert loaded == 197
    assert set(refused) == set(UPSTREAM_MISINDENTED)
    for name, fragment in UPSTREAM_MISINDENTED.items():
        assert fragment in refused[name] and f"{name}:" in refused[name], refused[name]


def _intarsys_pdfs() -> list[Path]:
    return sorted(corpora_path("zugferd-corpus", "ZUGFeRDv2", "correct", "intarsys").rglob("*.pdf"))


def test_text_path_agrees_with_the_embedded_xml_on_every_intarsys_pdf() -> None:
    templates = TemplateSet.load([TEST_TEMPLATES])
    pdfs = _intarsys_pdfs()
    assert len(pdfs) == 29
    for pdf in pdfs:
        content = pdf.read_bytes()
        xml = read_document(content, pdf.name)
        text = templates.read(content, pdf.name)  # the text layer only, the XML is not looked at
        assert text.format == "pdf-text" and xml.format == "cii"
        assert (text.number, text.issue_date, text.currency) == (xml.number, xml.issue_date, xml.currency), (
            pdf
        )
        assert text.seller.vat_id == xml.seller.vat_id, pdf
        for key in ("payable", "tax_inclusive", "tax_exclusive", "tax"):
            assert getattr(text.totals, key) == getattr(xml.totals, key), (pdf.name, key)


def test_a_real_printed_invoice_reads_and_its_rounding_is_held() -> None:
    pdf = corpora_path("zugferd-corpus", "unstructured", "RE-E-974-Hetzner_2016-01-19_R0005532486.pdf")
    content = pdf.read_bytes()
    with pytest.raises(ReadError, match="no embedded e-invoice XML and no PDF templates"):
        read_document(content, pdf.name)
    upstream = Template.load(corpora_path("invoice2data-templates", "com", "com.hetzner.yml"))
    with pytest.raises(ReadError, match="no PDF template matches this invoice \\(1 tried\\)"):
        TemplateSet([upstream]).read(content, pdf.name)  # the English template must not take a German invoice
    inv = read_document(content, pdf.name, TemplateSet.load([TEST_TEMPLATES]))
    assert (inv.template, inv.number, inv.issue_date, inv.due_date) == (
        "de.hetzner-rechnung",
        "R0005532486",
        date(2016, 1, 19),
        date(2016, 1, 22),
    )
    assert inv.seller.vat_id == "DE812871812"
    assert (inv.totals.tax_exclusive, inv.totals.tax, inv.totals.payable) == (
        Decimal("87.39"),
        Decimal("16.61"),
        Decimal("104.00"),
    )
    assert [(pm.code, pm.account, pm.branch) for pm in inv.payment_means] == [
        ("58", "DE92760700120750007700", "DEUTDEMM760")
    ]
    assert len(inv.lines) == 8 and sum(ln.net_amount or 0 for ln in inv.lines) == Decimal("87.40")
    assert [ln.price for ln in inv.lines][:2] == [Decimal("41.1765"), Decimal("0.8403")]
    findings = {f.code: f for f in Classifier(only=["intake"]).classify(inv, Context()).findings}
    assert set(findings) == {"PDF-TEXT", "PDF-TOTALS"}
    assert findings["PDF-TOTALS"].found == "87.40" and findings["PDF-TOTALS"].expected == "87.39"
