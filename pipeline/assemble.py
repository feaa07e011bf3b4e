"""Per-document results to the curated tables: documents rows, units resolved, validated.

Unit resolution happens here, after extraction, so an edited registry re-derives unit ids
without extracting any document again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from extractors.evidence import judge_resolution, load_rules
from normalizers.knowledge import KnowledgeBundle, bundle_or_default
from normalizers.scores import COMPONENT_COLUMNS, SCORE_COLUMNS
from normalizers.text import text_key
from normalizers.unit_snapping import snapped_spelling
from normalizers.units import NATION, Registry, UnitMatch
from pipeline.batch import Found, Outcome
from pipeline.document_result import DocumentResult
from pipeline.issue_list import with_explanations
from pipeline.parsing_report import TABLE_COLUMNS
from pipeline.readings import Readings, choose_readings
from pipeline.review import Review, apply_reviews
from schemas.curated import TABLES, ContractError, validate
from schemas.issue_codes import IssueCode
from schemas.issues import Issue, issues_frame

CURATED_TABLES = tuple(TABLES)  # the schema is the one list of curated tables


@dataclass(frozen=True)
class Curated:
    frames: dict[str, pd.DataFrame]
    reviews_applied: int = 0
    reviews_unmatched: tuple[str, ...] = ()


def _doc_row(
    found: Found, status: str, error: str | None = None, duplicate_of: str | None = None, fields: dict | None = None
) -> dict:
    row = {
        "doc_id": found.doc_id,
        "file_name": found.file_name,
        "sha256": found.sha256,
        "status": status,
        "error": error,
        "duplicate_of": duplicate_of,
    }
    row.update(fields or {})
    return row


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat([f.astype("object") for f in frames], ignore_index=True)


def _report_year(period_end) -> int | None:
    """A weekly report's units are those valid in the year its period ends."""
    return pd.Timestamp(period_end).year if pd.notna(period_end) else None


class UnitRows(NamedTuple):
    """The rows a step on unit names returns: new frames (its inputs are never changed) and its issues."""

    scores: pd.DataFrame
    components: pd.DataFrame
    weekly: pd.DataFrame
    issues: list[Issue]


def snap_ocr_names(
    scores: pd.DataFrame, components: pd.DataFrame, weekly: pd.DataFrame, ocr_docs: set[str], registry: Registry
) -> UnitRows:
    """On a scan, a name that resolves by fuzzy match is read as that unit's known printed spelling.

    "Huyện Sỉ Ma Cai" resolving to Huyện Si Ma Cai is an OCR slip of the diacritics, not a new
    spelling; the printed form the registry knows is used and the change recorded. The frames
    returned are new ones: the inputs are left as they were.
    """
    scores, components, weekly = scores.copy(), components.copy(), weekly.copy()
    issues: list[Issue] = []
    for i, row in scores[scores["doc_id"].isin(ocr_docs)].iterrows():
        found = snapped_spelling(row["unit_name_raw"], row["province"], row["assessment_year"], registry)
        if found is None:
            continue
        (best, m), old = found, row["unit_name_raw"]
        scores.at[i, "unit_name_raw"] = best
        same = (
            (components["doc_id"] == row["doc_id"])
            & (components["group_code"] == row["group_code"])
            & (components["unit_name_raw"] == old)
        )
        components.loc[same, "unit_name_raw"] = best
        issues.append(
            Issue(
                doc_id=row["doc_id"],
                code=IssueCode.OCR_CORRECTED,
                severity="warning",
                message=f"The OCR reading {old!r} is the registry's {best!r} ({m.unit_id}, {m.score:.0f}% alike).",
                group_code=row["group_code"],
                unit_name_raw=best,
                field="unit_name_raw",
                printed=old,
                expected=best,
            )
        )
    if len(weekly) and "is_unit_row" in weekly:
        rows = weekly[weekly["doc_id"].isin(ocr_docs) & weekly["is_unit_row"].fillna(False).astype(bool)]
        for (doc_id, table, label), group in rows.groupby(["doc_id", "table_code", "row_label"], sort=False):
            found = snapped_spelling(
                label, group["province"].iloc[0], _report_year(group["period_end"].iloc[0]), registry
            )
            if found is None:
                continue
            best, m = found
            weekly.loc[group.index, "row_label"] = best
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.OCR_CORRECTED,
                    severity="warning",
                    message=f"The OCR reading {label!r} is the registry's {best!r} ({m.unit_id}, {m.score:.0f}% alike).",
                    group_code=table,
                    unit_name_raw=best,
                    field="row_label",
                    printed=label,
                    expected=best,
                )
            )
    return UnitRows(scores, components, weekly, issues)


