"""Raw frames: every value exactly as printed, plus where it was printed.

Typing happens once, later, in the normalizers, with the document's number convention
decided from the whole document. Extractors of every kind (text PDF, scan, HTML) produce
these objects, so everything downstream is shared.

Every shape is frozen, its sequences tuples and its mappings frozendicts (lists and dicts given
to a constructor are converted), so a stage cannot change the frames it was given: it builds
new ones with `dataclasses.replace`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from frozendict import frozendict

from schemas.issue_codes import IssueCode


def _freeze(value: Any) -> Any:
    """Lists to tuples, dicts to frozendicts, all the way down; anything else as it is."""
    if isinstance(value, (list, tuple)):
        items = tuple(_freeze(v) for v in value)
        return value if isinstance(value, tuple) and all(a is b for a, b in zip(items, value)) else items
    if isinstance(value, dict) and not isinstance(value, frozendict):
        return frozendict({k: _freeze(v) for k, v in value.items()})
    return value


class _Frozen:
    """Converts the mutable containers a frozen dataclass was built with, so nobody mutates through them."""

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            frozen = _freeze(value)
            if frozen is not value:
                object.__setattr__(self, f.name, frozen)


@dataclass(frozen=True)
class RawComponent(_Frozen):
    name: str  # header text as printed, without its maximum
    max_raw: str | None  # the maximum as printed ("12", "150.0")


@dataclass(frozen=True)
class RawRow(_Frozen):
    name: str
    rank: str | None = None
    total: str | None = None
    percent: str | None = None
    tier: str | None = None  # as printed: a tier column, or the "MỨC TỐT" section row above
    evaluated: bool = True
    components: Sequence[str | None] = ()  # aligned with RawTable.components
    page: int | None = None
    confidence: float = 1.0
    cell_confidence: Mapping[str, float] = field(
        default_factory=frozendict
    )  # rank/total/percent/tier/name/component:<i> -> OCR confidence


@dataclass(frozen=True)
class RawAverage(_Frozen):
    label: str
    total: str | None
    percent: str | None = None
    page: int | None = None


@dataclass(frozen=True)
class Correction(_Frozen):
    """An OCR reading replaced by the only reading the document's own evidence allows."""

    field: str
    printed: str
    corrected: str
    reason: str
    unit: str | None = None


@dataclass(frozen=True)
class RawTable(_Frozen):
    group_title: str
    group_code: str | None
    max_raw: str | None = None  # the group's maximum as printed, where the table prints it
    components: Sequence[RawComponent] = ()
    rows: Sequence[RawRow] = ()
    averages: Sequence[RawAverage] = ()
    page: int | None = None
    has_rank_column: bool = True
    corrections: Sequence[Correction] = ()
    title_confidence: float = 1.0  # OCR confidence of the heading's words (1.0 on a text layer)
    headers: Sequence[str] = ()  # header cells as printed, spanning parents too (evidence)


@dataclass(frozen=True)
class TierRule(_Frozen):
    """A printed threshold, in percent of the group's maximum."""

    label: str  # as printed, e.g. "dẫn dắt"
    pct_gt: float | None
    pct_le: float | None


@dataclass(frozen=True)
class RawDocument(_Frozen):
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
    tables: Sequence[RawTable] = ()
    group_maxima: Mapping[str, str] = field(default_factory=frozendict)  # group_code -> max as printed in text
    tier_rules: Sequence[TierRule] = ()
    text: str = ""
    default_confidence: float = 1.0  # below 1 for secondary sources (news)
    notes: Sequence[str] = ()  # contradictions the extractor saw in prose
    doubts: Sequence[tuple[IssueCode, str]] = ()  # (issue code, sentence): e.g. a table the page cuts off
