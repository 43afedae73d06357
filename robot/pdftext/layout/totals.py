"""Net amount, VAT, total and amount payable, and the VAT rate, cross-checked before they are kept.

An amount is taken from a line whose last amount follows a total's label (:mod:`.labels`). When a
field was printed with different amounts, the one combination where net + VAT = total decides;
without it such a field is left empty. Values that contradict each other (net + VAT ≠ total,
rate × net ≠ VAT) are dropped, never repaired.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import product

from robot.pdftext.layout.amounts import amounts_in, currency_near, label_before
from robot.pdftext.layout.labels import PREPAID, amount_field
from robot.pdftext.layout.text import Candidate, TextLine, distinct

_TAIL_OK = re.compile(r"^\s*(?:[A-Z]{3}|€|£|\$|kr\.?)?\s*$")
_RATE = re.compile(r"(?<![\d,.])(\d{1,2}(?:[.,]\d{1,2})?)\s?%")
RATE_SLACK = Decimal("0.02")
FIELDS = ("net", "vat", "total", "payable")


@dataclass(slots=True)
class Totals:
    """What was kept: each field's value with its candidate (line and confidence)."""

    values: dict[str, Candidate[Decimal]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)  # why a value was left empty
    currency: Candidate[str] | None = None


def find_totals(lines: list[TextLine], text: str) -> Totals:
    """The document totals printed in ``lines`` (see the module docstring)."""
    cands: dict[str, list[Candidate[Decimal]]] = {name: [] for name in (*FIELDS, "rate")}
    currencies: list[Candidate[str]] = []
    for line in lines:
        found = amounts_in(line)
        if not found:
            continue
        start, end, value = found[-1]
        if not _TAIL_OK.match(line.text[end:]):
            continue
        label = label_before(line, start)
        name = amount_field(label)
        if name is None:
            continue
        cands[name].append(Candidate(value, line, 0.7))
        code = currency_near(line.text[line.text.find(label) :])
        if code:
            currencies.append(Candidate(code, line, 0.8))
        rate = _RATE.search(label) if name == "vat" else None
        if rate:
            cands["rate"].append(Candidate(Decimal(rate.group(1).replace(",", ".")), line, 0.7))
    out = _resolve(cands)
    _payable(out, cands["payable"], prepaid=bool(PREPAID.search(text.lower())))
    _payable_is_total(out)
    _rate(out, cands["rate"])
    codes = distinct(currencies)
    if len(codes) == 1:
        out.currency = currencies[0]
    return out


def _resolve(cands: dict[str, list[Candidate[Decimal]]]) -> Totals:
    out = Totals()
    nets, vats, totals = (distinct(cands[n]) for n in ("net", "vat", "total"))
    combos = [(n, v, t) for n, v, t in product(nets, vats, totals) if n + v == t]
    if len(combos) == 1:
        for name, value in zip(("net", "vat", "total"), combos[0], strict=True):
            first = next(c for c in cands[name] if c.value == value)
            out.values[name] = Candidate(value, first.line, 0.95)
        return out
    for name, values in (("net", nets), ("vat", vats), ("total", totals)):
        if len(values) == 1:
            out.values[name] = cands[name][0]
        elif values:
            out.dropped.append(f"{name}: printed as {', '.join(str(v) for v in values)}")
    got = [out.values.get(n) for n in ("net", "vat", "total")]
    if all(got) and got[0] and got[1] and got[2] and got[0].value + got[1].value != got[2].value:
        out.dropped.append(
            f"net {got[0].value} + VAT {got[1].value} is not the total {got[2].value}: all three left empty"
        )
        for name in ("net", "vat", "total"):
            del out.values[name]
    return out


def _payable(out: Totals, cands: list[Candidate[Decimal]], *, prepaid: bool) -> None:
    values = distinct(cands)
    total = out.values.get("total")
    if len(values) == 1:
        sure = 0.9 if total is not None and total.value == values[0] else 0.75
        out.values["payable"] = Candidate(values[0], cands[0].line, sure)
    elif values:
        out.dropped.append(f"payable: printed as {', '.join(str(v) for v in values)}")
    elif total is not None and not prepaid:
        out.values["payable"] = Candidate(total.value, total.line, min(total.confidence, 0.8))


def _payable_is_total(out: Totals) -> None:
    """No total printed, but net + VAT is the amount payable ("At betale"): that is the total too."""
    net, vat, payable = out.values.get("net"), out.values.get("vat"), out.values.get("payable")
    if "total" in out.values or net is None or vat is None or payable is None:
        return
    if net.value + vat.value == payable.value:
        for name, cand in (("net", net), ("vat", vat), ("payable", payable), ("total", payable)):
            out.values[name] = Candidate(cand.value, cand.line, 0.95)


def _rate(out: Totals, cands: list[Candidate[Decimal]]) -> None:
    rates = distinct(cands)
    if len(rates) != 1:
        return
    net, vat = out.values.get("net"), out.values.get("vat")
    rate = cands[0]
    if net is None or vat is None:
        out.values["rate"] = Candidate(rate.value, rate.line, 0.5)
    elif abs(net.value * rate.value / 100 - vat.value) <= RATE_SLACK:
        out.values["rate"] = Candidate(rate.value, rate.line, 0.9)
    else:
        out.dropped.append(f"VAT rate {rate.value} % of {net.value} is not the VAT {vat.value}")