def _name_confirmed(issue: Issue, scores: pd.DataFrame, registry: Registry) -> bool:
    """A doubtful OCR'd name that the registry knows exactly (or that was snapped to its spelling)."""
    if issue.code != IssueCode.LOW_CONFIDENCE or issue.field != "unit_name_raw":
        return False
    rows = scores[(scores["doc_id"] == issue.doc_id) & (scores["unit_name_raw"] == issue.unit_name_raw)]
    if rows.empty:
        return True  # renamed by snap_ocr_names, whose ocr_corrected issue reports it
    row = rows.iloc[0]
    m = registry.match(row["unit_name_raw"], row["province"], row["assessment_year"])
    return m.unit_id is not None and m.method in ("exact", "alias", "abbreviation")


def _match_row(registry: Registry, row: pd.Series, national: set[str]) -> UnitMatch:
    """A national ranking's rows are provinces (group `tinh`) or ministries, units of the nation;
    every other row is a unit of the document's province."""
    if row["framework"] in national:
        if row["group_code"] == "tinh":
            return registry.resolve_province(row["unit_name_raw"], row["assessment_year"])
        return registry.match(row["unit_name_raw"], NATION, row["assessment_year"])
    return registry.match(row["unit_name_raw"], row["province"], row["assessment_year"])


def resolve_units(
    scores: pd.DataFrame,
    components: pd.DataFrame,
    weekly: pd.DataFrame,
    registry: Registry,
    knowledge: KnowledgeBundle | None = None,
) -> UnitRows:
    """The rows with unit_id/unit_name from the registry, as new frames; a name that does not resolve is not guessed."""
    scores, components, weekly = scores.copy(), components.copy(), weekly.copy()
    issues: list[Issue] = []
    flagged: set[tuple] = set()
    frameworks = bundle_or_default(knowledge).frameworks.frameworks
    national = {code for code, fw in frameworks.items() if fw.scope == "national"}
    not_types = bundle_or_default(knowledge).frameworks.not_unit_types
    for i, row in scores.iterrows():
        m = _match_row(registry, row, national)
        scores.at[i, "unit_id"] = m.unit_id
        scores.at[i, "unit_name"] = m.unit_name
        if m.unit_id is not None and (kind := registry.unit(m.unit_id).unit_type) in not_types.get(
            row["group_code"], ()
        ):
            issues.append(
                Issue(
                    doc_id=row["doc_id"],
                    code=IssueCode.GROUP_UNIT_MISMATCH,
                    severity="warning",
                    message=f"{row['unit_name_raw']!r} is {m.unit_name} ({kind.replace('_', ' ')}), which the group "
                    f"{row['group_title']!r} ({row['group_code']}) cannot hold: check which group the document lists it in.",
                    group_code=row["group_code"],
                    unit_name_raw=row["unit_name_raw"],
                    field="unit_id",
                    printed=row["group_title"],
                    expected=m.unit_id,
                )
            )
        if m.unit_id is None and (row["doc_id"], row["unit_name_raw"]) not in flagged:
            flagged.add((row["doc_id"], row["unit_name_raw"]))
            candidates = m.candidates_text() or "no candidate"
            issues.append(
                Issue(
                    doc_id=row["doc_id"],
                    code=IssueCode.UNRESOLVED_UNIT,
                    severity="warning",
                    message=f"{row['unit_name_raw']!r} matches no registry unit of {row['province']} with confidence ({m.reason}); review it with `dti units review`.",
                    group_code=row["group_code"],
                    unit_name_raw=row["unit_name_raw"],
                    field="unit_id",
                    printed=row["unit_name_raw"],
                    expected=candidates,
                )
            )
    if len(components):
        ids = {(r.doc_id, r.group_code, r.unit_name_raw): r.unit_id for r in scores.itertuples()}
        components["unit_id"] = [ids.get((r.doc_id, r.group_code, r.unit_name_raw)) for r in components.itertuples()]
    if len(weekly):
        unit_rows = (
            weekly["is_unit_row"].fillna(False).astype(bool)
            if "is_unit_row" in weekly
            else pd.Series(False, index=weekly.index)
        )
        for i in weekly.index[unit_rows]:
            m = registry.match(
                weekly.at[i, "row_label"], weekly.at[i, "province"], _report_year(weekly.at[i, "period_end"])
            )
            weekly.at[i, "unit_id"] = m.unit_id
    return UnitRows(scores, components, weekly, issues)


