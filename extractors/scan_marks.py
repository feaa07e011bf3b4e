"""Marks read from the shape of the ink, and icons that are not text.

A lone "-" (sub-row marker, "no data") is too flat to pass as a glyph and tesseract drops
it or reads nothing; a lone "*" comes back as "", "bu" or "+". Both are told by their
geometry. Arrow icons printed after changed values ("100 ↑") are not text and would be read
as a digit ("1004"), so they are removed before OCR.
"""

from __future__ import annotations

import cv2
import numpy as np

from extractors.grid import Cell
from extractors.image_cleanup import components
from extractors.scan_mosaic import Crop


def dash_crop(cell: Cell, region: np.ndarray, stats: np.ndarray, x0: int, top: int, text_height: float) -> Crop | None:
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
    return Crop(cell, region[y : y + h, x : x + w].copy(), x0 + x, top + y, mark="-")


def is_star(image: np.ndarray, text_height: float) -> bool:
    """One blob, smaller than a digit, about as wide as tall, with points (low solidity)."""
    ink = (image < 128).astype(np.uint8)
    n, _, stats, _ = components(ink)
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


def drop_trailing_arrow(
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
