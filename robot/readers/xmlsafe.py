"""Safe XML parsing for documents from outside: no entities, no network, no DTDs, a size limit.

Every problem is a :class:`~robot.errors.ReadError`; nothing else escapes.

    >>> root = parse_xml(b"<Invoice xmlns='urn:x'/>", "a.xml")
    >>> root.tag
    '{urn:x}Invoice'
    >>> parse_xml(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", "evil.xml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    robot.errors.ReadError: evil.xml: the document declares a DOCTYPE with entities or an external DTD, ...
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from robot.errors import ReadError
from robot.readers.limits import MAX_XML_BYTES

MAX_BYTES = MAX_XML_BYTES
"""Documents larger than this (20 MB, ``robot.readers.limits.MAX_XML_BYTES``) are refused before parsing."""

_local = threading.local()
_DOCTYPE_MARKERS = tuple("<!DOCTYPE".encode(c) for c in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"))
_BARE_DOCTYPE = re.compile(rb"<!DOCTYPE\s+[\w:.-]+\s*>")


class _NoExternalResolver(etree.Resolver):
    """Answers every external entity or DTD request with nothing: no file or network access."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:  # type: ignore[override]
        return self.resolve_string("", context)  # type: ignore[call-arg]


def _parser() -> etree.XMLParser:
    """One hardened parser per thread (lxml parsers must not be shared across threads)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_pis=True,
            collect_ids=False,
        )
        parser.resolvers.add(_NoExternalResolver())
        _local.parser = parser
    return parser


def parse_xml(content: bytes, filename: str = "<bytes>", *, max_bytes: int = MAX_BYTES) -> etree._Element:
    """Parse ``content`` into its root element, refusing anything hostile or malformed.

    Refused with a :class:`ReadError`: empty input, more than ``max_bytes``, not well-formed XML,
    and any DOCTYPE that declares entities or points at an external DTD (billion laughs, XXE).
    """
    if not isinstance(content, bytes | bytearray | memoryview):
        raise ReadError(
            f"expected the document as bytes, got {type(content).__name__}",
            file=filename,
            expected="bytes",
        )
    data = bytes(content)
    if len(data) > max_bytes:
        raise ReadError(
            f"the document is {len(data):,} bytes, more than the limit of {max_bytes:,} bytes",
            file=filename,
            expected=f"at most {max_bytes:,} bytes",
        )
    if not data.strip():
        raise ReadError("the document is empty", file=filename, expected="an XML invoice")
    if data[:1].isspace():
        data = data.lstrip()
    _refuse_doctype_bytes(data, filename)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise ReadError(f"not well-formed XML: {exc}", file=filename, expected="well-formed XML") from None
    except (ValueError, etree.LxmlError) as exc:
        raise ReadError(f"not readable as XML: {exc}", file=filename, expected="well-formed XML") from None
    if root is None:
        raise ReadError("the document has no root element", file=filename, expected="an XML invoice")
    _refuse_doctype(root.getroottree().docinfo, filename)
    return root


_DOCTYPE_REFUSED = (
    "the document declares a DOCTYPE with entities or an external DTD, which is refused for safety"
)


def _refuse_doctype_bytes(data: bytes, filename: str) -> None:
    """Before parsing: only a bare ``<!DOCTYPE Name>`` is tolerated (libxml2 would open files otherwise)."""
    start = data.find(b"<!DOCTYPE")
    if start >= 0:
        if _BARE_DOCTYPE.match(data, start):
            return
    elif not any(marker in data for marker in _DOCTYPE_MARKERS):
        return
    raise ReadError(
        _DOCTYPE_REFUSED, file=filename, field="DOCTYPE", expected="no DOCTYPE (e-invoices never need one)"
    )


def _refuse_doctype(docinfo: etree.DocInfo, filename: str) -> None:
    dtd = docinfo.internalDTD
    external = getattr(docinfo, "system_url", None) or docinfo.public_id
    entities = dtd is not None and any(True for _ in getattr(dtd, "iterentities")())  # noqa: B009
    if external or entities:
        raise ReadError(
            _DOCTYPE_REFUSED,
            file=filename,
            field="DOCTYPE",
            expected="no DOCTYPE (e-invoices never need one)",
        )
