"""OpenCV clean-up of scanned page images before OCR: colour, scale, orientation, skew, ink.

Scans of these decisions come with a red seal and a blue signature over the text, uneven
paper tone, dust, a skew of a few tenths of a degree (enough to break ruling detection)
and landscape appendix pages stored sideways. Everything here works on plain numpy
arrays so the same steps apply to a rendered PDF page or to any photographed page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from extractors.grid import Grid

# Like tesseract (extractors.ocr_engine), OpenCV runs on one thread: pages and documents are
# read in parallel processes, and its thread pool on top of them only adds contention
# (measured: about 15% more CPU for the same pages, and no faster on one page either).
cv2.setNumThreads(1)

# Median height of character blobs on a 300 dpi scan of 13-14 pt text; the rest of the
# pipeline (kernel lengths, tolerances, tesseract's sweet spot) is tuned for this scale.
TARGET_CHAR_HEIGHT = 32.0
MAX_UPSCALE = 3.0


class ScanError(ValueError):
    """A page image that cannot be read: blank, empty or not an image at all."""


def to_gray(image: np.ndarray) -> np.ndarray:
    """Greyscale with coloured ink (red seal, blue signature) turned to paper white.

    Printed text is black or grey; anything strongly saturated was added by hand or by a
    stamp and only hurts binarisation and OCR when it overlaps the text.
    """
    if image is None or image.size == 0:
        raise ScanError("the page image is empty")
    if image.ndim == 2:
        return image.astype(np.uint8, copy=False)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ScanError(f"unsupported image shape {image.shape}; expected greyscale or BGR")
    bgr = image[:, :, :3]
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    coloured = (hsv[:, :, 1] > 90) & (hsv[:, :, 2] > 60)
    coloured = cv2.dilate(coloured.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    gray = gray.copy()
    gray[coloured] = 255
    return gray


def otsu_ink(gray: np.ndarray) -> np.ndarray:
    """Quick global binarisation, ink = 255; good enough for measuring, not for OCR."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def ink_box(page: np.ndarray) -> tuple[int, int, int, int] | None:
    """The tight box (x0, top, x1, bottom) around the ink of a black-on-white image; None: no ink."""
    ink = page < 128
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not rows.size:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """8-connected components of a mask: their count, labels, stats and centroids.

    OpenCV's BBDT labelling, not its default (Spaghetti): the same labels in the same order
    (checked on all 124 page masks of our scan fixtures) in two thirds of the time, on one thread.
    """
    return cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_BBDT)  # type: ignore[return-value, unused-ignore]


def char_height(ink: np.ndarray) -> float:
    """Median height of character-sized blobs: the page's text scale in pixels."""
    _, _, stats, _ = components(ink)
    height = _blob_height(stats[1:], ink.shape)
    if height is None:
        raise ScanError("no text found on the page image (blank or unreadable)")
    return height


def _blob_height(stats: np.ndarray, shape: tuple[int, ...]) -> float | None:
    """:func:`char_height` from connected-component stats (background row dropped); None: no text."""
    hs, ws, areas = stats[:, 3], stats[:, 2], stats[:, 4]
    plausible = (hs >= 5) & (hs < shape[0] / 10) & (ws < shape[1] / 10) & (areas >= 12)
    if plausible.sum() < 20:
        return None
    return float(np.median(hs[plausible]))


def upscale_factor(height: float) -> float:
    """How much to enlarge a low-resolution scan so text reaches the 300 dpi scale."""
    if height >= TARGET_CHAR_HEIGHT * 0.75:
        return 1.0
    return min(MAX_UPSCALE, TARGET_CHAR_HEIGHT / height)


def _small(ink: np.ndarray, side: int = 1200) -> np.ndarray:
    scale = side / max(ink.shape)
    if scale >= 1:
        return ink
    return cv2.resize(ink, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


class _RowProfile:
    """Sharpness of an ink image's row profile at any rotation, from its ink points.

    The profile of the image rotated by `angle` about its centre is the ink projected onto
    the rotated vertical axis: binning the points is the same sum as rotating the whole
    image (nearest neighbour) and adding its rows, at a fraction of the cost.
    """

    def __init__(self, ink: np.ndarray) -> None:
        ys, xs = np.nonzero(ink)
        self._weights = ink[ys, xs].astype(np.float64)
        self._height = ink.shape[0]
        # rows are shifted by more than any rotated point can move up, so none is negative;
        # by an even number, so that rint's ties (to even) fall as they would unshifted
        self._shift = 2 * (int(np.hypot(*ink.shape)) // 2 + 1)
        self._dx = xs - ink.shape[1] / 2
        self._dy = ys - self._height / 2

    def score(self, angle: float) -> float:
        """Sum of squared differences of neighbouring row sums: high when lines are level."""
        radians = np.deg2rad(angle)
        centre = self._height / 2 + self._shift
        rows = np.rint(np.cos(radians) * self._dy - np.sin(radians) * self._dx + centre).astype(np.intp)
        profile = np.bincount(rows, weights=self._weights, minlength=self._shift + self._height)
        return float(np.square(np.diff(profile[self._shift : self._shift + self._height])).sum())


def _text_only(small: np.ndarray) -> np.ndarray:
    """Ink less anything line-like: rulings run both ways and would vote for both."""
    k = 31
    h = cv2.morphologyEx(cv2.dilate(small, np.ones((3, 1), np.uint8)), cv2.MORPH_OPEN, np.ones((1, k), np.uint8))
    v = cv2.morphologyEx(cv2.dilate(small, np.ones((1, 3), np.uint8)), cv2.MORPH_OPEN, np.ones((k, 1), np.uint8))
    lines = cv2.dilate(cv2.bitwise_or(h, v), np.ones((3, 3), np.uint8))
    return cv2.bitwise_and(small, cv2.bitwise_not(lines))


def is_sideways(ink: np.ndarray, limit: float = 5.0) -> bool:
    """Do text lines run vertically? Compare the best row-profile sharpness both ways.

    Sweeping a few angles keeps a skewed page (whose profiles are blurred) comparable.
    """
    text = _text_only(_small(ink, 1000))
    upright_profile = _RowProfile(text)
    sideways_profile = _RowProfile(cv2.rotate(text, cv2.ROTATE_90_CLOCKWISE))
    angles = np.arange(-limit, limit + 1e-9, 0.5)
    upright = max(upright_profile.score(a) for a in angles)
    sideways = max(sideways_profile.score(a) for a in angles)
    return sideways > 1.2 * upright


def estimate_skew(ink: np.ndarray, limit: float = 5.0) -> float:
    """Skew in degrees (positive = counter-clockwise correction) from projection sharpness.

    Rulings and text lines both make the row profile peaky when level; a coarse sweep
    then a fine one keeps this cheap on a reduced image.
    """
    coarse = np.arange(-limit, limit + 1e-9, 0.25)
    best = max(coarse, key=_RowProfile(_small(ink, 1400)).score)
    fine = np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05)
    return float(max(fine, key=_RowProfile(_small(ink, 2400)).score))


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """Rotate about the centre, keeping the whole page and filling with paper white."""
    if abs(angle) < 0.02:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=255)


