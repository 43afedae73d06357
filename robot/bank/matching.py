"""Which invoices a payment paid: the strongest evidence first, never a guess.

    result = match_transaction(tx, candidates, returned=False)
    result.status, result.evidence, result.allocations   # "matched", "creditor-reference", (...)

Evidence, strongest first; the first kind the payment carries that finds invoices decides:

1. ``end-to-end-id``: the ``EndToEndId`` the ERP put on the payment order (a candidate knows it
   when the ledger gave it back at posting, or from an earlier payment matched with it);
2. ``creditor-reference``: a structured creditor reference (FIK 71/73/75 payment id, RF reference)
   on the invoice, **and** the payment's creditor account is one of the invoice's accounts;
3. ``referred-document``: ``RfrdDocInf/Nb`` is the invoice number (or the ERP document number);
   several invoices with that number are narrowed to the one paid to its supplier's account;
4. ``remittance-text``: the invoice number appears in the unstructured text, the amount is the
   invoice's (what is left of it) and the account is the supplier's.

A payment paying several invoices names each (several ``RfrdDocInf`` / references): every one must
find exactly one invoice and the amounts must add up to the payment. A payment of less than an
invoice's remaining amount pays it partly. Anything else — no invoice, or more than one equally
good — is ``unmatched`` or ``ambiguous`` with the candidates the creditor team may pick from.
A returned transfer or a ``pain.002`` rejection is matched alike and comes out ``rejected``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from robot.bank.model import PaymentStatus, Remittance, Transaction
from robot.bank.remittance import rf_valid
from robot.model import PaymentMeans

Status = Literal["matched", "unmatched", "ambiguous", "rejected"]
Evidence = Literal["end-to-end-id", "creditor-reference", "referred-document", "remittance-text"]
ZERO = Decimal(0)
MAX_CANDIDATES = 10
_FIK_CARDS = ("71", "73", "75")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+")
_SLIP = re.compile(r"\+?([0-9]{2})[<#]([0-9]+)")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A posted invoice a payment may pay, with everything a bank file could name it by."""

    invoice_id: int
    invoice_number: str | None
    payable: Decimal | None
    currency: str | None
    supplier_key: str | None = None
    supplier_name: str | None = None
    accounts: frozenset[str] = frozenset()  # the supplier's accounts (normalised, see account_forms)
    references: frozenset[str] = frozenset()  # "fik:<digits>", "rf:<RF...>" (see reference_key)
    erp_document_no: str | None = None
    end_to_end_ids: frozenset[str] = frozenset()
    paid: Decimal = ZERO  # paid so far (less what bounced)

    @property
    def remaining(self) -> Decimal | None:
        return None if self.payable is None else self.payable - self.paid


@dataclass(frozen=True, slots=True)
class Allocation:
    invoice_id: int
    amount: Decimal | None  # None: a rejection naming no amount


@dataclass(frozen=True, slots=True)
class Considered:
    """An invoice the creditor team may look at for a payment the robot did not match, and why."""

    invoice_id: int
    why: str


@dataclass(frozen=True, slots=True)
class Result:
    status: Status
    evidence: Evidence | None = None
    allocations: tuple[Allocation, ...] = ()
    candidates: tuple[Considered, ...] = ()
    reason: str | None = None


def number_key(number: str | None) -> str:
    """An invoice number as compared: upper case, no whitespace."""
    return "".join((number or "").split()).upper()


def account_forms(account: str | None) -> frozenset[str]:
    """The forms one account is known by: as written (letters and digits), the BBAN of an IBAN,
    and for a Danish account of registration number + account number, the account number alone
    (each also without leading zeros). Two accounts are the same when their forms meet."""
    text = re.sub(r"[^0-9A-Za-z]", "", account or "").upper()
    if not text:
        return frozenset()
    forms = {text}
    if _IBAN.fullmatch(text):
        text = text[4:]
        forms.add(text)
    if text.isdigit() and len(text) == 14:  # reg. no. (4) + account (10)
        forms.add(text[4:])
    return frozenset(forms | {f.lstrip("0") for f in forms if f.lstrip("0")})


