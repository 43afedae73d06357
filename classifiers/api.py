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
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol

from classifiers.texts import render
from robot.codes import Action, Reason, Status, allowed
from robot.codes import Verdict as Verdict  # re-exported: rules and the engine name it from here
from robot.serialize import jsonable

if TYPE_CHECKING:
    from classifiers.criteria import CustomerCriteria
    from robot.model import Invoice

Disposition = Literal["return", "hold"]
Severity = Literal["error", "warning"]
ENTRY_POINT_GROUP = "fakturarobot.rules"


@dataclass(frozen=True, slots=True)
class Finding:
    """One business problem with an invoice: data, not an exception."""

    code: str
    official_ids: tuple[str, ...]
    severity: Severity
    disposition: Disposition
    status: Status  # Invoice Response status (UNCL4343 subset: RE, UQ, ...)
    reason: Reason  # OPStatusReason (REF, LEG, REC, PRI, QTY, PAY, OTH, ...)
    action: Action  # OPStatusAction (NOA, PIN, NIN, CNF, CNP, CNA, OTH)
    field: str | None  # the BT id of the wrong field, e.g. "BT-13"
    message_da: str
    message_en: str
    found: str | None = None  # what the invoice has: English, or neutral (an id, a code)
    expected: str | None = None  # what it should have: English, or neutral
    line_id: str | None = None
    found_da: str | None = None  # ``found`` in Danish, when it differs (see classifiers.texts)
    expected_da: str | None = None  # ``expected`` in Danish, when it differs

    def __post_init__(self) -> None:
        # a code string (from the store, a test) becomes its member; a mistyped one is refused
        # here (robot.codes.UnknownCodeError), so it can never reach a notice as "OTH"
        object.__setattr__(self, "status", Status.of(self.status))
        object.__setattr__(self, "reason", Reason.of(self.reason))
        object.__setattr__(self, "action", Action.of(self.action))

    @property
    def blocks(self) -> bool:
        """Warnings are reported but never stop an invoice."""
        return self.severity == "error"

    def found_in(self, lang: Literal["da", "en"]) -> str | None:
        """``found`` as the Danish or the English part of a notice shows it."""
        return (self.found_da or self.found) if lang == "da" else self.found

    def expected_in(self, lang: Literal["da", "en"]) -> str | None:
        """``expected`` as the Danish or the English part of a notice shows it."""
        return (self.expected_da or self.expected) if lang == "da" else self.expected

    def to_json(self) -> dict[str, Any]:
        """Every field in order, ``official_ids`` as a list; ``found``/``expected`` in English or
        neutral (their Danish twins, see :data:`DANISH_TWINS`, stay out as they always have)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in _TWINS}
        data["official_ids"] = list(self.official_ids)
        return data


#: ``found``/``expected`` → the field with its Danish rendering (stored beside it, robot.processing.findings)
DANISH_TWINS: dict[str, str] = {"found": "found_da", "expected": "expected_da"}
_TWINS = frozenset(DANISH_TWINS.values())


def verdict_of(findings: Iterable[Finding]) -> Verdict:
    """No blocking findings → post. Any blocking hold → hold. Otherwise return."""
    blocking = [f for f in findings if f.blocks]
    if not blocking:
        return Verdict.POST
    if any(f.disposition == "hold" for f in blocking):
        return Verdict.HOLD
    return Verdict.RETURN


# --- what rules may look up -------------------------------------------------------------------


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


class History(Protocol):
    """Earlier invoices, indexed for duplicate checks (see :mod:`classifiers.history`)."""

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
    history: History | None = None
    known_customer_eans: Mapping[str, str] = dataclasses.field(default_factory=dict)  # EAN -> customer id
    document_sha256: str | None = None
    invoice_id: int | None = None
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
        problems = _code_problems(
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


RuleFunc = Callable[["Invoice", Context], Iterable[Finding] | None]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A registered rule and its metadata (what ``fakturarobot rules`` prints)."""

    code: str
    func: RuleFunc
    official_ids: tuple[str, ...]
    disposition: Disposition
    severity: Severity
    status: Status
    reason: Reason
    action: Action
    field: str | None
    description: str
    family: str
    needs: frozenset[str] = frozenset()  # "vendors", "orders", "history", "customer"
    defaults: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def with_func(self, func: RuleFunc) -> RuleSpec:
        return replace(self, func=func)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "official_ids": list(self.official_ids),
            "disposition": self.disposition,
            "severity": self.severity,
            "status": self.status,
            "reason": self.reason,
            "action": self.action,
            "field": self.field,
            "description": self.description,
            "family": self.family,
            "parameters": jsonable(self.defaults),
        }


