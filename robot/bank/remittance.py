"""Structured remittance (``RmtInf/Strd``): the invoices a payment pays and its creditor reference.

A creditor reference is told apart by its content and type: an ISO 11649 RF reference (``RF`` and
two check digits that hold, mod 97), a Danish FIK/OCR payment id (card 71, 73 or 75) or giro (card
01, 04 or 15) named by its type (``Prtry`` ``71``, ``FIK71`` …) or written as on the payment slip
(``+71<000000012345678``); anything else is ``other``, kept as written.

    >>> classify("RF18539007547034", None)
    CreditorReference(reference='RF18539007547034', kind='rf', card=None, type_code=None, issuer=None)
    >>> classify("000000012345678", "71").kind, classify("+75<1234567890123456", None).card
    ('fik', '75')
    >>> classify("RF19539007547034", "SCOR").kind  # the check digits do not hold
    'other'
"""

from __future__ import annotations

import re

from robot.bank.model import CreditorReference, ReferenceKind, Remittance
from robot.bank.nodes import Doc, Element

_FIK_CARDS = frozenset({"71", "73", "75"})
_GIRO_CARDS = frozenset({"01", "04", "15"})
_SLIP = re.compile(r"\+?([0-9]{2})<([0-9]*)(?:[+>].*)?")
_CARD_IN_TYPE = re.compile(r"(?:FIK|GIK|OCR|KORTART)?\s*([0-9]{2})", re.IGNORECASE)
_RF = re.compile(r"RF[0-9]{2}[0-9A-Z]{1,21}")


def rf_valid(reference: str) -> bool:
    """ISO 11649: ``RF``, two check digits, up to 21 characters; valid when the number mod 97 is 1."""
    if not _RF.fullmatch(reference):
        return False
    moved = reference[4:] + reference[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def classify(reference: str, type_code: str | None, issuer: str | None = None) -> CreditorReference:
    """What kind of creditor reference ``reference`` (of type ``type_code``) is."""
    compact = "".join(reference.split()).upper()
    if rf_valid(compact):
        return CreditorReference(compact, "rf", None, type_code, issuer)
    slip = _SLIP.fullmatch(compact)
    card: str | None = None
    value = compact
    if slip is not None:
        card, value = slip.group(1), slip.group(2)
    elif type_code is not None:
        typed = _CARD_IN_TYPE.fullmatch(type_code.strip())
        card = typed.group(1) if typed is not None else None
    kind: ReferenceKind = "other"
    if card in _FIK_CARDS:
        kind = "fik"
    elif card in _GIRO_CARDS:
        kind = "giro"
    else:
        card, value = None, reference
    return CreditorReference(value, kind, card, type_code, issuer)


def remittances_of(doc: Doc, tx: Element) -> tuple[Remittance, ...]:
    """Every ``RmtInf/Strd`` block of a transaction, in order."""
    found: list[Remittance] = []
    for strd in doc.children(tx, "RmtInf/Strd"):
        amount = doc.optional_amount(strd, "RfrdDocAmt/RmtdAmt") or doc.optional_amount(
            strd, "RfrdDocAmt/DuePyblAmt"
        )
        reference: CreditorReference | None = None
        ref_info = doc.child(strd, "CdtrRefInf")
        if ref_info is not None:
            text = doc.text(ref_info, "Ref")
            if text is not None:
                type_code = doc.code(ref_info, "Tp/CdOrPrtry")
                reference = classify(text, type_code, doc.text(ref_info, "Tp/Issr"))
        found.append(
            Remittance(
                referred_document_number=doc.text(strd, "RfrdDocInf/Nb"),
                referred_document_amount=None if amount is None else amount[0],
                referred_document_currency=None if amount is None else amount[1],
                creditor_reference=reference,
            )
        )
    return tuple(found)


def creditor_reference_of(remittances: tuple[Remittance, ...]) -> CreditorReference | None:
    return next((r.creditor_reference for r in remittances if r.creditor_reference), None)
