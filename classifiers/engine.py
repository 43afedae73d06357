"""Run the registered rules on one invoice: customer settings applied, crashes contained.

    >>> from classifiers.criteria import CustomerCriteria
    >>> from robot.model import DocumentType, Invoice
    >>> invoice = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, number="1")
    >>> criteria = CustomerCriteria()
    >>> ctx = Context(customer_id="SAM", criteria=criteria)
    >>> result = Classifier(only=["EN-MANDATORY"]).classify(invoice, ctx)
    >>> result.verdict, sorted({f.code for f in result.findings})
    (<Verdict.RETURN: 'return'>, ['EN-MANDATORY'])

A rule that raises becomes a ``hold`` finding naming the rule (``RULE-CRASHED``); the other rules
still run. Rules listed in a customer's criteria with ``enabled: false`` are skipped; other
settings (disposition, severity, params) are handed to the rule through its context.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

from classifiers.api import (
    ENTRY_POINT_GROUP,
    REGISTRY,
    Context,
    Finding,
    Registry,
    RuleFunc,
    RuleSpec,
    Verdict,
    verdict_of,
)
from classifiers.finding import hold_finding
from classifiers.registry import JUDGES
from robot.codes import Action, Reason, Status

if TYPE_CHECKING:
    from loguru import Logger

    from robot.model import Invoice

CRASH_CODE = "RULE-CRASHED"
_loaded = False


@dataclass(frozen=True, slots=True)
class RuleLoadFailure:
    """A package registered under ``fakturarobot.rules`` that could not be imported."""

    name: str  # the entry point's name
    target: str  # what it points at, e.g. ``acme_rules.checks``
    error: str  # ``ModuleNotFoundError: No module named 'acme_rules'``

    def __str__(self) -> str:
        return (
            f"rule plugin {self.name!r} ({self.target}, entry point group {ENTRY_POINT_GROUP}) "
            f"failed to load, so its rules are missing: {self.error}"
        )


_failures: list[RuleLoadFailure] = []


class UnknownRuleError(ValueError):
    """``Classifier(only=...)`` named a rule code or family that no registered rule has."""


def _logger() -> Logger:
    """loguru's logger, imported when a rule plugin fails or a rule crashes: a command that only
    classifies (``validate``) does not pay for loguru's import otherwise."""
    from loguru import logger

    return logger


def load_rules(registry: Registry = REGISTRY) -> Registry:
    """Import the built-in rules and every package registered under ``fakturarobot.rules``.

    Built-ins register exactly like plugins (their entry point is ``classifiers.builtin``);
    importing them directly as well keeps a source checkout working without installation.
    A plugin that fails to import does not stop the robot; it is logged and kept for
    :func:`load_failures` (``check-config`` and ``rules`` report it and exit non-zero).
    """
    global _loaded
    if _loaded and registry is REGISTRY:
        return registry
    from importlib.metadata import entry_points

    importlib.import_module("classifiers.builtin")
    failures: list[RuleLoadFailure] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()
        except Exception as exc:  # a broken plugin must not stop the robot
            failure = RuleLoadFailure(ep.name, ep.value, f"{type(exc).__name__}: {exc}")
            _logger().error("{}", failure)
            failures.append(failure)
    _failures[:] = failures
    _loaded = True
    return registry


def load_failures() -> tuple[RuleLoadFailure, ...]:
    """The rule plugins that failed to import when the rules were (last) loaded."""
    load_rules()
    return tuple(_failures)


@dataclass(frozen=True, slots=True)
class Classification:
    findings: tuple[Finding, ...]
    verdict: Verdict

    @property
    def error_types(self) -> tuple[str, ...]:
        """Distinct reason codes of the blocking findings (the invoice's error types)."""
        seen: dict[str, None] = {}
        for f in self.findings:
            if f.blocks:
                seen.setdefault(f.reason, None)
        return tuple(seen)


class DocumentCheck(Protocol):
    """A check of the document itself (its bytes as received, ``Context.document``) run after the
    rules on the model: the official validation artefacts (:mod:`robot.processing.official`). It is
    given the rules' findings and returns only what it adds (not an official id already reported)."""

    def check(self, document: bytes, invoice: Invoice, native: Sequence[Finding]) -> list[Finding]: ...


