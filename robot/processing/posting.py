"""From a clean invoice to what the ERP books, with VAT computed per rate by the robot.

Peppol lines carry a VAT *rate*, never a line VAT amount (the production failure in domain.md §1:
invoices posted without VAT). So the robot computes each line's VAT from its rate and then
reconciles per rate with the document's VAT breakdown: the rounding difference goes on the
largest line of that rate, so the posted VAT equals the VAT the supplier charged.

    >>> from pathlib import Path
    >>> from robot.readers import read_document
    >>> invoice = read_document(Path("samples/inbox/0001-peppol-clean.xml").read_bytes())
    >>> posting = build_posting(invoice, vendor_number="K10001", customer_id="SAM", sha256="…")
    >>> posting.vat_amount == invoice.totals.tax
    True
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from connectors.base import Posting, PostingLine
from robot.model import Invoice, Line

CENT = Decimal("0.01")
ZERO = Decimal("0")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def idempotency_key(vendor_number: str, invoice: Invoice) -> str:
    """Stable per invoice: vendor + document type + invoice number + issue year."""
    year = invoice.issue_date.year if invoice.issue_date else "-"
    return f"{vendor_number}:{invoice.document_type.value}:{invoice.number}:{year}"


def _rate_key(category: str | None, rate: Decimal | None) -> tuple[str, Decimal]:
    return (category or "S", (rate or ZERO).normalize())


def line_vat(lines: list[Line], invoice: Invoice) -> list[Decimal]:
    """VAT per line from its rate, reconciled per rate with the VAT breakdown (BT-117)."""
    vats = [money((ln.net_amount or ZERO) * (ln.vat_rate or ZERO) / 100) for ln in lines]
    by_rate: dict[tuple[str, Decimal], list[int]] = defaultdict(list)
    for i, ln in enumerate(lines):
        by_rate[_rate_key(ln.vat_category, ln.vat_rate)].append(i)
    for vb in invoice.vat_breakdown:
        idx = by_rate.get(_rate_key(vb.category, vb.rate))
        if not idx or vb.tax_amount is None:
            continue
        diff = vb.tax_amount - sum((vats[i] for i in idx), ZERO)
        if diff and abs(diff) <= Decimal("1.00"):  # rounding only; larger gaps are findings
            biggest = max(idx, key=lambda i: abs(lines[i].net_amount or ZERO))
            vats[biggest] += diff
    return vats


def build_posting(
    invoice: Invoice,
    *,
    vendor_number: str,
    customer_id: str | None,
    sha256: str,
    account_string: str | None = None,
    document: bytes = b"",
    filename: str = "",
    dimensions: dict[str, str] | None = None,
) -> Posting:
    lines = list(invoice.lines)
    vats = line_vat(lines, invoice)
    posting_lines = tuple(
        PostingLine(
            description=(ln.item_name or ln.item_description or f"Linje {ln.id}")[:100],
            quantity=ln.quantity or Decimal("1"),
            unit_cost=ln.price if ln.price is not None else (ln.net_amount or ZERO),
            net_amount=ln.net_amount or ZERO,
            vat_rate=ln.vat_rate or ZERO,
            vat_amount=vat,
            account=ln.accounting_cost or account_string,
            dimensions=dict(dimensions or {}),
        )
        for ln, vat in zip(lines, vats, strict=True)
    )
    net = invoice.totals.tax_exclusive
    if net is None:
        net = sum((pl.net_amount for pl in posting_lines), ZERO)
    vat_total = sum((pl.vat_amount for pl in posting_lines), ZERO)
    if invoice.totals.tax is not None and invoice.allowances_charges:
        vat_total = invoice.totals.tax  # document-level allowances/charges shift VAT off the lines
    gross = invoice.totals.payable if invoice.totals.payable is not None else net + vat_total
    return Posting(
        idempotency_key=idempotency_key(vendor_number, invoice),
        vendor_number=vendor_number,
        vendor_invoice_number=invoice.number or "",
        document_type=invoice.document_type.value,
        invoice_date=invoice.issue_date,
        due_date=invoice.due_date,  # the UBL reader fills BT-9 from an OIOUBL PaymentDueDate
        currency=invoice.currency or "DKK",
        net_amount=money(net),
        vat_amount=money(vat_total),
        gross_amount=money(gross),
        customer_id=customer_id,
        account_string=account_string or invoice.accounting_cost,
        lines=posting_lines,
        document_sha256=sha256,
        document=document,
        filename=filename,
        credits=tuple(invoice.preceding_invoices) if invoice.is_credit_note else (),
    )
