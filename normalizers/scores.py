"""Raw ranking tables to typed score, component and average rows (records; frames on demand).

The document's number convention is decided once from all of its numbers; a group's
maximum is read with that convention unless the table's own scores prove otherwise (a
"1.000" maximum cannot be 1 when units score 700). Values that do not parse are kept
out of the numbers and reported, never guessed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TypeGuard

from normalizers.admin_units import admin_unit_words
from normalizers.frameworks import Framework, Knowledge, Tier
from normalizers.knowledge import KnowledgeBundle
from normalizers.numbers import (
    EPS,
    Convention,
    NumberFormatError,
    detect_convention,
    missing_marks,
    parse_number,
    parse_rank,
)
from normalizers.ocr_labels import tidy_ocr_labels
from normalizers.ocr_repair import CONFIDENCE_THRESHOLD, cell_confidence, is_confident, repair_ocr_table
from normalizers.text import clean_printed
from schemas.issue_codes import IssueCode
from schemas.issues import Issue
from schemas.raw import RawDocument, RawRow, RawTable
from schemas.records import FrameOf, Records

SCORE_COLUMNS = [
    "doc_id",
    "province",
    "assessment_year",
    "framework",
    "group_code",
    "group_title",
    "rank",
    "unit_name_raw",
    "unit_id",
    "unit_name",
    "evaluated",
    "total_score",
    "max_score",
    "score_pct",
    "score_pct_printed",
    "tier",
    "tier_printed",
    "tier_source",
    "source_page",
    "confidence",
]
COMPONENT_COLUMNS = [
    "doc_id",
    "group_code",
    "unit_name_raw",
    "unit_id",
    "component_code",
    "component_name",
    "component_max",
    "score",
]
RANK_LIMIT = 32767  # the contract's int16 rank
AVERAGE_COLUMNS = ["doc_id", "group_code", "row_label", "average", "average_pct_printed"]


@dataclass(frozen=True)
class Normalized:
    """A ranking document's typed rows (plain records: the checks and the worker need no pandas)."""

    score_rows: Records
    component_rows: Records
    average_rows: Records
    issues: list[Issue] = field(default_factory=list)
    convention: Convention = Convention.DECIMAL_COMMA
    tiers: tuple[Tier, ...] = ()
    tiers_printed: bool = False
    tables: list[RawTable] = field(default_factory=list)  # the document's tables as normalized (tidied, repaired)

    scores = FrameOf("score_rows", SCORE_COLUMNS)
    components = FrameOf("component_rows", COMPONENT_COLUMNS)
    averages = FrameOf("average_rows", AVERAGE_COLUMNS)


def document_convention(doc: RawDocument) -> Convention:
    texts: list[str | None] = []
    for table in doc.tables:
        texts.append(table.max_raw)
        texts.extend(c.max_raw for c in table.components)
        for row in table.rows:
            texts.extend([row.total, row.percent, *row.components])
        texts.extend(a.total for a in table.averages)
    convention = detect_convention(texts)
    # a ranking decision uses one convention; "mixed" evidence means the stronger one wins
    if convention is Convention.MIXED:
        ev_texts = [t for t in texts if t]
        commas = sum("," in t for t in ev_texts)
        return Convention.DECIMAL_COMMA if commas * 2 >= len(ev_texts) else Convention.DECIMAL_POINT
    return convention


def _other(convention: Convention) -> Convention:
    return Convention.DECIMAL_POINT if convention is Convention.DECIMAL_COMMA else Convention.DECIMAL_COMMA


def read_maximum(
    raw: str | None, convention: Convention, highest_score: float | None, marks: frozenset[str] | None = None
) -> float | None:
    """A maximum as printed, read so that it is not below the scores it bounds."""
    if raw is None:
        return None
    for conv in (convention, _other(convention)):
        try:
            value = parse_number(raw, conv, marks)
        except NumberFormatError:
            continue
        if value is not None and (highest_score is None or value >= highest_score):
            return value
    return None


def effective_tiers(doc: RawDocument, framework: Framework) -> tuple[tuple[Tier, ...], bool]:
    """Thresholds the document prints (mapped to the framework's codes), else the framework's."""
    printed: list[Tier] = []
    for rule in doc.tier_rules:
        tier = framework.tier_for_label(rule.label)
        if tier is not None:
            printed.append(Tier(tier.code, tier.labels, rule.pct_gt, rule.pct_le))
    if printed:
        return tuple(printed), True
    return (framework.tiers if framework.thresholds_known else ()), False


