"""No false rejections: a document the official rules accept gets no error claiming an official id.

Every invoice and credit note among the official examples (Peppol BIS 3, EN 16931 UBL and CII,
OIOUBL 2.1, OIOUBL 3) that the oracle passes without an error is run through every document-level
rule (all families); none may report an error-severity finding that names an official rule id.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.api import Context
from classifiers.engine import Classifier
from robot.readers import read_document
from tests.conftest import CORPORA, corpora_path
from tests.support.oracle import OracleUndecided, oracle_fired

pytestmark = pytest.mark.corpora

FOLDERS = (
    ("peppol-bis-invoice-3/rules/examples", "*.xml"),
    ("en16931/ubl/examples", "*.xml"),
    ("en16931/cii/examples", "*.xml"),
    ("oioubl-2.1/Eksempelfiler", "OIOUBL_Invoice*.xml"),
    ("oioubl-2.1/Eksempelfiler", "OIOUBL_CreditNote*.xml"),
    ("oioubl-3/examples/invoice", "*.xml"),
    ("oioubl-3/examples/creditnote", "*.xml"),
)


def _documents() -> list[Path]:
    return [p for folder, pattern in FOLDERS for p in sorted((CORPORA / folder).glob(pattern))]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(document_level_only=True)


@pytest.mark.parametrize("path", _documents(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_accepted_document_is_not_rejected(path: Path, classifier: Classifier) -> None:
    corpora_path(str(path.relative_to(CORPORA)))
    try:
        official_errors = oracle_fired(path, severity="error")
    except OracleUndecided as exc:
        pytest.skip(str(exc))
    if official_errors:
        pytest.skip(f"the official rules reject this example themselves: {sorted(official_errors)}")
    invoice = read_document(path.read_bytes(), path.name)
    result = classifier.classify(invoice, Context())
    false_rejections = [
        f"{f.code} {f.official_ids}: {f.message_en}" for f in result.findings if f.blocks and f.official_ids
    ]
    assert false_rejections == []


def test_enough_examples_are_checked() -> None:
    corpora_path("peppol-bis-invoice-3", "rules", "examples")
    assert len(_documents()) >= 50
