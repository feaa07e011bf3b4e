"""Vietnamese numbers: decimal comma and thousands point, or decimal point.

The convention is a property of a document (or of one table of a mixed report), decided
from the evidence of all its numbers at once, never guessed cell by cell: "1.000" is a
thousand in a decimal-comma document and one in a decimal-point one.
"""

from __future__ import annotations

import decimal
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from normalizers.knowledge import KnowledgeBundle, MissingMarksFile, built, bundle_or_default
from schemas.records import is_null


class NumberFormatError(ValueError):
    """A cell that should hold a number holds something else."""


class Convention(StrEnum):
    DECIMAL_COMMA = "decimal_comma"  # 731,61 and 1.277
    DECIMAL_POINT = "decimal_point"  # 91.5 and 1000.0
    MIXED = "mixed"  # '.'+3 digits is thousands, ',' decimal, any other '.' decimal


_TOKEN = re.compile(r"\d[\d.,]*\d|\d")
# a group of thousands never starts with 0: "0,727" and "0.635" are decimals (national 0-1 indexes)
_COMMA_DECIMAL = re.compile(r"^(?:\d+,(\d{1,2}|\d{4,})|0,\d+)$")
_POINT_DECIMAL = re.compile(r"^(?:\d+\.(\d{1,2}|\d{4,})|0\.\d+)$")
_POINT_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+$")
_COMMA_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(,\d{3})+$")
_NUMBER = re.compile(r"^[+-]?\d[\d.,]*$")


@dataclass(frozen=True)
class Evidence:
    comma_decimals: int = 0
    point_decimals: int = 0
    point_thousands: int = 0
    comma_thousands: int = 0

    @property
    def convention(self) -> Convention:
        comma = self.comma_decimals + self.point_thousands
        point = self.point_decimals + self.comma_thousands
        if self.comma_decimals and self.point_decimals:
            return Convention.MIXED
        return Convention.DECIMAL_POINT if point > comma else Convention.DECIMAL_COMMA


def gather_evidence(texts: Iterable[str | None]) -> Evidence:
    """Count the unambiguous number shapes in a body of text."""
    counts = {"cd": 0, "pd": 0, "pt": 0, "ct": 0}
    for text in texts:
        for token in _TOKEN.findall(text or ""):
            if _COMMA_DECIMAL.match(token):
                counts["cd"] += 1
            elif _POINT_DECIMAL.match(token):
                counts["pd"] += 1
            elif _POINT_THOUSANDS.match(token):
                counts["pt"] += 1
            elif _COMMA_THOUSANDS.match(token):
                counts["ct"] += 1
    return Evidence(counts["cd"], counts["pd"], counts["pt"], counts["ct"])


def detect_convention(texts: Iterable[str | None]) -> Convention:
    return gather_evidence(texts).convention


def looks_numeric(text: str | None) -> bool:
    """A cell that holds one number as printed ("731,61", "73,16 %", "1.277"), whatever the convention."""
    if not text:
        return False
    return bool(_NUMBER.match(text.replace(" ", "").replace("\u00a0", "").removesuffix("%")))


def _marks(data: MissingMarksFile) -> frozenset[str]:
    return frozenset({""} | {m.casefold() for m in data.marks})


def missing_marks(knowledge: KnowledgeBundle | None = None) -> frozenset[str]:
    """The marks of missing_marks.yaml as compared (NFC, case-folded), the empty cell among them."""
    return built(bundle_or_default(knowledge).missing_marks, _marks)


def is_missing(text: str | None, marks: frozenset[str] | None = None) -> bool:
    """A blank cell or one that prints a mark instead of a value ("-", "kđg")."""
    return text is None or text.strip().casefold() in (missing_marks() if marks is None else marks)


