"""Starting the reader child before anything else, for a command that will read a PDF.

``fakturarobot parse one.pdf`` waits for the reader child (:mod:`robot.readers.sandbox`): an
interpreter and the readers' imports, a few tenths of a second. Started first thing, before this
process imports Typer, the command and the templates, the child's start-up runs beside all of it
on the machine's other core. Only the first bytes of a few arguments are looked at.
"""

from __future__ import annotations

#: commands that read their file arguments through the reader child
READING_COMMANDS = frozenset({"parse", "validate"})
PEEKED_ARGUMENTS = 20


def reads_a_pdf(argv: list[str]) -> bool:
    """Whether the command line reads a PDF: a reading command with a PDF among its first files.

    Anything that is not a readable file (an option, a missing path, a folder) is passed over, for
    the command itself to report.
    """
    names = [a for a in argv if not a.startswith("-")]
    if not names or names[0] not in READING_COMMANDS:
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
