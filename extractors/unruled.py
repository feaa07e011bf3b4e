"""Unruled tables: a text page whose table has no ruling lines, read from the alignment of its words.

Many decisions are exported without table borders. camelot's stream flavor finds where such a
table stands on the page and its columns (from the gaps that run down the body rows); the
Grid is then built here from the page's words so that it carries what the ruled path gets
from missing borders, the spans:

- header: a phrase that crosses column boundaries ("Điểm thành phần (điểm tối đa)") is a cell
  spanning the columns it is centred over; a column under no such phrase has one header cell
  spanning every header row ("STT", "Tên đơn vị", "Tổng điểm đạt được (100)"); the words of a
  column below a spanning phrase are that column's leaf header;
- body: one row per text line that carries numbers; a line with only a name-column phrase is
  the wrapped rest of the nearest row; a line with one phrase and no number that starts at the
  left ("MỨC TỐT") is a section row spanning the full width; a phrase crossing columns in a
  data row ("Điểm trung bình", "Không đánh giá") spans them and the empty columns beside it.

The table starts below the heading above it ("I. Các cơ quan ...") and ends at the next
heading or paragraph. The layouts decide, as for every Grid, which table is the ranking.
"""

from __future__ import annotations

import re
import statistics
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from extractors.grid import Cell, Grid, Word, join_words
from extractors.page import word_rows
from normalizers.numbers import looks_numeric

PdfSource = str | Path | bytes  # what camelot reads: a PDF's path or its bytes

_HEADING = re.compile(r"^(?:[IVXLC]+\.|\d+(?:\.\d+)*\.|[a-zđ]\))\s+\S", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^[-–\s]*\d{1,3}[-–\s]*$")
# Two words of one phrase stand closer than this share of the text height; cells are further apart.
PHRASE_GAP = 0.55
# A phrase crosses a column boundary when it reaches this far past it on both sides.
CROSS = 3.0


class UnruledTableError(ValueError):
    """camelot could not read a page that looks like an unruled table."""


@dataclass(frozen=True)
class TableArea:
    """Where a table stands (upright display frame, top-left origin) and its column boundaries."""

    x0: float
    top: float
    x1: float
    bottom: float
    col_edges: tuple[float, ...]  # n_cols + 1 boundaries, left to right


@dataclass
class _Line:
    words: list[Word]

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return statistics.median(w.bottom - w.top for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in sorted(self.words, key=lambda w: w.x0))


def _lines(words: Sequence[Word]) -> list[_Line]:
    return sorted((_Line(row) for row in word_rows(words)), key=lambda r: r.top)


def _phrases(words: Sequence[Word]) -> list[list[Word]]:
    """Words on one baseline that follow each other closely: the text of one cell."""
    phrases: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (round(w.top), w.x0)):
        for ph in phrases:
            last = ph[-1]
            height = max(last.bottom - last.top, 1.0)
            if abs(w.top - last.top) <= 0.3 * height and 0 <= w.x0 - last.x1 <= PHRASE_GAP * height + 1:
                ph.append(w)
                break
        else:
            phrases.append([w])
    return phrases


def _numeric(w: Word) -> bool:
    return looks_numeric(w.text)


def _lettered(w: Word) -> bool:
    return sum(ch.isalpha() for ch in w.text) >= 1 and not _numeric(w)


def _band(edges: Sequence[float], x: float) -> int:
    for i in range(len(edges) - 1):
        if x < edges[i + 1]:
            return i
    return len(edges) - 2


def _bands_crossed(edges: Sequence[float], x0: float, x1: float) -> tuple[int, int]:
    """First and last column a span of text reaches into (by more than CROSS past a boundary)."""
    first = _band(edges, x0 + CROSS)
    last = _band(edges, x1 - CROSS)
    return first, max(first, last)


