"""Real ISO 20022 examples from ../shared/corpora/iso20022, when the corpora have them.

Today the corpora hold no ISO 20022 material (see ../shared/corpora/README.md), so this skips with
that reason; once a folder ``iso20022/`` with camt.053/camt.054/pain.002 examples is added, every
example of a version the robot reads must be read, and every other one refused by a BankFileError.
"""

from __future__ import annotations

import pytest

from robot.bank.iso20022 import read_bank_file, supported_messages
from robot.errors import BankFileError
from tests.conftest import corpora_path

pytestmark = pytest.mark.corpora


def test_every_example_is_read_or_refused_clearly() -> None:
    folder = corpora_path("iso20022")
    examples = sorted(folder.rglob("*.xml"))
    if not examples:
        pytest.skip(f"no ISO 20022 examples (*.xml) under {folder}")
    read = 0
    for path in examples:
        content = path.read_bytes()
        claims = next((m for m in supported_messages() if f"xsd:{m}".encode() in content[:2000]), None)
        try:
            bank_file = read_bank_file(content, str(path))
        except BankFileError as exc:
            assert claims is None, f"{path} claims {claims} but was refused: {exc}"
            assert exc.file == str(path) and exc.field
            continue
        read += 1
        assert bank_file.message == claims
        assert bank_file.entries or bank_file.statuses or bank_file.kind == "camt053"
    assert read, f"none of the {len(examples)} examples is of a version the robot reads"
