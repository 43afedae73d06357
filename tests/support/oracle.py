"""Run the official-rules oracle from tests: compiled once per session, skipped cleanly when absent.

The oracle (``../shared/tools/schematron_oracle.py``) runs the official Schematron artefacts
(EN 16931, Peppol BIS 3 incl. DK-R, OIOUBL 2.1, OIOUBL 3) with saxonche. Tests use it as the
ground truth for differential checks::

    from tests.support.oracle import oracle_fired, iter_vefa_cases

    fired = oracle_fired(path_or_bytes)              # {"BR-CO-10", ...}: every id that fired
    "DK-R-010" in oracle_rule_ids("peppol")          # True: the ids a rule set can report
    errors = oracle_fired(doc, severity="error")     # only the error-flagged ones
    for case in iter_vefa_cases(corpora_path("peppol-bis-invoice-3/rules/unit-UBL-DK")):
        fired = oracle_fired(case.document, rules=case.rules)
        assert case.errors <= fired

``oracle_fired`` skips the calling test when saxonche or the oracle is missing, and raises
:class:`OracleUndecided` when an official artefact itself crashed on the input (no verdict).
Results are cached per document content and rule set for the whole session.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pytest
from lxml import etree

ORACLE = Path(__file__).resolve().parents[3] / "shared" / "tools" / "schematron_oracle.py"
VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
_reports: dict[tuple[str, str], dict[str, Any]] = {}


class OracleUndecided(RuntimeError):
    """The official artefact crashed on the document: the oracle gives no verdict."""


@cache
def _oracle() -> Any:
    """The oracle object, compiled lazily; skips the test when it cannot run here."""
    return _oracle_module().Oracle()


@cache
def _oracle_module() -> Any:
    """The oracle's module (imported from its path); skips the test when it cannot run here."""
    if not ORACLE.exists():
        pytest.skip(f"official-rules oracle not available: {ORACLE} is absent")
    try:
        import saxonche  # noqa: F401
    except ImportError:
        pytest.skip("official-rules oracle needs saxonche (pip install saxonche)")
    spec = importlib.util.spec_from_file_location("schematron_oracle", ORACLE)
    if spec is None or spec.loader is None:
        pytest.skip(f"cannot import the oracle from {ORACLE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_RULE_ID = re.compile(rb'<xsl:attribute name="id">([^<]+)</xsl:attribute>|\b([FW]-[A-Z]{3}\d{3})\b')


@cache
def oracle_rule_ids(rules: str) -> frozenset[str]:
    """Every rule id the artefacts of one oracle rule set can report (``"peppol"`` → BR-*, PEPPOL-*, DK-R-*).

    An id outside this set can never fire under that rule set: a rule of ours claiming it there is
    wrong, and not firing it there tells nothing.
    """
    ids: set[str] = set()
    for artefact in _oracle_module().ARTEFACTS[rules]:
        for svrl_id, oioubl_id in _RULE_ID.findall(Path(artefact).read_bytes()):
            ids.add((svrl_id or oioubl_id).decode().strip())
    return frozenset(ids)


def oracle_report(document: str | Path | bytes, rules: str = "auto") -> dict[str, Any]:
    """The oracle's raw answer (``{"rules", "fired": [{"id", "severity", ...}]}`` or ``undecided``)."""
    xml = document if isinstance(document, bytes) else Path(document).read_bytes()
    key = (hashlib.sha256(xml).hexdigest(), rules)
    if key not in _reports:
        _reports[key] = _oracle().check(xml, rules)
    return _reports[key]


def oracle_fired(
    document: str | Path | bytes,
    rules: str = "auto",
    severity: Literal["any", "error", "warning"] = "any",
) -> set[str]:
    """The official rule ids that fire on a document (optionally only errors or only warnings)."""
    report = oracle_report(document, rules)
    if "undecided" in report:
        raise OracleUndecided(f"oracle ({report.get('rules')}) gave no verdict: {report['undecided']}")
    return {f["id"] for f in report["fired"] if severity == "any" or f["severity"] == severity}


class VefaCase(NamedTuple):
    """One ``<test>`` of a VEFA unit test set (Peppol's ``rules/unit-*`` folders)."""

    name: str  # "<file stem>#<1-based test number>"
    document: bytes  # the invoice/credit note fragment, serialised on its own
    errors: frozenset[str]  # ids that must fire (VEFA <error> and <warning>)
    successes: frozenset[str]  # ids that must not fire (VEFA <success>)
    rules: str  # the oracle rule set for this test set ("peppol", "en16931-cii", ...)


def vefa_rule_set(configuration: str) -> str:
    """The oracle rule set for a VEFA ``configuration`` attribute."""
    conf = configuration.lower()
    if "cii" in conf:
        return "en16931-cii"
    if "peppol" in conf or "ubl" in conf:
        return "peppol"
    return "auto"


def iter_vefa_cases(directory: str | Path) -> Iterator[VefaCase]:
    """Every test of every ``*.xml`` VEFA test set in a folder, in file order."""
    for path in sorted(Path(directory).glob("*.xml")):
        root = etree.parse(str(path), _PARSER).getroot()
        rules = vefa_rule_set(root.get("configuration", ""))
        for number, test in enumerate(root.iter(f"{VEFA}test"), start=1):
            assertion = test.find(f"{VEFA}assert")
            errors: set[str] = set()
            successes: set[str] = set()
            if assertion is not None:
                for child in assertion:
                    text = (child.text or "").strip()
                    if child.tag in (f"{VEFA}error", f"{VEFA}warning") and text:
                        errors.add(text)
                    elif child.tag == f"{VEFA}success" and text:
                        successes.add(text)
            documents = [c for c in test if isinstance(c.tag, str) and not c.tag.startswith(VEFA)]
            if not documents:
                continue
            yield VefaCase(
                name=f"{path.stem}#{number}",
                document=etree.tostring(documents[0], encoding="UTF-8", xml_declaration=True),
                errors=frozenset(errors),
                successes=frozenset(successes),
                rules=rules,
            )
