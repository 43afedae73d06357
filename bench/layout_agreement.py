"""The template-free reader against the XML embedded in the ZUGFeRD/Factur-X corpus PDFs.

``python -m bench.layout_agreement [--engine pdftotext|pdfplumber] [corpora]`` reads each corpus
PDF that carries an e-invoice XML twice: through :func:`robot.readers.read_document` (the XML,
taken as the truth) and through :func:`robot.pdftext.layout.read_layout` on the printed text with
the XML ignored (``pdftotext -layout`` when installed, else pdfplumber's layout text). Per field it counts the
values found, right, wrong and left empty; a value the reader found where the XML has none cannot
be judged and is counted apart. Zero wrong values is the bar.

Seller names are compared case- and space-insensitively with a trailing legal form (GmbH, SARL,
A/S, ...) ignored on both sides; amounts as numbers, a credit note's negated (a credit note of 10.00
is an invoice of -10.00, whichever way the print and the XML say it); VAT ids without spaces.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from robot.errors import ReadError
from robot.model import Invoice
from robot.pdftext.layout import read_layout
from robot.pdftext.layout.parties import LEGAL_FORM
from robot.readers import read_document
from robot.readers.pdf import embedded_xml

CORPORA = ("zugferd-corpus", "factur-x")
FIELDS: dict[str, Callable[[Invoice], Any]] = {
    "number": lambda i: i.number,
    "issue_date": lambda i: i.issue_date,
    "currency": lambda i: i.currency,
    "seller.name": lambda i: i.seller.name,
    "seller.vat_id": lambda i: i.seller.vat_id,
    "net": lambda i: i.totals.tax_exclusive,
    "vat": lambda i: i.totals.tax,
    "payable": lambda i: i.totals.payable,
}
#: Corpus PDFs whose print is not what their XML says (checked by reading the printed text): a
#: value read from the print that differs from the XML on these fields is counted apart, not wrong.
PRINT_IS_NOT_XML: dict[str, tuple[frozenset[str], str]] = {
    "MustangGnuaccountingBeispielRE-20201121_508_withBOM.pdf": (
        frozenset(FIELDS),
        "the PDF prints invoice RE-20190610/507 of 2019-06-10; its XML is RE-20201121/508 of 2020-11-21",
    ),
    "sample_inofficial_20190125_atgp_factur-x_v_1_0.pdf": (
        frozenset(FIELDS),
        "the PDF prints Bei Spiel GmbH's invoice RE-20190121/507; its XML is Au bon moulin's FA-2017-0010",
    ),
    "zugferd_2p0_BASIC_Rechnungskorrektur.pdf": (
        frozenset({"seller.name"}),
        "the XML's seller name is 'GLN 4333741000005 / Lief-Nr: 549910 / MUSTERLIEFERANT GMBH'; "
        "the PDF prints the name MUSTERLIEFERANT GMBH",
    ),
}
_FORM = re.compile(rf"[\s,]+(?:{LEGAL_FORM})\.?$", re.IGNORECASE)


@dataclass(slots=True)
class Counts:
    found: int = 0
    right: int = 0
    wrong: int = 0
    empty: int = 0
    unjudged: int = 0  # found where the XML has no value
    differs: int = 0  # differs from the XML where the print is not the XML (PRINT_IS_NOT_XML)
    wrong_cases: list[str] = field(default_factory=list)


def printed_text(path: Path, engine: str = "auto") -> str:
    """The PDF's text as ``pdftotext -layout`` gives it (``auto`` when installed), else pdfplumber's
    layout text (robot.pdftext.textlayer, the robot's own two engines)."""
    if engine == "pdftotext" or (engine == "auto" and shutil.which("pdftotext")):
        done = subprocess.run(
            ["pdftotext", "-layout", "-l", "20", str(path), "-"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return done.stdout
    from robot.pdftext.textlayer import pdfplumber_text

    return pdfplumber_text(path.read_bytes(), path.name)


def corpus_pdfs(root: Path) -> Iterator[tuple[Path, Invoice]]:
    """Each corpus PDF whose embedded XML the robot reads, with the invoice read from that XML."""
    for name in CORPORA:
        for path in sorted((root / name).rglob("*.pdf")):
            content = path.read_bytes()
            try:
                if embedded_xml(content, path.name) is None:
                    continue
                yield path, read_document(content, path.name)
            except ReadError:
                continue


def same(name: str, got: Any, truth: Any) -> bool:
    if name == "seller.name":
        return _name(str(got)) == _name(str(truth))
    if name == "seller.vat_id":
        return re.sub(r"\s", "", str(got)).upper() == re.sub(r"\s", "", str(truth)).upper()
    if isinstance(truth, Decimal) or isinstance(got, Decimal):
        return Decimal(str(got)) == Decimal(str(truth))
    return bool(got == truth)


def _signed(inv: Invoice, value: Any) -> Any:
    """An amount as an invoice's: a credit note of 10.00 is an invoice of -10.00."""
    return -value if isinstance(value, Decimal) and inv.is_credit_note else value


def _name(text: str) -> str:
    return _FORM.sub("", " ".join(text.split())).casefold()


def agreement(root: Path, engine: str = "auto") -> tuple[int, dict[str, Counts]]:
    """How many documents were compared, and the counts per field."""
    counts = {name: Counts() for name in FIELDS}
    documents = 0
    for path, truth in corpus_pdfs(root):
        documents += 1
        got = read_layout(printed_text(path, engine))
        for name, get in FIELDS.items():
            value, expected, c = _signed(got, get(got)), _signed(truth, get(truth)), counts[name]
            if value is None:
                c.empty += 1
                continue
            c.found += 1
            if expected is None:
                c.unjudged += 1
            elif same(name, value, expected):
                c.right += 1
            elif name in PRINT_IS_NOT_XML.get(path.name, (frozenset(), ""))[0]:
                c.differs += 1
            else:
                c.wrong += 1
                c.wrong_cases.append(f"{path.relative_to(root)}: {value!r}, the XML says {expected!r}")
    return documents, counts


def report(documents: int, counts: dict[str, Counts]) -> str:
    rows = [
        f"{documents} corpus PDFs with embedded XML",
        f"{'field':<15}{'found':>7}{'right':>7}{'wrong':>7}{'empty':>7}{'unjudged':>10}{'print≠XML':>11}",
    ]
    for name, c in counts.items():
        rows.append(
            f"{name:<15}{c.found:>7}{c.right:>7}{c.wrong:>7}{c.empty:>7}{c.unjudged:>10}{c.differs:>11}"
        )
    total = sum(c.found for c in counts.values())
    cells = documents * len(counts)
    wrong = sum(c.wrong for c in counts.values())
    rows.append(f"found {total} of {cells} values ({100 * total / max(cells, 1):.0f} %), wrong {wrong}")
    rows += [f"print≠XML {name}: {why}" for name, (_, why) in PRINT_IS_NOT_XML.items()]
    rows += [f"WRONG {case}" for c in counts.values() for case in c.wrong_cases]
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    engine = "auto"
    if argv[:1] == ["--engine"] and len(argv) > 1:
        engine, argv = argv[1], argv[2:]
    root = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora"
    if not (root / CORPORA[0]).is_dir():
        print(f"no corpus at {root}", file=sys.stderr)
        return 2
    documents, counts = agreement(root, engine)
    print(f"text: {engine}")
    print(report(documents, counts))
    return 1 if any(c.wrong for c in counts.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