def _cells_of(line: _Line) -> tuple[int, int, int]:
    """Phrases on a line: how many, how many are one number, how many carry letters."""
    phrases = _phrases(line.words)
    numbers = sum(1 for ph in phrases if len(ph) == 1 and _numeric(ph[0]))
    lettered = sum(1 for ph in phrases if any(_lettered(w) for w in ph))
    return len(phrases), numbers, lettered


def _starts_table(line: _Line) -> bool:
    """A table row: numbers standing apart in their own columns beside a name; a line of prose
    with numbers in it ("lớn hơn 50% và nhỏ hơn 75%") is one phrase."""
    phrases, numbers, lettered = _cells_of(line)
    return numbers >= 2 and lettered >= 1 and phrases >= 3 or numbers >= 4


def _is_data(line: _Line, edges: Sequence[float]) -> bool:
    """A row inside a table: its numbers apart from its text ("Điểm trung bình   389,01" too)."""
    phrases, numbers, lettered = _cells_of(line)
    return numbers >= 1 and phrases >= 2 and (lettered >= 1 or numbers >= 3)


def _is_section(line: _Line, edges: Sequence[float]) -> bool:
    if any(_numeric(w) for w in line.words) or len(_phrases(line.words)) != 1:
        return False
    first, last = _bands_crossed(edges, line.words[0].x0, line.words[-1].x1)
    return first == 0 and (last > 0 or len(edges) <= 3) and not _HEADING.match(line.text)


def _is_continuation(line: _Line, edges: Sequence[float]) -> bool:
    if any(_numeric(w) for w in line.words) or sum(ch.isalpha() for ch in line.text) < 2:
        return False
    first, last = _bands_crossed(edges, min(w.x0 for w in line.words), max(w.x1 for w in line.words))
    return first == last and first > 0


def _stops(line: _Line, area: TableArea) -> bool:
    """A heading or a line of running text outside the table's width ends the table."""
    text = line.text
    if _HEADING.match(text) or _PAGE_NUMBER.match(text):
        return True
    left, right = min(w.x0 for w in line.words), max(w.x1 for w in line.words)
    width = area.col_edges[-1] - area.col_edges[0]
    return left < area.col_edges[0] - 0.05 * width or right > area.col_edges[-1] + 0.05 * width


def _span_columns(edges: Sequence[float], x0: float, x1: float, leaves: set[int]) -> tuple[int, int]:
    """The columns a spanning header stands over: those its text reaches, widened over the
    neighbouring columns whose header sits below it."""
    first, last = _bands_crossed(edges, x0, x1)
    while first - 1 in leaves:
        first -= 1
    while last + 1 in leaves:
        last += 1
    return first, last


def _leaf_columns(
    plain: Sequence[Word], edges: Sequence[float], span_bottom: float, top: float, bottom: float
) -> set[int]:
    """Columns whose header text belongs below a spanning cell: it starts under the spanning text and
    is centred in the rows below it rather than over the whole header ("STT", "Tổng điểm" are not)."""
    leaves = set()
    leaf_centre, full_centre = (span_bottom + bottom) / 2, (top + bottom) / 2
    for c in range(len(edges) - 1):
        ws = [w for w in plain if _band(edges, w.cx) == c]
        if not ws:
            continue
        b_top, b_bottom = min(w.top for w in ws), max(w.bottom for w in ws)
        centre = (b_top + b_bottom) / 2
        if b_top >= span_bottom - 1 and abs(centre - leaf_centre) < abs(centre - full_centre):
            leaves.add(c)
    return leaves