def contract_problem(result: DocumentResult, knowledge: KnowledgeBundle | None = None) -> str | None:
    """Why one document cannot be published, from its metadata, in one line; None when it can.

    Its rows are validated once, after their units are resolved (:func:`settle`), not here too.
    """
    national = (
        getattr(
            bundle_or_default(knowledge).frameworks.frameworks.get(result.document.get("framework") or ""), "scope", ""
        )
        == "national"
    )
    required = (
        ("assessment_year",) if national else ("province", "assessment_year")
    )  # a ministry's ranking has no province
    missing = [name for name in required if result.document.get(name) is None]
    if result.document.get("source_kind") != "weekly_report" and missing:
        return f"the {' and '.join(m.replace('_', ' ') for m in missing)} could not be read from the document's header and title; check the first page (a scan may need a cleaner copy)"
    return None


def one_row_per_fact(documents: pd.DataFrame, scores: pd.DataFrame, components: pd.DataFrame) -> Readings:
    """The best reading of each fact for scores/components; all readings kept (pipeline.readings)."""
    if scores.empty:
        return choose_readings(documents, scores, components)
    meta = documents.reindex(
        columns=[
            "doc_id",
            "file_name",
            "source_kind",
            "text_source",
            "province",
            "framework",
            "assessment_year",
            "decision_number",
        ]
    )
    return choose_readings(meta, scores, components)


class AssemblyError(ValueError):
    """One document's rows cannot be published; the message is its quarantine reason."""

    def __init__(self, message: str, table_evidence: str | None = None) -> None:
        super().__init__(message)
        self.table_evidence = table_evidence


@dataclass(frozen=True)
class Settled:
    """One document's rows with units resolved and the registry's verdict applied."""

    document: dict
    scores: pd.DataFrame
    components: pd.DataFrame
    weekly: pd.DataFrame | None
    issues: list[Issue]


def _covered_provinces(units: pd.DataFrame) -> set[str]:
    """The provinces the registry holds units of (text keys), from its units table."""
    return {text_key(p) for p in set(units["province"])} if len(units) else set()


