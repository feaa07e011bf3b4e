"""How alike two printed texts are: one scorer and every threshold the extractors and normalizers compare with.

OCR slips a letter ("Kết cuả" for "Kết quả"), drops a tone mark ("Ngoai vụ") or reads
"c" as "e" ("nang eao"); a text layer breaks a header across lines. Every place that
forgives such noise scores with rapidfuzz's normalised Indel similarity (0–100, 100 for the
same text: twice the longest common subsequence over both lengths) and decides with a named
threshold from here, so one change of scorer or bar is made once and seen everywhere.

The thresholds are code's tuning, measured on the fixtures, not an officer's knowledge: the
unit registry's own bars (min_score, min_margin, stripped_penalty) stay in
``normalizers/data/unit_matching.yaml`` where officers tune registry matching.
"""

from __future__ import annotations

from collections.abc import Mapping

from rapidfuzz import fuzz, process

# The same words read again: a repeated table header, a unit's spelling, a framework
# component's printed name, a weekly table's heading phrase.
SAME_TEXT = 85.0
# A weekly column label against the template's, spaces squeezed out (line breaks move them),
# once the digits agree: "Kết quả tuần 05" in two lines is still the template's label.
SAME_LABEL = 80.0
# An illegible tier label against the framework's tier words, diacritics stripped:
# "nang cao" against "nang eao" is 87.5.
TIER_WORD = 80.0
# ... and the best tier word must beat the next tier's by this much.
TIER_MARGIN = 8.0
# Two component names closer than this to an OCR'd header leave the header unsnapped.
COMPONENT_MARGIN = 3.0


def similarity(a: str, b: str) -> float:
    """0–100: how alike two texts are, letter for letter (order kept)."""
    return fuzz.ratio(a, b)


def word_order_similarity(a: str, b: str) -> float:
    """0–100 as :func:`similarity`, the words sorted first ("Sở Y tế tỉnh" against "tỉnh Sở Y tế")."""
    return fuzz.token_sort_ratio(a, b)


def alike(a: str, b: str, threshold: float = SAME_TEXT) -> bool:
    """The two texts are the same words read with noise, by the given bar."""
    return similarity(a, b) >= threshold


def contains_phrase(haystack: str, needle: str, threshold: float = SAME_TEXT) -> bool:
    """A run of the haystack's words reads as the needle (whole words, an OCR slip or two forgiven)."""
    if f" {needle} " in f" {haystack} ":
        return True
    size, words = len(needle.split()), haystack.split()
    return any(alike(needle, " ".join(words[i : i + size]), threshold) for i in range(len(words) - size + 1))


def closest(text: str, choices: Mapping[str, str], limit: int = 2) -> list[tuple[str, float]]:
    """The choices' keys whose values read most like the text, best first, with their scores."""
    return [(key, score) for _, score, key in process.extract(text, choices, scorer=fuzz.ratio, limit=limit)]


def best_of(text: str, choices: Mapping[str, str]) -> tuple[str | None, float]:
    """The key of the first choice whose value reads most like the text, and its score (None, 0 for none)."""
    best, best_score = None, 0.0
    for key, choice in choices.items():
        score = similarity(text, choice)
        if score > best_score:
            best, best_score = key, score
    return best, best_score
