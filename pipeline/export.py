"""`dti export`: the curated tables for people who use Excel, not Parquet.

The workbook has one sheet per table an officer reads (scores, components, issues, documents,
units), two header rows (Vietnamese, then the contract's English column name), frozen headers,
filters, widths that fit and number formats. Excel and LibreOffice show the decimal separator
of the computer's locale: on a Vietnamese system (vi-VN) 731.61 displays as "731,61".
CSV files are UTF-8 with a byte-order mark, so Excel opens Vietnamese text intact.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.report import read_curated

SHEETS = ("scores", "components", "issues", "documents", "units")

VIETNAMESE = {
    "doc_id": "Mã văn bản",
    "file_name": "Tên tệp",
    "sha256": "Mã băm SHA-256",
    "status": "Trạng thái",
    "error": "Lỗi",
    "duplicate_of": "Trùng với tệp",
    "source_kind": "Loại nguồn",
    "province": "Tỉnh",
    "issuer": "Cơ quan ban hành",
    "decision_number": "Số quyết định",
    "decision_date": "Ngày ký",
    "assessment_year": "Năm đánh giá",
    "framework": "Bộ chỉ số",
    "pages": "Số trang",
    "text_source": "Cách đọc chữ",
    "group_code": "Mã nhóm",
    "group_title": "Tên nhóm (như in)",
    "rank": "Xếp hạng",
    "unit_name_raw": "Tên đơn vị (như in)",
    "unit_id": "Mã đơn vị",
    "unit_name": "Tên đơn vị hiện hành",
    "evaluated": "Được đánh giá",
    "total_score": "Tổng điểm",
    "max_score": "Điểm tối đa",
    "score_pct": "% điểm tối đa (tính)",
    "score_pct_printed": "% điểm tối đa (như in)",
    "tier": "Mức (mã)",
    "tier_printed": "Mức (như in)",
    "tier_source": "Nguồn mức",
    "source_page": "Trang",
    "confidence": "Độ tin cậy",
    "value_source": "Nguồn giá trị",
    "component_code": "Mã chỉ số thành phần",
    "component_name": "Chỉ số thành phần",
    "component_max": "Điểm tối đa thành phần",
    "score": "Điểm",
    "field": "Trường",
    "code": "Loại vấn đề",
    "severity": "Mức độ",
    "message": "Giải thích",
    "printed": "Giá trị như in",
    "expected": "Giá trị mong đợi",
    "issue_id": "Mã vấn đề",
    "corrected_value": "Giá trị đã sửa",
    "reviewed_by": "Người xem xét",
    "reviewed_at": "Thời điểm xem xét",
    "review_reason": "Lý do",
    "name": "Tên đơn vị",
    "unit_type": "Loại đơn vị",
    "valid_from_year": "Hiệu lực từ năm",
    "valid_to_year": "Hiệu lực đến năm",
    "aliases": "Tên gọi khác",
}
_INTEGER = {"rank", "assessment_year", "pages", "source_page", "valid_from_year", "valid_to_year"}
_PERCENT = {"score_pct", "score_pct_printed", "confidence"}
NUMBER_FORMATS = {"integer": "0", "percent": "0.00", "decimal": "#,##0.0##", "date": "dd/mm/yyyy"}


class ExportError(RuntimeError):
    """The curated folder cannot be exported; one line for humans."""


def _cell_value(value):
    if isinstance(value, (list, tuple, np.ndarray)):
        return "; ".join(map(str, list(value)))
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if hasattr(value, "item"):
        return value.item()
    return value


def _format(column: str, series: pd.Series) -> str | None:
    if column in _INTEGER:
        return NUMBER_FORMATS["integer"]
    if column in _PERCENT:
        return NUMBER_FORMATS["percent"]
    if pd.api.types.is_float_dtype(series):
        return NUMBER_FORMATS["decimal"]
    if column.endswith("_date"):
        return NUMBER_FORMATS["date"]
    return None


def write_xlsx(frames: dict[str, pd.DataFrame], path: Path) -> Path:
    """The officers' workbook from curated frames."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
    for name in SHEETS:
        frame = frames[name]
        sheet = book.create_sheet(name)
        columns = list(frame.columns)
        sheet.append([VIETNAMESE.get(c, c) for c in columns])
        sheet.append(columns)
        for row in frame.itertuples(index=False):
            sheet.append([_cell_value(v) for v in row])
        for cell in (*sheet[1], *sheet[2]):
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for j, column in enumerate(columns, 1):
            letter = get_column_letter(j)
            fmt = _format(column, frame[column])
            if fmt:
                for (cell,) in sheet.iter_rows(min_row=3, min_col=j, max_col=j):
                    cell.number_format = fmt
            texts = [
                VIETNAMESE.get(column, column),
                column,
                *("" if v is None else str(_cell_value(v)) for v in frame[column].head(500)),
            ]
            sheet.column_dimensions[letter].width = min(60, max(8, max(len(t) for t in texts) + 2))
        sheet.freeze_panes = "A3"
        if columns:
            sheet.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{max(2, len(frame) + 2)}"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_csv(frames: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """One CSV per curated table (UTF-8 with BOM, decimal point, ISO dates)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, frame in frames.items():
        target = folder / f"{name}.csv"
        frame.map(lambda v: _cell_value(v) if isinstance(v, (list, tuple, np.ndarray)) else v).to_csv(
            target, index=False, encoding="utf-8-sig"
        )
        out.append(target)
    return out


def export_curated(curated: Path, xlsx: Path | None = None, csv: Path | None = None) -> list[Path]:
    """Export a published curated folder; at least one of xlsx and csv."""
    if not (curated / "scores.parquet").exists():
        raise ExportError(f"{curated} holds no published run (no scores.parquet); run `dti run` first")
    frames, _ = read_curated(curated)
    written = []
    if xlsx is not None:
        written.append(write_xlsx(frames, xlsx))
    if csv is not None:
        written.extend(write_csv(frames, csv))
    return written
