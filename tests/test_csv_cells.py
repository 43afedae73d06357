"""Every CSV the robot writes guards a cell a spreadsheet would run as a formula the same way.

The console's downloads and ``held --csv`` guarded ``= + - @``, a tab and a carriage return, while
``runs --csv`` and ``report --csv`` guarded only the first four: a run's error or trigger starting
with a tab reached the spreadsheet as written. One rule now (robot/reports/cells.py).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from robot.cli.history import runs_csv
from robot.reports.cells import FORMULA, formula_safe
from robot.store.schema import Run
from robot.web.csvfile import safe_cell


@pytest.mark.parametrize("first", FORMULA)
def test_each_formula_start_is_guarded_in_every_csv(first: str) -> None:
    text = f'{first}HYPERLINK("http://example.invalid")'
    assert formula_safe(text) == safe_cell(text) == "'" + text
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    run = Run(id=7, started_at=now, finished_at=now, status="failed", trigger=text, error=text, counts={})
    row = list(csv.reader(io.StringIO(runs_csv([run], now))))[1]
    assert row[5] == "'" + text and row[-1] == "'" + text


def test_plain_text_and_empty_cells_stay_as_they_are() -> None:
    assert formula_safe("Leverandør A/S") == "Leverandør A/S"
    assert formula_safe(None) == formula_safe("") == ""
