"""Scanned (image-only) PDF pages to PageContent, with OpenCV and tesseract.

A scan goes through the same Grid model as a text-layer page: ruling lines become
:class:`Segment`s, :func:`build_grids` finds the cells and spans, and each cell is read by
tesseract on its own crop, so borders never glue to names and one OCR line never runs
across cells. Text outside tables is read from the page with the tables blanked out.
Coordinates are pixels of the prepared (upright, deskewed) image.

Tesseract runs in process (:mod:`extractors.ocr_engine`, one engine per worker); cell crops
of a page are still stacked into one mosaic image per pass, because one recognition of a
mosaic costs less than dozens of small ones, and the words are mapped back by position.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import statistics
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium

from extractors.grid import Cell, Grid, Segment, Word, build_grids, merge_segments
from extractors.image_cleanup import (
    Rulings,
    ScanError,
    binarise,
    char_height,
    erase_rulings,
    estimate_skew,
    find_rulings,
    is_sideways,
    otsu_ink,
    rotate,
    to_gray,
    upscale_factor,
)
from extractors.ocr_engine import image_to_data, languages, orientation_rotation, tsv_words
from extractors.page import PageContent, TextLine
from normalizers.numbers import looks_numeric
from normalizers.text import strip_diacritics

LANG = "vie"
# The Vietnamese model reads a lone "5" as "9" and drops leading digits under a whitelist;
# the English one does not, and digits are all a numeric cell holds.
NUMERIC_LANG = "eng"
NUMERIC_CHARS = "0123456789.,%"
# A word that the binarised and the grey reading of a text cell do not both give.
DISPUTED_CONFIDENCE = 0.6
_MOSAIC_GAP = 36
_MOSAIC_PAD = 24

__all__ = [
    "ScanError",
    "ocr_page_image",
    "prepare",
    "read_scanned_page",
    "read_scanned_pages",
    "render_page",
]


# --- page image -------------------------------------------------------------------------


def _single_image(page: pdfium.PdfPage) -> np.ndarray | None:
    """The page's only image at native resolution, when it fills the page upright."""
    images = list(page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=2))
    if len(images) != 1:
        return None
    if any(True for _ in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_TEXT], max_depth=2)):
        return None
    m = images[0].get_matrix()
    width, height = page.get_mediabox()[2:4]
    if abs(m.b) > 1e-3 or abs(m.c) > 1e-3 or m.a <= 0 or m.d <= 0:
        return None
    if m.a * m.d < 0.9 * width * height:
        return None
    try:
        pil = images[0].get_bitmap(render=False).to_pil()
    except pdfium.PdfiumError:
        return None
    if pil.mode not in ("L", "RGB"):
        pil = pil.convert("RGB")
    arr = np.asarray(pil)
    return cv2.cvtColor(arr, cv2.COLOR_RGB2BGR) if arr.ndim == 3 else arr.copy()


def render_page(pdf_path: Path, page_index: int, dpi: int = 300) -> np.ndarray:
    """A page as pixels in display orientation (greyscale or BGR).

    A scanner's image is taken as stored, not resampled, which would blur thin rulings and
    decimal points; anything else (vector pages, several images) is rendered at `dpi`.
    """
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        if not 0 <= page_index < len(pdf):
            raise ScanError(f"{pdf_path} has {len(pdf)} pages; there is no page index {page_index}")
        page = pdf[page_index]
        image = _single_image(page)
        if image is None:
            pil = page.render(scale=dpi / 72, grayscale=False).to_pil().convert("RGB")
            return cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)
        turns = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
        rotation = page.get_rotation() % 360
        return cv2.rotate(image, turns[rotation]) if rotation in turns else image
    finally:
        pdf.close()


# --- orientation and clean-up -----------------------------------------------------------


def _has_osd() -> bool:
    return "osd" in languages()


def _numeric_lang() -> str:
    return NUMERIC_LANG if NUMERIC_LANG in languages() else LANG


