"""What an official rule the robot does not mirror becomes: an error type from what the rule is about
(robot/processing/official/dispositions.py), not one legal error for all; and the reviewed table of
every official id (docs/dispositions.md) is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.api import Context
from classifiers.engine import Classifier, load_rules
from robot.codes import Action, Reason
from robot.processing.official import OFFICIAL_CODE, OfficialRules
from robot.processing.official.dispositions import decide
from robot.processing.official.dispositions_table import every_rule, render
from robot.processing.official.runner import Fired
from robot.readers import read_document
from tests.conftest import ROOT, SAMPLES, corpora_path
from tests.test_official_rules import _Reports, official_folder


@pytest.mark.parametrize(
    ("official_id", "text", "reason", "action"),
    [
        (
            "NEW-1",
            "[NEW-1]-A Buyer reference (BT-10) or an Order reference (BT-13) must be given.",
            "REF",
            "PIN",
        ),
        ("NEW-2", "The Buyer electronic address (BT-49) must be a GLN.", "REC", "NIN"),
        ("NEW-3", "The Payment account identifier (BT-84) must be an IBAN.", "PAY", "NIN"),
        ("NEW-4", "Amount due for payment (BT-115) = total (BT-112) - paid (BT-113).", "LEG", "NIN"),
        ("NEW-5", "An IBAN must be given for a credit transfer.", "PAY", "NIN"),
        ("NEW-6", "The item net price must not be negative.", "PRI", "NIN"),
        ("UBL-CR-489", "A UBL invoice should not include the AllowanceCharge PaymentMeans", "LEG", "NIN"),
        ("NEW-7", "The document must be well formed.", "LEG", "NIN"),
    ],
)
def test_an_unmirrored_rule_gets_the_error_type_of_what_it_is_about(
    official_id: str, text: str, reason: str, action: str
) -> None:
    decided = decide(official_id, text)
    assert (decided.status, decided.reason, decided.action, decided.disposition) == (
        "RE",
        reason,
        action,
        "return",
    )


def test_the_official_layer_returns_an_unmirrored_rule_with_its_error_type(tmp_path: Path) -> None:
    """Before: every rule without a native mirror arrived as RE/LEG/NIN, a payment detail or a
    missing reference alike."""
    layer = OfficialRules.load(official_folder(tmp_path), load_rules())
    layer._saxon = _Reports(  # type: ignore[assignment]
        [
            Fired(
                "NEW-PAY", "error", "[NEW-PAY]-The Payment account identifier (BT-84) must be an IBAN.", None
            ),
            Fired("NEW-REF", "error", "[NEW-REF]-A purchase order reference must be given.", None),
        ]
    )
    document = (SAMPLES / "inbox" / "0001-peppol-clean.xml").read_bytes()
    invoice = read_document(document, "a.xml")
    native = Classifier().classify(invoice, Context()).findings
    added = {f.official_ids[0]: f for f in layer.check(document, invoice, native)}
    assert (added["NEW-PAY"].code, added["NEW-PAY"].reason, added["NEW-PAY"].action) == (
        OFFICIAL_CODE,
        Reason.PAY,
        Action.NIN,
    )
    assert (added["NEW-REF"].reason, added["NEW-REF"].action) == (Reason.REF, Action.PIN)


@pytest.mark.corpora
def test_the_dispositions_table_is_current_and_no_official_id_arrives_as_other() -> None:
    rules = every_rule(corpora_path())
    assert len(rules) > 2000
    text = render(rules, load_rules())
    assert text == (ROOT / "docs" / "dispositions.md").read_text(encoding="utf-8"), (
        "docs/dispositions.md is stale: run "
        "`python -m robot.processing.official.dispositions_table ../shared/corpora > docs/dispositions.md`"
    )
    rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| ") and "/" in line]
    codes = [row[3] for row in rows if row[0] != "| official id"]
    assert codes and not [c for c in codes if c.split("/")[1] == "OTH"]
    assert {"REF", "REC", "PAY", "PRI", "QTY", "DEL", "LEG"} <= {c.split("/")[1] for c in codes}
