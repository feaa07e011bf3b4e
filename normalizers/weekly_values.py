"""A weekly report's printed cell as a typed value, with the doubts a reader should check.

The weekly extractor finds the tables and hands over each cell as printed; what the text
means is decided here, by the report's one parsing rule: '.'+3 digits is thousands, ','
decimal, any other '.' decimal, '%' dropped, 'a/b' a ratio (numerator, denominator), trend
icons ("↑", "▲") ignored, a blank or a dash missing. A task's result ("Kết quả thực hiện")
is prose: it has a value only when it is one "label: number." item. A status mark the
template knows ("Đã nhập") is a value of its own, never an unparseable number.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import NamedTuple

from normalizers.numbers import Convention, NumberFormatError, is_missing, looks_numeric, parse_number, parse_ratio
from normalizers.text import clean_printed, strip_diacritics, text_key
from schemas.issue_codes import IssueCode

# A cell read by OCR below this confidence (tesseract's word confidence, the cell's
# weakest word) is reported: on the weekly scan fixture every misread value is below it.
LOW_CONFIDENCE = 0.80

_ICONS = str.maketrans("", "", "↑↓▲▼⬆⬇△▽➚➘")
_RATIO = re.compile(r"^\d[\d.,]*\s*/\s*\d[\d.,]*$")
_SINGLE_ITEM = re.compile(r"^(?:[-–+•]\s*)?[^:]+:\s*(\d[\d.,]*\s*%?)\s*\.?$")

Doubt = tuple[IssueCode, str]  # (code, message) of one thing to check in a cell


class TypedValue(NamedTuple):
    """What a printed cell states: a number, or a ratio's two parts (value then stays empty)."""

    value: float | None
    numerator: float | None
    denominator: float | None


_NOTHING = TypedValue(None, None, None)


def _printed(raw: str | None) -> str:
    return clean_printed((raw or "").translate(_ICONS)) or ""


def parse_cell(raw: str | None, missing: frozenset[str] | None = None) -> TypedValue:
    """(value, numerator, denominator) of one printed cell, by the report's parsing rule.

    ``missing``: the run's missing marks (:func:`normalizers.numbers.missing_marks`); None: the default bundle's.
    """
    text = _printed(raw)
    if is_missing(text, missing):
        return _NOTHING
    try:
        if _RATIO.match(text):
            ratio = parse_ratio(text, Convention.MIXED, missing)
            return TypedValue(None, *ratio) if ratio else _NOTHING
        if looks_numeric(text):
            return TypedValue(parse_number(text, Convention.MIXED, missing), None, None)
    except NumberFormatError:
        return _NOTHING
    return _NOTHING


def single_item_value(raw: str, missing: frozenset[str] | None = None) -> float | None:
    """A task result that is one "label: number." item has a value; lists and prose do not."""
    m = _SINGLE_ITEM.match(raw)
    return parse_cell(m.group(1), missing).value if m else None


def type_value(raw: str, prose: bool, missing: frozenset[str] | None = None) -> TypedValue:
    """The typed value of a cell as printed; ``prose`` for a table whose cells are sentences."""
    return TypedValue(single_item_value(raw, missing), None, None) if prose else parse_cell(raw, missing)


def is_status_mark(raw: str | None, marks: Collection[str]) -> bool:
    """The cell is one of the template's status words (``marks`` as diacritic-free keys)."""
    return strip_diacritics(text_key(raw)) in marks


def low_confidence_doubt(what: str, printed: str, confidence: float) -> Doubt | None:
    """A row label or unit read by OCR below the bar: every record of the row depends on it."""
    if not printed or confidence >= LOW_CONFIDENCE:
        return None
    return (
        IssueCode.LOW_CONFIDENCE,
        f"the {what} {printed!r} was read by OCR with confidence {confidence:.2f} "
        f"(below {LOW_CONFIDENCE:.2f}); check it against the document",
    )


def value_doubts(
    raw: str,
    typed: TypedValue,
    confidence: float,
    prose: bool,
    marks: Collection[str],
    missing: frozenset[str] | None = None,
) -> list[Doubt]:
    """What to check in a cell read by OCR whose value cannot be trusted as read."""
    out: list[Doubt] = []
    if not raw:
        if confidence < LOW_CONFIDENCE:
            out.append((IssueCode.LOW_CONFIDENCE, "the cell has ink but OCR read nothing; check the printed value"))
        return out
    if confidence < LOW_CONFIDENCE:
        out.append(
            (
                IssueCode.LOW_CONFIDENCE,
                f"read by OCR with confidence {confidence:.2f} (below {LOW_CONFIDENCE:.2f}); check the printed value",
            )
        )
    text = _printed(raw)
    if prose or is_missing(text, missing) or is_status_mark(text, marks):
        return out
    if _RATIO.match(text) and (typed.numerator is None or typed.denominator is None):
        out.append((IssueCode.UNPARSEABLE_VALUE, f"{raw!r} looks like a ratio but its parts do not read as numbers"))
    elif typed.value is None and typed.numerator is None:
        out.append(
            (IssueCode.UNPARSEABLE_VALUE, f"{raw!r} is not a number, a ratio or a known mark where a value is expected")
        )
    return out
