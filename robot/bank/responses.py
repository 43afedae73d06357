"""Telling the supplier its invoice is paid: a Peppol Invoice Response with status ``PD``.

    xml = payment_response(store, invoice_id, paid_event_detail, cfg.responder)  # None: none made
    payment_responses(store, payment_id, cfg.responder, known_eans=master.by_ean)  # each invoice it paid

Off unless the configuration says ``responder: {payment_responses: true}``; only an invoice read
from Peppol BIS 3 gets one (an OIOUBL 2.1 supplier has no Invoice Response to read). The same
party answers as for a return (:mod:`robot.processing.reply`): the buyer when its EAN is a known
customer's, else the configuration's responder. The response does not touch the invoice's
``invoice_response`` (the return's): it is kept in the journey as an event ``payment-response``
(``detail``: ``payment_id``, ``response_id``, ``status`` PD, ``paid_on``, ``xml_b64``), or
``payment-response-skipped`` with why when the invoice cannot be answered. Each payment of an
invoice is answered once: the same ``paid`` event processed again makes nothing new.
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from loguru import logger
from sqlalchemy import select

from robot.configuration.settings import ResponderSettings
from robot.model import Identifier, Invoice, Party, SourceFormat
from robot.processing import event_detail
from robot.processing.invoice_response import InvoiceResponseError, build_payment_response
from robot.readers import read_document
from robot.store.repo import Store
from robot.store.schema import Event, PaymentMatchRow

KIND, SKIPPED = "payment-response", "payment-response-skipped"


def payment_response(
    store: Store,
    invoice_id: int,
    paid_event: Mapping[str, Any],
    settings: ResponderSettings,
    *,
    known_eans: Collection[str] | None = None,
    today: date | None = None,
) -> bytes | None:
    """The PD response for one ``paid`` event's detail (``booking_date``, ``amount``, ``currency``,
    ``payment_id``, ``remaining``), recorded in the invoice's journey; None when none is made now
    (off, not Peppol BIS 3, made before, or the invoice cannot be answered: then the journey says why).

    ``known_eans``: the customers' EANs (``MasterData.by_ean``); None takes the buyer as known.
    """
    if not settings.payment_responses:
        return None
    payment_id = paid_event.get("payment_id")
    if _answered(store, invoice_id, payment_id):
        return None
    _, document = store.document_of(invoice_id)
    try:
        invoice = read_document(bytes(document.content), document.filename)
    except Exception as exc:  # read when it was posted; a reader change must not stop the import
        logger.warning("invoice {}: no payment response, document not read again: {}", invoice_id, exc)
        store.event(invoice_id, None, SKIPPED, payment_id=payment_id, reason=f"not read again: {exc}")
        return None
    if invoice.format != SourceFormat.PEPPOL_BIS3 or invoice.is_credit_note:
        return None
    response_id = f"FR-{invoice_id}-PD-{payment_id}"
    paid_on = event_detail.day(paid_event.get("booking_date"))
    try:
        xml = build_payment_response(
            invoice,
            response_id=response_id,
            issue_date=today or date.today(),
            paid_on=paid_on,
            amount=event_detail.amount(paid_event.get("amount")),
            currency=paid_event.get("currency") or invoice.currency,
            remaining=event_detail.amount(paid_event.get("remaining")),
            sender=_sender(invoice, settings, known_eans),
        )
    except InvoiceResponseError as exc:
        store.event(invoice_id, None, SKIPPED, payment_id=payment_id, reason=exc.message)
        return None
    store.event(
        invoice_id,
        None,
        KIND,
        payment_id=payment_id,
        response_id=response_id,
        status="PD",
        paid_on=None if paid_on is None else paid_on.isoformat(),
        xml_b64=base64.b64encode(xml).decode("ascii"),
    )
    return xml


def payment_responses(
    store: Store,
    payment_id: int,
    settings: ResponderSettings,
    *,
    known_eans: Collection[str] | None = None,
) -> int:
    """:func:`payment_response` for every invoice one recorded payment paid; how many were made."""
    if not settings.payment_responses:
        return 0
    with store.sessions() as s:
        invoice_ids = list(
            s.scalars(select(PaymentMatchRow.invoice_id).where(PaymentMatchRow.payment_id == payment_id))
        )
        events = list(
            s.scalars(
                select(Event)
                .where(Event.kind == "paid", Event.invoice_id.in_(invoice_ids))
                .order_by(Event.id)
            )
        )
    made = 0
    for event in events:
        if event.invoice_id is not None and event.detail.get("payment_id") == payment_id:
            made += (
                payment_response(store, event.invoice_id, event.detail, settings, known_eans=known_eans)
                is not None
            )
    return made


def _answered(store: Store, invoice_id: int, payment_id: object) -> bool:
    with store.sessions() as s:
        details = s.scalars(
            select(Event.detail).where(Event.invoice_id == invoice_id, Event.kind.in_((KIND, SKIPPED)))
        )
        return any(d.get("payment_id") == payment_id for d in details)


def _sender(
    invoice: Invoice, settings: ResponderSettings, known_eans: Collection[str] | None
) -> Party | None:
    """None (the buyer answers) when its EAN is a known customer's, else the configured responder."""
    endpoint = invoice.buyer.endpoint
    if known_eans is None or (endpoint is not None and endpoint.value in known_eans):
        return None
    address = Identifier(settings.endpoint_id, settings.endpoint_scheme) if settings.endpoint_id else None
    return Party(name=settings.name, endpoint=address)
