"""Starting the reader child before anything else, for a command that will read a PDF, and
ending a document command without the interpreter's teardown.

``fakturarobot parse one.pdf`` waits for the reader child (:mod:`robot.readers.sandbox`): an
interpreter and the readers' imports, a few tenths of a second. Started first thing, before this
process imports Typer, the command and the templates, the child's start-up runs beside all of it
on the machine's other core. Only the first bytes of a few arguments are looked at.

A document command (``parse``, ``validate``, ``pdf-text``) reads files and prints; when it is done
nothing is left to tear down but the interpreter itself, whose teardown of everything the readers,
the rules and the templates loaded takes a fifth of a second on a slow machine. It ends at once
instead (:func:`end_at_once`): output flushed, exit handlers run (the reader child is closed, the
log handlers flushed), then ``os._exit``.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Callable

#: commands that read their file arguments through the reader child
READING_COMMANDS = frozenset({"parse", "validate"})
#: commands that only read files and print: they start no threads and hold no store open
DOCUMENT_COMMANDS = READING_COMMANDS | {"pdf-text"}
PEEKED_ARGUMENTS = 20


def reads_a_pdf(argv: list[str]) -> bool:
    """Whether the command line reads a PDF: a reading command with a PDF among its first files.

    Anything that is not a readable file (an option, a missing path, a folder) is passed over, for
    the command itself to report.
    """
    if command_of(argv) not in READING_COMMANDS:
        return False
    from robot.readers import is_pdf

    for argument in argv[1 : 1 + PEEKED_ARGUMENTS]:
        try:
            with open(argument, "rb") as file:
                if is_pdf(file.read(1024)):
                    return True
        except (OSError, ValueError):
            continue
    return False


def warm_reader(argv: list[str]) -> None:
    """Start the reader child now if the command line will read a PDF."""
    if reads_a_pdf(argv):
        from robot.readers.sandbox import warm_up

        warm_up()


def command_of(argv: list[str]) -> str | None:
    """The command's name: the first argument that is not an option."""
    return next((a for a in argv if not a.startswith("-")), None)


def end_at_once(run: Callable[[], object]) -> None:
    """Run the command, then end the process without the interpreter's teardown.

    What ``sys.exit`` would do is done: a ``SystemExit`` code is the exit status (a text is printed
    to stderr, status 1), stdout and stderr are flushed, the exit handlers run. An exception that
    is not ``SystemExit`` propagates to the ordinary ending, traceback and all.
    """
    try:
        run()
        code: object = 0
    except SystemExit as done:
        code = done.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        code = code or 1  # stdout gone (a closed pipe): as the interpreter would report it
    atexit._run_exitfuncs()
    sys.stderr.flush()
    os._exit(code or 0)
