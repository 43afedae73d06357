"""Per-document read time in-process (``read_document``) vs in the bounded child (``read_bounded``).

    .venv/bin/python -m bench.read_sandbox_bench [--rounds 20]

Documents: the printed sample PDFs (read by the demo template), a small sample XML (read
in-process by ``read_bounded`` too, so its ratio shows the routing cost only), and the same XML
with a 1.5 MB note (over ``IN_PROCESS_XML_BYTES``, so it goes to the child). Each is read
``--rounds`` times both ways, interleaved; the median per document is printed with the ratio, then
the child's start-up (first document after ``shutdown``), which a run pays once. The PDF's
structural checks (``check_pdf``) are part of both sides, as they are part of ``read_document``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from robot.pdftext import TemplateSet  # noqa: E402
from robot.readers import read_document  # noqa: E402
from robot.readers.sandbox import read_bounded, shutdown  # noqa: E402

INBOX = ROOT / "samples" / "inbox"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def _big_xml() -> bytes:
    content = (INBOX / "0001-peppol-clean.xml").read_bytes()
    note = f"<cbc:Note xmlns:cbc='{CBC}'>{'x' * (1536 * 1024)}</cbc:Note>".encode()
    at = content.index(b"<cbc:DueDate")
    return content[:at] + note + content[at:]


def _time(read: Callable[[], object]) -> float:
    started = time.perf_counter()
    read()
    return time.perf_counter() - started


def _row(name: str, inside: float, bounded: float) -> None:
    ms = f"{inside * 1000:9.2f}ms {bounded * 1000:9.2f}ms"
    print(f"{name:<36} {ms} {bounded / inside:6.2f}x {(bounded - inside) * 1000:7.2f}ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    templates = TemplateSet.load([ROOT / "samples" / "pdf-templates"])
    documents = {p.name: p.read_bytes() for p in sorted(INBOX.glob("005[678]-*.pdf"))}
    documents["0001-peppol-clean.xml (3 KB)"] = (INBOX / "0001-peppol-clean.xml").read_bytes()
    documents["0001 + 1.5 MB note (xml, child)"] = _big_xml()

    read_bounded(documents["0001 + 1.5 MB note (xml, child)"], "warm", templates)  # start the child
    print(f"{'document':<36} {'in-process':>11} {'sandboxed':>11} {'ratio':>7} {'overhead':>9}")
    pdf_in: list[float] = []
    pdf_out: list[float] = []
    for name, content in documents.items():
        inside: list[float] = []
        bounded: list[float] = []
        for _ in range(args.rounds):
            inside.append(_time(partial(read_document, content, name, templates)))
            bounded.append(_time(partial(read_bounded, content, name, templates)))
        a, b = statistics.median(inside), statistics.median(bounded)
        if name.endswith(".pdf"):
            pdf_in.append(a)
            pdf_out.append(b)
        _row(name, a, b)
    a, b = statistics.mean(pdf_in), statistics.mean(pdf_out)
    _row("PDFs, mean of medians", a, b)

    starts = []
    pdf = documents[next(iter(documents))]
    for _ in range(5):
        shutdown()
        starts.append(_time(lambda: read_bounded(pdf, "first.pdf", templates)))
    start = statistics.median(starts) - statistics.median(pdf_out[:1])
    print(f"child start-up (once per run, and after a document that hit a limit): {start * 1000:.0f}ms")
    shutdown()


if __name__ == "__main__":
    main()
