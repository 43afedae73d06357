"""The notice outbox: a notice is stored first, then sent; sent at most once.

    >>> outbox = Outbox(store.sessions)
    >>> outbox.enqueue(run_id, "SAM", notice, invoice_ids=[3, 7])   # idempotent per notice_key
    >>> for row in outbox.pending(): ...  send, then outbox.sent(row.id) or outbox.failed(row.id, err)

A notice is marked ``sending`` before the notifier is called and ``sent`` after; a crash in
between leaves it ``sending``, which is retried with the same notice key (Message-ID), so a mail
server or the .eml notifier can recognise the resend.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import OutgoingNotice
from robot.store.schema import Event, InvoiceRow, InvoiceState, NoticeRow, utcnow


class Outbox:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def returned_without_notice(self) -> list[InvoiceRow]:
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(InvoiceRow)
                    .where(InvoiceRow.state == InvoiceState.RETURNED, InvoiceRow.notice_id.is_(None))
                    .order_by(InvoiceRow.id)
                )
            )

    def enqueue(
        self, run_id: int | None, customer_id: str | None, notice: OutgoingNotice, invoice_ids: Sequence[int]
    ) -> int:
        """Store the notice and link the invoices to it, in one transaction. Idempotent per key."""
        with self.sessions.begin() as s:
            existing = s.scalars(
                select(NoticeRow).where(NoticeRow.notice_key == notice.notice_key)
            ).one_or_none()
            if existing is not None:
                return existing.id
            row = NoticeRow(
                notice_key=notice.notice_key,
                run_id=run_id,
                customer_id=customer_id,
                recipients=",".join(notice.to),
                subject=notice.subject,
                body_text=notice.text,
                body_html=notice.html,
                invoice_ids={"ids": list(invoice_ids)},
                attachments={
                    "files": [
                        {"name": name, "mime": mime, "b64": base64.b64encode(data).decode("ascii")}
                        for name, data, mime in notice.attachments
                    ]
                },
            )
            s.add(row)
            s.flush()
            s.execute(update(InvoiceRow).where(InvoiceRow.id.in_(list(invoice_ids))).values(notice_id=row.id))
            for invoice_id in invoice_ids:
                s.add(
                    Event(
                        invoice_id=invoice_id, run_id=run_id, kind="notice-queued", detail={"notice": row.id}
                    )
                )
            return row.id

    def pending(self) -> list[NoticeRow]:
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(NoticeRow)
                    .where(NoticeRow.state.in_(("pending", "sending")))
                    .order_by(NoticeRow.id)
                )
            )

    def sending(self, notice_id: int) -> None:
        with self.sessions.begin() as s:
            row = s.get_one(NoticeRow, notice_id)
            row.state, row.attempts = "sending", row.attempts + 1

    def sent(self, notice_id: int, run_id: int | None) -> None:
        with self.sessions.begin() as s:
            row = s.get_one(NoticeRow, notice_id)
            row.state, row.sent_at, row.last_error = "sent", utcnow(), None
            for invoice_id in row.invoice_ids.get("ids", []):
                s.add(
                    Event(
                        invoice_id=invoice_id, run_id=run_id, kind="notice-sent", detail={"notice": notice_id}
                    )
                )

    def failed(self, notice_id: int, error: str) -> None:
        with self.sessions.begin() as s:
            row = s.get_one(NoticeRow, notice_id)
            row.state, row.last_error = "pending", error

    def count(self, state: str) -> int:
        with self.sessions() as s:
            return len(list(s.scalars(select(NoticeRow.id).where(NoticeRow.state == state))))

    @staticmethod
    def to_notice(row: NoticeRow) -> OutgoingNotice:
        files = row.attachments.get("files", [])
        return OutgoingNotice(
            notice_key=row.notice_key,
            to=tuple(a for a in row.recipients.split(",") if a),
            subject=row.subject,
            text=row.body_text,
            html=row.body_html,
            attachments=tuple((f["name"], base64.b64decode(f["b64"]), f["mime"]) for f in files),
        )
