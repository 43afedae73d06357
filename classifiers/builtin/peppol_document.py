"""Peppol BIS 3's own rules on the document (``PEPPOL-EN16931-*`` of ``PEPPOL-EN16931-UBL.sch``), for
a Peppol BIS 3 UBL document: the business process (R001, R007), the specification identifier (R004),
one note (R002), the VAT accounting currency (R005), the seller's electronic address (R020), the type
codes of process 01 (P0100, P0101) and the German-only ones (P0112), the VAT category each
exemption reason code (VATEX) belongs to (P0104..P0111), and the document references: one project
reference (R080), a line's only being its invoiced object (R100, R101).

OIOUBL 3's artefact takes over R001, R002, R005, R020, P0104..P0111 and R080 (for invoices as well),
R100, R101 (not R004, R007 and the type
codes: its own specification, processes and codes), so an OIOUBL 3 document is judged by those too.

    >>> from robot.model import DocumentType, Invoice
    >>> from classifiers.api import Context
    >>> from classifiers.engine import Classifier
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, profile_id="billing",
    ...               customization_id=SPECIFICATION)
    >>> found = Classifier(only=["PEPPOL-PROCESS"]).classify(inv, Context()).findings
    >>> [f.official_ids for f in found]
    [('PEPPOL-EN16931-R007',)]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from classifiers.api import Context, Finding
from classifiers.builtin._en_common import PEPPOL, PEPPOL_UBL, line_label, tax_currency_given
from classifiers.builtin.danish import country
from classifiers.texts import Text
from robot.model import Invoice, Party, SourceFormat

SPECIFICATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
_PROCESS = re.compile(r"urn:fdc:peppol\.eu:2017:poacc:billing:([0-9]{2}):1\.0")
_INVOICE_TYPES_01 = frozenset(
    [
        "71",
        "80",
        "82",
        "84",
        "102",
        "218",
        "219",
        "326",
        "331",
        "380",
        "382",
        "383",
        "384",
        "386",
        "388",
        "393",
        "395",
        "553",
        "575",
        "623",
        "780",
        "817",
        "870",
        "875",
        "876",
        "877",
    ]
)
_CREDIT_NOTE_TYPES_01 = frozenset(["381", "396", "81", "83", "532"])
_GERMAN_ONLY = frozenset({"326", "384"})
#: exemption reason code → the VAT category it belongs to, and the official id saying so
EXEMPTIONS: dict[str, tuple[str, str]] = {
    "VATEX-EU-G": ("G", "PEPPOL-EN16931-P0104"),
    "VATEX-EU-O": ("O", "PEPPOL-EN16931-P0105"),
    "VATEX-EU-IC": ("K", "PEPPOL-EN16931-P0106"),
    "VATEX-EU-AE": ("AE", "PEPPOL-EN16931-P0107"),
    "VATEX-EU-D": ("E", "PEPPOL-EN16931-P0108"),
    "VATEX-EU-F": ("E", "PEPPOL-EN16931-P0109"),
    "VATEX-EU-I": ("E", "PEPPOL-EN16931-P0110"),
    "VATEX-EU-J": ("E", "PEPPOL-EN16931-P0111"),
}


def _normalized(value: str | None) -> str:
    return " ".join((value or "").split())


def profile(invoice: Invoice) -> str:
    """The Peppol process number (``01``) of the ProfileID, or ``Unknown``, as the artefact takes it."""
    match = _PROCESS.search(_normalized(invoice.profile_id))
    return match.group(1) if match else "Unknown"


def _german(party: Party) -> bool:
    return country(party) == "DE"


@PEPPOL.rule("PEPPOL-PROFILE", official_ids=("PEPPOL-EN16931-R001",), field="BT-23")
def profile_present(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The business process (BT-23, ProfileID) is missing (R001)."""
    present = invoice.present or frozenset()
    if invoice.profile_id is None and "BT-23" not in present:
        yield ctx.finding(
            da="Forretningsprocessen (BT-23, ProfileID) mangler (PEPPOL-EN16931-R001).",
            en="The business process (BT-23, ProfileID) is missing (PEPPOL-EN16931-R001).",
            expected="urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
        )


