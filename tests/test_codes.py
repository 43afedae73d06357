"""The code lists (robot.codes): written once, labelled in Danish and English, refused when mistyped.

The first tests use only the surface that existed before the code lists were typed (Finding, the
Invoice Response, the digest, the model, the CLI), so they show what changed: a mistyped reason,
action or format used to pass silently (an Invoice Response said ``OTH``, a digest showed the
typo as its own label); now it is refused where it is made.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from classifiers.api import Finding
from classifiers.criteria import Customer
from robot.model import DocumentType, Identifier, Invoice, Party
from robot.processing.invoice_response import build_invoice_response
from robot.processing.notices import ReturnedItem, build_digest
from tests.support.findings import returned_finding

#: docs/domain.md §5 (the official Peppol BIS 3 Invoice Response code lists), as written there.
DOMAIN = Path("/work/shared/docs/domain.md")
OFFICIAL_STATUSES = ("AB", "IP", "UQ", "CA", "RE", "AP", "PD")
OFFICIAL_REASONS = (
    "NON",
    "REF",
    "LEG",
    "REC",
    "QUA",
    "DEL",
    "PRI",
    "QTY",
    "ITM",
    "PAY",
    "UNR",
    "FIN",
    "PPD",
    "OTH",
)
OFFICIAL_ACTIONS = ("NOA", "PIN", "NIN", "CNF", "CNP", "CNA", "OTH")


def _finding(**codes: str) -> Finding:
    values: dict[str, Any] = {"status": "RE", "reason": "REF", "action": "PIN", **codes}
    return returned_finding(
        "ORDER-REF-MISSING",
        field="BT-13",
        message_da="Ordrenummer mangler",
        message_en="Order number missing",
        **values,
    )


def _invoice(fmt: str = "peppol-bis3") -> Invoice:
    return Invoice(
        format=fmt,  # type: ignore[arg-type]  # a code string, as a reader or a test gives it
        document_type=DocumentType.INVOICE,
        number="F-1",
        issue_date=date(2025, 2, 14),
        seller=Party(name="Leverandør A/S", endpoint=Identifier("12345674", "0184")),
        buyer=Party(name="Styrelsen", endpoint=Identifier("5798000416604", "0088")),
    )


def _response(findings: list[Finding]) -> bytes:
    return build_invoice_response(
        _invoice(), findings, status="RE", response_id="IR-1", issue_date=date(2025, 3, 1)
    )


# --- a mistyped code fails loudly (each of these passed silently on 35d8e66) ------------------


def test_a_mistyped_reason_never_reaches_the_invoice_response_as_oth() -> None:
    assert b">REF</cbc:StatusReasonCode>" in _response([_finding(reason="REF")])
    with pytest.raises(ValueError, match="'REFF' is not a clarification reason code"):
        xml = _response([_finding(reason="REFF")])
        pytest.fail(f"the typo was sent: {xml.decode()}")  # 35d8e66: <StatusReasonCode>OTH


def test_a_mistyped_action_never_reaches_the_invoice_response_as_oth() -> None:
    with pytest.raises(ValueError, match="'PINN' is not a clarification action code"):
        _response([_finding(action="PINN")])


def test_a_mistyped_error_type_in_a_digest_is_refused_not_shown_as_its_own_label() -> None:
    customer = Customer(id="SAM", name="Styrelsen", notify=("k@sam.dk",))

    def item(*types: str) -> ReturnedItem:
        return ReturnedItem(
            7, "F-1", "Kontor A/S", "12345674", Decimal("1"), "DKK", date(2025, 2, 14), types, ()
        )

    notice = build_digest(customer, "42", [item("REF")])
    assert "Manglende eller forkert reference" in notice.text and "Missing or wrong reference" in notice.text
    with pytest.raises(ValueError, match="'REFF' is not a clarification reason code"):
        build_digest(customer, "42", [item("REFF")])  # 35d8e66: "Fejltype: REFF REFF"


def test_a_made_up_status_or_source_format_is_refused() -> None:
    with pytest.raises(ValueError, match="'XX'"):
        _finding(status="XX")
    with pytest.raises(ValueError, match="'oioubl2' is not a source format"):
        _invoice("oioubl2")  # 35d8e66: kept, and every "oioubl-2" rule silently skipped it


def test_return_code_bogus_is_refused_listing_the_choices() -> None:
    from robot.cli.app import _register, app

    _register()
    runner = CliRunner()
    args = ["return", "1", "--by", "ANJE", "--reason", "x", "--code", "BOGUS", "--database", "sqlite://"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())
    assert "unknown --code 'BOGUS'; allowed: REF, LEG, REC, QTY, PRI, PAY, FIN, OTH" in text
    helped = runner.invoke(app, ["return", "--help"], env={"COLUMNS": "200"})
    assert helped.exit_code == 0 and "--code [REF|LEG|REC|QTY|PRI|PAY|FIN|OTH]" in " ".join(
        helped.output.split()
    )


# --- the lists themselves ---------------------------------------------------------------------


def _official(start: str, end: str) -> list[str]:
    text = " ".join(DOMAIN.read_text(encoding="utf-8").split())
    section = text[text.index(start) : text.index(end, text.index(start))]
    return re.findall(r"`([A-Z]{2,3})`", section)


def test_the_lists_are_the_official_invoice_response_code_lists() -> None:
    from robot.codes import Action, Reason, Status

    assert [s.value for s in Status] == list(OFFICIAL_STATUSES)
    assert [r.value for r in Reason] == list(OFFICIAL_REASONS)
    assert [a.value for a in Action] == list(OFFICIAL_ACTIONS)
    if DOMAIN.exists():  # the shared domain notes, where this checkout has them
        assert _official("Status codes (UNCL4343 subset)", "Reason codes") == list(OFFICIAL_STATUSES)
        assert _official("Reason codes (`OPStatusReason`)", "Action codes") == list(OFFICIAL_REASONS)
        assert _official("Action codes (`OPStatusAction`)", "A wrong field") == list(OFFICIAL_ACTIONS)


def test_every_code_has_a_danish_and_an_english_label() -> None:
    from robot.codes import Action, Reason, Status

    for code in [*Status, *Reason, *Action]:
        assert code.da.strip() and code.en.strip(), code
        assert code.da != code.en, code  # a Danish text, not the English one copied
    assert all(r.short.strip() for r in Reason)
    from robot.cli.summary import REASON_LABELS as SUMMARY
    from robot.processing.notices import ACTION_LABELS, REASON_LABELS

    assert {r.value: (r.da, r.en) for r in Reason} == REASON_LABELS  # the notice's labels come from here
    assert {a.value: (a.da, a.en) for a in Action} == ACTION_LABELS
    assert {r.value: r.short for r in Reason} == SUMMARY


def test_stored_values_are_the_strings_of_before() -> None:
    """Stored rows keep working: each member equals the string the store and the XML hold."""
    from classifiers.api import Verdict
    from robot.codes import InvoiceState, SourceFormat
    from robot.model import SourceFormat as ModelSourceFormat
    from robot.store.schema import InvoiceState as SchemaInvoiceState

    assert ModelSourceFormat is SourceFormat and SchemaInvoiceState is InvoiceState
    assert [v.value for v in Verdict] == ["post", "return", "hold"]
    assert [s.value for s in InvoiceState] == ["received", "read", "classified", "posted", "returned", "held"]
    assert InvoiceState.PENDING == ("received", "read", "classified")
    assert InvoiceState.DONE == ("posted", "returned", "held")
    assert [f.value for f in SourceFormat] == [
        "peppol-bis3", "en16931-ubl", "oioubl-2", "oioubl-3", "cii", "pdf", "pdf-text", "pdf-layout",
    ]  # fmt: skip
    finding = _finding(reason="PAY")
    assert finding.reason == "PAY" and finding.to_json()["reason"] == "PAY"
    assert _invoice("oioubl-2").format is SourceFormat.OIOUBL_2


def test_a_rule_declares_typed_codes_and_its_findings_carry_them() -> None:
    from classifiers.api import Context, Registry, rule
    from robot.codes import Action, Reason, Status

    registry = Registry()

    @rule("T-CODES", description="d", status="UQ", reason=Reason.PRI, action="CNP", registry=registry)
    def check(invoice: Invoice, ctx: Context) -> Any:
        yield ctx.finding(da="Pris", en="Price", reason="QTY")

    spec = registry.get("T-CODES")
    assert (spec.status, spec.reason, spec.action) == (Status.UQ, Reason.PRI, Action.CNP)
    [found] = check(_invoice(), Context(rule=spec))
    assert found.reason is Reason.QTY and found.status is Status.UQ and found.action is Action.CNP
