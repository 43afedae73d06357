"""The alert to the creditor team when a payment to a supplier bounced (returned or rejected).

Queued in the notice outbox with the payment (one transaction) and sent by the next run, like
every notice; Danish first, then English. The supplier's texts inside are plain text (an e-mail's
text part), never HTML.
"""

from __future__ import annotations

from connectors.base import OutgoingNotice
from robot.store.payments import NewPayment


def payment_failed_alert(
    notice_key: str, to: tuple[str, ...], filename: str, p: NewPayment
) -> OutgoingNotice:
    invoices = ", ".join(str(i) for i, _ in p.matches) or "-"
    amount = f"{p.amount} {p.currency or ''}".strip() if p.amount is not None else "-"
    what = p.bank_status or "-"
    why = p.reason or "-"
    found_da = (
        f"Fakturaen ({invoices}) er igen bogført, ikke betalt."
        if p.matches
        else "Robotten kunne ikke finde fakturaen: se fakturarobot payments --unmatched."
    )
    found_en = (
        f"The invoice ({invoices}) is posted, not paid, again."
        if p.matches
        else "The robot found no invoice for it: see fakturarobot payments --unmatched."
    )
    text = (
        "Fakturarobotten: en betaling til en leverandør kom retur eller blev afvist.\n\n"
        f"Bankens svar: {what}, årsag {why}. Beløb {amount}. Bankreference {p.bank_reference or '-'}, "
        f"end-to-end-id {p.end_to_end_id or '-'}, modtager {p.counterparty_name or '-'}.\n"
        f"Bankfil: {filename}.\n{found_da}\n\n"
        "-- English --\n\n"
        "Invoice robot: a payment to a supplier was returned or rejected.\n\n"
        f"The bank's answer: {what}, reason {why}. Amount {amount}. Bank reference "
        f"{p.bank_reference or '-'}, end-to-end id {p.end_to_end_id or '-'}, payee "
        f"{p.counterparty_name or '-'}.\nBank file: {filename}.\n{found_en}\n"
    )
    return OutgoingNotice(
        notice_key=notice_key,
        to=to,
        subject="Fakturarobot: betaling retur/afvist / payment returned or rejected",
        text=text,
    )
