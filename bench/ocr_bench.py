"""OCR bench: wall clock and CPU per page, and the tools' peak memory, for the sample scan.

    .venv/bin/python bench/ocr_bench.py [--pages 1,3] [--repeat 3]

Draws the sample set's scanned invoice (robot.demo.samplegen.scanned) as a 1-page and a 3-page
PDF and reads each ``--repeat`` times with :func:`robot.pdftext.ocr.ocr_text` at the default
limits. Prints per document the best and worst wall-clock time, the tools' CPU time
(``RUSAGE_CHILDREN``), both per page, and the largest resident size any tool reached.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from robot.demo.samplegen import scanned
from robot.demo.samplegen.builder import Builder
from robot.pdftext.ocr import ocr_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default="1,3", help="page counts to try, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    doc = Builder(2026).doc("pdf", "SFE", scanned.SCANNER)
    image = scanned.draw_page(scanned.invoice_lines(doc))
    page = (image.width, image.height, image.tobytes())
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; sample at {scanned.DPI} dpi")
    for pages in (int(n) for n in args.pages.split(",")):
        pdf = scanned.image_pdf([page] * pages, dpi=scanned.DPI)
        walls, cpus = [], []
        for _ in range(args.repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.monotonic()
            text = ocr_text(pdf, f"bench-{pages}.pdf")
            walls.append(time.monotonic() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            assert doc.number in text, text[:500]
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"{pages} page(s): wall {min(walls) / pages:.2f}-{max(walls) / pages:.2f} s/page, "
            f"tools' CPU {min(cpus) / pages:.2f}-{max(cpus) / pages:.2f} s/page, "
            f"tools' peak RSS {peak:.0f} MiB"
        )


if __name__ == "__main__":
    main()
