"""The EN 16931 code-list rules (BR-CL-*, rule ``EN-CODE-LIST``) and their generated code lists.

Corpus-free: the official contexts per syntax, XPath's whitespace, SEPA, the credit note's list, the
hostile value in a message. With ../shared/corpora: the committed code lists are what the generator
makes of the official artefacts, and on the clean official examples and their mutations
(``bench/agreement_codes.py``) every mirrored id fires exactly where the oracle fires it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

from bench.agreement_codes import MUTATIONS
from classifiers.api import Context
from classifiers.builtin.en16931_codes import MIRRORED, normalize_space, rule_set
from classifiers.codelists import generate
from classifiers.engine import Classifier
from robot.model import (
    AllowanceCharge,
    Classification,
    DocumentType,
    Identifier,
    Invoice,
    Line,
    Party,
    VatBreakdown,
)
from tests.conftest import corpora_path
from tests.support.oracle import oracle_fired

CODE = "EN-CODE-LIST"


def _invoice(fmt: str = "peppol-bis3", **fields: object) -> Invoice:
    invoice = Invoice(format=fmt, document_type=DocumentType.INVOICE, number="C-1", type_code="380")
    for name, value in fields.items():
        setattr(invoice, name, value)
    return invoice


def _fired(invoice: Invoice) -> list[tuple[str, str | None]]:
    result = Classifier(only=[CODE]).classify(invoice, Context())
    return [(oid, f.field) for f in result.findings for oid in f.official_ids]


def test_a_clean_document_has_no_finding_and_a_bad_code_one_per_value() -> None:
    assert _fired(_invoice(currency="DKK")) == []
    bad = _invoice(currency="DKK", type_code="999", payment_means=[])
    assert _fired(bad) == [("BR-CL-01", "BT-3")]


def test_the_credit_notes_list_is_used_for_a_ubl_credit_note_only() -> None:
    """UBL: InvoiceTypeCode and CreditNoteTypeCode have their own lists; CII one for both."""
    assert ("BR-CL-01", "BT-3") in _fired(_invoice(type_code="381"))
    credit = _invoice(type_code="381", document_type=DocumentType.CREDIT_NOTE)
    assert _fired(credit) == []
    assert _fired(_invoice("cii", type_code="381")) == []


def test_vat_categories_follow_each_syntaxs_context() -> None:
    """UBL BR-CL-17 = every TaxCategory, BR-CL-18 = the line's; CII BR-CL-18 = every ApplicableTradeTax."""
    fields = {
        "vat_breakdown": [VatBreakdown(category="Q")],
        "lines": [Line(id="1", vat_category="Q")],
        "allowances_charges": [AllowanceCharge(is_charge=True, vat_category="Q")],
    }
    ubl = sorted(_fired(_invoice(**fields)))
    assert ubl == [("BR-CL-17", "BT-102"), ("BR-CL-17", "BT-118"), ("BR-CL-18", "BT-151")]
    cii = sorted(_fired(_invoice("cii", **fields)))
    assert cii == [("BR-CL-17", "BT-102"), ("BR-CL-18", "BT-118"), ("BR-CL-18", "BT-151")]


def test_sepa_is_a_scheme_for_the_seller_and_payee_only() -> None:
    sepa = [Identifier("DK123", "SEPA")]
    ok = _invoice(seller=Party(party_ids=sepa), payee=Party(party_ids=sepa))
    assert _fired(ok) == []
    assert _fired(_invoice(buyer=Party(party_ids=sepa))) == [("BR-CL-10", "BT-46-1")]
    # CII's party ids mix ram:ID (BR-CL-11) and ram:GlobalID (BR-CL-10): not claimed
    assert _fired(_invoice("cii", buyer=Party(party_ids=[Identifier("X", "9999")]))) == []


def test_values_are_normalised_as_xpath_does_and_empty_attributes_fail() -> None:
    assert normalize_space("\t S \n") == "S" and normalize_space("S\u00a0") == "S\u00a0"
    assert _fired(_invoice(lines=[Line(id="1", unit=" C62 ", vat_category="S")])) == []
    empty = _invoice(lines=[Line(id="1", unit="", classifications=[Classification("1", list_id="")])])
    assert sorted(_fired(empty)) == [("BR-CL-13", "BT-158-1"), ("BR-CL-23", "BT-130")]
    two = _invoice(seller=Party(endpoint=Identifier("1", "0088 0184")))
    assert _fired(two) == [("BR-CL-25", "BT-34-1"), ("PEPPOL-EN16931-CL008", "BT-34-1")]  # Peppol's own too
    assert _fired(_invoice(seller=Party(endpoint=Identifier("1", " 0088")))) == [
        ("PEPPOL-EN16931-CL008", "BT-34-1")  # EN 16931 normalises the scheme, Peppol takes it as written
    ]


def test_exemption_codes_are_upper_cased_first() -> None:
    lower = _invoice(vat_breakdown=[VatBreakdown(category="AE", exemption_reason_code="vatex-eu-ae")])
    assert _fired(lower) == []
    bad = _invoice(vat_breakdown=[VatBreakdown(category="E", exemption_reason_code="VATEX-EU-999")])
    assert _fired(bad) == [("BR-CL-22", "BT-121")]


