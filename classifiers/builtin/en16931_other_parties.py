"""The parties beside the seller and the buyer, as ``EN16931-*-model.sch`` test them:

* BR-17: a payee (BG-10) has a name (BT-59), and is not the seller under another heading (the same
  name, identifier or, in CII, legal registration identifier as the seller's);
* BR-18 / BR-19 / BR-20 / BR-56: a seller's tax representative (BG-11) has a name (BT-62), a postal
  address (BG-12) with a country code (BT-69), and a VAT identifier (BT-63) (CII asks the country
  code of the representative itself: without an address it lacks both).

In UBL the payee's and the representative's name is their ``cac:PartyName/cbc:Name``
(``Party.trading_name``), in CII their ``ram:Name`` (``Party.name``).

    >>> from robot.model import DocumentType, Invoice, Party
    >>> from classifiers.api import Context
    >>> from classifiers.engine import Classifier
    >>> inv = Invoice(format="cii", document_type=DocumentType.INVOICE, tax_representative=Party(name="Rep"))
    >>> found = Classifier(only=["EN-TAX-REPRESENTATIVE"]).classify(inv, Context()).findings
    >>> [f.official_ids for f in found]
    [('BR-19',), ('BR-20',), ('BR-56',)]
"""

from __future__ import annotations

from collections.abc import Iterator

from classifiers.api import Context, Finding
from classifiers.builtin._en_common import EN16931
from classifiers.texts import Text
from robot.model import Invoice, Party, SourceFormat


def _name(party: Party, cii: bool) -> str | None:
    return party.name if cii else party.trading_name


@EN16931.rule("EN-PAYEE", official_ids=("BR-17",), field="BT-59")
def payee(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A payee (BG-10) without a name (BT-59), or one that is the seller itself (the same name,
    identifier or legal registration identifier) (BR-17)."""
    party = invoice.payee
    if party is None:
        return
    cii = invoice.format == SourceFormat.CII
    seller = invoice.seller
    name = _name(party, cii)
    same_ids = {i.value for i in party.party_ids} & {i.value for i in seller.party_ids}
    same_legal = (
        cii
        and party.legal_id is not None
        and seller.legal_id is not None
        and party.legal_id.value == seller.legal_id.value
    )
    if name is not None and name != _name(seller, cii) and not same_ids and not same_legal:
        return
    yield ctx.finding(
        da="Betalingsmodtageren (BG-10) skal have et navn (BT-59) og må kun angives, når den er en anden end "
        "sælgeren (BR-17).",
        en="The payee (BG-10) must have a name (BT-59) and is only given when it differs from the seller "
        "(BR-17).",
        expected=Text("betalingsmodtagerens navn, forskellig fra sælger", "the payee's name, not the seller"),
        reason="PAY",
    )


@EN16931.rule("EN-TAX-REPRESENTATIVE", official_ids=("BR-18", "BR-19", "BR-20", "BR-56"), field="BT-62")
def tax_representative(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The seller's tax representative (BG-11) lacks its name (BT-62, BR-18), postal address (BG-12,
    BR-19), its country code (BT-69, BR-20) or its VAT identifier (BT-63, BR-56)."""
    party = invoice.tax_representative
    if party is None:
        return
    cii = invoice.format == SourceFormat.CII
    present = invoice.present
    has_vat = "BT-63" in present if present is not None and not cii else bool((party.vat_id or "").strip())
    address = party.address
    country = None if address is None else address.country
    missing = (
        ("BR-18", "BT-62", Text("navn", "name"), not (_name(party, cii) or "").strip()),
        ("BR-19", "BG-12", Text("postadresse", "postal address"), address is None),
        (
            "BR-20",
            "BT-69",
            Text("landekode i adressen", "country code in the address"),
            (address is not None or cii) and not (country or "").strip(),
        ),
        ("BR-56", "BT-63", Text("momsnummer", "VAT identifier"), not has_vat),
    )
    for official, field, what, absent in missing:
        if absent:
            yield ctx.finding(
                da=f"Sælgers skatterepræsentant (BG-11) mangler {what.da} ({field}) ({official}).",
                en=f"The seller's tax representative (BG-11) has no {what.en} ({field}) ({official}).",
                expected=Text(f"{what.da} ({field})", f"{what.en} ({field})"),
                field=field,
                official_ids=(official,),
            )
