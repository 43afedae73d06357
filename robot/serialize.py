"""The canonical invoice as JSON-ready data: the stable output of ``fakturarobot parse --json``.

Amounts and rates are decimal **strings** with the document's own digits (``"5050.00"``, never a
float); dates are ISO ``YYYY-MM-DD``; an absent value is ``null``, an absent list ``[]``.

    >>> from robot.model import DocumentType, Invoice
    >>> data = invoice_to_json(Invoice(format="oioubl-2", document_type=DocumentType.INVOICE, number="A1"))
    >>> data["invoice_number"], data["totals"]["payable"], data["lines"]
    ('A1', None, [])

Keys (the README copies this table):

=========================  =======================================================================
key                        value
=========================  =======================================================================
``format``                 ``peppol-bis3``, ``en16931-ubl``, ``oioubl-2``, ``oioubl-3``, ``cii``, ``pdf``
``document_type``          ``invoice`` or ``credit_note``
``invoice_number``         BT-1
``issue_date``             BT-2, ISO date
``due_date``               BT-9, ISO date (OIOUBL: PaymentMeans/PaymentDueDate)
``currency``               BT-5, ISO 4217
``buyer_reference``        BT-10 (OIOUBL 2.x: buyer Contact/ID when BuyerReference is absent)
``order_reference``        BT-13
``accounting_cost``        BT-19 account string
``notes``                  BT-22, list of strings
``preceding_invoices``     BT-25, list of invoice numbers
``customization_id``       BT-24
``profile_id``             BT-23
``type_code``              BT-3 (380, 381, ...)
``seller``                 party object (BG-4), see below
``buyer``                  party object (BG-7)
``payee``                  party object (BG-10) or null
party object               ``name``, ``legal_id``, ``legal_id_scheme``, ``vat_id``, ``endpoint_id``,
                           ``endpoint_scheme``, ``contact_id``, ``address`` (null or {``street``,
                           ``city``, ``postal_code``, ``country``})
``payment_means``          list of {``code``, ``payment_id``, ``account``, ``branch``,
                           ``creditor_account``, ``mandate``} (BG-16)
``payment_terms``          BT-20 text
``allowances_charges``     list of {``is_charge``, ``amount``, ``base_amount``, ``percent``, ``reason``,
                           ``reason_code``, ``vat_category``, ``vat_rate``} (BG-20/21)
``vat_breakdown``          list of {``category``, ``rate``, ``taxable_amount``, ``tax_amount``,
                           ``exemption_reason``} (BG-23)
``totals``                 {``line_extension`` BT-106, ``tax_exclusive`` BT-109 (net, also for
                           OIOUBL 2.x), ``tax`` BT-110, ``tax_inclusive`` BT-112, ``allowances``
                           BT-107, ``charges`` BT-108, ``prepaid`` BT-113, ``rounding`` BT-114,
                           ``payable`` BT-115}
``lines``                  list of {``id``, ``quantity``, ``unit``, ``net_amount``, ``price``,
                           ``base_quantity``, ``item_name``, ``vat_category``, ``vat_rate``,
                           ``accounting_cost``, ``order_line_reference``, ``free_of_charge``
                           (UBL FreeOfChargeIndicator, a bool)} (BG-25)
``ocr``                    true when the text was recognised from page images (a scanned PDF)
``evidence``               printed PDFs read without a template: list of {``field``, ``value``,
                           ``text`` (the printed line it came from), ``confidence`` (0..1),
                           ``page``}; ``[]`` otherwise
=========================  =======================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from robot.model import AllowanceCharge, Evidence, Invoice, Line, Party, PaymentMeans, VatBreakdown

JSON = dict[str, Any]


def decimal_text(value: Decimal | None) -> str | None:
    """An amount as a decimal string: the document's digits, or for an amount read back from the
    store (whose money columns keep four decimals) the shortest form with at least two.

    >>> decimal_text(Decimal("22650.0000")), decimal_text(Decimal("1.1250")), decimal_text(Decimal("5050.00"))
    ('22650.00', '1.125', '5050.00')
    >>> decimal_text(Decimal("100")), decimal_text(None)
    ('100', None)
    """
    if value is None:
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        trimmed = value.normalize()
        trimmed_exp = trimmed.as_tuple().exponent
        if isinstance(trimmed_exp, int) and trimmed_exp > -2:
            trimmed = value.quantize(Decimal("0.01"))
        return format(trimmed, "f")
    return format(value, "f")


_AS_THEY_ARE = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    """A JSON-safe copy, the one used wherever the robot writes JSON of its own (events, posting
    payloads, ERP requests, rule parameters): a ``Decimal`` as its digits, a date or time as
    :meth:`~datetime.date.isoformat` (``+00:00``, as stored so far), lists, tuples and sets as
    lists, mapping keys as text; anything else as it is.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2024, 5, 1, tzinfo=timezone.utc)
    >>> jsonable({"amount": Decimal("1.50"), 7: (date(2024, 5, 1), at)})
    {'amount': '1.50', '7': ['2024-05-01', '2024-05-01T00:00:00+00:00']}
    """
    kind = type(value)
    if kind in _AS_THEY_ARE:  # most values: no ABC check (a Mapping test is slow), as it is
        return value
    if kind is dict or isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # a datetime is a date too
        return value.isoformat()
    return value


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _fields(record: object, names: str) -> JSON:
    """The fields of a model record named in ``names`` (separated by spaces), each under its own
    name, an amount or rate (a ``Decimal``) as its decimal string."""
    return {name: _plain(getattr(record, name)) for name in names.split()}


def _plain(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value


def party_to_json(party: Party) -> JSON:
    """A seller, buyer or payee."""
    address = party.address
    return {
        "name": party.name,
        "legal_id": party.legal_id.value if party.legal_id else None,
        "legal_id_scheme": party.legal_id.scheme if party.legal_id else None,
        "vat_id": party.vat_id,
        "endpoint_id": party.endpoint.value if party.endpoint else None,
        "endpoint_scheme": party.endpoint.scheme if party.endpoint else None,
        "contact_id": party.contact.id if party.contact else None,
        "address": None if address is None else _fields(address, "street city postal_code country"),
    }


def _payment_means(pm: PaymentMeans) -> JSON:
    return _fields(pm, "code payment_id account branch creditor_account mandate")


def _allowance_charge(ac: AllowanceCharge) -> JSON:
    return _fields(ac, "is_charge amount base_amount percent reason reason_code vat_category vat_rate")


def _vat(vat: VatBreakdown) -> JSON:
    return _fields(vat, "category rate taxable_amount tax_amount exemption_reason")


def _line(line: Line) -> JSON:
    return {
        **_fields(
            line,
            "id quantity unit net_amount price base_quantity item_name vat_category vat_rate "
            "accounting_cost order_line_reference free_of_charge",
        ),
        "classifications": [_fields(c, "code list_id list_version") for c in line.classifications],
    }


def evidence_to_json(evidence: Evidence) -> JSON:
    """Where one value read from a printed PDF came from (``fakturarobot show`` lists these)."""
    return _fields(evidence, "field value text confidence page")


def invoice_to_json(inv: Invoice) -> JSON:
    """The documented, stable JSON form of ``inv`` (see the module docstring for the keys)."""
    return {
        "format": str(inv.format),
        "template": inv.template,
        "document_type": inv.document_type.value,
        "invoice_number": inv.number,
        "issue_date": _date(inv.issue_date),
        "due_date": _date(inv.due_date),
        "currency": inv.currency,
        "buyer_reference": inv.buyer_reference,
        "order_reference": inv.order_reference,
        "accounting_cost": inv.accounting_cost,
        "notes": list(inv.notes),
        "preceding_invoices": list(inv.preceding_invoices),
        "customization_id": inv.customization_id,
        "profile_id": inv.profile_id,
        "type_code": inv.type_code,
        "seller": party_to_json(inv.seller),
        "buyer": party_to_json(inv.buyer),
        "payee": None if inv.payee is None else party_to_json(inv.payee),
        "payment_means": [_payment_means(pm) for pm in inv.payment_means],
        "payment_terms": inv.payment_terms,
        "allowances_charges": [_allowance_charge(ac) for ac in inv.allowances_charges],
        "vat_breakdown": [_vat(v) for v in inv.vat_breakdown],
        "totals": _fields(
            inv.totals,
            "line_extension tax_exclusive tax tax_inclusive allowances charges prepaid rounding payable",
        ),
        "lines": [_line(line) for line in inv.lines],
        "ocr": inv.ocr,
        "evidence": [evidence_to_json(e) for e in inv.evidence],
    }
