"""Running some rule families on a hand-built invoice, for the rule unit tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from classifiers.api import Context, Finding
from classifiers.engine import Classifier
from robot.model import Invoice, Totals


def consistent_totals(net: str, vat: str, **more: Any) -> Totals:
    """Document totals that add up: lines ``net`` (no allowances or charges), ``vat``, and their sum
    due; ``more`` (another Totals field) on top."""
    gross = Decimal(net) + Decimal(vat)
    return Totals(
        line_extension=Decimal(net),
        tax_exclusive=Decimal(net),
        tax=Decimal(vat),
        tax_inclusive=gross,
        payable=gross,
        **more,
    )


class Families:
    """The findings of ``families`` (rule modules or codes) on an invoice, with an empty context."""

    def __init__(self, *families: str) -> None:
        self.families = list(families)

    def findings(self, invoice: Invoice) -> list[Finding]:
        return list(Classifier(only=self.families).classify(invoice, Context()).findings)

    def ids(self, invoice: Invoice) -> set[str]:
        """The official rule ids of every finding."""
        return {oid for f in self.findings(invoice) for oid in f.official_ids}
