"""*Your rules* (``/my/rules``): what the robot does with the institution's invoices, in plain Danish
and English, generated from its criteria (classifiers/criteria.py, the ``customers.yaml`` entry)
and the registered rules (their disposition and severity, changed by the customer's ``rules``).

Nothing here is written per customer: :func:`explain` turns the model into sections of lines, so
the page says what the robot actually follows. Values from the configuration (remark prefixes,
an account string pattern) are printed by the template with autoescape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from classifiers.criteria import Customer, CustomerCriteria, RuleSetting
from classifiers.registry import RuleSpec
from classifiers.texts import Text
from robot.web.deps import User, config_of, customer
from robot.web.pages.customer import institution
from robot.web.reads.compare import master_data
from robot.web.render import money, render

router = APIRouter()


@dataclass(frozen=True, slots=True)
class Section:
    da: str
    en: str
    lines: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class Effect:
    """What a rule does for this customer: off, only a warning, or return/hold."""

    enabled: bool
    warning: bool
    disposition: str  # return | hold


def effect(spec: RuleSpec | None, criteria: CustomerCriteria) -> Effect:
    setting = criteria.setting(spec.code) if spec is not None else criteria.setting("")
    disposition = setting.disposition or (spec.disposition if spec is not None else "return")
    severity = setting.severity or (spec.severity if spec is not None else "error")
    return Effect(setting.enabled and spec is not None, severity == "warning", disposition)


def consequence(e: Effect) -> Text:
    if not e.enabled:
        return Text("Robotten kontrollerer ikke dette for jer.", "The robot does not check this for you.")
    if e.warning:
        return Text(
            "Robotten noterer det, men bogfører alligevel.",
            "The robot notes it but posts the invoice anyway.",
        )
    if e.disposition == "hold":
        return Text(
            "Ellers holdes fakturaen til kreditorteamet.",
            "Otherwise the invoice is held for the creditor team.",
        )
    return Text(
        "Ellers sendes fakturaen retur til leverandøren.",
        "Otherwise the invoice is returned to the supplier.",
    )


def _amount(value: Decimal) -> Text:
    return Text(money(value, "da"), money(value, "en"))


REFERENCE = {
    "person": ("en personreference (BT-10)", "a person reference (BT-10)"),
    "order": ("et ordrenummer (BT-13)", "an order number (BT-13)"),
    "either": (
        "en personreference (BT-10) eller et ordrenummer (BT-13)",
        "a person reference (BT-10) or an order number (BT-13)",
    ),
    "both": (
        "både en personreference (BT-10) og et ordrenummer (BT-13)",
        "both a person reference (BT-10) and an order number (BT-13)",
    ),
}


def explain(
    who: Customer, rules: Mapping[str, RuleSpec], vendor_names: Mapping[str, str]
) -> tuple[Section, ...]:
    """The institution's rules as sections of plain lines, from its criteria and the rules."""
    c = who.criteria

    def then(code: str) -> Text:
        return consequence(effect(rules.get(code), c))

    da, en = REFERENCE[c.reference]
    refs = [Text(f"Fakturaen skal have {da}.", f"The invoice must carry {en}."), then("DK-REFERENCE")]
    if c.require_account_string:
        refs.append(
            Text(
                "Fakturaen skal have en kontostreng (BT-19 eller på linjerne, BT-133).",
                "The invoice must carry an account string (BT-19, or on the lines, BT-133).",
            )
        )
        if c.account_string_pattern:
            p = c.account_string_pattern
            refs.append(Text(f"Kontostrengen skal passe til mønsteret {p}", f"It must match the pattern {p}"))
        refs.append(then("CUST-ACCOUNT-STRING"))
    limit = _amount(c.auto_post_limit) if c.auto_post_limit is not None else None
    limits: list[Text] = []
    if limit is not None:
        limits += [
            Text(
                f"Fakturaer på over {limit.da} kr. bogføres ikke automatisk.",
                f"Invoices above DKK {limit.en} are not posted automatically.",
            ),
            then("CUST-AMOUNT-LIMIT"),
        ]
    else:
        limits.append(
            Text("Der er ingen beløbsgrænse for automatisk bogføring.", "There is no amount limit.")
        )
    currencies = ", ".join(c.currencies)
    limits += [
        Text(f"Valutaer I tager imod: {currencies}.", f"Currencies you accept: {currencies}."),
        then("CUST-CURRENCY"),
    ]
    pct, absolute = c.order_tolerance.percent, _amount(c.order_tolerance.absolute)
    limits += [
        Text(
            f"Afvigelse fra ordren: højst {pct} % eller {absolute.da} kr.",
            f"Deviation from the order: at most {pct}% or DKK {absolute.en}.",
        ),
        then("PO-AMOUNT"),
    ]
    limits += [
        Text(
            f"Betalingsfristen må højst være {c.max_payment_days} dage.",
            f"The payment term may be at most {c.max_payment_days} days.",
        ),
        then("DK-PAYTERMS-30"),
    ]
    if c.supplier_allow_list:
        names = [f"{vendor_names.get(cvr, '')} (CVR {cvr})".strip() for cvr in c.supplier_allow_list]
        suppliers = [
            Text(
                "Kun disse leverandører bogføres automatisk, når fakturaen er i orden:",
                "Only these suppliers are posted automatically when the invoice is in order:",
            )
        ]
        suppliers += [Text(n, n) for n in names]
        suppliers.append(then("CUST-SUPPLIER-ALLOW"))
    else:
        suppliers = [
            Text(
                "Alle leverandører bogføres automatisk, når fakturaen er i orden.",
                "Every supplier is posted automatically when the invoice is in order.",
            )
        ]
    held = [
        Text(
            f"En bemærkning, der begynder med »{p}«, sender fakturaen til kreditorteamet.",
            f"A remark starting with “{p}” sends the invoice to the creditor team.",
        )
        for p in c.hold_remark_prefixes
    ]
    if c.four_eyes:
        what = ", ".join(c.four_eyes)
        held.append(
            Text(
                f"Frigivelse af disse kræver to forskellige personer: {what}.",
                f"Releasing these needs two different people: {what}.",
            )
        )
    holding = sorted(s.code for s in rules.values() if _holds(effect(s, c)))
    if holding:
        held.append(
            Text(
                "Regler, der holder en faktura til kreditorteamet: " + ", ".join(holding) + ".",
                "Rules that hold an invoice for the creditor team: " + ", ".join(holding) + ".",
            )
        )
    returns = [
        Text(
            "En faktura, der sendes retur, afvises (status RE): leverandøren sender en ny.",
            "A returned invoice is rejected (status RE): the supplier sends a new one.",
        )
    ]
    if c.return_status == "UQ":
        returns = [
            Text(
                "En faktura, der sendes retur, stilles i bero (status UQ): leverandøren svarer på den.",
                "A returned invoice is put under query (status UQ): the supplier answers it.",
            )
        ]
    changed = [_changed(code, s) for code, s in sorted(c.rules.items())]
    sections = [
        Section("Referencer", "References", tuple(refs)),
        Section("Grænser", "Limits", tuple(limits)),
        Section(
            "Leverandører, der går direkte igennem", "Suppliers that go straight through", tuple(suppliers)
        ),
        Section("Det, der holdes til kreditorteamet", "What is held for the creditor team", tuple(held)),
        Section("Returnering", "Returns", tuple(returns)),
    ]
    if changed:
        sections.append(Section("Regler, der er ændret for jer", "Rules changed for you", tuple(changed)))
    return tuple(sections)


