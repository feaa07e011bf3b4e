"""Text-layer PDF pages to PageContent, with pdfplumber.

pdfplumber (0.11+) reports chars and ruling lines in the upright display frame, /Rotate
included, so landscape appendices stored as rotated portrait pages need no special case;
tables are built from the ruling lines by :mod:`extractors.grid`.
"""

from __future__ import annotations

import dataclasses
import unicodedata

from pdfplumber.page import Page
from pdfplumber.utils.text import WordExtractor

from extractors.grid import Segment, Word, build_grids
from extractors.page import PageContent, outside, words_to_lines

MIN_TEXT_CHARS = 20
MIN_GOOD_RATIO = 0.85


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


def _segments(page: Page) -> list[Segment]:
    segs: list[Segment] = []
    for e in page.edges:
        x0, top, x1, bottom = e["x0"], e["top"], e["x1"], e["bottom"]
        if (x1 - x0) >= (bottom - top):
            segs.append(Segment(True, (top + bottom) / 2, x0, x1))
        else:
            segs.append(Segment(False, (x0 + x1) / 2, top, bottom))
    return segs


def read_text_page(page: Page) -> PageContent:
    """One page with a usable text layer: its lines of text and its ruled tables."""
    chars = [dict(c, text=unicodedata.normalize("NFC", c["text"])) for c in page.chars if c.get("upright", True)]
    extractor = WordExtractor(x_tolerance=1.5, y_tolerance=3, extra_attrs=["size", "fontname"])
    raw_words = extractor.extract_words(sorted(chars, key=lambda c: (round(c["top"]), c["x0"])))
    words = [Word(w["text"], w["x0"], w["top"], w["x1"], w["bottom"]) for w in raw_words]
    bold_words = {id(word) for word, raw in zip(words, raw_words) if "bold" in raw["fontname"].lower()}
    grids = build_grids(_segments(page), words, page.page_number, tol=2.0)
    free = outside(words, grids)
    lines = words_to_lines(free)
    bold_tops = {round(w.top) for w in free if id(w) in bold_words}
    lines = [dataclasses.replace(ln, bold=True) if round(ln.top) in bold_tops else ln for ln in lines]
    return PageContent(page.page_number, float(page.width), float(page.height), "text_layer", lines, grids)
