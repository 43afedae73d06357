"""The customer digest: one bilingual notice per customer per run, templates overridable."""

from __future__ import annotations

import email
from dataclasses import replace
from datetime import date
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import jinja2
import pytest

from classifiers.api import Context, Finding, RuleSpec
from classifiers.criteria import Customer
from classifiers.texts import amount, at_most
from connectors.eml import EmlNotifier
from robot.configuration.settings import ContactSettings, load_config
from robot.errors import ConfigError
from robot.processing.notices import ReturnedItem, build_digest, money_da, money_en
from tests.conftest import SAMPLES
from tests.support.findings import returned_finding

CUSTOMER = Customer(id="SAM", name="Styrelsen for Eksempler", notify=("kreditor@sam.dk", "leder@sam.dk"))


def _finding(field: str | None, reason: str, action: str, da: str, en: str, **more: Any) -> Finding:
    """A returning finding on ``field`` with these codes and messages; ``more`` (``found``,
    ``expected``, their Danish twins, ``line_id``, ``severity``) on top."""
    return returned_finding(
        f"TEST-{field}", field=field, reason=reason, action=action, message_da=da, message_en=en, **more
    )


ORDER = _finding(
    "BT-13",
    "REF",
    "PIN",
    "Ordrenummer mangler.",
    "Order number missing.",
    expected="PO from the purchase system",
    expected_da="PO fra indkøbssystemet",
)
TOTAL = _finding(
    "BT-112",
    "LEG",
    "NIN",
    "Totalen stemmer ikke.",
    "Total does not add up.",
    found="1250.01",
    expected="1250.00",
    found_da="1.250,01",
    expected_da="1.250,00",
)
PRICE = _finding("BT-146", "PRI", "CNP", "Prisen afviger.", "Price differs.", found="120.00", line_id="3")
WARNING = _finding(
    "BT-30", "LEG", "PIN", "CVR-kontrolciffer tvivlsomt.", "CVR check digit odd.", severity="warning"
)


#: a Danish supplier's invoice returned for a missing order number (the digest's first)
KONTOR = ReturnedItem(
    invoice_id=11,
    invoice_number="F-2025/0042",
    supplier_name="Kontor & Co <A/S>",
    supplier_cvr="12345674",
    amount=Decimal("1234.5"),
    currency="DKK",
    issue_date=date(2025, 2, 14),
    error_types=("REF",),
    findings=(ORDER, WARNING),
    invoice_response_xml=b"<ApplicationResponse>11</ApplicationResponse>",
)


def _items() -> list[ReturnedItem]:
    return [
        KONTOR,
        ReturnedItem(
            invoice_id=12,
            invoice_number="INV-9",
            supplier_name="Euro Supplies GmbH",
            supplier_cvr=None,
            amount=Decimal("1000000.005"),
            currency="EUR",
            issue_date=date(2025, 3, 1),
            error_types=("LEG", "PRI"),
            findings=(TOTAL, PRICE),
            invoice_response_xml=b"<ApplicationResponse>12</ApplicationResponse>",
        ),
    ]


def test_digest_envelope_and_attachments() -> None:
    notice = build_digest(CUSTOMER, "run-42", _items())
    assert notice.notice_key == "run-42:SAM"
    assert notice.to == ("kreditor@sam.dk", "leder@sam.dk")
    assert notice.subject == "Returnerede fakturaer (2) – Styrelsen for Eksempler / Returned invoices (2)"
    assert [(name, data, mime) for name, data, mime in notice.attachments] == [
        (
            "invoice-response-11-F-2025_0042.xml",
            b"<ApplicationResponse>11</ApplicationResponse>",
            "application/xml",
        ),
        (
            "invoice-response-12-INV-9.xml",
            b"<ApplicationResponse>12</ApplicationResponse>",
            "application/xml",
        ),
    ]


def test_digest_text_danish_then_english_with_every_detail() -> None:
    text = build_digest(CUSTOMER, "run-42", _items()).text
    danish, english = text.split("---------------------------------------------------------------- English")
    # Danish part: Danish amounts, dates, labels, field names, actions
    assert "Faktura F-2025/0042 fra Kontor & Co <A/S> (CVR 12345674)" in danish
    assert "Beløb: 1.234,50 kr." in danish
    assert "Beløb: 1.000.000,005 EUR" in danish  # the document's decimals, never rounded away
    assert "Fakturadato: 14.02.2025" in danish
    assert "Fejltype: REF Manglende eller forkert reference" in danish
    assert "Fejltype: LEG Forkerte juridiske oplysninger eller beløb; PRI Forkerte priser" in danish
    assert "Felt: BT-13 Ordrenummer" in danish
    assert "Forventet: PO fra indkøbssystemet" in danish
    assert "Felt: BT-112 Beløb inkl. moms" in danish and "Fundet: 1.250,01" in danish
    assert "Forventet: 1.250,00" in danish and "1250.0" not in danish
    assert "PO from the purchase system" not in danish and "PO fra indkøbssystemet" not in english
    assert "Felt: BT-146 Enhedspris (linje 3)" in danish
    assert "Gør dette: Bed leverandøren om en delvis kreditnota." in danish
    assert "(CVR ukendt)" in danish
    assert "CVR-kontrolciffer" not in text  # warnings do not stop an invoice and are not listed
    # English part
    assert "Invoice F-2025/0042 from Kontor & Co <A/S> (CVR 12345674)" in english
    assert "Amount: DKK 1,234.50" in english and "Amount: EUR 1,000,000.005" in english
    assert "Found: 1250.01" in english and "Expected: PO from the purchase system" in english
    assert "Issue date: 2025-02-14" in english
    assert "Error type: REF Missing or wrong reference" in english
    assert "Field: BT-13 Order number" in english
    assert "Problem: Total does not add up." in english and "Expected: 1250.00" in english
    assert "What to do: Ask the supplier for a new, correct invoice." in english
    assert "1.234,50" not in english and "DKK 1,234.50" not in danish


