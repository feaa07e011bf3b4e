"""Text-layer PDF pages to PageContent, with pdfplumber.

pdfplumber reports chars and ruling lines in the unrotated page space; pages with
/Rotate (landscape appendices) would come back transposed, so everything is mapped to
the upright display frame first and tables are built by :mod:`extractors.grid`.
"""

from __future__ import annotations

import unicodedata

import pdfplumber
from pdfplumber.page import Page
from pdfplumber.utils.text import WordExtractor

from extractors.grid import Segment, Word, build_grids
from extractors.page import PageContent, outside, words_to_lines

MIN_TEXT_CHARS = 20
MIN_GOOD_RATIO = 0.85


def _mapper(page: Page):
    """Point mapping from pdfplumber's unrotated top-left frame to the display frame."""
    w, h = float(page.mediabox[2] - page.mediabox[0]), float(page.mediabox[3] - page.mediabox[1])
    rot = (page.rotation or 0) % 360
    if rot == 90:
        return (lambda x, y: (h - y, x)), (h, w)
    if rot == 180:
        return (lambda x, y: (w - x, h - y)), (w, h)
    if rot == 270:
        return (lambda x, y: (y, w - x)), (h, w)
    return (lambda x, y: (x, y)), (w, h)


def _box(mapping, x0, top, x1, bottom):
    (ax, ay), (bx, by) = mapping(x0, top), mapping(x1, bottom)
    return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def _is_good_char(ch: str) -> bool:
    if ch.isspace() or ch.isalnum():
        return True
    cat = unicodedata.category(ch)
    return cat[0] in "PSM" and cat not in ("Co", "Cn")


def text_layer_quality(chars: list[dict]) -> float:
    """Share of chars that are real text; CID garbage and private-use glyphs pull it down."""
    texts = [c["text"] for c in chars]
    if not texts:
        return 0.0
    bad = sum(1 for t in texts if t.startswith("(cid:") or not all(_is_good_char(ch) for ch in t))
    return 1 - bad / len(texts)


def has_text_layer(page: Page) -> bool:
    chars = page.chars
    return len(chars) >= MIN_TEXT_CHARS and text_layer_quality(chars) >= MIN_GOOD_RATIO


def _display_chars(page: Page, mapping) -> list[dict]:
    out = []
    for c in page.chars:
        x0, top, x1, bottom = _box(mapping, c["x0"], c["top"], c["x1"], c["bottom"])
        if page.rotation:
            # a rotated page's glyph box is tall and narrow in display space for upright text
            pass
        d = dict(c)
        d.update(x0=x0, x1=x1, top=top, bottom=bottom, upright=True, text=unicodedata.normalize("NFC", c["text"]))
        out.append(d)
    return out


def _segments(page: Page, mapping) -> list[Segment]:
    segs: list[Segment] = []
    for e in page.edges:
        x0, top, x1, bottom = _box(mapping, e["x0"], e["top"], e["x1"], e["bottom"])
        if (x1 - x0) >= (bottom - top):
            segs.append(Segment(True, (top + bottom) / 2, x0, x1))
        else:
            segs.append(Segment(False, (x0 + x1) / 2, top, bottom))
    return segs


def read_text_page(page: Page) -> PageContent:
    """One page with a usable text layer: its lines of text and its ruled tables."""
    mapping, (width, height) = _mapper(page)
    chars = _display_chars(page, mapping)
    extractor = WordExtractor(x_tolerance=1.5, y_tolerance=3, extra_attrs=["size", "fontname"])
    raw_words = extractor.extract_words(sorted(chars, key=lambda c: (round(c["top"]), c["x0"])))
    words = [Word(w["text"], w["x0"], w["top"], w["x1"], w["bottom"]) for w in raw_words]
    bold_words = {id(word) for word, raw in zip(words, raw_words) if "bold" in raw["fontname"].lower()}
    grids = build_grids(_segments(page, mapping), words, page.page_number, tol=2.0)
    free = outside(words, grids)
    lines = words_to_lines(free)
    bold_tops = {round(w.top) for w in free if id(w) in bold_words}
    lines = [
        ln if round(ln.top) not in bold_tops else type(ln)(**{**ln.__dict__, "bold": True}) for ln in lines
    ]
    return PageContent(page.page_number, width, height, "text_layer", lines, grids)


def open_pdf(path) -> pdfplumber.PDF:
    return pdfplumber.open(path)