class Classifier:
    """Applies rules to invoices. ``only`` restricts to some families or codes (tests, validate);
    ``document_checks`` run on the document's bytes after the rules, when the context has them."""

    def __init__(
        self,
        registry: Registry | None = None,
        *,
        only: Iterable[str] | None = None,
        document_level_only: bool = False,
        document_checks: Sequence[DocumentCheck] = (),
    ) -> None:
        self.registry = registry if registry is not None else load_rules()
        self.document_checks = tuple(document_checks)
        wanted = set(only) if only is not None else None
        if wanted is not None:
            _check_known(self.registry, wanted)
        self.rules: list[RuleSpec] = [
            spec
            for spec in self.registry
            if (wanted is None or spec.code in wanted or spec.family in wanted)
            and not (document_level_only and spec.needs)
        ]
        self._plan = [_planned(spec) for spec in self.rules]

    def classify(self, invoice: Invoice, ctx: Context) -> Classification:
        findings: list[Finding] = []
        overrides = ctx.criteria.rules if ctx.criteria is not None else {}
        rule_ctx = replace(ctx)  # one working copy per invoice; rules are pure and keep no reference
        judged: dict[object, bool] = {}  # a family's judgement of the document, asked once
        for spec, func, judges in self._plan:
            if judges is not None:
                verdict = judged.get(judges)
                if verdict is None:
                    verdict = judged[judges] = bool(judges(invoice))
                if not verdict:
                    continue
            setting = overrides.get(spec.code) if overrides else None
            if setting is None:
                params: Mapping[str, object] = _NO_PARAMS
            elif not setting.enabled:
                continue
            else:
                params = {**setting.params}
                if setting.disposition:
                    params["disposition"] = setting.disposition
                if setting.severity:
                    params["severity"] = setting.severity
            rule_ctx.rule, rule_ctx.params = spec, params
            try:  # (inline, not a call per rule: this loop runs some 60 times per invoice)
                found = func(invoice, rule_ctx)
                if found is not None:
                    findings.extend(found)
            except Exception as exc:
                findings.append(_crashed(spec, invoice, exc))
        if ctx.document is not None:
            for check in self.document_checks:
                findings.extend(check.check(ctx.document, invoice, tuple(findings)))
        return Classification(tuple(findings), verdict_of(findings))


def _planned(spec: RuleSpec) -> tuple[RuleSpec, RuleFunc, Callable[[Invoice], bool] | None]:
    """A rule as the engine runs it: a family's rule unwrapped, with the judgement of its family
    (:mod:`classifiers.builtin._family`), which the engine asks once per document for all of them."""
    judges = getattr(spec.func, JUDGES, None)
    inner = getattr(spec.func, "__wrapped__", None)
    if judges is None or inner is None:
        return spec, spec.func, None
    return spec, inner, judges


def _crashed(spec: RuleSpec, invoice: Invoice, exc: Exception) -> Finding:
    """A rule that raised: logged with its traceback, and the invoice held for a person."""
    _logger().opt(exception=exc).warning("rule {} crashed on invoice {}", spec.code, invoice.number)
    return crash_finding(spec, exc)


#: the parameters of a rule the customer's criteria do not set (shared: read-only)
_NO_PARAMS: Mapping[str, object] = MappingProxyType({})


def _check_known(registry: Registry, wanted: set[str]) -> None:
    """Refuse names no rule has: a misspelt or renamed rule would otherwise silently run nothing."""
    codes = set(registry.codes())
    families = {spec.family for spec in registry}
    unknown = sorted(wanted - codes - families)
    if unknown:
        raise UnknownRuleError(
            f"unknown rule code or family: {', '.join(map(repr, unknown))}; "
            f"families: {', '.join(sorted(families)) or 'none'}; codes: {', '.join(sorted(codes)) or 'none'}"
        )


def crash_finding(spec: RuleSpec, exc: BaseException) -> Finding:
    """A crashing rule holds the invoice for a person, naming the rule and the error."""
    detail = f"{type(exc).__name__}: {exc}"
    return hold_finding(
        CRASH_CODE,
        Status.UQ,
        Reason.OTH,
        Action.NOA,
        spec.field,
        f"Reglen {spec.code} fejlede ({detail}); fakturaen skal kontrolleres manuelt.",
        f"Rule {spec.code} crashed ({detail}); the invoice needs a manual check.",
        found=spec.code,
    )
