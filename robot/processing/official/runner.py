"""Running official artefacts on a document with Saxon (the optional ``[official]`` extra: saxonche).

Each artefact is compiled once per process, when a document first needs it, and kept. A document
is parsed by the robot's own hardened parser (:func:`robot.readers.xmlsafe.parse_xml`: no DTD, no
entities, no network, bounded depth) and handed to Saxon re-serialised, so an official artefact
never sees a construct the robot's reader refused. What the artefact reports becomes
:class:`Fired` rules: SVRL ``failed-assert`` / ``successful-report`` with their id and flag, or
OIOUBL 2.1's ``<Schematron><Error>``, whose severity the rule id's letter gives (``F-`` fatal,
``W-`` warning).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Literal

from lxml import etree

from robot.processing.official.artefacts import OIOUBL_REPORTS, Artefact

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
_OIOUBL_ID = re.compile(r"\b([FW]-[A-Z]{3}[0-9]{3})\b")
_BRACKETED_ID = re.compile(r"\[([^\]]{1,60})\]")
_REPORT_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class SaxonMissing(RuntimeError):
    """``official_rules`` is configured but saxonche is not installed."""


@dataclass(frozen=True, slots=True)
class Fired:
    """One official rule that failed on the document."""

    official_id: str
    severity: Literal["error", "warning"]
    text: str  # the artefact's own text (its rule's message), whitespace collapsed, at most 300 characters
    location: str | None  # the XPath the artefact names (built from the document's element names)


def saxon_available() -> bool:
    try:
        import saxonche  # noqa: F401
    except ImportError:
        return False
    return True


class Saxon:
    """One Saxon processor and the artefacts it compiled; thread-safe (Saxon's processor is not)."""

    def __init__(self) -> None:
        try:
            from saxonche import PySaxonProcessor
        except ImportError as exc:
            raise SaxonMissing("official_rules needs saxonche: pip install 'fakturarobot[official]'") from exc
        self._proc: Any = PySaxonProcessor(license=False)
        self._compiled: dict[str, Any] = {}
        self._lock = threading.Lock()

    def compile(self, artefact: Artefact) -> None:
        """Compile now (``check-config --probe``, a robot starting), not at the first document."""
        with self._lock:
            self._executable(artefact)

    def run(self, artefact: Artefact, xml_text: str) -> list[Fired]:
        """The rules ``artefact`` reports failed on the document (serialised XML text)."""
        with self._lock:
            node = self._proc.parse_xml(xml_text=xml_text)
            report = self._executable(artefact).transform_to_string(xdm_node=node)
        return parse_report(report or "", oioubl=artefact.rule_set in OIOUBL_REPORTS)

    def _executable(self, artefact: Artefact) -> Any:
        key = artefact.sha256
        if key not in self._compiled:
            xslt = self._proc.new_xslt30_processor()
            if artefact.rule_set in OIOUBL_REPORTS:  # the OIOUBL 2.1 stylesheets need the optimiser off
                self._proc.set_configuration_property("http://saxon.sf.net/feature/optimizationLevel", "0")
            self._compiled[key] = xslt.compile_stylesheet(stylesheet_file=str(artefact.path))
        return self._compiled[key]


def parse_report(report: str, *, oioubl: bool) -> list[Fired]:
    """The failed rules of an SVRL report, or of an OIOUBL 2.1 ``<Schematron>`` report."""
    root = etree.fromstring(report.encode("utf-8"), _REPORT_PARSER)
    fired: list[Fired] = []
    if oioubl:
        for err in root.iter("Error"):
            text = _collapsed(err.findtext("Description") or _text_of(err))
            match = _OIOUBL_ID.search(text)
            rule_id = match.group(1) if match else (err.get("context") or "?").strip()[:60]
            severity: Literal["error", "warning"] = "warning" if rule_id.startswith("W-") else "error"
            fired.append(Fired(rule_id, severity, text, err.findtext("Xpath")))
        return fired
    for fa in root.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        text = _collapsed(_text_of(fa))
        rule_id = (fa.get("id") or "").strip()
        if not rule_id:
            match = _BRACKETED_ID.match(text)
            rule_id = match.group(1) if match else "?"
        flag = (fa.get("flag") or "error").lower()
        fired.append(Fired(rule_id, "warning" if flag == "warning" else "error", text, fa.get("location")))
    return fired


def _text_of(el: etree._Element) -> str:
    return "".join(str(part) for part in el.itertext())


def _collapsed(text: str) -> str:
    return " ".join(text.split())[:300]
