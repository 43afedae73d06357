"""Danish supplier identity and document rules: CVR and its scheme, party id schemes, ZZZ taxes.

Mirrors the Peppol DK-R rules under the Schematron's own conditions (Danish supplier; for DK-R-004,
DK-R-013 and DK-R-016 also a Danish customer)::

    >>> from robot.model import Address, DocumentType, Identifier, Invoice, Party
    >>> from classifiers.engine import Classifier
    >>> from classifiers.api import Context
    >>> seller = Party(address=Address(country="DK"), legal_id=Identifier("12345674", "0088"))
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, seller=seller)
    >>> [f.official_ids for f in Classifier(only=["DK-CVR-SCHEME"]).classify(inv, Context()).findings]
    [('DK-R-014',)]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from stdnum.dk import cvr as stdnum_cvr

from classifiers.api import Context, Finding
from classifiers.builtin._family import Family
from classifiers.builtin.danish import danish_supplier, danish_trade, peppol_ids
from classifiers.keys import cvr_of
from classifiers.texts import Text, amount_da, at_least
from robot.model import AllowanceCharge, Invoice, SourceFormat

CVR_SCHEMES = frozenset({"0184", "DK:CVR"})
_XPATH_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")

#: The supplier must issue a new invoice whose identity or legal content is right.
PARTIES = Family(status="RE", reason="LEG", action="NIN")
#: The Schematron's ``$DKSupplierCountry = 'DK'`` context.
DK_SUPPLIER = PARTIES.judging(danish_supplier)
#: Danish supplier and Danish customer (DK-R-003, -004, -013, -016).
DK_TRADE = PARTIES.judging(danish_trade)


@lru_cache(maxsize=65536)
def _cvr_checksum_ok(cvr: str) -> bool:
    return bool(stdnum_cvr.is_valid(cvr))


@DK_SUPPLIER.rule("DK-CVR-MISSING", official_ids=("DK-R-002",), field="BT-30")
def cvr_present(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A Danish supplier must state its CVR number (BT-30, PartyLegalEntity/CompanyID)."""
    legal = invoice.seller.legal_id
    if legal is None or not legal.value.strip():
        yield ctx.finding(
            da="Leverandørens CVR-nummer (BT-30, PartyLegalEntity/CompanyID) mangler; danske leverandører "
            "skal angive det. Leverandøren skal sende en ny faktura med CVR-nummeret.",
            en="The supplier's CVR number (BT-30, PartyLegalEntity/CompanyID) is missing; Danish suppliers "
            "must state it. The supplier must issue a new invoice carrying the CVR number.",
            expected=Text("CVR-nummer, schemeID 0184", "CVR number, schemeID 0184"),
            official_ids=peppol_ids(invoice, "DK-R-002"),
        )


