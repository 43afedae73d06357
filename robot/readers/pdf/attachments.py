"""The files embedded in a PDF: its EmbeddedFiles name tree, walked within bounds.

Each node is visited once, at most 1,000 nodes and 16 levels deep; more than
:data:`~robot.readers.limits.MAX_EMBEDDED_FILES` files is a :class:`~robot.errors.ReadError`.
Streams are collected, not decompressed.
"""

from __future__ import annotations

from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.utils import decode_text

from robot.errors import ReadError
from robot.readers.limits import MAX_EMBEDDED_FILES

_MAX_NAME_TREE_NODES = 1000


def walk(node: object, found: list[tuple[str, PDFStream]], depth: int, seen: set[int], filename: str) -> None:
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
        walk(kid, found, depth + 1, seen, filename)
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
