"""How rules are registered: the ``@rule`` decorator, :class:`RuleSpec` (a rule and its metadata,
what ``fakturarobot rules`` prints) and the :class:`Registry` of rules by code.

Importing a rule module registers its rules in :data:`REGISTRY`; ``@rule`` refuses codes outside
the Invoice Response code lists then, so a mistyped rule never loads. Which modules are imported
(the built-ins and the ``fakturarobot.rules`` entry points) is :func:`classifiers.engine.load_rules`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from classifiers.context import Context
from classifiers.finding import Disposition, Finding, RuleDefinitionError, Severity, code_problems
from robot.codes import Action, Reason, Status
from robot.serialize import jsonable

if TYPE_CHECKING:
    from robot.model import Invoice

ENTRY_POINT_GROUP = "fakturarobot.rules"

RuleFunc = Callable[["Invoice", Context], Iterable[Finding] | None]
#: the attribute of a rule that runs only on some documents, naming the function that judges which
#: (its ``__wrapped__`` is the rule itself): the engine asks each such function once per document
JUDGES = "__judges__"


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
        problems = code_problems(
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
