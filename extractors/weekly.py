"""Weekly digital-transformation reports: every table cell as one long-form record.

A weekly report is not a ranking: it is a handful of tables (targets, tasks, appendices per
unit) whose cells mix number formats. Tables are recognised by their header words and the
heading above them (knowledge in ``normalizers/data/weekly_tables.yaml``), never by page or
position, so a re-rendering or a scan (same PageContent, OCR text) reads the same way.
Values keep their printed text; ``value`` follows the report's one parsing rule
('.'+3 digits thousands, ',' decimal, other '.' decimal, '%' dropped, 'a/b' a ratio),
applied by :mod:`normalizers.weekly_values`.

The opening block is read by :mod:`extractors.weekly_front`, the tables found by
:mod:`extractors.weekly_tables`, with the knowledge of :mod:`extractors.weekly_knowledge`;
this module turns the tables into records and is the entry point.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from extractors.page import PageContent
from extractors.weekly_front import is_weekly_report, read_metadata
from extractors.weekly_knowledge import Knowledge, phrase_key, wording
from extractors.weekly_knowledge import knowledge as tables_knowledge
from extractors.weekly_tables import Table, collect_tables
from normalizers.knowledge import KnowledgeBundle
from normalizers.numbers import missing_marks
from normalizers.text import clean_printed
from normalizers.weekly_values import LOW_CONFIDENCE, Doubt, low_confidence_doubt, type_value, value_doubts
from schemas.issue_codes import IssueCode

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = [
    "table_code",
    "row_index",
    "row_no",
    "row_label",
    "column_label",
    "value_raw",
    "value",
    "numerator",
    "denominator",
    "unit_of_measure",
    "is_unit_row",
    "page",
]

_LEADING_MARK = re.compile(r"^([-–*+•])\s+(.*)$", re.S)


__all__ = [
    "LOW_CONFIDENCE",
    "WeeklyIssue",
    "WeeklyReport",
    "WeeklyReportError",
    "extract_weekly",
    "is_weekly_report",
]


class WeeklyReportError(ValueError):
    """The pages do not hold a weekly report we can read."""


class WeeklyIssue(NamedTuple):
    """A doubtful cell: what the pipeline reports as an issue row (doc_id is added there)."""

    code: IssueCode  # low_confidence, unparseable_value or table_skipped
    table_code: str
    row_index: int
    row_label: str | None
    column_label: str | None
    printed: str | None
    message: str
    severity: str  # "error": the value is not trusted


@dataclass
class WeeklyReport:
    province: str | None
    issuer: str | None
    week: int | None
    period_start: dt.date | None
    period_end: dt.date | None
    assessment_year: int | None
    indicators: pd.DataFrame
    issues: list[WeeklyIssue] = field(default_factory=list)  # tables skipped; doubtful OCR cells, one per cell


# --------------------------------------------------------------------------- records


def _row_text_doubts(table: Table, cells: list[str], confs: list[float]) -> list[Doubt]:
    """The row's label and unit of measure read with low confidence: every value of the row is in doubt with them.

    A record is its row label, column and value together; a misread label ("đoàn thế" for
    "đoàn thể", confidence 0.60) or unit ("vé)" for "%", 0.55) makes each of the row's
    records wrong, so each is flagged, not only the value cells OCR doubted.
    """
    out: list[Doubt] = []
    for col, what in ((table.label_col, "row label"), (table.unit_col, "unit of measure")):
        if (
            col is not None
            and col < len(cells)
            and col < len(confs)
            and (d := low_confidence_doubt(what, cells[col], confs[col]))
        ):
            out.append(d)
    return out


def _records(
    table: Table,
    know: Knowledge,
    ocr_pages: set[int] | None = None,
    issues: list[WeeklyIssue] | None = None,
    prose_tables: frozenset[str] | None = None,
    missing: frozenset[str] | None = None,
) -> list[dict]:
    """One record per data cell, its value as printed; :mod:`normalizers.weekly_values` types it."""
    spec = table.spec
    records: list[dict] = []
    prose_results = spec.code in (wording().prose_tables if prose_tables is None else prose_tables)
    target = spec.lone_trailing_value_to
    target_col = next((c for c in table.data_cols if table.labels[c] == target), None) if target else None
    ocr_pages = ocr_pages or set()
    for index, (page, texts) in enumerate(table.rows, start=1):
        cells = [clean_printed(t) or "" for t in texts]
        confs = list(table.confidences[index - 1]) if index - 1 < len(table.confidences) else [1.0] * len(cells)
        row_no = cells[table.row_no_col] if table.row_no_col is not None else ""
        label = cells[table.label_col] if table.label_col is not None else ""
        if not row_no and (m := _LEADING_MARK.match(label)):
            row_no, label = m.group(1), m.group(2)
        unit = cells[table.unit_col] if table.unit_col is not None else None
        if target_col is not None:
            _move_lone_trailing(cells, table.data_cols, target_col, know, confs)
        row_doubts = _row_text_doubts(table, cells, confs) if page in ocr_pages else []
        for col in table.data_cols:
            raw = cells[col]
            typed = type_value(raw, prose_results, missing)
            if page in ocr_pages and issues is not None:
                for code, message in (
                    value_doubts(raw, typed, confs[col], prose_results, know.entered_marks, missing) + row_doubts
                ):
                    issues.append(
                        WeeklyIssue(
                            code,
                            spec.code,
                            index,
                            label or None,
                            table.labels[col],
                            raw or None,
                            f"{spec.code} row {index} ({label or row_no}), {table.labels[col]!r}: {message}",
                            "error",
                        )
                    )
            records.append(
                {
                    "table_code": spec.code,
                    "row_index": index,
                    "row_no": row_no or None,
                    "row_label": label or None,
                    "column_label": table.labels[col],
                    "value_raw": raw or None,
                    "value": typed.value,
                    "numerator": typed.numerator,
                    "denominator": typed.denominator,
                    "unit_of_measure": unit or None,
                    "is_unit_row": spec.unit_rows,
                    "page": page,
                }
            )
    return records


def _move_lone_trailing(
    cells: list[str], data_cols: list[int], target_col: int, know: Knowledge, confs: list[float] | None = None
) -> None:
    """Put a lone value printed after "Đã nhập" in the column the template reserves for it."""
    entered = [c for c in data_cols if phrase_key(cells[c]) in know.entered_marks]
    if not entered:
        return
    trailing = [c for c in data_cols if c > entered[0]]
    filled = [c for c in trailing if cells[c]]
    if len(filled) == 1 and target_col in trailing and filled[0] != target_col:
        cells[target_col], cells[filled[0]] = cells[filled[0]], ""
        if confs is not None:
            confs[target_col], confs[filled[0]] = confs[filled[0]], 1.0


# --------------------------------------------------------------------------- entry point


def extract_weekly(pages: list[PageContent], knowledge: KnowledgeBundle | None = None) -> WeeklyReport:
    """Read a weekly report's metadata and every table cell as one long-form record."""
    know, words, marks = tables_knowledge(knowledge), wording(knowledge), missing_marks(knowledge)
    warnings: list[str] = []
    tables = collect_tables(pages, know, warnings, words)
    if not tables:
        raise WeeklyReportError(
            "no table of a weekly report was recognised (expected headers such as "
            "'Tên mục tiêu', 'Tên nhiệm vụ' or 'Tên cơ quan, đơn vị')"
        )
    ocr_pages = {p.number for p in pages if p.text_source == "ocr"}
    # a table the report prints but no spec knows is not silently dropped: it is reported
    issues = [
        WeeklyIssue(IssueCode.TABLE_SKIPPED, "", 0, None, None, None, f"{w}; its rows are not published", "warning")
        for w in warnings
    ]
    records = [rec for table in tables for rec in _records(table, know, ocr_pages, issues, words.prose_tables, marks)]
    import pandas as pd  # a weekly report's path only: decisions are read without pandas

    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame = frame.astype(
        {
            "row_index": "int64",
            "value": "float64",
            "numerator": "float64",
            "denominator": "float64",
            "is_unit_row": "bool",
            "page": "int64",
        }
    )
    meta = read_metadata(pages, knowledge)
    return WeeklyReport(
        province=meta["province"],
        issuer=meta["issuer"],
        week=meta["week"],
        period_start=meta["period_start"],
        period_end=meta["period_end"],
        assessment_year=meta["assessment_year"],
        indicators=frame,
        issues=issues,
    )
