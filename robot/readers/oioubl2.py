"""OIOUBL 2.0/2.01/2.02/2.1: the shared UBL mapping plus the few places OIOUBL 2.x differs.

The differences, all isolated here:

* ``LegalMonetaryTotal/TaxExclusiveAmount`` holds the **VAT amount** (rule F-INV127). The raw value
  goes to ``totals.oioubl_tax_exclusive_element``; ``totals.tax_exclusive`` gets the EN 16931 net
  amount (BT-109) = LineExtensionAmount − AllowanceTotalAmount + ChargeTotalAmount.
* The person reference is the buyer's ``cac:Contact/cbc:ID``; it also fills ``buyer_reference``
  when the document has no ``cbc:BuyerReference``.
* ``cac:Price/cbc:OrderableUnitFactorRate`` (price unit → invoiced unit, rule F-INV343) goes to
  ``Line.oioubl_orderable_unit_factor_rate``; ``FreeOfChargeIndicator`` is read by the UBL mapping.
* ``cbc:AccountingCostCode`` stands in for a missing ``cbc:AccountingCost`` (document and line).
* Lines carry their own ``cac:TaxTotal`` (→ ``Line.oioubl_line_tax``), and their VAT category and
  rate come from it when the item has no ``cac:ClassifiedTaxCategory``.

    >>> is_oioubl2("OIOUBL-2.1"), is_oioubl2("urn:fdc:oioubl.dk:trns:billing:invoice:3.0")
    (True, False)
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from robot.model import Invoice, SourceFormat
from robot.readers.fieldlimits import Elements, check_invoice, ubl_elements
from robot.readers.nodes import Node
from robot.readers.ubl import map_ubl
from robot.readers.ubl_parts import U


def is_oioubl2(customization_id: str | None) -> bool:
    """``OIOUBL-2.0``, ``OIOUBL-2.01``, ``OIOUBL-2.02``, ``OIOUBL-2.1`` (case-insensitive)."""
    return bool(customization_id) and customization_id.strip().upper().startswith("OIOUBL-2")  # type: ignore[union-attr]


def read_oioubl2(root: Node) -> Invoice:
    """Map an OIOUBL 2.x Invoice or CreditNote."""
    inv = map_ubl(root, SourceFormat.OIOUBL_2)
    totals = inv.totals
    totals.oioubl_tax_exclusive_element = totals.tax_exclusive
    totals.tax_exclusive = None
    if totals.line_extension is not None:
        totals.tax_exclusive = (
            totals.line_extension - (totals.allowances or Decimal(0)) + (totals.charges or Decimal(0))
        )
    if inv.accounting_cost is None:
        inv.accounting_cost = U.text(root, "cbc:AccountingCostCode")
    contact = inv.buyer.contact
    if inv.buyer_reference is None and contact is not None and contact.id:
        inv.buyer_reference = contact.id
    credit = inv.is_credit_note
    for line, el in zip(
        inv.lines, U.all(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine"), strict=True
    ):
        tax_total = U.first(el, "cac:TaxTotal")
        line.oioubl_line_tax = U.dec(tax_total, "cbc:TaxAmount")
        if line.vat_category is None:
            category = U.first(tax_total, "cac:TaxSubtotal/cac:TaxCategory")
            line.vat_category = U.text(category, "cbc:ID")
            line.vat_rate = U.dec(category, "cbc:Percent")
        if line.accounting_cost is None:
            line.accounting_cost = U.text(el, "cbc:AccountingCostCode")
        line.oioubl_orderable_unit_factor_rate = U.dec(el, "cac:Price/cbc:OrderableUnitFactorRate")
    return check_invoice(inv, _elements(inv))


def _elements(inv: Invoice) -> Elements:
    """The UBL element names, with OIOUBL 2.x's stand-in for a missing account string."""
    ubl = ubl_elements(inv)
    return replace(
        ubl,
        accounting_cost=f"{ubl.accounting_cost} (or cbc:AccountingCostCode)",
        line_accounting_cost=f"{ubl.line_accounting_cost} (or cbc:AccountingCostCode)",
    )
