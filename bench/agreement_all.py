"""Agreement of every rule that claims an official id with the official rules, on the VEFA unit tests.

One pass over every test of the Peppol VEFA sets ``unit-UBL-PEPPOL``, ``unit-UBL-DK``,
``unit-CII-PEPPOL`` and ``unit-CII-DK``: each document is read with ``read_document``, classified
with ALL document-level rules, and for each official id any registered rule claims, our verdict
(a finding carries the id) is compared with the oracle's (the id fired) under the rule set the test
set is configured for (UBL: ``peppol``, CII: ``en16931-cii``). Writes ``docs/agreement.md``::

    .venv/bin/python -m bench.agreement_all                 # measure, write docs/agreement.md
    .venv/bin/python -m pytest tests/test_differential_vefa.py   # the same pass, asserted

An id the document's rule set does not contain (e.g. PEPPOL-* or DK-R-* on CII: the oracle has no
Peppol CII artefact) is "n/a" there, unless one of our rules claims it, which counts as a false
positive. Disagreements that cannot be removed are on the explicit allow-list ``ALLOWED`` below,
each with its reason and the exact document condition it covers. Needs ../shared/corpora and saxonche.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"

from bench.agreement_codes import VEFA_ALLOWANCES  # noqa: E402
from classifiers.api import Context  # noqa: E402
from classifiers.engine import Classifier  # noqa: E402
from robot.errors import ReadError  # noqa: E402
from robot.readers import read_document  # noqa: E402
from tests.support.oracle import (  # noqa: E402
    OracleUndecided,
    VefaCase,
    iter_vefa_cases,
    oracle_fired,
    oracle_rule_ids,
)

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
}


@dataclass(frozen=True)
class Allowance:
    """A disagreement we cannot remove: which ids, which side fires, on which documents, and why."""

    ids: tuple[str, ...]
    ours: bool  # True: only our rule fires (stricter); False: only the official rule fires
    xpath: str  # the document condition (an XPath that must select something)
    reason: str

    def covers(self, root: etree._Element, oid: str, ours: bool) -> bool:
        return oid in self.ids and ours is self.ours and bool(root.xpath(self.xpath, namespaces=NS))


#: The allow-list. Each entry is unavoidable because the canonical model (robot/model.py) does not
#: carry the information the official rule looks at (an element's presence apart from its value),
#: or because we are deliberately stricter than a Schematron that relies on the XSD.
ALLOWED: tuple[Allowance, ...] = (
    Allowance(
        ("BR-06", "BR-07"),
        False,
        "/*/cac:AccountingSupplierParty/cac:Party[cac:PartyName/cbc:Name]"
        "[not(normalize-space(cac:PartyLegalEntity/cbc:RegistrationName))]"
        " | /*/cac:AccountingCustomerParty/cac:Party[cac:PartyName/cbc:Name]"
        "[not(normalize-space(cac:PartyLegalEntity/cbc:RegistrationName))]",
        "the party has a trading name (cac:PartyName) but no RegistrationName; the UBL reader takes the "
        "trading name as the party's name (so the robot can name the supplier) and the model keeps no "
        "trace of which element it came from.",
    ),
    Allowance(
        ("PEPPOL-COMMON-R040",),
        False,
        "/*/*/cac:Party/cbc:EndpointID[@schemeID = '0088'][not(normalize-space())]",
        "an empty EndpointID with scheme 0088 (GLN): the reader reads an empty identifier as absent "
        "(PEPPOL-EN16931-R010 reports a missing buyer address instead).",
    ),
    Allowance(
        ("PEPPOL-EN16931-R120",),
        True,
        "/*/*[self::cac:InvoiceLine or self::cac:CreditNoteLine]"
        "/cac:AllowanceCharge[not(cbc:ChargeIndicator)]",
        "a line allowance/charge without ChargeIndicator: the official rule adds it to neither sum, the "
        "model (is_charge: bool) reads it as an allowance.",
    ),
    *(Allowance(*allowance) for allowance in VEFA_ALLOWANCES),  # the code-list rules' (BR-CL-*)
)


def allowance_for(document: bytes, oid: str, ours: bool) -> Allowance | None:
    """The allow-list entry covering this disagreement, if any."""
    root = etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True))
    return next((a for a in ALLOWED if a.covers(root, oid, ours)), None)


SETS = ("unit-UBL-PEPPOL", "unit-UBL-DK", "unit-CII-PEPPOL", "unit-CII-DK")
VEFA_ROOT = CORPORA / "peppol-bis-invoice-3" / "rules"
KEYS = ("tp", "tn", "fp", "fn")


def classifier() -> Classifier:
    """Every registered document-level rule (no vendor master, orders or history needed)."""
    return Classifier(document_level_only=True)


def claimed_ids(rules: Classifier) -> frozenset[str]:
    """Distinct official ids claimed by the given rules."""
    return frozenset(oid for spec in rules.rules for oid in spec.official_ids)


def our_ids(case: VefaCase, rules: Classifier) -> set[str]:
    """Official ids our findings carry; a UBL document of a Peppol set is judged as Peppol BIS 3."""
    invoice = read_document(case.document, case.name)
    if case.rules == "peppol" and invoice.format == "en16931-ubl":
        invoice.format = "peppol-bis3"  # a fragment (no or a non-Peppol CustomizationID): Peppol rules
    result = rules.classify(invoice, Context())
    return {oid for finding in result.findings for oid in finding.official_ids}


@dataclass
class Disagreement:
    set: str
    case: str
    official_id: str
    ours: bool
    official: bool
    allowed: Allowance | None = None

    def __str__(self) -> str:
        return f"{self.set}/{self.case}: {self.official_id} ours={self.ours} official={self.official}"


@dataclass
class Measurement:
    """Confusion counts per official id and per set; what could not be compared is kept apart."""

    claimed: frozenset[str] = frozenset()
    per_id: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    per_set: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    documents: Counter[str] = field(default_factory=Counter)  # compared documents per set
    undecided: list[str] = field(default_factory=list)  # the official artefact crashed
    unreadable: list[str] = field(default_factory=list)  # our reader refused the document
    disagreements: list[Disagreement] = field(default_factory=list)

    def add(self, set_name: str, case: VefaCase, oid: str, ours: bool, official: bool) -> None:
        key = {(True, True): "tp", (False, False): "tn", (True, False): "fp", (False, True): "fn"}[
            (ours, official)
        ]
        self.per_id[oid][key] += 1
        self.per_set[set_name][key] += 1
        if ours != official:
            allowed = allowance_for(case.document, oid, ours)
            self.disagreements.append(Disagreement(set_name, case.name, oid, ours, official, allowed))

    def unexplained(self) -> list[Disagreement]:
        return [d for d in self.disagreements if d.allowed is None]

    @property
    def exercised(self) -> set[str]:
        """Ids that fired at least once on either side."""
        return {oid for oid, c in self.per_id.items() if c["tp"] + c["fp"] + c["fn"]}

    def total(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for c in self.per_set.values():
            out.update(c)
        return out


def measure(rules: Classifier | None = None, sets: tuple[str, ...] = SETS) -> Measurement:
    """The one pass over every VEFA case of the given sets."""
    rules = rules or classifier()
    m = Measurement(claimed=claimed_ids(rules))
    for set_name in sets:
        for case in iter_vefa_cases(VEFA_ROOT / set_name):
            try:
                official = oracle_fired(case.document, rules=case.rules)
            except OracleUndecided as exc:
                m.undecided.append(f"{set_name}/{case.name}: {str(exc)[:160]}")
                continue
            try:
                ours = our_ids(case, rules)
            except ReadError as exc:
                m.unreadable.append(f"{set_name}/{case.name}: {exc}")
                continue
            m.documents[set_name] += 1
            in_rule_set = oracle_rule_ids(case.rules)
            for oid in sorted(m.claimed):
                if oid in in_rule_set or oid in ours:  # else n/a: the rule set cannot report it
                    m.add(set_name, case, oid, oid in ours, oid in official)
    return m


def _rate(c: Counter[str]) -> str:
    decided = sum(c[k] for k in KEYS)
    return f"{(c['tp'] + c['tn']) / decided:.2%}" if decided else "n/a"


def _mutation_lines() -> list[str]:
    """One line per existing mutation report (docs/agreement-en16931.md, docs/agreement-danish.md)."""
    lines = []
    en = ROOT / "docs" / "agreement-en16931.md"
    if en.exists():
        text = en.read_text()
        section = text.split("## Peppol VEFA")[0]
        docs = re.search(r"(\d+) mutated documents", section)
        none = "Disagreements:\n\n- none" in section
        lines.append(
            f"- EN 16931 / OIOUBL arithmetic (`docs/agreement-en16931.md`): "
            f"{docs.group(1) if docs else '?'} mutated official examples, "
            f"{'no disagreements' if none else 'disagreements listed there'}."
        )
    dk = ROOT / "docs" / "agreement-danish.md"
    if dk.exists():
        found = re.search(
            r"Documents: (\d+); identical sets of claimed ids: (\d+) \(([^)]+)\)", dk.read_text()
        )
        mutations = re.search(r"\* (\d+) mutations", dk.read_text())
        lines.append(
            f"- Danish rules (`docs/agreement-danish.md`): {mutations.group(1) if mutations else '?'} "
            f"mutations of a clean Danish invoice plus unit-UBL-DK; "
            + (
                f"{found.group(2)} of {found.group(1)} documents identical ({found.group(3)})."
                if found
                else "?"
            )
        )
    return lines


def render(m: Measurement) -> str:
    total = m.total()
    decided = sum(total[k] for k in KEYS)
    compared = sum(m.documents.values())
    allowed = [d for d in m.disagreements if d.allowed is not None]
    out = [
        "# Agreement of the rules with the official rules",
        "",
        "Generated by `bench/agreement_all.py` (do not edit by hand); asserted by",
        "`tests/test_differential_vefa.py`. Ours: `read_document` → every registered document-level rule",
        "(`Classifier(document_level_only=True)`), empty context. Official: the Schematron artefacts run by",
        "`../shared/tools/schematron_oracle.py` with the rule set each VEFA set is configured for",
        "(UBL sets: `peppol` = CEN + Peppol BIS 3 incl. DK-R; CII sets: `en16931-cii`). The oracle is the",
        "reference; the VEFA expectations only pick the rule set. An id the document's rule set cannot",
        "report (PEPPOL-* and DK-R-* on CII: there is no Peppol CII artefact; F-* outside OIOUBL) is not",
        "counted there, unless one of our rules claims it (then it is a false positive).",
        "",
        "## Totals",
        "",
        f"- Official ids mirrored (distinct ids claimed by registered rules): **{len(m.claimed)}**",
        f"- Exercised on the VEFA sets (fired at least once on either side): **{len(m.exercised)}**",
        f"- Documents compared: **{compared}** ("
        + ", ".join(f"{s} {m.documents[s]}" for s in SETS if s in m.documents)
        + ")",
        f"- Documents the oracle cannot decide (artefact crashed): {len(m.undecided)}; "
        f"unreadable for us: {len(m.unreadable)}",
        f"- Verdicts compared (document × id): {decided}; agreeing: {total['tp'] + total['tn']} "
        f"(**{_rate(total)}**); disagreeing: {total['fp'] + total['fn']}, all on the allow-list below"
        if not m.unexplained()
        else f"- Verdicts compared: {decided}; agreement {_rate(total)}; "
        f"**{len(m.unexplained())} unexplained disagreements**",
        "",
        "| set | documents | tp | tn | fp | fn | agreement |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in SETS:
        if s in m.documents:
            c = m.per_set[s]
            out.append(
                f"| {s} | {m.documents[s]} | {c['tp']} | {c['tn']} | {c['fp']} | {c['fn']} | {_rate(c)} |"
            )
    out += ["", "Mutations of clean examples (the two existing reports):", "", *_mutation_lines()]
    out += [
        "",
        "## Per official id",
        "",
        "tp: both fire, tn: neither, fp: only ours, fn: only the official rules; allowed: how many of",
        "the disagreements are on the allow-list.",
        "",
        "| official id | tp | tn | fp | fn | allowed | agreement |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    allowed_per_id = Counter(d.official_id for d in allowed)
    for oid in sorted(m.claimed):
        c = m.per_id.get(oid, Counter())
        out.append(
            f"| {oid} | {c['tp']} | {c['tn']} | {c['fp']} | {c['fn']} | {allowed_per_id[oid]} | {_rate(c)} |"
        )
    out += ["", "## Allowed disagreements", ""]
    for allowance in ALLOWED:
        hits = [d for d in allowed if d.allowed is allowance]
        out.append(f"- **{', '.join(allowance.ids)}** ({len(hits)} verdicts): {allowance.reason}")
        for d in hits[:3]:
            out.append(f"  - e.g. {d}")
    out += ["", "## Unexplained disagreements", ""]
    out += [f"- {d}" for d in m.unexplained()] or ["- none"]
    out += ["", "## Not compared", ""]
    out += [f"- undecided: {u}" for u in m.undecided] + [f"- unreadable: {u}" for u in m.unreadable] or [
        "- none"
    ]
    out.append("")
    return "\n".join(out)


def main() -> int:
    text = render(measure())
    (ROOT / "docs" / "agreement.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
