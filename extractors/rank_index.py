"""'Rank (index)' cells: national tables print a unit's rank and its index in one cell ("01 (0,727)").

The cell holds two values with two roles. Before the layouts assign column roles, the overall
column (header "Xếp hạng chung", "Tổng hợp", "ICT Index", or the only such column) is split into
a rank column and an index column; in a component's column only the index is kept (a component
rank is not a curated value). Ties are printed as such ("15 (0,635)" twice) and stay ties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from extractors.grid import Cell, Grid
from normalizers.frameworks import Knowledge

RANK_INDEX = re.compile(r"^\s*(\d{1,3})\s*\(\s*(\d+(?:[.,]\d+)?)\s*\)\s*$")


@dataclass(frozen=True)
class SplitHeaders:
    """The headers the two halves of a split column get (table_headers.yaml `split_rank_index`)."""

    rank: str  # "Xếp hạng"
    index: str  # "Chỉ số tổng hợp"


def _rank_index_columns(grid: Grid) -> list[int]:
    cols = []
    for c in range(grid.n_cols):
        texts = [
            cell.text for r in range(grid.n_rows) if (cell := grid.anchored(r, c)) is not None and cell.text.strip()
        ]
        hits = sum(bool(RANK_INDEX.match(t)) for t in texts)
        if hits >= 2 and hits >= 0.5 * len(texts):
            cols.append(c)
    return cols


def _header_text(grid: Grid, col: int) -> str:
    texts = []
    for r in range(grid.n_rows):
        cell = grid.cell_at(r, col)
        if cell is not None and not RANK_INDEX.match(cell.text) and cell.text and cell.text not in texts:
            texts.append(cell.text)
        if cell is not None and RANK_INDEX.match(cell.text):
            break
    return " ".join(texts)


def split_rank_index(grid: Grid, knowledge: Knowledge, headers: SplitHeaders) -> Grid:
    """The grid with its 'rank (index)' cells split by role; other grids come back unchanged."""
    cols = _rank_index_columns(grid)
    if not cols:
        return grid
    overall = [c for c in cols if knowledge.column_role(_header_text(grid, c), role="overall", loose=True)]
    split = overall[-1] if overall else cols[0] if len(cols) == 1 else None
    first_hit = min(
        (c.row for c in grid.cells if split is not None and c.col == split and RANK_INDEX.match(c.text)),
        default=grid.n_rows,
    )
    cells: list[Cell] = []
    for cell in grid.cells:
        shift = 1 if split is not None and cell.col > split else 0
        m = RANK_INDEX.match(cell.text)
        if (
            split is not None
            and cell.col <= split < cell.col + cell.colspan
            and (cell.colspan > 1 or cell.col != split)
        ):
            cells.append(replace(cell, colspan=cell.colspan + 1, x1=cell.x1 + 1, words=[]))
            continue
        if split is not None and cell.col == split and cell.colspan == 1:
            if m:
                rank_text, index_text = m.group(1), m.group(2)
            elif cell.row < first_hit:  # the column's header: one header per role
                rank_text, index_text = headers.rank, headers.index
            else:  # a merged "Không đánh giá" or a blank: kept where the index would be
                rank_text, index_text = "", cell.text
            cells.append(replace(cell, text=rank_text, words=[]))
            cells.append(replace(cell, col=cell.col + 1, x0=cell.x0 + 1, x1=cell.x1 + 1, text=index_text, words=[]))
            continue
        text = m.group(2) if m and cell.col in cols else cell.text
        cells.append(replace(cell, col=cell.col + shift, x0=cell.x0 + shift, x1=cell.x1 + shift, text=text, words=[]))
    n_cols = grid.n_cols + (1 if split is not None else 0)
    x0, top, _, bottom = grid.bbox
    return Grid(
        grid.page,
        grid.n_rows,
        n_cols,
        sorted(cells, key=lambda c: (c.row, c.col)),
        (x0, top, x0 + n_cols, bottom),
        [x0 + i for i in range(n_cols + 1)],
        list(grid.row_edges),
    )
