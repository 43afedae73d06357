"""Bank files for tests: camt.054, camt.053 and pain.002 in the element order of each version.

    content = camt054("08", [entry("DBIT", "1250.00", [tx(end_to_end_id="E2E-1", creditor_iban="DK50...")])])
    rejected = payment("PMT-1", None, [status("E2E-1", "RJCT", "AC04")])
    content = pain002("03", group_status="PART", payments=[rejected])

Version differences written as the standard has them: .02 writes the entry status as a code
(``<Sts>BOOK</Sts>``), a transaction's amount only in ``AmtDtls/TxAmt`` and parties directly
(``<Cdtr><Nm>``); .08 writes ``<Sts><Cd>``, ``TxDtls/Amt`` with ``CdtDbtInd``, and parties through
``<Cdtr><Pty><Nm>``. Every text is escaped, so tests may put hostile text into any field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

NS = "urn:iso:std:iso:20022:tech:xsd:"
OUR_IBAN = "DK5000400440116243"


@dataclass
class Tx:
    amount: str | None = None
    currency: str = "DKK"
    end_to_end_id: str | None = None
    instruction_id: str | None = None
    acct_svcr_ref: str | None = None
    creditor_reference: str | None = None
    reference_type: tuple[str, str] | None = ("Cd", "SCOR")  # ("Cd", "SCOR") or ("Prtry", "71")
    referred_documents: list[tuple[str, str | None]] = field(default_factory=list)  # (number, amount)
    ustrd: list[str] = field(default_factory=list)
    creditor_name: str | None = None
    creditor_iban: str | None = None
    creditor_other: tuple[str, str] | None = None  # (id, scheme Prtry) e.g. ("12345678", "OCR")
    debtor_name: str | None = None
    debtor_iban: str | None = None
    instructed: tuple[str, str] | None = None  # (amount, currency) in AmtDtls/InstdAmt
    exchange: tuple[str, str, str] | None = None  # (source, target, rate) in InstdAmt/CcyXchg
    return_reason: str | None = None


def tx(**kwargs: object) -> Tx:
    return Tx(**kwargs)  # type: ignore[arg-type]


@dataclass
class Ntry:
    direction: str
    amount: str
    transactions: list[Tx]
    currency: str = "DKK"
    booking_date: str | None = "2026-12-01"
    value_date: str | None = "2026-12-01"
    bank_reference: str | None = "BANKREF-1"
    entry_reference: str | None = None
    reversal: bool = False
    status: str = "BOOK"
    batch: int | None = None
    booking_datetime: str | None = None  # BookgDt/DtTm instead of Dt
    additional_info: str | None = None


def entry(direction: str, amount: str, transactions: list[Tx] | None = None, **kwargs: object) -> Ntry:
    return Ntry(direction, amount, transactions or [], **kwargs)  # type: ignore[arg-type]


def _el(name: str, text: str | None) -> str:
    return "" if text is None else f"<{name}>{escape(text)}</{name}>"


def _amt(name: str, amount: str, currency: str) -> str:
    return f"<{name} Ccy={quoteattr(currency)}>{escape(amount)}</{name}>"


def _party(version: str, role: str, name: str | None) -> str:
    if name is None:
        return ""
    inner = f"<Nm>{escape(name)}</Nm>"
    return f"<{role}><Pty>{inner}</Pty></{role}>" if version >= "08" else f"<{role}>{inner}</{role}>"


def _account(role: str, iban: str | None, other: tuple[str, str] | None = None) -> str:
    if iban is not None:
        return f"<{role}><Id><IBAN>{escape(iban)}</IBAN></Id></{role}>"
    if other is not None:
        scheme = f"<SchmeNm><Prtry>{escape(other[1])}</Prtry></SchmeNm>"
        return f"<{role}><Id><Othr><Id>{escape(other[0])}</Id>{scheme}</Othr></Id></{role}>"
    return ""


def _amount_details(t: Tx, version: str) -> str:
    parts = ""
    if t.instructed is not None:
        xchg = ""
        if t.exchange is not None:
            src, trgt, rate = t.exchange
            xchg = f"<SrcCcy>{src}</SrcCcy><TrgtCcy>{trgt}</TrgtCcy><XchgRate>{rate}</XchgRate>"
            xchg = f"<CcyXchg>{xchg}</CcyXchg>"
        parts += f"<InstdAmt>{_amt('Amt', *t.instructed)}{xchg}</InstdAmt>"
    if t.amount is not None and version < "08":
        parts += f"<TxAmt>{_amt('Amt', t.amount, t.currency)}</TxAmt>"
    return f"<AmtDtls>{parts}</AmtDtls>" if parts else ""


def _remittance(t: Tx) -> str:
    strd = ""
    for number, amount in t.referred_documents:
        doc_amount = f"<RfrdDocAmt>{_amt('RmtdAmt', amount, t.currency)}</RfrdDocAmt>" if amount else ""
        strd += f"<Strd><RfrdDocInf>{_el('Nb', number)}</RfrdDocInf>{doc_amount}</Strd>"
    if t.creditor_reference is not None:
        tp = ""
        if t.reference_type is not None:
            choice, code = t.reference_type
            tp = f"<Tp><CdOrPrtry><{choice}>{escape(code)}</{choice}></CdOrPrtry></Tp>"
        strd += f"<Strd><CdtrRefInf>{tp}<Ref>{escape(t.creditor_reference)}</Ref></CdtrRefInf></Strd>"
    ustrd = "".join(_el("Ustrd", line) for line in t.ustrd)
    return f"<RmtInf>{ustrd}{strd}</RmtInf>" if ustrd or strd else ""


def _tx(t: Tx, version: str, direction: str) -> str:
    refs = _el("AcctSvcrRef", t.acct_svcr_ref) + _el("InstrId", t.instruction_id)
    refs += _el("EndToEndId", t.end_to_end_id)
    out = f"<TxDtls><Refs>{refs}</Refs>" if refs else "<TxDtls>"
    if version >= "08" and t.amount is not None:
        out += _amt("Amt", t.amount, t.currency) + f"<CdtDbtInd>{direction}</CdtDbtInd>"
    out += _amount_details(t, version)
    parties = _party(version, "Dbtr", t.debtor_name) + _account("DbtrAcct", t.debtor_iban)
    parties += _party(version, "Cdtr", t.creditor_name)
    parties += _account("CdtrAcct", t.creditor_iban, t.creditor_other)
    if parties:
        out += f"<RltdPties>{parties}</RltdPties>"
    out += _remittance(t)
    if t.return_reason is not None:
        out += f"<RtrInf><Rsn><Cd>{escape(t.return_reason)}</Cd></Rsn></RtrInf>"
    return out + "</TxDtls>"


def _date(name: str, day: str | None, moment: str | None = None) -> str:
    if moment is not None:
        return f"<{name}><DtTm>{moment}</DtTm></{name}>"
    return "" if day is None else f"<{name}><Dt>{day}</Dt></{name}>"


def _entry(n: Ntry, version: str) -> str:
    status = f"<Sts><Cd>{n.status}</Cd></Sts>" if version >= "08" else f"<Sts>{n.status}</Sts>"
    out = f"<Ntry>{_el('NtryRef', n.entry_reference)}{_amt('Amt', n.amount, n.currency)}"
    out += f"<CdtDbtInd>{n.direction}</CdtDbtInd>"
    out += "<RvslInd>true</RvslInd>" if n.reversal else ""
    out += status + _date("BookgDt", n.booking_date, n.booking_datetime) + _date("ValDt", n.value_date)
    out += _el("AcctSvcrRef", n.bank_reference)
    out += "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
    if n.transactions or n.batch is not None:
        batch = f"<Btch><NbOfTxs>{n.batch}</NbOfTxs></Btch>" if n.batch is not None else ""
        out += f"<NtryDtls>{batch}{''.join(_tx(t, version, n.direction) for t in n.transactions)}</NtryDtls>"
    return out + _el("AddtlNtryInf", n.additional_info) + "</Ntry>"


def _header(msg_id: str) -> str:
    return f"<GrpHdr><MsgId>{escape(msg_id)}</MsgId><CreDtTm>2026-12-01T08:00:00+01:00</CreDtTm></GrpHdr>"


def _acct(iban: str) -> str:
    return f"<Acct><Id><IBAN>{escape(iban)}</IBAN></Id><Ccy>DKK</Ccy></Acct>"


def camt054(version: str, entries: list[Ntry], *, iban: str = OUR_IBAN, msg_id: str = "NTF-1") -> bytes:
    """A camt.054.001.<version> debit/credit notification with one notification of ``entries``."""
    body = "".join(_entry(n, version) for n in entries)
    ntfctn = (
        f"<Ntfctn><Id>NTF-1-1</Id><CreDtTm>2026-12-01T08:00:00+01:00</CreDtTm>{_acct(iban)}{body}</Ntfctn>"
    )
    return _document(f"camt.054.001.{version}", "BkToCstmrDbtCdtNtfctn", _header(msg_id) + ntfctn)


def _balance(code: str, amount: str) -> str:
    tp = f"<Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
    return (
        f"<Bal>{tp}{_amt('Amt', amount, 'DKK')}<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-12-01</Dt></Dt></Bal>"
    )


def camt053(version: str, entries: list[Ntry], *, iban: str = OUR_IBAN, msg_id: str = "STMT-1") -> bytes:
    """A camt.053.001.<version> statement of one account with ``entries``."""
    body = _balance("OPBD", "100000.00") + _balance("CLBD", "90000.00")
    body += "".join(_entry(n, version) for n in entries)
    stmt = f"<Stmt><Id>STMT-1-1</Id><CreDtTm>2026-12-01T23:00:00+01:00</CreDtTm>{_acct(iban)}{body}</Stmt>"
    return _document(f"camt.053.001.{version}", "BkToCstmrStmt", _header(msg_id) + stmt)


@dataclass
class TxStatus:
    end_to_end_id: str
    status: str
    reason: str | None = None
    info: list[str] = field(default_factory=list)
    instruction_id: str | None = None
    amount: tuple[str, str] | None = None


def status(end_to_end_id: str, code: str, reason: str | None = None, **kwargs: object) -> TxStatus:
    return TxStatus(end_to_end_id, code, reason, **kwargs)  # type: ignore[arg-type]


def _reason(reason: str | None, info: list[str]) -> str:
    if reason is None and not info:
        return ""
    rsn = f"<Rsn><Cd>{escape(reason)}</Cd></Rsn>" if reason else ""
    return f"<StsRsnInf>{rsn}{''.join(_el('AddtlInf', line) for line in info)}</StsRsnInf>"


def payment(info_id: str, code: str | None, transactions: list[TxStatus], reason: str | None = None) -> str:
    """One OrgnlPmtInfAndSts block (``code`` None: no PmtInfSts, only its payments' statuses)."""
    out = f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{escape(info_id)}</OrgnlPmtInfId>"
    out += _el("PmtInfSts", code) + _reason(reason, [])
    for t in transactions:
        out += "<TxInfAndSts>" + _el("OrgnlInstrId", t.instruction_id)
        out += f"<OrgnlEndToEndId>{escape(t.end_to_end_id)}</OrgnlEndToEndId><TxSts>{t.status}</TxSts>"
        out += _reason(t.reason, t.info)
        if t.amount is not None:
            out += f"<OrgnlTxRef><Amt>{_amt('InstdAmt', *t.amount)}</Amt></OrgnlTxRef>"
        out += "</TxInfAndSts>"
    return out + "</OrgnlPmtInfAndSts>"


def pain002(
    version: str,
    *,
    group_status: str | None = None,
    group_reason: str | None = None,
    payments: list[str] | None = None,
    original_msg_id: str = "PAY-1",
) -> bytes:
    """A pain.002.001.<version> status report of the payment file ``original_msg_id``."""
    initiation = "pain.001.001.03" if version < "10" else "pain.001.001.09"
    group = f"<OrgnlGrpInfAndSts><OrgnlMsgId>{escape(original_msg_id)}</OrgnlMsgId>"
    group += f"<OrgnlMsgNmId>{initiation}</OrgnlMsgNmId>{_el('GrpSts', group_status)}"
    group += _reason(group_reason, []) + "</OrgnlGrpInfAndSts>"
    body = _header("STS-1") + group + "".join(payments or [])
    return _document(f"pain.002.001.{version}", "CstmrPmtStsRpt", body)


def _document(message: str, element: str, body: str) -> bytes:
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}{message}" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><{element}>{body}</{element}></Document>'
    )
    return xml.encode("utf-8")
