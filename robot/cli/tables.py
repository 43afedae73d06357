"""The tables the commands print, set up once: narrow enough for an 80-column terminal.

A head line under the titles and no frame (``box.SIMPLE_HEAD``, no edge, no edge padding); each
column says whether it may be cut, wrapped or folded::

    >>> table = narrow_table("Runs", column("run", right=True), column("trigger", wrap=True, fold=True))
    >>> [(c.header, c.justify, c.no_wrap, c.overflow) for c in table.columns]
    [('run', 'right', True, 'ellipsis'), ('trigger', 'left', False, 'fold')]
"""

from __future__ import annotations

from rich import box
from rich.table import Column, Table


def column(
    header: str, *, right: bool = False, wrap: bool = False, fold: bool = False, max_width: int | None = None
) -> Column:
    """A column kept on one line unless ``wrap``; text wider than the column is folded onto the next
    line with ``fold`` (a name, a file path), else cut with an ellipsis."""
    return Column(
        header,
        justify="right" if right else "left",
        no_wrap=not wrap,
        overflow="fold" if fold else "ellipsis",
        max_width=max_width,
    )


def narrow_table(title: str, *columns: Column, caption: str | None = None, flush_left: bool = False) -> Table:
    """A table of ``columns`` under ``title`` (and above ``caption``); ``flush_left`` puts the title
    on the left and leaves no padding before the first column."""
    return Table(
        *columns,
        title=title,
        caption=caption,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0) if flush_left else (0, 1),
        title_justify="left" if flush_left else "center",
    )
