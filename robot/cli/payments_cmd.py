"""``payments``: the payments read from bank files, and what the robot matched them to.

    fakturarobot payments                 # the newest payments: matched, rejected, unmatched
    fakturarobot payments --unmatched     # only those the robot did not match, with their candidates
    fakturarobot payments --unmatched --json

and :func:`bank_import` (``fakturarobot bank import [--config F] [FILE...]``): the bank files given,
or those of the configured ``bank:`` connector, stored, read and matched to the posted invoices.
Supplier-written text (names, remittance text) is shown through :func:`robot.cli.safe_text.visible`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from robot.cli.common import CFG, DB, EXIT_CONFIG, EXIT_FINDINGS, EXIT_OK, config_path
from robot.cli.store_lookup import cli_store

LIMIT = typer.Option(100, "--limit", min=1, max=10_000, help="At most this many, newest first")


def payments(
    unmatched: bool = typer.Option(
        False, "--unmatched", help="Only payments matched to no invoice or to several"
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON Lines: one object per payment"),
    limit: int = LIMIT,
    database: str | None = DB,
    config: Path | None = CFG,
) -> None:
    """Payments from bank files: payments [--unmatched] [--json] lists them with the invoices they
    paid; --unmatched only those matched to no invoice or to several, with their candidates."""
    from robot.store.payments import AMBIGUOUS, MATCHED, REJECTED, UNMATCHED, Payments

    with cli_store(database, config) as store:
        book = Payments(store.sessions)
        statuses = (UNMATCHED, AMBIGUOUS) if unmatched else (MATCHED, REJECTED, UNMATCHED, AMBIGUOUS)
        rows = [(row, book.matches_of(row.id)) for row in book.listed(statuses, limit=limit)]
    for row, matches in rows:
        data = _json(row, matches)
        if as_json:
            typer.echo(json.dumps(data, ensure_ascii=False))
        else:
            _show(data)
    if not rows and not as_json:
        typer.echo("no unmatched payments" if unmatched else "no payments")


def _json(row: Any, matches: list[tuple[int, Any]]) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "evidence": row.evidence,
        "direction": row.direction,
        "amount": None if row.amount is None else str(row.amount),
        "currency": row.currency,
        "booking_date": None if row.booking_date is None else row.booking_date.isoformat(),
        "bank_reference": row.bank_reference,
        "end_to_end_id": row.end_to_end_id,
        "creditor_reference": row.creditor_reference,
        "referred_document_number": row.referred_document_number,
        "remittance_text": row.remittance_text,
        "counterparty_name": row.counterparty_name,
        "counterparty_account": row.counterparty_account,
        "reason": row.reason,
        "invoices": [{"invoice_id": i, "amount": None if a is None else str(a)} for i, a in matches],
        "candidates": list(row.candidates.get("invoices", [])),
    }


def _show(p: dict[str, Any]) -> None:
    from robot.cli.safe_text import visible

    amount = f"{p['amount'] or '-'} {p['currency'] or ''}".strip()
    typer.echo(
        f"{p['id']:>6}  {p['status']:<9} {amount:>18}  booked {p['booking_date'] or '-'}  "
        f"ref {visible(p['bank_reference'] or '-')}  to {visible(p['counterparty_name'] or '-')}"
    )
    said = [p["end_to_end_id"], p["creditor_reference"], p["referred_document_number"], p["remittance_text"]]
    typer.echo(f"        says: {visible(' | '.join(s for s in said if s) or '-')}")
    for m in p["invoices"]:
        typer.echo(f"        invoice {m['invoice_id']}  {m['amount'] or '-'}  ({p['evidence'] or '-'})")
    if p["reason"]:
        typer.echo(f"        why: {visible(p['reason'])}")
    for c in p["candidates"]:
        typer.echo(
            f"        candidate invoice {c['invoice_id']}  {visible(c.get('invoice_number') or '-')}  "
            f"{visible(c.get('supplier_name') or '-')}  left {c.get('remaining') or '-'} "
            f"{c.get('currency') or ''}  ({visible(c.get('why') or '')})"
        )


def bank_import(config: Path | None, files: list[Path], *, as_json: bool = False) -> int:
    """Import ``files`` (or the configured bank connector's) into the configuration's store; the exit code."""
    from pydantic import ValidationError

    from robot.bank.importer import PaymentImporter
    from robot.bank.source import build_bank
    from robot.configuration.settings import load_config
    from robot.errors import ConfigError

    try:
        loaded = load_config(config_path(config))
        spec = loaded.cfg.bank
        source = None
        if not files:
            if spec is None:
                raise ConfigError("no bank files given and no bank: connector in the configuration")
            source = build_bank(spec.kind, spec.settings(), loaded.base_dir)
        accounts, templates = _vendor_accounts(loaded), loaded.pdf_templates()
    except (ConfigError, ValidationError) as exc:
        typer.echo(f"error: {getattr(exc, 'message', exc)}", err=True)
        return EXIT_CONFIG
    # $FAKTURAROBOT_DATABASE_URL wins, as elsewhere
    with cli_store(None, loaded.path, read_only=False) as store:
        importer = PaymentImporter(
            store,
            alert_to=loaded.cfg.alerts.to,
            supplier_accounts=accounts,
            pdf_templates=templates,
            responder=loaded.cfg.responder,
            known_eans=_customer_eans(loaded),
        )
        try:
            outcomes = importer.import_files(files) if source is None else importer.import_source(source)
        finally:
            if source is not None:
                source.close()
    for o in outcomes:
        if as_json:
            typer.echo(json.dumps({"file": o.file, **{k: v for k, v in vars_of(o).items() if k != "file"}}))
            continue
        from robot.cli.safe_text import visible

        if o.error:
            typer.echo(f"{visible(o.file)}: not imported: {visible(o.error)}")
        else:
            typer.echo(
                f"{visible(o.file)}: {o.recorded} payments recorded ({o.matched} matched, {o.unmatched} "
                f"unmatched, {o.ambiguous} ambiguous, {o.rejected} returned or rejected), "
                f"{o.alerts} alerts queued{'' if o.new else '; seen before'}"
            )
    return EXIT_FINDINGS if any(o.error for o in outcomes) else EXIT_OK


def _customer_eans(loaded: Any) -> set[str]:
    """The customers' EANs: a customer named as buyer answers for itself, as for a return."""
    from robot.configuration.masterdata import load_customers

    return {ean for c in load_customers(loaded.file(loaded.cfg.customers)).customers for ean in c.eans}


def _vendor_accounts(loaded: Any) -> dict[str, list[str | None]]:
    """The vendor master's accounts per supplier CVR (the invoices' supplier key)."""
    from robot.configuration.masterdata import load_vendors

    path = loaded.file(loaded.cfg.vendors)
    found: dict[str, list[str | None]] = {}
    for v in load_vendors(path):
        if v.cvr:
            domestic = (v.bank_reg or "") + (v.bank_account or "") if v.bank_account else None
            found.setdefault(v.cvr, []).extend(
                [domestic, v.bank_account, v.iban, v.fik_creditor, v.giro_account]
            )
    return found


def vars_of(outcome: Any) -> dict[str, Any]:
    return {name: getattr(outcome, name) for name in outcome.__slots__}
