"""EN 16931 per VAT category: the rate a line, an allowance or a charge may have (BR-x-05, -06, -07)
and whether a VAT breakdown gives an exemption reason (BR-x-10), as ``EN16931-*-model.sch`` say.

Each category has its rule group (``S`` standard, ``Z`` zero rated, ``E`` exempt, ``AE`` reverse
charge, ``K`` intra-community (``IC``), ``G`` export, ``O`` not subject to VAT, ``L`` Canary Islands
(``AF``), ``M`` Ceuta and Melilla (``AG``)):

* the rate (BT-152 on a line, BT-96 on an allowance, BT-103 on a charge) is above zero for ``S``,
  zero or more for ``L`` and ``M`` (in CII above zero for ``L``, as its artefact says), absent for
  ``O`` and exactly zero for the others; an absent rate is not zero;
* a VAT breakdown (BG-23) of ``S``, ``Z``, ``L`` or ``M`` has no exemption reason (BT-120) nor
  code (BT-121); one of ``E``, ``AE``, ``K``, ``G`` or ``O`` has one of them.

    >>> RATE_IDS["K"], EXEMPTION_IDS["L"]
    (('BR-IC-05', 'BR-IC-06', 'BR-IC-07'), 'BR-AF-10')
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal

from classifiers.api import Context, Finding
from classifiers.builtin._en_common import EN16931, every_allowance_charge, line_label
from classifiers.builtin.en16931_vat import GROUPS
from classifiers.texts import Text
from robot.model import AllowanceCharge, Invoice, SourceFormat

#: category → (line rule, allowance rule, charge rule)
RATE_IDS: dict[str, tuple[str, str, str]] = {
    code: (f"BR-{g}-05", f"BR-{g}-06", f"BR-{g}-07") for code, g in GROUPS.items()
}
#: category → the exemption rule of its VAT breakdown
EXEMPTION_IDS: dict[str, str] = {code: f"BR-{g}-10" for code, g in GROUPS.items()}
_EXEMPT = frozenset({"E", "AE", "K", "G", "O"})  # these must give a reason; the others must not

_Rate = tuple[Callable[[Decimal | None], bool], Text]
_ZERO: _Rate = (lambda r: r is not None and r == 0, Text("være 0", "be 0"))
#: category → whether a rate is allowed, and what it must be (Danish, English)
_RATES: dict[str, _Rate] = {
    "S": (lambda r: r is not None and r > 0, Text("være større end 0", "be greater than 0")),
    "L": (lambda r: r is not None and r >= 0, Text("være 0 eller mere", "be 0 or more")),
    "M": (lambda r: r is not None and r >= 0, Text("være 0 eller mere", "be 0 or more")),
    "O": (lambda r: r is None, Text("mangle (ikke momspligtig)", "be absent (not subject to VAT)")),
    **{code: _ZERO for code in ("Z", "E", "AE", "K", "G")},
}
#: CII's artefact asks a rate above zero of L (Canary Islands), where UBL's allows zero
_RATES_CII = {**_RATES, "L": _RATES["S"]}


def _shown(rate: Decimal | None, none: str) -> str:
    return none if rate is None else f"{rate.normalize():f}"


def _allowance_charge(ac: AllowanceCharge, at_da: str, at_en: str) -> tuple[int, str, Text]:
    """Which rule judges an allowance's or a charge's rate (1, 2), its field and its name."""
    if ac.is_charge:
        return 2, "BT-103", Text(f"{at_da}Tillæggets momssats", f"{at_en}The charge's VAT rate")
    return 1, "BT-96", Text(f"{at_da}Fradragets momssats", f"{at_en}The allowance's VAT rate")


def _rates(invoice: Invoice) -> Iterator[tuple[str, Decimal | None, int, str, Text, str | None]]:
    """Every VAT category given a rate in the document: (category, rate, which rule (0 line,
    1 allowance, 2 charge), field, what it is (da, en), line id)."""
    for index, line in enumerate(invoice.lines):
        label = line_label(line.id, index)
        if category := (line.vat_category or "").strip():
            what = Text(f"Linje {label}: varens momssats", f"Line {label}: the item VAT rate")
            yield category, line.vat_rate, 0, "BT-152", what, line.id
        for ac in line.allowances_charges:  # (CII: a line's allowance/charge may name its category)
            if category := (ac.vat_category or "").strip():
                which, field, what = _allowance_charge(ac, f"Linje {label}: ", f"Line {label}: ")
                yield category, ac.vat_rate, which, field, what, line.id
    for ac in invoice.allowances_charges:
        if category := (ac.vat_category or "").strip():
            which, field, what = _allowance_charge(ac, "", "")
            yield category, ac.vat_rate, which, field, what, None


@EN16931.rule(
    "EN-VAT-CATEGORY-RATE",
    official_ids=tuple(i for ids in RATE_IDS.values() for i in ids),
    field="BT-152",
)
def category_rate(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A line's, an allowance's or a charge's VAT rate does not fit its VAT category (above zero for
    S, zero for Z, E, AE, K and G, none for O, zero or more for L and M: BR-x-05, -06, -07)."""
    rates = _RATES_CII if invoice.format == SourceFormat.CII else _RATES
    for category, rate, which, field, what, line_id in _rates(invoice):
        if category not in rates:
            continue  # an unknown category is BR-CL-17/18's
        allowed, must = rates[category]
        if allowed(rate):
            continue
        official = RATE_IDS[category][which]
        yield ctx.finding(
            da=f"{what.da} ({field}) er {_shown(rate, 'ingen')} i momskategori {category}; "
            f"den skal {must.da} ({official}).",
            en=f"{what.en} ({field}) is {_shown(rate, 'none')} in VAT category {category}; "
            f"it must {must.en} ({official}).",
            found=None if rate is None else rate,
            expected=must,
            field=field,
            line_id=line_id,
            official_ids=(official,),
        )


