"""What the rules of one family share, written once: their ``@rule`` metadata (the Invoice Response
codes, the disposition, what they need) and which documents they judge.

A rule module declares its :class:`Family` once and registers each rule through it; a rule states
only what is its own and may override what the family shares, and says what it checks in its
docstring (the description ``fakturarobot rules`` prints). A rule of a family that ``judges`` only
some documents is not run on the others (it yields nothing), so it need not check it itself::

    >>> from classifiers.api import Context, Registry
    >>> from robot.model import DocumentType, Invoice
    >>> private = Registry()
    >>> cii = Family(judges=lambda invoice: invoice.format == "cii", reason="LEG", registry=private)
    >>> @cii.rule("X-CII", action="PIN")
    ... def x_cii(invoice, ctx):
    ...     '''A rule that judges CII
    ...     documents only.'''
    ...     yield ctx.finding(da="fundet", en="found")
    >>> spec = private.get("X-CII")
    >>> spec.status.value, spec.reason.value, spec.action.value, spec.family, spec.description
    ('RE', 'LEG', 'PIN', '_family', 'A rule that judges CII documents only.')
    >>> list(x_cii(Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE), Context()) or ())
    []

:meth:`Family.judging` gives a family's metadata to rules of the same module that judge other
documents (e.g. the Danish rules: some of a Danish supplier's, some only between Danish parties).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

from classifiers.api import Context, Finding, RuleDefinitionError, RuleFunc, rule
from classifiers.registry import JUDGES
from robot.model import Invoice

Judges = Callable[[Invoice], bool]


class Family:
    """``@rule`` with a family's shared metadata filled in (``codes``: any keyword of ``rule``)."""

    def __init__(self, *, judges: Judges | None = None, **codes: Any) -> None:
        self.judges = judges
        self.codes = codes

    def judging(self, judges: Judges) -> Family:
        """The same metadata, for rules that judge only the documents ``judges`` accepts."""
        return Family(judges=judges, **self.codes)

    def rule(self, code: str, **own: Any) -> Callable[[RuleFunc], RuleFunc]:
        """Register a rule of this family: ``own`` metadata over the family's; its description is
        the rule's docstring (on one line) unless ``own`` gives one."""
        judges = self.judges

        def register(func: RuleFunc) -> RuleFunc:
            metadata = {**self.codes, **own}
            metadata.setdefault("description", " ".join((inspect.getdoc(func) or "").split()))
            if not metadata["description"]:
                raise RuleDefinitionError(f"rule {code!r}: say what it checks in its docstring")
            return rule(code, **metadata)(func if judges is None else _judged_only(func, judges))

        return register


def _judged_only(func: RuleFunc, judges: Judges) -> RuleFunc:
    """``func`` run only on the documents ``judges`` accepts (it yields nothing for the others)."""

    @functools.wraps(func)
    def judged(invoice: Invoice, ctx: Context) -> Iterable[Finding] | None:
        return func(invoice, ctx) if judges(invoice) else None

    setattr(judged, JUDGES, judges)  # the engine asks each family once per invoice (classifiers.engine)
    return judged
