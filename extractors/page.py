"""What a page holds once read, whatever the reader: text lines and ruled tables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from extractors.grid import Grid, Word


@dataclass(frozen=True)
class TextLine:
    """A line of running text outside any table, in the upright display frame."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float = 0.0
    bold: bool = False
    confidence: float = 1.0


@dataclass
class PageContent:
    number: int  # 1-based
    width: float
    height: float
    text_source: str  # "text_layer" or "ocr"
    lines: list[TextLine] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    text_encoding: str = "unicode"  # what the source was typed in: unicode, tcvn3, vni (text is decoded)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def word_rows(words: Iterable[Word], overlap: float = 0.5, lookback: int = 3) -> list[list[Word]]:
    """Words grouped into printed lines, top to bottom, each line's words left to right.

    A word joins a line when it overlaps the line's first word vertically by more than
    ``overlap`` of the smaller height; only the last ``lookback`` lines are candidates, so a
    word never joins a line far above it (a table's column of numbers beside a tall label).
    The one line builder of every reader of positioned words (text layer, unruled tables).
    """
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        for row in rows[-lookback:]:
            ref = row[0]
            shared = min(ref.bottom, w.bottom) - max(ref.top, w.top)
            if shared > overlap * min(ref.bottom - ref.top, w.bottom - w.top):
                row.append(w)
                break
        else:
            rows.append([w])
    for row in rows:
        row.sort(key=lambda w: w.x0)
    return rows


def rows_to_lines(rows: list[list[Word]]) -> list[TextLine]:
    """Each row of words as one line (left to right), the lines top to bottom; empty rows dropped."""
    lines = []
    for row in rows:
        if not row:
            continue
        row = sorted(row, key=lambda w: w.x0)
        lines.append(
            TextLine(
                text=" ".join(w.text for w in row),
                x0=min(w.x0 for w in row),
                top=min(w.top for w in row),
                x1=max(w.x1 for w in row),
                bottom=max(w.bottom for w in row),
                size=max(w.bottom - w.top for w in row),
                confidence=min(w.confidence for w in row),
            )
        )
    lines.sort(key=lambda ln: (round(ln.top), ln.x0))
    return lines


def words_to_lines(words: list[Word]) -> list[TextLine]:
    """Group words into lines by vertical overlap, top to bottom."""
    return rows_to_lines(word_rows(words))


def outside(words: list[Word], grids: list[Grid], margin: float = 1.0) -> list[Word]:
    """Words that belong to no table."""

    def inside(w: Word, g: Grid) -> bool:
        x0, top, x1, bottom = g.bbox
        return x0 - margin <= w.cx <= x1 + margin and top - margin <= w.cy <= bottom + margin

    return [w for w in words if not any(inside(w, g) for g in grids)]
