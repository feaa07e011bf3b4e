"""Per-document results to the curated tables: documents rows, units resolved, validated.

Unit resolution happens here, after extraction, so an edited registry re-derives unit ids
without extracting any document again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.batch import Found, Outcome
from pipeline.process import DocumentResult
from pipeline.readings import Readings, choose_readings
from normalizers.text import strip_diacritics, text_key
from normalizers.units import Registry
from schemas.curated import ContractError, validate
from schemas.issues import Issue, issues_frame

CURATED_TABLES = ("documents", "scores", "components", "issues", "units", "unit_lineage", "weekly_indicators",
                  "readings", "component_readings")


@dataclass
class Curated:
    frames: dict[str, pd.DataFrame]


def _doc_row(found: Found, status: str, error: str | None = None, duplicate_of: str | None = None, fields: dict | None = None) -> dict:
    row = {
        "doc_id": found.doc_id, "file_name": found.file_name, "sha256": found.sha256, "status": status,
        "error": error, "duplicate_of": duplicate_of,
    }
    row.update(fields or {})
    return row


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat([f.astype("object") for f in frames], ignore_index=True)


def _respell(name: str, spelling: str) -> str | None:
    """The OCR'd name with the diacritics of the registry's spelling, where its words line up.

    "UBND huyện Sỉ Ma Cai" against "Huyện Si Ma Cai" gives "UBND huyện Si Ma Cai": only words that
    differ by their marks alone are changed, and each keeps its own capitalisation.
    """
    words, known = name.split(), spelling.split()
    bare = [strip_diacritics(w).casefold() for w in words]
    target = [strip_diacritics(w).casefold() for w in known]
    for start in range(len(words) - len(known) + 1):
        if bare[start : start + len(known)] != target:
            continue
        out = list(words)
        for k, word in enumerate(known):
            mine = out[start + k]
            fixed = word.lower() if mine[:1].islower() else word[:1].upper() + word[1:]
            if mine.casefold() != word.casefold():
                out[start + k] = fixed
        return " ".join(out)
    return None


def _keep_printed_forms(name: str, spelling: str) -> str:
    """The registry's spelling, except words printed differently only by convention.

    The registry writes "Tỉnh ủy"; a document printing "Tỉnh uỷ" (old tone placement), or
    another capitalisation, keeps its own form: only OCR slips are corrected.
    """
    words, known = name.split(), spelling.split()
    if len(words) != len(known):
        return spelling
    return " ".join(w if text_key(w) == text_key(k) else k for w, k in zip(words, known))


def _report_year(period_end) -> int | None:
    """A weekly report's units are those valid in the year its period ends."""
    return pd.Timestamp(period_end).year if pd.notna(period_end) else None


def _known_spelling(name: str, province: str, year, registry: Registry) -> tuple[str, object] | None:
    """The registry's printed spelling that an OCR'd name is a slip of, with its match."""
    from rapidfuzz import fuzz

    m = registry.match(name, province, year)
    if m.unit_id is None or m.method != "fuzzy":
        return None
    unit = registry.unit(m.unit_id)
    spellings = (unit.name, *unit.aliases)
    best = max(spellings, key=lambda s: fuzz.ratio(s, name))
    if fuzz.ratio(best, name) >= 85:
        return best, m
    for spelling in spellings:
        respelled = _respell(name, spelling)
        if respelled is not None and respelled != name:
            return respelled, m
    return None


