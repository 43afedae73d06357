"""Customer criteria: each institution's own conditions for posting an invoice untouched.

All of them read ``ctx.criteria`` (see :mod:`classifiers.criteria`) and do nothing without it::

    >>> from decimal import Decimal
    >>> from classifiers.api import Context
    >>> from classifiers.criteria import CustomerCriteria
    >>> from classifiers.engine import Classifier
    >>> from robot.model import DocumentType, Invoice, Totals
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, currency="DKK",
    ...               totals=Totals(payable=Decimal("300000")), notes=["til sam: ring til Bo"])
    >>> ctx = Context(criteria=CustomerCriteria(auto_post_limit=Decimal("250000")))
    >>> [f.code for f in Classifier(only=["customer"]).classify(inv, ctx).findings]
    ['CUST-AMOUNT-LIMIT', 'CUST-REMARK-HOLD']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum.dk.cvr import compact as compact_cvr

from classifiers.api import Context, Finding
from classifiers.builtin._family import Family
from classifiers.keys import supplier_cvr
from classifiers.texts import Text, amount_da, at_most
from robot.model import Invoice

#: Every customer rule reads the customer's criteria.
CUSTOMER = Family(needs=("customer",))
#: A customer's condition for posting untouched that is not met: a person handles the invoice.
HELD = Family(disposition="hold", status="UQ", reason="OTH", action="NOA", needs=("customer",))


@HELD.rule("CUST-AMOUNT-LIMIT", field="BT-115")
def amount_limit(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Invoices whose amount due (BT-115) exceeds the customer's auto_post_limit are held."""
    criteria = ctx.criteria
    payable = invoice.totals.payable
    if criteria is None or criteria.auto_post_limit is None or payable is None:
        return
    if payable > criteria.auto_post_limit:
        yield ctx.finding(
            da=f"Beløbet (BT-115) {amount_da(payable)} {invoice.currency or ''} er over kundens grænse for "
            f"automatisk bogføring ({amount_da(criteria.auto_post_limit)}). Kreditorteamet skal godkende "
            "fakturaen manuelt.",
            en=f"The amount due (BT-115) {payable} {invoice.currency or ''} is above the customer's limit "
            f"for automatic posting ({criteria.auto_post_limit}). The creditor team must approve it by hand.",
            found=payable,
            expected=at_most(criteria.auto_post_limit),
        )


def account_strings(invoice: Invoice, ctx: Context) -> list[str]:
    """The account string: BT-19, else every line's BT-133, else the purchase system's ``account``."""
    if (invoice.accounting_cost or "").strip():
        return [invoice.accounting_cost.strip()]  # type: ignore[union-attr]
    lines = [(line.accounting_cost or "").strip() for line in invoice.lines]
    if lines and all(lines):
        return lines
    meta = (ctx.metadata.get("account") or "").strip()
    return [meta] if meta else []


