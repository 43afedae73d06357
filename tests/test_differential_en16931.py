"""Our EN 16931 / OIOUBL arithmetic rules fire exactly where the official rules fire.

Mutations of the clean official examples (an amount changed, a field dropped, a 3-decimal amount)
and the Peppol VEFA unit test sets, compared per official id (see ``bench/agreement.py``, which also
writes ``docs/agreement-en16931.md``). The bar is 100% on both: every disagreement is listed.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import corpora_path
from tests.support.oracle import oracle_fired

pytestmark = [pytest.mark.corpora, pytest.mark.slow]


@pytest.fixture(scope="module")
def agreement() -> ModuleType:
    corpora_path("peppol-bis-invoice-3", "rules", "examples")
    oracle_fired(
        corpora_path("peppol-bis-invoice-3", "rules", "examples", "base-example.xml")
    )  # skips sans oracle
    return importlib.import_module("bench.agreement")


@pytest.fixture(scope="module")
def classifier(agreement: ModuleType) -> object:
    return agreement.Classifier(only=agreement.FAMILIES)


def test_mutations_agree_with_the_official_rules(agreement: ModuleType, classifier: object) -> None:
    result = agreement.measure_mutations(classifier)
    assert result.cases > 500, "too few mutated documents: are the examples readable?"
    assert result.disagreements == []
    fired = {oid for oid, c in result.counts.items() if c["tp"]}
    # the mutations really exercise the arithmetic: these ids fired on both sides
    assert {
        "BR-CO-10",
        "BR-CO-13",
        "BR-CO-14",
        "BR-CO-15",
        "BR-CO-16",
        "BR-CO-17",
        "BR-S-08",
        "BR-S-09",
    } <= fired
    assert {"PEPPOL-EN16931-R120", "BR-02", "BR-16", "BR-DEC-18", "BR-DEC-23"} <= fired
    assert {"F-INV126", "F-INV127", "F-INV128", "F-INV133", "F-INV340", "F-CRN072", "F-CRN079"} <= fired
    # the VAT categories' rates and exemption reasons (BR-x-05, -06, -07, -10)
    assert {"BR-S-05", "BR-S-06", "BR-S-07", "BR-S-10", "BR-Z-05", "BR-Z-06", "BR-Z-07", "BR-Z-10"} <= fired
    assert {"BR-E-05", "BR-E-06", "BR-E-07", "BR-E-10", "BR-O-05", "BR-O-06", "BR-O-07", "BR-O-10"} <= fired
    assert {"BR-AE-05", "BR-AE-10", "BR-IC-05", "BR-G-05", "BR-AF-05", "BR-AF-07", "BR-AG-05"} <= fired
    assert {f"BR-{g}-01" for g in ("S", "Z", "E", "AE", "IC", "G", "O", "AF", "AG")} <= fired
    assert {f"BR-{g}-02" for g in ("S", "Z", "E", "AE", "IC", "G", "O", "AF", "AG")} <= fired
    assert {"BR-S-03", "BR-S-04", "BR-O-03", "BR-O-04", "BR-IC-03", "BR-IC-04", "BR-AE-04"} <= fired
    assert {"BR-O-11", "BR-O-12", "BR-O-13", "BR-O-14", "BR-53", "BR-CO-26"} <= fired
    peppol = ("R001", "R002", "R005", "R007", "R020", "P0100", "P0101", "P0104", "P0109", "P0112")
    assert {f"PEPPOL-EN16931-{n}" for n in peppol} <= fired
    assert {f"PEPPOL-COMMON-R0{n}" for n in (41, 42, 43, 49, 50)} <= fired
    assert {
        f"PEPPOL-EN16931-{n}" for n in ("F001", "R040", "R041", "R042", "R043", "R046", "R061", "R130")
    } <= fired
    # the groups' mandatory content (BR-31..BR-49)
    assert {f"BR-{n}" for n in (31, 32, 33, 36, 37, 38, 41, 42, 43, 44, 45, 46, 47, 48, 49)} <= fired
    # periods, schemes, VAT context, payment accounts, preceding invoices, the reasons stated twice
    assert {"BR-29", "BR-30", "BR-CO-19", "BR-CO-20", "BR-28", "BR-50", "BR-55", "BR-61"} <= fired
    assert {"BR-62", "BR-63", "BR-64", "BR-65", "BR-CO-03", "BR-CO-09", "BR-B-01", "BR-B-02"} <= fired
    assert {"BR-IC-11", "BR-CO-21", "BR-CO-22", "BR-CO-23", "BR-CO-24", "BR-CL-06"} <= fired
    assert {"BR-17", "BR-18", "BR-19", "BR-20", "BR-56", "BR-DEC-13", "BR-DEC-15"} <= fired
    assert {"BR-52", "BR-CL-24"} <= fired
    # Peppol's line periods, price charge, currencies, VAT totals and own code lists
    more = (
        "R110",
        "R111",
        "R044",
        "R051",
        "R053",
        "R054",
        "R055",
        "CL002",
        "CL003",
        "CL006",
        "CL007",
        "CL008",
    )
    assert {f"PEPPOL-EN16931-{n}" for n in more} <= fired


def test_vefa_unit_tests_agree(agreement: ModuleType, classifier: object) -> None:
    result = agreement.measure_vefa(classifier)
    assert result.cases >= 10
    assert result.disagreements == []
    assert result.counts["PEPPOL-EN16931-R120"]["tp"] >= 1
    assert result.counts["PEPPOL-EN16931-R120"]["tn"] >= 1


def test_mutation_changes_the_document(agreement: ModuleType) -> None:
    clean = corpora_path("peppol-bis-invoice-3", "rules", "examples", "base-example.xml").read_bytes()
    mutant = agreement.mutate(clean, "payable +10")
    assert mutant is not None and mutant != clean
    assert "BR-CO-16" in oracle_fired(mutant)
    assert "BR-CO-16" not in oracle_fired(clean)


def test_report_renders_counts(agreement: ModuleType, classifier: object, tmp_path: Path) -> None:
    mutations = agreement.Agreement()
    mutations.add("x.xml / payable +10", "BR-CO-16", True, True)
    mutations.add("y.xml / payable +10", "BR-CO-16", True, False)
    text = agreement.render(mutations, agreement.Agreement())
    assert "| BR-CO-16 | 1 | 0 | 1 | 0 | 50.0% |" in text
    assert "y.xml / payable +10: BR-CO-16 ours=True official=False" in text
