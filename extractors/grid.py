"""The Grid: one table as a matrix of cells with spans, whatever the source.

Text-layer pages and scans both reduce to ruling segments plus positioned words;
:func:`build_grids` turns those into Grids. Everything after this point (layouts,
normalizers, checks) is shared, so a scan and a text copy of a decision give the same rows.
Coordinates are in the page's upright display frame, top-left origin.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Segment:
    """A ruling line: horizontal (`pos` = y) or vertical (`pos` = x), spanning start..end."""

    horizontal: bool
    pos: float
    start: float
    end: float


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float = 1.0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class Cell:
    row: int
    col: int
    rowspan: int
    colspan: int
    x0: float
    top: float
    x1: float
    bottom: float
    text: str = ""
    confidence: float = 1.0
    words: list[Word] = field(default_factory=list, repr=False)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass
class Grid:
    """A ruled table on one page. `cells` own their top-left position; spans cover the rest."""

    page: int
    n_rows: int
    n_cols: int
    cells: list[Cell]
    bbox: tuple[float, float, float, float]
    col_edges: list[float] = field(default_factory=list)
    row_edges: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._owner: dict[tuple[int, int], Cell] = {}
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    self._owner[(r, c)] = cell

    def cell_at(self, row: int, col: int) -> Cell | None:
        """The cell covering a position, spanning cells included."""
        return self._owner.get((row, col))

    def anchored(self, row: int, col: int) -> Cell | None:
        """The cell whose top-left corner is this position (None where a span covers it)."""
        cell = self._owner.get((row, col))
        return cell if cell is not None and cell.row == row and cell.col == col else None

    def row_cells(self, row: int) -> list[Cell]:
        """Distinct cells touching a row, left to right."""
        seen: list[Cell] = []
        for col in range(self.n_cols):
            cell = self.cell_at(row, col)
            if cell is not None and (not seen or seen[-1] is not cell):
                seen.append(cell)
        return seen

    def text_matrix(self) -> list[list[str | None]]:
        """Cell texts at their anchors, None where a span covers the position (pdfplumber-style)."""
        return [
            [cell.text if (cell := self.anchored(r, c)) is not None else None for c in range(self.n_cols)]
            for r in range(self.n_rows)
        ]


def _cluster(values: Iterable[float], tol: float) -> list[float]:
    ordered = sorted(values)
    groups: list[list[float]] = []
    for v in ordered:
        if groups and v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def merge_segments(segments: Iterable[Segment], tol: float) -> list[Segment]:
    """Join collinear pieces (text PDFs draw borders cell by cell; scans break lines)."""
    merged: list[Segment] = []
    for horizontal in (True, False):
        same = sorted((s for s in segments if s.horizontal == horizontal), key=lambda s: (s.pos, s.start))
        rows: list[list[Segment]] = []
        for seg in same:
            if rows and abs(seg.pos - rows[-1][0].pos) <= tol:
                rows[-1].append(seg)
            else:
                rows.append([seg])
        for row in rows:
            pos = sum(s.pos for s in row) / len(row)
            row.sort(key=lambda s: s.start)
            start, end = row[0].start, row[0].end
            for seg in row[1:]:
                if seg.start <= end + tol:
                    end = max(end, seg.end)
                else:
                    merged.append(Segment(horizontal, pos, start, end))
                    start, end = seg.start, seg.end
            merged.append(Segment(horizontal, pos, start, end))
    return merged


def _touches(h: Segment, v: Segment, tol: float) -> bool:
    return h.start - tol <= v.pos <= h.end + tol and v.start - tol <= h.pos <= v.end + tol


def _components(segments: Sequence[Segment], tol: float) -> list[list[Segment]]:
    parent = list(range(len(segments)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hs = [i for i, s in enumerate(segments) if s.horizontal]
    vs = [i for i, s in enumerate(segments) if not s.horizontal]
    for i in hs:
        for j in vs:
            if _touches(segments[i], segments[j], tol):
                parent[find(i)] = find(j)
    groups: dict[int, list[Segment]] = {}
    for i, seg in enumerate(segments):
        groups.setdefault(find(i), []).append(seg)
    return list(groups.values())


def _covered(segments: Sequence[Segment], pos: float, a: float, b: float, tol: float) -> bool:
    """Is the boundary at `pos` between a and b drawn (mostly) by some segment?"""
    need = (b - a) * 0.6
    covered = 0.0
    for s in segments:
        if abs(s.pos - pos) <= tol:
            covered += max(0.0, min(b, s.end) - max(a, s.start))
    return covered >= need


def join_words(words: Sequence[Word]) -> str:
    """Words to text: lines by vertical overlap, left to right, lines joined by newlines."""
    if not words:
        return ""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.cy, w.x0)):
        height = max(w.bottom - w.top, 1.0)
        if lines and abs(w.cy - lines[-1][0].cy) <= height * 0.5:
            lines[-1].append(w)
        else:
            lines.append([w])
    return "\n".join(" ".join(w.text for w in sorted(line, key=lambda w: w.x0)) for line in lines)


def build_grids(
    segments: Iterable[Segment],
    words: Sequence[Word],
    page: int,
    tol: float = 2.0,
    min_size: float = 10.0,
) -> list[Grid]:
    """Find ruled tables in a page's segments and fill their cells with the words inside.

    Spans come from missing borders: two neighbouring elementary cells with no line
    between them belong to one cell (merged headers, "MỨC TỐT" rows, "Không đánh giá").
    """
    merged = [s for s in merge_segments(segments, tol) if s.end - s.start >= min_size]
    grids: list[Grid] = []
    for comp in _components(merged, tol):
        hs = [s for s in comp if s.horizontal]
        vs = [s for s in comp if not s.horizontal]
        if len(hs) < 2 or len(vs) < 2:
            continue
        ys = _cluster((s.pos for s in hs), tol * 2)
        xs = _cluster((s.pos for s in vs), tol * 2)
        if len(ys) < 2 or len(xs) < 2:
            continue
        grid = _grid_from_lines(hs, vs, xs, ys, words, page, tol * 2)
        if grid is not None:
            grids.append(grid)
    grids.sort(key=lambda g: (g.bbox[1], g.bbox[0]))
    return grids


def _grid_from_lines(hs, vs, xs, ys, words, page, tol) -> Grid | None:
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = {(r, c): (r, c) for r in range(n_rows) for c in range(n_cols)}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not _covered(vs, xs[c + 1], ys[r], ys[r + 1], tol):
                parent[find((r, c + 1))] = find((r, c))
            if r + 1 < n_rows and not _covered(hs, ys[r + 1], xs[c], xs[c + 1], tol):
                parent[find((r + 1, c))] = find((r, c))
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for key in parent:
        groups.setdefault(find(key), []).append(key)
    cells: list[Cell] = []
    for members in groups.values():
        r0 = min(r for r, _ in members)
        r1 = max(r for r, _ in members)
        c0 = min(c for _, c in members)
        c1 = max(c for _, c in members)
        cells.append(Cell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]))
    cells.sort(key=lambda c: (c.row, c.col))
    bbox = (xs[0], ys[0], xs[-1], ys[-1])
    for w in words:
        if not (bbox[0] <= w.cx <= bbox[2] and bbox[1] <= w.cy <= bbox[3]):
            continue
        for cell in cells:
            if cell.x0 <= w.cx <= cell.x1 and cell.top <= w.cy <= cell.bottom:
                cell.words.append(w)
                break
    for cell in cells:
        cell.text = join_words(cell.words)
        if cell.words:
            cell.confidence = min(w.confidence for w in cell.words)
    return Grid(page, n_rows, n_cols, cells, bbox, list(xs), list(ys))
