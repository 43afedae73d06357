"""The manifest of the demo set: per file the scenario, the expected verdict and the reason code.

Integration tests assert the robot's verdicts against it::

    >>> manifest = load_manifest(Path("samples/manifest.yaml"))
    >>> manifest.entry("0001-peppol-clean.xml").verdict
    'post'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from robot.errors import ConfigError


@dataclass(frozen=True)
class ManifestEntry:
    file: str
    scenario: str
    format: str  # SourceFormat value: peppol-bis3, oioubl-2
    document_type: str  # invoice | credit_note
    customer: str | None  # customer id, None when the EAN belongs to no customer
    verdict: str  # post | return | hold
    reason: str | None  # Invoice Response reason code (OPStatusReason), None for post
    official_ids: tuple[str, ...]  # official rule ids the document fires (error severity)
    warnings: tuple[str, ...]  # reason codes of expected warnings (they do not block)
    related_to: str | None  # the earlier file a duplicate or credit note refers to
    description_da: str
    description_en: str
    sha256: str

    def to_yaml(self) -> dict[str, Any]:
        data = asdict(self)
        data["official_ids"] = list(self.official_ids)
        data["warnings"] = list(self.warnings)
        return data


@dataclass(frozen=True)
class Manifest:
    seed: int
    entries: tuple[ManifestEntry, ...]

    def entry(self, file: str) -> ManifestEntry:
        for e in self.entries:
            if e.file == file:
                return e
        raise KeyError(f"{file!r} is not in the manifest")

    def to_yaml(self) -> dict[str, Any]:
        return {"seed": self.seed, "documents": [e.to_yaml() for e in self.entries]}


def load_manifest(path: Path) -> Manifest:
    """Read ``manifest.yaml`` as written by :func:`robot.demo.samplegen.generate`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        names = {f.name for f in fields(ManifestEntry)}
        entries = []
        for doc in data["documents"]:
            doc = {k: v for k, v in doc.items() if k in names}
            doc["official_ids"] = tuple(doc["official_ids"])
            doc["warnings"] = tuple(doc["warnings"])
            entries.append(ManifestEntry(**doc))
        return Manifest(seed=int(data["seed"]), entries=tuple(entries))
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(f"not a sample manifest: {exc}", file=str(path)) from None
