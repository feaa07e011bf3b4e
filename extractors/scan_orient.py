"""A page image made OCR-ready: 300 dpi scale, upright (sideways and upside-down pages turned), deskewed.

Sideways pages are told by the sharpness of the row profile both ways (no OCR); upside-down
pages by tesseract's orientation detection, confirmed by reading a strip both ways.
"""

from __future__ import annotations

import statistics
from typing import NamedTuple

import cv2
import numpy as np

from extractors.image_cleanup import (
    binarise_measured,
    char_height,
    estimate_skew,
    is_sideways,
    otsu_ink,
    rotate,
    to_gray,
    upscale_factor,
)
from extractors.ocr_engine import image_to_data, languages, orientation_rotation
from extractors.scan_mosaic import LANG


def _has_osd() -> bool:
    return "osd" in languages()


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
    """The OCR-ready page and the greyscale page it was thresholded from, pixel-aligned."""
    prepared = prepare_scan(image)
    return prepared.page, prepared.gray


class PreparedPage(NamedTuple):
    """An OCR-ready page, the grey page it was thresholded from (pixel-aligned) and how it was enlarged.

    Thresholding a low-resolution scan merges a diacritic's hook with its letter ("ổ" reads
    as "ố", "à" as "ả"); text is read from the grey pixels as well. `upscale` > 1 says the
    scan was below the 300 dpi scale, where that happens to confident readings too.
    """

    page: np.ndarray
    gray: np.ndarray
    upscale: float
    text_height: float | None  # :func:`char_height` of `page` (None: no text), the same turned over


def prepare_scan(image: np.ndarray, upside_down_test: bool = True) -> PreparedPage:
    """Colour dropped, enlarged to the 300 dpi scale, turned upright, deskewed, binarised.

    Without `upside_down_test` a page upside down stays so; the caller then tells it from
    its reading (:func:`is_upside_down`) and turns it with :func:`turned_over`.
    """
    gray = to_gray(image)
    ink = otsu_ink(gray)
    factor = upscale_factor(char_height(ink))
    if factor > 1.0:
        gray = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        ink = otsu_ink(gray)
    if is_sideways(ink):
        gray = cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE)
        ink = cv2.rotate(ink, cv2.ROTATE_90_CLOCKWISE)
    gray = rotate(gray, estimate_skew(ink))
    page, text_height = binarise_measured(gray, speck=int(4 * factor * factor))
    prepared = PreparedPage(page, gray, factor, text_height)
    return turned_over(prepared) if upside_down_test and _upside_down(page) else prepared


def turned_over(prepared: PreparedPage) -> PreparedPage:
    """The prepared page turned by 180°."""
    return prepared._replace(
        page=cv2.rotate(prepared.page, cv2.ROTATE_180), gray=cv2.rotate(prepared.gray, cv2.ROTATE_180)
    )


def is_upside_down(page: np.ndarray) -> bool:
    """Is the (binarised, black-on-white) page upside down? See :func:`_upside_down`."""
    return _upside_down(page)
