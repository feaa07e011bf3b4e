"""Worksheets to PageContent: the tables one under another, the title rows above them.

Both workbook readers (openpyxl for .xlsx/.xlsm, xlrd for .xls) reduce a sheet to the same
:class:`Sheet` (stated values, number formats, merged ranges); this module turns it into text
lines and Grids, one page per sheet. A sheet has no ruling to find tables by, so it is read as
a person reads it: blank rows separate blocks; the rows of a block that hold one text before any
table row are lines (the title block, a table's heading); the rest is a table, whose merged
ranges are its spans. A lone text in a table row shows across the empty cells to its right,
so it spans them (a tier row "MỨC TỐT" typed into column A only). A lone text directly above a
header row is the next table's heading, not part of the table before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from extractors.office_numbers import format_date, printed_number
from extractors.office_tables import COL_WIDTH, ROW_HEIGHT, TableCell, is_layout_table, layout_lines, office_grid
from extractors.office_text import office_text
from extractors.page import PageContent, TextLine
from normalizers.numbers import gather_evidence, looks_numeric


@dataclass(frozen=True)
class SheetValue:
    """One stored cell value (0-based position) with what decides how it prints."""

    row: int
    col: int
    value: object  # str, int, float, bool, date or datetime
    number_format: str | None = None
    font: str | None = None
    bold: bool = False


@dataclass(frozen=True)
class Merge:
    """A merged range, 0-based and inclusive, anchored at its top-left cell."""

    row: int
    col: int
    last_row: int
    last_col: int


@dataclass
class Sheet:
    name: str
    number: int  # 1-based position in the workbook
    values: list[SheetValue] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)


def uses_decimal_comma(sheets: Sequence[Sheet]) -> bool:
    """The document's convention from the numbers its text cells print ("731,61" vs "91.5")."""
    texts = [v.value for s in sheets for v in s.values if isinstance(v.value, str) and looks_numeric(v.value.strip())]
    evidence = gather_evidence(texts)
    return evidence.comma_decimals + evidence.point_thousands > evidence.point_decimals + evidence.comma_thousands


def printed(value: SheetValue, decimal_comma: bool) -> str:
    """A cell's text as the sheet shows it."""
    v = value.value
    if isinstance(v, str):
        return office_text(v, value.font)
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (dt.datetime, dt.date)):
        return format_date(v)
    if isinstance(v, (int, float)):
        return printed_number(v, value.number_format, decimal_comma)
    return office_text(str(v), value.font) if v is not None else ""


@dataclass(frozen=True)
class _Anchor:
    row: int
    col: int
    text: str
    bold: bool
    merge: Merge | None


class _Layout:
    def __init__(self, sheet: Sheet, decimal_comma: bool):
        merges = {(m.row, m.col): m for m in sheet.merges}
        self.anchors: dict[int, list[_Anchor]] = {}
        covered_by: dict[tuple[int, int], Merge] = {}
        for m in sheet.merges:
            for r in range(m.row, m.last_row + 1):
                for c in range(m.col, m.last_col + 1):
                    if (r, c) != (m.row, m.col):
                        covered_by[(r, c)] = m
        for v in sheet.values:
            if (v.row, v.col) in covered_by:
                continue  # a value hidden under a merged range is not shown
            text = printed(v, decimal_comma).strip()
            if text:
                self.anchors.setdefault(v.row, []).append(
                    _Anchor(v.row, v.col, text, v.bold, merges.get((v.row, v.col)))
                )
        for row in self.anchors.values():
            row.sort(key=lambda a: a.col)
        self.occupied: set[int] = set(self.anchors)
        self.spanned_down: set[int] = set()  # rows a vertical merge reaches into from above
        for row in self.anchors.values():
            for a in row:
                if a.merge is not None and a.merge.last_row > a.row:
                    self.occupied.update(range(a.row, a.merge.last_row + 1))
                    self.spanned_down.update(range(a.row + 1, a.merge.last_row + 1))

    def blocks(self) -> list[list[int]]:
        rows = sorted(self.occupied)
        blocks: list[list[int]] = []
        for r in rows:
            if blocks and r == blocks[-1][-1] + 1:
                blocks[-1].append(r)
            else:
                blocks.append([r])
        return blocks

    def lone_text(self, r: int) -> _Anchor | None:
        """The row's only text, where it stands alone (not merged down, nothing merged into the row)."""
        row = self.anchors.get(r, [])
        if len(row) != 1 or r in self.spanned_down:
            return None
        a = row[0]
        return a if a.merge is None or a.merge.last_row == a.row else None

    def header_like(self, r: int) -> bool:
        row = self.anchors.get(r, [])
        return len(row) >= 2 and not any(looks_numeric(a.text) for a in row)


