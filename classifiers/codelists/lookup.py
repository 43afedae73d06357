"""The EN 16931 code lists of the official ``BR-CL-*`` asserts, by rule set and official id.

They come from :mod:`classifiers.codelists._data`, generated from the official artefacts::

    >>> "380" in codes("en16931-ubl", "BR-CL-01")
    True
    >>> "DKK" in codes("en16931-cii", "BR-CL-04") and "XXX-NOT-A-CODE" not in codes("peppol", "BR-CL-04")
    True
    >>> len(lists("en16931-ubl", "BR-CL-01"))  # the invoice's list, then the credit note's
    2
"""

from __future__ import annotations

from functools import lru_cache

from classifiers.codelists._data import LISTS, RULES, SOURCES

__all__ = ["LISTS", "RULES", "SOURCES", "allowed", "codes", "lists"]


def lists(rule_set: str, official_id: str) -> tuple[frozenset[str], ...]:
    """The code lists the official assert ``official_id`` tests in ``rule_set``, in the assert's order."""
    return tuple(LISTS[name] for name in RULES[rule_set][official_id])


def codes(rule_set: str, official_id: str) -> frozenset[str]:
    """The (first) code list of ``official_id`` in ``rule_set`` (``en16931-ubl``, ``en16931-cii``,
    ``peppol``)."""
    return lists(rule_set, official_id)[0]


@lru_cache(maxsize=256)
def allowed(rule_set: str, official_id: str, which: tuple[int, ...]) -> frozenset[str]:
    """The codes of the assert's lists at positions ``which``, together (made once, then kept)::

    >>> allowed("en16931-ubl", "BR-CL-01", (0, 1)) >= codes("en16931-ubl", "BR-CL-01")
    True
    """
    found = lists(rule_set, official_id)
    return frozenset[str]().union(*(found[i] for i in which))