def apply_registry_verdicts(
    scores: pd.DataFrame,
    components: pd.DataFrame,
    issues: list[Issue],
    document: dict,
    covered: set[str],
    knowledge: KnowledgeBundle | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Issue], list[str]]:
    """Tables most of whose names the registry does not know: kept and flagged, or withheld (dropped).

    Rows whose name resolves to no unit carry lower confidence either way. Returns new rows, the
    issues and one evidence line per table the rule touched; the inputs are left as they were.
    """
    rules = load_rules(knowledge)
    issues = list(issues)
    if not len(scores):
        return scores, components, issues, []
    scores = scores.copy()
    unresolved = scores["unit_id"].isna()
    scores.loc[unresolved, "confidence"] = [
        round(float(c) * rules.unresolved_confidence_factor, 4) for c in scores.loc[unresolved, "confidence"]
    ]
    loose = document.get("text_source") in ("ocr", "mixed")
    lines: list[str] = []
    withheld: set[tuple] = set()
    for (group, title), rows in scores.groupby(["group_code", "group_title"], sort=False):
        province = rows["province"].iloc[0]
        verdict = judge_resolution(
            list(rows["unit_name_raw"]),
            list(rows["unit_id"].notna()),
            text_key(province) in covered,
            rules,
            loose,
            knowledge,
        )
        if verdict is None:
            continue
        lines.append(verdict.line(title, province))
        doc_id = rows["doc_id"].iloc[0]
        if verdict.kept:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.MOSTLY_UNRESOLVED,
                    severity="warning",
                    message=f"{verdict.unresolved} of {verdict.names} names of {title or group} match no registry unit of {province}; "
                    "they look like Vietnamese public bodies, so the rows are kept with lower confidence: check the "
                    "document's province or add the units to the registry.",
                    group_code=group,
                    field="unit_id",
                    printed=str(verdict.unresolved),
                )
            )
        else:
            withheld.add((group, title))
    if withheld:
        tables = zip(scores["group_code"], scores["group_title"])
        drop = pd.Series([key in withheld for key in tables], index=scores.index)
        gone = set(zip(scores.loc[drop, "group_code"], scores.loc[drop, "unit_name_raw"]))
        scores = scores[~drop]
        gone -= set(zip(scores["group_code"], scores["unit_name_raw"]))  # same group, name also in a kept table
        empty_groups = {g for g, _ in withheld} - set(scores["group_code"])
        if len(components):
            components = components[[k not in gone for k in zip(components["group_code"], components["unit_name_raw"])]]
        issues = [
            i
            for i in issues
            if (i.group_code, i.unit_name_raw) not in gone
            and not (i.unit_name_raw is None and i.group_code in empty_groups)
        ]
        for group, title in withheld:
            issues.append(
                Issue(
                    doc_id=document["doc_id"],
                    code=IssueCode.TABLE_WITHHELD,
                    severity="error",
                    message=f"The table {title or group} is not published: most of its names match no registry unit of "
                    f"{document.get('province')} and do not look like Vietnamese public bodies.",
                    group_code=group,
                )
            )
    return scores, components, issues, lines


def settle(
    found: Found,
    result: DocumentResult,
    registry: Registry,
    covered: set[str],
    knowledge: KnowledgeBundle | None = None,
) -> Settled:
    """One document's rows ready to publish, or AssemblyError saying why they cannot be.

    Every step returns new frames: the cached result is never changed, so a later run judges it afresh.
    """
    problem = contract_problem(result, knowledge)
    if problem:
        raise AssemblyError(problem, result.document.get("table_evidence"))
    weekly_frame = result.weekly if result.weekly is not None else pd.DataFrame(columns=["is_unit_row", "unit_id"])
    if "unit_id" not in weekly_frame.columns:
        weekly_frame = weekly_frame.assign(unit_id=None)
    rows = UnitRows(result.scores, result.components, weekly_frame, list(result.issues))
    if result.document.get("text_source") in ("ocr", "mixed"):
        snapped = snap_ocr_names(rows.scores, rows.components, rows.weekly, {found.doc_id}, registry)
        rows = snapped._replace(issues=rows.issues + snapped.issues)
    resolved = resolve_units(rows.scores, rows.components, rows.weekly, registry, knowledge)
    scores, components, weekly_frame = resolved.scores, resolved.components, resolved.weekly
    issues = [i for i in rows.issues + resolved.issues if not _name_confirmed(i, scores, registry)]
    document = dict(result.document, doc_id=found.doc_id)
    scores, components, issues, lines = apply_registry_verdicts(
        scores, components, issues, document, covered, knowledge
    )
    evidence = "\n".join(filter(None, [result.document.get("table_evidence"), *lines])) or None
    if result.score_rows and not len(scores):
        raise AssemblyError(f"no ranking table found: {lines[0] if lines else 'no table kept'}", evidence)
    weekly = None if result.weekly is None else weekly_frame
    for table, frame in (("scores", scores), ("components", components), ("weekly_indicators", weekly)):
        if frame is not None and len(frame):
            try:
                validate(frame, table)
            except ContractError as exc:
                reason = f"its {table} rows break the data contract ({str(exc)[:200]}); report this file"
                raise AssemblyError(reason, evidence) from exc
    document = dict(result.document, table_evidence=evidence)
    return Settled(document, scores, components, weekly, issues)


