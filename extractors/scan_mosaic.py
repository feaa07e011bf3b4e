"""Crops of a page read by tesseract several at a time, stacked one above the other in one image.

One recognition of a mosaic costs less than dozens of small ones; the words are mapped back
to their crop (and to page coordinates) by position. Used for table cells and for the
re-reading of free-text lines alike.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from extractors.grid import Cell, Word
from extractors.ocr_engine import image_to_data, languages, tsv_words

LANG = "vie"
# The Vietnamese model reads a lone "5" as "9" and drops leading digits under a whitelist;
# the English one does not, and digits are all a numeric cell holds.
NUMERIC_LANG = "eng"
# A word that two readings of the same ink do not both give.
DISPUTED_CONFIDENCE = 0.6
# On a page at the 300 dpi scale, a reading whose every word tesseract is at least this sure
# of is not read again from the grey pixels: re-reading such cells and lines of the shipped
# 300 dpi scans changed no text. Below that scale every reading is re-read.
SURE_CONFIDENCE = 0.92
_MOSAIC_GAP = 36
_MOSAIC_PAD = 24


def numeric_lang() -> str:
    """The model numeric cells are read with: English where installed, else Vietnamese."""
    return NUMERIC_LANG if NUMERIC_LANG in languages() else LANG


@dataclass
class Crop:
    """The ink of one cell (or one free-text line) and the words tesseract read from it."""

    cell: Cell
    image: np.ndarray  # black on white, tight around the ink
    x0: int  # page position of the crop's top-left
    top: int
    words: list[Word] = field(default_factory=list)
    lines: list[tuple[int, ...]] = field(default_factory=list)  # tesseract line id per word
    mark: str | None = None  # "-" read from the ink's shape alone (no OCR)
    star_like: bool = False  # one blob shaped like "*": the reading if OCR gives garbage


def is_noise(text: str, conf: float) -> bool:
    """Dust read as a stray mark: no letter or digit and low confidence (0..100)."""
    return conf < 50 and not any(ch.isalnum() for ch in text)


def ocr_mosaic(crops: Sequence[Crop], config: str, lang: str = LANG) -> None:
    """OCR crops stacked one above the other in one tesseract call; words go back to crops."""
    if not crops:
        return
    width = max(c.image.shape[1] for c in crops) + 2 * _MOSAIC_PAD
    height = sum(c.image.shape[0] + _MOSAIC_GAP for c in crops) + _MOSAIC_GAP
    mosaic = np.full((height, width), 255, np.uint8)
    bands = []
    y = _MOSAIC_GAP
    for crop in crops:
        h, w = crop.image.shape
        mosaic[y : y + h, _MOSAIC_PAD : _MOSAIC_PAD + w] = crop.image
        bands.append((y, y + h))
        y += h + _MOSAIC_GAP
    data = image_to_data(mosaic, lang, config)
    starts = [b[0] for b in bands]
    for text, conf, left, top, w, h, block, par, line in tsv_words(data):
        text = text.strip()
        if not text or float(conf) < 0 or is_noise(text, float(conf)):
            continue
        cy = top + h / 2
        i = int(np.searchsorted(starts, cy + _MOSAIC_GAP / 2, side="right")) - 1
        if i < 0:
            continue
        crop = crops[i]
        dx, dy = crop.x0 - _MOSAIC_PAD, crop.top - bands[i][0]
        crop.words.append(Word(text, left + dx, top + dy, left + w + dx, top + h + dy, float(conf) / 100))
        crop.lines.append((block, par, line))


def ocr_single(crop: Crop, config: str, lang: str = LANG) -> None:
    padded = cv2.copyMakeBorder(crop.image, 30, 30, 30, 30, cv2.BORDER_CONSTANT, value=255)
    data = image_to_data(padded, lang, config)
    for text, conf, left, top, w, h, block, par, line in tsv_words(data):
        if text.strip() and float(conf) >= 0 and not is_noise(text.strip(), float(conf)):
            dx, dy = crop.x0 - 30, crop.top - 30
            crop.words.append(Word(text.strip(), left + dx, top + dy, left + w + dx, top + h + dy, float(conf) / 100))
            crop.lines.append((block, par, line))


def mean_confidence(crop: Crop) -> float:
    return statistics.fmean(w.confidence for w in crop.words) if crop.words else 0.0


def is_doubtful(words: Sequence[Word]) -> bool:
    """A reading worth a second look: no words, or one tesseract is not sure of."""
    return not words or min(w.confidence for w in words) < SURE_CONFIDENCE
