"""What a rule may read: the :class:`Context` (customer, criteria, vendor master, orders, history,
metadata, its own parameters) and the records it holds. Rules never touch the database: everything
they may look up is here, filled by whoever runs them (:mod:`classifiers.engine`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from classifiers.finding import Disposition, Finding, RuleDefinitionError, Severity, code_problems
from classifiers.texts import render
from robot.codes import Action, Reason, Status

if TYPE_CHECKING:
    from classifiers.criteria import CustomerCriteria
    from classifiers.registry import RuleSpec


@dataclass(frozen=True, slots=True)
class Vendor:
    """A supplier in the vendor master (the ERP's creditor record)."""

    number: str  # the ERP vendor number
    name: str
    cvr: str | None = None  # 8 digits, no DK prefix
    endpoint_id: str | None = None  # GLN or other electronic address
    bank_reg: str | None = None  # Danish reg. no. (4 digits)
    bank_account: str | None = None  # domestic account number
    iban: str | None = None
    fik_creditor: str | None = None  # 8-digit FIK creditor number
    giro_account: str | None = None
    nemkonto: bool = False  # paid via NemKonto (payment means 97) to its CVR
    blocked: bool = False


@dataclass(frozen=True, slots=True)
class OrderLine:
    line_id: str
    quantity: Decimal
    price: Decimal
    item_id: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    number: str
    customer_id: str
    vendor_cvr: str
    amount: Decimal  # net amount ordered (excl. VAT)
    currency: str = "DKK"
    lines: tuple[OrderLine, ...] = ()


@dataclass(frozen=True, slots=True)
class PriorInvoice:
    """An invoice the robot has seen before (for duplicate checks)."""

    invoice_id: int
    supplier_key: str  # CVR if known, else endpoint id, else name
    number: str
    issue_date: Any  # datetime.date | None
    payable: Decimal | None
    sha256: str | None = None


class HistoryLookup(Protocol):
    """Earlier invoices as the duplicate rules ask for them: each question about one supplier and
    one number, amount or document, never "every invoice".

    Two implementations: :class:`classifiers.lookups.HistoryIndex` (in memory: tests, ``validate``,
    the what-if replay) and :class:`robot.store.history.StoreHistory` (indexed queries against the
    store: a run and its workers). Either also sees the invoices decided earlier in the same run.
    """

    def by_number(self, supplier_key: str, normalised_number: str) -> list[PriorInvoice]:
        """That supplier's invoices with this number (``normalise_invoice_number``)."""
        ...

    def by_amount_date(self, supplier_key: str, payable: Decimal, issue_date: Any) -> list[PriorInvoice]:
        """That supplier's invoices of this non-zero amount due on this issue date."""
        ...

    def by_sha256(self, sha256: str) -> list[PriorInvoice]:
        """Invoices received as exactly these bytes."""
        ...

    def numbers_like(
        self, supplier_key: str, canonical_number: str, payable: Decimal | None
    ) -> tuple[Sequence[PriorInvoice], Sequence[str]]:
        """Candidates for "nearly the same number", with their canonical numbers (parallel).

        At least every invoice of that supplier whose canonical number
        (:func:`~classifiers.keys.canonical_invoice_number`) equals ``canonical_number`` or whose
        amount equals ``payable`` (when not zero), in the order they were seen; it may hold more
        (the in-memory index gives all of the supplier's). DUP-SUSPECT compares these only.
        """
        ...


class History(Protocol):
    """The older history protocol (every number of a supplier at once); still accepted by the rules."""

    def by_number(self, supplier_key: str, normalised_number: str) -> list[PriorInvoice]: ...
    def by_amount_date(self, supplier_key: str, payable: Decimal, issue_date: Any) -> list[PriorInvoice]: ...
    def numbers_of(self, supplier_key: str) -> list[PriorInvoice]: ...
    def by_sha256(self, sha256: str) -> list[PriorInvoice]: ...


class VendorMaster(Protocol):
    def by_cvr(self, cvr: str) -> Vendor | None: ...
    def by_endpoint(self, endpoint_id: str) -> Vendor | None: ...
    def names(self) -> Mapping[str, Vendor]: ...


@dataclass(slots=True)
class Context:
    """Everything a rule may read. Built by the engine; one per invoice and rule."""

    customer_id: str | None = None
    criteria: CustomerCriteria | None = None
    vendors: VendorMaster | None = None
    orders: Mapping[str, PurchaseOrder] = dataclasses.field(default_factory=dict)  # by order number
    history: HistoryLookup | History | None = None
    known_customer_eans: Mapping[str, str] = dataclasses.field(default_factory=dict)  # EAN -> customer id
    document_sha256: str | None = None
    invoice_id: int | None = None
    document: bytes | None = None  # the bytes as received, for the document checks (not for rules)
    metadata: Mapping[str, str] = dataclasses.field(default_factory=dict)  # purchase-system data
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # this rule's parameters
    rule: RuleSpec | None = None  # set by the engine while the rule runs

    def param(self, name: str, default: Any = None) -> Any:
        """A rule parameter: the customer's setting, else the rule's default."""
        if name in self.params:
            return self.params[name]
        if self.rule is not None and name in self.rule.defaults:
            return self.rule.defaults[name]
        return default

    def finding(
        self,
        *,
        da: str,
        en: str,
        found: object = None,
        expected: object = None,
        field: str | None = None,
        line_id: str | None = None,
        disposition: Disposition | None = None,
        severity: Severity | None = None,
        status: Status | str | None = None,
        reason: Reason | str | None = None,
        action: Action | str | None = None,
        official_ids: tuple[str, ...] | None = None,
    ) -> Finding:
        """A finding from the running rule, with its defaults unless overridden.

        ``found`` and ``expected`` are shown to customers in Danish and English: pass a neutral
        value (an id, a code), a ``Decimal`` amount (Danish and English separators) or a
        :class:`classifiers.texts.Text` with both texts; never English prose alone.
        """
        spec = self.rule
        found_en, found_da = render(found)
        expected_en, expected_da = render(expected)
        if spec is None:
            raise RuntimeError("Context.finding() called outside a running rule")
        override = self.params.get("disposition")
        problems = code_problems(
            status=status, reason=reason, action=action, disposition=disposition, severity=severity
        )
        if problems:  # a bug in the rule: the engine holds the invoice naming it (RULE-CRASHED)
            raise RuleDefinitionError(f"rule {spec.code!r}: " + "; ".join(problems))
        return Finding(
            code=spec.code,
            official_ids=official_ids if official_ids is not None else spec.official_ids,
            severity=severity or self.params.get("severity") or spec.severity,
            disposition=disposition or override or spec.disposition,
            status=Status.of(status or spec.status),
            reason=Reason.of(reason or spec.reason),
            action=Action.of(action or spec.action),
            field=field or spec.field,
            message_da=da,
            message_en=en,
            found=found_en,
            expected=expected_en,
            line_id=line_id,
            found_da=found_da,
            expected_da=expected_da,
        )
