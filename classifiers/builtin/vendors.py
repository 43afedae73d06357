"""Vendor master checks: is the supplier known, not blocked, and paid where the master says?

The supplier is found by CVR, else by electronic address. A fuzzy name match (rapidfuzz) is only
*suggested* in the message: money never follows a guess, so an unknown supplier is held. Bank details
that differ from the master are held too and never accepted automatically (Navision Stat's control;
the fraud vector is an invoice that changes where the money goes). NemKonto (97) to a known CVR passes::

    >>> from classifiers.api import Context, Vendor
    >>> from classifiers.lookups import VendorIndex
    >>> from robot.model import DocumentType, Identifier, Invoice, Party, PaymentMeans
    >>> master = VendorIndex([Vendor("V1", "Kontorland A/S", cvr="12345674", iban="DK5000400440116243")])
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE,
    ...               seller=Party(legal_id=Identifier("DK12345674", "0184")),
    ...               payment_means=[PaymentMeans(code="31", account="DK9520000123456789")])
    >>> from classifiers.engine import Classifier
    >>> [f.code for f in Classifier(only=["vendors"]).classify(inv, Context(vendors=master)).findings]
    ['VENDOR-BANK']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from classifiers.api import Context, Finding, Vendor, VendorMaster
from classifiers.builtin._family import Family
from classifiers.deferred import deferred
from classifiers.keys import supplier_cvr
from classifiers.texts import Text
from robot.model import Invoice, PaymentMeans

if TYPE_CHECKING:
    from rapidfuzz import fuzz, process, utils
else:  # imported when a name is first compared (validate without vendors never does)
    fuzz, process, utils = deferred("rapidfuzz.fuzz", "rapidfuzz.process", "rapidfuzz.utils")

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")

#: A supplier the vendor master does not vouch for is held for the creditor team.
VENDORS = Family(disposition="hold", status="UQ", reason="OTH", needs=("vendors",))


def find_vendor(invoice: Invoice, vendors: VendorMaster) -> tuple[Vendor | None, str]:
    """The vendor by CVR (BT-30/BT-31), else by electronic address (BT-34); with how it was found."""
    cvr = supplier_cvr(invoice)
    if cvr:
        vendor = vendors.by_cvr(cvr)
        if vendor is not None:
            return vendor, "cvr"
    endpoint = invoice.seller.endpoint
    if endpoint is not None and endpoint.value.strip():
        vendor = vendors.by_endpoint(endpoint.value)
        if vendor is not None:
            return vendor, "endpoint"
    return None, ""


def _listed_vendor(invoice: Invoice, ctx: Context) -> Vendor | None:
    """The supplier's vendor-master entry; ``None`` without a vendor master or when it is not listed."""
    if ctx.vendors is None:
        return None
    return find_vendor(invoice, ctx.vendors)[0]


def suggest_vendor(name: str | None, vendors: VendorMaster, cutoff: float) -> tuple[Vendor, float] | None:
    """The closest vendor name (rapidfuzz WRatio), for a person to confirm. Never used to decide."""
    if not name or not name.strip():
        return None
    names = vendors.names()
    best = process.extractOne(
        name, names.keys(), scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=cutoff
    )
    if best is None:
        return None
    return names[best[0]], float(best[1])