class DuplicateRuleError(ValueError):
    """Two rules claim the same code."""


class RuleDefinitionError(ValueError):
    """A rule uses a status, reason or action outside the Invoice Response code lists (or a made-up
    disposition or severity): refused when the rule is registered, i.e. when its module is imported."""


_CODE_LISTS: dict[str, tuple[frozenset[str], str]] = {
    "status": (frozenset(Status), Status.describe()),
    "reason": (frozenset(Reason), Reason.describe()),
    "action": (frozenset(Action), Action.describe()),
    "disposition": (frozenset({"return", "hold"}), "a disposition"),
    "severity": (frozenset({"error", "warning"}), "a severity"),
}


def _code_problems(**values: str | None) -> list[str]:
    """What is wrong with the codes given (``None`` = not given), naming the allowed codes."""
    return [
        f"{name} {value!r} is not {_CODE_LISTS[name][1]}; allowed: {allowed(_CODE_LISTS[name][0])}"
        for name, value in values.items()
        if value is not None and value not in _CODE_LISTS[name][0]
    ]


class Registry:
    """Rules by code. Refuses duplicate codes, naming both owners."""

    def __init__(self) -> None:
        self._rules: dict[str, RuleSpec] = {}

    def add(self, spec: RuleSpec) -> None:
        existing = self._rules.get(spec.code)
        if existing is not None and existing.func is not spec.func:
            raise DuplicateRuleError(
                f"rule code {spec.code!r} is registered twice: by {_owner(existing.func)} "
                f"and by {_owner(spec.func)}"
            )
        self._rules[spec.code] = spec

    def get(self, code: str) -> RuleSpec:
        try:
            return self._rules[code]
        except KeyError:
            known = ", ".join(sorted(self._rules)) or "none"
            raise KeyError(f"unknown rule code {code!r}; registered rules: {known}") from None

    def __contains__(self, code: object) -> bool:
        return code in self._rules

    def __iter__(self) -> Iterator[RuleSpec]:
        return iter(sorted(self._rules.values(), key=lambda s: (s.family, s.code)))

    def __len__(self) -> int:
        return len(self._rules)

    def codes(self) -> list[str]:
        return sorted(self._rules)


def _owner(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{getattr(func, '__qualname__', func)}"


#: The process-wide registry that ``@rule`` fills. Built-ins and plugins share it.
REGISTRY = Registry()


def rule(
    code: str,
    *,
    description: str,
    official_ids: Iterable[str] = (),
    disposition: Disposition = "return",
    severity: Severity = "error",
    status: Status | str = Status.RE,
    reason: Reason | str = Reason.OTH,
    action: Action | str = Action.NIN,
    field: str | None = None,
    needs: Iterable[str] = (),
    defaults: Mapping[str, Any] | None = None,
    registry: Registry | None = None,
) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule. The function is returned unchanged, so it stays directly testable."""

    def register(func: RuleFunc) -> RuleFunc:
        problems = _code_problems(
            status=status, reason=reason, action=action, disposition=disposition, severity=severity
        )
        if problems:
            raise RuleDefinitionError(f"rule {code!r} ({_owner(func)}): " + "; ".join(problems))
        module = func.__module__.rsplit(".", 1)[-1]
        spec = RuleSpec(
            code=code,
            func=func,
            official_ids=tuple(official_ids),
            disposition=disposition,
            severity=severity,
            status=Status.of(status),
            reason=Reason.of(reason),
            action=Action.of(action),
            field=field,
            description=description,
            family=module,
            needs=frozenset(needs),
            defaults=dict(defaults or {}),
        )
        (registry if registry is not None else REGISTRY).add(spec)
        return func

    return register
