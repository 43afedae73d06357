"""The Invoice Response code lists as a rule author imports them (defined once, in robot.codes).

Peppol BIS 3 Invoice Response (T111), also used by OIOUBL 3 (see docs/domain.md §5):
:class:`Status` (``cbc:ResponseCode``), :class:`Reason` (``OPStatusReason``, a finding's error
type) and :class:`Action` (``OPStatusAction``, what the supplier must do), each code with its
Danish and English label. ``STATUSES``, ``REASONS`` and ``ACTIONS`` are the same lists as sets.

``@rule`` (classifiers.api) refuses codes outside these lists when a rule module is imported::

    >>> "RE" in STATUSES and Reason.REF in REASONS and "PIN" in ACTIONS
    True
    >>> allowed(REASONS)
    'DEL, FIN, ITM, LEG, NON, OTH, PAY, PPD, PRI, QTY, QUA, REC, REF, UNR'
"""

from __future__ import annotations

from robot.codes import Action as Action
from robot.codes import Reason as Reason
from robot.codes import Status as Status
from robot.codes import UnknownCodeError as UnknownCodeError
from robot.codes import allowed as allowed

#: UNCL4343 subset allowed in T111: acknowledged, in process, under query, conditionally accepted,
#: rejected, accepted, paid.
STATUSES: frozenset[Status] = frozenset(Status)

#: OPStatusReason: no issue, references, legal, receiver unknown, quality, delivery, prices,
#: quantity, items, payment terms, not recognised, finance terms, partially paid, other.
REASONS: frozenset[Reason] = frozenset(Reason)

#: OPStatusAction: no action, provide information, issue new invoice, credit fully, credit
#: partially, credit the amount, other.
ACTIONS: frozenset[Action] = frozenset(Action)
