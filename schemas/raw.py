"""Raw frames: every value exactly as printed, plus where it was printed.

Typing happens once, later, in the normalizers, with the document's number convention
decided from the whole document. Extractors of every kind (text PDF, scan, HTML) produce
these objects, so everything downstream is shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.issue_codes import IssueCode


@dataclass
class RawComponent:
    name: str  # header text as printed, without its maximum
    max_raw: str | None  # the maximum as printed ("12", "150.0")


@dataclass
class RawRow:
    name: str
    rank: str | None = None
    total: str | None = None
    percent: str | None = None
    tier: str | None = None  # as printed: a tier column, or the "MỨC TỐT" section row above
    evaluated: bool = True
    components: list[str | None] = field(default_factory=list)  # aligned with RawTable.components
    page: int | None = None
    confidence: float = 1.0
    cell_confidence: dict[str, float] = field(
        default_factory=dict
    )  # rank/total/percent/tier/name/component:<i> -> OCR confidence


@dataclass
class RawAverage:
    label: str
    total: str | None
    percent: str | None = None
    page: int | None = None


@dataclass
class Correction:
    """An OCR reading replaced by the only reading the document's own evidence allows."""

    field: str
    printed: str
    corrected: str
    reason: str
    unit: str | None = None


@dataclass(frozen=True)
class RawTable:
    group_title: str
    group_code: str | None
    max_raw: str | None = None  # the group's maximum as printed, where the table prints it
    components: list[RawComponent] = field(default_factory=list)
    rows: list[RawRow] = field(default_factory=list)
    averages: list[RawAverage] = field(default_factory=list)
    page: int | None = None
    has_rank_column: bool = True
    corrections: list[Correction] = field(default_factory=list)
    title_confidence: float = 1.0  # OCR confidence of the heading's words (1.0 on a text layer)
    headers: list[str] = field(default_factory=list)  # header cells as printed, spanning parents too (evidence)


@dataclass
class TierRule:
    """A printed threshold, in percent of the group's maximum."""

    label: str  # as printed, e.g. "dẫn dắt"
    pct_gt: float | None
    pct_le: float | None


@dataclass(frozen=True)
class RawDocument:
    """What one file says, as printed. `text` keeps the running text for evidence."""

    source_kind: str  # decision, news_article, weekly_report
    province: str | None = None
    issuer: str | None = None
    decision_number: str | None = None
    decision_date: str | None = None  # ISO date, or None where blank or partial
    assessment_year: int | None = None
    framework: str | None = None  # ict_index, dti
    pages: int | None = None
    text_source: str | None = None  # text_layer, ocr, mixed, html
    text_encoding: str = "unicode"  # unicode, tcvn3, vni: what the source was typed in (text is decoded)
    tables: list[RawTable] = field(default_factory=list)
    group_maxima: dict[str, str] = field(default_factory=dict)  # group_code -> max as printed in text
    tier_rules: list[TierRule] = field(default_factory=list)
    text: str = ""
    default_confidence: float = 1.0  # below 1 for secondary sources (news)
    notes: list[str] = field(default_factory=list)  # contradictions the extractor saw in prose
    doubts: list[tuple[IssueCode, str]] = field(
        default_factory=list
    )  # (issue code, sentence): e.g. a table the page cuts off
