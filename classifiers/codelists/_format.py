"""How :mod:`classifiers.codelists._data` writes what is not a plain list: deltas and the rule table.

A delta is a list written as an earlier one with codes added and removed (a line continues on the
next when that is indented)::

    >>> sorted(deltas("B = A + z - x\\n", {"A": frozenset({"x", "y"})})["B"])
    ['y', 'z']

The rule table has one line per official id, its columns the rule sets (``-``: the set has no such
assert), each column the names of the lists the assert tests::

    >>> table("BR-CL-01 L1 L2 | -\\nBR-CL-04 L3 | L3\\n", ("ubl", "cii"))
    {'ubl': {'BR-CL-01': ('L1', 'L2'), 'BR-CL-04': ('L3',)}, 'cii': {'BR-CL-04': ('L3',)}}
"""

from __future__ import annotations

from collections.abc import Mapping


def deltas(text: str, lists: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Each ``name = earlier + added ... - removed ...`` line of ``text`` as its codes."""
    found: dict[str, frozenset[str]] = {}
    for line in text.replace("\n  ", " ").splitlines():
        if not line.strip():
            continue
        name, _, base, *changes = line.split()
        codes, sign = set({**lists, **found}[base]), "+"
        for token in changes:
            if token in "+-":
                sign = token
            elif sign == "+":
                codes.add(token)
            else:
                codes.discard(token)
        found[name] = frozenset(codes)
    return found


def table(text: str, rule_sets: tuple[str, ...]) -> dict[str, dict[str, tuple[str, ...]]]:
    """The rule table: rule set → official id → list names."""
    rules: dict[str, dict[str, tuple[str, ...]]] = {rule_set: {} for rule_set in rule_sets}
    for line in text.splitlines():
        if not line.strip():
            continue
        official, _, rest = line.partition(" ")
        columns = rest.split("|")
        for rule_set, column in zip(
            rule_sets, columns * len(rule_sets) if len(columns) == 1 else columns, strict=True
        ):
            names = tuple(column.split())
            if names != ("-",):
                rules[rule_set][official] = names
    return rules
