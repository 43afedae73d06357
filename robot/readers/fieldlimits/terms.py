"""The business term (BT id) of an XML number element, for messages: "PayableAmount (BT-115)".

Looked up by the element's local name and its parent's (and, where the two do not decide it, its
grandparent's); an element not listed is named alone.
"""

from __future__ import annotations

_TERMS: dict[tuple[str, ...], str] = {
    # UBL
    ("LegalMonetaryTotal", "LineExtensionAmount"): "BT-106",
    ("LegalMonetaryTotal", "AllowanceTotalAmount"): "BT-107",
    ("LegalMonetaryTotal", "ChargeTotalAmount"): "BT-108",
    ("LegalMonetaryTotal", "TaxExclusiveAmount"): "BT-109",
    ("LegalMonetaryTotal", "TaxInclusiveAmount"): "BT-112",
    ("LegalMonetaryTotal", "PrepaidAmount"): "BT-113",
    ("LegalMonetaryTotal", "PayableRoundingAmount"): "BT-114",
    ("LegalMonetaryTotal", "PayableAmount"): "BT-115",
    ("TaxTotal", "TaxAmount"): "BT-110",
    ("TaxSubtotal", "TaxableAmount"): "BT-116",
    ("TaxSubtotal", "TaxAmount"): "BT-117",
    ("TaxSubtotal", "TaxCategory", "Percent"): "BT-119",
    ("InvoiceLine", "InvoicedQuantity"): "BT-129",
    ("CreditNoteLine", "CreditedQuantity"): "BT-129",
    ("InvoiceLine", "LineExtensionAmount"): "BT-131",
    ("CreditNoteLine", "LineExtensionAmount"): "BT-131",
    ("Price", "PriceAmount"): "BT-146",
    ("Price", "BaseQuantity"): "BT-149",
    ("Price", "AllowanceCharge", "Amount"): "BT-147",
    ("Price", "AllowanceCharge", "BaseAmount"): "BT-148",
    ("ClassifiedTaxCategory", "Percent"): "BT-152",
    ("Invoice", "AllowanceCharge", "Amount"): "BT-92/BT-99",
    ("CreditNote", "AllowanceCharge", "Amount"): "BT-92/BT-99",
    ("InvoiceLine", "AllowanceCharge", "Amount"): "BT-136/BT-141",
    ("CreditNoteLine", "AllowanceCharge", "Amount"): "BT-136/BT-141",
    # CII
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "LineTotalAmount"): "BT-106",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "AllowanceTotalAmount"): "BT-107",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "ChargeTotalAmount"): "BT-108",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "TaxBasisTotalAmount"): "BT-109",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "TaxTotalAmount"): "BT-110",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "GrandTotalAmount"): "BT-112",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "TotalPrepaidAmount"): "BT-113",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "RoundingAmount"): "BT-114",
    ("SpecifiedTradeSettlementHeaderMonetarySummation", "DuePayableAmount"): "BT-115",
    ("ApplicableHeaderTradeSettlement", "ApplicableTradeTax", "BasisAmount"): "BT-116",
    ("ApplicableHeaderTradeSettlement", "ApplicableTradeTax", "CalculatedAmount"): "BT-117",
    ("ApplicableHeaderTradeSettlement", "ApplicableTradeTax", "RateApplicablePercent"): "BT-119",
    ("SpecifiedLineTradeDelivery", "BilledQuantity"): "BT-129",
    ("SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"): "BT-131",
    ("NetPriceProductTradePrice", "ChargeAmount"): "BT-146",
    ("GrossPriceProductTradePrice", "ChargeAmount"): "BT-148",
    ("NetPriceProductTradePrice", "BasisQuantity"): "BT-149",
    ("SpecifiedLineTradeSettlement", "ApplicableTradeTax", "RateApplicablePercent"): "BT-152",
}


def term_of(names: tuple[str, ...]) -> str | None:
    """The BT id of a number element from its local name and its ancestors' (innermost last).

    >>> term_of(("Invoice", "LegalMonetaryTotal", "PayableAmount"))
    'BT-115'
    >>> term_of(("InvoiceLine", "Price", "AllowanceCharge", "Amount"))
    'BT-147'
    """
    return _TERMS.get(names[-3:]) or _TERMS.get(names[-2:])
