"""Text-layer PDF pages to PageContent, with pdfplumber.

pdfplumber (0.11+) reports chars and ruling lines in the display frame, /Rotate included, so
landscape appendices stored as rotated portrait pages need no special case. A page whose text
stands sideways in that frame is read turned upright (:mod:`extractors.page_frame`); words in
legacy Vietnamese fonts are decoded (:mod:`extractors.encodings`); tables are built from the
ruling lines by :mod:`extractors.grid`, and where a table has none, from the alignment of its
words (:mod:`extractors.unruled`).
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections import Counter

from pdfplumber.page import Page
from pdfplumber.utils.text import WordExtractor

from extractors.encodings import UNICODE, capitalize_page, decode_positioned, font_encoding
from extractors.grid import Segment, Word, build_grids
from extractors.page import PageContent, outside, words_to_lines
from extractors.page_frame import Frame, page_frame, turn_char, turn_edge
from extractors.unruled import PdfSource, camelot_areas, first_row_top, looks_tabular, unruled_grids
from normalizers.knowledge import KnowledgeBundle

MIN_TEXT_CHARS = 20
MIN_GOOD_RATIO = 0.85


def _is_good_char(ch: str) -> bool:
    if ch.isspace() or ch.isalnum():
        return True
    cat = unicodedata.category(ch)
    return cat[0] in "PSM" and cat not in ("Co", "Cn") or ch == "\u00ad"  # U+00AD is ư in TCVN3


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


def _segments(edges: list[dict]) -> list[Segment]:
    segs: list[Segment] = []
    for e in edges:
        x0, top, x1, bottom = e["x0"], e["top"], e["x1"], e["bottom"]
        if (x1 - x0) >= (bottom - top):
            segs.append(Segment(True, (top + bottom) / 2, x0, x1))
        else:
            segs.append(Segment(False, (x0 + x1) / 2, top, bottom))
    return segs


def _words(chars: list[dict], bundle: KnowledgeBundle | None = None) -> tuple[list[Word], set[int], str]:
    """Words in reading order, which of them are bold, and the legacy encoding their fonts name."""
    extractor = WordExtractor(x_tolerance=1.5, y_tolerance=3, extra_attrs=["size", "fontname"])
    raw_words = extractor.extract_words(sorted(chars, key=lambda c: (round(c["top"]), c["x0"])))
    encodings = [font_encoding(w["fontname"], bundle) or UNICODE for w in raw_words]
    texts = decode_positioned([(w["text"], w["top"], enc) for w, enc in zip(raw_words, encodings)], bundle)
    words = [Word(text, w["x0"], w["top"], w["x1"], w["bottom"]) for text, w in zip(texts, raw_words)]
    bold = {id(word) for word, raw in zip(words, raw_words) if "bold" in raw["fontname"].lower()}
    named = Counter(enc for enc in encodings if enc != UNICODE)
    return words, bold, named.most_common(1)[0][0] if named else UNICODE


def _unruled(
    page: Page, source: PdfSource, words: list[Word], grids: list, free: list[Word]
) -> tuple[list, list[Word]]:
    """Add the tables drawn without ruling lines: those camelot finds on the page, then, while rows
    of names and numbers are left over, the table camelot reads in the space below the last grid."""
    height = float(page.height)
    found = unruled_grids(free, camelot_areas(source, page.page_number, height), page.page_number)
    for _ in range(4):
        grids = sorted(grids + found, key=lambda g: (g.bbox[1], g.bbox[0]))
        free = outside(words, grids)
        top = first_row_top(free) if found and looks_tabular(free) else None
        if top is None:
            break
        above = max((g.bbox[3] for g in grids if g.bbox[3] <= top), default=0.0)
        region = (0.0, above + 1, float(page.width), height)
        found = unruled_grids(free, camelot_areas(source, page.page_number, height, region), page.page_number)
    return grids, free


def read_text_page(page: Page, source: PdfSource | None = None, bundle: KnowledgeBundle | None = None) -> PageContent:
    """One page with a usable text layer: its lines of text and its tables.

    `source` (the PDF's path or bytes) lets camelot read a table drawn without ruling lines;
    without it such a page keeps its text lines only.
    """
    frame: Frame = page_frame(page.chars, float(page.width), float(page.height))
    turned = (turn_char(c, frame) for c in page.chars)
    chars = [dict(c, text=unicodedata.normalize("NFC", c["text"])) for c in turned if c.get("upright", True)]
    words, bold_words, encoding = _words(chars, bundle)
    grids = build_grids(_segments([turn_edge(e, frame) for e in page.edges]), words, page.page_number, tol=2.0)
    free = outside(words, grids)
    if source is not None and frame.turn == 0 and looks_tabular(free):
        grids, free = _unruled(page, source, words, grids, free)
    lines = words_to_lines(free)
    bold_tops = {round(w.top) for w in free if id(w) in bold_words}
    lines = [dataclasses.replace(ln, bold=True) if round(ln.top) in bold_tops else ln for ln in lines]
    width, height = frame.upright_size
    content = PageContent(page.page_number, width, height, "text_layer", lines, grids, text_encoding=encoding)
    return capitalize_page(content, bundle)