def snap_ocr_names(scores: pd.DataFrame, components: pd.DataFrame, weekly: pd.DataFrame, ocr_docs: set[str], registry: Registry) -> list[Issue]:
    """On a scan, a name that resolves by fuzzy match is read as that unit's known printed spelling.

    "Huyện Sỉ Ma Cai" resolving to Huyện Si Ma Cai is an OCR slip of the diacritics, not a new
    spelling; the printed form the registry knows is used and the change recorded.
    """
    issues: list[Issue] = []
    for i, row in scores[scores["doc_id"].isin(ocr_docs)].iterrows():
        found = _known_spelling(row["unit_name_raw"], row["province"], row["assessment_year"], registry)
        if found is None:
            continue
        (best, m), old = found, row["unit_name_raw"]
        best = _keep_printed_forms(old, best)
        if best == old:
            continue
        scores.at[i, "unit_name_raw"] = best
        same = (components["doc_id"] == row["doc_id"]) & (components["group_code"] == row["group_code"]) & (components["unit_name_raw"] == old)
        components.loc[same, "unit_name_raw"] = best
        issues.append(Issue(row["doc_id"], "ocr_corrected", "warning",
                            f"The OCR reading {old!r} is the registry's {best!r} ({m.unit_id}, {m.score:.0f}% alike).",
                            row["group_code"], best, "unit_name_raw", old, best))
    if len(weekly) and "is_unit_row" in weekly:
        rows = weekly[weekly["doc_id"].isin(ocr_docs) & weekly["is_unit_row"].fillna(False).astype(bool)]
        for (doc_id, table, label), group in rows.groupby(["doc_id", "table_code", "row_label"], sort=False):
            found = _known_spelling(label, group["province"].iloc[0], _report_year(group["period_end"].iloc[0]), registry)
            if found is None:
                continue
            best, m = found
            weekly.loc[group.index, "row_label"] = best
            issues.append(Issue(doc_id, "ocr_corrected", "warning",
                                f"The OCR reading {label!r} is the registry's {best!r} ({m.unit_id}, {m.score:.0f}% alike).",
                                table, best, "row_label", label, best))
    return issues


def _name_confirmed(issue: Issue, scores: pd.DataFrame, registry: Registry) -> bool:
    """A doubtful OCR'd name that the registry knows exactly (or that was snapped to its spelling)."""
    if issue.code != "low_confidence" or issue.field != "unit_name_raw":
        return False
    rows = scores[(scores["doc_id"] == issue.doc_id) & (scores["unit_name_raw"] == issue.unit_name_raw)]
    if rows.empty:
        return True  # renamed by snap_ocr_names, whose ocr_corrected issue reports it
    row = rows.iloc[0]
    m = registry.match(row["unit_name_raw"], row["province"], row["assessment_year"])
    return m.unit_id is not None and m.method in ("exact", "alias", "abbreviation")


def resolve_units(scores: pd.DataFrame, components: pd.DataFrame, weekly: pd.DataFrame, registry: Registry) -> list[Issue]:
    """Fill unit_id/unit_name from the registry; a name that does not resolve is not guessed."""
    issues: list[Issue] = []
    flagged: set[tuple] = set()
    for i, row in scores.iterrows():
        m = registry.match(row["unit_name_raw"], row["province"], row["assessment_year"])
        scores.at[i, "unit_id"] = m.unit_id
        scores.at[i, "unit_name"] = m.unit_name
        if m.unit_id is None and (row["doc_id"], row["unit_name_raw"]) not in flagged:
            flagged.add((row["doc_id"], row["unit_name_raw"]))
            candidates = m.candidates_text() or "no candidate"
            issues.append(Issue(row["doc_id"], "unresolved_unit", "warning",
                                f"{row['unit_name_raw']!r} matches no registry unit of {row['province']} with confidence ({m.reason}); review it with `dti units review`.",
                                row["group_code"], row["unit_name_raw"], "unit_id", row["unit_name_raw"], candidates))
    if len(components):
        ids = {(r.doc_id, r.group_code, r.unit_name_raw): r.unit_id for r in scores.itertuples()}
        components["unit_id"] = [ids.get((r.doc_id, r.group_code, r.unit_name_raw)) for r in components.itertuples()]
    if len(weekly):
        unit_rows = weekly["is_unit_row"].fillna(False).astype(bool) if "is_unit_row" in weekly else pd.Series(False, index=weekly.index)
        for i in weekly.index[unit_rows]:
            m = registry.match(weekly.at[i, "row_label"], weekly.at[i, "province"], _report_year(weekly.at[i, "period_end"]))
            weekly.at[i, "unit_id"] = m.unit_id
    return issues