def _holds(e: Effect) -> bool:
    return e.enabled and not e.warning and e.disposition == "hold"


def _changed(code: str, setting: RuleSetting) -> Text:
    if not setting.enabled:
        return Text(f"{code}: slået fra.", f"{code}: switched off.")
    parts_da, parts_en = [], []
    if setting.disposition:
        parts_da.append("holdes" if setting.disposition == "hold" else "sendes retur")
        parts_en.append("held" if setting.disposition == "hold" else "returned")
    if setting.severity:
        parts_da.append("kun en advarsel" if setting.severity == "warning" else "en fejl")
        parts_en.append("a warning only" if setting.severity == "warning" else "an error")
    params = ", ".join(f"{k} = {v}" for k, v in sorted(setting.params.items()))
    if params:
        parts_da.append(params)
        parts_en.append(params)
    return Text(
        f"{code}: {'; '.join(parts_da) or 'som standard'}.",
        f"{code}: {'; '.join(parts_en) or 'as standard'}.",
    )


@router.get("/my/rules")
def my_rules(request: Request, user: User = Depends(customer)) -> Response:
    me = institution(user)
    master = master_data(config_of(request))
    who = master.by_id.get(me) if master is not None else None
    sections: tuple[Section, ...] = ()
    if master is not None and who is not None:
        from classifiers.engine import load_rules

        rules = {spec.code: spec for spec in load_rules()}
        found = {cvr: master.vendors.by_cvr(cvr) for cvr in who.criteria.supplier_allow_list}
        names = {cvr: v.name for cvr, v in found.items() if v is not None}
        sections = explain(who, rules, names)
    context = {"who": who, "sections": sections, "institution": who.name if who else me}
    return render(request, "customer_rules.html", context)
