"""PDF intake: refuse PDFs built to blow a reader up, and find the Factur-X / ZUGFeRD / XRechnung XML.

A PDF without an embedded e-invoice XML gives ``None``: its printed text is read by a template
(:mod:`robot.pdftext`).

Before anything is extracted, :func:`check_pdf` looks at the document's structure, cheaply, and
refuses with a :class:`~robot.errors.ReadError` what pdfminer/pdfplumber would turn into gigabytes:
a page larger than :data:`~robot.readers.limits.MAX_PAGE_SIDE` (pdfplumber lays text out on a grid
the size of the page), a stream that decompresses to more than
:data:`~robot.readers.limits.MAX_STREAM_BYTES` or all of them together to more than
:data:`~robot.readers.limits.MAX_DECODED_BYTES` (a Flate bomb), more than
:data:`~robot.readers.limits.MAX_EMBEDDED_FILES` embedded files, more than
:data:`~robot.readers.limits.MAX_PDF_OBJECTS` objects. Sizes are measured by decompressing in
bounded steps, never by trusting ``/Length``. What is not caught here is caught by the memory and
CPU limits of the sandbox the robot reads in (:mod:`robot.readers.sandbox`).

    >>> embedded_xml(b"%PDF-1.4 not really a pdf", "x.pdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    robot.errors.ReadError: x.pdf: the PDF cannot be opened ...
"""

from __future__ import annotations

import io
import itertools
import math
import zlib
from collections.abc import Iterator

from pdfminer.ascii85 import ascii85decode, asciihexdecode
from pdfminer.lzw import LZWDecoder
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import (
    LITERALS_ASCII85_DECODE,
    LITERALS_ASCIIHEX_DECODE,
    LITERALS_FLATE_DECODE,
    LITERALS_LZW_DECODE,
    LITERALS_RUNLENGTH_DECODE,
    PDFStream,
    resolve1,
)
from pdfminer.psparser import LIT
from pdfminer.runlength import rldecode
from pdfminer.utils import decode_text

from robot.errors import ReadError
from robot.readers.limits import (
    MAX_DECODED_BYTES,
    MAX_DOCUMENT_BYTES,
    MAX_EMBEDDED_FILES,
    MAX_PAGE_SIDE,
    MAX_PDF_OBJECTS,
    MAX_STREAM_BYTES,
    MiB,
)

MAX_PDF_BYTES = MAX_DOCUMENT_BYTES  # a bigger PDF is refused unread
PREFERRED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "zugferd_invoice.xml")
_IMAGE = LIT("Image")
_MAX_NAME_TREE_NODES = 1000


def embedded_xml(content: bytes, filename: str = "<bytes>") -> tuple[bytes, str] | None:
    """The embedded invoice XML and its attachment name (Factur-X names first, then any ``*.xml``).

    The PDF is checked first (:func:`check_pdf`); only the chosen attachment is decompressed.
    """
    files = _attachments(content, filename)
    by_name = {name.lower(): (name, stream) for name, stream in files}
    chosen: tuple[str, PDFStream] | None = None
    for preferred in PREFERRED_NAMES:
        if preferred in by_name:
            chosen = by_name[preferred]
            break
    else:
        chosen = next(((n, s) for n, s in files if n.lower().endswith(".xml")), None)
    if chosen is None:
        return None
    name, stream = chosen
    try:
        return stream.get_data(), name
    except MemoryError:
        raise
    except Exception as exc:
        raise ReadError(
            f"the XML embedded in the PDF ({name}) cannot be decompressed ({type(exc).__name__}: {exc})",
            file=filename,
            field="EmbeddedFiles",
            expected="a readable PDF",
        ) from None


def check_pdf(content: bytes, filename: str = "<bytes>") -> None:
    """Refuse, with a ReadError, a PDF whose pages, streams or objects are beyond the limits."""
    _open(content, filename)


