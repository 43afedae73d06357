"""The seller: its VAT id (or Danish CVR number) and name, told apart from the buyer's.

Every id or name found belongs to a *block*: the lines above it in the same column up to a blank
gap. A block under a buyer's label (Kunde, Faktureres til, Bill to, Rechnungsempfänger, Käufer...)
is not the seller's; one under Sælger/Leverandør/Seller/Verkäufer is. A CVR number must pass the
modulus-11 check (``stdnum.dk.cvr``); a foreign VAT id its country's format.

    >>> from robot.pdftext.layout.text import lines_of
    >>> text = "Kontorland A/S\\nCVR-nr. 13585628\\n\\n\\nKunde:\\nStyrelsen ApS\\nCVR 25313763"
    >>> seller = find_seller(lines_of(text))
    >>> seller.vat.value if seller.vat else None, seller.name.value if seller.name else None
    ('DK13585628', 'Kontorland A/S')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.dk import cvr as dk_cvr
from stdnum.eu import vat as eu_vat

from robot.pdftext.layout.labels import OTHER_PARTY, SELLER
from robot.pdftext.layout.text import Candidate, Segment, TextLine, distinct

_CVR = re.compile(
    r"\b(?:CVR|SE)(?:[\s.-]*(?:nr|nummer|no)\.?)?\s*[:.]?\s*(?:DK[\s-]?)?(\d{2}\s?\d{2}\s?\d{2}\s?\d{2})(?!\d)",
    re.IGNORECASE,
)
_VAT = re.compile(
    r"(?i:\bVAT(?:[\s.-]*(?:no|nr|number|id|reg(?:istration)?\.?\s*no)\.?)?|\bMoms[\s-]*nr\.?|"
    r"\bUSt\.?[\s-]*Id(?:Nr)?\.?[\s-]*(?:Nr\.?)?|\bUStID#?|\bUID(?:-Nr\.?)?|\bN°\s*TVA(?:\s*intra(?:com)?)?|"
    r"\bTVA|\bMwSt[\s.-]*Nr\.?|\bVAT\s*ID)\s*[:.#]?\s*"
    r"(?P<id>[A-Z]{2}(?:[\s-]?[0-9A-Z]){8,14})(?![0-9A-Z])"
)
LEGAL_FORM = (
    r"A/S|ApS|I/S|K/S|P/S|IVS|A\.m\.b\.a\.|AMBA|GmbH(?:\s*&\s*Co\.?(?:\s*KG)?)?|GMBH|AG|KG|OHG|e\.K\.|e\.V\.|SE|"
    r"Ltd\.?|Limited|LLC|Inc\.?|PLC|S\.A\.S?\.?|SAS|SARL|S\.à\s?r\.l\.|AB|ASA|AS|Oy|B\.V\.|BV|N\.V\.|NV"
)
_NAMED = re.compile(rf"^(?P<name>[^\d:•●|·,]{{2,60}}?\s(?:{LEGAL_FORM}))(?=\s*$|\s*[,•●|·]|\s+-\s)")
_NAME_LABEL = re.compile(r"^(?:name|navn|firma|firmenname)\s*:?\s*$", re.IGNORECASE)
MAX_BLOCK = 14  # lines looked up for a block's label
MAX_CANDIDATES = 40  # more names or ids than this in one document: none of them is sure


@dataclass(slots=True)
class Seller:
    vat: Candidate[str] | None = None
    cvr: Candidate[str] | None = None
    name: Candidate[str] | None = None


def block_role(lines: list[TextLine], line: TextLine, seg: Segment) -> str | None:
    """``seller``, ``other`` or None: the label of the block ``seg`` is printed in."""
    gap = 0
    for prev in reversed(lines[max(0, line.no - MAX_BLOCK) : line.no + 1]):
        here = prev.segment_at(seg.col, 2)
        before = [s for s in prev.segments if s.end <= seg.col + 1]
        texts = [here.text] if here is not None else []
        if prev is line:
            texts = [s.text for s in before] + texts
        if not texts:
            gap += 1
            if gap >= 3:
                return None
            continue
        gap = 0
        for text in texts:
            if OTHER_PARTY.match(text):
                return "other"
            if SELLER.match(text):
                return "seller"
    return None


def _pick(found: list[tuple[str | None, Candidate[str]]]) -> Candidate[str] | None:
    mine = [c for role, c in found if role == "seller"]
    unknown = [c for role, c in found if role is None]
    for group, sure in ((mine, 0.9), (unknown, 0.7)):
        if group:
            return Candidate(group[0].value, group[0].line, sure) if len(distinct(group)) == 1 else None
    return None


def find_seller(lines: list[TextLine]) -> Seller:
    """The seller's CVR number, VAT id and name (see the module docstring)."""
    cvrs: list[tuple[int, Candidate[str]]] = []
    vats: list[tuple[int, Candidate[str]]] = []
    for line in lines:
        # more ids than MAX_CANDIDATES: none is sure (_pick_ids), so no more are looked for
        for m in _CVR.finditer(line.text) if len(cvrs) <= MAX_CANDIDATES else ():
            number = re.sub(r"\D", "", m.group(1))
            if dk_cvr.is_valid(number):
                cvrs.append((m.start(), Candidate(number, line, 0.9)))
        for m in _VAT.finditer(line.text) if len(vats) <= MAX_CANDIDATES else ():
            vat_id = re.sub(r"[\s-]", "", m["id"])
            sure = _vat_sureness(vat_id)
            if sure:
                vats.append((m.start(), Candidate(vat_id, line, sure)))
    out = Seller(cvr=_pick_ids(lines, cvrs), vat=_pick_ids(lines, vats))
    if out.cvr is not None and out.vat is None and not vats:
        out.vat = Candidate(f"DK{out.cvr.value}", out.cvr.line, out.cvr.confidence)
    elif (
        out.cvr is not None
        and out.vat is not None
        and out.vat.value.startswith("DK")
        and out.vat.value != f"DK{out.cvr.value}"
    ):
        out.cvr = out.vat = None  # two different Danish ids: neither is sure
    out.name = _name(lines, out)
    return out