def _header_cells(words: Sequence[Word], edges: Sequence[float], top: float, bottom: float) -> tuple[list[Cell], int]:
    """Header cells with spans, and the number of header rows they occupy."""
    n_cols = len(edges) - 1
    spanning: list[tuple[list[Word], int, int]] = []
    plain: list[Word] = []
    crossing: list[list[Word]] = []
    for ph in _phrases(words):
        first, last = _bands_crossed(edges, ph[0].x0, ph[-1].x1)
        if last > first:
            crossing.append(ph)
        else:
            plain.extend(ph)
    for ph in crossing:
        # the spanning text ends with the lowest crossing line under it (a heading wrapped over two lines)
        span_bottom = max(
            w.bottom for other in crossing for w in other if other[0].x0 < ph[-1].x1 and ph[0].x0 < other[-1].x1
        )
        a, b = _span_columns(edges, ph[0].x0, ph[-1].x1, _leaf_columns(plain, edges, span_bottom, top, bottom))
        for g_words, ga, gb in spanning:
            gap = ph[0].top - max(w.bottom for w in g_words)
            if (ga, gb) == (a, b) and 0 <= gap < 0.8 * (ph[0].bottom - ph[0].top):
                g_words.extend(ph)
                break
        else:
            spanning.append((list(ph), a, b))
    # levels: spanning cells by their top, the deepest level sits right above the leaves
    spanning.sort(key=lambda s: min(w.top for w in s[0]))
    levels: list[list[tuple[list[Word], int, int]]] = []
    for s in spanning:
        s_top = min(w.top for w in s[0])
        if levels and abs(min(w.top for w in levels[-1][0][0]) - s_top) < 4:
            levels[-1].append(s)
        else:
            levels.append([s])
    n_rows = len(levels) + 1
    row_edges = [top] + [max(w.bottom for s in lvl for w in s[0]) + 1 for lvl in levels] + [bottom]
    cells: list[Cell] = []
    depth = [0] * n_cols  # header rows taken from the top by spanning cells, per column
    for level, lvl in enumerate(levels):
        for ws, a, b in lvl:
            cells.append(
                Cell(
                    level,
                    a,
                    1,
                    b - a + 1,
                    edges[a],
                    row_edges[level],
                    edges[b + 1],
                    row_edges[level + 1],
                    join_words(ws),
                    words=list(ws),
                )
            )
            for c in range(a, b + 1):
                depth[c] = level + 1
    for c in range(n_cols):
        ws = [w for w in plain if _band(edges, w.cx) == c]
        row = depth[c]
        cells.append(
            Cell(row, c, n_rows - row, 1, edges[c], row_edges[row], edges[c + 1], bottom, join_words(ws), words=ws)
        )
    return cells, n_rows


def _body_cells(line_words: list[Word], edges: Sequence[float], row: int, top: float, bottom: float) -> list[Cell]:
    n_cols = len(edges) - 1
    placed: dict[int, list[Word]] = {}
    spans: list[tuple[int, int, list[Word]]] = []
    for ph in _phrases(line_words):
        lettered = [w for w in ph if not _numeric(w)]
        first, last = _bands_crossed(edges, ph[0].x0, ph[-1].x1)
        if lettered and last > first:
            spans.append((first, last, ph))
        else:
            for w in ph:
                placed.setdefault(_band(edges, w.cx), []).append(w)
    taken = set(placed)
    for first, last, _ in spans:
        taken.update(range(first, last + 1))
    cells: list[Cell] = []
    for first, last, ph in spans:
        b = last
        while b + 1 < n_cols and b + 1 not in taken and not any(b + 1 >= f for f, _, _ in spans if f > last):
            b += 1  # "Không đánh giá" fills the columns it was merged over
        taken.update(range(last + 1, b + 1))
        cells.append(
            Cell(row, first, 1, b - first + 1, edges[first], top, edges[b + 1], bottom, join_words(ph), words=ph)
        )
    covered = {c for cell in cells for c in range(cell.col, cell.col + cell.colspan)}
    for c in range(n_cols):
        if c in covered:
            continue
        ws = placed.get(c, [])
        cells.append(Cell(row, c, 1, 1, edges[c], top, edges[c + 1], bottom, join_words(ws), words=ws))
    return cells


def _without_empty_columns(edges: list[float], words: Sequence[Word]) -> list[float]:
    """camelot may split a column where its text is ragged: a column with no word joins its neighbour."""
    used = {_band(edges, w.cx) for w in words}
    kept = list(edges)
    for band in reversed(range(len(edges) - 1)):
        if band not in used and len(kept) > 3:
            del kept[band if band > 0 else 1]
    return kept


