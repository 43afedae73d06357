"""CSV downloads of the console: cells a spreadsheet cannot run, and the attachment response.

Every cell may be supplier text (a name, an invoice number), so a text a spreadsheet would run
as a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return first) gets a leading ``'``;
the file starts with a byte order mark so spreadsheets read æ, ø and å right, and lines end in
CRLF as RFC 4180 has them.

    return csv_response("fakturarobot-rules-2026-W49.csv", ["Rule", "Total"], [["VENDOR-BANK", 3]])
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from fastapi.responses import Response

from robot.reports.cells import formula_safe

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

Cell = str | int | float | None


def safe_cell(value: Cell) -> str:
    """A CSV cell: a text a spreadsheet would run as a formula gets a leading ``'``.

    >>> safe_cell('=HYPERLINK("x")'), safe_cell("-1+2"), safe_cell("@x"), safe_cell("\\tx")
    ('\\'=HYPERLINK("x")', "'-1+2", "'@x", "'\\tx")
    >>> safe_cell(0.5), safe_cell(None), safe_cell(3), safe_cell("2026-W49")
    ('0.5000', '', '3', '2026-W49')
    """
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return formula_safe(str(value))


def as_csv(header: Sequence[Cell], rows: Iterable[Sequence[Cell]]) -> str:
    """The header and the rows as CSV text, every cell through :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue()


def csv_response(filename: str, header: Sequence[Cell], rows: Iterable[Sequence[Cell]]) -> Response:
    """A CSV attachment named ``filename`` (a name the server made, not supplier text)."""
    return Response(
        "\ufeff" + as_csv(header, rows),  # the byte order mark: spreadsheets read æ, ø, å right
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
