"""A weekly report's tables found by their header words and the heading above them.

Header rows are gathered into logical columns (scans split body cells with spurious
rulings), labels mapped to the template's spelling, and a table continued on the next page
without its header joined to the one it continues. Cells keep their printed text; typing
them is :mod:`normalizers.weekly_values`' job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.grid import Grid
from extractors.page import PageContent, TextLine
from extractors.weekly_knowledge import Knowledge, TableSpec, Wording, has_phrase, phrase_key, wording
from normalizers.fuzzy import SAME_LABEL, best_of
from normalizers.text import clean_printed

_ROW_MARK = re.compile(r"^(?:\(?\d{1,3}\)?\.?|[IVXLC]{1,5}\.?|[-–*+•])$")
_ROMAN_HEAD = re.compile(r"^(?:[IVXLl1]{1,4}|\d{1,2})\s*[.)]\s+\S")  # OCR reads "II." as "IL."


@dataclass
class Table:
    spec: TableSpec
    n_cols: int  # logical columns
    labels: list[str]  # per logical column
    row_no_col: int | None
    label_col: int | None
    unit_col: int | None
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (page, texts per column)
    confidences: list[list[float]] = field(default_factory=list)  # per row, per column: the weakest cell read
    ranges: list[tuple[int, int]] = field(default_factory=list)  # grid columns of each logical column
    grid_cols: int = 0

    @property
    def data_cols(self) -> list[int]:
        skip = {self.row_no_col, self.label_col, self.unit_col}
        return [c for c in range(self.n_cols) if c not in skip]


def _is_row_no_header(key: str, know: Knowledge) -> bool:
    """ "STT", "TT" ... also as OCR reads them ("SIT", "STf"): one slipped letter in a short word."""
    if key in know.row_no_headers:
        return True
    return any(
        len(key) == len(h) >= 3 and " " not in h and sum(a != b for a, b in zip(key, h)) == 1
        for h in know.row_no_headers
    )


def _cell_text(grid: Grid, row: int, col: int) -> str:
    cell = grid.anchored(row, col)
    return cell.text if cell is not None else ""


def _cell_confidence(grid: Grid, row: int, col: int) -> float:
    """1.0 on a text layer; on a scan an empty cell with ink nobody could read is 0."""
    cell = grid.anchored(row, col)
    return cell.confidence if cell is not None else 1.0


def _is_header_row(grid: Grid, row: int, know: Knowledge, label_header: str) -> bool:
    first = grid.cell_at(row, 0)
    if first is not None and _is_row_no_header(phrase_key(first.text), know):
        return True
    texts = [phrase_key(c.text) for c in grid.row_cells(row)]
    return any(t.startswith(f"{label_header} ") for t in texts) and not _ROW_MARK.match(
        (first.text if first else "").strip()
    )


def _is_numbering_row(texts: list[str]) -> bool:
    """The "(1) (2) (3) ..." row some templates print under the header."""
    filled = [t.strip() for t in texts if t.strip()]
    nums = [re.sub(r"[()]", "", t) for t in filled]
    return (
        len(filled) >= 3
        and all(n.isdigit() for n in nums)
        and [int(n) for n in nums] == list(range(int(nums[0]), int(nums[0]) + len(nums)))
    )


def _column_ranges(grid: Grid, header_rows: list[int]) -> list[tuple[int, int]]:
    """Logical columns: the spans of the lowest header row's cells.

    Scans sometimes split body cells with spurious rulings; the header says how many
    columns the table really has, so body cells are gathered under their header cell.
    """
    return [(c.col, c.col + c.colspan) for c in grid.row_cells(header_rows[-1])]


def _header_labels(grid: Grid, header_rows: list[int], ranges: list[tuple[int, int]]) -> list[str]:
    labels = []
    for a, b in ranges:
        parts: list[str] = []
        seen: set[int] = set()
        for row in header_rows:
            for col in range(a, b):
                cell = grid.cell_at(row, col)
                if cell is not None and id(cell) not in seen:
                    seen.add(id(cell))
                    if cell.text.strip():
                        parts.append(cell.text)
        labels.append(clean_printed(" ".join(parts)) or "")
    return labels


def _canonical_label(printed: str, spec: TableSpec) -> str:
    """The template's spelling of a column label where the printed one only differs by noise.

    Line breaks, OCR slips and lost diacritics change the joined header text; the label is
    mapped only when the digits agree ("tuần 05" never becomes "tuần 06").
    """
    squeeze = lambda s: phrase_key(s).replace(" ", "")  # noqa: E731
    digits = re.findall(r"\d+", printed)
    same_digits = {known: squeeze(known) for known in spec.columns if re.findall(r"\d+", known) == digits}
    best, score = best_of(squeeze(printed), same_digits)
    return best if best is not None and score >= SAME_LABEL else printed


def _classify(header_key: str, heading_key: str, know: Knowledge) -> TableSpec | None:
    best, best_score = None, 0
    for spec in know.tables:
        score = sum(1 for w in spec.header_words if has_phrase(header_key, w))
        if any(has_phrase(heading_key, h) for h in spec.headings):
            score += 3
        if score > best_score:
            best, best_score = spec, score
    return best if best_score >= 2 else None


def _is_heading(line: TextLine) -> bool:
    text = clean_printed(line.text) or ""
    letters = [ch for ch in text if ch.isalpha()]
    upper = letters and sum(ch.isupper() for ch in letters) / len(letters) > 0.8
    return len(text) <= 160 and bool(line.bold or upper or _ROMAN_HEAD.match(text))


def collect_tables(
    pages: list[PageContent], know: Knowledge, warnings: list[str], words: Wording | None = None
) -> list[Table]:
    label_header = (words or wording()).label_header
    tables: dict[str, Table] = {}
    order: list[str] = []
    heading_key = ""
    previous: Table | None = None
    for page in pages:
        items: list[tuple[float, TextLine | Grid]] = [(ln.top, ln) for ln in page.lines if _is_heading(ln)]
        items += [(g.bbox[1], g) for g in page.grids]
        items.sort(key=lambda it: it[0])
        for _, item in items:
            if isinstance(item, TextLine):
                heading = phrase_key(item.text)
                if any(has_phrase(heading, h) for spec in know.tables for h in spec.headings):
                    heading_key = heading
                continue
            grid = item
            header_rows: list[int] = []
            for row in range(grid.n_rows):
                if not _is_header_row(grid, row, know, label_header):
                    break
                header_rows.append(row)
            if header_rows:
                ranges = _column_ranges(grid, header_rows)
                labels = _header_labels(grid, header_rows, ranges)
                spec = _classify(phrase_key(" ".join(labels)), heading_key, know)
                if spec is None:
                    warnings.append(f"page {grid.page}: a table with header {labels!r} matches no known weekly table")
                    previous = None
                    continue
                table = tables.get(spec.code)
                if table is None:
                    table = _new_table(spec, len(ranges), labels, know, label_header)
                    table.ranges, table.grid_cols = ranges, grid.n_cols
                    tables[spec.code] = table
                    order.append(spec.code)
                elif table.n_cols != len(ranges):
                    warnings.append(
                        f"page {grid.page}: table {spec.code} repeats with {len(ranges)} columns, not {table.n_cols}"
                    )
                    continue
                body_start = header_rows[-1] + 1
            else:
                if previous is not None and previous.grid_cols == grid.n_cols:
                    ranges = previous.ranges
                elif previous is not None and previous.n_cols == grid.n_cols:
                    ranges = [(c, c + 1) for c in range(grid.n_cols)]
                else:
                    warnings.append(f"page {grid.page}: a table without header follows no table of the same width")
                    continue
                table, body_start = previous, 0
            _add_rows(table, grid, body_start, ranges)
            previous = table
    return [tables[code] for code in order]


def _new_table(spec: TableSpec, n_cols: int, labels: list[str], know: Knowledge, label_header: str) -> Table:
    keys = [phrase_key(lb) for lb in labels]
    row_no_col = next((i for i, k in enumerate(keys) if _is_row_no_header(k, know)), None)
    unit_col = next((i for i, k in enumerate(keys) if k in know.unit_headers), None)
    label_col = next((i for i, k in enumerate(keys) if k.startswith(f"{label_header} ")), None)
    if label_col is None:
        label_col = (row_no_col + 1) if row_no_col is not None and row_no_col + 1 < n_cols else None
    labels = [_canonical_label(lb, spec) for lb in labels]
    return Table(spec, n_cols, labels, row_no_col, label_col, unit_col)


def _add_rows(table: Table, grid: Grid, start: int, ranges: list[tuple[int, int]]) -> None:
    for row in range(start, grid.n_rows):
        texts = [" ".join(t for c in range(a, b) if (t := _cell_text(grid, row, c)).strip()) for a, b in ranges]
        if not any(t.strip() for t in texts) or _is_numbering_row(texts):
            continue
        table.rows.append((grid.page, texts))
        table.confidences.append(
            [min((_cell_confidence(grid, row, c) for c in range(a, b)), default=1.0) for a, b in ranges]
        )
