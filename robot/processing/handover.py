"""The hand-over to the ERP: ask for the invoice first, post it only if the ERP does not have it.

The posting intent (:func:`intent`) is recorded before the ERP is called, in the transaction that
decides the invoice; :func:`hand_over` then asks the ERP (``find``), posts if needed and records the
ERP's number. Given a fence (:class:`~robot.store.fence.Fencing`), the lease is verified (and renewed)
immediately before each ERP call, and the number is recorded only if the invoice is still the
worker's; the fence's heartbeat renews the lease while a call runs. An ERP that cannot be reached
raises :class:`ErpUnreachable` (the invoice backs off, see :mod:`robot.processing.actions`); an ERP that
refuses the posting holds the invoice (POST-REFUSED).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

from loguru import logger

from connectors.base import Ledger, Posting
from robot.errors import BusinessError, TransientError
from robot.processing.findings import robot_finding
from robot.processing.outcome import Intent, held

if TYPE_CHECKING:
    from robot.store.fence import Fencing
    from robot.store.repo import Store

T = TypeVar("T")


class ErpUnreachable(Exception):
    """The ledger could not be reached (TransientError, connection error); wraps the cause."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause = cause


def intent(posting: Posting, ledger: str, *, recorded: bool = False) -> Intent:
    """The posting intent the store records before the ERP is called (the document left out)."""
    payload = _shallow(posting)  # what dataclasses.asdict gives, without its deep copies
    del payload["document"]
    payload["lines"] = tuple(
        {**_shallow(line), "dimensions": dict(line.dimensions)} for line in posting.lines
    )
    return Intent(posting.idempotency_key, ledger, payload, recorded)


def _shallow(value: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict (the values themselves, not copies)."""
    return {f.name: getattr(value, f.name) for f in fields(value)}


def hand_over(
    store: Store, ledger: Ledger, invoice_id: int, posting: Posting, run_id: int, *, fence: Fencing | None
) -> None:
    """Ask the ERP first, post only if it does not have the invoice, then record the number.

    What remains is documented in the README (at-least-once window).
    """
    worker = fence.worker if fence is not None else None
    answer = erp_number(store, ledger, invoice_id, posting, run_id, fence=fence)
    if answer is None:
        return
    number, found = answer
    store.complete_posting(invoice_id, run_id, number, found_existing=found, worker=worker)
    log_posted(ledger, run_id, invoice_id, number, found)


def log_posted(ledger: Ledger, run_id: int, invoice_id: int, number: str, found: bool) -> None:
    """The log line of an invoice recorded as posted (``found``: it was in the ERP already)."""
    logger.bind(run_id=run_id, invoice_id=invoice_id).info(
        "posted to {} as {}{}", ledger.name, number, " (found in the ERP)" if found else ""
    )


def erp_number(
    store: Store, ledger: Ledger, invoice_id: int, posting: Posting, run_id: int, *, fence: Fencing | None
) -> tuple[str, bool] | None:
    """The ERP's number for the invoice (asked first, posted only if the ERP does not have it) and
    whether it was found there; None when the ERP refused it, which holds the invoice (POST-REFUSED).
    The number is not recorded here (:func:`hand_over` records it, a batch records its together)."""
    try:
        if fence is not None:
            fence.hold("asking the ERP")  # a lookup: verified before the post that may follow
        existing = erp_call(lambda: ledger.find(posting))
        if existing is not None:
            return existing, True
        _fenced(fence, "posting to the ERP")
        return erp_call(lambda: ledger.post(posting)), False
    except BusinessError as exc:
        _fenced(fence, "holding")
        refused = held(f"ERP refused: {exc.message}", robot_finding("POST-REFUSED", exc.message))
        store.apply(invoice_id, run_id, refused, worker=fence.worker if fence is not None else None)
        return None


def erp_call(call: Callable[[], T]) -> T:
    """One ledger call; an unreachable ERP (TransientError, connection error) as ErpUnreachable."""
    try:
        return call()
    except (TransientError, OSError) as exc:
        raise ErpUnreachable(exc) from exc


def _fenced(fence: Fencing | None, step: str) -> None:
    """Verify and renew the lease right before a side effect; raises LeaseLost if it is gone."""
    if fence is not None:
        fence.check(step)