def _header_top(lines: list[_Line], start: int, area: TableArea) -> int:
    """Index of the first header line: walk up from the body while the lines stay close together."""
    i = start
    while i > 0:
        above, below = lines[i - 1], lines[i]
        if _stops(above, area) or below.top - above.bottom > 1.0 * max(above.height, below.height):
            break
        i -= 1
    return i


def grids_in_area(words: Sequence[Word], area: TableArea, page: int) -> list[Grid]:
    """The tables standing in one camelot area (one after another below their headings) as Grids."""
    edges = list(area.col_edges)
    lines = _lines(words)
    inside = [i for i, ln in enumerate(lines) if area.top - 2 <= ln.cy <= area.bottom + 2]
    grids: list[Grid] = []
    floor = 0  # the header of a table cannot reach into the table above it
    i = inside[0] if inside else len(lines)
    last = inside[-1] if inside else -1
    while i <= last:
        start = next(
            (
                k
                for k in range(i, last + 1)
                if not _stops(lines[k], area) and (_starts_table(lines[k]) or _is_section(lines[k], edges))
            ),
            None,
        )
        if start is None:
            break
        grid, i = _grid_from(lines, start, max(_header_top(lines, start, area), floor), area, page)
        floor = i
        if grid is not None:
            grids.append(grid)
    return grids


def _grid_from(lines: list[_Line], start: int, head: int, area: TableArea, page: int) -> tuple[Grid | None, int]:
    """The grid whose header begins at line `head` and body at `start`, and the line after it."""
    edges = list(area.col_edges)
    body: list[list[Word]] = []
    kinds: list[str] = []
    i = start
    for i in range(start, len(lines) + 1):
        if i == len(lines):
            break
        ln = lines[i]
        if _stops(ln, area):
            break
        if _is_data(ln, edges):
            body.append(list(ln.words))
            kinds.append("data")
        elif _is_section(ln, edges):
            body.append(list(ln.words))
            kinds.append("section")
        elif _is_continuation(ln, edges) and body:
            body.append(list(ln.words))
            kinds.append("wrap")
        else:
            break
    nxt_line = max(i, start + 1)
    # a wrapped name line joins the nearest data row (names may wrap above or below the numbers)
    rows: list[list[Word]] = []
    row_kinds: list[str] = []
    pending: list[Word] = []
    for k, (kind, ws) in enumerate(zip(kinds, body)):
        if kind != "wrap":
            rows.append(ws + pending)
            row_kinds.append(kind)
            pending = []
            continue
        cy = sum(w.cy for w in ws) / len(ws)
        prev = rows[-1] if rows and row_kinds[-1] == "data" else None
        nxt = next((b for kd, b in zip(kinds[k + 1 :], body[k + 1 :]) if kd == "data"), None)
        d_prev = abs(cy - sum(w.cy for w in prev) / len(prev)) if prev else float("inf")
        nxt_ok = nxt is not None and kinds[k + 1] in ("data", "wrap")
        d_next = abs(cy - sum(w.cy for w in nxt) / len(nxt)) if nxt_ok and nxt is not None else float("inf")
        if d_next < d_prev:
            pending.extend(ws)
        elif prev is not None:
            prev.extend(ws)
    if pending and rows:
        rows[-1].extend(pending)
    while rows and row_kinds[-1] != "data":  # a section line after the last row heads nothing
        rows.pop()
        row_kinds.pop()
    if not rows:
        return None, nxt_line
    header_words = [w for ln in lines[head:start] for w in ln.words]
    edges = _without_empty_columns(edges, header_words + [w for r in rows for w in r])
    top = min(w.top for w in header_words) - 1 if header_words else min(w.top for w in rows[0]) - 1
    body_top = min(w.top for w in rows[0]) - 1
    cells: list[Cell] = []
    n_header = 0
    if header_words:
        cells, n_header = _header_cells(header_words, edges, top, body_top)
    row_edges = [top] if header_words else []
    tops = [min(w.top for w in r) for r in rows]
    bottoms = [max(w.bottom for w in r) for r in rows]
    bounds = [body_top] + [(bottoms[i] + tops[i + 1]) / 2 for i in range(len(rows) - 1)] + [bottoms[-1] + 1]
    for r, ws in enumerate(rows):
        row = n_header + r
        if row_kinds[r] == "section":
            ws_sorted = sorted(ws, key=lambda w: w.x0)
            cells.append(
                Cell(
                    row,
                    0,
                    1,
                    len(edges) - 1,
                    edges[0],
                    bounds[r],
                    edges[-1],
                    bounds[r + 1],
                    join_words(ws_sorted),
                    words=ws_sorted,
                )
            )
        else:
            cells.extend(_body_cells(ws, edges, row, bounds[r], bounds[r + 1]))
    row_edges = ([top] if header_words else []) + bounds
    cells.sort(key=lambda c: (c.row, c.col))
    x0 = min(edges[0], *(w.x0 for c in cells for w in c.words))
    x1 = max(edges[-1], *(w.x1 for c in cells for w in c.words))
    bbox = (x0, row_edges[0], x1, row_edges[-1])
    return Grid(page, n_header + len(rows), len(edges) - 1, cells, bbox, edges, row_edges), nxt_line


