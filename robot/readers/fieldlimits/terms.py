"""The business term (BT id) of an XML number element, for messages: "PayableAmount (BT-115)".

Looked up by the element's local name and its parent's (and, where the two do not decide it, its
grandparent's); an element not listed is named alone.
"""

from __future__ import annotations


def _under(*parents: str, **terms: str) -> dict[tuple[str, ...], str]:
    """Each element named (its BT id as the value) below the same parent elements."""
    return {(*parents, name): term for name, term in terms.items()}


_TERMS: dict[tuple[str, ...], str] = {
    # UBL
    **_under(
        "LegalMonetaryTotal",
        LineExtensionAmount="BT-106",
        AllowanceTotalAmount="BT-107",
        ChargeTotalAmount="BT-108",
        TaxExclusiveAmount="BT-109",
        TaxInclusiveAmount="BT-112",
        PrepaidAmount="BT-113",
        PayableRoundingAmount="BT-114",
        PayableAmount="BT-115",
    ),
    ("TaxTotal", "TaxAmount"): "BT-110",
    **_under("TaxSubtotal", TaxableAmount="BT-116", TaxAmount="BT-117"),
    ("TaxSubtotal", "TaxCategory", "Percent"): "BT-119",
    **_under("InvoiceLine", InvoicedQuantity="BT-129", LineExtensionAmount="BT-131"),
    **_under("CreditNoteLine", CreditedQuantity="BT-129", LineExtensionAmount="BT-131"),
    **_under("Price", PriceAmount="BT-146", BaseQuantity="BT-149"),
    **_under("Price", "AllowanceCharge", Amount="BT-147", BaseAmount="BT-148"),
    ("ClassifiedTaxCategory", "Percent"): "BT-152",
    ("Invoice", "AllowanceCharge", "Amount"): "BT-92/BT-99",
    ("CreditNote", "AllowanceCharge", "Amount"): "BT-92/BT-99",
    ("InvoiceLine", "AllowanceCharge", "Amount"): "BT-136/BT-141",
    ("CreditNoteLine", "AllowanceCharge", "Amount"): "BT-136/BT-141",
    # CII
    **_under(
        "SpecifiedTradeSettlementHeaderMonetarySummation",
        LineTotalAmount="BT-106",
        AllowanceTotalAmount="BT-107",
        ChargeTotalAmount="BT-108",
        TaxBasisTotalAmount="BT-109",
        TaxTotalAmount="BT-110",
        GrandTotalAmount="BT-112",
        TotalPrepaidAmount="BT-113",
        RoundingAmount="BT-114",
        DuePayableAmount="BT-115",
    ),
    **_under(
        "ApplicableHeaderTradeSettlement",
        "ApplicableTradeTax",
        BasisAmount="BT-116",
        CalculatedAmount="BT-117",
        RateApplicablePercent="BT-119",
    ),
    ("SpecifiedLineTradeDelivery", "BilledQuantity"): "BT-129",
    ("SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"): "BT-131",
    **_under("NetPriceProductTradePrice", ChargeAmount="BT-146", BasisQuantity="BT-149"),
    ("GrossPriceProductTradePrice", "ChargeAmount"): "BT-148",
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