class _Parser:
    def __init__(self, doc_id: str, convention: Convention, issues: list[Issue], marks: frozenset[str] | None = None):
        self.doc_id, self.convention, self.issues, self.marks = doc_id, convention, issues, marks

    def quiet(self, raw: str | None) -> float | None:
        """A number where one can be read, for evidence only (no issue recorded)."""
        try:
            return parse_number(raw, self.convention, self.marks)
        except NumberFormatError:
            return None

    def number(self, raw: str | None, group: str | None, unit: str | None, field_name: str) -> float | None:
        try:
            return parse_number(raw, self.convention, self.marks)
        except NumberFormatError as exc:
            self.issues.append(
                Issue(
                    doc_id=self.doc_id,
                    code=IssueCode.UNPARSEABLE_VALUE,
                    severity="error",
                    message=f"{field_name} of {unit or 'a row'} is printed as {raw!r}, which is not a number ({exc}).",
                    group_code=group,
                    unit_name_raw=unit,
                    field=field_name,
                    printed=raw,
                )
            )
            return None


def _edition_maxima(
    framework: Framework | None,
    doc_id: str,
    table: RawTable,
    group: str,
    comp_max: list[float | None],
    observed: list[float],
    max_score: float,
    codes: list[str],
    issues: list[Issue],
) -> list[float | None] | None:
    """Unreadable maxima of a scan from the one known edition whose components the header names.

    Used only when every component header identifies the edition's component, in order, every
    legible maximum agrees with it and no score in a column exceeds the edition's maximum.
    """
    found = framework.edition_maxima(group, codes, comp_max, max_score) if framework is not None else None
    if found is None:
        return None
    edition, maxima = found
    if any(o > m + EPS for o, m in zip(observed, maxima)):
        return None
    for i, (printed, known) in enumerate(zip(comp_max, maxima)):
        if printed is None:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.MAX_FROM_FRAMEWORK,
                    severity="warning",
                    message=f"The maximum of {table.components[i].name} is not printed legibly; the header's components are "
                    f"those of {edition.name}, whose maximum for it is {known:g} (the maxima add up to {max_score:g}).",
                    group_code=group,
                    field=f"component_max:{codes[i]}",
                    printed=table.components[i].max_raw,
                    expected=f"{known:g}",
                )
            )
    return list(maxima)


def _all_printed(maxima: list[float | None]) -> TypeGuard[list[float]]:
    return all(m is not None for m in maxima)


def reconcile_component_maxima(
    doc: RawDocument,
    doc_id: str,
    table: RawTable,
    group: str,
    comp_max: list[float | None],
    observed: list[float],
    max_score: float,
    issues: list[Issue],
    codes: list[str],
    framework: Framework | None = None,
) -> list[float | None]:
    """The component maxima must add up to the group's maximum and bound every score in their column.

    On a scan, one misread maximum (OCR's "(3)" for "(13)") is repaired when exactly one column
    is below its own scores and the gap to the total is the value that fixes it; maxima that
    cannot be read come from the framework's edition the header's components identify. On a
    text layer the printed values stay and the inconsistency is reported.
    """
    if not comp_max:
        return comp_max
    scanned = doc.text_source in ("ocr", "mixed")
    missing = [i for i, m in enumerate(comp_max) if m is None]
    some_printed = len(missing) < len(comp_max) or any(c.max_raw for c in table.components)
    if scanned and missing and some_printed:
        known = _edition_maxima(framework, doc_id, table, group, comp_max, observed, max_score, codes, issues)
        if known is not None:
            return known
    if missing and len(missing) < len(comp_max):
        if scanned and len(missing) == 1:
            i = missing[0]
            fixed = max_score - sum(m for m in comp_max if m is not None)
            if fixed > EPS and fixed >= observed[i] - EPS:
                issues.append(
                    Issue(
                        doc_id=doc_id,
                        code=IssueCode.OCR_CORRECTED,
                        severity="warning",
                        message=f"The maximum of {table.components[i].name} could not be read; the maxima must add up to {max_score:g}, so it is {fixed:g}.",
                        group_code=group,
                        field=f"component_max:{codes[i]}",
                        printed=table.components[i].max_raw,
                        expected=f"{fixed:g}",
                    )
                )
                return [fixed if j == i else m for j, m in enumerate(comp_max)]
        for i in missing:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.MAX_UNREADABLE,
                    severity="error" if scanned else "warning",
                    message=f"The maximum of {table.components[i].name} is not printed legibly while the other components' are; it is left empty.",
                    group_code=group,
                    field=f"component_max:{codes[i]}",
                    printed=table.components[i].max_raw,
                )
            )
        return comp_max
    if not _all_printed(comp_max):
        return comp_max
    gap = max_score - sum(comp_max)
    if abs(gap) < EPS:
        return list(comp_max)  # the same values, as the caller's list[float | None]
    broken = [i for i, (m, o) in enumerate(zip(comp_max, observed)) if o > m + EPS]
    if scanned and len(broken) == 1 and comp_max[broken[0]] + gap >= observed[broken[0]] - EPS:
        i = broken[0]
        fixed = comp_max[i] + gap
        issues.append(
            Issue(
                doc_id=doc_id,
                code=IssueCode.OCR_CORRECTED,
                severity="warning",
                message=f"The maximum of {table.components[i].name} was read as {comp_max[i]:g}; the maxima must add up to {max_score:g}, so it is {fixed:g}.",
                group_code=group,
                field=f"component_max:{codes[i]}",
                printed=table.components[i].max_raw,
                expected=f"{fixed:g}",
            )
        )
        return [fixed if j == i else m for j, m in enumerate(comp_max)]
    issues.append(
        Issue(
            doc_id=doc_id,
            code=IssueCode.COMPONENT_MAX_MISMATCH,
            severity="error" if scanned else "warning",
            message=f"The component maxima of {table.group_title or group} add up to {sum(comp_max):g}, not the group maximum {max_score:g}.",
            group_code=group,
            field="component_max",
            printed=f"{sum(comp_max):g}",
            expected=f"{max_score:g}",
        )
    )
    return list(comp_max)