def parse_number(text: str | None, convention: Convention, marks: frozenset[str] | None = None) -> float | None:
    """Parse one printed number ("731,61", "1.277", "91.5", "73,16%"); None for a blank or "-".

    ``marks``: the run's missing_marks.yaml (:func:`missing_marks` of its bundle); None: the default bundle's.
    """
    if text is None or is_missing(text, marks):
        return None
    raw = text.strip().replace(" ", "").replace("\u00a0", "").rstrip("%")
    if not _NUMBER.match(raw):
        raise NumberFormatError(f"{text!r} is not a number")
    if convention is Convention.DECIMAL_COMMA:
        if "." in raw and not _POINT_THOUSANDS.match(raw.split(",")[0].lstrip("+-")):
            raise NumberFormatError(
                f"{text!r} has a point that is not a thousands separator in a decimal-comma document"
            )
        value = raw.replace(".", "").replace(",", ".")
    elif convention is Convention.DECIMAL_POINT:
        if "," in raw and not _COMMA_THOUSANDS.match(raw.split(".")[0].lstrip("+-")):
            raise NumberFormatError(
                f"{text!r} has a comma that is not a thousands separator in a decimal-point document"
            )
        value = raw.replace(",", "")
    else:
        value = re.sub(r"\.(?=\d{3}(?!\d))", "", raw) if "," in raw or _POINT_THOUSANDS.match(raw) else raw
        value = value.replace(",", ".")
    if value.count(".") > 1:
        raise NumberFormatError(f"{text!r} has more than one decimal separator")
    try:
        return float(value)
    except ValueError as exc:
        raise NumberFormatError(f"{text!r} is not a number") from exc


def parse_ratio(
    text: str | None, convention: Convention, marks: frozenset[str] | None = None
) -> tuple[float, float] | None:
    """Parse "a/b" cells (107/135, 38.000/50.000) into numerator and denominator."""
    if text is None or is_missing(text, marks) or "/" not in text:
        return None
    left, _, right = text.partition("/")
    num, den = parse_number(left, convention, marks), parse_number(right, convention, marks)
    if num is None or den is None:
        raise NumberFormatError(f"{text!r} is not a ratio of two numbers")
    return num, den


EPS = 1e-6  # tolerance when comparing values read from print


def decimals(values) -> int:
    """How many decimals a set of printed values carries (0 for integers; 100.0 has none)."""
    most = 0
    for v in values:
        if is_null(v):
            continue
        text = f"{float(v):.6f}".rstrip("0")
        most = max(most, len(text.split(".")[1]) if "." in text else 0)
    return min(most, 4)


def sum_tolerance(places: int, n_parts: int) -> float:
    """How far parts printed to `places` decimals may add up from their printed total (rounding)."""
    return 0.5 * 10**-places * (n_parts + 1) + EPS


def parse_rank(text: str | None) -> int | None:
    """A printed rank ("3", "3."); None for a blank or anything else."""
    digits = (text or "").strip().rstrip(".")
    return int(digits) if digits.isdigit() else None


def round_half_up(value: float, places: int) -> float:
    """`value` rounded as a spreadsheet or a clerk rounds it: a half goes up (801.25/1000 is 80.13%).

    Python's round() rounds the binary float, in which 80.125 is 80.12499999999999, to 80.12; the
    value is first cut to the digits a document's arithmetic can mean, then rounded in decimal.
    """
    exact = decimal.Decimal(repr(round(value, 9)))
    return float(exact.quantize(decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP))


def percent_rule(pairs: Iterable[tuple[float, float]], places: int) -> str:
    """Whether printed percents round or truncate total/max, decided from all (computed, printed) pairs."""
    scale = 10**places
    rounded = truncated = 0
    for computed, printed in pairs:
        rounded += abs(round_half_up(computed, places) - printed) <= EPS
        truncated += abs(math.floor(computed * scale + EPS) / scale - printed) <= EPS
    return "truncated" if truncated > rounded else "rounded"


def expected_percent(computed: float, places: int, rule: str) -> float:
    """The percent the document would print for a computed one, under its rule."""
    if rule == "rounded":
        return round_half_up(computed, places)
    return math.floor(computed * 10**places + EPS) / 10**places