@EN16931.rule("EN-VAT-EXEMPTION", official_ids=tuple(EXEMPTION_IDS.values()), field="BT-120")
def exemption_reason(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A VAT breakdown of an exempt category (E, AE, K, G, O) gives no exemption reason (BT-120) nor
    code (BT-121), or one of a taxed category (S, Z, L, M) gives one (BR-x-10)."""
    for b in invoice.vat_breakdown:
        category = (b.category or "").strip()
        if category not in EXEMPTION_IDS:
            continue
        given = b.exemption_reason is not None or b.exemption_reason_code is not None
        official = EXEMPTION_IDS[category]
        if category in _EXEMPT and not given:
            yield ctx.finding(
                da=f"Momsspecifikationen for kategori {category} mangler en fritagelsesgrund (BT-120) eller "
                f"-kode (BT-121) ({official}).",
                en=f"The VAT breakdown of category {category} has no exemption reason (BT-120) or reason "
                f"code (BT-121) ({official}).",
                expected=Text("en fritagelsesgrund eller -kode", "an exemption reason or reason code"),
                official_ids=(official,),
            )
        elif category not in _EXEMPT and given:
            yield ctx.finding(
                da=f"Momsspecifikationen for kategori {category} har en fritagelsesgrund, men kategorien er "
                f"momspligtig ({official}).",
                en=f"The VAT breakdown of category {category} gives an exemption reason, but the category is "
                f"taxed ({official}).",
                found=b.exemption_reason_code or "BT-120",
                expected=Text("ingen fritagelsesgrund", "no exemption reason"),
                field="BT-121" if b.exemption_reason_code is not None else "BT-120",
                official_ids=(official,),
            )


#: category → its rule that the VAT breakdown has the category (BR-x-01)
BREAKDOWN_IDS: dict[str, str] = {code: f"BR-{g}-01" for code, g in GROUPS.items()}
_ANY_NUMBER = frozenset({"S", "L", "M"})  # one breakdown per rate: any number; the others exactly one


def _counts(invoice: Invoice) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """How many lines, allowances/charges (document and lines) and VAT breakdowns name each category."""
    lines: Counter[str] = Counter()
    acs: Counter[str] = Counter()
    for ln in invoice.lines:
        if ln.vat_category:
            lines[ln.vat_category.strip()] += 1
        for ac in ln.allowances_charges:
            if ac.vat_category:
                acs[ac.vat_category.strip()] += 1
    for ac in invoice.allowances_charges:
        if ac.vat_category:
            acs[ac.vat_category.strip()] += 1
    breakdowns = Counter((b.category or "").strip() for b in invoice.vat_breakdown)
    return lines, acs, breakdowns


def _breakdown_ok(category: str, lines: int, acs: int, breakdowns: int, cii: bool) -> bool:
    """BR-x-01 as each syntax's artefact writes it (CII's counts differ from UBL's)."""
    if category in _ANY_NUMBER:
        if cii:  # CII: the line's (or allowance's) and the breakdown's taxes counted together
            return (lines == 0 or lines + breakdowns >= 2) and (acs == 0 or acs + breakdowns >= 2)
        return (lines + acs > 0) == (breakdowns > 0)
    if cii:
        used = lines > 0 or acs > 0
        if category == "O":
            return breakdowns == 0 or (breakdowns == 1 and used)
        return (breakdowns == 0 and not used) or (breakdowns == 1 and used)
    return breakdowns == 1 or (breakdowns == 0 and lines == 0 and acs == 0)


@EN16931.rule("EN-VAT-CATEGORY-BREAKDOWN", official_ids=tuple(BREAKDOWN_IDS.values()), field="BT-118")
def category_breakdown(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A VAT category on a line, an allowance or a charge has no VAT breakdown (BG-23), a category
    other than S, L and M more than one, or a breakdown's category is on nothing (BR-x-01)."""
    cii = invoice.format == SourceFormat.CII
    by_line, by_ac, by_breakdown = _counts(invoice)
    for category, official in BREAKDOWN_IDS.items():
        lines, acs, breakdowns = by_line[category], by_ac[category], by_breakdown[category]
        if (lines or acs or breakdowns) == 0 or _breakdown_ok(category, lines, acs, breakdowns, cii):
            continue
        need = (
            Text(
                "en momsspecifikation pr. sats, når kategorien bruges",
                "a VAT breakdown per rate where it is used",
            )
            if category in _ANY_NUMBER
            else Text(
                "præcis én momsspecifikation, når kategorien bruges",
                "exactly one VAT breakdown where it is used",
            )
        )
        yield ctx.finding(
            da=f"Momskategori {category} står på {lines} linje(r) og {acs} fradrag/tillæg og har "
            f"{breakdowns} momsspecifikation(er); kategorien skal have {need.da} ({official}).",
            en=f"VAT category {category} is on {lines} line(s) and {acs} allowance(s)/charge(s) and has "
            f"{breakdowns} VAT breakdown(s); it must have {need.en} ({official}).",
            found=Text(f"{breakdowns} momsspecifikation(er)", f"{breakdowns} VAT breakdown(s)"),
            expected=need,
            official_ids=(official,),
        )


#: with a VAT breakdown of category O: no other category in the breakdowns, on lines, on
#: allowances, on charges
NOT_SUBJECT_IDS = ("BR-O-11", "BR-O-12", "BR-O-13", "BR-O-14")


def _others(invoice: Invoice) -> tuple[bool, bool, bool, bool]:
    """Whether a category other than O is in a breakdown, on a line, an allowance, a charge."""

    def other(code: str | None) -> bool:
        return code is not None and code.strip() != "O"

    acs = [ac for ac, _, _ in every_allowance_charge(invoice)]
    return (
        any(other(b.category) for b in invoice.vat_breakdown),
        any(other(ln.vat_category) for ln in invoice.lines),
        any(other(ac.vat_category) for ac in acs if not ac.is_charge),
        any(other(ac.vat_category) for ac in acs if ac.is_charge),
    )


@EN16931.rule("EN-VAT-NOT-SUBJECT-ALONE", official_ids=NOT_SUBJECT_IDS, field="BT-118")
def not_subject_alone(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A document with a VAT breakdown of category O (not subject to VAT) has another category in a
    breakdown, on a line, an allowance or a charge (BR-O-11..BR-O-14)."""
    if not any((b.category or "").strip() == "O" for b in invoice.vat_breakdown):
        return
    breakdown, line, allowance, charge = _others(invoice)
    if invoice.format == SourceFormat.CII:  # CII's artefact tests every trade tax alike, in pairs
        breakdown = line = breakdown or line
        allowance = charge = allowance or charge
    where = (
        Text("i en anden momsspecifikation", "in another VAT breakdown"),
        Text("på en linje", "on a line"),
        Text("på et fradrag", "on an allowance"),
        Text("på et tillæg", "on a charge"),
    )
    for official, found, at in zip(NOT_SUBJECT_IDS, (breakdown, line, allowance, charge), where, strict=True):
        if found:
            yield ctx.finding(
                da=f"Fakturaen har momskategori O (ikke momspligtig), men en anden momskategori {at.da} "
                f"({official}); en faktura med O må ikke have andre kategorier.",
                en=f"The invoice has VAT category O (not subject to VAT) but another VAT category {at.en} "
                f"({official}); an invoice with O must have no other category.",
                expected=Text("kun momskategori O", "VAT category O only"),
                official_ids=(official,),
            )