def _pick_ids(lines: list[TextLine], found: list[tuple[int, Candidate[str]]]) -> Candidate[str] | None:
    """The seller's id among those found (their blocks looked up only when there are few)."""
    if len(found) > MAX_CANDIDATES:
        return None
    return _pick([(_role_at(lines, c.line, col), c) for col, c in found])


def _role_at(lines: list[TextLine], line: TextLine, col: int) -> str | None:
    seg = line.segment_at(col) or Segment(col, "")
    return block_role(lines, line, seg)


def _vat_sureness(vat_id: str) -> float:
    if vat_id.startswith("DK"):
        return 0.9 if dk_cvr.is_valid(vat_id[2:]) else 0.0
    try:
        if eu_vat.is_valid(vat_id):
            return 0.9
    except Exception:  # stdnum has no module for the country
        pass
    return 0.6 if re.fullmatch(r"[A-Z]{2}\d[0-9A-Z]{7,13}", vat_id) else 0.0


def _name(lines: list[TextLine], seller: Seller) -> Candidate[str] | None:
    found: list[tuple[str | None, Candidate[str]]] = []
    for line in lines:
        for seg in line.segments:
            labelled = _NAME_LABEL.match(seg.text) is not None
            m = None if labelled else _NAMED.match(seg.text)
            if not labelled and (m is None or OTHER_PARTY.match(seg.text)):
                continue  # the block is looked up only for what could be a name
            role = block_role(lines, line, seg)
            if role == "other":
                continue
            named = _labelled_name(lines, line, seg) if labelled and role == "seller" else None
            if named is not None:
                found.append(("seller", Candidate(named, line, 0.85)))
            elif m is not None:
                found.append((role, Candidate(" ".join(m["name"].split()), line, 0.7)))
            if len(found) > MAX_CANDIDATES:
                return None
    return _pick(found)


def _labelled_name(lines: list[TextLine], line: TextLine, seg: Segment) -> str | None:
    """``Name:  Lieferant GmbH`` in the seller's block, joined with the lines the name runs over."""
    if not _NAME_LABEL.match(seg.text):
        return None
    after = [s for s in line.segments if s.col > seg.col]
    if not after:
        return None
    value = after[0]
    parts = [value.text]
    for step in (-1, 1):
        no = line.no + step
        while 0 <= no < len(lines) and abs(no - line.no) <= 2:
            other = lines[no]
            if len(other.segments) != 1 or abs(other.segments[0].col - value.col) > 1:
                break
            parts.insert(0, other.segments[0].text) if step < 0 else parts.append(other.segments[0].text)
            no += step
    return " ".join(" ".join(parts).split())
