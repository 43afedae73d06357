"""The demo's bank files: what the bank says about the payments of the demo's posted invoices.

Writes ``bank/camt054-<date>.xml``, one ``camt.054.001.08`` debit notification of the service
centre's account, and ``bank/pain002-<date>.xml``, one ``pain.002.001.10`` payment status report.
The payments are made from the invoices the sample set posts (verdict ``post``), each carrying one
kind of evidence the matcher uses (:mod:`robot.bank.matching`)::

    fik-71, fik-75     FIK payment id (CdtrRefInf, Prtry 71/75) with the FIK creditor number
    referred-document  RfrdDocInf/Nb = the invoice number (and RfrdDocAmt)
    remittance-text    the invoice number in Ustrd, the invoice's amount, the supplier's account
    partial            RfrdDocInf/Nb, less than the invoice's amount
    two-invoices       one payment of two invoices of one supplier (two Strd, each with its amount)
    unmatched          an RF creditor reference, account and text that no invoice has

Every payment has the ``EndToEndId`` the ERP put on its payment order. The demo's ledger (the
journal, :mod:`connectors.journal`) gives none back at posting, so no payment can be matched by it
at first; the importer learns it from the payment matched by other evidence, and the pain.002
rejects one such payment (``RJCT`` ``AC04``, account closed) by that end-to-end id.
Deterministic: the same sample set gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

from robot.demo.samplegen.builder import Entry
from robot.demo.samplegen.documents import DocSpec, fmt_money

NS = "urn:iso:std:iso:20022:tech:xsd:"
CAMT = "camt.054.001.08"
PAIN = "pain.002.001.10"
OUR_IBAN = "DK5000400440116243"  # the service centre's account the payments leave from
OUR_NAME = "Statens Administration"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
REJECTED_REASON = "AC04"  # closed account number
#: the payment that matches nothing: a creditor, an IBAN and an RF reference no sample invoice has
UNKNOWN = ("Nordisk Inkasso ApS", "DK8930000001234567", "RF18539007547034")
UNKNOWN_AMOUNT, UNKNOWN_TEXT = Decimal("4875.00"), "Inkasso sag 2026-118"


@dataclass(frozen=True)
class Payment:
    """One payment to a supplier: the invoices it pays (number, amount) and its evidence."""

    kind: str
    e2e: str
    amount: Decimal
    booked: date
    creditor: str
    account: tuple[str, str | None]  # (identifier, None for an IBAN or the Othr scheme)
    documents: tuple[tuple[str, Decimal | None], ...] = ()  # RfrdDocInf/Nb and RfrdDocAmt
    fik: tuple[str, str] | None = None  # (card, payment id)
    rf: str | None = None
    text: str | None = None
    invoices: tuple[str, ...] = ()  # the numbers of the invoices it is meant to pay


def posted(entries: Iterable[Entry]) -> list[DocSpec]:
    """The invoices (not credit notes) in XML the sample set posts, in file order."""
    return [
        e.doc
        for e in entries
        if e.verdict == "post" and not e.doc.credit_note and e.doc.fmt != "pdf" and e.same_bytes_as is None
    ]


def _payable(doc: DocSpec) -> Decimal:
    return doc.totals().payable


def _account(doc: DocSpec) -> tuple[str, str | None]:
    pm = doc.payment
    if pm.code == "31":
        return (pm.account or "", None)
    if pm.code == "93":
        return (pm.account or "", "OCR")  # the FIK creditor number
    return (f"{pm.branch or ''}{pm.account or ''}", "BBAN")  # reg. no. + account


def payments(docs: Sequence[DocSpec]) -> list[Payment]:
    """The demo's payments, each from the first posted invoice(s) that suit its kind."""
    used: set[str] = set()

    def pick(code: str, fik: str | None = None, currency: str = "DKK") -> DocSpec:
        for d in docs:
            wanted = d.payment.code == code and d.currency == currency and fik in (None, d.payment.fik_kind)
            if wanted and d.number not in used:
                used.add(d.number)
                return d
        raise ValueError(f"no posted invoice left with payment means {code} {fik or ''}")

    out: list[Payment] = []

    def pay(
        kind: str,
        d: DocSpec,
        amount: Decimal,
        late: int = 0,
        documents: tuple[tuple[str, Decimal | None], ...] = (),
        fik: tuple[str, str] | None = None,
        text: str | None = None,
    ) -> None:
        due = d.due_date + timedelta(days=late)
        e2e = f"SSC-{len(out) + 1:04d}-{d.number}"[:35]
        meant = tuple(n for n, _ in documents) or (d.number,)
        out.append(
            Payment(kind, e2e, amount, due, d.seller.name, _account(d), documents, fik, None, text, meant)
        )

    for card in ("71", "75"):
        d = pick("93", card)
        pay(f"fik-{card}", d, _payable(d), fik=(card, d.payment.fik_id or ""))
    d = pick("42")
    pay("referred-document", d, _payable(d), documents=((d.number, _payable(d)),))
    d = pick("42")
    pay("remittance-text", d, _payable(d), late=3, text=f"Faktura {d.number} {d.seller.name}"[:140])
    d = pick("42")
    part = (_payable(d) / 2).quantize(Decimal("0.01"))
    pay("partial", d, part, documents=((d.number, None),), text=f"Acontobetaling faktura {d.number}")
    free = [x for x in docs if x.number not in used and x.payment.code == "42" and x.currency == "DKK"]
    first, second = next((a, b) for i, a in enumerate(free) for b in free[i + 1 :] if a.payment == b.payment)
    used |= {first.number, second.number}
    both = ((first.number, _payable(first)), (second.number, _payable(second)))
    pay("two-invoices", second, _payable(first) + _payable(second), documents=both)
    name, iban, rf = UNKNOWN
    e2e, day = f"SSC-{len(out) + 1:04d}-UNKNOWN", out[-1].booked
    out.append(Payment("unmatched", e2e, UNKNOWN_AMOUNT, day, name, (iban, None), rf=rf, text=UNKNOWN_TEXT))
    return out


