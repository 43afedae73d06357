"""A command that will read a PDF starts the reader child first, so that the child's start-up runs
beside the command's own (issue 15: ``parse`` of one PDF); one that will not starts none. A document
command ends without the interpreter's teardown, and says all it would have said."""

from __future__ import annotations

import json
import subprocess
import sys
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


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


#: how a command ends → the exit status and what stderr says before the exit handler
ENDINGS = {
    "pass": (0, ""),
    "sys.exit(3)": (3, ""),
    "sys.exit(None)": (0, ""),
    "sys.exit('no such file: x.pdf')": (1, "no such file: x.pdf\n"),
}


@pytest.mark.parametrize("ending", ENDINGS)
def test_ending_at_once_keeps_the_status_the_output_and_the_exit_handlers(ending: str) -> None:
    status, stderr = ENDINGS[ending]
    done = _python(
        "import atexit, sys\n"
        "from robot.cli.warm import end_at_once\n"
        "atexit.register(lambda: sys.stderr.write('handler ran\\n'))\n"
        "def command():\n"
        "    sys.stdout.write('x' * 1_000_000)  # more than any pipe buffer: flushed, not lost\n"
        f"    {ending}\n"
        "end_at_once(command)\n"
        "print('not reached')\n"
    )
    assert done.returncode == status
    assert done.stdout == "x" * 1_000_000
    assert done.stderr == stderr + "handler ran\n"


def test_an_exception_in_a_command_ended_at_once_still_ends_with_its_traceback() -> None:
    done = _python("from robot.cli.warm import end_at_once\nend_at_once(lambda: 1 / 0)")
    assert done.returncode == 1 and "ZeroDivisionError" in done.stderr


def test_parse_of_a_pdf_through_the_console_script_says_what_the_command_says() -> None:
    from typer.testing import CliRunner

    from robot.cli.app import _register, app

    _register()

    script = Path(sys.executable).parent / "fakturarobot"
    args = ["parse", "--json", "--pdf-templates", str(ROOT / "samples" / "pdf-templates"), str(PDF)]
    done = subprocess.run([str(script), *args], capture_output=True, text=True, timeout=120, cwd=ROOT)
    in_process = CliRunner().invoke(app, args)
    assert done.returncode == in_process.exit_code == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(in_process.output)
    missing = subprocess.run(
        [str(script), "parse", str(ROOT / "no-such.pdf")], capture_output=True, text=True, timeout=120
    )
    assert missing.returncode == CliRunner().invoke(app, ["parse", str(ROOT / "no-such.pdf")]).exit_code
    assert missing.returncode != 0 and "no-such.pdf" in missing.stderr + missing.stdout
