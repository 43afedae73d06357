"""Invoice number, issue and due date and currency, each read from after its label.

A label's value is the rest of its segment, else the next segment on the line, else the text
printed under it. A field printed with different values is left empty.

    >>> from robot.pdftext.layout.text import lines_of
    >>> found = find_fields(lines_of("Fakturanr.:  10452\\nFakturadato: 05.03.2024\\nValuta  DKK"))
    >>> {k: c.value for k, c in found.values.items()}
    {'number': '10452', 'issue_date': datetime.date(2024, 3, 5), 'currency': 'DKK'}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from stdnum import ean as std_ean

from robot.pdftext.layout.amounts import CURRENCY_CODES
from robot.pdftext.layout.dates import dates_in
from robot.pdftext.layout.labels import VALUE_LABELS
from robot.pdftext.layout.text import Candidate, Segment, TextLine, below, distinct

_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._-]{0,34}")
#: "Handelsrechnung (380) Nr. 471102 vom 05.03.2018", "Invoice # RE-2019/507 issued at 2019-06-10"
_HEADLINE = re.compile(
    r"^\w{0,12}?(?:rechnung|gutschrift|faktura|kreditnota|invoice|credit\s+note|facture|avoir)\w{0,20}"
    r"(?:\s+des\s+\w+)?(?:\s*\([^)]{1,40}\))*"
    r"(?:\s+(?:nr\.?|no\.?|n[°o]|#)\s*:?\s*(?P<no>\S+)|\s+(?P<bare>[A-Z]{1,5}-?\d[\w/-]{2,30}))"
    r"(?:\s+(?P<of>vom|von|af|of|dated|issued\s+at|du)(?:\s+(?P<date>.+))?)?$",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Fields:
    values: dict[str, Candidate[object]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)


def find_fields(lines: list[TextLine], *, english: bool = False) -> Fields:
    """Number, dates and currency (see the module docstring)."""
    cands: dict[str, list[Candidate[object]]] = {name: [] for name in VALUE_LABELS}
    for line in lines:
        for seg in line.segments:
            _headline(lines, line, seg, cands, english=english)
            for name, pattern in VALUE_LABELS.items():
                m = pattern.match(seg.text)
                if m is None:
                    continue
                value = _value_text(lines, line, seg, m.end())
                found = _parse(name, value, english=english) if value is not None else None
                if found is not None:
                    cands[name].append(Candidate(found, line, 0.8))
    out = Fields()
    for name, found in cands.items():
        values = distinct(found)
        if len(values) == 1:
            best = max(found, key=lambda c: c.confidence)
            out.values[name] = best
        elif values:
            out.dropped.append(f"{name}: printed as {', '.join(str(v) for v in values)}")
    return out


def _headline(
    lines: list[TextLine],
    line: TextLine,
    seg: Segment,
    cands: dict[str, list[Candidate[object]]],
    *,
    english: bool,
) -> None:
    m = _HEADLINE.match(seg.text)
    if m is None:
        return
    number = _number(m["no"] or m["bare"])
    if number is not None:
        cands["number"].append(Candidate(number, line, 0.85))
    issued = _date_at_start(m["date"] or "", english=english)
    if issued is not None:
        cands["issue_date"].append(Candidate(issued, line, 0.85))
    elif m["of"] and not m["date"]:  # "Gutschrift Nr. 471102 vom" and the date on the next line
        nxt = next((n for n in lines[line.no + 1 : line.no + 3] if n.segments), None)
        issued = _date_at_start(nxt.segments[0].text, english=english) if nxt is not None else None
        if nxt is not None and issued is not None:
            cands["issue_date"].append(Candidate(issued, nxt, 0.8))


def _value_text(lines: list[TextLine], line: TextLine, seg: Segment, at: int) -> str | None:
    rest = seg.text[at:].strip(" :#.")
    if rest:
        return rest
    after = [s for s in line.segments if s.col > seg.col]
    if after:
        return after[0].text
    under = below(lines, line, seg, reach=1)
    return under.text if under is not None and under.col <= seg.col + 2 else None


def _parse(name: str, text: str, *, english: bool) -> object | None:
    if name == "number":
        return _number(text.split()[0]) if text.split() else None
    if name == "order_reference":
        return _number(text.split()[0]) if text.split() else None
    if name == "buyer_reference":
        ref = " ".join(text.split())
        return ref if 0 < len(ref) <= 35 and not dates_in(ref) else None
    if name == "ean":
        digits = re.sub(r"[\s-]", "", text)[:13]
        return digits if len(digits) == 13 and std_ean.is_valid(digits) else None
    if name == "currency":
        codes = {c for c in re.findall(r"\b[A-Z]{3}\b", text) if c in CURRENCY_CODES}
        return codes.pop() if len(codes) == 1 else None
    return _date_at_start(text, english=english)


def _number(token: str) -> str | None:
    token = token.rstrip(".,;:")
    m = _NUMBER.fullmatch(token)
    if m is None or not any(ch.isdigit() for ch in token) or dates_in(token):
        return None
    return token


def _date_at_start(text: str, *, english: bool) -> date | None:
    found = dates_in(text, english=english)
    return found[0][1] if found and found[0][0] == 0 else None
