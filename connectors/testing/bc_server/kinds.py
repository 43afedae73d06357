"""The two purchase documents the Business Central test server keeps, and their fixed vocabulary.

A purchase invoice and a purchase credit memo share everything (vendor, lines, attachments,
totals, posting) except their entity sets, the vendor's document-number field, the date field and
the number series, as in BC API v2.0 (``purchaseInvoices`` / ``purchaseCreditMemos``)::

    >>> CREDIT_MEMO.entity_set, CREDIT_MEMO.lines_set, CREDIT_MEMO.number_field
    ('purchaseCreditMemos', 'purchaseCreditMemoLines', 'vendorCreditMemoNumber')
    >>> KINDS["purchaseInvoices"] is INVOICE
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CENT = Decimal("0.01")
DIMENSION_NAMES = {
    "shortcutDimension1Code": "Shortcut Dimension 1 Code",
    "shortcutDimension2Code": "Shortcut Dimension 2 Code",
}
COMMON_HEADER_FIELDS = frozenset(
    {
        "vendorNumber",
        "postingDate",
        "dueDate",
        "currencyCode",
        "shortcutDimension1Code",
        "shortcutDimension2Code",
        "purchaser",
        "payToVendorNumber",
    }
)
LINE_FIELDS = {"lineType", "lineObjectNumber", "description", "quantity", "unitCost", "taxCode"}
DEFAULT_TAX_RATES = {"MOMS25": Decimal("25"), "MOMSFRI": Decimal("0")}
CURRENCIES = {"", "DKK", "EUR", "SEK", "NOK", "USD", "GBP"}


@dataclass(frozen=True, slots=True)
class Kind:
    """One purchase document type as the API names it."""

    entity_set: str  # purchaseInvoices
    lines_set: str  # purchaseInvoiceLines
    entity: str  # purchaseInvoice (the OData type, for error messages)
    label: str  # "Purchase Invoice"
    bc_document_type: str  # "Invoice": the Purchase Header's Document Type
    number_field: str  # the vendor's own document number: vendorInvoiceNumber
    number_label: str  # "Vendor Invoice No."
    date_field: str  # invoiceDate
    document_type: str  # invoice | credit_memo: how tests tell them apart in snapshots
    first_posted: int  # the posted-document number series starts after this

    @property
    def header_fields(self) -> frozenset[str]:
        return COMMON_HEADER_FIELDS | {self.number_field, self.date_field}

    @property
    def line_entity(self) -> str:
        return self.lines_set.removesuffix("s")


INVOICE = Kind(
    entity_set="purchaseInvoices",
    lines_set="purchaseInvoiceLines",
    entity="purchaseInvoice",
    label="Purchase Invoice",
    bc_document_type="Invoice",
    number_field="vendorInvoiceNumber",
    number_label="Vendor Invoice No.",
    date_field="invoiceDate",
    document_type="invoice",
    first_posted=108000,
)
CREDIT_MEMO = Kind(
    entity_set="purchaseCreditMemos",
    lines_set="purchaseCreditMemoLines",
    entity="purchaseCreditMemo",
    label="Purchase Credit Memo",
    bc_document_type="Credit Memo",
    number_field="vendorCreditMemoNumber",
    number_label="Vendor Cr. Memo No.",
    date_field="creditMemoDate",
    document_type="credit_memo",
    first_posted=109000,
)
KINDS = {kind.entity_set: kind for kind in (INVOICE, CREDIT_MEMO)}
