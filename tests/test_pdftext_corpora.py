"""PDF templates on real third-party material (skipped without ../shared/corpora).

- invoice2data's 215 public templates (.yml and .json) load as they are, except one whose regular
  expression does not compile upstream (named with file and line, and skipped); keys invoice2data
  ignores (mis-indented upstream) are warnings with file and line. XML documents read with that
  folder configured.
- The text path is checked against ground truth: the intarsys ZUGFeRD 2.0 PDFs print their
  embedded XML, so reading their text with a template must give the same number, date, currency,
  seller VAT id and totals as reading the XML.
- A real printed invoice without XML (Hetzner, German) reads with a template, and its printed lines,
  which add up to one cent more than the printed net amount, are held by PDF-TOTALS.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from classifiers.api import Context
from classifiers.engine import Classifier
from robot.errors import ReadError
from robot.pdftext import Template, TemplateSet
from robot.pdftext.loading import template_files
from robot.readers import read_document
from tests.conftest import corpora_path

TEST_TEMPLATES = Path(__file__).parent / "pdf_templates"
#: refused: a regular expression that does not compile (invoice2data fails on it at extraction)
UPSTREAM_REFUSED = {"nl.gulf.yml": "nl.gulf.yml:61: fields.lines.start is not a valid regular expression"}
#: keys invoice2data ignores (three mis-indented upstream, three JSON options.priority): warnings
UPSTREAM_IGNORED = [
    "com.AzureInterior.yml:93: unknown key 'invoice_number' in fields.date_due ignored",
    "com.namecheap.yml:26: unknown key 'partner_email' in fields.partner_street ignored",
    "com.namecheap.yml:29: unknown key 'country_code' ignored",
    "nl.accor.rhine.opco hotels.json:168: unknown key 'priority' in options ignored",
    "nl.valk.exclusief.hotel.json:189: unknown key 'priority' in options ignored",
    "nl.valk.exclusief.restaurant.json:163: unknown key 'priority' in options ignored",
]


def test_invoice2data_templates_load_and_the_one_broken_upstream_is_named_and_skipped() -> None:
    folder = corpora_path("invoice2data-templates")
    files = template_files(folder)
    assert len(files) == 215 and sum(f.suffix == ".json" for f in files) == 15
    templates = TemplateSet.load([folder])
    assert len(templates) == 214
    assert sum(t.path.suffix == ".json" for t in templates.templates) == 15  # issue 15: never loaded before
    refused = {Path(p.file or "").name: str(p) for p in templates.problems}
    assert set(refused) == set(UPSTREAM_REFUSED)
    for name, fragment in UPSTREAM_REFUSED.items():
        assert fragment in refused[name], refused[name]
    shown = [str(w).removeprefix(f"{folder}/").split("/", 1)[-1] for w in templates.warnings]
    assert sorted(s.removesuffix(" (invoice2data ignores it too)") for s in shown) == sorted(UPSTREAM_IGNORED)


def test_xml_documents_read_with_the_invoice2data_folder_configured() -> None:
    """Issue 15: with invoice2data's folder configured, parse and validate refused every document."""
    from typer.testing import CliRunner

    from robot.cli.app import _register, app

    folder = str(corpora_path("invoice2data-templates"))
    xml = str(Path(__file__).resolve().parent.parent / "samples" / "inbox" / "0001-peppol-clean.xml")
    _register()
    for command in ("parse", "validate"):
        result = CliRunner().invoke(app, [command, "--json", "--pdf-templates", folder, xml])
        assert result.exit_code == 0, result.output
        assert "PDF template skipped: " in result.stderr and "nl.gulf.yml:61" in result.stderr
        assert result.stderr.count("nl.gulf.yml") == 1  # said once
        (line,) = result.stdout.splitlines()
        assert json.loads(line)["file"] == xml


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