def _upside_down_osd(ink_page: np.ndarray) -> bool | None:
    """Tesseract's orientation detection on a reduced text-dense strip (~0.8 s)."""
    h, w = ink_page.shape
    small = cv2.resize(255 - ink_page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    sh, sw = small.shape
    strip_w = sw // 3
    counts = [(small[:, i : i + strip_w] < 128).sum() for i in range(0, sw - strip_w + 1, strip_w)]
    start = int(np.argmax(counts)) * strip_w
    rotation = orientation_rotation(np.ascontiguousarray(small[:, start : start + strip_w]))
    return None if rotation is None else rotation == 180


def _strip_confidence(page: np.ndarray) -> float:
    h = page.shape[0]
    strip = page[h // 8 : h // 8 + h // 4]
    data = image_to_data(strip, LANG, "--psm 6")
    confs = [float(c) for c, t in zip(data["conf"], data["text"]) if float(c) >= 0 and t.strip()]
    return statistics.fmean(confs) if confs else 0.0


def _upside_down(page: np.ndarray) -> bool:
    """Is the (binarised, black-on-white) page upside down?

    OSD when its traineddata is installed (Debian: tesseract-ocr-osd); otherwise compare
    the OCR confidence of a strip read both ways. OSD's "180" is confirmed that way too:
    on a 200 dpi landscape table it turned an upright page over (strip confidence 66
    upright against 39 turned), and a page read upside down loses every row on it.
    """
    if _has_osd():
        verdict = _upside_down_osd(255 - page)
        if verdict is False:
            return False
        if verdict is True:
            return _strip_confidence(cv2.rotate(page, cv2.ROTATE_180)) > _strip_confidence(page)
    return _strip_confidence(cv2.rotate(page, cv2.ROTATE_180)) > _strip_confidence(page) + 5


def prepare(image: np.ndarray) -> np.ndarray:
    """An OCR-ready page: upright, deskewed, colour-free, 300 dpi scale, black on white."""
    return prepare_with_gray(image)[0]


def prepare_with_gray(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The OCR-ready page and the greyscale page it was thresholded from, pixel-aligned.

    Thresholding a low-resolution scan merges a diacritic's hook with its letter ("ổ" reads
    as "ố", "à" as "ả"); text cells are read from the grey pixels as well.
    """
    gray = to_gray(image)
    factor = upscale_factor(char_height(otsu_ink(gray)))
    if factor > 1.0:
        gray = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    ink = otsu_ink(gray)
    if is_sideways(ink):
        gray = cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE)
        ink = cv2.rotate(ink, cv2.ROTATE_90_CLOCKWISE)
    gray = rotate(gray, estimate_skew(ink))
    page = binarise(gray, speck=int(4 * factor * factor))
    if _upside_down(page):
        page = cv2.rotate(page, cv2.ROTATE_180)
        gray = cv2.rotate(gray, cv2.ROTATE_180)
    return page, gray


# --- OCR of cells in mosaics ------------------------------------------------------------


@dataclass
class _Crop:
    cell: Cell
    image: np.ndarray  # black on white, tight around the ink
    x0: int  # page position of the crop's top-left
    top: int
    words: list[Word] = field(default_factory=list)
    lines: list[tuple[int, ...]] = field(default_factory=list)  # tesseract line id per word
    mark: str | None = None  # "-" read from the ink's shape alone (no OCR)
    star_like: bool = False  # one blob shaped like "*": the reading if OCR gives garbage


def _cell_crop(clean: np.ndarray, cell: Cell, inset: int, min_height: float) -> _Crop | None:
    """The ink of one cell, tightly cropped, or None for an empty cell."""
    x0, top = int(cell.x0) + inset, int(cell.top) + inset
    x1, bottom = int(cell.x1) - inset, int(cell.bottom) - inset
    if x1 - x0 < 4 or bottom - top < 4:
        return None
    region = clean[top:bottom, x0:x1].copy()
    n, labels, stats, _ = cv2.connectedComponentsWithStats(255 - region, connectivity=8)
    big = stats[1:, 3] >= min_height
    if n <= 1:
        return None
    if not big.any():
        return _dash_crop(cell, region, stats, x0, top, min_height / 0.35)
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
    _drop_trailing_arrow(region, labels, stats, big, text_height=min_height / 0.35)
    ys, xs = np.nonzero(region < 128)
    if len(xs) == 0:
        return None
    cx0, cy0, cx1, cy1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    crop = _Crop(cell, region[cy0:cy1, cx0:cx1], x0 + cx0, top + cy0)
    crop.star_like = _is_star(crop.image, min_height / 0.35)
    return crop


# --- marks read from the shape of the ink ----------------------------------------------
#
# A lone "-" (sub-row marker, "no data") is too flat to pass as a glyph and tesseract
# drops it or reads nothing; a lone "*" comes back as "", "bu" or "+". Both are told by
# their geometry. Arrow icons printed after changed values ("100 ↑") are not text and
# would be read as a digit ("1004"), so they are removed before OCR.


def _dash_crop(
    cell: Cell, region: np.ndarray, stats: np.ndarray, x0: int, top: int, text_height: float
) -> _Crop | None:
    """A cell whose only ink (besides specks) is one short, flat, solid bar: "-"."""
    blobs = [st for st in stats[1:] if st[4] >= 12]
    if len(blobs) != 1:
        return None
    x, y, w, h, area = (int(v) for v in blobs[0])
    rh, rw = region.shape
    flat = 2 <= h <= 0.35 * text_height and 0.3 * text_height <= w <= 1.6 * text_height and w >= 2 * h
    solid = area >= 0.6 * w * h
    inside = x >= 0.2 * text_height and rw - (x + w) >= 0.2 * text_height  # not a ruling remnant
    inside = inside and y >= 0.15 * text_height and rh - (y + h) >= 0.15 * text_height
    if not (flat and solid and inside):
        return None
    return _Crop(cell, region[y : y + h, x : x + w].copy(), x0 + x, top + y, mark="-")


def _is_star(image: np.ndarray, text_height: float) -> bool:
    """One blob, smaller than a digit, about as wide as tall, with points (low solidity)."""
    ink = (image < 128).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n != 2:
        return False
    h, w = image.shape
    if not (0.45 * text_height <= h <= 0.95 * text_height and 0.45 * text_height <= w <= 1.1 * text_height):
        return False
    if not 0.7 <= h / w <= 1.4:
        return False
    contours, hierarchy = cv2.findContours(ink, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if len(contours) != 1:  # a hole: 0, 6, 8, 9, o ...
        return False
    hull = cv2.contourArea(cv2.convexHull(contours[0]))
    return hull > 0 and 0.4 <= ink.sum() / hull <= 0.78


def _is_arrow(mask: np.ndarray) -> bool:
    """A solid up or down arrow: mirror-symmetric, a triangle head on a narrower stem."""
    h, w = mask.shape
    if h < 8 or w < 8 or not 0.7 <= h / w <= 1.8:
        return False
    sym = np.logical_and(mask, mask[:, ::-1]).sum() / max(1, np.logical_or(mask, mask[:, ::-1]).sum())
    if sym < 0.75:
        return False
    row_widths, hollow = [], 0
    for row in mask:
        xs = np.nonzero(row)[0]
        if len(xs) == 0:
            return False
        span = xs[-1] - xs[0] + 1
        hollow += len(xs) < 0.85 * span  # a gap inside a row (the head's corners may have one)
        row_widths.append(span)
    if hollow > max(2, 0.1 * h):  # rings and loops: 0, 4, 6, 8, 9
        return False
    widths = np.array(row_widths, float)
    widest = widths.max()
    for prof in (widths, widths[::-1]):  # up arrow: head on top; down arrow: head below
        wide = np.nonzero(prof >= 0.75 * widest)[0]
        head, stem = prof[: wide[-1] + 1], prof[wide[-1] + 1 :]
        if len(stem) < 0.25 * h or len(head) < 0.25 * h:
            continue
        if np.mean(stem <= 0.6 * widest) >= 0.8 and head[0] <= 0.5 * widest:
            return True
    return False


def _drop_trailing_arrow(
    region: np.ndarray, labels: np.ndarray, stats: np.ndarray, big: np.ndarray, text_height: float
) -> None:
    """Erase an arrow icon standing apart to the right of the cell's text."""
    ids = [i + 1 for i in np.nonzero(big)[0]]
    if len(ids) < 2:
        return
    last = max(ids, key=lambda i: stats[i, 0] + stats[i, 2])
    x, y, w, h, _ = stats[last]
    others = [i for i in range(1, len(stats)) if i != last and (region[labels == i] < 128).any()]
    if not others:
        return
    left_ink = max(stats[i, 0] + stats[i, 2] for i in others)
    if x - left_ink < 0.6 * text_height or left_ink > x:
        return
    if _is_arrow(labels[y : y + h, x : x + w] == last):
        region[labels == last] = 255


def _is_noise(text: str, conf: float) -> bool:
    """Dust read as a stray mark: no letter or digit and low confidence (0..100)."""
    return conf < 50 and not any(ch.isalnum() for ch in text)


def _ocr_mosaic(crops: Sequence[_Crop], config: str, lang: str = LANG) -> None:
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
        if not text or float(conf) < 0 or _is_noise(text, float(conf)):
            continue
        cy = top + h / 2
        i = int(np.searchsorted(starts, cy + _MOSAIC_GAP / 2, side="right")) - 1
        if i < 0:
            continue
        crop = crops[i]
        dx, dy = crop.x0 - _MOSAIC_PAD, crop.top - bands[i][0]
        crop.words.append(Word(text, left + dx, top + dy, left + w + dx, top + h + dy, float(conf) / 100))
        crop.lines.append((block, par, line))


def _ocr_single(crop: _Crop, config: str, lang: str = LANG) -> None:
    padded = cv2.copyMakeBorder(crop.image, 30, 30, 30, 30, cv2.BORDER_CONSTANT, value=255)
    data = image_to_data(padded, lang, config)
    for text, conf, left, top, w, h, block, par, line in tsv_words(data):
        if text.strip() and float(conf) >= 0 and not _is_noise(text.strip(), float(conf)):
            dx, dy = crop.x0 - 30, crop.top - 30
            crop.words.append(Word(text.strip(), left + dx, top + dy, left + w + dx, top + h + dy, float(conf) / 100))
            crop.lines.append((block, par, line))


def _looks_numeric(text: str) -> bool:
    return looks_numeric(text) and not text.lstrip().startswith(("+", "-"))


def _numeric_columns(grid: Grid, crops: dict[int, _Crop]) -> set[int]:
    """Columns whose one-column cells mostly read as numbers in the first pass."""
    votes: dict[int, list[bool]] = {}
    for cell in grid.cells:
        crop = crops.get(id(cell))
        if cell.colspan != 1 or crop is None or not crop.words:
            continue
        votes.setdefault(cell.col, []).append(_looks_numeric(_crop_text(crop)))
    return {col for col, v in votes.items() if len(v) >= 3 and sum(v) >= 0.6 * len(v)}


_SLASHES = re.compile("[/\u2044\u2215\u29f8]")  # "7⁄7": the first pass may read a fraction slash


def _ratio_columns(grid: Grid, crops: dict[int, _Crop]) -> set[int]:
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


def _crop_text(crop: _Crop) -> str:
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


def _finish(crop: _Crop) -> None:
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


def _paren_numbers(crops: Sequence[_Crop]) -> None:
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
        _ocr_single(crop, "--psm 7 -c tessedit_char_whitelist=0123456789()", _numeric_lang())
        if not _ROW_NO.match(_crop_text(crop)):
            crop.words, crop.lines = before


def _gray_crop(crop: _Crop, gray: np.ndarray) -> _Crop:
    """The crop's grey pixels around its cleaned ink (rulings and dust stay white), stretched."""
    h, w = crop.image.shape
    region = gray[crop.top : crop.top + h, crop.x0 : crop.x0 + w].copy()
    keep = cv2.dilate((crop.image < 128).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    region[~keep] = 255
    region = cv2.normalize(region, None, 0, 255, cv2.NORM_MINMAX)  # type: ignore[call-overload]  # stubs: no dst=None
    return _Crop(crop.cell, region, crop.x0, crop.top)


def _mean_confidence(crop: _Crop) -> float:
    return statistics.fmean(w.confidence for w in crop.words) if crop.words else 0.0


def _reread_text_from_gray(crops: Sequence[_Crop], gray: np.ndarray) -> None:
    """Text cells read again from grey pixels; the reading tesseract is surer of is kept.

    Ties go to the grey reading: it keeps the diacritics thresholding blurs together.
    """
    if not crops or gray is None:
        return
    shadows = [_gray_crop(c, gray) for c in crops]
    _ocr_mosaic(shadows, "--psm 6")
    for crop, shadow in zip(crops, shadows):
        if not shadow.words:
            continue
        other = crop.words
        if round(_mean_confidence(shadow), 2) >= round(_mean_confidence(crop), 2):
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
    for block in difflib.SequenceMatcher(None, mine, theirs, autojunk=False).get_matching_blocks():
        confirmed.update(range(block.a, block.a + block.size))
    for i, word in enumerate(words):
        if i not in confirmed and word.confidence > DISPUTED_CONFIDENCE:
            words[i] = dataclasses.replace(word, confidence=DISPUTED_CONFIDENCE)


def ocr_cells(clean: np.ndarray, grids: Sequence[Grid], text_height: float, gray: np.ndarray | None = None) -> None:
    """Fill every non-empty cell's text and confidence, in passes.

    0. lone "-" marks from their shape (no OCR); 1. all other cells, `vie`, block mode;
    2. cells of numeric columns again with a digit whitelist (no "l2" for 12, "z" for 7),
    with "/" where the first pass saw a ratio; 3. row numbers in brackets again;
    4. text cells again from the grey page (`gray`, aligned with `clean`), keeping the
    surer reading; 5. cells with ink that still read as nothing (one-digit ranks) one by
    one in single-character mode; a lone star-shaped blob read as garbage is "*".
    """
    inset = max(3, int(text_height * 0.12))
    crops: dict[int, _Crop] = {}
    for grid in grids:
        for cell in grid.cells:
            crop = _cell_crop(clean, cell, inset, text_height * 0.35)
            if crop is not None:
                crops[id(cell)] = crop
            else:
                cell.text, cell.confidence = "", 1.0
    readable = [c for c in crops.values() if c.mark is None]
    _ocr_mosaic(readable, "--psm 6")

    numeric: list[_Crop] = []
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
    _ocr_mosaic(plain, f"--psm 6 -c tessedit_char_whitelist={NUMERIC_CHARS}", _numeric_lang())
    _ocr_mosaic(ratios, f"--psm 6 -c tessedit_char_whitelist={NUMERIC_CHARS}/", _numeric_lang())
    for crop in numeric:
        if not crop.words:
            _ocr_single(crop, f"--psm 10 -c tessedit_char_whitelist={NUMERIC_CHARS}", _numeric_lang())
        if not crop.words:
            crop.words, crop.lines = first[id(crop)]
    numeric_ids = {id(c) for c in numeric}
    _paren_numbers([c for c in readable if id(c) not in numeric_ids])
    if gray is not None and gray.shape == clean.shape:
        texts = [c for c in readable if id(c) not in numeric_ids and sum(ch.isalpha() for ch in _crop_text(c)) >= 3]
        _reread_text_from_gray(texts, gray)
    for crop in crops.values():
        if crop.mark is None and not crop.words and id(crop) not in numeric_ids:
            _ocr_single(crop, "--psm 7")
        _finish(crop)


# --- text outside tables ----------------------------------------------------------------


_RULE_CHARS = set("_—–-~=")
_JUNK_CHARS = set("_—–~'‘’`\"|.,:;=")


def _is_junk_word(text: str, conf: float) -> bool:
    """Specks, rule lines and shadow edges read as words: no letters to speak of, or a dash run."""
    if _is_noise(text, conf * 100):
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

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(mine[i1:i2])
        elif op == "replace" and i2 - i1 == j2 - j1:
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
    crops: list[_Crop] = []
    for ws in lines:
        x0, top = max(0, int(min(w.x0 for w in ws)) - 3), max(0, int(min(w.top for w in ws)) - 3)
        x1, bottom = int(max(w.x1 for w in ws)) + 3, int(max(w.bottom for w in ws)) + 3
        region = gray[top:bottom, x0:x1].copy()
        if region.size == 0:
            crops.append(_Crop(Cell(0, 0, 1, 1, 0, 0, 1, 1), np.full((1, 1), 255, np.uint8), x0, top))
            continue
        keep = np.zeros(region.shape, bool)
        for w in ws:
            keep[
                max(0, int(w.top) - top - 2) : int(w.bottom) - top + 2, max(0, int(w.x0) - x0 - 2) : int(w.x1) - x0 + 2
            ] = True
        region[~keep] = 255
        region = cv2.normalize(region, None, 0, 255, cv2.NORM_MINMAX)  # type: ignore[call-overload]  # stub gap
        crops.append(_Crop(Cell(0, 0, 1, 1, 0, 0, 1, 1), region, x0, top))
    _ocr_mosaic(crops, "--psm 6")
    out = []
    for ws, crop in zip(lines, crops):
        theirs = sorted((w for w in crop.words if not _is_junk_word(w.text, w.confidence)), key=lambda w: w.x0)
        out.append(_vote(sorted(ws, key=lambda w: w.x0), theirs) if theirs else ws)
    return out


def _free_text(clean: np.ndarray, grids: Sequence[Grid], margin: int, gray: np.ndarray | None = None) -> list[TextLine]:
    blanked = clean.copy()
    for grid in grids:
        x0, top, x1, bottom = (int(v) for v in grid.bbox)
        blanked[max(0, top - margin) : bottom + margin, max(0, x0 - margin) : x1 + margin] = 255
    data = image_to_data(blanked, LANG, "--psm 3")
    rows = _group_lines(_tesseract_words(data))
    if gray is not None and gray.shape == clean.shape and rows:
        rows = _reread_lines_from_gray(rows, gray)
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


def _table_segments(rulings: Rulings, tol: float) -> list[Segment]:
    """Ruling segments, less vertical strokes of letters that touch a border.

    A real cell border runs from one horizontal ruling to another; a glyph standing on a
    border ("Khương" on the table's bottom line) reaches only one, and would add a column.
    """
    hs = merge_segments([Segment(True, *run) for run in rulings.h_runs], tol)
    vs = merge_segments([Segment(False, *run) for run in rulings.v_runs], tol)
    reach = 2 * tol

    def lands(x: float, y: float) -> bool:
        return any(abs(h.pos - y) <= reach and h.start - reach <= x <= h.end + reach for h in hs)

    return hs + [v for v in vs if lands(v.pos, v.start) and lands(v.pos, v.end)]


# --- public entry points ----------------------------------------------------------------


def ocr_page_image(image: np.ndarray, page_number: int) -> PageContent:
    """Any page image (greyscale or BGR, any orientation and scale) to PageContent."""
    page, gray = prepare_with_gray(image)
    text_height = char_height(255 - page)
    rulings = find_rulings(page, text_height)
    tol = max(6.0, text_height * 0.25)
    segments = _table_segments(rulings, tol)
    grids = build_grids(segments, [], page_number, tol=tol, min_size=text_height)
    clean = erase_rulings(page, rulings, grids, int(tol))
    ocr_cells(clean, grids, text_height, gray)
    lines = _free_text(page, grids, margin=int(tol), gray=gray)
    h, w = page.shape
    return PageContent(page_number, float(w), float(h), "ocr", lines, grids)


def read_scanned_page(pdf_path: Path, page_index: int) -> PageContent:
    """One page of an image-only PDF (0-based index) to PageContent with text_source "ocr"."""
    return ocr_page_image(render_page(Path(pdf_path), page_index), page_index + 1)


def _read_one(args: tuple[str, int, bool]) -> PageContent | None:
    path, index, skip_blank = args
    try:
        return read_scanned_page(Path(path), index)
    except ScanError:
        if skip_blank:
            return None
        raise


def read_scanned_pages(
    pdf_path: Path,
    page_indexes: Sequence[int],
    workers: int = 2,
    skip_blank: bool = False,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
    on_page: Callable[[], None] | None = None,
) -> list[PageContent | None]:
    """Several pages in parallel processes (pages are independent; tesseract is single-threaded).

    `skip_blank` gives None for a page with no text (a blank sheet in a scan) instead of
    raising; `initializer` runs in each pool process (the batch uses it to die with its run);
    `on_page` is called as each page is done, in page order (the batch's progress bar).
    """
    jobs = [(str(pdf_path), i, skip_blank) for i in page_indexes]
    pages: list[PageContent | None] = []
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            pages.append(_read_one(job))
            if on_page:
                on_page()
        return pages
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=initializer, initargs=initargs) as pool:
        for page in pool.map(_read_one, jobs):
            pages.append(page)
            if on_page:
                on_page()
    return pages
