"""Word and Excel tables to the one Grid, or to text lines where a table only places text.

An Office file states its table structure (cells, ``gridSpan``/``vMerge``, merged ranges), so
no geometry has to be inferred: the cells are laid on a regular lattice (a row per table row,
the file's column widths where it has them) and become the same :class:`~extractors.grid.Grid`
that ruled PDF pages and scans give. Tables that hold no data, the issuing-body/motto block
and the signature block, become text lines, as they do on a PDF page where they have no
borders, so metadata reads them the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from extractors.grid import Cell, Grid
from extractors.page import TextLine
from normalizers.numbers import looks_numeric

ROW_HEIGHT = 12.0  # points per table row or text line on the synthetic page
COL_WIDTH = 48.0  # points per column where the file states no widths


@dataclass(frozen=True)
class TableCell:
    """One cell as the file states it: its top-left position in the table and its spans."""

    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    bold: bool = False


def _lettered(text: str) -> bool:
    return sum(ch.isalpha() for ch in text) >= 3


def is_layout_table(cells: Sequence[TableCell]) -> bool:
    """No row holds a number beside a name: the table only places text (motto, signature)."""
    rows: dict[int, list[str]] = {}
    for cell in cells:
        text = " ".join(cell.text.split())
        if text:
            rows.setdefault(cell.row, []).append(text)
    for texts in rows.values():
        if any(looks_numeric(t) for t in texts) and any(_lettered(t) and not looks_numeric(t) for t in texts):
            return False
    return True


def _edges(start: float, widths: Sequence[float]) -> list[float]:
    edges = [start]
    for width in widths:
        edges.append(edges[-1] + width)
    return edges


def office_grid(
    cells: Sequence[TableCell],
    n_rows: int,
    n_cols: int,
    page: int,
    top: float,
    col_widths: Sequence[float] = (),
) -> Grid:
    """A Grid of the stated cells; positions no cell covers become empty one-by-one cells."""
    widths = list(col_widths[:n_cols]) + [COL_WIDTH] * max(0, n_cols - len(col_widths))
    xs = _edges(0.0, widths)
    ys = _edges(top, [ROW_HEIGHT] * n_rows)
    covered: set[tuple[int, int]] = set()
    out: list[Cell] = []
    for c in sorted(cells, key=lambda c: (c.row, c.col)):
        rowspan = max(1, min(c.rowspan, n_rows - c.row))
        colspan = max(1, min(c.colspan, n_cols - c.col))
        spots = {(r, k) for r in range(c.row, c.row + rowspan) for k in range(c.col, c.col + colspan)}
        if spots & covered or c.row >= n_rows or c.col >= n_cols:
            continue  # a malformed overlap: the first cell keeps the position
        covered |= spots
        out.append(
            Cell(c.row, c.col, rowspan, colspan, xs[c.col], ys[c.row], xs[c.col + colspan], ys[c.row + rowspan], c.text)
        )
    for r in range(n_rows):
        for k in range(n_cols):
            if (r, k) not in covered:
                out.append(Cell(r, k, 1, 1, xs[k], ys[r], xs[k + 1], ys[r + 1], ""))
    out.sort(key=lambda c: (c.row, c.col))
    return Grid(page, n_rows, n_cols, out, (xs[0], ys[0], xs[-1], ys[-1]), xs, ys)


def layout_lines(cells: Sequence[TableCell], top: float, col_widths: Sequence[float] = ()) -> list[TextLine]:
    """A layout table's text as lines: row by row, each cell's lines left to right."""
    n_cols = max((c.col + c.colspan for c in cells), default=0)
    xs = _edges(0.0, list(col_widths[:n_cols]) + [COL_WIDTH] * max(0, n_cols - len(col_widths)))
    lines: list[TextLine] = []
    y = top
    for cell in sorted(cells, key=lambda c: (c.row, c.col)):
        for text in cell.text.split("\n"):
            text = " ".join(text.split())
            if text:
                lines.append(
                    TextLine(
                        text, xs[cell.col], y, xs[min(cell.col + cell.colspan, n_cols)], y + ROW_HEIGHT, bold=cell.bold
                    )
                )
                y += ROW_HEIGHT
    return lines
