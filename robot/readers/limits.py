"""How much a document may be, and how much reading one may cost, defined once.

The sources refuse a document over :data:`MAX_DOCUMENT_BYTES` before they store it; the readers
refuse it again (a document stored by an older version, or handed to ``fakturarobot parse``).
Reading itself runs in a bounded child process (:mod:`robot.readers.sandbox`) with
:data:`READ_MEMORY_BYTES` of memory and :data:`READ_CPU_SECONDS` of CPU time, and the PDF reader
refuses, cheaply and before pdfminer builds anything, the shapes known to blow a reader up: giant
pages, decompression bombs, floods of embedded files or objects.
"""

from __future__ import annotations

MiB = 1024 * 1024

MAX_DOCUMENT_BYTES = 50 * MiB
"""The largest document (PDF or XML, as received) the robot takes in: 50 MiB.

An invoice, even a PDF with attachments, is rarely over a few MB. A source checks this before
it stores a document, and holds a bigger one unread (its ``intake_problem``) instead.
"""

MAX_XML_BYTES = 20 * MiB
"""XML documents (and the XML embedded in a PDF) larger than this are refused before parsing."""

READ_MEMORY_BYTES = 512 * MiB
"""Memory one document's reading may use in the sandbox, above the reader process's own start-up size."""

READ_CPU_SECONDS = 30
"""CPU time one document's reading may use in the sandbox."""

READ_WALL_SECONDS = 90.0
"""Wall-clock time one document's reading may take in the sandbox (CPU time plus waiting for a core)."""

IN_PROCESS_XML_BYTES = 1 * MiB
"""XML up to this size is read in the robot's own process (no entities, depth 256: under 100 MB)."""

MAX_PAGE_SIDE = 14_400.0
"""A PDF page's MediaBox/CropBox side in points at most: 200 inches, the PDF 1.7 implementation limit."""

MAX_PDF_OBJECTS = 200_000
"""Objects in a PDF's cross-reference tables at most (an invoice has hundreds, rarely thousands)."""

MAX_STREAM_BYTES = 32 * MiB
"""One decompressed PDF stream (page content, font, embedded file) at most; images are not counted."""

MAX_DECODED_BYTES = 64 * MiB
"""All decompressed non-image PDF streams of one document together at most."""

MAX_EMBEDDED_FILES = 20
"""Files embedded in one PDF at most (a Factur-X invoice has one, sometimes a few attachments)."""
