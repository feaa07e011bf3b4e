"""Issues an officer can act on: where each one is (file, page), a stable id, and a filter.

Every score row whose confidence is below 1 is explained by an issue; where no check said
why, an `info` issue does (a secondary source, or an OCR reading nothing doubted).
"""

from __future__ import annotations

import hashlib

import pandas as pd

from normalizers.text import clean_printed
from schemas.issue_codes import IssueCode
from schemas.issues import Issue, issues_frame

CONFIDENCE_CODES = frozenset(
    {IssueCode.LOW_CONFIDENCE, IssueCode.OCR_CORRECTED, IssueCode.OCR_READ, IssueCode.SECONDARY_SOURCE}
)
SCORE_FIELDS = ("total_score", "rank", "score_pct_printed", "tier", "tier_printed", "unit_id", "unit_name_raw")


def row_key(value) -> str:
    return "" if value is None or pd.isna(value) else clean_printed(str(value))


def _row_keys(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    return [
        (d, row_key(g), row_key(u)) for d, g, u in zip(frame["doc_id"], frame["group_code"], frame["unit_name_raw"])
    ]


def confidence_explanations(scores: pd.DataFrame, documents: pd.DataFrame, issues: pd.DataFrame) -> list[Issue]:
    """An `info` issue for each row with confidence below 1 that no confidence issue names."""
    explained = {k for k, code in zip(_row_keys(issues), issues["code"]) if code in CONFIDENCE_CODES}
    # a duplicate file has its first copy's doc_id (the hash of the bytes): the row read is the one that is not
    read = documents[documents["status"] != "duplicate"]
    sources = dict(zip(read["doc_id"], zip(read["source_kind"], read["text_source"])))
    out: list[Issue] = []
    for key, row in zip(_row_keys(scores), scores.itertuples()):
        if row.confidence >= 1.0 or key in explained:
            continue
        kind, source = sources.get(row.doc_id, (None, None))
        if kind == "news_article":
            out.append(
                Issue(
                    doc_id=row.doc_id,
                    code=IssueCode.SECONDARY_SOURCE,
                    severity="info",
                    message=f"{row.unit_name_raw} is read from a news article, a secondary source (confidence {row.confidence:g}); "
                    "the ranking decision itself is the primary source.",
                    group_code=row.group_code,
                    unit_name_raw=row.unit_name_raw,
                    field="confidence",
                    printed=f"{row.confidence:g}",
                )
            )
        elif source in ("ocr", "mixed"):
            out.append(
                Issue(
                    doc_id=row.doc_id,
                    code=IssueCode.OCR_READ,
                    severity="info",
                    message=f"{row.unit_name_raw} was read by OCR (lowest cell confidence {row.confidence:.2f}); "
                    "no check doubted its values.",
                    group_code=row.group_code,
                    unit_name_raw=row.unit_name_raw,
                    field="confidence",
                    printed=f"{row.confidence:g}",
                )
            )
        else:
            out.append(
                Issue(
                    doc_id=row.doc_id,
                    code=IssueCode.LOW_CONFIDENCE,
                    severity="info",
                    message=f"{row.unit_name_raw} has confidence {row.confidence:g} with no check against it.",
                    group_code=row.group_code,
                    unit_name_raw=row.unit_name_raw,
                    field="confidence",
                    printed=f"{row.confidence:g}",
                )
            )
        explained.add(key)
    return out


def issue_ids(issues: pd.DataFrame, documents: pd.DataFrame) -> list[str]:
    """Stable across runs: the document's content hash, code, group, unit and field (and the
    occurrence, when one document raises the same issue twice)."""
    sha = dict(zip(documents["doc_id"], documents["sha256"])) if len(documents) else {}
    seen: dict[str, int] = {}
    out = []
    for r in issues.itertuples():
        base = "|".join(
            [sha.get(r.doc_id, r.doc_id), r.code, row_key(r.group_code), row_key(r.unit_name_raw), row_key(r.field)]
        )
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(hashlib.sha256((base if n == 0 else f"{base}|{n}").encode()).hexdigest()[:12])
    return out


def locate_issues(
    issues: pd.DataFrame, documents: pd.DataFrame, scores: pd.DataFrame, tables: pd.DataFrame
) -> pd.DataFrame:
    """Issues with file_name, source_page (the unit's row, else the table's first page), issue_id
    and status `open` (reviews may change it later). Does not change its inputs."""
    out = issues.copy()
    names = dict(zip(documents["doc_id"], documents["file_name"])) if len(documents) else {}
    row_page = {k: p for k, p in zip(_row_keys(scores), scores["source_page"]) if pd.notna(p)} if len(scores) else {}
    table_page: dict[tuple[str, str], int] = {}
    for d, g, p in zip(tables.get("doc_id", []), tables.get("group_code", []), tables.get("page", [])):
        if pd.notna(p):
            table_page.setdefault((d, row_key(g)), int(p))
    pages = []
    for key in _row_keys(out):
        page = row_page.get(key)
        pages.append(int(page) if page is not None else table_page.get(key[:2]))
    out["file_name"] = [names.get(d) for d in out["doc_id"]]
    out["source_page"] = pd.array(pages, dtype="Int16")
    out["issue_id"] = issue_ids(out, documents)
    out["status"] = "open"
    for col in ("corrected_value", "reviewed_by", "reviewed_at", "review_reason"):
        out[col] = None
    return out


def value_sources(frame: pd.DataFrame, issues: pd.DataFrame) -> list[str]:
    """`ocr_corrected` for rows an `ocr_corrected` issue names, else what the row says."""
    fixed = {k for k, code in zip(_row_keys(issues), issues["code"]) if code == IssueCode.OCR_CORRECTED}
    current = frame["value_source"] if "value_source" in frame else pd.Series(["printed"] * len(frame))
    return [
        "ocr_corrected" if key in fixed and src == "printed" else src
        for key, src in zip(_row_keys(frame), current.fillna("printed"))
    ]


def with_explanations(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The curated frames with confidence explained, issues located, value sources marked."""
    frames = dict(frames)
    issues = frames["issues"]
    # every document's reading (readings.parquet), not only the published one: a scan read beside its
    # text layer keeps its doubts explained and located too
    rows = frames["readings"] if len(frames.get("readings", ())) else frames["scores"]
    extra = confidence_explanations(rows, frames["documents"], issues) if len(rows) else []
    if extra:
        issues = pd.concat([issues.astype("object"), issues_frame(extra).astype("object")], ignore_index=True)
    frames["issues"] = locate_issues(issues, frames["documents"], rows, frames["tables"])
    for name in ("scores", "components"):
        frame = frames[name].copy()
        frame["value_source"] = value_sources(frame, frames["issues"]) if len(frame) else pd.Series(dtype="object")
        frames[name] = frame
    return frames


def filter_issues(
    issues: pd.DataFrame,
    file: str | None = None,
    severity: str | None = None,
    code: str | None = None,
    status: str | None = None,
) -> pd.DataFrame:
    """The issues matching every given filter; `file` matches a part of the file name."""
    keep = pd.Series(True, index=issues.index)
    if file:
        keep &= issues["file_name"].fillna("").str.contains(file, regex=False)
    for column, value in (("severity", severity), ("code", code), ("status", status)):
        if value:
            keep &= issues[column] == value
    return issues[keep].reset_index(drop=True)