def reference_key(kind: str, reference: str) -> str | None:
    """How a FIK payment id or an RF reference is compared (leading zeros of a FIK id do not count)."""
    compact = "".join(reference.split()).upper()
    if kind == "fik" and compact.isdigit() and compact.strip("0"):
        return "fik:" + compact.lstrip("0")
    if kind == "rf" and rf_valid(compact):
        return "rf:" + compact
    return None


def invoice_references(means: Iterable[PaymentMeans]) -> frozenset[str]:
    """The FIK payment ids and RF references an invoice's payment means give (Peppol ``71#id``,
    OIOUBL payment id ``71`` with the id in ``InstructionID``, or an RF reference as payment id)."""
    keys: set[str | None] = set()
    for pm in means:
        pid = "".join((pm.payment_id or "").split())
        slip = _SLIP.fullmatch(pid)
        if slip is not None and slip.group(1) in _FIK_CARDS:
            keys.add(reference_key("fik", slip.group(2)))
        elif pid in _FIK_CARDS and pm.instruction_id:
            keys.add(reference_key("fik", pm.instruction_id))
        elif pid:
            keys.add(reference_key("rf", pid))
    return frozenset(k for k in keys if k is not None)


def invoice_accounts(means: Iterable[PaymentMeans]) -> frozenset[str]:
    forms: set[str] = set()
    for pm in means:
        forms |= account_forms(pm.account) | account_forms(pm.creditor_account)
    return frozenset(forms)


@dataclass(slots=True)
class _Payment:
    amount: Decimal | None
    currency: str | None
    account: frozenset[str]
    returned: bool
    alternatives: dict[str, Decimal] = field(default_factory=dict)  # currency -> amount

    def amount_for(self, c: Candidate) -> Decimal | None:
        if c.currency is None or self.currency is None or c.currency == self.currency:
            return self.amount
        return self.alternatives.get(c.currency)

    def pays_to(self, c: Candidate) -> bool:
        return bool(self.account & c.accounts)

    def fits(self, c: Candidate) -> bool:
        """Amount and currency are the invoice's (what is left of it; a return: the whole)."""
        amount = self.amount_for(c)
        return amount is not None and amount in {c.remaining, c.payable, c.paid if self.returned else None}


def _payment(tx: Transaction, returned: bool) -> _Payment:
    account = tx.counterparty_account.identifier if tx.counterparty_account else None
    found = _Payment(tx.amount, tx.currency, account_forms(account), returned)
    x = tx.exchange
    if x is not None and x.instructed_amount is not None and x.instructed_currency:
        found.alternatives[x.instructed_currency] = x.instructed_amount
    return found


def _considered(hits: Iterable[Candidate], why: str) -> tuple[Considered, ...]:
    return tuple(Considered(c.invoice_id, why) for c in list(hits)[:MAX_CANDIDATES])


def _allocate(pay: _Payment, evidence: Evidence, found: Sequence[tuple[Candidate, Decimal | None]]) -> Result:
    """The invoices found, each with its part of the payment; the parts must add up to it."""
    status: Status = "rejected" if pay.returned else "matched"
    merged: dict[int, tuple[Candidate, Decimal | None]] = {}
    for c, part in found:
        seen = merged.get(c.invoice_id)
        merged[c.invoice_id] = (c, part if seen is None else _sum(seen[1], part))
    items = list(merged.values())
    if len(items) == 1:
        c, part = items[0]
        return Result(status, evidence, (Allocation(c.invoice_id, part or pay.amount_for(c)),))
    parts = [part for _, part in items]
    if all(p is None for p in parts):
        parts = [None if pay.returned else c.remaining for c, _ in items]
    total = sum((p for p in parts if p is not None), ZERO)
    payment_amount = pay.amount_for(items[0][0])
    if (any(p is None for p in parts) and not pay.returned) or (
        payment_amount is not None and None not in parts and total != payment_amount
    ):
        return Result(
            "unmatched",
            evidence,
            candidates=_considered((c for c, _ in items), evidence),
            reason=f"the invoices' amounts ({total}) do not add up to the payment ({payment_amount})",
        )
    return Result(
        status, evidence, tuple(Allocation(c.invoice_id, p) for (c, _), p in zip(items, parts, strict=True))
    )


