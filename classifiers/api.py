"""The rule contract, written once: findings, the rule decorator, the context rules may read.

A rule is a small pure function of the invoice and a context that yields findings::

    from classifiers.api import Context, Finding, rule
    from classifiers.texts import Text

    @rule(
        "ORDER-REF-MISSING",
        official_ids=("PEPPOL-EN16931-R003",),
        disposition="return",
        status="RE", reason="REF", action="PIN",
        field="BT-13",
        description="The invoice carries neither a person reference (BT-10) nor an order number (BT-13).",
    )
    def order_reference_present(invoice, ctx):
        if not invoice.person_reference and not invoice.order_reference:
            yield ctx.finding(
                da="Fakturaen mangler både personreference og ordrenummer.",
                en="The invoice has neither a person reference nor an order number.",
                expected=Text(da="BT-10 eller BT-13", en="BT-10 or BT-13"),
            )

``found`` and ``expected`` reach customers in Danish and English: a neutral value (an id, a
code), a ``Decimal`` amount, or a :class:`classifiers.texts.Text` with both languages.

Rules never touch the database: everything they may look up is on :class:`Context`. A rule
returns business problems as findings and raises only for bugs; a crash becomes a ``hold``
finding naming the rule (see :mod:`classifiers.engine`).

This module is the contract rules import from; it is written in three parts, each re-exported here:
:mod:`classifiers.finding` (:class:`Finding`, :func:`verdict_of`), :mod:`classifiers.context`
(:class:`Context` and the records it holds) and :mod:`classifiers.registry` (``@rule``,
:class:`RuleSpec`, :class:`Registry`).
"""

from __future__ import annotations

from classifiers.context import (
    Context,
    History,
    OrderLine,
    PriorInvoice,
    PurchaseOrder,
    Vendor,
    VendorMaster,
)
from classifiers.finding import (
    DANISH_TWINS,
    Disposition,
    Finding,
    RuleDefinitionError,
    Severity,
    verdict_of,
)
from classifiers.registry import (
    ENTRY_POINT_GROUP,
    REGISTRY,
    DuplicateRuleError,
    Registry,
    RuleFunc,
    RuleSpec,
    rule,
)
from robot.codes import Verdict  # re-exported: rules and the engine name it from here

__all__ = [
    "DANISH_TWINS",
    "ENTRY_POINT_GROUP",
    "REGISTRY",
    "Context",
    "Disposition",
    "DuplicateRuleError",
    "Finding",
    "History",
    "OrderLine",
    "PriorInvoice",
    "PurchaseOrder",
    "Registry",
    "RuleDefinitionError",
    "RuleFunc",
    "RuleSpec",
    "Severity",
    "Vendor",
    "VendorMaster",
    "Verdict",
    "rule",
    "verdict_of",
]
