"""The customer digest: one e-mail per customer per run listing every invoice returned to it.

For each invoice it says which invoice (number, supplier and CVR, amount, date), the error type
(reason code with a Danish and English label) and, for each blocking finding, the field (BT id and
its name), what was found and what to do. Danish first, then English, in the same mail; each
invoice's Invoice Response XML is attached. The texts come from Jinja2 templates
(``robot/processing/templates/digest.txt.j2`` and ``digest.html.j2``); a service centre can point
``template_dir`` at its own folder holding files of the same names::

    >>> from classifiers.criteria import Customer
    >>> item = ReturnedItem(7, "F-1", "Kontor A/S", "12345674", Decimal("1234.5"), "DKK",
    ...                     date(2025, 2, 14), ("REF",), ())
    >>> notice = build_digest(Customer(id="SAM", name="Styrelsen", notify=("k@sam.dk",)), "42", [item])
    >>> notice.notice_key, "1.234,50 kr." in notice.text, "DKK 1,234.50" in notice.text
    ('42:SAM', True, True)

The run passes the store's id, so the key is ``<store-id>:<run>:<customer>`` (unique across stores).

Every text that comes from a document (supplier name, numbers, what a finding found) passes
:func:`notice_text` before either template sees it: control characters (CR, LF, TAB, the other C0
and C1 controls, U+2028/U+2029) become a space, and the invisible direction marks and overrides
(U+200E/U+200F, U+061C, U+202A–U+202E, U+2066–U+2069) are removed, so a supplier cannot start a
fake line or reorder what the customer reads. The HTML template is autoescaped by Jinja2 as well.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from classifiers import texts
from classifiers.api import Finding
from classifiers.criteria import Customer
from connectors.base import OutgoingNotice
from robot.codes import Action, Reason
from robot.configuration.settings import ContactSettings

TEMPLATES = Path(__file__).with_name("templates")

_LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def notice_text(value: str | None) -> str | None:
    r"""Document text made safe for a notice: controls → one space, direction overrides removed.

    >>> notice_text("Evil A/S\r\nTotal: 0 DKK\u202e")
    'Evil A/S Total: 0 DKK'
    """
    if value is None:
        return None
    return _LINE_BREAKING.sub(" ", _BIDI.sub("", value))


#: OPStatusReason codes → (Danish, English) labels of the error type (from robot.codes).
REASON_LABELS: dict[str, tuple[str, str]] = {r: (r.da, r.en) for r in Reason}

#: OPStatusAction codes → what the customer should do (Danish, English), from robot.codes.
ACTION_LABELS: dict[str, tuple[str, str]] = {a: (a.da, a.en) for a in Action}

#: EN 16931 business terms the rules point at → (Danish, English) field names.
FIELD_NAMES: dict[str, tuple[str, str]] = {
    "BT-1": ("Fakturanummer", "Invoice number"),
    "BT-2": ("Fakturadato", "Invoice date"),
    "BT-3": ("Fakturatype", "Invoice type code"),
    "BT-5": ("Valuta", "Currency"),
    "BT-9": ("Forfaldsdato", "Due date"),
    "BT-10": ("Personreference", "Buyer (person) reference"),
    "BT-12": ("Kontraktreference", "Contract reference"),
    "BT-13": ("Ordrenummer", "Order number"),
    "BT-19": ("Kontostreng", "Account string"),
    "BT-20": ("Betalingsbetingelser", "Payment terms"),
    "BT-25": ("Reference til tidligere faktura", "Preceding invoice reference"),
    "BT-27": ("Leverandørens navn", "Seller name"),
    "BT-30": ("Leverandørens CVR-nummer", "Seller CVR number"),
    "BT-31": ("Leverandørens momsnummer", "Seller VAT identifier"),
    "BT-34": ("Leverandørens elektroniske adresse", "Seller electronic address"),
    "BT-44": ("Købers navn", "Buyer name"),
    "BT-46": ("Købers id", "Buyer identifier"),
    "BT-49": ("Købers EAN-nummer", "Buyer EAN number (electronic address)"),
    "BT-72": ("Leveringsdato", "Delivery date"),
    "BT-81": ("Betalingsmåde", "Payment means"),
    "BT-83": ("Betalings-id", "Remittance information"),
    "BT-84": ("Kontonummer", "Payment account"),
    "BT-86": ("Pengeinstitut (reg.nr./BIC)", "Payment service provider"),
    "BT-106": ("Sum af linjebeløb", "Sum of invoice line net amounts"),
    "BT-109": ("Beløb ekskl. moms", "Total without VAT"),
    "BT-110": ("Moms i alt", "Total VAT amount"),
    "BT-112": ("Beløb inkl. moms", "Total with VAT"),
    "BT-115": ("Beløb til betaling", "Amount due for payment"),
    "BT-116": ("Momsgrundlag", "VAT category taxable amount"),
    "BT-117": ("Momsbeløb", "VAT category tax amount"),
    "BT-118": ("Momskategori", "VAT category code"),
    "BT-119": ("Momssats", "VAT rate"),
    "BT-129": ("Antal", "Invoiced quantity"),
    "BT-131": ("Linjebeløb", "Invoice line net amount"),
    "BT-132": ("Ordrelinjereference", "Order line reference"),
    "BT-133": ("Kontostreng på linjen", "Line account string"),
    "BT-146": ("Enhedspris", "Item net price"),
    "BT-151": ("Momskategori på linjen", "Line VAT category"),
    "BT-152": ("Momssats på linjen", "Line VAT rate"),
    "BT-153": ("Varenavn", "Item name"),
}


@dataclass(frozen=True, slots=True)
class ReturnedItem:
    """One invoice returned to a customer in a run, as the digest lists it."""

    invoice_id: int
    invoice_number: str | None
    supplier_name: str | None
    supplier_cvr: str | None
    amount: Decimal | None  # the amount due (BT-115)
    currency: str | None
    issue_date: date | None
    error_types: tuple[str, ...]  # OPStatusReason codes, e.g. ("REF", "LEG")
    findings: tuple[Finding, ...]
    invoice_response_xml: bytes | None = None

    @property
    def attachment_name(self) -> str:
        """``invoice-response-7-F-2025-1.xml``: unique per invoice, safe as a file name."""
        number = re.sub(r"[^A-Za-z0-9._-]+", "_", self.invoice_number or "").strip("._")
        return f"invoice-response-{self.invoice_id}{'-' + number if number else ''}.xml"


def _decimal(amount: Decimal | int | str) -> Decimal:
    """Template literals arrive as numbers or strings: read via ``str``."""
    return amount if isinstance(amount, Decimal) else Decimal(str(amount))


def amount_da(amount: Decimal | int | str) -> str:
    """``1.234,50``: Danish separators, the document's decimals (at least two, never padding).

    >>> amount_da(Decimal("22650.0000")), amount_da(Decimal("0.125")), amount_da(7)
    ('22.650,00', '0,125', '7,00')
    """
    return texts.amount_da(_decimal(amount))


def amount_en(amount: Decimal | int | str) -> str:
    """``1,234.50``: English separators, the document's decimals (at least two)."""
    value = _decimal(amount)
    if not value.is_finite():
        return str(value)
    text = texts.amount_en(value)
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}.{frac}"


