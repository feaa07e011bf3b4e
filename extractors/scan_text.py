"""Text outside the tables of a scanned page: tesseract's lines, re-read from the grey page and voted."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from extractors.grid import Cell, Grid, Word
from extractors.image_cleanup import ink_box
from extractors.ocr_engine import image_to_data, tsv_words
from extractors.page import TextLine, rows_to_lines
from extractors.scan_mosaic import DISPUTED_CONFIDENCE, LANG, Crop, is_doubtful, is_noise, ocr_mosaic
from normalizers.text import strip_diacritics

_RULE_CHARS = set("_—–-~=")
_JUNK_CHARS = set("_—–~'‘’`\"|.,:;=")


def _is_junk_word(text: str, conf: float) -> bool:
    """Specks, rule lines and shadow edges read as words: no letters to speak of, or a dash run."""
    if is_noise(text, conf * 100):
        return True
    if all(ch in _JUNK_CHARS for ch in text) and text not in (".", "./.", "./"):
        return True
    if len(text) >= 4 and sum(ch in _RULE_CHARS for ch in text) >= 0.6 * len(text):
        return True
    return conf < 0.5 and sum(ch.isalnum() for ch in text) <= 1 and not text.isdigit() and text not in ("-", "+", "–")


def _tesseract_words(data: dict, dx: int = 0, dy: int = 0) -> list[tuple[Word, tuple[int, ...]]]:
    out: list[tuple[Word, tuple[int, ...]]] = []
    for text, conf, left, top, w, h, block, par, line in tsv_words(data):
        text, conf = text.strip(), float(conf)
        if not text or conf < 0 or _is_junk_word(text, conf / 100):
            continue
        out.append((Word(text, left + dx, top + dy, left + w + dx, top + h + dy, conf / 100), (block, par, line)))
    return out


def _core(words: Sequence[Word]) -> tuple[float, float]:
    """A line's vertical band without its tallest accents and descenders (median word box)."""
    return float(np.median([w.top for w in words])), float(np.median([w.bottom for w in words]))


def _group_lines(words: list[tuple[Word, tuple[int, ...]]]) -> list[list[Word]]:
    """Tesseract's own lines, and lines of different blocks side by side on one visual row.

    Grouping words by vertical overlap alone merges two lines of a paragraph on a skewed or
    tightly set page (a tall "Đ" reaches into the line above), which reorders their words.
    """
    groups: dict[tuple[int, ...], list[Word]] = {}
    for word, key in words:
        groups.setdefault(key, []).append(word)
    rows: list[tuple[set[int], list[Word]]] = []
    for key, ws in sorted(groups.items(), key=lambda kv: _core(kv[1])[0]):
        top, bottom = _core(ws)
        for blocks, row in rows[-4:]:
            if key[0] in blocks:
                continue
            rtop, rbottom = _core(row)
            if min(bottom, rbottom) - max(top, rtop) > 0.5 * min(bottom - top, rbottom - rtop):
                row.extend(ws)
                blocks.add(key[0])
                break
        else:
            rows.append(({key[0]}, list(ws)))
    return [row for _, row in rows]


def _vote(mine: list[Word], theirs: list[Word]) -> list[Word]:
    """Two readings of one line merged word by word; the line's words and order stay the first's.

    Thresholding merges a hook with an acute ("CHUYẾN" for "CHUYỂN") and the grey pixels
    blur others ("ĐỐI" for "ĐỔI"); each reading is sure where it is right. Where the two
    differ only in their marks the surer word is taken, and any word the readings do not
    both give is doubted (at most DISPUTED_CONFIDENCE). Words only the second reading has
    are left out: they are often a neighbouring line's ink.
    """
    a, b = [w.text for w in mine], [w.text for w in theirs]
    out: list[Word] = []

    def doubted(w: Word) -> Word:
        return dataclasses.replace(w, confidence=min(w.confidence, DISPUTED_CONFIDENCE))

    for op in Levenshtein.opcodes(a, b):
        i1, i2, j1, j2 = op.src_start, op.src_end, op.dest_start, op.dest_end
        if op.tag == "equal":
            out.extend(mine[i1:i2])
        elif op.tag == "replace":  # Levenshtein replaces word for word: both sides have the same length
            for x, y in zip(mine[i1:i2], theirs[j1:j2]):
                same_letters = strip_diacritics(x.text).casefold() == strip_diacritics(y.text).casefold()
                best = y if same_letters and y.confidence > x.confidence else x
                out.append(doubted(dataclasses.replace(x, text=best.text, confidence=best.confidence)))
        else:
            out.extend(doubted(w) for w in mine[i1:i2])
    return out