def _table_cells(layout: _Layout, rows: list[int]) -> tuple[list[TableCell], int, int, int]:
    r0, r1 = rows[0], rows[-1]
    anchors = [a for r in rows for a in layout.anchors.get(r, [])]
    c0 = min(a.col for a in anchors)
    c1 = max(min(a.merge.last_col, 10**6) if a.merge else a.col for a in anchors)
    cells: list[TableCell] = []
    for a in anchors:
        last_row = min(a.merge.last_row, r1) if a.merge else a.row
        last_col = a.merge.last_col if a.merge else a.col
        if len(layout.anchors.get(a.row, [])) == 1 and a.row not in layout.spanned_down and last_col == a.col:
            last_col = c1  # a lone text shows across the empty cells to its right
        cells.append(TableCell(a.row - r0, a.col - c0, last_row - a.row + 1, last_col - a.col + 1, a.text, a.bold))
    return cells, r1 - r0 + 1, c1 - c0 + 1, c0


def sheet_page(sheet: Sheet, decimal_comma: bool, source: str) -> PageContent:
    """One worksheet as a page: its title and heading rows as lines, its tables as Grids."""
    layout = _Layout(sheet, decimal_comma)
    page = PageContent(sheet.number, 0.0, 0.0, source)

    def add_line(a: _Anchor) -> None:
        for i, part in enumerate(p for p in a.text.split("\n") if p.strip()):
            top = a.row * ROW_HEIGHT + i * ROW_HEIGHT / 4
            page.lines.append(
                TextLine(
                    " ".join(part.split()),
                    a.col * COL_WIDTH,
                    top,
                    (a.col + 1) * COL_WIDTH,
                    top + ROW_HEIGHT,
                    ROW_HEIGHT,
                    a.bold,
                )
            )

    def add_table(rows: list[int]) -> None:
        if not rows:
            return
        cells, n_rows, n_cols, c0 = _table_cells(layout, rows)
        top = rows[0] * ROW_HEIGHT
        if is_layout_table(cells):
            lines = layout_lines(cells, top)
            page.lines.extend(
                TextLine(ln.text, ln.x0 + c0 * COL_WIDTH, ln.top, ln.x1 + c0 * COL_WIDTH, ln.bottom, ln.size, ln.bold)
                for ln in lines
            )
        else:
            page.grids.append(office_grid(cells, n_rows, n_cols, sheet.number, top))

    for block in layout.blocks():
        table: list[int] = []
        for i, r in enumerate(block):
            lone = layout.lone_text(r)
            starts_next = lone is not None and i + 1 < len(block) and layout.header_like(block[i + 1])
            if lone is not None and (not table or starts_next):
                add_table(table)
                table = []
                add_line(lone)
            else:
                table.append(r)
        add_table(table)
    page.lines.sort(key=lambda ln: (ln.top, ln.x0))
    width = max([g.bbox[2] for g in page.grids] + [ln.x1 for ln in page.lines] + [0.0])
    height = max([g.bbox[3] for g in page.grids] + [ln.bottom for ln in page.lines] + [0.0])
    page.width, page.height = width, height
    return page


def sheets_to_pages(sheets: Sequence[Sheet], source: str) -> list[PageContent]:
    """Every sheet with content as a page, under one number convention for the whole workbook."""
    decimal_comma = uses_decimal_comma(sheets)
    pages = [sheet_page(s, decimal_comma, source) for s in sheets]
    return [p for p in pages if p.lines or p.grids]
