"""A PDF stream's decompressed size, measured in bounded steps and never by trusting ``/Length``.

Flate and LZW are expanded at most to the limit, RunLength is sized without expanding it; past the
limit the stream is a decompression bomb and a :class:`~robot.errors.ReadError`.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator

from pdfminer.ascii85 import ascii85decode, asciihexdecode
from pdfminer.lzw import LZWDecoder
from pdfminer.pdftypes import (
    LITERALS_ASCII85_DECODE,
    LITERALS_ASCIIHEX_DECODE,
    LITERALS_FLATE_DECODE,
    LITERALS_LZW_DECODE,
    LITERALS_RUNLENGTH_DECODE,
    PDFStream,
)
from pdfminer.runlength import rldecode

from robot.errors import ReadError
from robot.readers.limits import MAX_STREAM_BYTES, MiB


class _TooBig(Exception):
    pass


def decoded_size(stream: PDFStream, filename: str) -> int:
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
