"""Invoicing periods: the document's (BG-14) and each line's (BG-26), as the official rules judge them.

* BR-CO-19 / BR-CO-20: a period has a start date or an end date (in UBL a document period may
  instead carry only its description code, BT-8);
* BR-29 / BR-30: when a period has both, the end is not before the start;
* PEPPOL-EN16931-R110 / R111 (Peppol BIS 3 and OIOUBL 3): a line's period lies within the
  document's: its start not before the document's start, its end not after the document's end.

A period read from XML exists when the document has the period element, even empty; which dates it
had is ``Period.written``. A period made in code goes by its values.

    >>> from datetime import date
    >>> from robot.model import DocumentType, Invoice, Period
    >>> from classifiers.api import Context
    >>> from classifiers.engine import Classifier
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE,
    ...               period=Period(start=date(2026, 12, 31), end=date(2026, 12, 1)))
    >>> [f.official_ids for f in Classifier(only=["EN-PERIOD"]).classify(inv, Context()).findings]
    [('BR-29',)]
"""

from __future__ import annotations

from collections.abc import Iterator

from classifiers.api import Context, Finding
from classifiers.builtin._en_common import EN16931, PEPPOL, line_label
from classifiers.texts import Text
from robot.model import Invoice, Period, SourceFormat


def has(period: Period, name: str) -> bool:
    """Whether the period has ``name`` (start, end, description_code): written, or given in code."""
    return name in period.written or getattr(period, name) is not None


def _inverted(period: Period) -> bool:
    start, end = period.start, period.end
    return start is not None and end is not None and end < start


@EN16931.rule("EN-PERIOD", official_ids=("BR-CO-19", "BR-29"), field="BG-14")
def document_period(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The invoicing period (BG-14) has neither a start (BT-73) nor an end date (BT-74) (BR-CO-19),
    or ends before it starts (BR-29)."""
    period = invoice.period
    if period is None:
        return
    coded = invoice.format != SourceFormat.CII and has(period, "description_code")
    if not (has(period, "start") or has(period, "end") or coded):
        yield ctx.finding(
            da="Faktureringsperioden (BG-14) har hverken en startdato (BT-73) eller en slutdato (BT-74) "
            "(BR-CO-19).",
            en="The invoicing period (BG-14) has neither a start date (BT-73) nor an end date (BT-74) "
            "(BR-CO-19).",
            expected=Text("en startdato og/eller en slutdato", "a start date and/or an end date"),
            official_ids=("BR-CO-19",),
        )
    elif _inverted(period):
        yield ctx.finding(
            da=f"Faktureringsperioden slutter ({period.end}, BT-74) før den begynder ({period.start}, "
            "BT-73) (BR-29).",
            en=f"The invoicing period ends ({period.end}, BT-74) before it starts ({period.start}, "
            "BT-73) (BR-29).",
            found=str(period.end),
            expected=Text(f"tidligst {period.start}", f"{period.start} or later"),
            field="BT-74",
            official_ids=("BR-29",),
        )


@EN16931.rule("EN-LINE-PERIOD", official_ids=("BR-CO-20", "BR-30"), field="BG-26")
def line_periods(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A line's period (BG-26) has neither a start (BT-134) nor an end date (BT-135) (BR-CO-20),
    or ends before it starts (BR-30)."""
    for index, line in enumerate(invoice.lines):
        period = line.period
        if period is None:
            continue
        label = line_label(line.id, index)
        if not (has(period, "start") or has(period, "end")):
            yield ctx.finding(
                da=f"Linje {label}: linjens periode (BG-26) har hverken en startdato (BT-134) eller en "
                "slutdato (BT-135) (BR-CO-20).",
                en=f"Line {label}: the line period (BG-26) has neither a start date (BT-134) nor an end "
                "date (BT-135) (BR-CO-20).",
                expected=Text("en startdato og/eller en slutdato", "a start date and/or an end date"),
                line_id=line.id,
                official_ids=("BR-CO-20",),
            )
        elif _inverted(period):
            yield ctx.finding(
                da=f"Linje {label}: linjens periode slutter ({period.end}, BT-135) før den begynder "
                f"({period.start}, BT-134) (BR-30).",
                en=f"Line {label}: the line period ends ({period.end}, BT-135) before it starts "
                f"({period.start}, BT-134) (BR-30).",
                found=str(period.end),
                expected=Text(f"tidligst {period.start}", f"{period.start} or later"),
                field="BT-135",
                line_id=line.id,
                official_ids=("BR-30",),
            )


@PEPPOL.rule(
    "PEPPOL-LINE-PERIOD",
    official_ids=("PEPPOL-EN16931-R110", "PEPPOL-EN16931-R111"),
    field="BT-134",
)
def line_within_document(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A line's period starts before the invoicing period (R110) or ends after it (R111)."""
    document = invoice.period
    if document is None or (document.start is None and document.end is None):
        return
    for index, line in enumerate(invoice.lines):
        period = line.period
        if period is None:
            continue
        label = line_label(line.id, index)
        if document.start is not None and period.start is not None and period.start < document.start:
            yield ctx.finding(
                da=f"Linje {label}: linjens periode begynder ({period.start}, BT-134) før "
                f"faktureringsperioden ({document.start}, BT-73) (PEPPOL-EN16931-R110).",
                en=f"Line {label}: the line period starts ({period.start}, BT-134) before the invoicing "
                f"period ({document.start}, BT-73) (PEPPOL-EN16931-R110).",
                found=str(period.start),
                expected=Text(f"tidligst {document.start}", f"{document.start} or later"),
                line_id=line.id,
                official_ids=("PEPPOL-EN16931-R110",),
            )
        if document.end is not None and period.end is not None and period.end > document.end:
            yield ctx.finding(
                da=f"Linje {label}: linjens periode slutter ({period.end}, BT-135) efter "
                f"faktureringsperioden ({document.end}, BT-74) (PEPPOL-EN16931-R111).",
                en=f"Line {label}: the line period ends ({period.end}, BT-135) after the invoicing "
                f"period ({document.end}, BT-74) (PEPPOL-EN16931-R111).",
                found=str(period.end),
                expected=Text(f"senest {document.end}", f"{document.end} or earlier"),
                field="BT-135",
                line_id=line.id,
                official_ids=("PEPPOL-EN16931-R111",),
            )
