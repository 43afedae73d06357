"""The template-free reader against the ZUGFeRD/Factur-X corpus: the embedded XML is the truth.

Each corpus PDF with an e-invoice XML the robot reads is read again from its printed text with the
XML ignored (bench/layout_agreement.py). Wherever the reader returns a value it must be the XML's
(zero wrong values; empty is allowed), and most values must be found.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.layout_agreement import FIELDS, PRINT_IS_NOT_XML, Counts, agreement, report
from tests.conftest import corpora_path

FOUND_AT_LEAST = 0.80  # of the eight fields over all documents (measured: 93 % on either text)


@pytest.fixture(scope="module", params=["pdftotext", "pdfplumber"])
def measured(request: pytest.FixtureRequest) -> tuple[int, dict[str, Counts]]:
    """The counts on the text of both engines the robot uses (pdftotext when it is installed)."""
    root = corpora_path()
    corpora_path("zugferd-corpus")
    corpora_path("factur-x")
    if request.param == "pdftotext" and shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; the pdfplumber text is measured")
    documents, counts = agreement(Path(root), request.param)
    print(report(documents, counts))
    return documents, counts


def test_no_value_read_without_a_template_contradicts_the_embedded_xml(
    measured: tuple[int, dict[str, Counts]],
) -> None:
    documents, counts = measured
    assert documents >= 80
    wrong = {name: c.wrong_cases for name, c in counts.items() if c.wrong}
    assert not wrong, wrong


def test_most_values_are_found(measured: tuple[int, dict[str, Counts]]) -> None:
    documents, counts = measured
    found = sum(c.found for c in counts.values())
    assert found >= FOUND_AT_LEAST * documents * len(FIELDS)
    for name, c in counts.items():
        assert c.found >= documents // 2, f"{name}: only {c.found} of {documents} found"


def test_the_documents_whose_print_is_not_their_xml_are_named_with_a_reason() -> None:
    root = corpora_path("zugferd-corpus")
    for name, (fields, why) in PRINT_IS_NOT_XML.items():
        assert list(root.rglob(name)), f"{name} is not in the corpus any more"
        assert fields <= set(FIELDS) and len(why) > 20
