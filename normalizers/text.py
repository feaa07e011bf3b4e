"""Vietnamese text as printed versus text used as a key.

Documents mix precomposed and combining diacritics and the old and new tone-mark
placement ("hoá"/"hóa", "uỷ"/"ủy"). Printed names keep their spelling; anything
compared (header words, unit names, tiers) goes through :func:`text_key`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import overload

_TONES = "\u0300\u0301\u0303\u0309\u0323"
# Old style puts the tone on the second vowel of open "oa", "oe", "uy" syllables
# ("hoá", "thuỷ"); the new style puts it on the first ("hóa", "thủy").
_OLD_STYLE_OA = re.compile(rf"([oO])([aAeE])([{_TONES}])(?![^\W\d_])")
_OLD_STYLE_UY = re.compile(rf"(?<![qQ])([uU])([yY])([{_TONES}])(?![^\W\d_])")
_SPACE = re.compile(r"\s+")
# en/em dashes are part of a name as printed ("Sở Lao động – Thương binh và Xã hội"); text_key folds them
_DASHES = str.maketrans({"\u2212": "-", "\u00a0": " "})
_PUNCT = re.compile(r"[^\w\s]")


# Marks OCR leaves at the ends of a cell or line: specks, ruling remnants, a dot of dust, a
# dash or quote from the cell's border ("-Sở Kế hoạch và Đầu tư", "Hình thành '"). A name, a
# tier label or a column header never begins or ends with one. (":" and ")" are printed.)
OCR_EDGE_MARKS = "._,'\u2018\u2019`~|-\u2010\u2011\u2013\u2014\"\u201c\u201d\u00b4*\u2022\u00b7^\u00ac!?\u00bb\u00ab"


def strip_edge_marks(text: str, ends: str = "both") -> str:
    """An OCR'd text without the stray marks at its ends (`ends`: "both" or "leading"); never emptied."""
    stripped = text.lstrip(OCR_EDGE_MARKS + " ")
    if ends == "both":
        stripped = stripped.rstrip(OCR_EDGE_MARKS + " ")
    return stripped.strip() or text


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@overload
def clean_printed(text: str) -> str: ...
@overload
def clean_printed(text: None) -> None: ...
def clean_printed(text: str | None) -> str | None:
    """A value as printed: NFC, whitespace trimmed and runs collapsed (the contract's rule)."""
    if text is None:
        return None
    return _SPACE.sub(" ", nfc(text).translate(_DASHES)).strip()


def normalize_tone_marks(text: str) -> str:
    """Move tone marks to one convention (new style: "hóa", "ủy") so spellings compare equal."""
    decomposed = unicodedata.normalize("NFD", text)
    decomposed = _OLD_STYLE_OA.sub(r"\1\3\2", decomposed)
    decomposed = _OLD_STYLE_UY.sub(r"\1\3\2", decomposed)
    return nfc(decomposed)


def text_key(text: str | None) -> str:
    """A comparison key: one tone convention, case-folded, punctuation as spaces."""
    if not text:
        return ""
    key = normalize_tone_marks(clean_printed(text) or "").casefold()
    key = _PUNCT.sub(" ", key)
    return _SPACE.sub(" ", key).strip()


def strip_diacritics(text: str) -> str:
    """ASCII-ish skeleton, for matching words that OCR or typists spell without marks."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def contains_words(haystack: str, *needles: str, loose: bool = False) -> bool:
    """True when every needle occurs in the haystack, compared by :func:`text_key`.

    `loose` compares without diacritics too, for OCR text that confuses marks ("Tống" for "Tổng").
    """
    key = f" {text_key(haystack)} "
    if all(f" {text_key(n)} " in key for n in needles):
        return True
    if not loose:
        return False
    bare = strip_diacritics(key)
    return all(f" {strip_diacritics(text_key(n))} " in bare for n in needles)


def phrase_pattern(phrase: str) -> str:
    """A phrase as typed in a knowledge file, as a regex: its words escaped, any run of spaces between them."""
    return r"\s+".join(re.escape(word) for word in nfc(phrase).split())


def phrases_pattern(phrases: Iterable[str]) -> str:
    """Any of the phrases, tried in the order given (put a longer phrase before a shorter one it starts with)."""
    return "(?:" + "|".join(phrase_pattern(p) for p in phrases) + ")"
