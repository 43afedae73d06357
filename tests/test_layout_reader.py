"""Reading a printed invoice without a template (robot.pdftext.layout), the orchestration of printed
PDFs (robot.pdftext.printed) and the intake rules for them (PDF-LAYOUT, PDF-OCR, PDF-TOTALS)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from classifiers.api import Context
from classifiers.engine import Classifier
from robot.errors import ReadError
from robot.model import DocumentType, Invoice, SourceFormat, Totals
from robot.pdftext import printed
from robot.pdftext.layout import read_layout
from robot.pdftext.layout.amounts import money
from robot.pdftext.layout.dates import parse_date
from robot.pdftext.textlayer import NoTextLayer
from robot.readers import read_document
from robot.serialize import invoice_to_json

DANISH = """\
Kontorland A/S                                             FAKTURA
Vestergade 1, 8000 Aarhus C
CVR-nr.: 13585628                                          Fakturanr.:      KL-2026-0042
                                                           Fakturadato:     05-03-2026
Faktureres til:                                            Forfaldsdato:    04-04-2026
Styrelsen for Eksempler                                    Ordrenr.:        PO-77
Eksempelvej 1, 2100 København Ø
CVR 25313763

Pos.  Beskrivelse                    Antal      Stykpris          Beløb
1     Kopipapir A4                      10        45,00          450,00
2     Toner sort                         2       275,00          550,00

                                           Subtotal                 1.000,00
                                           Moms 25 %                  250,00
                                           Total DKK                1.250,00

Betales med FIK: +71<000000000420426+85234567<
Reg.nr. 1234 Kontonr. 0012345678      IBAN: DK50 0040 0440 1162 43  BIC: DABADKKK
"""


def field_values(inv: Invoice) -> dict[str, str]:
    return {e.field: e.value for e in inv.evidence}


def test_a_danish_invoice_is_read_with_evidence_for_every_value() -> None:
    inv = read_layout(DANISH)
    assert inv.format is SourceFormat.PDF_LAYOUT
    assert (inv.number, inv.issue_date, inv.due_date, inv.currency) == (
        "KL-2026-0042",
        date(2026, 3, 5),
        date(2026, 4, 4),
        "DKK",
    )
    assert (inv.seller.name, inv.seller.vat_id) == ("Kontorland A/S", "DK13585628")
    assert inv.seller.legal_id is not None and inv.seller.legal_id.value == "13585628"
    t = inv.totals
    assert (t.tax_exclusive, t.tax, t.tax_inclusive, t.payable) == (
        Decimal("1000.00"),
        Decimal("250.00"),
        Decimal("1250.00"),
        Decimal("1250.00"),
    )
    assert inv.vat_breakdown[0].rate == Decimal("25")
    codes = [(m.code, m.payment_id, m.account, m.branch) for m in inv.payment_means]
    assert ("93", "71#000000000420426", "85234567", None) in codes
    assert ("42", None, "0012345678", "1234") in codes
    assert ("58", None, "DK5000400440116243", "DABADKKK") in codes
    evidence = {e.field: e for e in inv.evidence}
    assert evidence["totals.payable"].text == "Total DKK 1.250,00"
    assert evidence["number"].text.startswith("CVR-nr.: 13585628 Fakturanr.:")
    assert all(0 < e.confidence <= 1 for e in inv.evidence)
    assert evidence["totals.tax"].confidence > 0.9  # net + VAT = total confirmed it


def test_the_buyers_cvr_is_not_taken_for_the_sellers() -> None:
    text = DANISH.replace("CVR-nr.: 13585628", "                 ")
    inv = read_layout(text)
    assert inv.seller.vat_id is None and inv.seller.legal_id is None  # 25313763 is the buyer's


def test_a_cvr_number_failing_modulus_11_is_left_empty() -> None:
    inv = read_layout(DANISH.replace("13585628", "13585627"))
    assert inv.seller.vat_id is None


def test_amounts_that_do_not_add_up_are_left_empty() -> None:
    inv = read_layout(DANISH.replace("1.250,00", "1.350,00"))
    t = inv.totals
    assert (t.tax_exclusive, t.tax, t.tax_inclusive, t.payable) == (None, None, None, None)
    assert any("is not the total" in note for note in inv.notes)


def test_a_vat_rate_that_does_not_give_the_vat_is_dropped() -> None:
    inv = read_layout(DANISH.replace("Moms 25 %", "Moms 20 %"))
    assert inv.totals.tax == Decimal("250.00") and inv.vat_breakdown == []


def test_a_field_printed_with_two_values_is_left_empty() -> None:
    inv = read_layout(DANISH + "\nFakturanr.: KL-2026-0043\n")
    assert inv.number is None
    assert any(note.startswith("left empty: number") for note in inv.notes)


def test_an_iban_failing_its_checksum_is_ignored() -> None:
    inv = read_layout(DANISH.replace("DK50 0040", "DK51 0040"))
    assert [m.code for m in inv.payment_means] == ["93", "42"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("234,56", "234.56"),
        ("-7,67", "-7.67"),
        ("7,67-", "-7.67"),
        ("1.234", None),
        ("1,234", None),
        ("1.234.56", None),
        ("1,234,56", None),
        ("12,5", None),
        ("1234", None),
        ("12,345", None),
    ],
)
def test_money_is_exact_and_refused_when_ambiguous(text: str, expected: str | None) -> None:
    assert money(text) == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("text", "english", "expected"),
    [
        ("05.03.2018", False, date(2018, 3, 5)),
        ("2018-03-05", False, date(2018, 3, 5)),
        ("5/3/2018", False, date(2018, 3, 5)),
        ("5/3/2018", True, None),  # May 3 or 5 March?
        ("03/20/2023", True, date(2023, 3, 20)),
        ("5. marts 2026", False, date(2026, 3, 5)),
        ("05. März 2018", False, date(2018, 3, 5)),
        ("31.02.2018", False, None),
    ],
)
def test_dates_are_read_one_way_only(text: str, english: bool, expected: date | None) -> None:
    assert parse_date(text, english=english) == expected


def test_english_and_german_labels() -> None:
    english = """\
