"""Hostile and broken bank files: each answered with a BankFileError naming the file and the element.

The same hostile set as for invoices (tests/test_readers_safety.py, tests/test_hostile_sweep.py):
the billion laughs, external entities (file and network), an external DTD, parameter entities,
a UTF-16 DOCTYPE, a file over the size limit, nesting 100,000 deep, not XML, binary; and what is
particular to bank files: a wrong namespace, an unknown message, an unknown version, a namespace
that claims one message around another, and unusable values (amounts, currencies, dates, codes).
Every one is refused quickly, and taken in it is still stored whole with its reason.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from robot.bank.iso20022 import read_bank_file
from robot.bank.source import take_in
from robot.errors import BankFileError
from robot.store.bank import BankFiles
from tests.support.bankfiles import camt053, camt054, entry, pain002, payment, status, tx

if TYPE_CHECKING:
    from robot.store.repo import Store

CAMT = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"
GOOD = camt054("02", [entry("DBIT", "1250.00", [tx(amount="1250.00", end_to_end_id="E2E-1")])])
GOOD_08 = camt054("08", [entry("DBIT", "1250.00", [tx(amount="1250.00", end_to_end_id="E2E-1")])])

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]><Document xmlns='"
    + CAMT.encode()
    + b"'><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>&lol9;</MsgId></GrpHdr></BkToCstmrDbtCdtNtfctn></Document>"
)
DEEP = 100_000

#: name → (content, the element the error must name, a word of the reason)
HOSTILE: dict[str, tuple[bytes, str, str]] = {
    "billion-laughs": (BILLION_LAUGHS, "DOCTYPE", "refused for safety"),
    "xxe-file": (
        f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Document xmlns="{CAMT}">'
        "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></BkToCstmrDbtCdtNtfctn></Document>".encode(),
        "DOCTYPE",
        "refused for safety",
    ),
    "xxe-network": (
        (
            f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>'
            f'<Document xmlns="{CAMT}">&xxe;</Document>'
        ).encode(),
        "DOCTYPE",
        "refused for safety",
    ),
    "external-dtd": (
        f'<!DOCTYPE Document SYSTEM "file:///etc/passwd"><Document xmlns="{CAMT}"/>'.encode(),
        "DOCTYPE",
        "refused for safety",
    ),
    "parameter-entity": (
        f'<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><Document xmlns="{CAMT}"/>'.encode(),
        "DOCTYPE",
        "refused for safety",
    ),
    "utf16-entity": (
        (
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "x">]>'
            f'<Document xmlns="{CAMT}">&e;</Document>'
        ).encode("utf-16"),
        "DOCTYPE",
        "refused for safety",
    ),
    "huge": (
        GOOD.replace(b"<GrpHdr>", b"<GrpHdr>" + b" " * (21 * 1024 * 1024)),
        "XML",
        "more than the limit",
    ),
    "deep-nesting": (
        f'<Document xmlns="{CAMT}">'.encode() + b"<a>" * DEEP + b"</a>" * DEEP + b"</Document>",
        "XML",
        "not well-formed",
    ),
    "not-xml": (b"this is not a bank file", "XML", "not well-formed"),
    "empty": (b"", "XML", "empty"),
    "binary": (bytes(range(256)) * 8, "XML", "not"),
    "pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj", "XML", "not well-formed"),
    "truncated": (GOOD[: len(GOOD) // 2], "XML", "not well-formed"),
    "invoice": (
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
        "Invoice",
        "not an ISO 20022 Document",
    ),
    "no-namespace": (b"<Document><BkToCstmrDbtCdtNtfctn/></Document>", "Document", "no namespace"),
    "wrong-version": (GOOD.replace(b"camt.054.001.02", b"camt.054.001.05"), "Document", "version the robot"),
    "wrong-variant": (GOOD.replace(b"camt.054.001.02", b"camt.054.002.02"), "Document", "version the robot"),
    "unknown-message": (GOOD.replace(b"camt.054.001.02", b"camt.052.001.02"), "Document", "does not read"),
    "made-up-namespace": (
        GOOD.replace(b"camt.054.001.02", b"camt.054.001.02.evil"),
        "Document",
        "names no ISO 20022 message",
    ),
    "statement-claiming-notification": (
        camt053("02", [entry("DBIT", "1.00")]).replace(b"camt.053.001.02", b"camt.054.001.02"),
        "Document/BkToCstmrStmt",
        "claims camt.054.001.02 but holds BkToCstmrStmt",
    ),
    "pain-claiming-camt": (
        pain002("03", group_status="RJCT").replace(b"pain.002.001.03", b"camt.054.001.08"),
        "Document/CstmrPmtStsRpt",
        "claims camt.054.001.08",
    ),
    "empty-document": (f'<Document xmlns="{CAMT}"/>'.encode(), "Document/nothing", "holds nothing"),
    "root-not-document": (
        f'<BkToCstmrDbtCdtNtfctn xmlns="{CAMT}"/>'.encode(),
        "BkToCstmrDbtCdtNtfctn",
        "not Document",
    ),
}

#: unusable values in an otherwise good file: (old, new, the element named, a word of the reason)
BROKEN_VALUES = {
    "danish-amount": (
        b'<Amt Ccy="DKK">1250.00</Amt><CdtDbtInd>',
        b'<Amt Ccy="DKK">1.250,00</Amt><CdtDbtInd>',
        "Ntfctn[1]/Ntry[1]/Amt",
        "not an ISO 20022 amount",
    ),
    "negative-amount": (b">1250.00</Amt><CdtDbtInd>", b">-1250.00</Amt><CdtDbtInd>", "Ntry[1]/Amt", "amount"),
    "exponent-amount": (b">1250.00</Amt><CdtDbtInd>", b">1.25E3</Amt><CdtDbtInd>", "Ntry[1]/Amt", "amount"),
    "full-width-digits": (
        b">1250.00</Amt><CdtDbtInd>",
        "＞１２５０.00</Amt><CdtDbtInd>".replace("＞", ">").encode(),
        "Ntry[1]/Amt",
        "amount",
    ),
    "too-many-decimals": (
        b">1250.00</Amt><CdtDbtInd>",
        b">1250.000001</Amt><CdtDbtInd>",
        "Ntry[1]/Amt",
        "amount",
    ),
    "no-currency": (
        b'<Amt Ccy="DKK">1250.00</Amt><CdtDbtInd>',
        b"<Amt>1250.00</Amt><CdtDbtInd>",
        "Ntry[1]/Amt",
        "Ccy",
    ),
    "lower-case-currency": (
        b'<Amt Ccy="DKK">1250.00</Amt><CdtDbtInd>',
        b'<Amt Ccy="dkk">1250.00</Amt><CdtDbtInd>',
        "Ntry[1]/Amt",
        "currency code",
    ),
    "tx-amount": (
        b'<TxAmt><Amt Ccy="DKK">1250.00',
        b'<TxAmt><Amt Ccy="DKK">12,50',
        "TxDtls[1]/AmtDtls/TxAmt/Amt",
        "amount",
    ),
    "no-amount": (b'<Amt Ccy="DKK">1250.00</Amt><CdtDbtInd>', b"<CdtDbtInd>", "Ntry[1]/Amt", "missing"),
    "direction": (
        b"<CdtDbtInd>DBIT</CdtDbtInd><Sts>",
        b"<CdtDbtInd>DEBIT</CdtDbtInd><Sts>",
        "Ntry[1]/CdtDbtInd",
        "neither DBIT nor CRDT",
    ),
    "no-direction": (b"<CdtDbtInd>DBIT</CdtDbtInd><Sts>", b"<Sts>", "Ntry[1]/CdtDbtInd", "missing"),
    "date": (
        b"<BookgDt><Dt>2026-12-01</Dt>",
        b"<BookgDt><Dt>01-12-2026</Dt>",
        "Ntry[1]/BookgDt/Dt",
        "not a date",
    ),
    "impossible-date": (
        b"<BookgDt><Dt>2026-12-01</Dt>",
        b"<BookgDt><Dt>2026-02-30</Dt>",
        "BookgDt/Dt",
        "not a date",
    ),
    "created-at": (
        b"<CreDtTm>2026-12-01T08:00:00+01:00</CreDtTm></GrpHdr>",
        b"<CreDtTm>yesterday</CreDtTm></GrpHdr>",
        "GrpHdr/CreDtTm",
        "date and time",
    ),
    "reversal-flag": (
        b"<CdtDbtInd>DBIT</CdtDbtInd>",
        b"<CdtDbtInd>DBIT</CdtDbtInd><RvslInd>perhaps</RvslInd>",
        "Ntry[1]/RvslInd",
        "not a boolean",
    ),
    "endless-text": (
        b"<EndToEndId>E2E-1</EndToEndId>",
        b"<EndToEndId>" + b"x" * 5000 + b"</EndToEndId>",
        "TxDtls[1]/Refs/EndToEndId",
        "characters",
    ),
}


def _refused(content: bytes, name: str) -> BankFileError:
    with pytest.raises(BankFileError) as info:
        read_bank_file(content, name)
    return info.value


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_files_are_refused_naming_file_and_element(case: str) -> None:
    content, element, reason = HOSTILE[case]
    started = time.monotonic()
    error = _refused(content, f"{case}.xml")
    assert time.monotonic() - started < 5
    assert error.file == f"{case}.xml" and error.field == element
    assert str(error).startswith(f"{case}.xml: {element}: "), str(error)
    assert reason in error.reason
    assert "root:" not in str(error)  # nothing of /etc/passwd


@pytest.mark.parametrize("case", sorted(BROKEN_VALUES))
def test_unusable_values_name_the_element(case: str) -> None:
    old, new, element, reason = BROKEN_VALUES[case]
    assert old in GOOD, case
    error = _refused(GOOD.replace(old, new, 1), "ntf.xml")
    assert error.field is not None and error.field.endswith(element), error.field
    assert str(error).startswith(f"ntf.xml: {error.field}: ") and reason in error.reason, str(error)


def test_version_08_transaction_amount_names_its_element() -> None:
    amount = b'<Amt Ccy="DKK">1250.00</Amt>'
    at = GOOD_08.rindex(amount)  # the second one: TxDtls/Amt (.08 writes the amount in TxDtls)
    assert at > GOOD_08.index(b"<TxDtls>")
    error = _refused(GOOD_08[:at] + b'<Amt Ccy="DKK">12.5.0</Amt>' + GOOD_08[at + len(amount) :], "ntf08.xml")
    assert error.field == "Ntfctn[1]/Ntry[1]/NtryDtls/TxDtls[1]/Amt", error.field


def test_a_rejected_status_with_a_broken_amount_names_it() -> None:
    content = pain002("10", payments=[payment("P", None, [status("E", "RJCT", amount=("1,00", "DKK"))])])
    error = _refused(content, "sts.xml")
    assert error.field == "OrgnlPmtInfAndSts[1]/TxInfAndSts[1]/OrgnlTxRef/Amt/InstdAmt"


def test_random_bytes_and_truncations_never_escape() -> None:
    """Whatever the bytes, reading gives a bank file or a BankFileError, never anything else."""
    rng = random.Random(20261201)
    for sample in (GOOD, GOOD_08, pain002("03", group_status="RJCT")):
        for _ in range(150):
            cut = bytearray(sample[: rng.randrange(len(sample) + 1)])
            for _ in range(rng.randrange(4)):
                if cut:
                    cut[rng.randrange(len(cut))] = rng.randrange(256)
            try:
                read_bank_file(bytes(cut), "fuzz.xml")
            except BankFileError as exc:
                assert exc.file == "fuzz.xml" and exc.field


@pytest.mark.parametrize(
    "case", ["billion-laughs", "wrong-version", "binary", "statement-claiming-notification"]
)
def test_a_hostile_file_taken_in_is_stored_whole_with_its_reason(store: Store, case: str) -> None:
    content = HOSTILE[case][0]
    files = BankFiles(store.sessions)
    taken = take_in(files, f"{case}.xml", content)
    assert taken.bank_file is None and taken.error is not None
    assert files.content(taken.stored.id) == content
    reason = files.get(taken.stored.id).read_error
    assert reason is not None and reason.startswith(f"{case}.xml: {HOSTILE[case][1]}: ")
    assert not take_in(files, "again.xml", content).new  # the same hostile bytes: recognised


def test_hostile_text_is_kept_as_text(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>\x1b[31m"
    content = camt054(
        "08", [entry("DBIT", "1.00", [tx(creditor_name=evil.replace("\x1b", ""), ustrd=["&<>'\""])])]
    )
    (t,) = read_bank_file(content, "evil.xml").entries[0].transactions
    assert t.counterparty_name == "<script>alert(1)</script>[31m"
    assert t.remittance_text == "&<>'\""