def unruled_grids(words: Sequence[Word], areas: Sequence[TableArea], page: int) -> list[Grid]:
    """Grids for the tables camelot found on a page without ruling lines, top to bottom."""
    grids = [g for area in areas for g in grids_in_area(words, area, page)]
    grids.sort(key=lambda g: g.bbox[1])
    kept: list[Grid] = []
    for g in grids:  # two areas over one table give the same grid once
        if not any(g.bbox[1] < k.bbox[3] - 1 and k.bbox[1] < g.bbox[3] - 1 for k in kept):
            kept.append(g)
    return kept


def looks_tabular(words: Sequence[Word], min_rows: int = 2) -> bool:
    """Cheap test before camelot runs: lines that hold a name and numbers (several of them, or one
    with many numbers: the last row of a table carried over to a new page). A dated line of prose
    ("ngày 16 tháng 02 năm 2017") is neither."""
    rows = 0
    for ln in _lines(words):
        if _starts_table(ln):
            rows += 1
            if rows >= min_rows or _cells_of(ln)[1] >= 4:
                return True
    return False


def first_row_top(words: Sequence[Word]) -> float | None:
    """Top of the first line that holds a name and numbers (where a table camelot missed stands)."""
    for ln in _lines(words):
        if _starts_table(ln):
            return ln.top
    return None


def camelot_areas(
    source: PdfSource, page_number: int, page_height: float, region: tuple[float, float, float, float] | None = None
) -> list[TableArea]:
    """Tables camelot's stream flavor finds on one page of a PDF (path or bytes), top-left origin;
    with `region` (x0, top, x1, bottom), the one table camelot reads inside it."""
    import camelot  # loaded only for unruled pages

    options: dict = {}
    if region is not None:
        x0, top, x1, bottom = region
        options["table_areas"] = [f"{x0},{page_height - top},{x1},{page_height - bottom}"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tables = camelot.read_pdf(source, pages=str(page_number), flavor="stream", suppress_stdout=True, **options)
    except Exception as exc:  # camelot raises bare exceptions of many kinds on odd pages
        raise UnruledTableError(
            f"page {page_number}: the unruled table cannot be read ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:80]})"
        ) from exc
    areas = []
    for table in tables:
        x0, y0, x1, y1 = table._bbox
        cols = table.cols
        if len(cols) < 2:
            continue
        edges = tuple([cols[0][0]] + [c[0] for c in cols[1:]] + [cols[-1][1]])
        areas.append(TableArea(x0, page_height - y1, x1, page_height - y0, edges))
    return areas
