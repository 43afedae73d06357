"""EN 16931 code lists (BR-CL-*): each coded value the model carries, against the official code list.

The code lists are the official ones, generated from the validation artefacts
(:mod:`classifiers.codelists`): EN 16931 1.3.16 for UBL and CII, and the copy of the CEN rules in
Peppol BIS 3 for a UBL document whose CustomizationID names Peppol (the official validation of
those runs Peppol's artefacts, whose lists differ slightly). A value is checked as the official
assert does: whitespace normalised, one code, in the list (BR-CL-22 upper-cased first)::

    >>> from robot.model import DocumentType, Invoice
    >>> from classifiers.api import Context
    >>> from classifiers.engine import Classifier
    >>> inv = Invoice(format="cii", document_type=DocumentType.INVOICE, type_code="380", currency="DKX")
    >>> [f.official_ids for f in Classifier(only=["EN-CODE-LIST"]).classify(inv, Context()).findings]
    [('BR-CL-04',)]

Where the official context differs between the syntaxes, so does the check: in UBL BR-CL-17 is
every ``cac:TaxCategory`` (VAT breakdown and allowances/charges) and BR-CL-18 the line's
``cac:ClassifiedTaxCategory``; in CII BR-CL-17 is an allowance/charge's ``ram:CategoryTradeTax``
and BR-CL-18 every ``ram:ApplicableTradeTax`` (VAT breakdown and lines). An element present but
empty is officially checked (and fails); the model keeps an empty element's text as ``None``, so
only attributes (scheme ids, list ids, unit codes) are checked when present and empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from classifiers.api import Context, Finding
from classifiers.builtin._coded import (
    Coded,
    amount_currencies,
    countries,
    exemption_codes,
    header,
    lines,
    mime_codes,
    payment_means,
    period_codes,
    reasons,
    schemes,
    tax_category,
    trade_tax,
    vat_currencies,
)
from classifiers.builtin._en_common import EN16931, line_label
from classifiers.codelists.lookup import RULES, allowed
from classifiers.texts import Text
from robot.model import Invoice, SourceFormat

_UBL = frozenset({SourceFormat.PEPPOL_BIS3, SourceFormat.EN16931_UBL})


def rule_set(invoice: Invoice) -> str | None:
    """The official rule set judging the document's code lists (as the official-rules oracle picks it)::

    >>> from robot.model import DocumentType
    >>> rule_set(Invoice(format="en16931-ubl", document_type=DocumentType.INVOICE))
    'en16931-ubl'
    >>> rule_set(Invoice(format="oioubl-3", document_type=DocumentType.INVOICE)) is None
    True
    """
    if invoice.format == SourceFormat.CII:
        return "en16931-cii"
    if invoice.format == SourceFormat.PEPPOL_BIS3 or "peppol.eu" in (invoice.customization_id or ""):
        return "peppol" if invoice.format in _UBL else None
    return "en16931-ubl" if invoice.format == SourceFormat.EN16931_UBL else None


def code_list_set(invoice: Invoice) -> str | None:
    """The rule set whose code lists judge the document: :func:`rule_set`'s, or for OIOUBL 3 its own
    artefact's, which takes over Peppol's code-list asserts (PEPPOL-EN16931-CL*) with its lists."""
    found = rule_set(invoice)
    if found is None and invoice.format == SourceFormat.OIOUBL_3:
        return "oioubl3"
    return found


CODES = EN16931.judging(lambda invoice: code_list_set(invoice) is not None)

_XPATH_SPACE = re.compile(r"[ \t\r\n]+")


def normalize_space(value: str) -> str:
    """XPath ``normalize-space``: only space, tab, CR and LF count as white space."""
    return _XPATH_SPACE.sub(" ", value).strip(" \t\r\n")


def _upper(value: str) -> str:
    """XPath ``upper-case`` (one character for one: ``ß`` stays ``ß``)."""
    return "".join(c.upper() if len(c.upper()) == 1 else c for c in value)


def shown(value: str) -> str:
    """A supplier's value for a message: quoted and escaped, at most 40 characters::

    >>> shown("S"), shown("a\\nb"), shown("x" * 50)[-3:]
    ("'S'", "'a\\\\nb'", "x…'")
    """
    return repr(value if len(value) <= 40 else value[:40] + "…")


@dataclass(frozen=True, slots=True)
class Check:
    """One official assert: its id, the code list's name, and the coded values it judges."""

    official: str
    codelist: str
    values: Callable[[Invoice, bool], Iterator[Coded]]  # (invoice, cii)
    upper: bool = False
    exact: bool = False  # the code as written, not whitespace-normalised (Peppol's attribute tests)


