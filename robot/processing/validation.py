"""``fakturarobot validate``: the verdict a run would give a document, or one standard's rules.

With a configuration, each document is decided by the run's own code
(:func:`robot.processing.decision.decide`):
the customer the purchase system names in the sidecar ``<file>.meta.json`` (read by the folder
source's own reader) or else the one whose EAN the invoice is addressed to, the vendor master, the
purchase orders, and a duplicate history that grows with each document, as in a run over an inbox
holding the same files in the same order. Without one, only the document-level rules run with
their defaults. ``standard`` (``en16931``, ``peppol``, ``oioubl``) runs only the rules that mirror
that standard's official rule ids, document-level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from classifiers.api import Context, Finding, RuleSpec
from classifiers.engine import Classifier, DocumentCheck
from robot.errors import ReadError
from robot.processing.decision import Decision, decide, read_or_error, remember
from robot.readers.sandbox import read_bounded

if TYPE_CHECKING:
    from robot.model import Invoice
    from robot.pdftext import TemplateSet
    from robot.processing.context import MasterData

#: official rule id prefixes of each standard: EN 16931 business rules, Peppol BIS 3 (its rules and
#: the Danish national rules DK-R it carries), the OIOUBL schematron (F-INV, F-CRN, F-LIB, ...)
STANDARDS: dict[str, tuple[str, ...]] = {
    "en16931": ("BR-",),
    "peppol": ("PEPPOL-", "DK-R-"),
    "oioubl": ("F-",),
}


def standard_codes(standard: str, rules: Iterable[RuleSpec]) -> list[str]:
    """The codes of the rules that mirror at least one official id of ``standard``."""
    prefixes = STANDARDS[standard]
    return [spec.code for spec in rules if any(i.startswith(prefixes) for i in spec.official_ids)]


@dataclass(frozen=True, slots=True)
class Checked:
    path: Path
    decision: Decision
    format: str | None
    invoice_number: str | None


class Validator:
    """Checks documents one after the other; with ``master``, as one run over them would."""

    def __init__(
        self,
        master: MasterData | None,
        templates: TemplateSet | None,
        *,
        customer: str | None = None,
        standard: str | None = None,
        official: DocumentCheck | None = None,
    ) -> None:
        self.master = master if standard is None else None
        self.templates = templates
        self.customer = customer
        if standard is not None:
            probe = Classifier()
            self.classifier = Classifier(only=standard_codes(standard, probe.rules))
        else:
            checks = [official] if official is not None and self.master is not None else []
            self.classifier = Classifier(document_level_only=self.master is None, document_checks=checks)
        if self.master is not None:
            self.master.with_history(())  # this command's documents only, as they are decided
        self._seen = 0

    def check(self, path: Path) -> Checked:
        content = path.read_bytes()
        meta = self._metadata(path)
        invoice, read_error = self._read(path, content, meta)
        if self.master is not None:
            from robot.store.receipts import sha256_of

            digest = sha256_of(content)
            decision = decide(
                self.master, self.classifier, invoice, read_error, meta, sha256=digest, document=content
            )
            if invoice is not None:
                self._seen += 1
                remember(self.master, -self._seen, invoice, digest)
        elif invoice is None:
            decision = Decision(None, read_error, None, (), "hold", ())
        else:
            result = self.classifier.classify(invoice, Context())
            decision = Decision(
                invoice, None, None, result.findings, result.verdict.value, result.error_types
            )
        fmt = str(invoice.format) if invoice is not None else _format_of(content, str(path))
        number = invoice.number if invoice is not None else _number_of(content, str(path))
        return Checked(path, decision, fmt, number)

    def _read(self, path: Path, content: bytes, meta: dict[str, str]) -> tuple[Invoice | None, str | None]:
        """The invoice as a run reads it (:func:`robot.processing.decision.read_or_error`, given the sidecar's
        metadata); without a configuration there is no sidecar and no store row, only the bytes."""
        if self.master is None:
            try:
                return read_bounded(content, str(path), self.templates), None
            except ReadError as exc:
                return None, str(exc)
        from robot.store.schema import InvoiceRow

        row = InvoiceRow(source="validate", source_ref=path.name, source_meta=meta)
        return read_or_error(row, content, str(path), self.templates)

    def _metadata(self, path: Path) -> dict[str, str]:
        """The sidecar as a run's folder source reads it (an unusable one: ``intake_problem``),
        with ``--customer`` in place of the customer it names."""
        meta: dict[str, str] = {}
        if self.master is not None:
            from connectors.folder import FolderSource

            source = FolderSource(path.parent)
            meta, problem = source._metadata(path.name)  # the folder source's own sidecar reader
            if problem:
                from connectors.base import INTAKE_PROBLEM

                meta[INTAKE_PROBLEM] = problem
        if self.customer is not None:
            meta["customer"] = self.customer
        return meta


def _format_of(content: bytes, filename: str) -> str | None:
    """The syntax of a document that could not be read as an invoice, when it can be told."""
    from robot.readers import detect_format

    try:
        return str(detect_format(content, filename))
    except ReadError:
        return None


def _number_of(content: bytes, filename: str) -> str | None:
    """BT-1 of an unreadable XML invoice, when its root names one (UBL ``cbc:ID``, CII
    ``ExchangedDocument/ID``); None for anything else."""
    from robot.readers import parse_xml
    from robot.readers.detect import document_root
    from robot.readers.nodes import clean, local_name

    if content.lstrip()[:4] == b"%PDF":
        return None
    try:
        root = document_root(parse_xml(content, filename))
    except ReadError:
        return None
    for child in root.iterchildren("{*}*"):
        if local_name(child) == "ID":
            return clean(child.text) or None
        if local_name(child) == "ExchangedDocument":
            found = next((c for c in child.iterchildren("{*}ID")), None)
            return (clean(found.text) or None) if found is not None else None
    return None


def to_json(checked: Checked) -> dict[str, Any]:
    """One ``validate --json`` line: ``file``, ``format``, ``invoice_number``, ``verdict`` first."""
    d = checked.decision
    out: dict[str, Any] = {
        "file": str(checked.path),
        "format": checked.format,
        "invoice_number": checked.invoice_number,
        "verdict": d.verdict,
    }
    if d.invoice is None:
        out["error"] = _reason(d.read_error, checked.path)
        out["findings"] = []
    else:
        out["findings"] = [f.to_json() for f in d.findings]
    out["customer"] = d.customer_id
    out["error_types"] = list(d.error_types)
    return out


def _reason(read_error: str | None, path: Path) -> str:
    """The reader's reason without the file name it starts with (the ``file`` key has it)."""
    text = read_error or "unreadable"
    prefix = f"{path}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def blocking(checked: Checked) -> list[Finding]:
    return [f for f in checked.decision.findings if f.blocks]