@dataclass(frozen=True)
class _Document:
    """What every table of one document is normalized with, decided once per document."""

    doc: RawDocument
    doc_id: str
    knowledge: Knowledge
    framework: Framework
    tiers: tuple[Tier, ...]
    parser: _Parser
    max_rank: int
    bundle: KnowledgeBundle | None = None

    @property
    def issues(self) -> list[Issue]:
        return self.parser.issues

    @property
    def scanned(self) -> bool:
        return self.doc.text_source in ("ocr", "mixed")


def _group_maximum(ctx: _Document, table: RawTable, group: str) -> float:
    """The group's maximum total: as printed where its scores allow, else the framework's (reported)."""
    doc, framework, parser = ctx.doc, ctx.framework, ctx.parser
    evidence = [
        r.total for r in table.rows if not ctx.scanned or is_confident(r, "total")
    ]  # a misread "8063" bounds nothing
    highest = max((t for t in map(parser.quiet, evidence) if t is not None), default=None)
    max_raw = table.max_raw or doc.group_maxima.get(group) or doc.group_maxima.get("*")
    max_score = read_maximum(max_raw, parser.convention, highest, parser.marks)
    if max_score is None and read_maximum(max_raw, parser.convention, None, parser.marks) == framework.default_max:
        max_score = (
            framework.default_max
        )  # printed and known maximum agree: a total above it is the error (check_maxima)
    if max_score is None and max_raw is None:
        return _unprinted_maximum(ctx, table, group, highest)
    if max_score is None:
        max_score = framework.default_max
        if max_raw is not None:
            _maximum_issue(
                ctx,
                group,
                IssueCode.MAX_UNREADABLE,
                "warning",
                f"The maximum of {table.group_title or group} is printed as {max_raw!r}; "
                f"the framework's {framework.default_max:g} is used.",
                max_score,
                printed=max_raw,
            )
    return max_score


def _maximum_issue(
    ctx: _Document, group: str, code: IssueCode, severity: str, message: str, used: float, printed: str | None = None
) -> None:
    """The one issue a group's maximum raises: the maximum used is the issue's expected value."""
    ctx.issues.append(
        Issue(
            doc_id=ctx.doc_id,
            code=code,
            severity=severity,
            message=message,
            group_code=group,
            field="max_score",
            printed=printed,
            expected=f"{used:g}",
        )
    )