def rejected(pays: Sequence[Payment]) -> Payment:
    """The payment the pain.002 rejects: the one matched by the text alone."""
    return next(p for p in pays if p.kind == "remittance-text")


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, f"{{{etree.QName(parent).namespace}}}{tag}", attrs)
    if text is not None:
        child.text = text
    return child


def _path(parent: etree._Element, path: str, text: str | None = None, **attrs: str) -> etree._Element:
    *outer, last = path.split("/")
    for tag in outer:
        parent = _el(parent, tag)
    return _el(parent, last, text, **attrs)


def _document(message: str, root: str) -> tuple[etree._Element, etree._Element]:
    doc = etree.Element(f"{{{NS}{message}}}Document", nsmap={None: NS + message})  # type: ignore[dict-item]
    return doc, _el(doc, root)


def _message(message: str, root: str, message_id: str, day: date) -> tuple[etree._Element, etree._Element]:
    """A document whose body starts with the group header every ISO 20022 message has."""
    doc, body = _document(message, root)
    header = _el(body, "GrpHdr")
    _el(header, "MsgId", message_id)
    _el(header, "CreDtTm", _stamp(day))
    return doc, body


def _bytes(doc: etree._Element) -> bytes:
    etree.indent(doc, space="  ")
    data: bytes = etree.tostring(doc, xml_declaration=True, encoding="UTF-8")
    return data + b"\n"


def _stamp(day: date) -> str:
    """07:30 in Copenhagen on ``day``, with its offset (summer time or not)."""
    return datetime.combine(day, time(7, 30), COPENHAGEN).isoformat()


def _tx(details: etree._Element, p: Payment) -> None:
    tx = _el(details, "TxDtls")
    refs = _el(tx, "Refs")
    _el(refs, "AcctSvcrRef", f"BNK{p.e2e[4:8]}")
    _el(refs, "EndToEndId", p.e2e)
    _el(tx, "Amt", fmt_money(p.amount), Ccy="DKK")
    _el(tx, "CdtDbtInd", "DBIT")
    parties = _el(tx, "RltdPties")
    _path(parties, "Dbtr/Pty/Nm", OUR_NAME)
    _path(parties, "DbtrAcct/Id/IBAN", OUR_IBAN)
    _path(parties, "Cdtr/Pty/Nm", p.creditor)
    ident = _path(_el(parties, "CdtrAcct"), "Id")
    account, scheme = p.account
    if scheme is None:
        _el(ident, "IBAN", account)
    else:
        other = _el(ident, "Othr")
        _el(other, "Id", account)
        _path(other, "SchmeNm/Prtry", scheme)
    if not (p.documents or p.fik or p.rf or p.text):
        return
    rmt = _el(tx, "RmtInf")
    if p.text:
        _el(rmt, "Ustrd", p.text)
    for number, amount in p.documents:
        strd = _el(rmt, "Strd")
        info = _el(strd, "RfrdDocInf")
        _path(info, "Tp/CdOrPrtry/Cd", "CINV")
        _el(info, "Nb", number)
        if amount is not None:
            _path(strd, "RfrdDocAmt/RmtdAmt", fmt_money(amount), Ccy="DKK")
    if p.fik or p.rf:
        ref = _path(rmt, "Strd/CdtrRefInf")
        tp = _path(ref, "Tp/CdOrPrtry")
        if p.fik:
            _el(tp, "Prtry", p.fik[0])
            _el(ref, "Ref", p.fik[1])
        else:
            _el(tp, "Cd", "SCOR")
            _el(tp.getparent(), "Issr", "ISO")  # type: ignore[arg-type]
            _el(ref, "Ref", p.rf)


