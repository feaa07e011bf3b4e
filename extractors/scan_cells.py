"""Table cells of a scanned page read by tesseract, in passes (see :func:`ocr_cells`).

Each cell is read on its own crop of the ruling-free page, so borders never glue to names
and one OCR line never runs across cells.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import cv2
import numpy as np
from rapidfuzz.distance import Indel

from extractors.grid import Cell, Grid, Word
from extractors.image_cleanup import components, ink_box
from extractors.scan_marks import dash_crop, drop_trailing_arrow, is_star
from extractors.scan_mosaic import (
    DISPUTED_CONFIDENCE,
    Crop,
    is_doubtful,
    mean_confidence,
    numeric_lang,
    ocr_mosaic,
    ocr_single,
)
from normalizers.numbers import looks_numeric

NUMERIC_CHARS = "0123456789.,%"


def _cell_crop(clean: np.ndarray, cell: Cell, inset: int, min_height: float) -> Crop | None:
    """The ink of one cell, tightly cropped, or None for an empty cell."""
    x0, top = int(cell.x0) + inset, int(cell.top) + inset
    x1, bottom = int(cell.x1) - inset, int(cell.bottom) - inset
    if x1 - x0 < 4 or bottom - top < 4:
        return None
    region = clean[top:bottom, x0:x1].copy()
    n, labels, stats, _ = components(255 - region)
    big = stats[1:, 3] >= min_height
    if n <= 1:
        return None
    if not big.any():
        return dash_crop(cell, region, stats, x0, top, min_height / 0.35)
    # dust: small blobs away from any glyph (diacritics and decimal points sit close to one)
    glyphs = stats[1:][big]
    reach = min_height * 2
    for label in range(1, n):
        x, y, w, h, area = stats[label]
        if big[label - 1]:
            continue
        dx = np.maximum(0, np.maximum(glyphs[:, 0] - (x + w), x - (glyphs[:, 0] + glyphs[:, 2])))
        dy = np.maximum(0, np.maximum(glyphs[:, 1] - (y + h), y - (glyphs[:, 1] + glyphs[:, 3])))
        if area < 5 or np.min(np.maximum(dx, dy)) > reach:
            region[labels == label] = 255
    drop_trailing_arrow(region, labels, stats, big, text_height=min_height / 0.35)
    box = ink_box(region)
    if box is None:
        return None
    cx0, cy0, cx1, cy1 = box
    crop = Crop(cell, region[cy0:cy1, cx0:cx1], x0 + cx0, top + cy0)
    crop.star_like = is_star(crop.image, min_height / 0.35)
    return crop


def _looks_numeric(text: str) -> bool:
    return looks_numeric(text) and not text.lstrip().startswith(("+", "-"))


def _numeric_columns(grid: Grid, crops: dict[int, Crop]) -> set[int]:
    """Columns whose one-column cells mostly read as numbers in the first pass."""
    votes: dict[int, list[bool]] = {}
    for cell in grid.cells:
        crop = crops.get(id(cell))
        if cell.colspan != 1 or crop is None or not crop.words:
            continue
        votes.setdefault(cell.col, []).append(_looks_numeric(_crop_text(crop)))
    return {col for col, v in votes.items() if len(v) >= 3 and sum(v) >= 0.6 * len(v)}


_SLASHES = re.compile("[/\u2044\u2215\u29f8]")  # "7⁄7": the first pass may read a fraction slash


def _ratio_columns(grid: Grid, crops: dict[int, Crop]) -> set[int]:
    """Columns where a third of the cells read as ratios ("107/135") in the first pass.

    Their cells are read again with "/" allowed, so "7/7" does not become 77.
    """
    votes: dict[int, list[bool]] = {}
    for cell in grid.cells:
        crop = crops.get(id(cell))
        if cell.colspan != 1 or crop is None or not crop.words:
            continue
        votes.setdefault(cell.col, []).append(bool(_SLASHES.search(_crop_text(crop))))
    return {col for col, v in votes.items() if len(v) >= 3 and sum(v) >= len(v) / 3}


def _crop_text(crop: Crop) -> str:
    """Words joined as tesseract grouped them into lines (small hyphens and dots included)."""
    groups: dict[tuple[int, ...], list[Word]] = {}
    for word, key in zip(crop.words, crop.lines):
        groups.setdefault(key, []).append(word)
    ordered = sorted(groups.values(), key=lambda ws: min(w.top for w in ws))
    return "\n".join(" ".join(w.text for w in sorted(ws, key=lambda w: w.x0)) for ws in ordered)


def _tidy_number(text: str) -> str:
    """Separators at the ends of a number are dust or border remnants, never printed."""
    stripped = text.strip(".,")
    return stripped if stripped and _looks_numeric(stripped) else text


_ROW_NO = re.compile(r"^\(\d{1,3}\)$")
_PAREN_GUESS = re.compile(r"^[^\s]{0,5}$")
_MARK_CONFIDENCE = 0.9  # a mark told by its shape: sure of the shape, not of the intent


def _finish(crop: Crop) -> None:
    if crop.mark is not None:
        crop.cell.words = [
            Word(
                crop.mark,
                crop.x0,
                crop.top,
                crop.x0 + crop.image.shape[1],
                crop.top + crop.image.shape[0],
                _MARK_CONFIDENCE,
            )
        ]
        crop.cell.text, crop.cell.confidence = crop.mark, _MARK_CONFIDENCE
        return
    text = _tidy_number(_crop_text(crop))
    confidence = min((w.confidence for w in crop.words), default=0.0)
    if crop.star_like and text != "*" and not (len(text) == 1 and text.isalnum() and confidence >= 0.85):
        crop.words = [
            Word(
                "*", crop.x0, crop.top, crop.x0 + crop.image.shape[1], crop.top + crop.image.shape[0], _MARK_CONFIDENCE
            )
        ]
        crop.lines = [(0, 0, 0)]
        text, confidence = "*", _MARK_CONFIDENCE
    crop.cell.words = sorted(crop.words, key=lambda w: (w.top, w.x0))
    crop.cell.text = text
    crop.cell.confidence = confidence


def _paren_numbers(crops: Sequence[Crop]) -> None:
    """Row numbers printed "(1)", "(7)": `vie` reads the bracket as "q", "G", "Œ" or drops it.

    Short one-word cells with a bracket are read again by the English model with a
    whitelist of digits and brackets; the new reading is kept only when it is "(n)".
    """
    doubtful = [
        c
        for c in crops
        if c.mark is None
        and (t := _crop_text(c))
        and _PAREN_GUESS.match(t)
        and ("(" in t or ")" in t)
        and not _ROW_NO.match(t)
    ]
    for crop in doubtful:
        before = (crop.words, crop.lines)
        crop.words, crop.lines = [], []
        ocr_single(crop, "--psm 7 -c tessedit_char_whitelist=0123456789()", numeric_lang())
        if not _ROW_NO.match(_crop_text(crop)):
            crop.words, crop.lines = before


def _gray_crop(crop: Crop, gray: np.ndarray) -> Crop:
    """The crop's grey pixels around its cleaned ink (rulings and dust stay white), stretched."""
    h, w = crop.image.shape
    region = gray[crop.top : crop.top + h, crop.x0 : crop.x0 + w].copy()
    keep = cv2.dilate((crop.image < 128).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    region[~keep] = 255
    region = cv2.normalize(region, None, 0, 255, cv2.NORM_MINMAX)  # type: ignore[call-overload, unused-ignore]  # stubs before 5.1: no dst=None
    return Crop(crop.cell, region, crop.x0, crop.top)


def _reread_text_from_gray(crops: Sequence[Crop], gray: np.ndarray) -> None:
    """Text cells read again from grey pixels; the reading tesseract is surer of is kept.

    Ties go to the grey reading: it keeps the diacritics thresholding blurs together.
    """
    if not crops or gray is None:
        return
    shadows = [_gray_crop(c, gray) for c in crops]
    ocr_mosaic(shadows, "--psm 6")
    for crop, shadow in zip(crops, shadows):
        if not shadow.words:
            continue
        other = crop.words
        if round(mean_confidence(shadow), 2) >= round(mean_confidence(crop), 2):
            crop.words, crop.lines = shadow.words, shadow.lines
        else:
            other = shadow.words
        _doubt_disputed_words(crop.words, other)


def _doubt_disputed_words(words: list[Word], other: Sequence[Word]) -> None:
    """Words the other reading of the cell does not confirm get at most DISPUTED_CONFIDENCE.

    Tesseract is often sure of a wrong diacritic or a dropped "-"; two readings of the same
    ink that differ are the better sign that a word is doubtful.
    """
    mine, theirs = [w.text for w in words], [w.text for w in other]
    confirmed: set[int] = set()
    for op in Indel.opcodes(mine, theirs):  # the longest common word sequence
        if op.tag == "equal":
            confirmed.update(range(op.src_start, op.src_end))
    for i, word in enumerate(words):
        if i not in confirmed and word.confidence > DISPUTED_CONFIDENCE:
            words[i] = dataclasses.replace(word, confidence=DISPUTED_CONFIDENCE)


def ocr_cells(
    clean: np.ndarray,
    grids: Sequence[Grid],
    text_height: float,
    gray: np.ndarray | None = None,
    reread_all: bool = True,
) -> None:
    """Fill every non-empty cell's text and confidence, in passes.

    0. lone "-" marks from their shape (no OCR); 1. all other cells, `vie`, block mode;
    2. cells of numeric columns again with a digit whitelist (no "l2" for 12, "z" for 7),
    with "/" where the first pass saw a ratio; 3. row numbers in brackets again;
    4. text cells again from the grey page (`gray`, aligned with `clean`), keeping the
    surer reading (only the doubtful ones unless `reread_all`: a low-resolution page); 5. cells with ink that still read as nothing (one-digit ranks) one by
    one in single-character mode; a lone star-shaped blob read as garbage is "*".
    """
    inset = max(3, int(text_height * 0.12))
    crops: dict[int, Crop] = {}
    for grid in grids:
        for cell in grid.cells:
            crop = _cell_crop(clean, cell, inset, text_height * 0.35)
            if crop is not None:
                crops[id(cell)] = crop
            else:
                cell.text, cell.confidence = "", 1.0
    readable = [c for c in crops.values() if c.mark is None]
    ocr_mosaic(readable, "--psm 6")

    numeric: list[Crop] = []
    ratio_ids: set[int] = set()
    for grid in grids:
        cols = _numeric_columns(grid, crops)
        ratio_cols = _ratio_columns(grid, crops)
        for cell in grid.cells:
            crop = crops.get(id(cell))
            if crop is None or crop.mark is not None:
                continue
            text = _crop_text(crop)
            letters = sum(ch.isalpha() for ch in text)
            if (cell.colspan == 1 and cell.col in cols and letters <= 2) or _looks_numeric(text):
                numeric.append(crop)
                if _SLASHES.search(text) or (cell.colspan == 1 and cell.col in ratio_cols):
                    ratio_ids.add(id(crop))
    first = {id(c): (c.words, c.lines) for c in numeric}
    ratios = [c for c in numeric if id(c) in ratio_ids]
    plain = [c for c in numeric if id(c) not in ratio_ids]
    for crop in numeric:
        crop.words, crop.lines = [], []
    ocr_mosaic(plain, f"--psm 6 -c tessedit_char_whitelist={NUMERIC_CHARS}", numeric_lang())
    ocr_mosaic(ratios, f"--psm 6 -c tessedit_char_whitelist={NUMERIC_CHARS}/", numeric_lang())
    for crop in numeric:
        if not crop.words:
            ocr_single(crop, f"--psm 10 -c tessedit_char_whitelist={NUMERIC_CHARS}", numeric_lang())
        if not crop.words:
            crop.words, crop.lines = first[id(crop)]
    numeric_ids = {id(c) for c in numeric}
    _paren_numbers([c for c in readable if id(c) not in numeric_ids])
    if gray is not None and gray.shape == clean.shape:
        texts = [
            c
            for c in readable
            if id(c) not in numeric_ids
            and sum(ch.isalpha() for ch in _crop_text(c)) >= 3
            and (reread_all or is_doubtful(c.words))
        ]
        _reread_text_from_gray(texts, gray)
    for crop in crops.values():
        if crop.mark is None and not crop.words and id(crop) not in numeric_ids:
            ocr_single(crop, "--psm 7")
        _finish(crop)