def _unprinted_maximum(ctx: _Document, table: RawTable, group: str, highest: float | None) -> float:
    """A group whose maximum the document does not print: the framework's, said so (its percents and tiers rest on it).

    Totals that are all at most 1 under a framework of hundreds of points are a 0-1 index
    ("0,7215"), as some provinces publish: measured against 1000 points they would all be
    "khởi động". Their maximum is 1, reported as a warning. An index defined on 0..1 (the
    ministry's national rankings) has nothing to assume.
    """
    default = ctx.framework.default_max
    if default <= 1:
        return default
    where = table.group_title or group
    if highest is not None and 0 < highest <= 1 < default:
        _maximum_issue(
            ctx,
            group,
            IssueCode.SCALE_FROM_VALUES,
            "warning",
            f"No maximum is printed for {where} and every total is at most 1 (the highest is "
            f"{highest:g}): they are read as a 0-1 index (maximum 1), not as points of {default:g}.",
            1.0,
        )
        return 1.0
    _maximum_issue(
        ctx,
        group,
        IssueCode.MAX_ASSUMED,
        "info",
        f"No maximum is printed for {where}; the framework's {default:g} is assumed.",
        default,
    )
    return default


def _component_maxima(
    ctx: _Document, table: RawTable, group: str, max_score: float
) -> tuple[list[float | None], list[str]]:
    """Each component's maximum (reconciled with the group's maximum and its column's scores) and code."""
    comp_max = [read_maximum(c.max_raw, ctx.parser.convention, None, ctx.parser.marks) for c in table.components]
    observed = [
        max((ctx.parser.quiet(r.components[i]) or 0.0) for r in table.rows) if table.rows else 0.0
        for i in range(len(table.components))
    ]
    codes = [ctx.knowledge.component_code(c.name) for c in table.components]
    comp_max = reconcile_component_maxima(
        ctx.doc, ctx.doc_id, table, group, comp_max, observed, max_score, ctx.issues, codes, ctx.framework
    )
    return comp_max, codes


def _repaired_scan_table(
    ctx: _Document, table: RawTable, group: str, max_score: float, comp_max: list[float | None]
) -> RawTable:
    """An OCR'd table with its misread cells repaired (a new table), its remaining doubts reported."""
    repaired = repair_ocr_table(
        table,
        ctx.parser.convention,
        max_score,
        comp_max,
        ctx.tiers or ctx.framework.tiers,
        ctx.doc_id,
        group,
        ctx.bundle,
    )
    table = repaired.table
    ctx.issues.extend(repaired.issues)
    ctx.issues.extend(uncovered_doubts(table, ctx.doc_id, group))
    if table.group_title and table.title_confidence < CONFIDENCE_THRESHOLD:
        ctx.issues.append(
            Issue(
                doc_id=ctx.doc_id,
                code=IssueCode.LOW_CONFIDENCE,
                severity="warning",
                message=f"The table heading {table.group_title!r} was read by OCR with confidence "
                f"{table.title_confidence:.2f}; check its words against the document.",
                group_code=group,
                field="group_title",
                printed=table.group_title,
            )
        )
    return table


def _correction_issues(ctx: _Document, table: RawTable, group: str) -> list[Issue]:
    """The layout's own OCR corrections (e.g. a header snapped to its pillar's name), as issues."""
    return [
        Issue(
            doc_id=ctx.doc_id,
            code=IssueCode.OCR_CORRECTED,
            severity="warning",
            message=f"{fix.reason}: {fix.printed!r} read as {fix.corrected!r}.",
            group_code=group,
            unit_name_raw=fix.unit,
            field=fix.field,
            printed=fix.printed,
            expected=fix.corrected,
        )
        for fix in table.corrections
    ]


def _score_record(
    ctx: _Document, table: RawTable, group: str, row: RawRow, total: float | None, max_score: float
) -> dict:
    """One scores row: the printed values typed, the percent computed, the tier printed or derived."""
    framework, parser, doc = ctx.framework, ctx.parser, ctx.doc
    pct = None if total is None else total / max_score * 100
    printed_tier = clean_printed(row.tier) or None
    tier_obj = framework.tier_for_label(printed_tier)
    tier_source = "printed" if printed_tier else None
    if not printed_tier and pct is not None and ctx.tiers:
        tier_obj = framework.tier_for_pct(pct, ctx.tiers)
        tier_source = "derived" if tier_obj else None
    record = {
        "doc_id": ctx.doc_id,
        "province": doc.province,
        "assessment_year": doc.assessment_year,
        "framework": framework.code,
        "group_code": group,
        "group_title": table.group_title,
        "rank": _rank_in_range(row.rank, ctx.max_rank, ctx.doc_id, group, row.name, ctx.issues),
        "unit_name_raw": clean_printed(row.name),
        "unit_id": None,
        "unit_name": None,
        "evaluated": row.evaluated,
        "total_score": total,
        "max_score": max_score,
        "score_pct": pct,
        "score_pct_printed": parser.number(row.percent, group, row.name, "score_pct_printed"),
        "tier": tier_obj.code if tier_obj else None,
        "tier_printed": printed_tier,
        "tier_source": tier_source,
        "source_page": row.page,
        "confidence": round(min(row.confidence, doc.default_confidence), 4),
    }
    if printed_tier and tier_obj is None:
        ctx.issues.append(
            Issue(
                doc_id=ctx.doc_id,
                code=IssueCode.UNKNOWN_TIER,
                severity="warning",
                message=f"{row.name} has the tier {printed_tier!r}, which is not a tier of the "
                f"{framework.code} framework.",
                group_code=group,
                unit_name_raw=row.name,
                field="tier",
                printed=printed_tier,
            )
        )
    return record


