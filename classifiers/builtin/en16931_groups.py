"""EN 16931 mandatory content of the repeated groups: each allowance and charge, of the document
(BR-31..BR-33, BR-36..BR-38) and of a line (BR-41..BR-44; the standard states the reason rules
again as BR-CO-21..24), each VAT breakdown (BR-45..BR-48) and
each payment instruction (BR-49; a credit transfer's account, BR-50, BR-61) and each preceding
invoice reference (BR-55) and supporting document (BR-52) has what the standard demands of it.

    >>> from robot.model import AllowanceCharge, DocumentType, Invoice
    >>> from classifiers.api import Context
    >>> from classifiers.engine import Classifier
    >>> inv = Invoice(format="cii", document_type=DocumentType.INVOICE,
    ...               allowances_charges=[AllowanceCharge(is_charge=True, reason="Fragt")])
    >>> found = Classifier(only=["EN-GROUP-MANDATORY"]).classify(inv, Context()).findings
    >>> sorted(f.official_ids[0] for f in found)
    ['BR-36', 'BR-37']

Each group's rule has the group as its context in the official Schematron, so a document without
the group has nothing to miss. BR-48 does not ask a rate of a breakdown not subject to VAT (``O``),
and in CII the breakdowns of ``O``, ``L`` and ``M`` are judged by their category's rules only (the
official artefact's context: BR-45..BR-48 never run on them).
"""

from __future__ import annotations

from collections.abc import Iterator

from classifiers.api import Context, Finding
from classifiers.builtin._en_common import EN16931, line_label
from classifiers.builtin.en16931_vat import CII_SHADOWED
from classifiers.texts import Text
from robot.model import AllowanceCharge, Invoice, SourceFormat

# (document level, line level): official ids for (amount, VAT category, reason) of an allowance / a charge
_ALLOWANCE = (("BR-31", "BR-32", "BR-33"), ("BR-41", None, "BR-42"))
_CHARGE = (("BR-36", "BR-37", "BR-38"), ("BR-43", None, "BR-44"))
#: the reason rules the standard states twice, with the same context and test (BR-CO-21..24)
_TWINS = {"BR-33": "BR-CO-21", "BR-38": "BR-CO-22", "BR-42": "BR-CO-23", "BR-44": "BR-CO-24"}
_FIELDS = {  # (allowance, charge): (document, line) BT ids of the amount, the category, the reason
    "amount": (("BT-92", "BT-136"), ("BT-99", "BT-141")),
    "category": (("BT-95", None), ("BT-102", None)),
    "reason": (("BT-97", "BT-139"), ("BT-104", "BT-144")),
}

_ALL_IDS = (
    *(i for level in (*_ALLOWANCE, *_CHARGE) for i in level if i is not None),
    "BR-45",
    "BR-46",
    "BR-47",
    "BR-48",
    "BR-49",
    "BR-50",
    "BR-61",
    "BR-55",
    "BR-52",
    *_TWINS.values(),
)


def _missing_in(ac: AllowanceCharge) -> Iterator[tuple[int, str]]:
    """What an allowance or a charge lacks: (position in its ids, field key). The official rules
    test the elements' presence; an allowance or charge read from XML says which it had."""
    present = ac.present
    if present is not None and "is_charge" not in present:
        return  # no ChargeIndicator: neither the allowances' nor the charges' rules take it
    there = present or frozenset()
    if ac.amount is None and "amount" not in there:
        yield 0, "amount"
    if not (ac.vat_category or "").strip() and "vat_category" not in there:
        yield 1, "category"
    if ac.reason is None and ac.reason_code is None and not {"reason", "reason_code"} & there:
        yield 2, "reason"


_NAMES = {
    "amount": Text("beløb", "amount"),
    "category": Text("momskategori", "VAT category code"),
    "reason": Text("årsag (tekst eller kode)", "reason (text or code)"),
}


def _allowance_findings(
    ctx: Context, ac: AllowanceCharge, line: tuple[str, str | None] | None
) -> Iterator[Finding]:
    ids = (_CHARGE if ac.is_charge else _ALLOWANCE)[0 if line is None else 1]
    kind = Text("Tillægget", "The charge") if ac.is_charge else Text("Fradraget", "The allowance")
    at_da, at_en = ("", "") if line is None else (f"Linje {line[0]}: ", f"Line {line[0]}: ")
    for position, key in _missing_in(ac):
        official = ids[position]
        if official is None:
            continue  # a line's allowance or charge has no VAT category of its own
        field = _FIELDS[key][1 if ac.is_charge else 0][0 if line is None else 1]
        name = _NAMES[key]
        yield ctx.finding(
            da=f"{at_da}{kind.da} mangler {name.da} ({field}) ({official}).",
            en=f"{at_en}{kind.en} has no {name.en} ({field}) ({official}).",
            expected=Text(f"{name.da} ({field})", f"{name.en} ({field})"),
            field=field,
            line_id=None if line is None else line[1],
            official_ids=(official, _TWINS[official]) if official in _TWINS else (official,),
        )