def test_digest_html_is_escaped_and_bilingual() -> None:
    html = build_digest(CUSTOMER, "run-42", _items()).html
    assert html is not None
    assert "Kontor &amp; Co &lt;A/S&gt;" in html
    assert "<A/S>" not in html
    assert html.index('<div lang="da">') < html.index('<div lang="en">')
    assert "<td>1.234,50 kr.</td>" in html and "<td>DKK 1,234.50</td>" in html
    assert "BT-13 Ordrenummer" in html and "BT-13 Order number" in html


def test_error_types_default_to_the_findings_reasons_and_singular_subject() -> None:
    item = ReturnedItem(5, None, None, None, None, None, None, (), (TOTAL, PRICE, TOTAL), None)
    notice = build_digest(CUSTOMER, "7", [item])
    assert notice.subject == "Returneret faktura – Styrelsen for Eksempler / Returned invoice"
    assert "Fejltype: LEG Forkerte juridiske oplysninger eller beløb; PRI Forkerte priser" in notice.text
    assert "sendt 1 faktura retur, fordi den" in notice.text
    assert "returned 1 invoice, because it" in notice.text
    assert "Faktura (uden nummer) fra (ukendt leverandør)" in notice.text
    assert "Beløb: (intet beløb)" in notice.text and "Issue date: (no date)" in notice.text
    assert notice.attachments == ()
    assert "vedhæftet" not in notice.text.split("\n\n")[1]  # no attachment promised when none is there


