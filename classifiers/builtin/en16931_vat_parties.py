"""EN 16931 per VAT category: the VAT identifiers a line's, an allowance's or a charge's category
needs of the parties (BR-x-02, -03, -04), as ``EN16931-*-model.sch`` say.

* ``S``, ``Z``, ``E``, ``L``, ``M``: the seller's VAT or tax registration identifier (BT-31/BT-32),
  or the seller's tax representative's VAT identifier (BT-63);
* ``AE`` (reverse charge): that, and the buyer's VAT identifier (BT-48) or legal registration
  identifier (BT-47);
* ``K`` (intra-community): the seller's (or representative's) VAT identifier and the buyer's;
* ``G`` (export): the seller's (or representative's) VAT identifier;
* ``O`` (not subject to VAT): none of the seller's, the representative's or the buyer's.

The official rules test the elements (a document read from XML says which it had:
``Invoice.present``, :func:`robot.readers.ubl_parts.party_ids_present`); an invoice read from a
printed PDF goes by the values read.

    >>> REQUIRES["K"]
    'seller and buyer VAT identifiers'
"""

from __future__ import annotations

from collections.abc import Iterator

from classifiers.api import Context, Finding
from classifiers.builtin._en_common import EN16931, every_allowance_charge
from classifiers.builtin.en16931_vat import GROUPS
from classifiers.texts import Text
from robot.model import AllowanceCharge, Invoice

#: category → (line rule, allowance rule, charge rule)
PARTY_IDS: dict[str, tuple[str, str, str]] = {
    code: (f"BR-{g}-02", f"BR-{g}-03", f"BR-{g}-04") for code, g in GROUPS.items()
}
REQUIRES = {
    **{code: "a seller VAT or tax identifier" for code in ("S", "Z", "E", "L", "M")},
    "AE": "seller VAT or tax identifier and buyer VAT or legal identifier",
    "K": "seller and buyer VAT identifiers",
    "G": "a seller VAT identifier",
    "O": "no VAT identifier of seller, tax representative or buyer",
}
_REQUIRES_DA = {
    **{code: "sælgers moms- eller skatteregistreringsnummer" for code in ("S", "Z", "E", "L", "M")},
    "AE": "sælgers moms- eller skatteregistreringsnummer og købers momsnummer eller CVR-/registreringsnummer",
    "K": "sælgers og købers momsnumre",
    "G": "sælgers momsnummer",
    "O": "intet momsnummer for sælger, skatterepræsentant eller køber",
}


def _facts(invoice: Invoice) -> frozenset[str]:
    """Which identifiers the document has (from XML: the elements; else the values read)."""
    if invoice.present is not None:
        return invoice.present
    found = set()
    if invoice.seller.vat_id:
        found |= {"seller-tax-id", "BT-31"}
    if invoice.buyer.vat_id:
        found.add("BT-48")
    if invoice.buyer.legal_id is not None:
        found.add("BT-47")
    return frozenset(found)


def _satisfied(category: str, facts: frozenset[str]) -> bool:
    seller_any = "seller-tax-id" in facts or "BT-63" in facts
    seller_vat = "BT-31" in facts or "BT-63" in facts
    if category == "O":
        return not ({"BT-31", "BT-63", "BT-48"} & facts)
    if category == "AE":
        return seller_any and bool({"BT-48", "BT-47"} & facts)
    if category == "K":
        return seller_vat and "BT-48" in facts
    if category == "G":
        return seller_vat
    return seller_any


def _judged(ac: AllowanceCharge) -> bool:
    """Whether an allowance's or charge's ChargeIndicator makes it one to the official rules."""
    return ac.present is None or "is_charge" in ac.present


def _uses(invoice: Invoice) -> Iterator[tuple[str, int]]:
    """Every VAT category of a line (0), an allowance (1) or a charge (2), once per category and kind."""
    seen: set[tuple[str, int]] = set()
    found = [((ln.vat_category or "").strip(), 0) for ln in invoice.lines]
    found += [
        ((ac.vat_category or "").strip(), 2 if ac.is_charge else 1)
        for ac, _, _ in every_allowance_charge(invoice)
        if _judged(ac)
    ]
    for use in found:
        if use[0] in PARTY_IDS and use not in seen:
            seen.add(use)
            yield use


@EN16931.rule(
    "EN-VAT-CATEGORY-PARTIES",
    official_ids=tuple(i for ids in PARTY_IDS.values() for i in ids),
    field="BT-31",
)
def category_parties(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A VAT category on a line, an allowance or a charge lacks the VAT identifiers it needs of the
    seller and the buyer, or category O has one it must not have (BR-x-02, -03, -04)."""
    facts = _facts(invoice)
    kinds = (Text("en linje", "a line"), Text("et fradrag", "an allowance"), Text("et tillæg", "a charge"))
    for category, which in _uses(invoice):
        if _satisfied(category, facts):
            continue
        official, kind = PARTY_IDS[category][which], kinds[which]
        need = Text(_REQUIRES_DA[category], REQUIRES[category])
        yield ctx.finding(
            da=f"Momskategori {category} på {kind.da} kræver {need.da} ({official}).",
            en=f"VAT category {category} on {kind.en} requires {need.en} ({official}).",
            expected=need,
            official_ids=(official,),
        )
