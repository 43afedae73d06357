"""The Typer application. Each command lives in its own module and is imported only when it runs.

:data:`COMMANDS` names every command's function (``"module:function"``) and its one-line help.
:func:`_register` adds a light stand-in per command, so ``fakturarobot --help`` lists them all
without importing a single command module; the command that is invoked (or asked for its own
``--help``) is imported then, with only what it needs. ``parse`` of one XML file therefore never
loads SQLAlchemy, the store or the connectors. Exit codes: :mod:`robot.cli.common`.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Any

import typer
from typer.core import TyperCommand
from typer.main import get_command_from_info
from typer.models import CommandInfo

from robot.cli.common import EXIT_CONFIG, when_imported
from robot.errors import ConfigError

#: command name → (``"module:function"``, the first paragraph of the function's docstring), in
#: the order ``--help`` lists them
COMMANDS: dict[str, tuple[str, str]] = {
    "parse": ("robot.cli.documents:parse", "Print the canonical model (EN 16931) of each document."),
    "validate": (
        "robot.cli.documents:validate",
        "Findings and verdict for each document: with a configuration the verdict a run would give "
        "(customer from the sidecar or the receiver EAN, vendor master, orders, duplicates among the "
        "documents given, in order); without one, the document-level rules with their defaults.",
    ),
    "pdf-text": (
        "robot.cli.documents:pdf_text",
        "The text layer of printed PDFs, as templates see it (for writing a template's regexes).",
    ),
    "rules": (
        "robot.cli.rules_cmd:rules",
        "List every registered rule (built-in and plugins). Exit 2 if a rule plugin failed to load.",
    ),
    "run": (
        "robot.cli.runs_cmd:run",
        "One run now with the configured connectors. Exit 0 ok, 1 partial, 3 failed.",
    ),
    "demo": (
        "robot.cli.runs_cmd:demo",
        "One run over samples/ with SQLite under ./var/demo; prints the run summary.",
    ),
    "make-samples": (
        "robot.cli.runs_cmd:make_samples",
        "Regenerate the demo data (deterministic) into TARGET.",
    ),
    "runs": (
        "robot.cli.history:runs",
        "The last runs: start, duration, status, counts. Exit 0 if the last run was ok or running, "
        "1 partial, 3 failed or abandoned.",
    ),
    "show": (
        "robot.cli.history:show",
        "One invoice's journey: state, verdict, findings, postings and every event.",
    ),
    "report": (
        "robot.cli.report_cmd:report",
        "Figures from the store over a period, customer or supplier: invoices received, touchless rate, "
        "returns and holds by error type and rule, decisions by hand, cycle times, duplicates stopped and "
        "suggestions. Table, --json or --csv.",
    ),
    "held": (
        "robot.cli.holds_cmd:held",
        "The hold queue, due first: what the robot holds for the creditor team, and why.",
    ),
    "release": (
        "robot.cli.holds_cmd:release",
        "Post a held invoice after all (exactly once, by the next run), if a run can post it.",
    ),
    "return": (
        "robot.cli.holds_cmd:return_",
        "Return a held invoice to the customer with your reason (notice + Invoice Response).",
    ),
    "retry": (
        "robot.cli.holds_cmd:retry",
        "Read and classify a held invoice again from its stored bytes (after fixing what held it).",
    ),
    "what-if": (
        "robot.cli.whatif_cmd:what_if",
        "Replay the stored invoices of a period under a changed criteria file or rule module, read-only: "
        "the touchless rate per customer before and after, and the invoices whose verdict changes.",
    ),
    "check-config": (
        "robot.cli.config_cmd:check_config",
        "Validate the configuration, master data, customer criteria, schedules and rule plugins.",
    ),
    "scheduler": (
        "robot.cli.schedule_cmd:scheduler",
        "Run forever per schedules.yaml (APScheduler, job store in the robot's database).",
    ),
    "worker": (
        "robot.cli.schedule_cmd:worker",
        "One run whose invoices N worker processes share. Exit 0 ok, 1 partial, 3 failed.",
    ),
    "web": (
        "robot.cli.web_cmd:web",
        "Serve the creditor console (overview, runs, hold queue, invoices, search) over HTTP.",
    ),
    "user": (
        "robot.cli.users_cmd:user",
        "Manage the creditor console's users: user add NAME --role creditor|viewer|admin [--customer ID] "
        "--password-stdin, user list [--json], user disable NAME.",
    ),
    "bank": (
        "robot.cli.bank_cmd:bank",
        "Bank files: bank parse [--json] FILE... shows what the robot reads of camt.054, camt.053 and "
        "pain.002 files; bank import [--config F] [FILE...] stores, reads and matches them to the posted "
        "invoices (from the configured bank folder when no file is given). Exit 1 if a file cannot be read.",
    ),
    "payments": (
        "robot.cli.payments_cmd:payments",
        "Payments from bank files: payments [--unmatched] [--json] lists them with the invoices they paid; "
        "--unmatched only those matched to no invoice or to several, with their candidates.",
    ),
    "token": (
        "robot.cli.tokens_cmd:token",
        "Status API tokens: token add --customer ID [--name LABEL] (prints the token once), token list "
        "[--json], token revoke ID.",
    ),
    "health": (
        "robot.cli.health_cmd:health",
        "One Nagios/Icinga plugin line with performance data. Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
    ),
    "new-rule": (
        "robot.cli.newrule_cmd:new_rule",
        "Write a new rule module, its test and its entry point from a template (see docs/writing-rules.md).",
    ),
}

app = typer.Typer(
    name="fakturarobot",
    help="Invoice robot for public-sector shared service centres: read, classify, post, return, hold.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def command_function(name: str) -> Any:
    """The function behind command ``name`` (imports its module)."""
    module, _, function = COMMANDS[name][0].partition(":")
    return getattr(importlib.import_module(module), function)


def help_paragraph(function: Any) -> str:
    """The first paragraph of ``function``'s docstring on one line (what ``--help`` lists)."""
    return " ".join((inspect.getdoc(function) or "").split("\n\n")[0].split())