@VENDORS.rule("VENDOR-UNKNOWN", action="PIN", field="BT-30", defaults={"suggest_cutoff": 85})
def vendor_known(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The supplier must be in the vendor master (by CVR, else electronic address); a similar name is
    suggested but never used. Unknown supplier → hold."""
    if ctx.vendors is None:
        return
    vendor, _ = find_vendor(invoice, ctx.vendors)
    if vendor is not None:
        return
    seller = invoice.seller
    ident = supplier_cvr(invoice) or (seller.endpoint.value if seller.endpoint else None) or "-"
    suggestion = suggest_vendor(seller.name, ctx.vendors, float(ctx.param("suggest_cutoff")))
    hint_da = hint_en = ""
    if suggestion is not None:
        match, score = suggestion
        hint_da = f" Forslag (kun navnelighed {score:.0f}%, skal bekræftes): {match.name} ({match.number})."
        hint_en = (
            f" Suggestion (name similarity {score:.0f}% only, to confirm): {match.name} ({match.number})."
        )
    yield ctx.finding(
        da=f"Leverandøren '{seller.name or '-'}' (CVR/adresse {ident}, BT-30/BT-34) findes ikke i "
        f"kreditorstamdata. Kreditorteamet skal oprette eller finde kreditoren før bogføring.{hint_da}",
        en=f"The supplier '{seller.name or '-'}' (CVR/address {ident}, BT-30/BT-34) is not in the vendor "
        f"master. The creditor team must create or identify the vendor before posting.{hint_en}",
        found=ident,
        expected=Text("en kreditor i kreditorstamdata", "a vendor in the vendor master"),
    )


@VENDORS.rule("VENDOR-BLOCKED", action="NOA", field="BT-30")
def vendor_not_blocked(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The supplier is blocked in the vendor master → hold."""
    vendor = _listed_vendor(invoice, ctx)
    if vendor is not None and vendor.blocked:
        yield ctx.finding(
            da=f"Kreditor {vendor.number} ({vendor.name}) er spærret i kreditorstamdata. "
            "Kreditorteamet skal afgøre, om fakturaen må betales.",
            en=f"Vendor {vendor.number} ({vendor.name}) is blocked in the vendor master. "
            "The creditor team must decide whether the invoice may be paid.",
            found=vendor.number,
            expected=Text("en kreditor, der ikke er spærret", "a vendor that is not blocked"),
        )


def _digits(value: str | None) -> str:
    return _NOT_ALNUM.sub("", (value or "").upper())


def _same_number(a: str | None, b: str | None) -> bool:
    return bool(a and b) and _digits(a).lstrip("0") == _digits(b).lstrip("0")


def _bank_matches(pm: PaymentMeans, vendor: Vendor) -> bool:
    account = _digits(pm.account)
    if account[:2].isalpha():  # IBAN
        if vendor.iban and account == _digits(vendor.iban):
            return True
        # a Danish IBAN embeds reg. no. (4) and account (10): DKkk RRRR AAAAAAAAAA
        return (
            account.startswith("DK")
            and len(account) == 18
            and _same_number(account[4:8], vendor.bank_reg)
            and _same_number(account[8:], vendor.bank_account)
        )
    return _same_number(pm.branch, vendor.bank_reg) and _same_number(pm.account, vendor.bank_account)


def _both(da: str, en: str) -> Text:
    return Text(" ".join(da.split()), " ".join(en.split()))


def payment_differs(pm: PaymentMeans, vendor: Vendor) -> Text | None:
    """Why these payment instructions do not match the vendor master, or ``None`` when they do."""
    code = (pm.code or "").strip()
    if code == "97":
        if vendor.cvr:
            return None
        return Text(
            "NemKonto (97), men kreditoren har intet CVR-nummer",
            "NemKonto (97) but the vendor has no CVR to pay to",
        )
    if code in ("30", "31", "42", "58"):
        if not (pm.account or "").strip() or _bank_matches(pm, vendor):
            return None  # no account given: the master's account is used
        return _both(
            f"bankkonto {pm.branch or ''} {pm.account}", f"bank account {pm.branch or ''} {pm.account}"
        )
    if code == "93":
        creditor = pm.creditor_account or pm.account
        if _same_number(creditor, vendor.fik_creditor):
            return None
        return Text(f"FIK-kreditor {creditor or '-'}", f"FIK creditor {creditor or '-'}")
    if code == "50":
        if _same_number(pm.account, vendor.giro_account):
            return None
        return Text(f"girokonto {pm.account or '-'}", f"giro account {pm.account or '-'}")
    return None


def _master_text(vendor: Vendor) -> Text:
    da: list[str] = []
    en: list[str] = []
    if vendor.iban:
        da.append(f"IBAN {vendor.iban}")
        en.append(f"IBAN {vendor.iban}")
    if vendor.bank_account:
        da.append(f"konto {vendor.bank_reg or ''} {vendor.bank_account}".strip())
        en.append(f"account {vendor.bank_reg or ''} {vendor.bank_account}".strip())
    if vendor.fik_creditor:
        da.append(f"FIK {vendor.fik_creditor}")
        en.append(f"FIK {vendor.fik_creditor}")
    if vendor.giro_account:
        da.append(f"giro {vendor.giro_account}")
        en.append(f"giro {vendor.giro_account}")
    if vendor.nemkonto:
        da.append("NemKonto")
        en.append("NemKonto")
    return Text(", ".join(da) or "-", ", ".join(en) or "-")


@VENDORS.rule("VENDOR-BANK", reason="PAY", action="PIN", field="BT-84")
def vendor_bank(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Bank details and payment means (BG-16) must match the vendor master; a difference is held for a
    person and never accepted automatically. NemKonto (97) to a known CVR passes."""
    vendor = _listed_vendor(invoice, ctx)
    if vendor is None:
        return  # no vendor master, or VENDOR-UNKNOWN holds it
    for pm in invoice.payment_means:
        why = payment_differs(pm, vendor)
        if why is None:
            continue
        master = _master_text(vendor)
        yield ctx.finding(
            da=f"Betalingsoplysningerne på fakturaen (betalingsmåde {pm.code}, BT-81/BT-84: {why.da}) "
            f"afviger fra kreditorstamdata for {vendor.number} ({master.da}). Kreditorteamet skal "
            "bekræfte oplysningerne hos leverandøren; stamdata ændres aldrig ud fra en faktura.",
            en=f"The invoice's payment details (payment means {pm.code}, BT-81/BT-84: {why.en}) differ from "
            f"the vendor master for {vendor.number} ({master.en}). The creditor team must "
            "confirm them with the supplier; the master is never changed from an invoice.",
            found=why,
            expected=master,
        )