def _component_records(
    ctx: _Document, table: RawTable, group: str, row: RawRow, codes: list[str], comp_max: list[float | None]
) -> list[dict]:
    """The components rows of one evaluated unit."""
    return [
        {
            "doc_id": ctx.doc_id,
            "group_code": group,
            "unit_name_raw": clean_printed(row.name),
            "unit_id": None,
            "component_code": code,
            "component_name": comp.name,
            "component_max": cmax,
            "score": ctx.parser.number(raw, group, row.name, f"component:{code}"),
        }
        for comp, code, cmax, raw in zip(table.components, codes, comp_max, row.components)
    ]


def _average_records(ctx: _Document, table: RawTable, group: str) -> list[dict]:
    return [
        {
            "doc_id": ctx.doc_id,
            "group_code": group,
            "row_label": avg.label,
            "average": ctx.parser.number(avg.total, group, avg.label, "average"),
            "average_pct_printed": ctx.parser.number(avg.percent, group, avg.label, "average_pct"),
        }
        for avg in table.averages
    ]


def _normalize_table(ctx: _Document, table: RawTable) -> tuple[RawTable, list[dict], list[dict], list[dict]]:
    """One table's scores, components and averages rows, and the table as normalized (tidied, repaired).

    The steps run in the order their issues are reported in: labels, maxima, OCR repair,
    totals, the layout's corrections, then row by row.
    """
    group = table.group_code or _group_from_names(table, ctx.bundle)
    if ctx.scanned:
        table, label_issues = tidy_ocr_labels(table, ctx.framework, ctx.doc_id, group)
        ctx.issues.extend(label_issues)
    max_score = _group_maximum(ctx, table, group)
    comp_max, codes = _component_maxima(ctx, table, group, max_score)
    if ctx.scanned:
        table = _repaired_scan_table(ctx, table, group, max_score, comp_max)
    totals = [ctx.parser.number(r.total, group, r.name, "total_score") for r in table.rows]
    ctx.issues.extend(_correction_issues(ctx, table, group))
    scores: list[dict] = []
    components: list[dict] = []
    for row, total in zip(table.rows, totals):
        scores.append(_score_record(ctx, table, group, row, total, max_score))
        if row.evaluated:
            components.extend(_component_records(ctx, table, group, row, codes, comp_max))
    return table, scores, components, _average_records(ctx, table, group)


def normalize_ranking(
    doc: RawDocument, doc_id: str, knowledge: Knowledge, bundle: KnowledgeBundle | None = None
) -> Normalized:
    """Typed rows of a ranking document (decision or news article); ``bundle``: the run's knowledge files.

    Pure: `doc` is not changed; the tables as normalized (OCR labels tidied, misread cells
    repaired) are `Normalized.tables`.
    """
    convention = document_convention(doc)
    parser = _Parser(doc_id, convention, [], missing_marks(bundle))
    framework = knowledge.frameworks.get(doc.framework or "")
    if framework is None:
        framework = _framework_from_scale(doc, knowledge, convention, parser.marks)
    tiers, tiers_printed = effective_tiers(doc, framework)
    # a decision prints every unit it ranks; an article names a few of them ("thứ 22")
    max_rank = sum(len(t.rows) for t in doc.tables) if doc.source_kind == "decision" else RANK_LIMIT
    ctx = _Document(doc, doc_id, knowledge, framework, tiers, parser, max_rank, bundle)
    tables: list[RawTable] = []
    scores: list[dict] = []
    components: list[dict] = []
    averages: list[dict] = []
    for table in doc.tables:
        normalized, table_scores, table_components, table_averages = _normalize_table(ctx, table)
        tables.append(normalized)
        scores += table_scores
        components += table_components
        averages += table_averages
    return Normalized(
        tuple(scores),
        tuple(components),
        tuple(averages),
        ctx.issues,
        convention,
        tiers,
        tiers_printed,
        tables,
    )


