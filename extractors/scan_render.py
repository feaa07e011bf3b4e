"""A scanned PDF page as pixels: the scanner's own image where there is one, else a rendering."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium

from extractors.image_cleanup import ScanError


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
