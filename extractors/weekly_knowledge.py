"""What a weekly report's tables and wording are: the knowledge the weekly reader compiles once.

``normalizers/data/weekly_tables.yaml`` says which tables a report prints (headings, header
words, columns); ``normalizers/data/weekly_wording.yaml`` how its opening block and table
shapes are worded. Phrases are compared by :func:`key` (no diacritics, lower case), as OCR
drops marks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from normalizers.fuzzy import contains_phrase
from normalizers.text import clean_printed, strip_diacritics, text_key


class WeeklyWordingError(ValueError):
    """normalizers/data/weekly_wording.yaml is malformed."""


@dataclass
class TableSpec:
    code: str
    headings: list[str]
    header_words: list[str]
    unit_rows: bool
    columns: list[str]
    lone_trailing_value_to: str | None = None


@dataclass
class Knowledge:
    tables: list[TableSpec]
    row_no_headers: set[str]
    unit_headers: set[str]
    entered_marks: set[str]
    issuers: list[str]


@dataclass(frozen=True)
class Wording:
    """How the report words its opening block and table shapes (``weekly_wording.yaml``), compiled."""

    title: str
    title_max_words: int
    topic: str
    week: re.Pattern
    year: re.Pattern
    period: re.Pattern
    province_header: re.Pattern
    agency: re.Pattern
    motto: re.Pattern
    agency_joiners: tuple[str, ...]
    issuer_of_agency: str
    issuer_of_province: str
    province_word: str
    label_header: str
    prose_tables: frozenset[str]


_WORDING_PATTERNS = ("week", "year", "period", "province_header", "agency", "motto")
_WORDING_TEXT = ("title", "topic", "issuer_of_agency", "issuer_of_province", "province_word", "label_header")
_WORDING_LISTS = ("agency_joiners", "prose_tables")


@lru_cache(maxsize=1)
def wording() -> Wording:
    """The packaged ``weekly_wording.yaml``, compiled once."""
    text = resources.files("normalizers").joinpath("data/weekly_wording.yaml").read_text(encoding="utf-8")
    return wording_from_text(text)


def wording_from_text(text: str, name: str = "normalizers/data/weekly_wording.yaml") -> Wording:
    """The wording file compiled, each key checked for its shape (a broken file fails naming file and key)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WeeklyWordingError(f"{name}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise WeeklyWordingError(f"{name}: not a mapping of wording keys")
    known = (*_WORDING_PATTERNS, *_WORDING_TEXT, *_WORDING_LISTS, "title_max_words")
    if unknown := [str(k) for k in data if k not in known]:
        raise WeeklyWordingError(f"{name}: {', '.join(unknown)}: unknown key")
    if missing := [k for k in known if k not in data]:
        raise WeeklyWordingError(f"{name}: missing {', '.join(missing)}")
    wrong = [k for k in (*_WORDING_PATTERNS, *_WORDING_TEXT) if not isinstance(data[k], str)]
    wrong += [
        k for k in _WORDING_LISTS if not isinstance(data[k], list) or not all(isinstance(w, str) for w in data[k])
    ]
    wrong += [] if isinstance(data["title_max_words"], int) else ["title_max_words"]
    if wrong:
        raise WeeklyWordingError(f"{name}: {', '.join(wrong)}: not of the documented shape")
    try:
        patterns = {k: re.compile(data[k], re.IGNORECASE if k == "province_header" else 0) for k in _WORDING_PATTERNS}
    except re.error as exc:
        raise WeeklyWordingError(f"{name}: malformed pattern ({exc})") from exc
    return Wording(
        title=data["title"],
        title_max_words=data["title_max_words"],
        topic=data["topic"],
        week=patterns["week"],
        year=patterns["year"],
        period=patterns["period"],
        province_header=patterns["province_header"],
        agency=patterns["agency"],
        motto=patterns["motto"],
        agency_joiners=tuple(data["agency_joiners"]),
        issuer_of_agency=data["issuer_of_agency"],
        issuer_of_province=data["issuer_of_province"],
        province_word=data["province_word"],
        label_header=data["label_header"],
        prose_tables=frozenset(data["prose_tables"]),
    )


def phrase_key(text: str | None) -> str:
    """Comparison key that survives OCR dropping diacritics."""
    return strip_diacritics(text_key(text))


def loose_text(text: str | None) -> str:
    """Lower-case text without diacritics but with its punctuation (dates, ratios)."""
    return strip_diacritics(clean_printed(text) or "").lower()


def has_phrase(haystack_key: str, phrase: str) -> bool:
    """Phrase containment that forgives an OCR slip or two ("Kết cuả" for "Kết quả")."""
    return contains_phrase(haystack_key, phrase_key(phrase))


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    data = yaml.safe_load(
        resources.files("normalizers").joinpath("data/weekly_tables.yaml").read_text(encoding="utf-8")
    )
    specs = [
        TableSpec(
            code=code,
            headings=list(spec.get("headings", [])),
            header_words=list(spec.get("header_words", [])),
            unit_rows=bool(spec.get("unit_rows", False)),
            columns=list(spec.get("columns", [])),
            lone_trailing_value_to=spec.get("lone_trailing_value_to"),
        )
        for code, spec in data["tables"].items()
    ]
    return Knowledge(
        tables=specs,
        row_no_headers={phrase_key(h) for h in data["row_no_headers"]},
        unit_headers={phrase_key(h) for h in data["unit_of_measure_headers"]},
        entered_marks={phrase_key(m) for m in data["entered_marks"]},
        issuers=list(data.get("issuers", [])),
    )
