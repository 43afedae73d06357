"""Read a document in a bounded child process, so that no document can take the robot down.

``read_bounded`` is :func:`robot.readers.read_document` with a ceiling: PDFs, and XML over
:data:`~robot.readers.limits.IN_PROCESS_XML_BYTES`, are read in a child process
(``python -m robot.readers.sandbox.child``) limited to :data:`~robot.readers.limits.READ_MEMORY_BYTES`
of address space above its start-up size (``RLIMIT_AS``) and
:data:`~robot.readers.limits.READ_CPU_SECONDS` of CPU time per document (``RLIMIT_CPU``, raised
before each document), and waited for at most :data:`~robot.readers.limits.READ_WALL_SECONDS`.
A document that hits a limit, or crashes the reader, is a :class:`~robot.errors.ReadError` naming
the file and the limit::

    invoice.pdf: reading the PDF needed more than 512 MiB of memory (the limit for one document);
    it was stopped and the document is held unread

Small XML is read in-process: it is cheap (no entities, nesting at most 256 deep) and most
invoices are such. The child is started on first use and reused (documents are framed pickles on
its stdin/stdout), so a document costs one round trip, not a process start; it is replaced after
it was stopped, after a document that made it large, and after :data:`RECYCLE_AFTER` documents.
The answer is unpickled with an allow-list (the invoice model, dates and decimals only).

The package: :mod:`~robot.readers.sandbox.protocol` (the frames and the allow-listed answer, both
sides), :mod:`~robot.readers.sandbox.child` (the reader process) and
:mod:`~robot.readers.sandbox.supervisor` (starting, timing, stopping and replacing it).
"""

from __future__ import annotations

import atexit
from typing import TYPE_CHECKING

from robot.errors import ReadError
from robot.readers import is_pdf
from robot.readers.limits import IN_PROCESS_XML_BYTES, MAX_DOCUMENT_BYTES, MAX_XML_BYTES
from robot.readers.sandbox.supervisor import DEFAULT_LIMITS, RECYCLE_AFTER, Pool, SandboxLimits

if TYPE_CHECKING:
    from robot.model import Invoice
    from robot.pdftext import TemplateSet

__all__ = ["DEFAULT_LIMITS", "RECYCLE_AFTER", "SandboxLimits", "read_bounded", "shutdown", "warm_up"]


def read_bounded(
    content: bytes,
    filename: str = "<bytes>",
    pdf_templates: TemplateSet | None = None,
    *,
    limits: SandboxLimits | None = None,
) -> Invoice:
    """Read one invoice document like ``read_document``, within memory and time limits.

    Only :class:`~robot.errors.ReadError` escapes, also when the reader was stopped or crashed.
    """
    from robot.readers import read_document

    data = bytes(content) if isinstance(content, bytearray | memoryview) else content
    if isinstance(data, bytes) and len(data) > MAX_DOCUMENT_BYTES:
        raise ReadError(
            f"the document is {len(data):,} bytes, more than the limit of {MAX_DOCUMENT_BYTES:,} bytes",
            file=filename,
            expected=f"at most {MAX_DOCUMENT_BYTES:,} bytes",
        )
    if not isinstance(data, bytes) or not _needs_sandbox(data):
        return read_document(data, filename, pdf_templates)
    what = "the PDF" if is_pdf(data) else "the XML document"
    return _pool.read(data, filename, pdf_templates, limits or DEFAULT_LIMITS, what)


def _needs_sandbox(content: bytes) -> bool:
    """PDFs always; XML only when big enough to be costly (too big is refused in-process, unread)."""
    return is_pdf(content) or IN_PROCESS_XML_BYTES < len(content) <= MAX_XML_BYTES


def warm_up(limits: SandboxLimits | None = None) -> None:
    """Start the reader child before the first PDF is read, so that its start-up (an interpreter
    and the readers' imports, a few tenths of a second) runs beside the caller's own: a command
    that will read a PDF calls this first (``robot.cli.app``)."""
    _pool.warm(limits or DEFAULT_LIMITS)


def shutdown() -> None:
    """Stop the reader child (it is started again when needed)."""
    _pool.close()


_pool = Pool()
atexit.register(_pool.close)