def _sum(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a + b


def _each(
    pay: _Payment, evidence: Evidence, wanted: Sequence[tuple[Remittance, list[Candidate]]]
) -> Result | None:
    """Every remittance must find exactly one invoice; None when none found any (try weaker evidence)."""
    if not any(hits for _, hits in wanted):
        return None
    for r, hits in wanted:
        if len(hits) != 1:
            considered = [c for _, h in wanted for c in h]
            status: Status = "ambiguous" if len(hits) > 1 else "unmatched"
            what = r.referred_document_number or (r.creditor_reference and r.creditor_reference.reference)
            reason = f"{len(hits)} invoices for {what}" if hits else f"no invoice for {what}"
            return Result(status, evidence, candidates=_considered(considered, evidence), reason=reason)
    return _allocate(pay, evidence, [(hits[0], r.referred_document_amount) for r, hits in wanted])


def match_transaction(tx: Transaction, candidates: Sequence[Candidate], *, returned: bool = False) -> Result:
    """What ``tx`` paid (or, ``returned``, what its return reopens) among ``candidates``."""
    pay = _payment(tx, returned)
    usable = [c for c in candidates if pay.amount_for(c) is not None or pay.amount is None]
    if tx.end_to_end_id:
        hits = [c for c in candidates if tx.end_to_end_id in c.end_to_end_ids]
        if hits:
            return _allocate(pay, "end-to-end-id", [(c, None) for c in hits])
    remittances = tx.remittances or (
        (Remittance(tx.referred_document_number, None, None, tx.creditor_reference),)
        if tx.referred_document_number or tx.creditor_reference
        else ()
    )
    structured = []
    for r in remittances:
        ref = r.creditor_reference
        key = None if ref is None else reference_key(ref.kind, ref.reference)
        if key is not None:
            structured.append((r, [c for c in usable if key in c.references and pay.pays_to(c)]))
    decided = _each(pay, "creditor-reference", structured)
    if decided is not None:
        return decided
    documents = []
    for r in remittances:
        if not r.referred_document_number:
            continue
        wanted = number_key(r.referred_document_number)
        hits = [c for c in usable if wanted in (number_key(c.invoice_number), number_key(c.erp_document_no))]
        if len(hits) > 1 and pay.account:
            hits = [c for c in hits if pay.pays_to(c)] or hits
        documents.append((r, hits))
    decided = _each(pay, "referred-document", documents)
    if decided is not None:
        return decided
    text = " " + re.sub(r"\s+", " ", (tx.remittance_text or "").upper()) + " "
    named = [c for c in usable if c.invoice_number and _names(text, c.invoice_number)]
    strong = [c for c in named if pay.pays_to(c) and pay.fits(c)]
    if len(strong) == 1:
        return _allocate(pay, "remittance-text", [(strong[0], None)])
    if len(strong) > 1:
        return Result("ambiguous", "remittance-text", candidates=_considered(strong, "remittance-text"),
                      reason=f"{len(strong)} invoices fit the text, amount and account")  # fmt: skip
    weak = _considered(named, "invoice number in the text") + _considered(
        [c for c in usable if c not in named and pay.pays_to(c) and pay.fits(c)], "amount and account"
    )
    return Result("unmatched", candidates=weak[:MAX_CANDIDATES], reason="no invoice fits the payment")


def _names(text: str, number: str) -> bool:
    wanted = re.escape(" ".join(number.upper().split()))
    return re.search(rf"(?<![0-9A-Z]){wanted}(?![0-9A-Z])", text) is not None


def match_status(status: PaymentStatus, candidates: Sequence[Candidate]) -> Result | None:
    """A pain.002 rejection (``RJCT``) of one payment: the invoices its end-to-end id paid; None for
    any other status (accepted, pending, ...), which changes nothing."""
    if status.status != "RJCT":
        return None
    e2e = status.original_end_to_end_id
    if status.level != "transaction" or not e2e:
        which = status.original_payment_information_id or status.original_message_id or "-"
        return Result("unmatched", reason=f"the bank rejected the {status.level} {which} as a whole")
    hits = [c for c in candidates if e2e in c.end_to_end_ids]
    if not hits:
        return Result("unmatched", reason=f"no invoice paid with end-to-end id {e2e}")
    pay = _Payment(status.amount, status.currency, frozenset(), returned=True)
    return _allocate(pay, "end-to-end-id", [(c, None) for c in hits])
