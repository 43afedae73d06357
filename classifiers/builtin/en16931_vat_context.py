"""EN 16931's VAT rules on the document as a whole, as ``EN16931-*-model.sch`` test them:

* BR-CO-09: every VAT identifier (the seller's, the buyer's, the tax representative's) starts with a
  country prefix (ISO 3166-1 alpha-2, Greece as EL); the list is the official one, generated from
  the artefacts with the code lists. UBL tests whether the first two characters occur in the list's
  text, CII whether they are one of its codes;
* BR-B-01 / BR-B-02: an invoice with the Italian split payment category (``B``) is a domestic
  Italian one, and has no standard rated (``S``) line, allowance, charge or breakdown beside it
  (Peppol's copy of the rule never sees a breakdown's ``S``: neither does the robot there);
* BR-IC-11: an intra-community supply (a breakdown of category ``K``) has the actual delivery date
  (BT-72) or an invoicing period (BG-14).

    >>> from robot.model import DocumentType, Invoice
    >>> from classifiers.api import Context
    >>> from classifiers.engine import Classifier
    >>> inv = Invoice(format="cii", document_type=DocumentType.INVOICE, vat_ids=("XX12345678",))
    >>> [f.official_ids for f in Classifier(only=["EN-VAT-ID-PREFIX"]).classify(inv, Context()).findings]
    [('BR-CO-09',)]
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from classifiers.api import Context, Finding
from classifiers.builtin._en_common import EN16931, every_allowance_charge
from classifiers.builtin.en16931_codes import rule_set, shown
from classifiers.codelists.lookup import codes
from classifiers.texts import Text
from robot.model import Invoice, SourceFormat


def _prefixes(invoice: Invoice) -> str:
    """The rule set whose prefix list judges the document (an OIOUBL 3 document: EN 16931 UBL's)."""
    return rule_set(invoice) or ("en16931-cii" if invoice.format == SourceFormat.CII else "en16931-ubl")


def _prefix_ok(vat_id: str, rules: str) -> bool:
    prefix = vat_id[:2]
    if rules == "en16931-cii":
        return prefix in codes(rules, "BR-CO-09")
    return prefix in _list_text(rules)  # contains(' AD AE ... ', substring(., 1, 2))


@lru_cache(maxsize=8)
def _list_text(rules: str) -> str:
    """The prefix list as the UBL assert's text (two-character codes, one space apart: which pairs of
    characters occur in it does not depend on the order)."""
    return f" {' '.join(sorted(codes(rules, 'BR-CO-09')))} "


@EN16931.rule("EN-VAT-ID-PREFIX", official_ids=("BR-CO-09",), field="BT-31")
def vat_id_prefix(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A VAT identifier does not start with a country prefix (BR-CO-09)."""
    if invoice.vat_ids is not None:
        written = invoice.vat_ids
    else:  # made in code or read from a printed PDF: the parties' identifiers
        written = tuple(v for v in (invoice.seller.vat_id, invoice.buyer.vat_id) if v)
    rules = _prefixes(invoice)
    for vat_id in written:
        if not _prefix_ok(vat_id, rules):
            yield ctx.finding(
                da=f"Momsnummeret {shown(vat_id)} begynder ikke med en landekode (fx DK) (BR-CO-09).",
                en=f"The VAT identifier {shown(vat_id)} does not start with a country code (e.g. DK) "
                "(BR-CO-09).",
                found=shown(vat_id),
                expected=Text("landekode + nummer, fx DK12345678", "country code + number, e.g. DK12345678"),
            )


def _categories(invoice: Invoice, breakdown: bool = True) -> set[str]:
    """The VAT categories the official split payment rules look at: UBL the breakdown's, the document
    allowances' and charges' and the lines'; CII every category code in the document."""
    cii = invoice.format == SourceFormat.CII
    found = {b.category for b in invoice.vat_breakdown} if breakdown else set()
    found |= {line.vat_category for line in invoice.lines}
    found |= {ac.vat_category for ac, index, _ in every_allowance_charge(invoice) if cii or index is None}
    return {c for c in found if c is not None}


@EN16931.rule("EN-SPLIT-PAYMENT", official_ids=("BR-B-01", "BR-B-02"), field="BT-151")
def split_payment(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An invoice with the split payment category (B) is not a domestic Italian one (BR-B-01), or also
    has a standard rated item (S) (BR-B-02)."""
    categories = _categories(invoice)
    if "B" not in categories:
        return
    others = (invoice.payee, invoice.tax_representative)
    parties = (invoice.seller, invoice.buyer, *(p for p in others if p is not None))
    countries = {p.address.country for p in parties if p.address is not None and p.address.country}
    if countries - {"IT"}:
        listed = ", ".join(shown(c) for c in sorted(countries)[:5])
        yield ctx.finding(
            da="Split payment (momskategori B) gælder kun italienske indenlandske fakturaer; fakturaen har "
            f"landekoder {listed} (BR-B-01).",
            en="Split payment (VAT category B) applies to domestic Italian invoices only; the invoice has "
            f"country codes {listed} (BR-B-01).",
            expected="IT",
            official_ids=("BR-B-01",),
        )
    # Peppol's copy of BR-B-02 looks for S in cac:TaxSubtotal/cbc:ID, which is never there: a
    # breakdown's category does not count for it
    if "S" in (categories if rule_set(invoice) != "peppol" else _categories(invoice, breakdown=False)):
        yield ctx.finding(
            da="Fakturaen har både split payment (momskategori B) og standardmoms (S) (BR-B-02).",
            en="The invoice has both split payment (VAT category B) and standard rated (S) items (BR-B-02).",
            expected=Text("enten B eller S", "either B or S"),
            official_ids=("BR-B-02",),
        )


@EN16931.rule("EN-IC-DELIVERY", official_ids=("BR-IC-11",), field="BT-72")
def intra_community_delivery(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An intra-community supply (category K) has neither the actual delivery date (BT-72) nor an
    invoicing period (BG-14) (BR-IC-11)."""
    if not any((b.category or "").strip() == "K" for b in invoice.vat_breakdown):
        return
    period = invoice.period
    dated = period is not None and (
        period.start is not None
        or period.end is not None
        or (invoice.format != SourceFormat.CII and bool(period.written))
    )
    if invoice.delivery_date is not None or dated:
        return
    yield ctx.finding(
        da="En EU-leverance (momskategori K) skal have leveringsdatoen (BT-72) eller en faktureringsperiode "
        "(BG-14) (BR-IC-11).",
        en="An intra-community supply (VAT category K) must have the actual delivery date (BT-72) or an "
        "invoicing period (BG-14) (BR-IC-11).",
        expected=Text("leveringsdato eller faktureringsperiode", "a delivery date or an invoicing period"),
    )
