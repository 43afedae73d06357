"""The Invoice Response code lists, written once: status, clarification reason and action codes.

Peppol BIS 3 Invoice Response (T111), also used by OIOUBL 3 (see docs/domain.md §5):

- ``STATUSES``: the UNCL4343 subset T111 allows in ``cbc:ResponseCode``;
- ``REASONS``: the clarification reason codes (``OPStatusReason``), a finding's error type;
- ``ACTIONS``: the clarification action codes (``OPStatusAction``), what the supplier must do.

``@rule`` (classifiers.api) refuses codes outside these lists when a rule module is imported::

    >>> "RE" in STATUSES and "REF" in REASONS and "PIN" in ACTIONS
    True
    >>> allowed(REASONS)
    'DEL, FIN, ITM, LEG, NON, OTH, PAY, PPD, PRI, QTY, QUA, REC, REF, UNR'
"""

from __future__ import annotations

from collections.abc import Iterable

#: UNCL4343 subset allowed in T111: acknowledged, in process, under query, conditionally accepted,
#: rejected, accepted, paid.
STATUSES = frozenset({"AB", "IP", "UQ", "CA", "RE", "AP", "PD"})

#: OPStatusReason: no issue, references, legal, receiver unknown, quality, delivery, prices,
#: quantity, items, payment terms, not recognised, finance terms, partially paid, other.
REASONS = frozenset(
    {"NON", "REF", "LEG", "REC", "QUA", "DEL", "PRI", "QTY", "ITM", "PAY", "UNR", "FIN", "PPD", "OTH"}
)

#: OPStatusAction: no action, provide information, issue new invoice, credit fully, credit
#: partially, credit the amount, other.
ACTIONS = frozenset({"NOA", "PIN", "NIN", "CNF", "CNP", "CNA", "OTH"})


def allowed(codes: Iterable[str]) -> str:
    """The codes as a sorted, comma-separated list for error messages."""
    return ", ".join(sorted(codes))
