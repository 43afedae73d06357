"""The official artefacts as a check beside the native rules: what they report becomes findings.

Configured with ``official_rules: FOLDER`` (off by default; :mod:`.artefacts` says what a folder
may hold). For each XML document the rule sets that judge its syntax and profile run on its
bytes (:mod:`.runner`); every failed official rule becomes a finding that claims the official id:

- a native rule already reporting that id on the document: nothing more (the native finding,
  with its field and its Danish text, says it better);
- a native rule mirroring the id but silent on the document: the official verdict wins, with
  that rule's codes (its error type, disposition and Invoice Response status, reason, action);
- an id the robot does not mirror: returned to the customer with the error type of what the rule
  is about (:mod:`.dispositions`: a reference REF, a payment detail PAY, else a legal error LEG),
  or a warning when the artefact flags one.

An artefact that crashes on a document holds that document (``OFFICIAL-UNDECIDED``) and no other:
the configuration promised the official check, and it did not happen. A PDF is not judged here (no
artefact runs on a printed invoice; the native rules are its only check).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from classifiers.api import Finding
from classifiers.builtin.en16931_codes import rule_set
from classifiers.finding import hold_finding
from classifiers.registry import Registry, RuleSpec
from robot.codes import Action, Reason, SourceFormat, Status
from robot.errors import ConfigError, ReadError
from robot.model import Invoice
from robot.processing.official.artefacts import Artefact, Discovered, discover
from robot.processing.official.dispositions import dispose
from robot.processing.official.runner import Fired, Saxon
from robot.readers.xmlsafe import parse_xml

OFFICIAL_CODE = "OFFICIAL-RULE"
UNDECIDED_CODE = "OFFICIAL-UNDECIDED"


class OfficialRules:
    """The official artefacts of one folder, compiled on first use and kept for the process."""

    def __init__(self, folder: Path, discovered: Discovered, registry: Registry) -> None:
        self.folder = folder
        self.artefacts = discovered.artefacts
        self.ignored = discovered.ignored
        self._saxon: Saxon | None = None
        self._mirrors: dict[str, RuleSpec] = {
            official_id: spec for spec in registry for official_id in spec.official_ids
        }

    @classmethod
    def load(cls, folder: Path, registry: Registry) -> OfficialRules:
        """The folder's artefacts; a ConfigError names what is wrong with it (missing, empty, ambiguous)."""
        discovered = discover(folder)
        if discovered.errors:
            raise ConfigError("; ".join(discovered.errors), file=str(folder))
        return cls(folder, discovered, registry)

    def versions(self) -> list[str]:
        """One line per loaded artefact: rule set, version, file and its digest (``check-config``)."""
        return [a.describe() for a in self.artefacts.values()]

    def gaps(self) -> list[str]:
        """Which documents no loaded artefact judges (they get the native rules only)."""
        judged = {
            "Peppol BIS 3 UBL": {"peppol-ubl"},
            "EN 16931 UBL": {"en16931-ubl"},
            "CII": {"en16931-cii"},
            "OIOUBL 2.1": {"oioubl-2.1-invoice", "oioubl-2.1-creditnote"},
            "OIOUBL 3": {"oioubl-3-invoice", "oioubl-3-creditnote"},
        }
        return [
            f"no artefact for {what} documents ({', '.join(sorted(needed - set(self.artefacts)))} missing): "
            "the native rules only"
            for what, needed in judged.items()
            if needed - set(self.artefacts)
        ]

    def compile_all(self) -> None:
        """Compile every artefact now (``check-config --probe``); a run compiles each when a document
        first needs it."""
        for artefact in self.artefacts.values():
            self._runner().compile(artefact)

    def applicable(self, invoice: Invoice) -> list[Artefact]:
        """The artefacts that judge this document, as the official validation picks them."""
        fmt, rules = invoice.format, rule_set(invoice)  # as the native code-list rules pick it
        if rules == "peppol":
            wanted = ["peppol-cen-ubl" if "peppol-cen-ubl" in self.artefacts else "en16931-ubl", "peppol-ubl"]
        elif rules == "en16931-ubl":
            wanted = ["en16931-ubl"]
        elif rules == "en16931-cii":
            peppol = "peppol.eu" in (invoice.customization_id or "")
            wanted = ["en16931-cii", *(["peppol-cii"] if peppol else [])]
        elif fmt in (SourceFormat.OIOUBL_2, SourceFormat.OIOUBL_3):
            version = "2.1" if fmt == SourceFormat.OIOUBL_2 else "3"
            wanted = [f"oioubl-{version}-{'creditnote' if invoice.is_credit_note else 'invoice'}"]
        else:
            wanted = []  # a printed PDF: no official artefact runs on it
        return [self.artefacts[name] for name in wanted if name in self.artefacts]

    def check(self, document: bytes, invoice: Invoice, native: Sequence[Finding]) -> list[Finding]:
        """The findings the official artefacts add to the native ones on this document."""
        artefacts = self.applicable(invoice)
        if not artefacts:
            return []
        try:
            text = etree.tostring(parse_xml(document), encoding="unicode")
        except ReadError as exc:  # it was read, so this is unexpected: say so, hold it
            return [_undecided(artefacts[0], f"ReadError: {exc}")]
        claimed = {official_id for f in native for official_id in f.official_ids}
        found: list[Finding] = []
        for artefact in artefacts:
            try:
                fired = self._runner().run(artefact, text)
            except Exception as exc:  # the artefact crashed on this document: it only
                found.append(_undecided(artefact, f"{type(exc).__name__}: {exc}"))
                continue
            for rule in fired:
                if rule.official_id in claimed:
                    continue
                claimed.add(rule.official_id)  # (reported once, however often it fires)
                found.append(self._finding(artefact, rule))
        return found

    def _runner(self) -> Saxon:
        if self._saxon is None:
            self._saxon = Saxon()
        return self._saxon

    def _finding(self, artefact: Artefact, rule: Fired) -> Finding:
        spec = self._mirrors.get(rule.official_id)
        text = printable(rule.text)
        where = f"{artefact.title} {artefact.version}"
        codes = dispose(rule.official_id, text, spec)
        return Finding(
            code=spec.code if spec is not None else OFFICIAL_CODE,
            official_ids=(rule.official_id,),
            severity=rule.severity,
            disposition=codes.disposition,
            status=codes.status,
            reason=codes.reason,
            action=codes.action,
            field=spec.field if spec is not None else None,
            message_da=f"Den officielle regel {rule.official_id} ({where}) er ikke opfyldt: {text}",
            message_en=f"The official rule {rule.official_id} ({where}) is not met: {text}",
            found=printable(rule.location or "")[:200] or None,
        )


def printable(text: str) -> str:
    """The artefact's text without control characters (it can quote the document's values)."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _undecided(artefact: Artefact, detail: str) -> Finding:
    detail = printable(detail)[:300]
    rules = f"{artefact.title} {artefact.version}"
    return hold_finding(
        UNDECIDED_CODE,
        Status.UQ,
        Reason.OTH,
        Action.NOA,
        None,
        f"De officielle regler ({rules}) kunne ikke afgøre dokumentet ({detail}); "
        "fakturaen skal kontrolleres manuelt.",
        f"The official rules ({rules}) could not judge the document ({detail}); "
        "the invoice needs a manual check.",
        found=artefact.path.name,
    )
