"""Sweep over the Peppol VEFA unit test sets (rules/unit-UBL-*, rules/unit-CII-*).

Each ``<testSet>`` holds ``<test>`` cases, each with one Invoice, CreditNote or CrossIndustryInvoice
fragment. Every fragment must read or give a ReadError, never another exception; most must read
(the fragments are deliberately incomplete, which is not an error).
"""

from __future__ import annotations

from collections import Counter

from lxml import etree

from robot.errors import ReadError
from robot.readers import read_document
from tests.conftest import corpora_path

VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
INVOICE_ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote",
    "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice",
}


def _fragments() -> list[tuple[str, bytes, str]]:
    rules = corpora_path("peppol-bis-invoice-3", "rules")
    found = []
    for folder in sorted(rules.glob("unit-*")):
        for path in sorted(folder.glob("*.xml")):
            test_set = etree.parse(str(path)).getroot()
            for i, test in enumerate(test_set.iter(f"{VEFA}test")):
                for doc in test:
                    if isinstance(doc.tag, str) and not doc.tag.startswith(VEFA):
                        found.append((f"{folder.name}/{path.name}#{i}", etree.tostring(doc), str(doc.tag)))
    return found


def test_every_unit_fragment_reads_or_gives_read_error() -> None:
    fragments = _fragments()
    outcome: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    failures = []
    for name, content, root_tag in fragments:
        try:
            inv = read_document(content, name)
        except ReadError as err:
            outcome["read_error"] += 1
            assert err.file == name
            failures.append((name, err.reason))
        else:
            outcome["read"] += 1
            formats[inv.format] += 1
            assert root_tag in INVOICE_ROOTS
    print(f"\nVEFA fragments: {len(fragments)}, {dict(outcome)}, formats {dict(formats)}")
    for name, reason in failures:
        print(f"  ReadError {name}: {reason}")
    assert len(fragments) > 800
    assert outcome["read"] + outcome["read_error"] == len(fragments)
    assert outcome["read"] >= len(fragments) - 5, failures
    assert {"cii", "en16931-ubl"} <= set(formats)


def test_danish_fik_fragment_values() -> None:
    """DK-R-010 fragments: Peppol ``71#...`` payment id and the creditor account come through."""
    cases = [(n, c) for n, c, _ in _fragments() if n.startswith("unit-UBL-DK/DK_Validation_DKR010.xml")]
    assert cases
    name, content = cases[0]
    inv = read_document(content, name)
    (pm,) = inv.payment_means
    assert pm.code == "93"
    assert pm.payment_id is not None and pm.payment_id.startswith("71#")
    assert pm.account == pm.creditor_account == "12345678"
    assert inv.seller.address is not None and inv.seller.address.country == "DK"