def assembly_failure(exc: Exception) -> str:
    """A bug met while assembling one document, as its one-line quarantine reason."""
    return (
        f"its rows could not be assembled ({type(exc).__name__}: {' '.join(str(exc).split())[:160]}); "
        "the rest of the run is published — report this file"
    )


def assemble(
    found: list[Found],
    outcomes: dict[str, Outcome],
    registry: Registry,
    reviews: list[Review] | None = None,
    knowledge: KnowledgeBundle | None = None,
) -> Curated:
    """The curated tables from every file's outcome, in file order, with officers' reviews applied, validated.

    Every document is settled on its own: whatever goes wrong with one (a contract break, a
    value no column can hold, a bug) quarantines that document with a one-line reason, never the run.
    """
    first_of: dict[str, str] = {}
    documents, scores, components, weekly, tables = [], [], [], [], []
    issues: list[Issue] = []
    units = registry.units_frame()
    covered = _covered_provinces(units)
    for f in found:
        if f.sha256 in first_of:
            documents.append(_doc_row(f, "duplicate", duplicate_of=first_of[f.sha256]))
            continue
        first_of[f.sha256] = f.file_name
        outcome = outcomes[f.file_name]
        if outcome.result is None:
            evidence = {"table_evidence": outcome.table_evidence}
            documents.append(_doc_row(f, "quarantined", error=outcome.error, fields=evidence))
            continue
        try:
            settled = settle(f, outcome.result, registry, covered, knowledge)
        except AssemblyError as exc:
            documents.append(_doc_row(f, "quarantined", error=str(exc), fields={"table_evidence": exc.table_evidence}))
            continue
        except Exception as exc:
            documents.append(_doc_row(f, "quarantined", error=assembly_failure(exc)))
            continue
        documents.append(_doc_row(f, "ok", fields=settled.document))
        scores.append(settled.scores)
        components.append(settled.components)
        if settled.weekly is not None:
            weekly.append(settled.weekly)
        if outcome.result.tables is not None:
            tables.append(outcome.result.tables)
        issues.extend(settled.issues)
    scores_df = _concat(scores, SCORE_COLUMNS)
    components_df = _concat(components, COMPONENT_COLUMNS)
    weekly_df = _concat(weekly, list(weekly[0].columns) if weekly else ["is_unit_row"])
    if "unit_id" not in weekly_df.columns:
        weekly_df["unit_id"] = None
    documents_df = pd.DataFrame(documents)
    readings = one_row_per_fact(documents_df, scores_df, components_df)
    issues.extend(readings.issues)
    frames = {
        "documents": documents_df,
        "scores": readings.scores,
        "components": readings.components,
        "issues": issues_frame(issues),
        "units": units,
        "unit_lineage": registry.lineage_frame(),
        "weekly_indicators": weekly_df,
        "readings": readings.readings,
        "component_readings": readings.component_readings,
        "tables": _concat(tables, TABLE_COLUMNS),
    }
    reviewed = apply_reviews(with_explanations(frames), reviews or [])
    validated = {name: validate(frame, name) for name, frame in reviewed.frames.items()}
    return Curated(validated, reviewed.applied, tuple(reviewed.unmatched))
