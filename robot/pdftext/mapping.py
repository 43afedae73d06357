"""The fields a template extracted, onto the canonical invoice model.

Field names are invoice2data's, plus the Danish ones a Danish invoice prints (``cvr``, ``ean``,
``fik``, ``bank_reg``/``bank_account``, ``person_reference``). Only what the PDF printed is set:
a value the template did not find stays a gap for the rules to report. The one derived value is
the VAT breakdown of a single-rate invoice, and only when the printed amounts prove the rate.
The full list is in ``docs/pdf-templates.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from robot.errors import ReadError
from robot.model import (
    Address,
    Contact,
    DocumentType,
    Evidence,
    Identifier,
    Invoice,
    Line,
    Party,
    PaymentMeans,
    SourceFormat,
    Totals,
    VatBreakdown,
)
from robot.readers.fieldlimits import NUMBER_EXPECTED, PDF_TEXT, check_invoice, decimal_problem, quote

CENT = Decimal("0.01")
UNITS = {
    "stk": "H87", "stk.": "H87", "stück": "H87", "st.": "H87", "pcs": "H87", "pc": "H87", "piece": "H87",
    "ea": "EA", "each": "EA", "timer": "HUR", "time": "HUR", "t": "HUR", "h": "HUR", "hour": "HUR",
    "hours": "HUR", "std.": "HUR", "stunde": "HUR", "kg": "KGM", "l": "LTR", "liter": "LTR", "m": "MTR",
    "m2": "MTK", "m²": "MTK", "km": "KMT", "dag": "DAY", "dage": "DAY", "day": "DAY", "md.": "MON",
    "måned": "MON", "month": "MON", "pk": "PK", "pk.": "PK", "pakke": "PK", "sæt": "SET", "set": "SET",
}  # fmt: skip
_FIK = re.compile(r"\+?(?P<card>71|73|75)<(?P<pid>[0-9]*)\+(?P<creditor>[0-9]{8})<")
_NOT_DIGIT = re.compile(r"[^0-9]")  # not \D: \d also matches full-width and other Unicode digits


#: The fields read as amounts, and the line fields read as numbers: an untyped value of one of them
#: is read with the template's decimal separator (``extract``), strictly, like a typed one.
NUMBER_KEYS = frozenset(
    {"amount", "amount_untaxed", "amount_tax", "vat_amount", "amount_allowances", "amount_charges"}
    | {"amount_line_total", "amount_total", "amount_prepaid"}
)
LINE_NUMBER_KEYS = frozenset(
    {"qty", "quantity", "amount", "total_net", "price_subtotal", "line_amount", "price", "price_unit"}
    | {"unit_price", "unit_net"}
)
#: Every field the invoice is built from (a field outside it may find several values, as a list).
READ_KEYS = NUMBER_KEYS | frozenset(
    {"invoice_number", "date", "date_due", "delivery_date", "date_start", "currency", "document_type"}
    | {"person_reference", "buyer_reference", "purchase_order_id", "order_reference"}
    | {"customer_order_number", "accounting_cost", "note", "narration", "partner_name", "issuer", "cvr"}
    | {"vat", "vatin", "partner_vat", "partner_coc", "siren", "seller_ean", "partner_street"}
    | {"partner_city", "partner_zip", "country_code", "partner_email", "telephone", "ean", "buyer_ean"}
    | {"buyer_name", "fik", "iban", "IBAN", "bic", "BIC", "bank_reg", "bank_account", "payment_terms"}
    | {"vat_rate"}
)
_MODEL_FIELD = {"date": "issue_date", "date_due": "due_date", "delivery_date": "delivery_date"}


def to_invoice(fields: Mapping[str, Any], template: str) -> Invoice:
    """An :class:`Invoice` (format ``pdf-text``) from one template's extracted fields.

    A value over its input limit is a ReadError (:mod:`robot.readers.fieldlimits`).
    """
    f = dict(fields)
    amount = _money(f, "amount")
    credit = str(f.get("document_type", "")).lower() in ("credit_note", "creditnote", "381")
    inv = Invoice(
        format=SourceFormat.PDF_TEXT,
        document_type=DocumentType.CREDIT_NOTE if credit else DocumentType.INVOICE,
        number=_text(f, "invoice_number"),
        type_code="381" if credit else "380",
        issue_date=_date(f, "date"),
        due_date=_date(f, "date_due"),
        currency=_text(f, "currency"),
        buyer_reference=_text(f, "person_reference", "buyer_reference"),
        order_reference=_text(f, "purchase_order_id", "order_reference", "customer_order_number"),
        accounting_cost=_text(f, "accounting_cost"),
        seller=_seller(f),
        buyer=_buyer(f),
        payment_means=_payment_means(f),
        payment_terms=_text(f, "payment_terms"),
        delivery_date=_date(f, "delivery_date", "date_start"),
        template=template,
    )
    inv.notes = [n for n in (_text(f, "note"), _text(f, "narration")) if n]
    inv.lines = _lines(f.get("lines") or [], inv.notes)
    inv.evidence = [
        Evidence(field=_MODEL_FIELD.get(name, name), value="", text=text, confidence=0.0)
        for name, text, _why in f.get("_dropped") or []
    ]
    untaxed, tax = _money(f, "amount_untaxed"), _money(f, "amount_tax", "vat_amount")
    allowances, charges = _money(f, "amount_allowances"), _money(f, "amount_charges")
    line_total = _money(f, "amount_line_total")
    if line_total is None and not allowances and not charges:
        line_total = untaxed
    inv.totals = Totals(
        line_extension=line_total,
        allowances=abs(allowances) if allowances is not None else None,
        charges=charges,
        tax_exclusive=untaxed,
        tax=tax,
        tax_inclusive=_money(f, "amount_total") or amount,
        prepaid=abs(p) if (p := _money(f, "amount_prepaid")) is not None else None,
        payable=amount,
    )
    inv.vat_breakdown = _vat(f, inv.lines, untaxed, tax)
    if len(inv.vat_breakdown) == 1:  # a single-rate invoice: its lines carry that rate
        only = inv.vat_breakdown[0]
        for line in inv.lines:
            if line.vat_rate is None:
                line.vat_rate, line.vat_category = only.rate, only.category
    return check_invoice(inv, PDF_TEXT)


def _text(f: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = f.get(key)
        if value is not None and str(value).strip():
            return " ".join(str(value).split())
    return None


def _money(f: Mapping[str, Any], *keys: str, line: bool = False) -> Decimal | None:
    """The first of ``keys`` holding a number; a value left as text means the template lacks a type."""
    for key in keys:
        value = f.get(key)
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            number = Decimal(str(value))
            problem = decimal_problem(number)  # a sum of printed amounts (group: sum) may not fit
            if problem is not None:
                name = f"lines.{key}" if line else key
                shown = f"{number:f}" if number.is_finite() else str(value)
                raise ReadError(f"{name} {quote(shown)} {problem}", field=name, expected=NUMBER_EXPECTED)
            return number
        if isinstance(value, str) and value.strip():
            raise ReadError(
                f"{'line ' if line else ''}{key} '{value}' was extracted as text",
                field=f"lines.{key}" if line else key,
                expected=f"'{key}: float' under the lines parser's types"
                if line
                else f"'type: float' on fields.{key}, or a field name starting with 'amount'",
            )
    return None


def _date(f: Mapping[str, Any], *keys: str) -> date | None:
    for key in keys:
        value = f.get(key)
        if isinstance(value, date):
            return value
    return None


def _seller(f: Mapping[str, Any]) -> Party:
    cvr = _NOT_DIGIT.sub("", _text(f, "cvr") or "")
    vat = _text(f, "vat", "vatin", "partner_vat")
    party = Party(
        name=_text(f, "partner_name", "issuer"),
        legal_id=Identifier(cvr, "0184") if cvr else _ident(_text(f, "partner_coc", "siren")),
        vat_id=vat.replace(" ", "") if vat else (f"DK{cvr}" if cvr else None),
        endpoint=Identifier(_text(f, "seller_ean") or "", "0088") if _text(f, "seller_ean") else None,
    )
    if any(f.get(k) for k in ("partner_street", "partner_city", "partner_zip", "country_code")):
        party.address = Address(
            street=_text(f, "partner_street"),
            city=_text(f, "partner_city"),
            postal_code=_text(f, "partner_zip"),
            country=_text(f, "country_code"),
        )
    if any(f.get(k) for k in ("partner_email", "telephone")):
        party.contact = Contact(email=_text(f, "partner_email"), phone=_text(f, "telephone"))
    return party


def _buyer(f: Mapping[str, Any]) -> Party:
    ean = _NOT_DIGIT.sub("", _text(f, "ean", "buyer_ean") or "")
    party = Party(name=_text(f, "buyer_name"), endpoint=Identifier(ean, "0088") if ean else None)
    person = _text(f, "person_reference", "buyer_reference")
    if person:
        party.contact = Contact(id=person)
    return party


def _ident(value: str | None) -> Identifier | None:
    return Identifier(value) if value else None


def _payment_means(f: Mapping[str, Any]) -> list[PaymentMeans]:
    means: list[PaymentMeans] = []
    fik = _text(f, "fik")
    if fik:
        m = _FIK.search(fik.replace(" ", ""))
        if m is None:
            raise ReadError(
                f"fik '{fik}' is not a FIK payment line",
                field="fik",
                expected="+71<payment id+8-digit creditor number< (also 73, 75)",
            )
        pid = f"{m['card']}#{m['pid']}" if m["pid"] else f"{m['card']}#"
        means.append(
            PaymentMeans(code="93", payment_id=pid, account=m["creditor"], creditor_account=m["creditor"])
        )
    iban = _text(f, "iban", "IBAN")
    if iban:
        bic = _text(f, "bic", "BIC")
        means.append(PaymentMeans(code="58", account=iban.replace(" ", ""), branch=bic))
    reg, account = _text(f, "bank_reg"), _text(f, "bank_account")
    if reg or account:
        digits = _NOT_DIGIT.sub("", account or "")
        means.append(
            PaymentMeans(code="42", account=digits or None, branch=_NOT_DIGIT.sub("", reg or "") or None)
        )
    return means


def _lines(rows: list[Any], notes: list[str]) -> list[Line]:
    """The invoice lines; a row holding nothing but a ``line_note`` is the note of the line above
    (of the invoice before the first line), never an empty line."""
    lines: list[Line] = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        note = _text(row, "line_note")
        if note is not None and not any(_text(row, k) for k in row if k != "line_note"):
            if lines:
                lines[-1].note = f"{lines[-1].note}\n{note}" if lines[-1].note else note
            else:
                notes.append(note)
            continue
        lines.append(_line(len(lines) + 1, row))
    return lines


def _line(index: int, row: Mapping[str, Any]) -> Line:
    unit = _text(row, "unit", "uom")
    rate = row.get("vat_rate", row.get("line_tax_percent"))
    vat_rate = _rate(rate)
    return Line(
        id=_text(row, "pos", "id", "line_id") or str(index),
        quantity=_money(row, "qty", "quantity", line=True),
        unit=UNITS.get(unit.lower(), unit) if unit else None,
        net_amount=_money(row, "amount", "total_net", "price_subtotal", "line_amount", line=True),
        price=_money(row, "price", "price_unit", "unit_price", "unit_net", line=True),
        item_name=_text(row, "name", "description", "desc", "product"),
        seller_item_id=_text(row, "code", "item_id", "sku"),
        vat_rate=vat_rate,
        vat_category=_category(vat_rate),
        note=_text(row, "line_note"),
    )


def _rate(value: object) -> Decimal | None:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]+(?:[.,][0-9]+)?\s*%?\s*", value):
        return Decimal(value.strip().rstrip("%").strip().replace(",", "."))
    return None


def _category(rate: Decimal | None) -> str | None:
    """Standard rate (S) for a positive rate; a 0 % rate does not say which exemption applies."""
    return "S" if rate is not None and rate > 0 else None


def _vat(
    f: Mapping[str, Any], lines: list[Line], untaxed: Decimal | None, tax: Decimal | None
) -> list[VatBreakdown]:
    """One breakdown for a single-rate invoice: the printed rate, the lines' rate, or a proven one."""
    rate = _rate(f.get("vat_rate"))
    rates = {ln.vat_rate for ln in lines if ln.vat_rate is not None}
    if rate is None and len(rates) == 1:
        rate = rates.pop()
    if rate is None and untaxed and tax is not None:
        for candidate in (Decimal(25), Decimal(0)):
            if (untaxed * candidate / 100).quantize(CENT) == tax:
                rate = candidate
    if rate is None or untaxed is None:
        return []
    return [VatBreakdown(category=_category(rate), rate=rate, taxable_amount=untaxed, tax_amount=tax)]
