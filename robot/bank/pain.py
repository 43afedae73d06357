"""pain.002 (customer payment status report): the bank's answer to the robot's payment orders.

Statuses come at three levels, each kept: the whole file (``OrgnlGrpInfAndSts/GrpSts``), one
payment block (``OrgnlPmtInfAndSts/PmtInfSts``) and one payment (``TxInfAndSts/TxSts``, with its
``OrgnlEndToEndId``). A level without a status is left out (a block that only carries its
payments' statuses). The reason is the first ``StsRsnInf/Rsn`` code (``AC04``, ``AM04`` …), its
``AddtlInf`` lines joined.
"""

from __future__ import annotations

from robot.bank.model import BankFile, PaymentStatus, StatusLevel
from robot.bank.nodes import Doc, Element


def read_pain002(doc: Doc, body: Element, message: str) -> BankFile:
    statuses: list[PaymentStatus] = []
    group = doc.child(body, "OrgnlGrpInfAndSts")
    original_message = None if group is None else doc.text(group, "OrgnlMsgId")
    if group is not None:
        _add(doc, statuses, group, "group", "GrpSts", original_message)
    for block in doc.children(body, "OrgnlPmtInfAndSts"):
        info_id = doc.text(block, "OrgnlPmtInfId")
        _add(doc, statuses, block, "payment", "PmtInfSts", original_message, payment_info=info_id)
        for tx in doc.children(block, "TxInfAndSts"):
            _add(doc, statuses, tx, "transaction", "TxSts", original_message, payment_info=info_id)
    return BankFile(
        file=doc.file,
        message=message,
        kind="pain002",
        message_id=doc.text(body, "GrpHdr/MsgId"),
        created_at=doc.moment(body, "GrpHdr/CreDtTm"),
        statuses=tuple(statuses),
    )


def _add(
    doc: Doc,
    statuses: list[PaymentStatus],
    el: Element,
    level: StatusLevel,
    status_path: str,
    original_message: str | None,
    *,
    payment_info: str | None = None,
) -> None:
    status = doc.text(el, status_path)
    if status is None:
        return
    reasons = doc.children(el, "StsRsnInf")
    reason = next((code for r in reasons if (code := doc.code(r, "Rsn")) is not None), None)
    info = " ".join(line for r in reasons for line in doc.texts(r, "AddtlInf")) or None
    amount = doc.optional_amount(el, "OrgnlTxRef/Amt/InstdAmt") if level == "transaction" else None
    statuses.append(
        PaymentStatus(
            level=level,
            status=status,
            original_end_to_end_id=doc.text(el, "OrgnlEndToEndId") if level == "transaction" else None,
            original_instruction_id=doc.text(el, "OrgnlInstrId") if level == "transaction" else None,
            original_payment_information_id=payment_info,
            original_message_id=original_message,
            reason=reason,
            additional_info=info,
            amount=None if amount is None else amount[0],
            currency=None if amount is None else amount[1],
        )
    )