def _reread_lines_from_gray(lines: list[list[Word]], gray: np.ndarray) -> list[list[Word]]:
    """Every free-text line read again from the grey page (one mosaic), merged word by word.

    Only the pixels inside the line's own word boxes are kept, so a tall neighbour line
    does not come along.
    """
    crops: list[Crop] = []
    for ws in lines:
        x0, top = max(0, int(min(w.x0 for w in ws)) - 3), max(0, int(min(w.top for w in ws)) - 3)
        x1, bottom = int(max(w.x1 for w in ws)) + 3, int(max(w.bottom for w in ws)) + 3
        region = gray[top:bottom, x0:x1].copy()
        if region.size == 0:
            crops.append(Crop(Cell(0, 0, 1, 1, 0, 0, 1, 1), np.full((1, 1), 255, np.uint8), x0, top))
            continue
        keep = np.zeros(region.shape, bool)
        for w in ws:
            keep[
                max(0, int(w.top) - top - 2) : int(w.bottom) - top + 2, max(0, int(w.x0) - x0 - 2) : int(w.x1) - x0 + 2
            ] = True
        region[~keep] = 255
        region = cv2.normalize(region, None, 0, 255, cv2.NORM_MINMAX)  # type: ignore[call-overload, unused-ignore]  # stub gap before OpenCV 5.1
        crops.append(Crop(Cell(0, 0, 1, 1, 0, 0, 1, 1), region, x0, top))
    ocr_mosaic(crops, "--psm 6")
    out = []
    for ws, crop in zip(lines, crops):
        theirs = sorted((w for w in crop.words if not _is_junk_word(w.text, w.confidence)), key=lambda w: w.x0)
        out.append(_vote(sorted(ws, key=lambda w: w.x0), theirs) if theirs else ws)
    return out


def free_text(
    clean: np.ndarray, grids: Sequence[Grid], margin: int, gray: np.ndarray | None = None, reread_all: bool = True
) -> list[TextLine]:
    """The lines outside the grids; each line tesseract is not sure of (every line if `reread_all`) re-read from `gray`."""
    blanked = clean.copy()
    for grid in grids:
        x0, top, x1, bottom = (int(v) for v in grid.bbox)
        blanked[max(0, top - margin) : bottom + margin, max(0, x0 - margin) : x1 + margin] = 255
    box = ink_box(blanked)
    if box is None:  # nothing but tables on the page
        return []
    # tesseract's layout analysis costs by the area it is given: on a page that is mostly one
    # table, the text around it is a strip (read with a border of paper around it)
    border, (h, w) = 4 * margin, blanked.shape
    x0, top = max(0, box[0] - border), max(0, box[1] - border)
    x1, bottom = min(w, box[2] + border), min(h, box[3] + border)
    data = image_to_data(np.ascontiguousarray(blanked[top:bottom, x0:x1]), LANG, "--psm 3")
    rows = _group_lines(_tesseract_words(data, x0, top))
    if gray is not None and gray.shape == clean.shape and rows:
        doubtful = [i for i, row in enumerate(rows) if reread_all or is_doubtful(row)]
        for i, row in zip(doubtful, _reread_lines_from_gray([rows[i] for i in doubtful], gray)):
            rows[i] = row
    return rows_to_lines(rows)
