"""A command that will read a PDF starts the reader child first, so that the child's start-up runs
beside the command's own (issue 15: ``parse`` of one PDF); one that will not starts none."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.cli.warm import reads_a_pdf
from robot.errors import ReadError
from robot.readers import sandbox

ROOT = Path(__file__).resolve().parent.parent
PDF = ROOT / "samples" / "inbox" / "0057-pdf-printed-posted.pdf"
XML = ROOT / "samples" / "inbox" / "0001-peppol-clean.xml"


@pytest.mark.parametrize(
    ("argv", "reads"),
    [
        (["parse", str(PDF)], True),
        (["parse", "--json", "--pdf-templates", "samples/pdf-templates", str(PDF)], True),
        (["validate", str(XML), str(PDF)], True),
        (["parse", str(XML)], False),
        (["run", str(PDF)], False),  # not a command that reads its arguments as documents
        (["--help"], False),
        ([], False),
        (["parse", "/no/such/file.pdf"], False),  # left for the command to report
        (["parse", str(ROOT / "samples")], False),  # a folder is passed over
        (["parse", "bad\x00name.pdf"], False),
    ],
)
def test_a_pdf_on_a_reading_command_line_is_recognised(argv: list[str], reads: bool) -> None:
    assert reads_a_pdf(argv) is reads


def test_a_file_named_pdf_is_recognised_by_its_bytes_not_its_name(tmp_path: Path) -> None:
    named = tmp_path / "invoice.pdf"
    named.write_bytes(b"<Invoice/>")
    unnamed = tmp_path / "invoice"
    unnamed.write_bytes(b"\n %PDF-1.7\n")
    assert not reads_a_pdf(["parse", str(named)])
    assert reads_a_pdf(["parse", str(unnamed)])


def test_the_warmed_child_reads_the_first_document() -> None:
    sandbox.shutdown()
    sandbox.warm_up()
    child = sandbox._pool._child
    assert child is not None and child.alive
    with pytest.raises(ReadError):  # a real round trip through that same child
        sandbox.read_bounded(b"%PDF-1.7\nnot a pdf at all", "junk.pdf")
    assert sandbox._pool._child is child and child.documents == 1
    sandbox.warm_up()  # already running: nothing new is started
    assert sandbox._pool._child is child
    sandbox.shutdown()
