"""What a weekly report's tables and wording are: the knowledge the weekly reader compiles once.

``normalizers/data/weekly_tables.yaml`` says which tables a report prints (headings, header
words, columns); ``normalizers/data/weekly_wording.yaml`` how its opening block and table
shapes are worded. Both are read and checked with the knowledge bundle
(:mod:`normalizers.knowledge`) and compiled here once per bundle. Phrases are compared by
:func:`phrase_key` (no diacritics, lower case), as OCR drops marks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from normalizers.fuzzy import contains_phrase
from normalizers.knowledge import KnowledgeBundle, WeeklyTablesFile, WeeklyWordingFile, built, bundle_or_default
from normalizers.text import clean_printed, strip_diacritics, text_key


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


def _wording(data: WeeklyWordingFile) -> Wording:
    """weekly_wording.yaml compiled (its patterns were checked by the bundle, each error naming its key)."""
    return Wording(
        title=data.title,
        title_max_words=data.title_max_words,
        topic=data.topic,
        week=re.compile(data.week),
        year=re.compile(data.year),
        period=re.compile(data.period),
        province_header=re.compile(data.province_header, re.IGNORECASE),
        agency=re.compile(data.agency),
        motto=re.compile(data.motto),
        agency_joiners=tuple(data.agency_joiners),
        issuer_of_agency=data.issuer_of_agency,
        issuer_of_province=data.issuer_of_province,
        province_word=data.province_word,
        label_header=data.label_header,
        prose_tables=frozenset(data.prose_tables),
    )


def wording(knowledge: KnowledgeBundle | None = None) -> Wording:
    """weekly_wording.yaml as the weekly reader applies it (the bundle's, validated at start)."""
    return built(bundle_or_default(knowledge).weekly_wording, _wording)


def phrase_key(text: str | None) -> str:
    """Comparison key that survives OCR dropping diacritics."""
    return strip_diacritics(text_key(text))


def loose_text(text: str | None) -> str:
    """Lower-case text without diacritics but with its punctuation (dates, ratios)."""
    return strip_diacritics(clean_printed(text) or "").lower()


def has_phrase(haystack_key: str, phrase: str) -> bool:
    """Phrase containment that forgives an OCR slip or two ("Kết cuả" for "Kết quả")."""
    return contains_phrase(haystack_key, phrase_key(phrase))


def _compile(data: WeeklyTablesFile) -> Knowledge:
    specs = [
        TableSpec(
            code=code,
            headings=list(spec.headings),
            header_words=list(spec.header_words),
            unit_rows=spec.unit_rows,
            columns=list(spec.columns),
            lone_trailing_value_to=spec.lone_trailing_value_to,
        )
        for code, spec in data.tables.items()
    ]
    return Knowledge(
        tables=specs,
        row_no_headers={phrase_key(h) for h in data.row_no_headers},
        unit_headers={phrase_key(h) for h in data.unit_of_measure_headers},
        entered_marks={phrase_key(m) for m in data.entered_marks},
        issuers=list(data.issuers),
    )


def knowledge(bundle: KnowledgeBundle | None = None) -> Knowledge:
    """weekly_tables.yaml as the weekly reader applies it (the bundle's, validated at start)."""
    return built(bundle_or_default(bundle).weekly_tables, _compile)
