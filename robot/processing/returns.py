"""What a returned invoice tells the outside world: the source's outcome and the customer's digest.

Both quote the findings that stopped the invoice (for a return by hand, the person's reason), in
Danish and English, with the Invoice Response when there is one.

:func:`send_notices` empties the outbox, each notice on its own: a notice the mail server refuses
for good (a recipient refused with 5xx) is held as ``refused`` with the reason and the others are
still sent; a transient failure (4xx, a timeout) leaves that notice for the next run, with its
attempts and last error. Only when the notifier as a whole fails (the mail server unreachable, the
outbox folder unwritable, the server refusing the robot's login) does the run stop sending: the
rest would fail the same way, and each of them records why it was not tried.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from loguru import logger

from classifiers.api import Finding
from connectors.base import Notifier
from connectors.eml import NOTIFIER_FAILURES
from robot.configuration.settings import ContactSettings
from robot.errors import BusinessError
from robot.processing.context import MasterData
from robot.processing.findings import MANUAL_RETURN, from_rows
from robot.processing.notices import ReturnedItem, build_digest
from robot.store.outbox import Outbox
from robot.store.repo import Store
from robot.store.schema import InvoiceRow, InvoiceState, error_type_codes


def blocking_findings(store: Store, invoice_id: int) -> list[Finding]:
    """The findings that stopped the invoice; for a return by hand, those that return it."""
    return blocking_of(from_rows(store.findings_of(invoice_id)))


def blocking_of(findings: list[Finding]) -> list[Finding]:
    """:func:`blocking_findings` of findings already read."""
    blocking = [f for f in findings if f.blocks]
    if any(f.code == MANUAL_RETURN for f in blocking):
        # a return recorded before the finding stopped naming the person ("returned by Anna K")
        # still must not carry the name outside: the journey has it
        return [
            replace(f, found=None, found_da=None) if f.code == MANUAL_RETURN else f
            for f in blocking
            if f.disposition == "return"
        ]
    return blocking


def error_types_of(row: InvoiceRow, findings: list[Finding]) -> tuple[str, ...]:
    """The error types the customer and the supplier are told: for a return by hand, the reason
    code the person chose (``return --code REF`` → REF), never the internal hold's (OTH, PAY)."""
    if any(f.code == MANUAL_RETURN for f in findings):
        return tuple(dict.fromkeys(f.reason for f in findings if f.code == MANUAL_RETURN))
    return error_type_codes(row.error_types)


def outcome_of(store: Store, row: InvoiceRow) -> tuple[str, dict[str, str]]:
    """What the source is told: ``transferred`` with the ERP number, or ``returned`` with reasons."""
    if row.state == InvoiceState.POSTED:
        return "transferred", {"erp_document_number": row.erp_document_no or ""}
    findings = blocking_findings(store, row.id)
    reasons = [{"code": f.reason, "text": f"{f.message_da} / {f.message_en}"} for f in findings]
    detail = {
        "reasons": json.dumps(reasons or [{"code": "OTH", "text": "returned"}], ensure_ascii=False),
        "error_types": ",".join(error_types_of(row, findings)),
    }
    if row.invoice_response:
        detail["invoice_response"] = row.invoice_response.decode("utf-8")
    return "returned", detail


def queue_digests(
    store: Store,
    master: MasterData,
    outbox: Outbox,
    run_id: int,
    templates: Path | None = None,
    contact: ContactSettings | None = None,
) -> None:
    """One digest per customer listing its newly returned invoices (Danish and English), signed
    with the configuration's ``contact`` when there is one."""
    by_customer: dict[str, list[InvoiceRow]] = defaultdict(list)
    returned = outbox.returned_without_notice()
    for row in returned:
        by_customer[row.customer_id or ""].append(row)
    stored = store.findings_by_invoice([row.id for row in returned])  # one query for all digests
    for customer_id, rows in by_customer.items():
        customer = master.by_id.get(customer_id)
        if customer is None or not customer.notify:
            continue  # unknown customer (REC): the creditor team sees it in the run summary
        items = [_returned_item(r, blocking_of(from_rows(stored.get(r.id, [])))) for r in rows]
        notice = build_digest(
            customer,
            str(run_id),
            items,
            template_dir=templates,
            store_id=outbox.store_id(),
            contact=contact,
        )
        outbox.enqueue(run_id, customer_id, notice, [r.id for r in rows])


def send_notices(outbox: Outbox, notifier: Notifier, run_id: int) -> list[str]:
    """Send every pending notice, each on its own; returns the run's problems (one per notice)."""
    log = logger.bind(run_id=run_id)
    problems: list[str] = []
    rows = outbox.pending()
    for index, row in enumerate(rows):
        who = f"notice {row.notice_key} ({row.customer_id or '-'}: {row.recipients})"
        outbox.sending(row.id)
        try:
            notifier.send(outbox.to_notice(row))
        except NOTIFIER_FAILURES as exc:  # the notifier as a whole: the rest would fail alike
            error = f"{type(exc).__name__}: {exc}"
            outbox.failed(row.id, error)
            rest = rows[index + 1 :]
            for other in rest:
                outbox.not_tried(other.id, f"not tried in run {run_id}: {error}")
            log.warning("{} not sent, {} more left for the next run: {}", who, len(rest), exc)
            problems.append(
                f"sending notices via {notifier.name} failed: {exc}; "
                f"{len(rest) + 1} notice(s) wait for the next run"
            )
            break
        except BusinessError as exc:  # refused for good: held for the creditor team
            outbox.refuse(row.id, str(exc), run_id)
            log.warning("{} refused, held for the creditor team: {}", who, exc)
            problems.append(f"{who} refused, held for the creditor team (fakturarobot held): {exc}")
            continue
        except Exception as exc:  # transient (4xx, timeout, ...): this notice waits for the next run
            outbox.failed(row.id, f"{type(exc).__name__}: {exc}")
            log.warning("{} not sent, retried next run: {}", who, exc)
            problems.append(f"{who} not sent via {notifier.name}, retried next run: {exc}")
            continue
        outbox.sent(row.id, run_id)
    return problems


def _returned_item(row: InvoiceRow, findings: list[Finding]) -> ReturnedItem:
    return ReturnedItem(
        invoice_id=row.id,
        invoice_number=row.invoice_number or row.source_ref,
        supplier_name=row.supplier_name or "",
        supplier_cvr=row.supplier_key or "",
        amount=row.payable,
        currency=row.currency or "DKK",
        issue_date=row.issue_date,
        error_types=error_types_of(row, findings),
        findings=tuple(findings),
        invoice_response_xml=row.invoice_response,
    )