def test_reason_codes_are_checked_against_the_allowance_or_charge_list() -> None:
    """95 is an allowance reason (UNCL 5189), not a charge reason (UNCL 7161); FC the other way round."""
    line = Line(id="7", allowances_charges=[AllowanceCharge(is_charge=True, reason_code="95")])
    invoice = _invoice(
        allowances_charges=[
            AllowanceCharge(is_charge=False, reason_code="95"),
            AllowanceCharge(is_charge=False, reason_code="FC"),
            AllowanceCharge(is_charge=True, reason_code="FC"),
        ],
        lines=[line],
    )
    assert sorted(_fired(invoice)) == [
        ("BR-CL-19", "BT-98"),
        ("BR-CL-20", "BT-145"),
        ("PEPPOL-EN16931-CL002", "BT-98"),  # a Peppol BIS 3 document: Peppol's own lists as well
        ("PEPPOL-EN16931-CL003", "BT-145"),
    ]


def test_the_message_names_the_field_the_value_and_the_list() -> None:
    hostile = "Q\n<script>" + "x" * 60
    result = Classifier(only=[CODE]).classify(_invoice(lines=[Line(id="4", vat_category=hostile)]), Context())
    (finding,) = result.findings
    assert finding.official_ids == ("BR-CL-18",) and finding.field == "BT-151" and finding.line_id == "4"
    assert finding.message_en.startswith("Line 4: Invoiced item VAT category code (BT-151) is 'Q\\n<script>")
    assert "\n" not in finding.message_en and "\n" not in finding.message_da
    assert "UNCL 5305" in finding.message_da and "…" in finding.message_en
    assert finding.expected_in("en") == "a code of UNCL 5305: AE, B, E, G, K, L, M, O, S, Z"
    assert result.verdict == "return" and (finding.status, finding.reason) == ("RE", "LEG")


def test_the_currency_lists_differ_between_en16931_and_peppol() -> None:
    """BGN left the EN 16931 1.3.16 list (Bulgaria's euro), Peppol 2025.5 still has it; XCG the other way."""
    en_ubl = "urn:cen.eu:en16931:2017"
    assert rule_set(_invoice("en16931-ubl", customization_id=en_ubl)) == "en16931-ubl"
    assert _fired(_invoice("en16931-ubl", customization_id=en_ubl, currency="BGN")) == [("BR-CL-04", "BT-5")]
    assert _fired(_invoice("peppol-bis3", currency="BGN")) == []
    assert _fired(_invoice("peppol-bis3", currency="XCG")) == [("BR-CL-04", "BT-5")]
    assert _fired(_invoice("cii", currency="XCG")) == []


def test_oioubl_documents_are_not_judged() -> None:
    for fmt in ("oioubl-2", "oioubl-3"):
        assert rule_set(_invoice(fmt)) is None
        assert _fired(_invoice(fmt, type_code="999")) == []


# --- the generated code lists --------------------------------------------------------------------


@pytest.mark.corpora
def test_the_committed_code_lists_are_generated_from_the_official_artefacts(tmp_path: Path) -> None:
    en16931 = corpora_path("en16931")
    out = tmp_path / "_data.py"
    assert generate.main([str(en16931), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == generate.OUT.read_text(encoding="utf-8"), (
        "classifiers/codelists/_data.py is stale: run "
        "`python -m classifiers.codelists.generate ../shared/corpora/en16931`"
    )


# --- against the official rules ------------------------------------------------------------------


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    corpora_path("en16931", "ubl", "examples")
    oracle_fired(corpora_path("en16931", "ubl", "examples", "ubl-tc434-example1.xml"))  # skips sans oracle
    return importlib.import_module("bench.agreement_codes")


@pytest.mark.corpora
@pytest.mark.slow
def test_every_mirrored_id_agrees_with_the_oracle_on_the_examples_and_their_mutations(
    bench: ModuleType,
) -> None:
    result = bench.measure()
    assert result.cases > 800
    assert result.disagreements == []
    assert all(result.counts[oid]["tp"] >= 1 for oid in MIRRORED), "an id no mutation makes fire"


@pytest.mark.corpora
@pytest.mark.slow
@pytest.mark.parametrize("name", list(MUTATIONS))
def test_each_mutation_fires_its_id_where_the_oracle_does(bench: ModuleType, name: str) -> None:
    """The mutation named for an id makes it fire (on both sides) and the clean original does not;
    an ``ok`` mutation (a valid code) makes it fire on neither."""
    official = name.split()[0]
    classifier = Classifier(only=[CODE])
    fired_on_both = applied = 0
    for path in bench.example_files():
        clean = path.read_bytes()
        mutant = bench.mutate(clean, bench.MUTATIONS[name])
        if mutant is None:
            continue
        applied += 1
        assert official not in oracle_fired(clean) and official not in bench.our_ids(
            clean, path.name, classifier
        )
        theirs = official in oracle_fired(mutant)
        assert (official in bench.our_ids(mutant, path.name, classifier)) is theirs, path.name
        fired_on_both += theirs
    assert applied, f"{name}: no example has the element it mutates"
    assert (fired_on_both == 0) if " ok " in name else (fired_on_both >= 1)