@PEPPOL_UBL.rule("PEPPOL-PROCESS", official_ids=("PEPPOL-EN16931-R007", "PEPPOL-EN16931-R004"), field="BT-23")
def process(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The business process (BT-23) is not a Peppol process (R007), or the specification identifier
    (BT-24) is not Peppol BIS 3's (R004)."""
    if profile(invoice) == "Unknown":
        yield ctx.finding(
            da="Forretningsprocessen (BT-23) har ikke formen urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0 "
            "(PEPPOL-EN16931-R007).",
            en="The business process (BT-23) is not of the form urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0 "
            "(PEPPOL-EN16931-R007).",
            found=(invoice.profile_id or "")[:80] or None,
            expected="urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0",
            official_ids=("PEPPOL-EN16931-R007",),
        )
    if not _normalized(invoice.customization_id).startswith(SPECIFICATION):
        yield ctx.finding(
            da=f"Specifikations-id (BT-24) er ikke Peppol BIS 3's ({SPECIFICATION}) (PEPPOL-EN16931-R004).",
            en=f"The specification identifier (BT-24) is not Peppol BIS 3's ({SPECIFICATION}) "
            "(PEPPOL-EN16931-R004).",
            found=(invoice.customization_id or "")[:80] or None,
            expected=SPECIFICATION,
            field="BT-24",
            official_ids=("PEPPOL-EN16931-R004",),
        )


@PEPPOL.rule(
    "PEPPOL-DOCUMENT",
    official_ids=(
        "PEPPOL-EN16931-R002",
        "PEPPOL-EN16931-R005",
        "PEPPOL-EN16931-R020",
    ),
    field="BT-22",
)
def document(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """More than one note (R002, unless seller and buyer are German), a VAT accounting currency equal
    to the invoice currency (R005), or no seller electronic address (R020)."""
    present = invoice.present or frozenset()
    german = _german(invoice.seller) and _german(invoice.buyer)
    if ("BT-22+" in present or len(invoice.notes) > 1) and not german:
        yield ctx.finding(
            da="Fakturaen har mere end én note (BT-22); Peppol tillader én (PEPPOL-EN16931-R002).",
            en="The invoice has more than one note (BT-22); Peppol allows one (PEPPOL-EN16931-R002).",
            expected=Text("højst én note", "at most one note"),
            official_ids=("PEPPOL-EN16931-R002",),
        )
    if tax_currency_given(invoice) and _normalized(invoice.tax_currency) == _normalized(invoice.currency):
        yield ctx.finding(
            da="Momsvalutaen (BT-6) er den samme som fakturavalutaen (BT-5) (PEPPOL-EN16931-R005).",
            en="The VAT accounting currency (BT-6) is the invoice currency (BT-5) (PEPPOL-EN16931-R005).",
            found=invoice.tax_currency,
            expected=Text("en anden valuta end fakturaens", "a currency other than the invoice's"),
            field="BT-6",
            official_ids=("PEPPOL-EN16931-R005",),
        )
    seller_party = "seller-party" in present or bool(invoice.seller.name or invoice.seller.vat_id)
    if seller_party and invoice.seller.endpoint is None and "BT-34" not in present:
        yield ctx.finding(
            da="Sælgers elektroniske adresse (BT-34, EndpointID) mangler (PEPPOL-EN16931-R020).",
            en="The seller's electronic address (BT-34, EndpointID) is missing (PEPPOL-EN16931-R020).",
            expected=Text("sælgers elektroniske adresse", "the seller's electronic address"),
            field="BT-34",
            official_ids=("PEPPOL-EN16931-R020",),
        )


@PEPPOL_UBL.rule(
    "PEPPOL-TYPE-CODE",
    official_ids=("PEPPOL-EN16931-P0100", "PEPPOL-EN16931-P0101", "PEPPOL-EN16931-P0112"),
    field="BT-3",
)
def type_code(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The type code (BT-3) is outside process 01's (P0100, P0101), or one for German parties only
    (326, 384: P0112)."""
    german = _german(invoice.seller) and _german(invoice.buyer)
    code = _normalized(invoice.type_code)
    if invoice.type_code is None:
        return  # the rules' context is the type code element
    allowed, official = (
        (_CREDIT_NOTE_TYPES_01, "PEPPOL-EN16931-P0101")
        if invoice.is_credit_note
        else (_INVOICE_TYPES_01, "PEPPOL-EN16931-P0100")
    )
    if profile(invoice) == "01" and code not in allowed:
        yield ctx.finding(
            da=f"Fakturatypekoden (BT-3) {code!r} er ikke tilladt i Peppol-proces 01 ({official}).",
            en=f"The invoice type code (BT-3) {code!r} is not allowed in Peppol process 01 ({official}).",
            found=code,
            expected=Text("en typekode fra proces 01", "a type code of process 01"),
            field="BT-3",
            official_ids=(official,),
        )
    if not invoice.is_credit_note and code in _GERMAN_ONLY and not german:
        yield ctx.finding(
            da=f"Fakturatypekoden (BT-3) {code} bruges kun mellem tyske parter (PEPPOL-EN16931-P0112).",
            en=f"The invoice type code (BT-3) {code} is for German parties only (PEPPOL-EN16931-P0112).",
            found=code,
            field="BT-3",
            official_ids=("PEPPOL-EN16931-P0112",),
        )


@PEPPOL.rule(
    "PEPPOL-EXEMPTION-CATEGORY",
    official_ids=tuple(official for _, official in EXEMPTIONS.values()),
    field="BT-121",
)
def exemption_category(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A VAT exemption reason code (BT-121) of the VATEX list names another VAT category than the
    breakdown's (P0104..P0111: VATEX-EU-G is G, -O is O, -IC is K, -AE is AE, -D, -F, -I, -J are E)."""
    for b in invoice.vat_breakdown:
        code = (b.exemption_reason_code or "").upper()
        if code not in EXEMPTIONS:
            continue
        category, official = EXEMPTIONS[code]
        if _normalized(b.category) != category:
            yield ctx.finding(
                da=f"Fritagelseskoden {code} (BT-121) hører til momskategori {category}, men "
                f"momsspecifikationen har kategori {b.category or '-'} ({official}).",
                en=f"The exemption reason code {code} (BT-121) belongs to VAT category {category}, but the "
                f"VAT breakdown has category {b.category or '-'} ({official}).",
                found=b.category,
                expected=category,
                official_ids=(official,),
            )


@PEPPOL.rule(
    "PEPPOL-REFERENCES",
    official_ids=("PEPPOL-EN16931-R080", "PEPPOL-EN16931-R100", "PEPPOL-EN16931-R101"),
    field="BT-128",
    reason="REF",
)
def references(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """More than one project reference (BT-11, a document reference of type 50) on a credit note (on
    any OIOUBL 3 document) (R080); a line with more than one document reference (R100) or one that is
    not its invoiced object (BT-128, type 130) (R101)."""
    oioubl3 = invoice.format == SourceFormat.OIOUBL_3
    if "BT-11+" in (invoice.present or ()) and (invoice.is_credit_note or oioubl3):
        yield ctx.finding(
            da="Dokumentet har mere end én projektreference (BT-11, dokumenttype 50) (PEPPOL-EN16931-R080).",
            en="The document has more than one project reference (BT-11, document type 50) "
            "(PEPPOL-EN16931-R080).",
            expected=Text("højst én projektreference", "at most one project reference"),
            field="BT-11",
            official_ids=("PEPPOL-EN16931-R080",),
        )
    for index, line in enumerate(invoice.lines):
        types = line.object_types
        if not types:
            continue
        label = line_label(line.id, index)
        if len(types) > 1:
            yield ctx.finding(
                da=f"Linje {label}: linjen har {len(types)} dokumentreferencer; højst én er tilladt "
                "(PEPPOL-EN16931-R100).",
                en=f"Line {label}: the line has {len(types)} document references; at most one is allowed "
                "(PEPPOL-EN16931-R100).",
                found=str(len(types)),
                expected="1",
                line_id=line.id,
                official_ids=("PEPPOL-EN16931-R100",),
            )
        if "130" not in types:
            yield ctx.finding(
                da=f"Linje {label}: en linjes dokumentreference må kun være dens fakturerede objekt (BT-128, "
                "dokumenttype 130) (PEPPOL-EN16931-R101).",
                en=f"Line {label}: a line's document reference may only be its invoiced object (BT-128, "
                "document type 130) (PEPPOL-EN16931-R101).",
                expected="130",
                line_id=line.id,
                official_ids=("PEPPOL-EN16931-R101",),
            )
