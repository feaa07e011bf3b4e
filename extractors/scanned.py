"""Scanned (image-only) PDF pages to PageContent, with OpenCV and tesseract: the entry point.

A scan goes through the same Grid model as a text-layer page: ruling lines become
:class:`Segment`s, :func:`build_grids` finds the cells and spans, and each cell is read by
tesseract on its own crop. Text outside tables is read from the page with the tables
blanked out. Coordinates are pixels of the prepared (upright, deskewed) image.

The steps live in their own modules: :mod:`extractors.scan_render` (PDF page to pixels),
:mod:`extractors.scan_orient` (upright, deskewed, binarised), :mod:`extractors.scan_cells`
(table cells), :mod:`extractors.scan_text` (lines outside tables) and
:mod:`extractors.scan_pool` (pages in parallel); tesseract itself is driven by
:mod:`extractors.ocr_engine`, one engine per worker process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from extractors.grid import Segment, build_grids, merge_segments
from extractors.image_cleanup import Rulings, ScanError, erase_rulings, find_rulings
from extractors.ocr_engine import preload
from extractors.page import PageContent
from extractors.scan_cells import ocr_cells
from extractors.scan_mosaic import LANG, numeric_lang
from extractors.scan_orient import PreparedPage, is_upside_down, prepare, prepare_scan, turned_over
from extractors.scan_pool import map_pages
from extractors.scan_render import render_page
from extractors.scan_text import free_text

__all__ = [
    "ScanError",
    "ocr_page_image",
    "prepare",
    "read_scanned_page",
    "read_scanned_pages",
    "render_page",
]


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


# Mean word confidence (0..1) above which a page's reading shows it was upright: text read
# upside down comes back as garbage of low confidence. Below it, orientation detection decides.
UPRIGHT_CONFIDENCE = 0.75


def ocr_page_image(image: np.ndarray, page_number: int) -> PageContent:
    """Any page image (greyscale or BGR, any orientation and scale) to PageContent.

    The page is read as it is prepared; only a page whose reading is doubtful overall gets
    tesseract's orientation detection (~0.2 s a page), and is read again if that finds it
    upside down.
    """
    prepared = prepare_scan(image, upside_down_test=False)
    content = _read_prepared(prepared, page_number)
    if _mean_confidence(content) >= UPRIGHT_CONFIDENCE or not is_upside_down(prepared.page):
        return content
    return _read_prepared(turned_over(prepared), page_number)


def _mean_confidence(content: PageContent) -> float:
    confidences = [w.confidence for g in content.grids for c in g.cells for w in c.words]
    confidences += [line.confidence for line in content.lines]
    return sum(confidences) / len(confidences) if confidences else 0.0


def _read_prepared(prepared: PreparedPage, page_number: int) -> PageContent:
    page, gray, upscale, text_height = prepared
    reread_all = upscale > 1.0  # below the 300 dpi scale confident readings miss diacritics too
    if text_height is None:
        raise ScanError("no text found on the page image (blank or unreadable)")
    rulings = find_rulings(page, text_height)
    tol = max(6.0, text_height * 0.25)
    segments = _table_segments(rulings, tol)
    grids = build_grids(segments, [], page_number, tol=tol, min_size=text_height)
    clean = erase_rulings(page, rulings, grids, int(tol))
    ocr_cells(clean, grids, text_height, gray, reread_all)
    lines = free_text(page, grids, margin=int(tol), gray=gray, reread_all=reread_all)
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
    """Several pages in parallel processes (:func:`extractors.scan_pool.map_pages`).

    `skip_blank` gives None for a page with no text (a blank sheet in a scan) instead of
    raising; `initializer` runs in each pool process (the batch uses it to die with its run);
    `on_page` is called as each page is done, in page order (the batch's progress bar).
    Both engines are loaded before the page processes fork (:func:`extractors.ocr_engine.preload`):
    measured on the 4-page scan, a second less CPU and a quarter-second less wall, at the same peak
    memory; a scan without numbers pays for the English one in vain (0.3 s).
    """
    jobs = [(str(pdf_path), i, skip_blank) for i in page_indexes]
    return map_pages(_read_one, jobs, workers, initializer, initargs, on_page, before_fork=_preload_engines)


def _preload_engines() -> None:
    preload((LANG, numeric_lang()))
