"""The creditor team's hold queue: ``held`` lists it; ``release``, ``return`` and ``retry`` decide.

A decision is recorded with who made it and why, and the next run (``fakturarobot run``, or the
scheduler's) carries it out: a released invoice is posted exactly once, a returned one gets its
notice and Invoice Response, a retried one is read and classified again.

``release`` is checked before it is accepted, with the posting path's own code
(:func:`robot.processing.postable.posting_refusal`): an invoice a run could not post (unreadable, no vendor
in the vendor master, already posted as another invoice) is refused with what to do instead.
Changed bank details need a note, and where the customer's criteria say ``four_eyes`` a second,
different person (robot.store.holds). A refused decision exits 2 and changes nothing.

``held`` also lists what a person decided that waits for the next run, and the notices the mail
server refused for good (a customer's address refused with 5xx): the invoices are returned, but the
customer was not told; the creditor team passes it on and corrects the customer's ``notify``
address. Every text from a document is printed literally (robot.cli.safe_text).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from classifiers.codes import REASONS, allowed
from robot.cli.common import CFG, CSV_TABLE, DB, EXIT_CONFIG, EXIT_OK, JSON_LINES, ONLY_CUSTOMER, config_path
from robot.cli.holds_view import held_csv, held_json, held_table, refused_table, waiting_table
from robot.cli.safe_text import terminal, visible
from robot.cli.store_lookup import cli_store
from robot.codes import RETURN_REASONS, Reason
from robot.errors import StoreError
from robot.store.holds import Decision, Resolution
from robot.store.outbox import Outbox

if TYPE_CHECKING:
    pass

BY = typer.Option(..., "--by", help="Who decides (recorded in the invoice's journey)")
ID = typer.Argument(..., help="Invoice id (see `fakturarobot held`)")


def _return_reason(value: str) -> Reason:
    """``--code``: one of the reasons a person may return with, else refused naming them."""
    from robot.processing.manual import return_reason

    try:
        return return_reason(value)
    except ValueError:
        raise typer.BadParameter(f"unknown --code {value!r}; allowed: {', '.join(RETURN_REASONS)}") from None


def held(
    customer: str | None = ONLY_CUSTOMER,
    error_type: str | None = typer.Option(None, "--error-type", help="Only this error type (PAY, OTH, ...)"),
    as_json: bool = JSON_LINES,
    as_csv: bool = CSV_TABLE,
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """The hold queue, due first: what the robot holds for the creditor team, and why."""
    if error_type is not None and error_type.strip().upper() not in REASONS:
        typer.echo(f"unknown --error-type {error_type!r}; the error types are: {allowed(REASONS)}", err=True)
        raise typer.Exit(EXIT_CONFIG)
    with cli_store(database, config) as store:
        rows = store.held(customer, error_type)
        found = store.findings_by_invoice([row.id for row in rows])
        reasons = {row.id: [f for f in found.get(row.id, []) if f.disposition == "hold"] for row in rows}
        standings = store.standings(rows)
        wanted = (customer or "").strip().upper()
        decided = [
            (row, st)
            for row, st in store.decided_waiting()
            if not wanted or (row.customer_id or "").upper() == wanted
        ]
        refused = [
            n
            for n in Outbox(store.sessions).refused()
            if not wanted or (n.customer_id or "").upper() == wanted
        ]
    today = date.today()
    if as_json:
        for row in rows:
            line = held_json(row, reasons[row.id], standings.get(row.id), today)
            typer.echo(json.dumps(line, ensure_ascii=False))
        raise typer.Exit(EXIT_OK)
    if as_csv:
        typer.echo(held_csv(rows, reasons, standings, today), nl=False)
        raise typer.Exit(EXIT_OK)
    console = terminal()
    console.print(held_table(rows, reasons, standings, today))
    if decided and error_type is None:
        console.print(waiting_table(decided))
    if refused and error_type is None:
        console.print(refused_table(refused))
    raise typer.Exit(EXIT_OK)


def _decide(
    invoice_id: int,
    decision: Decision,
    by: str,
    note: str,
    database: str | None,
    config: Path | None,
    *,
    code: Reason | None = None,
    reason_da: str = "",
    reason_en: str | None = None,
) -> None:
    """:func:`robot.processing.manual.decide`, the configuration loaded only if a release needs it."""
    from robot.configuration.settings import load_config
    from robot.processing.manual import decide

    store = cli_store(database, config, read_only=False)
    try:
        done = decide(
            store,
            lambda: load_config(config_path(config)),
            invoice_id,
            decision,
            by=by,
            note=note,
            reason=code,
            reason_da=reason_da,
            reason_en=reason_en,
        )
    except StoreError as exc:  # may quote the document (a read error): controls made visible
        typer.echo(visible(str(exc)), err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    finally:
        store.close()
    typer.echo(_told(done))


def _told(done: Resolution) -> str:
    row, st = done.row, done.standing
    name = row.invoice_number or row.source_ref
    if st.kind == "release-approved":
        return (
            f"invoice {row.id} ({name}): {st.text()}; it stays held until a different person runs "
            f"`fakturarobot release {row.id} --by NAME`"
        )
    return f"invoice {row.id} ({name}): {st.text()} (fakturarobot run)"


def release(
    invoice_id: int = ID,
    by: str = BY,
    note: str = typer.Option(
        "",
        "--note",
        help="Why (checked against the PDF, ...); required for changed bank details",
    ),
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """Post a held invoice after all (exactly once, by the next run), if a run can post it."""
    _decide(invoice_id, "release", by, note, database, config)


def return_(
    invoice_id: int = ID,
    by: str = BY,
    reason: str = typer.Option(..., "--reason", help="What the customer must do (Danish)"),
    reason_en: str | None = typer.Option(
        None, "--reason-en", help="The same in English (default: as --reason)"
    ),
    code: Reason = typer.Option(
        Reason.OTH,
        "--code",
        parser=_return_reason,
        metavar="[" + "|".join(RETURN_REASONS) + "]",
        help="Error type / Invoice Response reason (OPStatusReason)",
    ),
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """Return a held invoice to the customer with your reason (notice + Invoice Response)."""
    _decide(
        invoice_id, "return", by, reason, database, config, code=code, reason_da=reason, reason_en=reason_en
    )


def retry(
    invoice_id: int = ID,
    by: str = BY,
    note: str = typer.Option(
        "", "--note", help="What was fixed (template added, vendor master updated, ...)"
    ),
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """Read and classify a held invoice again from its stored bytes (after fixing what held it)."""
    _decide(invoice_id, "retry", by, note, database, config)
