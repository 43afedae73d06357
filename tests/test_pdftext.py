"""Printed PDF invoices read by templates: values, template files, mapping, the samples' PDFs."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifiers.api import Context
from classifiers.engine import Classifier
from robot.cli.app import _register, app
from robot.errors import ConfigError, ReadError
from robot.pdftext import Template, TemplateSet, pdf_text
from robot.pdftext.mapping import to_invoice
from robot.pdftext.values import parse_amount, parse_date
from robot.readers import read_document

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SAMPLE_TEMPLATES = SAMPLES / "pdf-templates"


def invoke(*args: str) -> tuple[int, str]:
    _register()
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("text", "sep", "expected"),
    [
        ("1.234,50", ",", "1234.50"),
        ("1 234,50", ",", "1234.50"),
        ("27,80", ",", "27.80"),
        ("1,234.50", ".", "1234.50"),
        ("-12,00", ",", "-12.00"),
        ("12,00-", ",", "-12.00"),
        ("(12.00)", ".", "-12.00"),
        ("DKK 4.875,00", ",", "4875.00"),
        ("4.875,00 kr.", ",", "4875.00"),
        ("41,1765", ",", "41.1765"),
        ("1000", ".", "1000"),
    ],
)
def test_amounts_are_exact_decimals(text: str, sep: str, expected: str) -> None:
    assert parse_amount(text, sep, "amount") == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "sep"),
    [("27,80", "."), ("1.234,50", "."), ("1,2,3", ","), ("12,", ","), ("12 kroner", ","), ("", ".")],
)
def test_a_decimal_separator_mistake_is_an_error_not_a_wrong_amount(text: str, sep: str) -> None:
    with pytest.raises(ReadError) as info:
        parse_amount(text, sep, "amount_tax")
    assert info.value.field == "amount_tax"
    assert f"'{text}'" in str(info.value) and "decimal_separator" in (info.value.expected or "")


@pytest.mark.parametrize(
    ("text", "formats", "expected"),
    [
        ("26-04-2026", ["%d-%m-%Y"], date(2026, 4, 26)),
        ("2026-04-26", [], date(2026, 4, 26)),
        ("26.04.2026", [], date(2026, 4, 26)),
        ("7. maj 2025", [], date(2025, 5, 7)),
        ("3. März 2024", [], date(2024, 3, 3)),
        ("May 7, 2025", [], date(2025, 5, 7)),
    ],
)
def test_dates_by_template_format_then_common_formats(text: str, formats: list[str], expected: date) -> None:
    assert parse_date(text, formats, "date") == expected


def test_an_unknown_date_names_the_field_and_the_formats() -> None:
    with pytest.raises(ReadError, match="date_due '31/31/2026' is not a date") as info:
        parse_date("31/31/2026", ["%d/%m/%Y"], "date_due")
    assert "%d/%m/%Y" in (info.value.expected or "")


def _template(tmp_path: Path, text: str, name: str = "t.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_template_errors_name_file_line_and_what_is_wrong(tmp_path: Path) -> None:
    bad_regex = _template(tmp_path, "issuer: X\nkeywords: [X]\nfields:\n  amount: Total (\\d+\n", "a.yml")
    with pytest.raises(ConfigError) as info:
        Template.load(bad_regex)
    assert f"{bad_regex}:4: fields.amount.regex is not a valid regular expression" in str(info.value)
    typo = _template(
        tmp_path,
        "keywords: [X]\nfields:\n  date:\n    parser: regex\n    regex: D(.+)\n    typ: date\n",
        "b.yml",
    )
    template = Template.load(typo)  # invoice2data ignores a key it does not know: so does the robot
    assert [str(w) for w in template.warnings] == [
        f"{typo}:6: unknown key 'typ' in fields.date ignored (invoice2data ignores it too)"
    ]


def test_a_bad_template_is_named_and_skipped_and_the_others_load(tmp_path: Path) -> None:
    """Issue 15: one template with an error blocked the whole folder (every document refused)."""
    _template(tmp_path, "issuer: X\nfields: {}\n", "a.yml")
    _template(tmp_path, "keywords: [X]\nfields:\n  amount:\n    parser: regex\n    regex: (\\d+\n", "b.yaml")
    _template(tmp_path, "keywords: [Y]\nfields:\n  amount: Y (\\d+)\n", "good.yml")
    templates = TemplateSet.load([tmp_path])
    assert [t.name for t in templates.templates] == ["good"]
    problems = [str(p) for p in templates.problems]
    assert len(problems) == 2
    assert problems[0].startswith(f"{tmp_path / 'a.yml'}:1: ") and "keywords" in problems[0]
    assert (
        problems[1].startswith(f"{tmp_path / 'b.yaml'}:5: ")
        and "not a valid regular expression" in problems[1]
    )
    assert templates.report() == [f"PDF template skipped: {p}" for p in problems]


def test_a_missing_template_folder_is_still_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing: PDF template folder not found"):
        TemplateSet.load([tmp_path, tmp_path / "missing"])


def _extract(tmp_path: Path, template: str, text: str) -> dict[str, object]:
    tpl = Template.load(_template(tmp_path, template))
    prepared = tpl.prepare(text)
    assert tpl.matches(prepared)
    return tpl.extract(prepared)


BASE = (
    "issuer: Leverandør A/S\nkeywords: ['CVR 12345674']\n"
    "options: {decimal_separator: ',', currency: DKK, date_formats: ['%d-%m-%Y']}\n"
)
TEXT = "Leverandør A/S CVR 12345674\nFaktura 77\nDato 01-02-2026\nI alt 1.250,00\nI alt 1.350,00\n"


def test_several_different_values_without_a_group_are_an_error_naming_them(tmp_path: Path) -> None:
    template = (
        BASE + "fields:\n  invoice_number: Faktura (\\d+)\n  date: Dato (\\S+)\n  amount: I alt (\\S+)\n"
    )
    with pytest.raises(ReadError, match=r"fields.amount .* found 2 different values: '1250.00', '1350.00'"):
        _extract(tmp_path, template, TEXT)
    fields = _extract(
        tmp_path, template.replace("amount: I alt (\\S+)", "sum_amount: ['I alt (\\S+)']"), TEXT
    )
    assert fields["amount"] == Decimal("2600.00") and fields["date"] == date(2026, 2, 1)


def test_a_required_field_not_found_names_the_template_and_the_field(tmp_path: Path) -> None:
    template = (
        BASE + "fields:\n  invoice_number: Faktura (\\d+)\n  amount: Total (\\S+)\n  date: Dato (\\S+)\n"
    )
    with pytest.raises(ReadError, match="template 't' matched but found no amount") as info:
        _extract(tmp_path, template, TEXT)
    assert info.value.field == "amount"


def test_options_static_fields_lines_and_exclude_keywords(tmp_path: Path) -> None:
    template = (
        "issuer: X\nkeywords: ['faktura']\nexclude_keywords: [kreditnota]\n"
        "fields:\n  static_cvr: '12345674'\n  invoice_number: faktura(\\d+)\n  date: dato(\\S+)\n"
        "  amount: total(\\S+)\n"
        "lines:\n  start: varer\n  end: total\n"
        "  first_line: ^(?P<name>\\D+?)(?P<qty>\\d+)stk(?P<amount>\\S+)$\n"
        "  line: ^note:(?P<name>.+)$\n  types: {qty: int, amount: float}\n"
        "options: {remove_whitespace: true, lowercase: true, decimal_separator: ',',"
        " date_formats: ['%d.%m.%Y'], replace: [['kr\\.', '']]}\n"
    )
    text = "FAKTURA 12\nDato 01.02.2026\nVarer\nStol 2 stk 1.000,00 kr.\nnote: blå\n"
    text += "Bord 1 stk 500,00\nTotal 1.500,00\n"
    fields = _extract(tmp_path, template, text)
    assert fields["cvr"] == "12345674" and fields["invoice_number"] == "12"
    assert fields["lines"] == [
        {"name": "stol\nblå", "qty": 2, "amount": Decimal("1000.00")},
        {"name": "bord", "qty": 1, "amount": Decimal("500.00")},
    ]
    tpl = Template.load(_template(tmp_path, template))
    assert not tpl.matches(tpl.prepare(text + "Kreditnota\n"))


def test_mapping_to_the_invoice_model_with_danish_fields() -> None:
    inv = to_invoice(
        {
            "issuer": "Leverandør A/S",
            "invoice_number": "F-1",
            "date": date(2026, 2, 1),
            "amount": Decimal("1250.00"),
            "amount_untaxed": Decimal("1000.00"),
            "amount_tax": Decimal("250.00"),
            "cvr": "1234 5674",
            "ean": "5798000999015",
            "person_reference": "ANJE",
            "purchase_order_id": "PO-7",
            "fik": "+71< 000000012345678+85123456<",
            "currency": "DKK",
            "lines": [{"name": "Stol", "qty": Decimal(2), "unit": "stk.", "amount": Decimal("1000.00")}],
        },
        "dk.leverandoer",
    )
    assert (inv.format, inv.template, inv.number, inv.currency) == (
        "pdf-text",
        "dk.leverandoer",
        "F-1",
        "DKK",
    )
    assert inv.seller.legal_id is not None and (inv.seller.legal_id.value, inv.seller.legal_id.scheme) == (
        "12345674",
        "0184",
    )
    assert inv.seller.vat_id == "DK12345674"
    assert inv.buyer.endpoint is not None and inv.buyer.endpoint.value == "5798000999015"
    assert inv.person_reference == "ANJE" and inv.order_reference == "PO-7"
    fik = inv.payment_means[0]
    assert (fik.code, fik.payment_id, fik.account) == ("93", "71#000000012345678", "85123456")
    assert [(v.category, v.rate, v.taxable_amount, v.tax_amount) for v in inv.vat_breakdown] == [
        ("S", Decimal(25), Decimal("1000.00"), Decimal("250.00"))
    ]
    line = inv.lines[0]
    assert (line.unit, line.vat_rate, line.vat_category, line.net_amount) == (
        "H87",
        25,
        "S",
        Decimal("1000.00"),
    )
    assert inv.totals.payable == inv.totals.tax_inclusive == Decimal("1250.00")


def test_a_bad_fik_line_is_a_read_error() -> None:
    with pytest.raises(ReadError, match="fik '\\+71<123' is not a FIK payment line"):
        to_invoice({"fik": "+71<123", "amount": Decimal(1)}, "t")


def test_a_pdf_without_text_is_a_clear_read_error() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)
    with pytest.raises(ReadError, match="no text layer"):
        pdf_text(bytes(pdf.output()), "scan.pdf")


# --- the samples' printed PDFs ---------------------------------------------------------------


def test_sample_pdf_reads_like_the_document_it_prints() -> None:
    templates = TemplateSet.load([SAMPLE_TEMPLATES])
    inv = read_document((SAMPLES / "inbox" / "0056-pdf-printed-held.pdf").read_bytes(), "0056", templates)
    assert inv.format == "pdf-text" and inv.template == "dk.kursuscentret-eksempel"
    assert inv.number == "KC-2026-0396" and inv.issue_date == date(2026, 4, 26)
    assert inv.seller.vat_id == "DK91206676" and inv.buyer.endpoint is not None
    assert inv.buyer.endpoint.value == "5798000999015"
    assert (inv.person_reference, inv.order_reference) == ("MOLA", "PO-2026-0053")
    assert (inv.totals.tax_exclusive, inv.totals.tax, inv.totals.payable) == (
        Decimal("3900.00"),
        Decimal("975.00"),
        Decimal("4875.00"),
    )
    assert [(pm.code, pm.branch, pm.account) for pm in inv.payment_means] == [("42", "5301", "0000456789")]
    assert [(ln.quantity, ln.price, ln.net_amount) for ln in inv.lines] == [
        (Decimal(12), Decimal("325.00"), Decimal("3900.00"))
    ]
    codes = [f.code for f in Classifier(document_level_only=True).classify(inv, Context()).findings]
    assert codes == ["PDF-TEXT"]


def test_printed_totals_that_do_not_add_up_are_held() -> None:
    templates = TemplateSet.load([SAMPLE_TEMPLATES])
    inv = read_document(
        (SAMPLES / "inbox" / "0058-pdf-printed-totals-off.pdf").read_bytes(), "0058", templates
    )
    findings = Classifier(document_level_only=True).classify(inv, Context()).findings
    totals = [f for f in findings if f.code == "PDF-TOTALS"]
    assert len(totals) == 1 and totals[0].disposition == "hold"
    assert "2600.00 + 650.00 = 3250.00" in (totals[0].found or "") and totals[0].expected == "3350.00"


def test_pdf_text_rules_ignore_e_invoices() -> None:
    inv = read_document((SAMPLES / "inbox" / "0001-peppol-clean.xml").read_bytes())
    codes = [f.code for f in Classifier(only=["intake"]).classify(inv, Context()).findings]
    assert codes == []


def test_parse_cli_reads_pdfs_with_templates_and_reports_no_match() -> None:
    code, out = invoke(
        "parse",
        "--json",
        "--pdf-templates",
        str(SAMPLE_TEMPLATES),
        str(SAMPLES / "inbox" / "0057-pdf-printed-posted.pdf"),
    )
    (first,) = (json.loads(line) for line in out.splitlines())
    assert code == 0
    assert first["format"] == "pdf-text" and first["template"] == "dk.kursuscentret-eksempel"
    assert first["totals"]["payable"] == "8125.00"
    content = (SAMPLES / "inbox" / "0059-pdf-no-template.pdf").read_bytes()
    with pytest.raises(ReadError) as info:
        TemplateSet.load([SAMPLE_TEMPLATES]).read(content, "0059")
    assert info.value.field == "keywords" and "no PDF template matches" in info.value.reason
    assert "Laboratorieudstyr Danmark A/S" in info.value.reason


def test_check_config_reports_a_broken_pdf_template(tmp_path: Path) -> None:
    cfg = (SAMPLES / "fakturarobot.yaml").read_text(encoding="utf-8")
    for name in ("customers.yaml", "vendors.yaml", "orders.yaml"):
        (tmp_path / name).write_text((SAMPLES / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "pdf-templates").mkdir()
    _template(tmp_path / "pdf-templates", "keywords: [X]\nfields:\n  amount: (\\d+\n", "bad.yml")
    (tmp_path / "fakturarobot.yaml").write_text(
        cfg.replace("schedules: ../schedules.yaml\n", ""), encoding="utf-8"
    )
    code, out = invoke("check-config", "--config", str(tmp_path / "fakturarobot.yaml"))
    assert code == 2  # check-config says so: a refused template is an error of the configuration
    assert "error: PDF template refused: " in out and "bad.yml:3" in out
    assert "not a valid regular expression" in out


def test_check_config_names_ignored_template_keys_as_warnings_and_passes(tmp_path: Path) -> None:
    cfg = (SAMPLES / "fakturarobot.yaml").read_text(encoding="utf-8")
    for name in ("customers.yaml", "vendors.yaml", "orders.yaml"):
        (tmp_path / name).write_text((SAMPLES / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "pdf-templates").mkdir()
    _template(
        tmp_path / "pdf-templates", "keywords: [X]\nfields:\n  amount: X (\\d+)\ncountry_code: DK\n", "ok.yml"
    )
    (tmp_path / "fakturarobot.yaml").write_text(
        cfg.replace("schedules: ../schedules.yaml\n", ""), encoding="utf-8"
    )
    code, out = invoke("check-config", "--config", str(tmp_path / "fakturarobot.yaml"))
    assert code == 0, out
    assert "pdf-templates: 1 PDF templates" in out
    assert "warning: " in out and "ok.yml:4: unknown key 'country_code' ignored" in out


def test_pdf_text_cli_shows_the_text_and_whether_a_template_matches() -> None:
    template = str(SAMPLE_TEMPLATES / "dk.kursuscentret-eksempel.yml")
    code, out = invoke(
        "pdf-text", str(SAMPLES / "inbox" / "0056-pdf-printed-held.pdf"), "--template", template
    )
    assert code == 0 and re.search(r"Fakturanr\.:\s+KC-2026-0396", out)
    assert "the template matches" in out
    code, out = invoke(
        "pdf-text", str(SAMPLES / "inbox" / "0059-pdf-no-template.pdf"), "--template", template
    )
    assert code == 0 and "does NOT match" in out and "CVR-nr.: 91207788" in out
    code, out = invoke("pdf-text", str(SAMPLES / "inbox" / "0001-peppol-clean.xml"))
    assert code == 1 and "cannot be extracted" in out


def test_an_oversized_pdf_is_refused_unread() -> None:
    from robot.readers.pdf import MAX_PDF_BYTES

    content = b"%PDF-1.7\n" + b"0" * MAX_PDF_BYTES
    with pytest.raises(ReadError, match="more than the limit of 52,428,800 bytes") as info:
        read_document(content, "huge.pdf", TemplateSet([]))
    assert info.value.file == "huge.pdf"


def test_tables_take_named_groups_typed_by_name_as_in_invoice2data(tmp_path: Path) -> None:
    template = BASE + (
        "fields:\n  invoice_number: Faktura (\\d+)\n"
        "tables:\n  - start: Oversigt\n    end: Slut\n"
        "    body: Dato (?P<invoice_date>\\S+) Beløb (?P<amount>\\S+) Ref (?P<ref>\\S+)\n"
    )
    text = TEXT.replace("I alt 1.350,00\n", "Oversigt\nDato 01-02-2026 Beløb 1.250,00 Ref X-9\nSlut\n")
    fields = _extract(
        tmp_path, template.replace("keywords:", "required_fields: [invoice_number]\nkeywords:"), text
    )
    assert fields["invoice_date"] == date(2026, 2, 1)
    assert fields["amount"] == Decimal("1250.00") and fields["ref"] == "X-9"