_CHECKS: tuple[Check, ...] = (
    Check(
        "BR-CL-01",
        "UNTDID 1001",
        header(lambda i: i.type_code, "BT-3", "Fakturatypekode", "Invoice type code"),
    ),
    Check("BR-CL-03", "ISO 4217", vat_currencies),
    Check(
        "BR-CL-04", "ISO 4217", header(lambda i: i.currency, "BT-5", "Valutakode", "Invoice currency code")
    ),
    Check(
        "BR-CL-05",
        "ISO 4217",
        header(lambda i: i.tax_currency, "BT-6", "Momsvalutakode", "VAT accounting currency code"),
    ),
    Check("BR-CL-06", "UNTDID 2005", period_codes),
    Check("BR-CL-10", "ISO 6523 ICD", schemes(0)),
    Check("BR-CL-11", "ISO 6523 ICD", schemes(1)),
    Check("BR-CL-13", "UNTDID 7143", lines("classification")),
    Check("BR-CL-14", "ISO 3166-1", countries),
    Check("BR-CL-16", "UNCL 4461", payment_means),
    Check("BR-CL-17", "UNCL 5305", tax_category),
    Check("BR-CL-18", "UNCL 5305", trade_tax),
    Check("BR-CL-19", "UNCL 5189", reasons(charge=False)),
    Check("BR-CL-20", "UNCL 7161", reasons(charge=True)),
    Check("BR-CL-21", "ISO 6523 ICD", lines("standard")),
    Check("BR-CL-22", "VATEX", exemption_codes, upper=True),
    Check("BR-CL-23", "UN/ECE Rec. 20/21", lines("unit")),
    Check("BR-CL-24", "MIME", mime_codes, exact=True),
    Check("BR-CL-25", "EAS", schemes(2)),
    Check("PEPPOL-EN16931-CL001", "MIME (Peppol)", mime_codes, exact=True),
    Check("PEPPOL-EN16931-CL002", "UNCL 5189 (Peppol)", reasons(charge=False, indicated=True)),
    Check("PEPPOL-EN16931-CL003", "UNCL 7161 (Peppol)", reasons(charge=True, indicated=True)),
    Check("PEPPOL-EN16931-CL006", "UNCL 2005 (Peppol)", period_codes),
    Check("PEPPOL-EN16931-CL007", "ISO 4217 (Peppol)", amount_currencies, exact=True),
    Check("PEPPOL-EN16931-CL008", "EAS (Peppol)", schemes(2), exact=True),
)
#: the checks each rule set has an assert for (Peppol's own code lists judge Peppol BIS 3 only)
_BY_RULE_SET = {rules: tuple(c for c in _CHECKS if c.official in RULES[rules]) for rules in RULES}

#: the official ids this module mirrors
MIRRORED = tuple(check.official for check in _CHECKS)


def _expected(codelist: str, codes: frozenset[str]) -> Text:
    if len(codes) <= 12:
        listed = ", ".join(sorted(codes))
        return Text(f"en kode i {codelist}: {listed}", f"a code of {codelist}: {listed}")
    return Text(f"en kode i {codelist}", f"a code of {codelist}")


@CODES.rule("EN-CODE-LIST", official_ids=MIRRORED)
def code_lists(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A coded value (type code, currency, country, VAT category, unit, payment means, allowance/charge
    reason, scheme and list ids, VAT point date code) is not in its EN 16931 code list (BR-CL-01..
    BR-CL-25), or, in Peppol BIS 3, in Peppol's own (PEPPOL-EN16931-CL002..CL008)."""
    rules = code_list_set(invoice)
    if rules is None:
        return
    cii = rules == "en16931-cii"
    for check in _BY_RULE_SET[rules]:
        for coded in check.values(invoice, cii):
            codes = allowed(rules, check.official, coded.lists)
            if coded.value in codes and not check.upper:  # the usual case: a code as it stands
                continue
            if check.exact:
                normal = coded.value
            else:
                normal = normalize_space(_upper(coded.value) if check.upper else coded.value)
            if normal in codes:
                continue
            at_da = at_en = ""
            if coded.line is not None:
                label = line_label(coded.line_id, coded.line)
                at_da, at_en = f"Linje {label}: ", f"Line {label}: "
            value = shown(coded.value)
            yield ctx.finding(
                da=f"{at_da}{coded.da} ({coded.field}) er {value}, som ikke er en kode i {check.codelist} "
                f"({check.official}).",
                en=f"{at_en}{coded.en} ({coded.field}) is {value}, which is not a code of {check.codelist} "
                f"({check.official}).",
                found=value,
                expected=_expected(check.codelist, codes),
                field=coded.field,
                line_id=coded.line_id,
                official_ids=(check.official,),
            )
