"""Which official validation artefacts a folder holds: each XSLT file named by the rule set it is,
for which documents, and its version; nothing is compiled here (no saxonche needed).

A folder of official releases, unpacked as published (any depth)::

    official/en16931/ubl/xslt/EN16931-UBL-validation.xslt     EN 16931 UBL, "Schematron version 1.3.16"
    official/en16931/cii/xslt/EN16931-CII-validation.xslt     EN 16931 CII
    official/peppol/2025.5/xslt/CEN-EN16931-UBL.xslt          the CEN rules as Peppol ships them
    official/peppol/2025.5/xslt/PEPPOL-EN16931-UBL.xslt       Peppol BIS 3 (its version: the folder)
    official/oioubl/Stylesheets/OIOUBL_Invoice_Schematron.xsl OIOUBL 2.1, "Version 1.17.2..."

A file is known by what it says of itself (its SVRL title) and, for the OIOUBL rules, which
write no SVRL, by its official file name. A file that is none of these (another document type's
rules, the self-billing variant, a Factur-X profile) is listed as ignored, with why. Two files
for the same rule set (two Peppol releases side by side) are a configuration error: which one
judges must not depend on the order of a folder listing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

#: rule set → what people call it (check-config, finding texts)
TITLES: dict[str, str] = {
    "en16931-ubl": "EN 16931 (UBL)",
    "en16931-cii": "EN 16931 (CII)",
    "peppol-cen-ubl": "EN 16931 (UBL, as Peppol BIS 3 ships it)",
    "peppol-ubl": "Peppol BIS 3 (UBL)",
    "peppol-cii": "Peppol BIS 3 (CII)",
    "oioubl-2.1-invoice": "OIOUBL 2.1 Invoice",
    "oioubl-2.1-creditnote": "OIOUBL 2.1 CreditNote",
    "oioubl-3-invoice": "OIOUBL 3 Invoice",
    "oioubl-3-creditnote": "OIOUBL 3 CreditNote",
}
#: rule sets whose report is OIOUBL's own ``<Schematron><Error>`` format, not SVRL
OIOUBL_REPORTS = frozenset({"oioubl-2.1-invoice", "oioubl-2.1-creditnote"})

_HEAD = 64 * 1024  # what is read of a file to know it
_TITLE = re.compile(rb'<svrl:schematron-output[^>]*\btitle="([^"]*)"')
_SCHEMATRON_VERSION = re.compile(rb"Schematron version ([0-9][0-9A-Za-z.\-]*)")
_STATED_VERSION = re.compile(rb"\bVersion ([0-9]+(?:\.[0-9]+)+)")
_FOLDER_VERSION = re.compile(r"[0-9]{1,4}(?:\.[0-9]+)+")
_UBL_INVOICE = b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
_CII = b"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
_BY_NAME = {
    "oioubl_invoice_schematron.xsl": "oioubl-2.1-invoice",
    "oioubl_creditnote_schematron.xsl": "oioubl-2.1-creditnote",
    "oioubl-invoice.xslt": "oioubl-3-invoice",
    "oioubl-creditnote.xslt": "oioubl-3-creditnote",
}


@dataclass(frozen=True, slots=True)
class Artefact:
    """One official XSLT file: the rule set it is, its version and the file."""

    rule_set: str  # a key of TITLES
    version: str
    path: Path
    sha256: str

    @property
    def title(self) -> str:
        return TITLES[self.rule_set]

    def describe(self) -> str:
        """``Peppol BIS 3 (UBL) 2025.5 (PEPPOL-EN16931-UBL.xslt, sha256 1a2b3c4d…)``"""
        return f"{self.title} {self.version} ({self.path.name}, sha256 {self.sha256[:12]}…)"


@dataclass(frozen=True, slots=True)
class Discovered:
    """What a folder holds: the artefacts by rule set, the files ignored (with why) and the errors."""

    artefacts: dict[str, Artefact]
    ignored: list[str]
    errors: list[str]


def discover(folder: Path) -> Discovered:
    """Every official artefact under ``folder`` (``*.xsl``, ``*.xslt``, any depth), known by its content."""
    if not folder.is_dir():
        return Discovered({}, [], [f"{folder}: official_rules folder not found"])
    found: dict[str, list[Artefact]] = {}
    ignored: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".xsl", ".xslt") and p.is_file()):
        content = path.read_bytes()
        rule_set, why = _rule_set(path, content[:_HEAD])
        if rule_set is None:
            ignored.append(f"{path}: {why}")
            continue
        artefact = Artefact(
            rule_set, _version(path, content[:_HEAD]), path, hashlib.sha256(content).hexdigest()
        )
        found.setdefault(rule_set, []).append(artefact)
    errors = [
        f"{folder}: {len(same)} artefacts for {TITLES[rule_set]}: "
        + "; ".join(a.describe() + f" at {a.path}" for a in same)
        + "; keep one (which judges must not depend on a folder listing)"
        for rule_set, same in found.items()
        if len(same) > 1
    ]
    if not found and not errors:
        errors.append(
            f"{folder}: no official validation artefact found (*.xsl, *.xslt: EN 16931, Peppol, OIOUBL)"
        )
    return Discovered({k: v[0] for k, v in found.items() if len(v) == 1}, ignored, errors)


def _rule_set(path: Path, head: bytes) -> tuple[str | None, str]:
    """The rule set a file is, or None and why it is not one the robot runs."""
    name = path.name.lower()
    if name in _BY_NAME:
        return _BY_NAME[name], ""
    match = _TITLE.search(head)
    title = match.group(1).decode("utf-8", "replace").lower() if match else ""
    cii = _CII in head and _UBL_INVOICE not in head
    if "-sb." in name or "self-billing" in title:
        return None, "the self-billing rules (not invoices a customer receives)"
    if "en16931" in title.replace(" ", "") and "bound to" in title and name.startswith(("en16931-", "cen-")):
        if "bound to cii" in title:
            return "en16931-cii", ""
        return ("peppol-cen-ubl" if name.startswith("cen-") else "en16931-ubl"), ""
    if "peppol bis 3.0 billing" in title:
        return ("peppol-cii" if cii else "peppol-ubl"), ""
    if not match:
        return None, "not a Schematron validation artefact (no SVRL output)"
    return (
        None,
        f"validation artefact {match.group(1).decode('utf-8', 'replace')[:80]!r} is not an invoice rule set",
    )


def _version(path: Path, head: bytes) -> str:
    """The version the file states (``Schematron version 1.3.16``, ``Version 1.17.2``), else the
    nearest folder named like a version (``2025.5``), else ``version not stated``."""
    for pattern in (_SCHEMATRON_VERSION, _STATED_VERSION):
        if match := pattern.search(head):
            return match.group(1).decode("ascii")
    for parent in path.parents:
        if _FOLDER_VERSION.fullmatch(parent.name):
            return parent.name
    return "version not stated"