def money_da(amount: Decimal | None, currency: str | None) -> str:
    """``1.234,50 kr.`` (DKK) or ``1.234,50 EUR``, with the document's decimals."""
    if amount is None:
        return "(intet beløb)"
    text = amount_da(amount)
    return f"{text} kr." if (currency or "DKK").upper() == "DKK" else f"{text} {currency}"


def money_en(amount: Decimal | None, currency: str | None) -> str:
    """``DKK 1,234.50``, with the document's decimals."""
    if amount is None:
        return "(no amount)"
    return f"{(currency or 'DKK').upper()} {amount_en(amount)}"


def date_da(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "(ingen dato)"


def date_en(value: date | None) -> str:
    return value.isoformat() if value else "(no date)"


def _label(table: dict[str, tuple[str, str]], code: str | None, lang: int) -> str:
    if code is None:
        return ""
    return table.get(code, (code, code))[lang]


def _finding_view(f: Finding) -> dict[str, Any]:
    field_da = f"{f.field} {_label(FIELD_NAMES, f.field, 0)}".strip() if f.field else "Fakturaen"
    field_en = f"{f.field} {_label(FIELD_NAMES, f.field, 1)}".strip() if f.field else "The invoice"
    if f.field and f.field not in FIELD_NAMES:
        field_da = field_en = f.field
    return {
        "code": notice_text(f.code),
        "field": notice_text(f.field),
        "field_da": notice_text(field_da),
        "field_en": notice_text(field_en),
        "line_id": notice_text(f.line_id),
        "message_da": notice_text(f.message_da),
        "message_en": notice_text(f.message_en),
        "found": notice_text(f.found),  # English or neutral: own templates from before found_da/en
        "expected": notice_text(f.expected),
        "found_da": notice_text(f.found_in("da")),
        "found_en": notice_text(f.found_in("en")),
        "expected_da": notice_text(f.expected_in("da")),
        "expected_en": notice_text(f.expected_in("en")),
        "action": f.action,
        "action_da": Action.of(f.action).da,
        "action_en": Action.of(f.action).en,
    }


def _item_view(item: ReturnedItem) -> dict[str, Any]:
    blocking = [f for f in item.findings if f.blocks]
    codes = item.error_types or tuple(dict.fromkeys(f.reason for f in blocking))
    return {
        "invoice_id": item.invoice_id,
        "number": notice_text(item.invoice_number),
        "supplier_name": notice_text(item.supplier_name),
        "supplier_cvr": notice_text(item.supplier_cvr),
        "amount_da": money_da(item.amount, item.currency),
        "amount_en": money_en(item.amount, item.currency),
        "issue_date_da": date_da(item.issue_date),
        "issue_date_en": date_en(item.issue_date),
        "error_types": [
            {
                "code": notice_text(c),
                "da": Reason.of(c).da,  # a mistyped error type is refused, never shown as a label
                "en": Reason.of(c).en,
            }
            for c in codes
        ],
        "findings": [_finding_view(f) for f in blocking],
        "attachment": item.attachment_name if item.invoice_response_xml else None,
    }


def environment(template_dir: Path | None = None) -> jinja2.Environment:
    """Templates from ``template_dir`` first (the service centre's own), then the built-in ones."""
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(TEMPLATES))]
    if template_dir is not None:
        loaders.insert(0, jinja2.FileSystemLoader(str(template_dir)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=lambda name: name is not None and ".html" in name,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(money_da=money_da, money_en=money_en, date_da=date_da, date_en=date_en)
    return env


def build_digest(
    customer: Customer,
    run_id: str,
    items: Sequence[ReturnedItem],
    *,
    template_dir: Path | None = None,
    store_id: str | None = None,
    contact: ContactSettings | None = None,
) -> OutgoingNotice:
    """The digest notice for ``customer``: Danish then English, Invoice Responses attached.

    ``contact`` (the configuration's ``contact:``) is whom the customer asks: it signs the digest
    and gives its e-mail and telephone in both languages.

    ``to`` is the customer's ``notify`` list (possibly empty: the caller decides what that means).
    The key is ``<store_id>:<run_id>:<customer>`` (``<run_id>:<customer>`` without a store id).
    """
    env = environment(template_dir)
    views = [_item_view(item) for item in items]
    count = len(items)
    context = {
        "customer": customer,
        "run_id": run_id,
        "items": views,
        "count": count,
        "has_attachments": any(item.invoice_response_xml for item in items),
        "contact": contact,
        "count_da": f"{count} faktura" if count == 1 else f"{count} fakturaer",
        "count_en": f"{count} invoice" if count == 1 else f"{count} invoices",
    }
    subject = (
        f"Returnerede fakturaer ({count}) – {customer.name} / Returned invoices ({count})"
        if count != 1
        else f"Returneret faktura – {customer.name} / Returned invoice"
    )
    attachments = tuple(
        (item.attachment_name, xml, "application/xml") for item in items if (xml := item.invoice_response_xml)
    )
    return OutgoingNotice(
        notice_key=f"{store_id}:{run_id}:{customer.id}" if store_id else f"{run_id}:{customer.id}",
        to=tuple(customer.notify),
        subject=subject,
        text=env.get_template("digest.txt.j2").render(context),
        html=env.get_template("digest.html.j2").render(context),
        attachments=attachments,
    )