@CUSTOMER.rule("CUST-ACCOUNT-STRING", status="RE", reason="REF", action="PIN", field="BT-19")
def account_string(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """When the customer requires it, the invoice must carry an account string (BT-19, every line's
    BT-133, or the purchase system's coding), matching account_string_pattern if set."""
    criteria = ctx.criteria
    if criteria is None or not (criteria.require_account_string or criteria.account_string_pattern):
        return
    found = account_strings(invoice, ctx)
    if not found:
        if criteria.require_account_string:
            yield ctx.finding(
                da="Kontostrengen (BT-19 eller linjernes BT-133) mangler, og kunden kræver den. Kunden skal "
                "kontere fakturaen eller bede leverandøren om en ny faktura med kontostreng.",
                en="The account string (BT-19 or the lines' BT-133) is missing and the customer requires "
                "it. The customer must code the invoice or ask the supplier for a new one with the account "
                "string.",
                expected=criteria.account_string_pattern or Text("en kontostreng", "an account string"),
                status=criteria.return_status,
            )
        return
    pattern = criteria.account_string_pattern
    bad = [s for s in found if pattern and not re.fullmatch(pattern, s)]
    for value in bad[:1]:
        yield ctx.finding(
            da=f"Kontostrengen (BT-19/BT-133) '{value}' har ikke kundens format ({pattern}). "
            "Kunden skal rette konteringen.",
            en=f"The account string (BT-19/BT-133) '{value}' does not have the customer's format "
            f"({pattern}). The customer must correct the coding.",
            found=value,
            expected=pattern,
            status=criteria.return_status,
        )


@CUSTOMER.rule("CUST-CURRENCY", status="RE", reason="FIN", action="NIN", field="BT-5")
def currency_allowed(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The invoice currency (BT-5) must be one the customer accepts (criteria.currencies)."""
    criteria = ctx.criteria
    if criteria is None:
        return
    currency = (invoice.currency or "").strip().upper()
    if currency not in criteria.currencies:
        allowed = ", ".join(criteria.currencies)
        yield ctx.finding(
            da=f"Valutaen (BT-5) '{currency}' accepteres ikke af kunden (tilladt: {allowed}). "
            "Leverandøren skal sende en ny faktura i en tilladt valuta.",
            en=f"The currency (BT-5) '{currency}' is not accepted by the customer (allowed: {allowed}). "
            "The supplier must issue a new invoice in an accepted currency.",
            found=currency or None,
            expected=allowed,
        )


@HELD.rule("CUST-REMARK-HOLD", field="BT-22")
def remark_hold(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A purchase-system remark or invoice note (BT-22) starting with one of the customer's
    hold_remark_prefixes (e.g. 'TIL SAM', any case) sends the invoice to manual handling."""
    criteria = ctx.criteria
    if criteria is None or not criteria.hold_remark_prefixes:
        return
    prefixes = [p.strip().casefold() for p in criteria.hold_remark_prefixes if p.strip()]
    texts = [("bemærkning", "remark", ctx.metadata.get("remark") or "")]
    texts += [("note (BT-22)", "note (BT-22)", note) for note in invoice.notes]
    for where_da, where_en, text in texts:
        folded = text.strip().casefold()
        prefix = next((p for p in prefixes if folded.startswith(p)), None)
        if prefix is not None:
            yield ctx.finding(
                da=f"Kundens {where_da} begynder med '{prefix.upper()}': '{text.strip()[:80]}'. "
                "Fakturaen går til manuel behandling hos kreditorteamet.",
                en=f"The customer's {where_en} starts with '{prefix.upper()}': '{text.strip()[:80]}'. "
                "The invoice goes to manual handling by the creditor team.",
                found=text.strip()[:80],
                expected=Text(
                    f"ingen bemærkning, der begynder med {', '.join(criteria.hold_remark_prefixes)}",
                    f"no remark starting with {', '.join(criteria.hold_remark_prefixes)}",
                ),
            )
            return


@HELD.rule("CUST-SUPPLIER-ALLOW", field="BT-30")
def supplier_allowed(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """When the customer keeps a supplier allow-list, only those suppliers (CVR) are posted
    automatically; others are held."""
    criteria = ctx.criteria
    if criteria is None or not criteria.supplier_allow_list:
        return
    allowed = {compact_cvr(c) for c in criteria.supplier_allow_list}
    cvr = supplier_cvr(invoice)
    if cvr not in allowed:
        yield ctx.finding(
            da=f"Leverandøren (CVR {cvr or 'ukendt'}, BT-30) er ikke på kundens liste over leverandører til "
            "automatisk bogføring. Kreditorteamet skal godkende fakturaen manuelt.",
            en=f"The supplier (CVR {cvr or 'unknown'}, BT-30) is not on the customer's list of suppliers "
            "for automatic posting. The creditor team must approve the invoice by hand.",
            found=cvr,
            expected=Text("et CVR-nummer på kundens liste", "a CVR on the customer's allow-list"),
        )