def _open(content: bytes, filename: str) -> tuple[PDFDocument, list[tuple[str, PDFStream]]]:
    """The parsed document and its embedded files, after the structural checks."""
    if len(content) > MAX_PDF_BYTES:
        raise ReadError(
            f"the PDF is {len(content):,} bytes, more than the limit of {MAX_PDF_BYTES:,} bytes",
            file=filename,
            expected=f"at most {MAX_PDF_BYTES:,} bytes",
        )
    try:
        document = PDFDocument(PDFParser(io.BytesIO(content)))
        _check_pages(document, filename)
        names = resolve1(document.catalog.get("Names"))
        tree = resolve1(names.get("EmbeddedFiles")) if isinstance(names, dict) else None
        files: list[tuple[str, PDFStream]] = []
        _walk(tree, files, depth=0, seen=set(), filename=filename)
        _check_objects(document, filename)
        return document, files
    except (ReadError, MemoryError):
        raise
    except Exception as exc:
        raise ReadError(
            f"the PDF cannot be opened ({type(exc).__name__}: {exc})",
            file=filename,
            expected="a readable PDF",
        ) from None


def _check_pages(document: PDFDocument, filename: str) -> None:
    for number, page in enumerate(PDFPage.create_pages(document), 1):
        for box_name, box in (("MediaBox", page.mediabox), ("CropBox", page.cropbox)):
            width, height = abs(box[2] - box[0]), abs(box[3] - box[1])
            if not (width <= MAX_PAGE_SIDE and height <= MAX_PAGE_SIDE):
                raise ReadError(
                    f"page {number} is {_points(width)} × {_points(height)} points ({box_name}), larger than "
                    f"the limit of {MAX_PAGE_SIDE:,.0f} points a side",
                    file=filename,
                    field=box_name,
                    expected=f"pages at most {MAX_PAGE_SIDE:,.0f} × {MAX_PAGE_SIDE:,.0f} points (200 inches)",
                )


def _points(value: float) -> str:
    return f"{value:,.0f}" if math.isfinite(value) else str(value)


def _object_ids(document: PDFDocument, filename: str) -> list[int]:
    """Every object id in the cross-reference tables, refusing more than MAX_PDF_OBJECTS."""
    ids: set[int] = set()
    for xref in document.xrefs:
        ids.update(itertools.islice(xref.get_objids(), MAX_PDF_OBJECTS + 1))
        if len(ids) > MAX_PDF_OBJECTS:
            raise ReadError(
                f"the PDF has more than {MAX_PDF_OBJECTS:,} objects",
                file=filename,
                expected=f"at most {MAX_PDF_OBJECTS:,} objects",
            )
    return sorted(ids)


def _in_object_stream(document: PDFDocument, objid: int) -> bool:
    for xref in document.xrefs:
        try:
            strmid, _, _ = xref.get_pos(objid)
        except KeyError:
            continue
        return strmid is not None
    return False


def _check_objects(document: PDFDocument, filename: str) -> None:
    """Every non-image stream decompresses to at most MAX_STREAM_BYTES, all of them to MAX_DECODED_BYTES.

    Objects stored directly are checked first, so an object stream (itself such an object) is
    measured before pdfminer decompresses it to find the objects inside.
    """
    ids = _object_ids(document, filename)
    packed = {i for i in ids if _in_object_stream(document, i)}
    direct = [i for i in ids if i not in packed]
    total = 0
    for objid in itertools.chain(direct, sorted(packed)):
        try:
            obj = document.getobj(objid)
        except (MemoryError, ReadError):
            raise
        except Exception:
            continue  # a broken object: pdfminer skips it too
        if not isinstance(obj, PDFStream) or resolve1(obj.get("Subtype")) is _IMAGE:
            continue
        size = _decoded_size(obj, filename)
        total += size
        if total > MAX_DECODED_BYTES:
            raise ReadError(
                f"the PDF's streams decompress to more than {MAX_DECODED_BYTES // MiB} MiB together",
                file=filename,
                field="Filter",
                expected=f"at most {MAX_DECODED_BYTES // MiB} MiB of decompressed content",
            )


class _TooBig(Exception):
    pass


def _decoded_size(stream: PDFStream, filename: str) -> int:
    """The size ``stream`` decompresses to, measured in bounded steps; a ReadError over the limit."""
    limit = MAX_STREAM_BYTES
    try:
        return len(_bounded_decode(stream, limit))
    except _TooBig:
        raise ReadError(
            f"a stream of the PDF (object {stream.objid}) decompresses to more than "
            f"{limit // MiB} MiB (a decompression bomb?)",
            file=filename,
            field="Filter",
            expected=f"streams of at most {limit // MiB} MiB decompressed",
        ) from None


