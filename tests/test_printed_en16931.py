"""EN 16931 on an invoice read from a printed PDF (classifiers/builtin/printed_en16931.py): the rules
relating the printed amounts run where the print carried them, and hold the invoice.

Before: the EN 16931 rules judged the XML syntaxes only, so a template-read PDF whose VAT is not its
rate × taxable amount, or whose amount due is not its total, went through unchecked once the customer
let template-read invoices through (PDF-TEXT off)."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from classifiers.api import Context
from classifiers.criteria import CustomerCriteria, RuleSetting
from classifiers.engine import Classifier
from robot.codes import Verdict
from robot.model import DocumentType, Invoice, Line, Totals, VatBreakdown
from robot.pdftext import TemplateSet
from robot.readers import read_document
from tests.conftest import SAMPLES

RULES = Classifier(only=["intake", "printed_en16931"])
TRUSTED = Context(criteria=CustomerCriteria(rules={"PDF-TEXT": RuleSetting(enabled=False)}))


def _printed(**totals: D | None) -> Invoice:
    values = {
        "line_extension": D("100.00"),
        "tax_exclusive": D("100.00"),
        "tax": D("25.00"),
        "tax_inclusive": D("125.00"),
        "payable": D("125.00"),
        **totals,
    }
    return Invoice(
        format="pdf-text",
        document_type=DocumentType.INVOICE,
        template="dk.eksempel",
        currency="DKK",
        totals=Totals(**values),
        vat_breakdown=[VatBreakdown("S", D("25"), values["tax_exclusive"], values["tax"])],
        lines=[Line(id="1", net_amount=values["line_extension"])],
    )


def _found(invoice: Invoice, ctx: Context = TRUSTED) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.code, f.official_ids) for f in RULES.classify(invoice, ctx).findings]


def test_a_consistent_print_passes_once_the_customer_trusts_templates() -> None:
    assert _found(_printed()) == []
    assert RULES.classify(_printed(), TRUSTED).verdict is Verdict.POST


def test_amounts_that_break_en16931_hold_the_invoice() -> None:
    wrong_vat = _printed()
    wrong_vat.vat_breakdown = [VatBreakdown("S", D("25"), D("100.00"), D("30.00"))]
    found = _found(wrong_vat)
    assert ("PDF-EN16931", ("BR-CO-14",)) in found and ("PDF-EN16931", ("BR-CO-17",)) in found
    result = RULES.classify(wrong_vat, TRUSTED)
    assert result.verdict is Verdict.HOLD
    message = next(f for f in result.findings if f.official_ids == ("BR-CO-17",)).message_en
    assert "BR-CO-17" in message and message.endswith("check them against the PDF.")
    assert _found(_printed(payable=D("120.00"))) == [("PDF-EN16931", ("BR-CO-16",))]
    assert _found(_printed(line_extension=D("90.00"))) == [("PDF-EN16931", ("BR-CO-13",))]
    assert _found(_printed(payable=D("125.001"), tax_inclusive=D("125.001"))) == [
        ("PDF-TOTALS", ()),
        ("PDF-EN16931", ("BR-DEC-14",)),
        ("PDF-EN16931", ("BR-DEC-18",)),
    ]


def test_what_a_print_did_not_carry_is_no_breach() -> None:
    """A print without a VAT breakdown or a line total: the rules relating them stay silent (on XML,
    BR-CO-13 and BR-CO-18 would fire)."""
    bare = _printed(line_extension=None)
    bare.vat_breakdown, bare.lines = [], []
    assert _found(bare) == []


def test_the_sample_prints_get_no_new_finding() -> None:
    templates = TemplateSet.load([SAMPLES / "pdf-templates"])
    for name in ("0056-pdf-printed-held.pdf", "0057-pdf-printed-posted.pdf", "0060-pdf-untemplated-fik.pdf"):
        invoice = read_document(Path(SAMPLES / "inbox" / name).read_bytes(), name, templates)
        assert [code for code, _ in _found(invoice, Context())] in (["PDF-TEXT"], ["PDF-LAYOUT"]), name


def test_xml_documents_are_not_judged_here() -> None:
    xml = read_document((SAMPLES / "inbox" / "0001-peppol-clean.xml").read_bytes(), "a.xml")
    assert _found(xml) == []