def test_service_centre_can_override_a_template(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text(
        "{% for i in items %}{{ i.number }}={{ i.amount_da }}|{{ i.amount_en }}\n{% endfor %}"
        "{{ 99.5 | money_da('DKK') }}",
        encoding="utf-8",
    )
    notice = build_digest(CUSTOMER, "run-1", _items(), template_dir=tmp_path)
    assert (
        notice.text
        == "F-2025/0042=1.234,50 kr.|DKK 1,234.50\nINV-9=1.000.000,005 EUR|EUR 1,000,000.005\n99,50 kr."
    )
    assert notice.html is not None and "Styrelsen for Eksempler" in notice.html  # built-in HTML still used


def test_template_typo_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text("{{ custmer.name }}", encoding="utf-8")
    with pytest.raises(jinja2.UndefinedError, match="custmer"):
        build_digest(CUSTOMER, "run-1", _items(), template_dir=tmp_path)


@pytest.mark.parametrize(
    ("amount", "currency", "da", "en"),
    [
        (Decimal("0"), "DKK", "0,00 kr.", "DKK 0.00"),
        (Decimal("0.005"), "DKK", "0,005 kr.", "DKK 0.005"),
        (Decimal("-1234.5"), "DKK", "-1.234,50 kr.", "DKK -1,234.50"),
        (Decimal("-0.50"), "DKK", "-0,50 kr.", "DKK -0.50"),
        (Decimal("999.994"), "SEK", "999,994 SEK", "SEK 999.994"),
        (Decimal("1234567.891"), None, "1.234.567,891 kr.", "DKK 1,234,567.891"),
        (Decimal("22650.0000"), "DKK", "22.650,00 kr.", "DKK 22,650.00"),  # a store's padding
        (Decimal("9475.00"), "DKK", "9.475,00 kr.", "DKK 9,475.00"),
    ],
)
def test_money_formats(amount: Decimal, currency: str | None, da: str, en: str) -> None:
    assert money_da(amount, currency) == da
    assert money_en(amount, currency) == en


def test_digest_through_the_eml_notifier(tmp_path: Path) -> None:
    notice = build_digest(CUSTOMER, "run-42", _items())
    EmlNotifier(tmp_path, from_address="kreditor@sa.dk").send(notice)
    msg = email.message_from_bytes((tmp_path / "run-42_SAM.eml").read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    body = msg.get_body(("plain",))
    assert body is not None and "Beløb: 1.234,50 kr." in body.get_content()
    assert [a.get_filename() for a in msg.iter_attachments()] == [
        "invoice-response-11-F-2025_0042.xml",
        "invoice-response-12-INV-9.xml",
    ]


def test_supplier_text_cannot_fake_lines_or_reorder_the_digest() -> None:
    evil = replace(
        KONTOR,
        invoice_id=13,
        invoice_number="F-13\r\nBeløb: 0,00 kr.",
        supplier_name="Kontor A/S\r\nTotal: 0 DKK\u202e gnidlohkrow\u2066",
        supplier_cvr="12345674\u200f",
        amount=Decimal("500"),
        findings=(_finding("BT-13", "REF", "PIN", "Mangler.", "Missing.", found="x\nFundet: intet\x1b[2J"),),
        invoice_response_xml=None,
    )
    notice = build_digest(CUSTOMER, "run-42", [evil])
    lines = [line.strip() for line in notice.text.splitlines()]
    assert not any(line.startswith(("Total: 0 DKK", "Beløb: 0,00", "Fundet: intet")) for line in lines)
    assert "1. Faktura F-13 Beløb: 0,00 kr. fra Kontor A/S Total: 0 DKK gnidlohkrow (CVR 12345674)" in lines
    assert html_and_text_are_clean(notice.text) and notice.html is not None
    assert html_and_text_are_clean(notice.html)
    assert "Kontor A/S Total: 0 DKK gnidlohkrow" in notice.html


def html_and_text_are_clean(text: str) -> bool:
    bidi = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    controls = {chr(c) for c in range(0x20) if chr(c) != "\n"} | {chr(c) for c in range(0x7F, 0xA0)}
    return not any(c in text for c in bidi) and not any(c in text for c in controls)


def test_digest_key_names_the_store() -> None:
    notice = build_digest(CUSTOMER, "42", _items(), store_id="0b5c1f7e-store")
    assert notice.notice_key == "0b5c1f7e-store:42:SAM"


def test_contact_signs_the_digest_in_both_languages_and_is_validated(tmp_path: Path) -> None:
    contact = ContactSettings(name="Kreditorteamet, SA", email="kreditor@sa.dk", phone="+45 33 92 80 00")
    notice = build_digest(CUSTOMER, "run-42", _items(), contact=contact)
    danish, english = notice.text.split(
        "---------------------------------------------------------------- English"
    )
    assert (
        "Spørgsmål til fakturaerne: Kreditorteamet, SA, e-mail kreditor@sa.dk, telefon +45 33 92 80 00."
        in danish
    )
    assert "Venlig hilsen\nKreditorteamet, SA\n" in danish and "telephone" not in danish
    assert "Questions about these invoices: Kreditorteamet, SA, e-mail kreditor@sa.dk, telephone" in english
    assert "Kind regards\nKreditorteamet, SA\n" in english and "telefon" not in english
    assert notice.html is not None and notice.html.count('href="mailto:kreditor@sa.dk"') == 2
    without = build_digest(CUSTOMER, "run-42", _items())
    assert "Spørgsmål" not in without.text and "Kreditorteamet (fakturarobot)" in without.text

    config = tmp_path / "fakturarobot.yaml"
    text = (SAMPLES / "fakturarobot.yaml").read_text(encoding="utf-8")
    config.write_text(
        text.split("\ncontact:")[0] + '\ncontact:\n  name: Kreditorteamet\n  email: "kreditor at sa"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as refused:
        load_config(config)
    assert refused.value.line is not None and "email" in str(refused.value)
    good = text.split("\ncontact:")[0] + "\ncontact: {name: Kreditorteamet, email: kreditor@sa.dk}\n"
    config.write_text(good, encoding="utf-8")
    assert load_config(config).cfg.contact == ContactSettings(name="Kreditorteamet", email="kreditor@sa.dk")


def test_found_and_expected_from_a_rule_reach_each_part_in_its_language() -> None:
    spec = RuleSpec(
        code="TEST-LIMIT",
        func=lambda inv, ctx: None,
        official_ids=(),
        disposition="return",
        severity="error",
        status="RE",
        reason="PRI",
        action="CNP",
        field="BT-146",
        description="test",
        family="test",
    )
    ctx = Context(rule=spec)
    finding = ctx.finding(
        da="Prisen er for høj.",
        en="The price is too high.",
        found=Decimal("12.345"),
        expected=at_most(amount(Decimal("22650.0000"))),
    )
    assert (finding.found, finding.found_da) == ("12.345", "12,345")
    assert (finding.expected, finding.expected_da) == ("at most 22650.00", "højst 22.650,00")
    item = ReturnedItem(1, "F-1", "A/S", "12345674", Decimal("10"), "DKK", date(2025, 1, 2), (), (finding,))
    danish, english = build_digest(CUSTOMER, "1", [item]).text.split(
        "---------------------------------------------------------------- English"
    )
    assert "Fundet: 12,345\n" in danish and "Forventet: højst 22.650,00\n" in danish
    assert "Found: 12.345\n" in english and "Expected: at most 22650.00\n" in english
    html = build_digest(CUSTOMER, "1", [item]).html or ""
    assert "<td>højst 22.650,00</td>" in html and "<td>at most 22650.00</td>" in html