def _bounded_decode(stream: PDFStream, limit: int) -> bytes:
    """The stream's data through its expanding filters, never more than ``limit`` bytes (else _TooBig).

    Filters after an image filter (DCT, JPX, JBIG2, CCITT) or an unknown one are not applied:
    pdfminer does not expand those for text either.
    """
    if stream.data is not None:
        return stream.data
    data = stream.rawdata or b""
    if stream.decipher is not None and stream.objid is not None and stream.genno is not None:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    for f, _params in stream.get_filters():
        if f in LITERALS_FLATE_DECODE:
            data = _inflate(data, limit)
        elif f in LITERALS_LZW_DECODE:
            data = _unlzw(data, limit)
        elif f in LITERALS_RUNLENGTH_DECODE:
            if _rl_size(data) > limit:
                raise _TooBig
            data = rldecode(data)
        elif f in LITERALS_ASCII85_DECODE:
            data = ascii85decode(data)
        elif f in LITERALS_ASCIIHEX_DECODE:
            data = asciihexdecode(data)
        else:
            break
    if len(data) > limit:
        raise _TooBig
    return data


def _inflate(data: bytes, limit: int) -> bytes:
    """zlib-decompress at most ``limit`` bytes; stop quietly at corrupt data (as pdfminer does)."""
    inflater = zlib.decompressobj()
    out: list[bytes] = []
    size = 0
    pending = data
    try:
        while pending and not inflater.eof:
            chunk = inflater.decompress(pending, limit + 1 - size)
            size += len(chunk)
            if size > limit:
                raise _TooBig
            out.append(chunk)
            if not chunk and pending is inflater.unconsumed_tail:
                break
            pending = inflater.unconsumed_tail
    except zlib.error:
        pass
    return b"".join(out)


def _unlzw(data: bytes, limit: int) -> bytes:
    out: list[bytes] = []
    size = 0
    for chunk in _lzw_chunks(data):
        size += len(chunk)
        if size > limit:
            raise _TooBig
        out.append(chunk)
    return b"".join(out)


def _lzw_chunks(data: bytes) -> Iterator[bytes]:
    return LZWDecoder(io.BytesIO(data)).run()


def _rl_size(data: bytes) -> int:
    """The decoded size of RunLength data, without decoding it."""
    size, i = 0, 0
    while i < len(data):
        length = data[i]
        if length == 128:
            break
        if length < 128:
            size += length + 1
            i += length + 2
        else:
            size += 257 - length
            i += 2
    return size


def _attachments(content: bytes, filename: str) -> list[tuple[str, PDFStream]]:
    """Every file in the PDF's EmbeddedFiles name tree (its stream, not yet decompressed)."""
    return _open(content, filename)[1]


def _walk(
    node: object, found: list[tuple[str, PDFStream]], depth: int, seen: set[int], filename: str
) -> None:
    """Collect the files of one node of the EmbeddedFiles name tree (and its kids).

    Each node is visited once (a tree whose kids point back at themselves is not walked forever),
    at most 1,000 nodes and 16 levels; more than MAX_EMBEDDED_FILES files is a ReadError.
    """
    resolve = resolve1
    node = resolve(node)
    if not isinstance(node, dict) or depth > 16 or id(node) in seen or len(seen) >= _MAX_NAME_TREE_NODES:
        return
    seen.add(id(node))
    for kid in resolve(node.get("Kids")) or []:
        _walk(kid, found, depth + 1, seen, filename)
    pairs = resolve(node.get("Names")) or []
    for i in range(0, len(pairs) - 1, 2):
        name = resolve(pairs[i])
        spec = resolve(pairs[i + 1])
        if not isinstance(spec, dict):
            continue
        stream = resolve(resolve(spec.get("EF") or {}).get("F"))
        if not isinstance(stream, PDFStream):
            continue
        if len(found) >= MAX_EMBEDDED_FILES:
            raise ReadError(
                f"the PDF embeds more than {MAX_EMBEDDED_FILES} files",
                file=filename,
                field="EmbeddedFiles",
                expected=f"at most {MAX_EMBEDDED_FILES} embedded files (a Factur-X invoice has one)",
            )
        label = resolve(spec.get("UF") or spec.get("F") or name)
        found.append((_text(label), stream))


def _text(value: object) -> str:
    """A PDF text string (PDFDocEncoding or UTF-16 with BOM) as str."""
    return decode_text(value) if isinstance(value, bytes) else str(value)


__all__ = ["MAX_PDF_BYTES", "PREFERRED_NAMES", "check_pdf", "embedded_xml"]
