"""invoice2data template compatibility (issue 15): each defect seen with its public templates.

Each test fails on the code before this change (947a366's parent) and passes now: a broken
template blocked the folder, ``remove_accents: [True]`` was refused, ``.json`` templates were never
loaded, a keyword with a space never matched after ``remove_whitespace``, ``area`` was ignored,
untyped line values were fatal, ``line_note`` rows were lost, dates such as ``August 3 , 2014``,
``1er Juillet 2015`` and ``03/20/2023`` were refused and one optional date failed the document.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from robot.errors import ReadError
from robot.pdftext import Template, TemplateSet
from robot.pdftext.area import area_reader
from robot.pdftext.dates import parse_date
from robot.pdftext.mapping import to_invoice
from robot.pdftext.printed import read_printed

HEAD = "issuer: Leverandør A/S\nkeywords: ['CVR 12345674']\n"
FIELDS = "fields:\n  invoice_number: Faktura (\\d+)\n  date: Dato (\\S+)\n  amount: I alt (\\S+)\n"
TEXT = "Leverandør A/S CVR 12345674\nFaktura 77\nDato 01.02.2026\nI alt 1.250,00\n"
DANISH = "options: {decimal_separator: ',', date_formats: ['%d.%m.%Y']}\n"
"""The options of a Danish template: decimal comma, day.month.year."""
LINES = "  lines:\n    parser: lines\n    start: Varer\n    end: I alt\n"
"""A lines field from "Varer" to "I alt" (its ``line`` pattern follows)."""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _template(folder: Path, more_fields: str = "", options: str = DANISH) -> Path:
    """``t.yml`` in ``folder``: :data:`HEAD` and :data:`FIELDS`, ``more_fields``, then ``options``."""
    return _write(folder, "t.yml", HEAD + FIELDS + more_fields + options)


def _read(path: Path, text: str) -> dict[str, object]:
    template = Template.load(path)
    prepared = template.prepare(text)
    assert template.matches(prepared, text)
    return template.extract(prepared)


def test_remove_accents_as_a_list_is_read_as_invoice2data_reads_it(tmp_path: Path) -> None:
    path = _template(tmp_path, options="options:\n  decimal_separator: ','\n  remove_accents:\n    - True\n")
    template = Template.load(path)
    assert template.spec.options.remove_accents is True
    assert template.prepare("Beløb café Åbenrå") == "Beløb cafe Abenra"  # ø stays: it has no accent


def test_json_templates_load_with_lines_for_their_messages(tmp_path: Path) -> None:
    spec = {
        "issuer": "Leverandør A/S",
        "keywords": ["CVR 12345674"],
        "fields": {"invoice_number": "Faktura (\\d+)", "date": "Dato (\\S+)", "amount": "I alt (\\S+)"},
        "options": {"decimal_separator": ",", "priority": 4},
    }
    _write(tmp_path, "dk.json-leverandoer.json", json.dumps(spec, indent=2))
    templates = TemplateSet.load([tmp_path])
    assert [t.name for t in templates.templates] == ["dk.json-leverandoer"]
    assert [str(w).split(": ", 1)[1] for w in templates.warnings] == [
        "unknown key 'priority' in options ignored (invoice2data ignores it too)"
    ]
    assert templates.warnings[0].line == 13
    found = templates.match(TEXT)
    assert found is not None and found[0].extract(found[1])["amount"] == Decimal("1250.00")
    _write(tmp_path, "broken.json", '{"keywords": ["X"],\n "fields": }')
    problems = TemplateSet.load([tmp_path]).problems
    assert [(Path(p.file or "").name, p.line) for p in problems] == [("broken.json", 2)]


def test_a_keyword_with_a_space_matches_when_remove_whitespace_is_set(tmp_path: Path) -> None:
    """invoice2data looks for keywords, as plain text, in the text before the options."""
    path = _write(
        tmp_path,
        "t.yml",
        "issuer: WS Retail\nkeywords: ['WS Retail', 'Total (EUR)']\nexclude_keywords: ['Credit note']\n"
        "fields:\n  invoice_number: Invoice(\\d+)\n  date: Date(\\S+)\n  amount: Total\\(EUR\\)(\\S+)\n"
        "options: {remove_whitespace: true, date_formats: ['%d.%m.%Y']}\n",
    )
    text = "WS Retail Services\nInvoice 12\nDate 01.02.2026\nTotal (EUR) 99.50\n"
    fields = _read(path, text)
    assert (fields["invoice_number"], fields["amount"]) == ("12", Decimal("99.50"))
    template = Template.load(path)
    assert not template.matches(template.prepare(text + "Credit note\n"), text + "Credit note\n")


def test_regex_keywords_of_older_templates_still_match(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.yml", "keywords: ['(?i)leverand.r', 'CVR\\s+12345674']\n" + FIELDS)
    template = Template.load(path)
    assert template.matches(template.prepare(TEXT), TEXT)
    assert not template.matches(template.prepare(TEXT.replace("CVR", "VAT")), TEXT.replace("CVR", "VAT"))


def _two_totals_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for y, line in (
        (60, "Faktura 77"),
        (80, "Dato 01.02.2026"),
        (100, "I alt 1.250,00"),
        (700, "I alt 9.999,00"),
    ):
        pdf.text(50, y, line)
    pdf.text(50, 720, "CVR 12345674")
    return bytes(pdf.output())


def test_area_reads_only_the_box_it_names(tmp_path: Path) -> None:
    """invoice2data crops the page for a field with an area; the robot ignored it."""
    area = "    area: {f: 1, l: 1, r: 72, x: 0, y: 40, W: 595, H: 100}\n"
    path = _write(
        tmp_path,
        "t.yml",
        HEAD + "fields:\n  invoice_number: Faktura (\\d+)\n  date: Dato (\\S+)\n"
        "  amount:\n    parser: regex\n    regex: I alt (\\S+)\n    type: float\n" + area + DANISH,
    )
    content = _two_totals_pdf()
    templates = TemplateSet.load([tmp_path])
    invoice = templates.read(content, "two.pdf")
    assert invoice.totals.payable == Decimal("1250.00")
    assert read_printed(content, "two.pdf", templates).totals.payable == Decimal("1250.00")  # a run's path
    in_pixels = area.replace("r: 72, x: 0, y: 40, W: 595, H: 100", "r: 144, x: 0, y: 80, W: 1190, H: 200")
    assert Template.load(_write(tmp_path, "t.yml", path.read_text().replace(area, in_pixels))).spec.fields
    assert TemplateSet.load([tmp_path]).read(content, "two.pdf").totals.payable == Decimal("1250.00")
    template = TemplateSet.load([tmp_path]).templates[0]
    reader = area_reader(content)
    outside = template.spec.fields["amount"].area
    assert outside is not None and "9.999,00" not in reader(outside)
    no_area = Template.load(_write(tmp_path, "t.yml", path.read_text().replace(in_pixels, "")))
    with pytest.raises(ReadError, match=r"found 2 different values: '1250\.00', '9999\.00'"):
        TemplateSet([no_area]).read(content, "two.pdf")  # what the robot did with the area ignored


def test_untyped_line_values_are_read_with_the_templates_decimal_separator(tmp_path: Path) -> None:
    path = _template(
        tmp_path,
        LINES + "    line: ^(?P<name>\\D+?)\\s+(?P<qty>\\d+)\\s+(?P<price_unit>[\\d.,]+)"
        "\\s+(?P<price_subtotal>[\\d.,]+)$\n",
    )
    text = TEXT.replace("I alt", "Varer\nKuglepen 100 0,01 1,00\nPapir 2 1.124,50 2.249,00\nI alt")
    fields = _read(path, text)
    invoice = to_invoice(fields, "t")
    assert [(ln.item_name, ln.quantity, ln.price, ln.net_amount) for ln in invoice.lines] == [
        ("Kuglepen", Decimal(100), Decimal("0.01"), Decimal("1.00")),
        ("Papir", Decimal(2), Decimal("1124.50"), Decimal("2249.00")),
    ]
    with pytest.raises(ReadError, match="is not a number with decimal separator ','"):
        _read(path, text.replace("0,01", "0.01"))  # money stays strict


def test_line_note_rows_become_the_note_of_their_line(tmp_path: Path) -> None:
    path = _template(
        tmp_path,
        LINES + "    line:\n      - ^(?P<name>\\D+?)\\s+(?P<price_subtotal>[\\d.,]+)$\n"
        "      - '^Serienummer: (?P<line_note>.+)$'\n"
        "    types: {price_subtotal: float}\n",
    )
    text = TEXT.replace(
        "I alt", "Varer\nSerienummer: S-0\nSkærm 1.000,00\nSerienummer: S-1\nSerienummer: S-2\nI alt"
    )
    invoice = to_invoice(_read(path, text), "t")
    assert [(ln.item_name, ln.net_amount, ln.note) for ln in invoice.lines] == [
        ("Skærm", Decimal("1000.00"), "S-1\nS-2")
    ]
    assert invoice.notes == ["S-0"]  # a note before the first line belongs to the invoice


@pytest.mark.parametrize(
    ("text", "languages", "expected"),
    [
        ("August 3 , 2014", (), date(2014, 8, 3)),
        ("1er Juillet 2015", (), date(2015, 7, 1)),
        ("03/20/2023", (), date(2023, 3, 20)),
        ("20/03/2023", (), date(2023, 3, 20)),
        ("3. März 2024", (), date(2024, 3, 3)),
        ("17 december 2024", (), date(2024, 12, 17)),
        ("7. maj 2025", (), date(2025, 5, 7)),
        ("dinsdag 3 september 2024", ("nl",), date(2024, 9, 3)),
        ("03/04/2023", ("da",), date(2023, 4, 3)),  # Danish writes the day first
        ("05/05/2023", (), date(2023, 5, 5)),
        ("03/20/2023 14:05", (), date(2023, 3, 20)),  # a receipt's time of day
    ],
)
def test_dates_as_forgiving_as_dateparser(text: str, languages: tuple[str, ...], expected: date) -> None:
    assert parse_date(text, [], "date", languages) == expected


@pytest.mark.parametrize("text", ["03/04/2023", "03-04-2023", "August 2014", "2 days ago", "yesterday"])
def test_ambiguous_or_partial_dates_are_refused_not_guessed(text: str) -> None:
    with pytest.raises(ReadError) as info:
        parse_date(text, [], "date")
    assert info.value.field == "date" and "options.date_formats" in (info.value.expected or "")


def test_an_optional_date_that_fails_is_left_out_and_the_document_is_read(tmp_path: Path) -> None:
    path = _template(tmp_path, "  date_due: Forfald (\\S+)\n")
    fields = _read(path, TEXT + "Forfald 03/04/2026\n")
    assert "date_due" not in fields and fields["date"] == date(2026, 2, 1)
    invoice = to_invoice(fields, "t")
    assert invoice.due_date is None and invoice.issue_date == date(2026, 2, 1)
    assert [(e.field, e.text, e.confidence) for e in invoice.evidence] == [("due_date", "03/04/2026", 0.0)]
    with pytest.raises(ReadError, match=r"date '31\.02\.2026' is not a date"):
        _read(path, TEXT.replace("01.02.2026", "31.02.2026"))  # the required one stays strict


def test_a_broken_template_does_not_stop_the_others_from_matching(tmp_path: Path) -> None:
    _write(tmp_path, "a-broken.yml", "keywords: [CVR]\nfields:\n  amount: (\\d+\n")
    _write(tmp_path, "b-good.yml", HEAD + FIELDS + DANISH)
    templates = TemplateSet.load([tmp_path])
    found = templates.match(TEXT)
    assert found is not None and found[0].name == "b-good"
    assert [Path(p.file or "").name for p in templates.problems] == ["a-broken.yml"]


def test_templates_are_cached_on_disk_by_path_mtime_and_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from robot.pdftext import loading

    monkeypatch.setenv(loading.CACHE_ENV, str(tmp_path / "cache"))
    folder = tmp_path / "templates"
    folder.mkdir()
    good = _write(folder, "good.yml", HEAD + FIELDS + "options: {decimal_separator: ',', typo: 1}\n")
    _write(folder, "bad.yml", "keywords: [X]\nfields:\n  amount: (\\d+\n")
    first = TemplateSet.load([folder])
    (cache_file,) = (tmp_path / "cache").iterdir()
    loading._cache.clear()  # as a new process: only the file on disk
    second = TemplateSet.load([folder])
    assert [t.spec for t in second.templates] == [t.spec for t in first.templates]
    assert [str(p) for p in second.problems] == [str(p) for p in first.problems]
    assert [str(w) for w in second.warnings] == [str(w) for w in first.warnings] and second.warnings
    good.write_text(HEAD + FIELDS.replace("Faktura", "Fakturanr.") + "options: {decimal_separator: ','}\n")
    loading._cache.clear()
    third = TemplateSet.load([folder])
    assert third.templates[0].spec.fields != first.templates[0].spec.fields  # changed: read again
    cache_file.write_text("not json")
    loading._cache.clear()
    assert len(TemplateSet.load([folder])) == 1  # a broken cache is ignored


def test_a_template_set_pickles_to_the_reader_sandbox_unchanged(tmp_path: Path) -> None:
    import pickle

    _write(tmp_path, "a.yml", HEAD + FIELDS + "options: {decimal_separator: ',', typo: 1}\n")
    _write(tmp_path, "b.yml", HEAD + FIELDS + "  static_date_start: 2023-03-01\n")  # a YAML date
    _write(tmp_path, "c.yml", "keywords: [X]\nfields:\n  amount: (\\d+\n")
    templates = TemplateSet.load([tmp_path])
    again = pickle.loads(pickle.dumps(templates))
    assert [(t.name, t.path, t.spec) for t in again.templates] == [
        (t.name, t.path, t.spec) for t in templates.templates
    ]
    assert again.templates[1].spec.fields["static_date_start"].value == date(2023, 3, 1)
    assert [(str(w), w.line) for w in again.warnings] == [(str(w), w.line) for w in templates.warnings]
    assert [(str(p), p.file, p.line) for p in again.problems] == [
        (str(p), p.file, p.line) for p in templates.problems
    ]


def test_what_invoice2data_skips_at_extraction_is_a_warning_not_a_refusal(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "t.yml",
        HEAD + FIELDS + "  partner_name:\n    regex: (Leverandør)\n"
        "  note:\n    parser: regex\n    regex: (x)\n    group: median\n"
        "  other:\n    parser: ocr\n"
        "options: {decimal_separator: ',', date_formats: ['%d.%m.%Y'], currency: null, languages: da}\n",
    )
    template = Template.load(path)
    assert [w.line for w in template.warnings] == [7, 12, 14]
    assert set(template.spec.fields) == {"invoice_number", "date", "amount"}
    assert template.spec.options.languages == ["da"] and template.spec.options.currency is None


def test_an_untyped_amount_field_is_read_with_the_decimal_separator(tmp_path: Path) -> None:
    path = _template(tmp_path, "  amount_tax:\n    parser: regex\n    regex: Moms (\\S+)\n")
    fields = _read(path, TEXT + "Moms 250,00\n")
    assert fields["amount_tax"] == Decimal("250.00")
    assert to_invoice(fields, "t").totals.tax == Decimal("250.00")
