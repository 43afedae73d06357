"""Reading an ISO 20022 bank file: the namespace decides the message, the message its reader.

    >>> content = (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>'
    ...     b'<Ntfctn><Ntry><Amt Ccy="DKK">1250.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>'
    ...     b'<NtryDtls><TxDtls><Refs><EndToEndId>E2E-1</EndToEndId></Refs></TxDtls></NtryDtls>'
    ...     b'</Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>')
    >>> bank_file = read_bank_file(content, "notification.xml")
    >>> entry = bank_file.entries[0]
    >>> bank_file.message, entry.direction, entry.amount, entry.transactions[0].end_to_end_id
    ('camt.054.001.02', 'debit', Decimal('1250.00'), 'E2E-1')
    >>> read_bank_file(content.replace(b"001.02", b"001.05"), "notification.xml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    robot.errors.BankFileError: notification.xml: Document: camt.054.001.05 is a version the robot ...

The file is parsed by the robot's hardened XML parser (:func:`robot.readers.xmlsafe.parse_xml`: no
DTD, no entities, no network, 20 MB at most, 256 levels deep at most). Its root must be an ISO 20022
``Document`` whose namespace names a message and version the robot reads (:data:`READS`) and whose
first element is that message's (a camt.054 namespace around a statement is refused). Everything
else is a :class:`~robot.errors.BankFileError` naming the file and the element.
"""

from __future__ import annotations

import re

from robot.bank.camt import read_camt
from robot.bank.model import BankFile, Kind
from robot.bank.nodes import Doc, Element, local
from robot.bank.pain import read_pain002
from robot.errors import BankFileError, ReadError
from robot.readers.xmlsafe import parse_xml

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
#: message → (kind, the message element below Document, the versions read)
READS: dict[str, tuple[Kind, str, tuple[str, ...]]] = {
    "camt.054": ("camt054", "BkToCstmrDbtCdtNtfctn", ("02", "08")),
    "camt.053": ("camt053", "BkToCstmrStmt", ("02", "08")),
    "pain.002": ("pain002", "CstmrPmtStsRpt", ("03", "10")),
}
_MESSAGE = re.compile(r"([a-z]{4}\.[0-9]{3})\.([0-9]{3})\.([0-9]{2})")
EXPECTED = "an ISO 20022 " + ", ".join(
    f"{message}.001.{v}" for message, (_, _, versions) in READS.items() for v in versions
)


def supported_messages() -> list[str]:
    """Every message and version the robot reads, e.g. ``camt.054.001.02``."""
    return [f"{m}.001.{v}" for m, (_, _, versions) in READS.items() for v in versions]


def read_bank_file(content: bytes, filename: str) -> BankFile:
    """The bank file in ``content``, or a :class:`BankFileError` naming ``filename`` and the element."""
    try:
        root = parse_xml(content, filename)
    except BankFileError:
        raise
    except ReadError as exc:  # not XML, or hostile XML: the element is the DOCTYPE, else the XML itself
        where = exc.field or "XML"
        raise BankFileError(
            f"{where}: {exc.reason}", file=filename, field=where, expected=exc.expected
        ) from None
    message, kind, body = _message_of(root, filename)
    ns = str(root.tag)[1:].partition("}")[0]
    doc = Doc(ns, filename)
    if kind == "pain002":
        return read_pain002(doc, body, message)
    return read_camt(doc, body, message, kind)


def _message_of(root: Element, filename: str) -> tuple[str, Kind, Element]:
    """(``camt.054.001.02``, its kind, the message element), or why the file is none of them."""
    tag = str(root.tag)
    ns = tag[1:].partition("}")[0] if tag.startswith("{") else ""
    name = local(root)
    where = f"namespace {ns}" if ns else "no namespace"

    def refuse(reason: str, element: str = "Document") -> BankFileError:
        return BankFileError(f"{element}: {reason}", file=filename, field=element, expected=EXPECTED)

    if not ns.startswith(NAMESPACE_PREFIX):
        raise refuse(f"the root element is {name} in {where}, not an ISO 20022 Document", name)
    found = _MESSAGE.fullmatch(ns.removeprefix(NAMESPACE_PREFIX))
    if found is None:
        raise refuse(f"the namespace {ns} names no ISO 20022 message")
    family, variant, version = found.groups()
    message = f"{family}.{variant}.{version}"
    if family not in READS:
        raise refuse(f"the file is a {message}, a message the robot does not read")
    kind, element, versions = READS[family]
    if variant != "001" or version not in versions:
        known = ", ".join(f"{family}.001.{v}" for v in versions)
        raise refuse(f"{message} is a version the robot does not read (it reads {known})")
    if name != "Document":
        raise refuse(f"the root element is {name}, not Document", name)
    body = next((c for c in root.iterchildren() if isinstance(c.tag, str)), None)
    if body is None or body.tag != f"{{{ns}}}{element}":
        shown = "nothing" if body is None else local(body)
        raise refuse(f"the file claims {message} but holds {shown}, not {element}", f"Document/{shown}")
    return message, kind, body
