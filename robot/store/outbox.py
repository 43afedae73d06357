"""The notice outbox: a notice is stored first, then sent; each notice on its own.

    outbox = Outbox(store.sessions)
    outbox.enqueue(run_id, "SAM", notice, invoice_ids=[3, 7])   # idempotent per notice_key
    for row in outbox.pending(): ...  send, then outbox.sent(row.id, run_id),
        outbox.failed(row.id, err) (transient: retried next run) or outbox.refuse(row.id, err, run_id)

States: ``pending`` → ``sending`` → ``sent``; a transient failure puts it back to ``pending`` with
``attempts`` and ``last_error``; a permanent refusal (the mail server refused the recipient, 5xx)
makes it ``refused``: held for the creditor team with the reason, never retried by a run.

A notice is marked ``sending`` before the notifier is called and ``sent`` after; a crash in
between leaves it ``sending``, which is retried with the same notice key (Message-ID), so a mail
server or the .eml notifier can recognise the resend (at least once, not exactly once).

Notice keys start with the store's id (:meth:`Outbox.store_id`, a UUID made once per store), so
two stores sharing one outbox folder or mail system never share a key.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import OutgoingNotice
from robot.store.schema import Event, InvoiceRow, InvoiceState, NoticeRow, StoreMeta, utcnow

PENDING, SENDING, SENT, REFUSED = "pending", "sending", "sent", "refused"


class Outbox:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._store_id: str | None = None

    def store_id(self) -> str:
        """This store's id (a UUID made by migration 0004, or here on first use if absent)."""
        if self._store_id is None:
            with self.sessions() as s:
                found = s.get(StoreMeta, "store_id")
            if found is None:
                try:
                    with self.sessions.begin() as s:
                        s.add(StoreMeta(key="store_id", value=str(uuid.uuid4())))
                except IntegrityError:  # another process made it first: use theirs
                    pass
                with self.sessions() as s:
                    found = s.get_one(StoreMeta, "store_id")
            self._store_id = found.value
        return self._store_id

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
                    select(NoticeRow).where(NoticeRow.state.in_((PENDING, SENDING))).order_by(NoticeRow.id)
                )
            )

    def sending(self, notice_id: int) -> None:
        with self.sessions.begin() as s:
            row = s.get_one(NoticeRow, notice_id)
            row.state, row.attempts = SENDING, row.attempts + 1

    def sent(self, notice_id: int, run_id: int | None) -> None:
        with self.sessions.begin() as s:
            row = s.get_one(NoticeRow, notice_id)
            row.state, row.sent_at, row.last_error = SENT, utcnow(), None
            for invoice_id in row.invoice_ids.get("ids", []):
                s.add(
                    Event(
                        invoice_id=invoice_id, run_id=run_id, kind="notice-sent", detail={"notice": notice_id}
                    )
                )

    def failed(self, notice_id: int, error: str) -> None:
        """A transient failure: back to ``pending`` (the next run tries again) with the error."""
        with self.sessions.begin() as s:
            row = s.get_one(NoticeRow, notice_id)
            row.state, row.last_error = PENDING, error

    def not_tried(self, notice_id: int, error: str) -> None:
        """Left for the next run untried (the notifier was down): the error, no attempt counted."""
        with self.sessions.begin() as s:
            row = s.get_one(NoticeRow, notice_id)
            row.last_error = error

    def refuse(self, notice_id: int, error: str, run_id: int | None) -> None:
        """A permanent refusal: held as ``refused`` with the reason; no run sends it again."""
        with self.sessions.begin() as s:
            row = s.get_one(NoticeRow, notice_id)
            row.state, row.last_error = REFUSED, error
            for invoice_id in row.invoice_ids.get("ids", []):
                s.add(
                    Event(
                        invoice_id=invoice_id,
                        run_id=run_id,
                        kind="notice-refused",
                        detail={"notice": notice_id, "error": error},
                    )
                )

    def refused(self) -> list[NoticeRow]:
        """The refused notices, oldest first: what the creditor team must pass on by other means."""
        with self.sessions() as s:
            return list(s.scalars(select(NoticeRow).where(NoticeRow.state == REFUSED).order_by(NoticeRow.id)))

    def count(self, state: str) -> int:
        with self.sessions() as s:
            return int(s.scalar(select(func.count(NoticeRow.id)).where(NoticeRow.state == state)) or 0)

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
