"""``bank``: what the robot reads of bank files (camt.054, camt.053, pain.002).

    fakturarobot bank parse notification.xml statement.xml
    fakturarobot bank parse --json status-report.xml
    fakturarobot bank import --config fakturarobot.yaml [FILE...]

``--json`` prints one JSON object per file (JSON Lines, key ``file`` first; see
:mod:`robot.bank.serialize`); a file that cannot be read gives ``{"file": ..., "error": "<why>",
"element": ...}``. Reading needs no store and no configuration. Exit 0 every file read, 1 some file
could not be read, 2 a usage error (an unknown action, a file that does not exist).
``import`` stores, reads and matches the files to the posted invoices (robot.cli.payments_cmd),
from the configured bank folder when no file is given.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from robot.cli.common import EXIT_CONFIG, EXIT_FINDINGS, EXIT_OK, RUN_CONFIG, check_action
from robot.errors import BankFileError

ACTIONS = ("parse", "import")
FILES = typer.Argument(None, exists=True, dir_okay=False, readable=True, help="Bank files (ISO 20022 XML)")


def bank(
    action: str = typer.Argument(..., help="parse or import"),
    files: list[Path] | None = FILES,
    as_json: bool = typer.Option(False, "--json", help="JSON Lines: one object per file"),
    config: Path | None = RUN_CONFIG,
) -> None:
    """Bank files: bank parse [--json] FILE... shows what the robot reads of camt.054, camt.053 and
    pain.002 files; bank import [--config F] [FILE...] stores, reads and matches them to the posted
    invoices (from the configured bank folder when no file is given). Exit 1 if a file cannot be
    read."""
    check_action(action, ACTIONS)
    if action == "import":
        from robot.cli.payments_cmd import bank_import

        raise typer.Exit(bank_import(config, files or [], as_json=as_json))
    if not files:
        typer.echo("error: bank parse needs at least one FILE", err=True)
        raise typer.Exit(EXIT_CONFIG)
    raise typer.Exit(parse(files, as_json=as_json))


def parse(files: list[Path], *, as_json: bool) -> int:
    """Print each file as read; the exit code (1 when any file could not be read)."""
    from robot.bank.iso20022 import read_bank_file
    from robot.bank.serialize import to_json

    failed = 0
    for path in files:
        try:
            data = to_json(read_bank_file(path.read_bytes(), str(path)))
        except BankFileError as exc:
            failed += 1
            _show({"file": str(path), "error": exc.message, "element": exc.field}, as_json)
        except OSError as exc:
            failed += 1
            _show(
                {"file": str(path), "error": f"{path}: cannot be read ({exc.strerror})", "element": None},
                as_json,
            )
        else:
            _show(data, as_json)
    return EXIT_FINDINGS if failed else EXIT_OK


def _show(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    from robot.cli.safe_text import visible

    if "error" in data:
        typer.echo(visible(data["error"]))
        return
    items = data.get("entries", data.get("statuses", []))
    what = "entries" if "entries" in data else "statuses"
    typer.echo(f"{visible(data['file'])}  {data['message']}  {len(items)} {what}")
    for e in data.get("entries", []):
        flags = " reversal" if e["reversal"] else ""
        reference = visible(e["bank_reference"] or "-")
        typer.echo(
            f"  {e['direction']:<6} {e['amount']:>14} {e['currency']}  booked {e['booking_date'] or '-'}  "
            f"value {e['value_date'] or '-'}  ref {reference}  {e['status'] or ''}{flags}"
        )
        for t in e["transactions"]:
            shown = [
                f"{t['amount'] or '-'} {t['currency'] or ''}".strip(),
                f"e2e {visible(t['end_to_end_id'] or '-')}",
            ]
            for key, label in (
                ("creditor_reference", "ref"),
                ("referred_document_number", "doc"),
                ("counterparty_name", "to/from"),
                ("counterparty_account", "account"),
                ("remittance_text", "text"),
            ):
                if t[key]:
                    shown.append(f"{label} {visible(t[key])}")
            typer.echo("      " + "  ".join(shown))
    for s in data.get("statuses", []):
        reason = f" {visible(s['reason'])}" if s["reason"] else ""
        info = f" ({visible(s['additional_info'])})" if s["additional_info"] else ""
        typer.echo(
            f"  {s['level']:<11} {visible(s['original_end_to_end_id'] or '-')}  {s['status']}{reason}{info}"
        )
