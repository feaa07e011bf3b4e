"""The parsing report per table, in camelot's spirit: what was found and how much was checked.

A document with no issue rows is clean only if its checks ran; `tables.parquet` says how many
assertions ran and passed for each ranking table, beside its shape and mean confidence.
"""

from __future__ import annotations

import math

from normalizers.checks import CheckTally
from normalizers.scores import Normalized
from schemas.raw import RawDocument, RawTable
from schemas.records import Records, is_null

TABLE_COLUMNS = [
    "doc_id",
    "page",
    "table_index",
    "group_code",
    "group_title",
    "layout",
    "rows",
    "columns",
    "checks_run",
    "checks_passed",
    "mean_confidence",
]


def table_layout(raw: RawDocument, table: RawTable) -> str:
    """How the table was read: a ruled grid from the text layer or OCR, or prose of a web page."""
    if raw.source_kind == "news_article" or raw.text_source == "html":
        return "news_prose"
    tiers = "tier_column" if any(r.tier for r in table.rows) else "no_tier"
    source = "ocr_grid" if raw.text_source in ("ocr", "mixed") else "text_grid"
    return f"{source}/{tiers}" if table.has_rank_column else f"{source}/{tiers}/no_rank"


def _columns(table: RawTable) -> int:
    """Columns recognised: name, then rank, total, percent, tier where printed, then components."""
    present = [
        True,
        table.has_rank_column,
        any(r.total for r in table.rows),
        any(r.percent for r in table.rows),
        any(r.tier for r in table.rows),
    ]
    return sum(present) + len(table.components)


def table_report(raw: RawDocument, norm: Normalized, tally: CheckTally, doc_id: str) -> Records:
    """One row per ranking table of a document, in document order.

    The normalized score rows follow the raw tables in order, so each table's slice gives
    its group code (which the normalizer may have inferred) and its confidences.
    """
    rows, offset = [], 0
    seen_groups: set[str | None] = set()
    for index, table in enumerate(raw.tables):
        part = norm.score_rows[offset : offset + len(table.rows)]
        offset += len(table.rows)
        group = part[0]["group_code"] if part else table.group_code
        first = group not in seen_groups  # checks are counted per group: report them once
        seen_groups.add(group)
        rows.append(
            {
                "doc_id": doc_id,
                "page": table.page,
                "table_index": index,
                "group_code": group,
                "group_title": table.group_title,
                "layout": table_layout(raw, table),
                "rows": len(table.rows),
                "columns": _columns(table),
                "checks_run": tally.ran[group] if first else 0,
                "checks_passed": tally.passed(group) if first else 0,
                "mean_confidence": _mean_confidence(part),
            }
        )
    return tuple(rows)


def _mean_confidence(part: Records) -> float | None:
    """The rows' mean confidence to four places (NaN where no row has one, as a frame's mean)."""
    if not part:
        return None
    known = [r["confidence"] for r in part if not is_null(r["confidence"])]
    return round(math.fsum(known) / len(known), 4) if known else math.nan