class LazyCommand(TyperCommand):
    """A command known by name and help only; parsing its arguments imports the real one."""

    _real: TyperCommand | None = None

    def real(self) -> TyperCommand:
        if self._real is None:
            assert self.name is not None
            built = get_command_from_info(
                CommandInfo(name=self.name, callback=command_function(self.name)),
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
            assert isinstance(built, TyperCommand)
            self._real = built
        return self._real

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        """The real command's context: it parses the arguments (``--help`` too) and is invoked."""
        return self.real().make_context(info_name, args, parent=parent, **extra)


def _stand_in() -> None:
    """Never called: :class:`LazyCommand` hands the arguments to the real command."""
    raise AssertionError("a lazy command was invoked without its real command")


def _register() -> None:
    """Add a :class:`LazyCommand` for every entry of :data:`COMMANDS` (once)."""
    known = {c.name for c in app.registered_commands}
    for name, (_, text) in COMMANDS.items():
        if name not in known:
            app.command(name, help=text, cls=LazyCommand)(_stand_in)


def setup_logging(verbose: bool = False, json_log: str | None = None) -> None:
    """In a terminal, warnings only (a progress bar shows the run); otherwise a plain line per step."""
    from robot.logsetup import configure_logging

    level = "DEBUG" if verbose else ("WARNING" if sys.stderr.isatty() else "INFO")
    configure_logging(level, json_log)


def main() -> None:
    _register()
    # logging is set up when loguru is first imported (before anyone logs): a command that never
    # logs (parse, pdf-text, validate without a crashing rule) never pays for loguru
    when_imported("loguru", setup_logging)
    try:
        app()
    except ConfigError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