@EN16931.rule("EN-GROUP-MANDATORY", official_ids=_ALL_IDS, field="BG-20")
def group_mandatory(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An allowance or a charge lacks its amount, VAT category or reason (BR-31..BR-33, BR-36..BR-38,
    BR-41..BR-44; the reason also BR-CO-21..24), a VAT breakdown its taxable amount, VAT amount,
    category or rate (BR-45..BR-48), a payment instruction its payment means code (BR-49) or a credit
    transfer its account (BR-50, BR-61), a preceding invoice reference its number (BR-55)."""
    for ac in invoice.allowances_charges:
        yield from _allowance_findings(ctx, ac, None)
    for index, line in enumerate(invoice.lines):
        for ac in line.allowances_charges:
            yield from _allowance_findings(ctx, ac, (line_label(line.id, index), line.id))
    cii = invoice.format == SourceFormat.CII
    for b in invoice.vat_breakdown:
        category = (b.category or "").strip()
        if cii and category in CII_SHADOWED:
            continue  # in the CII artefact the category's own rule takes this context: BR-45..48 never run
        label = category or "?"
        missing = [
            ("BR-45", "BT-116", Text("momsgrundlag", "taxable amount"), b.taxable_amount is None),
            ("BR-46", "BT-117", Text("momsbeløb", "VAT amount"), b.tax_amount is None),
            ("BR-47", "BT-118", Text("momskategori", "VAT category code"), not category),
            ("BR-48", "BT-119", Text("momssats", "VAT rate"), b.rate is None and category != "O"),
        ]
        for official, field, name, absent in missing:
            if absent:
                yield ctx.finding(
                    da=f"Momsspecifikationen for kategori {label} mangler {name.da} ({field}) ({official}).",
                    en=f"The VAT breakdown of category {label} has no {name.en} ({field}) ({official}).",
                    expected=Text(f"{name.da} ({field})", f"{name.en} ({field})"),
                    field=field,
                    official_ids=(official,),
                )
    yield from _credit_transfers(invoice, ctx)
    yield from _references(invoice, ctx)
    for means in invoice.payment_means:
        if not (means.code or "").strip() and "code" not in (means.present or ()):
            yield ctx.finding(
                da="En betalingsinstruktion mangler betalingsmiddelkoden (BT-81) (BR-49).",
                en="A payment instruction has no payment means type code (BT-81) (BR-49).",
                expected=Text("betalingsmiddelkode (BT-81)", "payment means type code (BT-81)"),
                field="BT-81",
                official_ids=("BR-49",),
            )


_TRANSFER = ("30", "58")  # credit transfer, SEPA credit transfer


def _credit_transfers(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A credit transfer without the payee's account: BR-61 no account identifier (BT-84) at all (in
    CII: in the account group it has), BR-50 an account group (BG-17) whose identifier is blank."""
    cii = invoice.format == SourceFormat.CII
    for means in invoice.payment_means:
        if (means.code or "").strip() not in _TRANSFER:
            continue
        present = means.present
        group = means.account is not None if present is None else "account-group" in present
        has_id = means.account is not None if present is None else "account" in present
        if not has_id and (group or not cii):
            yield ctx.finding(
                da=f"Kontooverførsel (betalingsmiddel {means.code}) uden betalingsmodtagerens konto (BT-84) "
                "(BR-61).",
                en=f"A credit transfer (payment means {means.code}) without the payee's account (BT-84) "
                "(BR-61).",
                expected=Text("kontonummer eller IBAN (BT-84)", "an account number or IBAN (BT-84)"),
                field="BT-84",
                reason="PAY",
                official_ids=("BR-61",),
            )
        if group and not (means.account or "").strip():
            yield ctx.finding(
                da="Kontooplysningerne for kontooverførslen (BG-17) har intet kontonummer (BT-84) (BR-50).",
                en="The credit transfer's account (BG-17) has no account identifier (BT-84) (BR-50).",
                expected=Text("kontonummer eller IBAN (BT-84)", "an account number or IBAN (BT-84)"),
                field="BT-84",
                reason="PAY",
                official_ids=("BR-50",),
            )


#: references without what identifies them, as the readers record it in ``Invoice.present``:
#: (presence key, official id, BT id, Danish and English message, what is expected)
_UNIDENTIFIED = (
    (
        "BG-3-empty",
        "BR-55",
        "BT-25",
        "En henvisning til en tidligere faktura (BG-3) mangler fakturanummeret (BT-25) (BR-55).",
        "A preceding invoice reference (BG-3) has no invoice number (BT-25) (BR-55).",
        Text("den tidligere fakturas nummer (BT-25)", "the preceding invoice's number (BT-25)"),
    ),
    (
        "BG-24-unreferenced",
        "BR-52",
        "BT-122",
        "Et vedlagt dokument (BG-24) mangler sin reference (BT-122) (BR-52).",
        "An additional supporting document (BG-24) has no reference (BT-122) (BR-52).",
        Text("dokumentets reference (BT-122)", "the document's reference (BT-122)"),
    ),
)


def _references(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A preceding invoice reference (BG-3) without the invoice's number (BR-55), a supporting
    document (BG-24) without its reference (BR-52)."""
    present = invoice.present or ()
    for key, official, field, da, en, expected in _UNIDENTIFIED:
        if key in present:
            yield ctx.finding(
                da=da,
                en=en,
                expected=expected,
                field=field,
                reason="REF",
                action="PIN",
                official_ids=(official,),
            )
