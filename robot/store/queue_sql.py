"""The work queue's statements (:class:`robot.store.queue.WorkQueue`): claiming, renewing and
checking a claim, and the advisory lock numbers decisions are serialised on. The ones sent per
batch or per invoice are constants, compiled once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import BigInteger, all_, and_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from robot.store.schema import InvoiceRow, InvoiceState, utcnow

#: a claim is not a change of the invoice: ``updated_at`` (and every index it is in) stays, so on
#: PostgreSQL a claim, a renewal or a release can be a heap-only update (no index entry written)
KEEP_UPDATED_AT: dict[str, Any] = {"updated_at": InvoiceRow.updated_at}


def lock_key(name: str) -> int:
    """The advisory lock number of a name decisions are serialised on (the same for every worker)."""
    digest = hashlib.sha256(f"supplier:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def renewal(invoice_ids: Sequence[int], worker: str, lease: timedelta) -> Any:
    """``UPDATE`` a full lease onto the pending invoices still claimed by ``worker``, returning their ids."""
    return (
        update(InvoiceRow)
        .where(_still_claimed(invoice_ids, worker))
        .values(lease_until=utcnow() + lease, **KEEP_UPDATED_AT)
        .returning(InvoiceRow.id)
    )


def locking(invoice_ids: Sequence[int], worker: str) -> Any:
    """``SELECT ... FOR UPDATE`` of the pending invoices still claimed by ``worker``: their ids."""
    return select(InvoiceRow.id).where(_still_claimed(invoice_ids, worker)).with_for_update()


def _claimed_by(worker: Any) -> Any:
    """Pending and claimed by ``worker`` (a name, or a bound parameter)."""
    return and_(InvoiceRow.claimed_by == worker, InvoiceRow.state.in_(InvoiceState.PENDING))


def _still_claimed(invoice_ids: Sequence[int], worker: str) -> Any:
    """The invoices of ``invoice_ids`` that are pending and claimed by ``worker``."""
    return and_(InvoiceRow.id.in_(list(invoice_ids)), _claimed_by(worker))


def claimable(now: Any) -> Any:
    """The ids of pending invoices free to claim at ``now``: no live lease, no ERP back-off."""
    return select(InvoiceRow.id).where(
        InvoiceRow.state.in_(InvoiceState.PENDING),
        or_(InvoiceRow.lease_until.is_(None), InvoiceRow.lease_until < now),
        or_(InvoiceRow.retry_after.is_(None), InvoiceRow.retry_after <= now),
    )


#: :meth:`~robot.store.queue.WorkQueue.claim`'s one statement on PostgreSQL (a constant: compiled once)
CLAIM = (
    update(InvoiceRow)
    .where(
        InvoiceRow.id.in_(
            claimable(bindparam("now"))
            .where(InvoiceRow.id != all_(bindparam("skip", type_=ARRAY(BigInteger))))
            .order_by(InvoiceRow.id)
            .limit(bindparam("limit"))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    )
    .values(claimed_by=bindparam("worker"), lease_until=bindparam("until"), **KEEP_UPDATED_AT)
    .returning(InvoiceRow.id)
)

#: :meth:`~robot.store.queue.WorkQueue.still_claims_many`' one statement (compiled once)
STILL_CLAIMED = select(InvoiceRow.id).where(
    InvoiceRow.id.in_(bindparam("ids", expanding=True)), _claimed_by(bindparam("worker"))
)

#: the same question as the driver's prepared statement (PostgreSQL): ``ids`` (an array),
#: ``worker`` and ``pending`` (the pending states, an array)
STILL_CLAIMED_PG = (
    f"SELECT id FROM {InvoiceRow.__tablename__}"
    " WHERE id = ANY(%(ids)s) AND claimed_by = %(worker)s AND state = ANY(%(pending)s)"
)
