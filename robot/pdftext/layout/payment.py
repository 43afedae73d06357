"""Payment details: the FIK line, a Danish reg. no. and account number, IBAN and BIC.

An IBAN must pass its checksum and a BIC its format (python-stdnum); a FIK line is
``+71<payment id+creditor<`` (card types 71, 73, 75; creditor number 8 digits).

    >>> from robot.pdftext.layout.text import lines_of
    >>> found = find_payment(lines_of("+71<000000001234567+85234567<\\nReg.nr. 1234 Konto 0012345678"))
    >>> [(c.value.code, c.value.payment_id, c.value.account, c.value.branch) for c in found]
    [('93', '71#000000001234567', '85234567', None), ('42', None, '0012345678', '1234')]
"""

from __future__ import annotations

import re

from stdnum import bic as std_bic
from stdnum import iban as std_iban

from robot.model import PaymentMeans
from robot.pdftext.layout.text import Candidate, TextLine

_FIK = re.compile(r"\+\s?(?P<card>7[135])\s?<\s?(?P<pid>\d{15,16})?\s?\+\s?(?P<creditor>\d{8})\s?<")
_REG = re.compile(
    r"\bReg(?:istrerings)?[\s.-]*(?:nr|nummer|no)?\.?\s*[:.]?\s*(?P<reg>\d{4})\s*[,/-]?\s*"
    r"(?:Konto(?:nr|nummer)?\.?|Kto(?:nr)?\.?|Account(?:\s+no\.?)?)\s*[:.]?\s*(?P<account>\d{6,10})(?!\d)",
    re.IGNORECASE,
)
_IBAN = re.compile(r"\bIBAN\s*[:.]?\s*(?P<iban>[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){10,30})", re.IGNORECASE)
_BIC = re.compile(
    r"\b(?:BIC|SWIFT)(?:\s*/\s*(?:SWIFT|BIC))?(?:[\s-]*code)?\s*[:.]?\s*(?P<bic>[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b"
)


def find_payment(lines: list[TextLine]) -> list[Candidate[PaymentMeans]]:
    """Each different payment instruction printed, once."""
    found: list[Candidate[PaymentMeans]] = []
    bic: str | None = None
    for line in lines:
        for m in _BIC.finditer(line.text):
            if std_bic.is_valid(m["bic"]):
                bic = bic or m["bic"]
    for line in lines:
        for m in _FIK.finditer(line.text):
            pid = f"{m['card']}#{m['pid'] or ''}"
            means = PaymentMeans(
                code="93", payment_id=pid, account=m["creditor"], creditor_account=m["creditor"]
            )
            found.append(Candidate(means, line, 0.9))
        for m in _REG.finditer(line.text):
            found.append(Candidate(PaymentMeans(code="42", account=m["account"], branch=m["reg"]), line, 0.8))
        for m in _IBAN.finditer(line.text):
            iban = _iban(m["iban"])
            if iban is not None:
                found.append(Candidate(PaymentMeans(code="58", account=iban, branch=bic), line, 0.9))
    unique: list[Candidate[PaymentMeans]] = []
    for cand in found:
        if all(u.value != cand.value for u in unique):
            unique.append(cand)
    return unique


def _iban(text: str) -> str | None:
    """The longest prefix of ``text`` that is a valid IBAN (the text may run on into other words)."""
    compact = re.sub(r"\s", "", text).upper()
    for end in range(len(compact), 14, -1):
        if std_iban.is_valid(compact[:end]):
            return compact[:end]
    return None