def binarise(gray: np.ndarray, speck: int = 4) -> np.ndarray:
    """See :func:`binarise_measured`; the page alone."""
    return binarise_measured(gray, speck)[0]


def binarise_measured(gray: np.ndarray, speck: int = 4) -> tuple[np.ndarray, float | None]:
    """Adaptive threshold (uneven paper tone) after light denoising; black ink on white.

    The block is large against the stroke width so bold totals stay solid, and specks of
    `speck` pixels or fewer (scanner dust; more on an upscaled page) are dropped; decimal
    points are several times bigger.

    Also the :func:`char_height` of the result (None: no text), from the same component
    pass: dropping specks leaves every other component as it was, so a second pass over
    the binarised page would measure the same blobs.
    """
    smooth = cv2.medianBlur(gray, 3)
    ink = cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY_INV, 51, 20)
    n, labels, stats, _ = components(ink)
    specks = np.zeros(n, dtype=bool)
    specks[1:] = stats[1:, 4] <= speck
    ink[specks[labels]] = 0
    return 255 - ink, _blob_height(stats[1:][~specks[1:]], ink.shape)


@dataclass
class Rulings:
    """Ruling lines found on a binarised page, as masks and as (pos, start, end) runs."""

    horizontal: np.ndarray
    vertical: np.ndarray
    h_runs: list[tuple[float, float, float]]
    v_runs: list[tuple[float, float, float]]


def _runs(mask: np.ndarray, horizontal: bool, max_thickness: int) -> list[tuple[float, float, float]]:
    """The (pos, start, end) of each thin piece of a ruling mask, in (pos, start) order.

    The boxes of the mask's 8-connected pieces, from their outer contours (tops of the contour
    hierarchy: a piece inside another's hole is one too): on these sparse page-sized masks a
    tenth of the time of labelling every pixel, with the same boxes (checked on the 228
    ruling masks of all our PDF fixtures rendered as pages).
    """
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for contour, (_, _, _, parent) in zip(contours, hierarchy[0] if hierarchy is not None else ()):
        if parent >= 0:  # a hole's border
            continue
        x, y, w, h = cv2.boundingRect(contour)
        if horizontal and h <= max_thickness:
            out.append((y + h / 2, float(x), float(x + w)))
        elif not horizontal and w <= max_thickness:
            out.append((x + w / 2, float(y), float(y + h)))
    return sorted(out)


def find_rulings(page: np.ndarray, text_height: float) -> Rulings:
    """Table borders by morphological opening with long thin kernels.

    Kernels are longer than any character stroke, so what survives is ruling; a short
    closing first bridges the one- or two-pixel breaks a scan leaves in thin lines.
    """
    ink = 255 - page
    h_len = max(40, int(text_height * 3))
    v_len = max(25, int(text_height * 1.6))
    h_mask = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 1)))
    h_mask = cv2.morphologyEx(h_mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    v_mask = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5)))
    v_mask = cv2.morphologyEx(v_mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    thick = max(12, int(text_height * 0.5))
    return Rulings(h_mask, v_mask, _runs(h_mask, True, thick), _runs(v_mask, False, thick))


def erase_rulings(page: np.ndarray, rulings: Rulings, grids: Sequence[Grid], tol: int) -> np.ndarray:
    """The page with table borders painted white, so cell crops carry no border remnants.

    Only ruling pixels near a grid's own edges go: tall capitals with their diacritics
    ("Ỉ", "Ế") survive the vertical opening too and must not be erased elsewhere.
    """
    near = np.zeros(page.shape, np.uint8)
    for grid in grids:
        x0, top, x1, bottom = (int(v) for v in grid.bbox)
        for x in grid.col_edges:
            near[max(0, top - tol) : bottom + tol, max(0, int(x) - tol) : int(x) + tol] = 1
        for y in grid.row_edges:
            near[max(0, int(y) - tol) : int(y) + tol, max(0, x0 - tol) : x1 + tol] = 1
    lines = cv2.dilate(rulings.horizontal | rulings.vertical, np.ones((5, 5), np.uint8))
    out = page.copy()
    out[(lines > 0) & (near > 0)] = 255
    return out
