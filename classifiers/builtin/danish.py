"""Danish public-sector requirements: the receiver's EAN and the person or order reference.

A Danish state institution is addressed by its EAN (GLN) location number, and every invoice must
carry the person reference or the order number the institution asked for (NemHandel). Example::

    >>> from robot.model import DocumentType, Invoice
    >>> from classifiers.engine import Classifier
    >>> from classifiers.api import Context
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, number="1")
    >>> codes = [f.code for f in Classifier(only=["danish"]).classify(inv, Context()).findings]
    >>> "DK-EAN-MISSING" in codes and "DK-REFERENCE" in codes
    True

Official ids are claimed only where our condition is the official one: ``PEPPOL-EN16931-R010`` and
``PEPPOL-EN16931-R003`` and ``PEPPOL-COMMON-R040`` for Peppol-syntax documents. This module also holds
the helpers the other ``danish_*`` modules share (who is Danish, which syntax claims which id).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from stdnum import ean

from classifiers.api import Context, Finding
from classifiers.builtin._family import Family
from classifiers.criteria import DEFAULT_CRITERIA, CustomerCriteria
from classifiers.texts import Text
from robot.model import Identifier, Invoice, Party, SourceFormat

#: Syntaxes the Peppol BIS 3 Schematron (EN 16931 + PEPPOL + DK-R rules) applies to.
PEPPOL_SYNTAX = frozenset({SourceFormat.PEPPOL_BIS3})
GLN_SCHEMES = frozenset({"0088", "GLN"})
_DIGITS = re.compile(r"^[0-9]+$")

#: The receiver (the institution) and its reference: the supplier must address a new invoice right.
RECEIVER = Family(status="RE", reason="REC", action="NIN")


def peppol_ids(invoice: Invoice, *ids: str) -> tuple[str, ...]:
    """The Peppol rule ids, if the document is Peppol syntax; else none (we check, but don't claim)."""
    return ids if invoice.format in PEPPOL_SYNTAX else ()


def country(party: Party | None) -> str:
    if party is None or party.address is None or not party.address.country:
        return ""
    return party.address.country.strip().upper()


def danish_supplier(invoice: Invoice) -> bool:
    """``$DKSupplierCountry = 'DK'`` of the Peppol Schematron."""
    return country(invoice.seller) == "DK"


def danish_trade(invoice: Invoice) -> bool:
    """Danish supplier and Danish customer (the condition of most DK-R rules)."""
    return danish_supplier(invoice) and country(invoice.buyer) == "DK"


def criteria_of(ctx: Context) -> CustomerCriteria:
    return ctx.criteria if ctx.criteria is not None else DEFAULT_CRITERIA


def party_present(party: Party) -> bool:
    """Whether the document had the party element at all (an empty :class:`Party` means it had not)."""
    return any(
        (party.name, party.trading_name, party.legal_id, party.vat_id, party.endpoint, party.party_ids)
    ) or any((party.address, party.contact))


def gln_scheme(ident: Identifier) -> bool:
    """Whether an identifier says it is an EAN (GLN) number: schemeID 0088 (OIOUBL 2.x: GLN)."""
    return (ident.scheme or "").strip().upper() in GLN_SCHEMES


@lru_cache(maxsize=4096)
def gln_valid(value: str) -> bool:
    """GS1 check digit over all digits, as Peppol's ``u:gln`` (any length, digits only).

    >>> gln_valid("5798000416604"), gln_valid("5798000416605")
    (True, False)
    """
    text = value.strip()
    return bool(_DIGITS.match(text)) and ean.calc_check_digit(text[:-1]) == text[-1]


def _r010(invoice: Invoice) -> bool:
    """PEPPOL-EN16931-R010's context is the buyer Party, its test the EndpointID element: the rule
    fires on a buyer party (even empty) without the element, and not on an empty element."""
    if "BT-49" in (invoice.present or ()):
        return False
    return party_present(invoice.buyer) or "BG-7" in (invoice.present or ())


@RECEIVER.rule("DK-EAN-MISSING", official_ids=("PEPPOL-EN16931-R010",), field="BT-49")
def ean_present(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The receiver's electronic address (BT-49) must be the institution's EAN (GLN) number."""
    endpoint = invoice.buyer.endpoint
    if endpoint is None or not endpoint.value.strip():
        yield ctx.finding(
            da="Modtagerens EAN-nummer (BT-49, elektronisk adresse) mangler. "
            "Leverandøren skal sende en ny faktura med institutionens EAN-nummer.",
            en="The receiver's EAN number (BT-49, electronic address) is missing. "
            "The supplier must issue a new invoice carrying the institution's EAN number.",
            found=None,
            expected=Text("EAN-nummer (GLN), schemeID 0088", "EAN number (GLN), schemeID 0088"),
            # R010's context is the buyer Party: without a buyer party it does not fire
            official_ids=peppol_ids(invoice, "PEPPOL-EN16931-R010") if _r010(invoice) else (),
        )
    elif not gln_scheme(endpoint):
        yield ctx.finding(
            da=f"Modtagerens elektroniske adresse (BT-49) er '{endpoint.value}' med schemeID "
            f"'{endpoint.scheme or ''}', ikke et EAN-nummer (schemeID 0088). "
            "Leverandøren skal sende en ny faktura til institutionens EAN-nummer.",
            en=f"The receiver's electronic address (BT-49) is '{endpoint.value}' with schemeID "
            f"'{endpoint.scheme or ''}', not an EAN number (schemeID 0088). "
            "The supplier must issue a new invoice to the institution's EAN number.",
            found=f"{endpoint.scheme or ''}:{endpoint.value}",
            expected=Text("EAN-nummer (GLN), schemeID 0088", "EAN number (GLN), schemeID 0088"),
            official_ids=(),
        )


def _gln_identifiers(invoice: Invoice) -> Iterator[tuple[str, str, Identifier]]:
    parties = (("buyer", "BT-49", invoice.buyer), ("seller", "BT-34", invoice.seller))
    for role, endpoint_field, party in (*parties, ("payee", "BT-60", invoice.payee)):
        if party is None:
            continue
        if party.endpoint is not None and role != "payee":
            yield role, endpoint_field, party.endpoint
        for pid in party.party_ids:
            yield role, {"buyer": "BT-46", "seller": "BT-29", "payee": "BT-60"}[role], pid
        if party.legal_id is not None:
            yield role, {"buyer": "BT-47", "seller": "BT-30", "payee": "BT-61"}[role], party.legal_id


@RECEIVER.rule("DK-GLN-CHECKDIGIT", official_ids=("PEPPOL-COMMON-R040",), field="BT-49")
def gln_check_digit(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Every EAN (GLN, scheme 0088) on the invoice must have a valid GS1 check digit."""
    for role, field, ident in _gln_identifiers(invoice):
        if not gln_scheme(ident) or gln_valid(ident.value):
            continue
        who_da = {"buyer": "Modtagerens", "seller": "Leverandørens", "payee": "Betalingsmodtagerens"}[role]
        who_en = {"buyer": "receiver's", "seller": "supplier's", "payee": "payee's"}[role]
        official = ("PEPPOL-COMMON-R040",) if ident.scheme == "0088" else ()
        yield ctx.finding(
            da=f"{who_da} EAN-nummer ({field}) '{ident.value}' er ugyldigt: kontrolcifferet passer ikke "
            "(GS1). Leverandøren skal sende en ny faktura med det rigtige EAN-nummer.",
            en=f"The {who_en} EAN number ({field}) '{ident.value}' is invalid: the GS1 check digit does "
            "not match. The supplier must issue a new invoice with the correct EAN number.",
            found=ident.value,
            expected=Text("cifre med gyldigt GS1-kontrolciffer", "digits with a valid GS1 check digit"),
            field=field,
            reason="REC" if role == "buyer" else "LEG",
            official_ids=peppol_ids(invoice, *official),
        )


@RECEIVER.rule("DK-EAN-UNKNOWN", field="BT-49", needs=("customer",))
def ean_known(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The receiver's EAN (BT-49) must belong to one of the service centre's customers."""
    endpoint = invoice.buyer.endpoint
    if not ctx.known_customer_eans or endpoint is None or not endpoint.value.strip():
        return
    if not gln_scheme(endpoint) or not gln_valid(endpoint.value):
        return  # DK-EAN-MISSING / DK-GLN-CHECKDIGIT say it better
    if endpoint.value.strip() not in ctx.known_customer_eans:
        yield ctx.finding(
            da=f"Modtagerens EAN-nummer (BT-49) '{endpoint.value}' tilhører ingen af vores kunder. "
            "Leverandøren skal sende fakturaen til den rigtige modtager.",
            en=f"The receiver's EAN number (BT-49) '{endpoint.value}' belongs to none of our customers. "
            "The supplier must send the invoice to the right receiver.",
            found=endpoint.value,
            expected=Text("en af vores kunders EAN-numre", "an EAN number of a known customer"),
        )


_REFERENCE_TEXT = {
    "person": ("en personreference (BT-10)", "a person reference (BT-10)", "BT-10"),
    "order": ("et ordrenummer (BT-13)", "an order number (BT-13)", "BT-13"),
    "either": (
        "en personreference (BT-10) eller et ordrenummer (BT-13)",
        "a person reference (BT-10) or an order number (BT-13)",
        "BT-10",
    ),
    "both": (
        "både en personreference (BT-10) og et ordrenummer (BT-13)",
        "both a person reference (BT-10) and an order number (BT-13)",
        "BT-13",
    ),
}


@RECEIVER.rule(
    "DK-REFERENCE", official_ids=("PEPPOL-EN16931-R003",), reason="REF", action="PIN", field="BT-10"
)
def reference_present(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The invoice must carry the person reference (BT-10) and/or order number (BT-13) the customer
    requires (criteria.reference: person, order, either, both)."""
    criteria = criteria_of(ctx)
    wanted = criteria.reference
    person = bool((invoice.person_reference or "").strip())
    order = bool((invoice.order_reference or "").strip())
    ok = {"person": person, "order": order, "either": person or order, "both": person and order}[wanted]
    if ok:
        return
    da_need, en_need, field = _REFERENCE_TEXT[wanted]
    if wanted == "both":
        field = "BT-10" if not person else "BT-13"
    found = f"BT-10={invoice.person_reference or '-'}, BT-13={invoice.order_reference or '-'}"
    # R003 tests element presence of BT-10/BT-13 (not OIOUBL Contact/ID): claim it only then
    absent = invoice.buyer_reference is None and invoice.order_reference is None
    absent = absent and not {"BT-10", "BT-13"} & (invoice.present or frozenset())  # an empty element
    official = peppol_ids(invoice, "PEPPOL-EN16931-R003") if absent else ()
    yield ctx.finding(
        da=f"Fakturaen mangler {da_need}, som kunden kræver. Kunden skal oplyse referencen til "
        "leverandøren, som sender en ny faktura med den.",
        en=f"The invoice lacks {en_need}, which the customer requires. The customer must give the "
        "supplier the reference, and the supplier must issue a new invoice carrying it.",
        found=found,
        expected=Text(da_need, en_need),
        field=field,
        status=criteria.return_status,
        official_ids=official,
    )