Acme Supplies Ltd.                          Invoice No.: INV-889
VAT No.: GB980780684                        Invoice date: 2024-02-01
Bill to: Kunden AG, VAT DE136695976         Due date: 2024-03-02
                               Net amount        100.00 EUR
                               VAT 20%            20.00 EUR
                               Amount due        120.00 EUR
"""
    inv = read_layout(english)
    assert (inv.number, inv.issue_date, inv.due_date, inv.currency) == (
        "INV-889",
        date(2024, 2, 1),
        date(2024, 3, 2),
        "EUR",
    )
    assert (inv.seller.name, inv.seller.vat_id, inv.totals.payable) == (
        "Acme Supplies Ltd.",
        "GB980780684",
        Decimal("120.00"),
    )
    german = """\
Lieferant GmbH · Lieferantenstraße 20 · 80333 München
Rechnungsnummer: 471102            Rechnungsdatum: 05.03.2018
USt-IdNr.: DE136695976
                       Nettobetrag             473,00 €
                       MwSt. 19 %               89,87 €
                       Gesamtbetrag            562,87 €
"""
    inv = read_layout(german)
    assert (inv.number, inv.issue_date, inv.seller.name, inv.seller.vat_id) == (
        "471102",
        date(2018, 3, 5),
        "Lieferant GmbH",
        "DE136695976",
    )
    assert (inv.totals.tax_exclusive, inv.totals.tax, inv.totals.payable) == (
        Decimal("473.00"),
        Decimal("89.87"),
        Decimal("562.87"),
    )


def test_a_prepayment_keeps_the_total_from_being_taken_as_payable() -> None:
    inv = read_layout(DANISH + "\nAllerede betalt ved bestilling: 250,00\n")
    assert inv.totals.tax_inclusive == Decimal("1250.00") and inv.totals.payable is None


def _pdf(lines: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Courier", "", 8)
    for line in lines:
        pdf.cell(0, 4, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_a_printed_pdf_is_read_without_templates_configured() -> None:
    inv = read_document(_pdf(DANISH.splitlines()), "kontorland.pdf")
    assert inv.format is SourceFormat.PDF_LAYOUT and not inv.ocr
    assert (inv.number, inv.totals.payable) == ("KL-2026-0042", Decimal("1250.00"))
    data = invoice_to_json(inv)
    assert data["ocr"] is False
    assert {"field": "number", "value": "KL-2026-0042"}.items() <= data["evidence"][0].items()


def test_too_little_to_be_an_invoice_is_a_read_error_naming_what_was_found_and_missing() -> None:
    with pytest.raises(ReadError) as info:
        read_document(_pdf(["Kontorland A/S", "Tak for handlen!", "Fakturanr.: 1042"]), "letter.pdf")
    err = info.value
    assert err.file == "letter.pdf" and err.field == "totals.payable"
    assert "found number '1042'" in err.reason and "missing" in err.reason and "amount payable" in err.reason
    assert "no PDF template configured" in err.reason and "its text begins 'Kontorland A/S" in err.reason


def test_a_pdf_without_text_is_read_by_ocr_and_marked(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_text(content: bytes, filename: str = "<bytes>") -> str:
        raise NoTextLayer("the PDF has no text layer", file=filename)

    def recognised(content: bytes, filename: str = "<bytes>", *, limits: object = None) -> str:
        return DANISH.replace("I alt", "lalt")

    monkeypatch.setattr(printed, "pdf_text", no_text)
    monkeypatch.setattr("robot.pdftext.ocr.ocr_text", recognised)
    inv = printed.read_printed(b"%PDF-1.4 scanned", "scan.pdf")
    assert inv.ocr and inv.format is SourceFormat.PDF_LAYOUT and inv.number == "KL-2026-0042"
    assert inv.totals.payable == Decimal("1250.00")  # "lalt DKK": how OCR reads "I alt DKK"
    assert max(e.confidence for e in inv.evidence) <= printed.OCR_CONFIDENCE


def _codes(inv: Invoice) -> list[str]:
    return [f.code for f in Classifier(only=["intake"]).classify(inv, Context()).findings]


def test_pdf_layout_holds_with_the_values_found_and_missing() -> None:
    inv = read_layout(DANISH)
    inv.seller.name = None
    findings = Classifier(only=["intake"]).classify(inv, Context()).findings
    assert [f.code for f in findings] == ["PDF-LAYOUT"]
    finding = findings[0]
    assert finding.disposition == "hold"
    assert (
        "fakturanummer 'KL-2026-0042'" in finding.message_da
        and "beløb at betale 1.250,00" in finding.message_da
    )
    assert "Mangler: leverandørens navn." in finding.message_da
    assert (
        "invoice number 'KL-2026-0042'" in finding.message_en
        and "Missing: seller name." in finding.message_en
    )


def test_pdf_ocr_holds_whatever_the_invoice_says() -> None:
    inv = Invoice(format="pdf-text", document_type=DocumentType.INVOICE, template="dk.x", ocr=True)
    assert sorted(_codes(inv)) == ["PDF-OCR", "PDF-TEXT"]
    assert "PDF-OCR" not in _codes(Invoice(format="pdf-text", document_type=DocumentType.INVOICE))


def test_pdf_totals_applies_to_invoices_read_without_a_template() -> None:
    inv = Invoice(
        format="pdf-layout",
        document_type=DocumentType.INVOICE,
        totals=Totals(tax_exclusive=Decimal("100.00"), tax=Decimal("25.00"), tax_inclusive=Decimal("152.00")),
    )
    findings = Classifier(only=["intake"]).classify(inv, Context()).findings
    assert sorted(f.code for f in findings) == ["PDF-LAYOUT", "PDF-TOTALS"]
    totals = next(f for f in findings if f.code == "PDF-TOTALS")
    assert "as the PDF was read without a template" in totals.message_en


def test_show_lists_the_evidence_escaped_for_the_terminal() -> None:
    from types import SimpleNamespace

    from rich.console import Console

    from robot.cli.timeline import evidence_table, recorded_evidence

    hostile = "Evil [/bold] A/S\x1b[31m"
    events = [
        SimpleNamespace(kind="read", detail={"format": "pdf-layout"}),
        SimpleNamespace(
            kind="read",
            detail={
                "evidence": [{"field": "seller.name", "value": hostile, "text": hostile, "confidence": 0.7}]
            },
        ),
        SimpleNamespace(kind="classified", detail={}),
    ]
    evidence = recorded_evidence(events)  # type: ignore[arg-type]
    assert [e["field"] for e in evidence] == ["seller.name"]
    console = Console(width=120, record=True, color_system=None)
    console.print(evidence_table(evidence))
    out = console.export_text()
    assert "seller.name" in out and "Evil [/bold] A/S\\x1b[31m" in out and "70%" in out
    assert "\x1b" not in out


def test_hostile_text_is_bounded() -> None:
    from robot.pdftext.layout.parties import MAX_CANDIDATES
    from robot.pdftext.layout.text import MAX_LINES, MAX_SEGMENTS, lines_of

    assert len(lines_of("x  " * 500)[0].segments) == MAX_SEGMENTS
    assert len(lines_of("a\n" * (MAX_LINES + 10))) == MAX_LINES
    many = "\n".join(f"Firma{i} A/S   CVR 13585628" for i in range(MAX_CANDIDATES + 5))
    inv = read_layout(many)
    assert inv.seller.name is None and inv.seller.vat_id is None  # too many candidates: none is sure