def _rank_in_range(
    printed: str | None, max_rank: int, doc_id: str, group: str, unit: str, issues: list[Issue]
) -> int | None:
    """A printed rank, or None with an error issue where no rank can be that (0, or more than the units ranked)."""
    rank = parse_rank(printed)
    if rank is None or 1 <= rank <= max_rank:
        return rank
    why = f"the document ranks {max_rank} units" if max_rank < RANK_LIMIT else "no ranking is that long"
    issues.append(
        Issue(
            doc_id=doc_id,
            code=IssueCode.RANK_OUT_OF_RANGE,
            severity="error",
            message=f"The rank of {clean_printed(unit)} is printed as {printed!r}, outside 1..{max_rank} "
            f"({why}); it is left empty.",
            group_code=group,
            unit_name_raw=clean_printed(unit),
            field="rank",
            printed=clean_printed(printed),
            expected=f"1..{max_rank}",
        )
    )
    return None


def _rank_corroborated(table: RawTable, index: int) -> bool:
    """A rank that continues the numbering of confidently read ranks above or below it."""
    rows = table.rows
    rank = parse_rank(rows[index].rank)
    if rank is None:
        return True  # not a number: parsing reports it
    for step in (-1, 1):
        j = index + step
        while 0 <= j < len(rows) and not (
            rows[j].evaluated and parse_rank(rows[j].rank) is not None and is_confident(rows[j], "rank")
        ):
            j += step
        if 0 <= j < len(rows) and (other := parse_rank(rows[j].rank)) is not None and other + (index - j) == rank:
            return True
    return False


def uncovered_doubts(table: RawTable, doc_id: str, group: str) -> list[Issue]:
    """OCR cells read with low confidence that no arithmetic of the row checks: `low_confidence`.

    Numbers are settled or reported by the repair; a unit's name and a rank that does not
    continue its neighbours' numbering have no such check. A name may still be confirmed
    by the unit registry; the assembly drops the issue then.
    """
    issues: list[Issue] = []
    for index, row in enumerate(table.rows):
        name = clean_printed(row.name)
        conf = row.cell_confidence.get("name", 1.0)
        if conf < CONFIDENCE_THRESHOLD:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.LOW_CONFIDENCE,
                    severity="warning",
                    message=f"The unit name {name!r} was read by OCR with confidence {conf:.2f}; check it against the document.",
                    group_code=group,
                    unit_name_raw=name,
                    field="unit_name_raw",
                    printed=name,
                )
            )
        if (
            row.evaluated
            and row.rank is not None
            and cell_confidence(row, "rank") < CONFIDENCE_THRESHOLD
            and not _rank_corroborated(table, index)
        ):
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.LOW_CONFIDENCE,
                    severity="warning",
                    message=f"The rank of {name} was read by OCR as {row.rank!r} with confidence {cell_confidence(row, 'rank'):.2f}, "
                    "and the ranks read around it do not confirm it.",
                    group_code=group,
                    unit_name_raw=name,
                    field="rank",
                    printed=row.rank,
                )
            )
    return issues


def _group_from_names(table: RawTable, bundle: KnowledgeBundle | None = None) -> str:
    """No heading names the group: district-level names make it `huyen`, else departments."""
    words = admin_unit_words(bundle)
    districts = sum(1 for r in table.rows if words.is_district_name(r.name))
    return "huyen" if table.rows and districts * 2 > len(table.rows) else "so_ban_nganh"


def _framework_from_scale(
    doc: RawDocument, knowledge: Knowledge, convention: Convention, marks: frozenset[str] | None = None
) -> Framework:
    """No title words: a 1,000-point scale is the DTI, a 100-point one the ICT index."""
    for table in doc.tables:
        value = read_maximum(table.max_raw, convention, None, marks)
        if value is not None and not math.isclose(value, 100):
            return knowledge.frameworks["dti"]
        if value is not None:
            return knowledge.frameworks["ict_index"]
    return knowledge.frameworks["dti"]
