"""A table cell written for a spreadsheet: text that a spreadsheet would run as a formula is not.

Supplier text (names, numbers, notes) reaches CSV files the creditor team opens in a spreadsheet:
the console's downloads, ``fakturarobot runs --csv``, ``report --csv`` and ``held --csv``. A cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what spreadsheets read as
a formula (CSV injection), so it gets a leading ``'``, one rule for every CSV the robot writes::

    >>> formula_safe('=HYPERLINK("x")'), formula_safe("-1+2"), formula_safe("\\tx"), formula_safe(None)
    ('\\'=HYPERLINK("x")', "'-1+2", "'\\tx", '')
"""

from __future__ import annotations

#: the first characters that make a spreadsheet treat a text cell as a formula
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str | None) -> str:
    """``text`` as a CSV cell a spreadsheet shows and does not run."""
    value = text or ""
    return "'" + value if value.startswith(FORMULA) else value