@DK_SUPPLIER.rule("DK-CVR-SCHEME", official_ids=("DK-R-014",), field="BT-30")
def cvr_scheme(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A Danish supplier's legal id (BT-30) must use the CVR scheme (0184; OIOUBL 2.x DK:CVR)."""
    legal = invoice.seller.legal_id
    if legal is None:
        return
    expected = "DK:CVR" if invoice.format == SourceFormat.OIOUBL_2 else "0184"
    scheme = (legal.scheme or "").strip()
    if scheme != expected:
        yield ctx.finding(
            da=f"Leverandørens CVR-nummer (BT-30) '{legal.value}' har schemeID '{scheme}', men danske "
            f"leverandører skal bruge '{expected}'. Leverandøren skal sende en ny faktura.",
            en=f"The supplier's CVR number (BT-30) '{legal.value}' has schemeID '{scheme}', but Danish "
            f"suppliers must use '{expected}'. The supplier must issue a new invoice.",
            found=scheme or None,
            expected=expected,
            official_ids=peppol_ids(invoice, "DK-R-014"),
        )


@PARTIES.rule("DK-CVR-FORMAT", field="BT-30")
def cvr_format(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A CVR number (scheme 0184 or DK:CVR) is 8 digits, optionally prefixed DK; a failing modulus-11
    check is only a warning (community validators use it, the register does not)."""
    legal = invoice.seller.legal_id
    if legal is None or (legal.scheme or "").strip() not in CVR_SCHEMES or not legal.value.strip():
        return
    cvr = cvr_of(legal.value)
    if cvr is None:
        yield ctx.finding(
            da=f"Leverandørens CVR-nummer (BT-30) '{legal.value}' har ikke formen 8 cifre (evt. med DK "
            "foran). Leverandøren skal sende en ny faktura med det rigtige CVR-nummer.",
            en=f"The supplier's CVR number (BT-30) '{legal.value}' is not 8 digits (optionally prefixed "
            "DK). The supplier must issue a new invoice with the correct CVR number.",
            found=legal.value,
            expected=Text("12345678 eller DK12345678", "12345678 or DK12345678"),
        )
    elif not _cvr_checksum_ok(cvr):
        yield ctx.finding(
            da=f"Leverandørens CVR-nummer (BT-30) '{legal.value}' består ikke modulus 11-kontrollen. "
            "Kontrollér nummeret i CVR-registeret.",
            en=f"The supplier's CVR number (BT-30) '{legal.value}' fails the modulus-11 check. "
            "Check the number in the CVR register.",
            found=legal.value,
            expected=Text(
                "et CVR-nummer, der består modulus 11-kontrollen", "a CVR number passing modulus 11"
            ),
            severity="warning",
        )


@DK_TRADE.rule("DK-PARTYID-SCHEME", official_ids=("DK-R-013",), field="BT-29")
def party_id_scheme(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Between Danish parties, a party identifier (BT-29/BT-46) must state its schemeID."""
    for field, who_da, who_en, party in (
        ("BT-29", "Leverandørens", "supplier's", invoice.seller),
        ("BT-46", "Kundens", "customer's", invoice.buyer),
    ):
        for pid in party.party_ids:
            if pid.value.strip() and not (pid.scheme or "").strip():
                yield ctx.finding(
                    da=f"{who_da} identifikator ({field}) '{pid.value}' mangler schemeID. "
                    "Leverandøren skal sende en ny faktura, hvor schemeID er angivet (fx 0088 eller 0184).",
                    en=f"The {who_en} identifier ({field}) '{pid.value}' has no schemeID. The supplier "
                    "must issue a new invoice stating the schemeID (e.g. 0088 or 0184).",
                    found=pid.value,
                    expected=Text("en identifikator med schemeID", "an identifier with schemeID"),
                    field=field,
                    official_ids=peppol_ids(invoice, "DK-R-013"),
                )


@DK_TRADE.rule("DK-CREDIT-NEGATIVE", official_ids=("DK-R-016",), field="BT-115")
def credit_note_not_negative(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Between Danish parties a credit note cannot have a negative amount due (BT-115)."""
    payable = invoice.totals.payable
    if invoice.is_credit_note and payable is not None and payable < 0:
        yield ctx.finding(
            da=f"Kreditnotaens betalingsbeløb (BT-115) er negativt ({amount_da(payable)}). En kreditnota "
            "mellem danske parter skal have et positivt beløb; leverandøren skal sende en ny kreditnota.",
            en=f"The credit note's amount due (BT-115) is negative ({payable}). A credit note between "
            "Danish parties must have a positive amount; the supplier must issue a new credit note.",
            found=payable,
            expected=at_least(0),
            official_ids=peppol_ids(invoice, "DK-R-016"),
        )


def _zzz_reason_ok(reason: str | None) -> bool:
    """DK-R-004: a 4-digit tax category (0..9999), or text with an inner ``#``."""
    text = " ".join((reason or "").split())
    if len(text) == 4 and _XPATH_NUMBER.match(text) and 0 <= float(text) <= 9999:
        return True
    raw = reason or ""
    return "#" in raw and not raw.startswith("#") and not raw.endswith("#")


@DK_TRADE.rule("DK-ALLOWANCE-ZZZ", official_ids=("DK-R-004",), field="BT-104")
def allowance_zzz(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Danish non-VAT taxes (allowance/charge reason code ZZZ) must name the 4-digit tax category or a
    text with an inner '#' in the reason (BT-97/BT-104)."""
    charges: list[tuple[str | None, AllowanceCharge]] = [(None, ac) for ac in invoice.allowances_charges]
    charges += [(line.id, ac) for line in invoice.lines for ac in line.allowances_charges]
    for line_id, ac in charges:
        if (ac.reason_code or "").strip() != "ZZZ" or _zzz_reason_ok(ac.reason):
            continue
        field = "BT-104" if ac.is_charge else "BT-97"
        yield ctx.finding(
            da=f"Afgift med årsagskode ZZZ har årsagsteksten ({field}) '{ac.reason or ''}'; den skal være "
            "den 4-cifrede afgiftskategori eller indeholde '#' (ikke først eller sidst). "
            "Leverandøren skal sende en ny faktura.",
            en=f"A tax with reason code ZZZ has the reason text ({field}) '{ac.reason or ''}'; it must be "
            "the 4-digit tax category or contain '#' (not first or last). "
            "The supplier must issue a new invoice.",
            found=ac.reason,
            expected=Text(
                "4-cifret afgiftskategori eller 'kode#tekst'", "4-digit tax category or 'code#text'"
            ),
            field=field,
            line_id=line_id,
            official_ids=peppol_ids(invoice, "DK-R-004"),
        )


UNSPSC_VERSIONS = frozenset({"19.05.01", "19.0501", "26.08.01", "26.0801"})


@DK_TRADE.rule(
    "DK-UNSPSC-VERSION", official_ids=("DK-R-003",), severity="warning", reason="ITM", field="BT-158"
)
def unspsc_version(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Item classifications in UNSPSC (listID TST, BT-158) from Danish suppliers should use UNSPSC
    version 19.05.01 or 26.08.01 (listVersionID)."""
    for line in invoice.lines:
        codes = line.classifications
        if not any(c.list_id == "TST" for c in codes) or any(
            c.list_version in UNSPSC_VERSIONS for c in codes
        ):
            continue
        versions = ", ".join(sorted({c.list_version or "-" for c in codes if c.list_id == "TST"}))
        yield ctx.finding(
            da=f"Linjens UNSPSC-varekode (BT-158) har versionen {versions}; brug UNSPSC 19.05.01 eller "
            "26.08.01 (listVersionID).",
            en=f"The line's UNSPSC item classification (BT-158) has version {versions}; use UNSPSC 19.05.01 "
            "or 26.08.01 (listVersionID).",
            found=versions,
            expected=Text("19.05.01 eller 26.08.01", "19.05.01 or 26.08.01"),
            line_id=line.id,
            official_ids=peppol_ids(invoice, "DK-R-003"),
        )
