"""The official validation artefacts (EN 16931, Peppol BIS 3, OIOUBL) as an optional check beside
the native rules: which a folder holds (:mod:`.artefacts`), running them with Saxon
(:mod:`.runner`, the ``[official]`` extra) and what they report as findings (:mod:`.layer`)."""

from robot.processing.official.layer import OFFICIAL_CODE, UNDECIDED_CODE, OfficialRules

__all__ = ["OFFICIAL_CODE", "UNDECIDED_CODE", "OfficialRules"]