def camt054(pays: Sequence[Payment], day: date) -> bytes:
    """One debit notification: an entry per payment, booked on its date."""
    doc, body = _message(CAMT, "BkToCstmrDbtCdtNtfctn", f"NTF-{day:%Y%m%d}-0001", day)
    ntf = _el(body, "Ntfctn")
    _el(ntf, "Id", f"NTF-{day:%Y%m%d}-0001-1")
    _el(ntf, "CreDtTm", _stamp(day))
    acct = _el(ntf, "Acct")
    _path(acct, "Id/IBAN", OUR_IBAN)
    _el(acct, "Ccy", "DKK")
    for i, p in enumerate(pays, start=1):
        entry = _el(ntf, "Ntry")
        _el(entry, "NtryRef", f"{i:04d}")
        _el(entry, "Amt", fmt_money(p.amount), Ccy="DKK")
        _el(entry, "CdtDbtInd", "DBIT")
        _path(entry, "Sts/Cd", "BOOK")
        _path(entry, "BookgDt/Dt", p.booked.isoformat())
        _path(entry, "ValDt/Dt", p.booked.isoformat())
        _el(entry, "AcctSvcrRef", f"BNK{p.e2e[4:8]}")
        family = _path(entry, "BkTxCd/Domn")
        _el(family, "Cd", "PMNT")
        fmly = _el(family, "Fmly")
        _el(fmly, "Cd", "ICDT")
        _el(fmly, "SubFmlyCd", "DMCT")
        _tx(_el(entry, "NtryDtls"), p)
    return _bytes(doc)


def pain002(payment: Payment, day: date) -> bytes:
    """The bank's status report of the payment file: ``payment`` rejected, the account closed."""
    doc, body = _message(PAIN, "CstmrPmtStsRpt", f"STS-{day:%Y%m%d}-0001", day)
    group = _el(body, "OrgnlGrpInfAndSts")
    _el(group, "OrgnlMsgId", f"PAY-{payment.booked:%Y%m%d}")
    _el(group, "OrgnlMsgNmId", "pain.001.001.09")
    _el(group, "GrpSts", "PART")
    info = _el(body, "OrgnlPmtInfAndSts")
    _el(info, "OrgnlPmtInfId", f"PMT-{payment.booked:%Y%m%d}-1")
    tx = _el(info, "TxInfAndSts")
    _el(tx, "OrgnlEndToEndId", payment.e2e)
    _el(tx, "TxSts", "RJCT")
    reason = _el(tx, "StsRsnInf")
    _path(reason, "Rsn/Cd", REJECTED_REASON)
    _el(reason, "AddtlInf", "Modtagerens konto er lukket / account closed")
    _path(tx, "OrgnlTxRef/Amt/InstdAmt", fmt_money(payment.amount), Ccy="DKK")
    return _bytes(doc)


def write(target: Path, entries: Iterable[Entry]) -> list[str]:
    """Write the bank files into ``target`` (stale ``*.xml`` there removed); their names."""
    pays = payments(posted(entries))
    day = max(p.booked for p in pays) + timedelta(days=1)
    files = {f"camt054-{day:%Y%m%d}.xml": camt054(pays, day)}
    files[f"pain002-{day + timedelta(days=1):%Y%m%d}.xml"] = pain002(rejected(pays), day + timedelta(days=1))
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.xml"):
        if stale.name not in files:
            stale.unlink()
    for name, data in files.items():
        (target / name).write_bytes(data)
    return sorted(files)