def contract_problem(result: DocumentResult) -> str | None:
    """Why one document's rows cannot be published, in one line; None when they can."""
    missing = [name for name in ("province", "assessment_year") if result.document.get(name) is None]
    if result.document.get("source_kind") != "weekly_report" and missing:
        return f"the {' and '.join(m.replace('_', ' ') for m in missing)} could not be read from the document's header and title; check the first page (a scan may need a cleaner copy)"
    for table, frame in (("scores", result.scores), ("components", result.components), ("weekly_indicators", result.weekly)):
        if frame is None or not len(frame):
            continue
        try:
            validate(frame, table)
        except ContractError as exc:
            return f"its {table} rows break the data contract ({str(exc)[:200]}); report this file"
    return None


def one_row_per_fact(documents: pd.DataFrame, scores: pd.DataFrame, components: pd.DataFrame) -> Readings:
    """The best reading of each fact for scores/components; all readings kept (pipeline.readings)."""
    if scores.empty:
        return choose_readings(documents, scores, components)
    meta = documents.reindex(columns=["doc_id", "file_name", "source_kind", "text_source", "province", "framework",
                                      "assessment_year", "decision_number"])
    return choose_readings(meta, scores, components)


def assemble(found: list[Found], outcomes: dict[str, Outcome], registry: Registry) -> Curated:
    """The curated tables from every file's outcome, in file order, validated."""
    first_of: dict[str, str] = {}
    documents, scores, components, weekly = [], [], [], []
    issues: list[Issue] = []
    for f in found:
        if f.sha256 in first_of:
            documents.append(_doc_row(f, "duplicate", duplicate_of=first_of[f.sha256]))
            continue
        first_of[f.sha256] = f.file_name
        outcome = outcomes[f.file_name]
        if outcome.result is None:
            documents.append(_doc_row(f, "quarantined", error=outcome.error))
            continue
        result = outcome.result
        problem = contract_problem(result)
        if problem:
            documents.append(_doc_row(f, "quarantined", error=problem))
            continue
        documents.append(_doc_row(f, "ok", fields=result.document))
        scores.append(result.scores)
        components.append(result.components)
        if result.weekly is not None:
            weekly.append(result.weekly)
        issues.extend(result.issues)
    scores_df = _concat(scores, list(scores[0].columns) if scores else [])
    components_df = _concat(components, list(components[0].columns) if components else [])
    weekly_df = _concat(weekly, list(weekly[0].columns) if weekly else ["is_unit_row"])
    if "unit_id" not in weekly_df.columns:
        weekly_df["unit_id"] = None
    ocr_docs = {d["doc_id"] for d in documents if d.get("text_source") in ("ocr", "mixed")}
    if ocr_docs:
        issues.extend(snap_ocr_names(scores_df, components_df, weekly_df, ocr_docs, registry))
    issues.extend(resolve_units(scores_df, components_df, weekly_df, registry))
    issues = [i for i in issues if not _name_confirmed(i, scores_df, registry)]
    documents_df = pd.DataFrame(documents)
    readings = one_row_per_fact(documents_df, scores_df, components_df)
    issues.extend(readings.issues)
    frames = {
        "documents": documents_df,
        "scores": readings.scores,
        "components": readings.components,
        "issues": issues_frame(issues),
        "units": registry.units_frame(),
        "unit_lineage": registry.lineage_frame(),
        "weekly_indicators": weekly_df,
        "readings": readings.readings,
        "component_readings": readings.component_readings,
    }
    return Curated({name: validate(frame, name) for name, frame in frames.items()})
