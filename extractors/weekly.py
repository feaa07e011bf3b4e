"""Weekly digital-transformation reports: every table cell as one long-form record.

A weekly report is not a ranking: it is a handful of tables (targets, tasks, appendices per
unit) whose cells mix number formats. Tables are recognised by their header words and the
heading above them (knowledge in ``normalizers/data/weekly_tables.yaml``), never by page or
position, so a re-rendering or a scan (same PageContent, OCR text) reads the same way.
Values keep their printed text; ``value`` follows the report's one parsing rule
('.'+3 digits thousands, ',' decimal, other '.' decimal, '%' dropped, 'a/b' a ratio).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import pandas as pd
import yaml

from extractors.grid import Grid
from extractors.metadata import find_province, parse_date
from extractors.page import PageContent, TextLine
from normalizers.fuzzy import SAME_LABEL, best_of, contains_phrase
from normalizers.text import clean_printed, strip_diacritics, text_key
from normalizers.weekly_values import LOW_CONFIDENCE, Doubt, low_confidence_doubt, type_value, value_doubts
from schemas.issue_codes import IssueCode

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

_ROW_MARK = re.compile(r"^(?:\(?\d{1,3}\)?\.?|[IVXLC]{1,5}\.?|[-–*+•])$")
_LEADING_MARK = re.compile(r"^([-–*+•])\s+(.*)$", re.S)
_PERIOD = re.compile(
    r"tu\s*ngay\s+(\d{1,2})\s*/\s*(\d{1,2})(?:\s*/\s*(\d{4}))?\s*(?:-|–|den)?\s*(?:ngay\s+)?"
    r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})"
)
_WEEK = re.compile(r"\btuan\s+(\d{1,2})\b")
_YEAR = re.compile(r"\bnam\s+(\d{4})\b")
_PROVINCE = re.compile(
    r"(?:UBND|[UỦ]Y\s+BAN\s+NH[AÂ]N\s+D[AÂ]N)\s+T[IỈ]NH\s+(.+?)(?=\s+C[OỘ]NG\s+H|\s*$)", re.IGNORECASE
)
_AGENCY = re.compile(r"^so\s+\S")
_MOTTO = re.compile(r"\s+(?:doc\s+lap|cong\s+hoa)\b")
_ROMAN_HEAD = re.compile(r"^(?:[IVXLl1]{1,4}|\d{1,2})\s*[.)]\s+\S")  # OCR reads "II." as "IL."


class WeeklyReportError(ValueError):
    """The pages do not hold a weekly report we can read."""


__all__ = ["LOW_CONFIDENCE", "WeeklyIssue", "WeeklyReport", "WeeklyReportError", "extract_weekly", "is_weekly_report"]


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


@dataclass
class _TableSpec:
    code: str
    headings: list[str]
    header_words: list[str]
    unit_rows: bool
    columns: list[str]
    lone_trailing_value_to: str | None = None


@dataclass
class _Knowledge:
    tables: list[_TableSpec]
    row_no_headers: set[str]
    unit_headers: set[str]
    entered_marks: set[str]
    issuers: list[str]


def _key(text: str | None) -> str:
    """Comparison key that survives OCR dropping diacritics."""
    return strip_diacritics(text_key(text))


def _loose(text: str | None) -> str:
    """Lower-case text without diacritics but with its punctuation (dates, ratios)."""
    return strip_diacritics(clean_printed(text) or "").lower()


def _has_phrase(haystack_key: str, phrase: str) -> bool:
    """Phrase containment that forgives an OCR slip or two ("Kết cuả" for "Kết quả")."""
    return contains_phrase(haystack_key, _key(phrase))


@lru_cache(maxsize=1)
def _knowledge() -> _Knowledge:
    data = yaml.safe_load(
        resources.files("normalizers").joinpath("data/weekly_tables.yaml").read_text(encoding="utf-8")
    )
    specs = [
        _TableSpec(
            code=code,
            headings=list(spec.get("headings", [])),
            header_words=list(spec.get("header_words", [])),
            unit_rows=bool(spec.get("unit_rows", False)),
            columns=list(spec.get("columns", [])),
            lone_trailing_value_to=spec.get("lone_trailing_value_to"),
        )
        for code, spec in data["tables"].items()
    ]
    return _Knowledge(
        tables=specs,
        row_no_headers={_key(h) for h in data["row_no_headers"]},
        unit_headers={_key(h) for h in data["unit_of_measure_headers"]},
        entered_marks={_key(m) for m in data["entered_marks"]},
        issuers=list(data.get("issuers", [])),
    )


# --------------------------------------------------------------------------- routing


def is_weekly_report(pages: list[PageContent]) -> bool:
    """A weekly progress report: a "BÁO CÁO" heading, "tuần NN" and "chuyển đổi số" up front.

    Decisions also mention reports and digital transformation; the numbered week in the
    opening block is what sets the weekly report apart.
    """
    lines = [ln for page in pages[:2] for ln in page.lines]
    keys = [_key(ln.text) for ln in lines]
    heading = any(k == "bao cao" or (k.startswith("bao cao ") and len(k.split()) <= 14) for k in keys)
    text = " ".join(keys)
    return heading and bool(_WEEK.search(text)) and "chuyen doi so" in text


# --------------------------------------------------------------------------- metadata


def _proper_agency(upper: str) -> str:
    """ "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" -> "Sở Thông tin và Truyền thông" (names capitalise each part)."""
    words = clean_printed(upper).lower().split()
    out: list[str] = []
    capitalise_next = True
    for i, word in enumerate(words):
        if i == 0 or capitalise_next:
            out.append(word[:1].upper() + word[1:])
        else:
            out.append(word)
        capitalise_next = i == 0 or word in ("và", "-") or word.endswith(",")
    return " ".join(out)


def _agency(text: str) -> str | None:
    """The issuing agency from a header line that also carries the national motto on the right."""
    loose = _loose(text)  # same length as text: one base letter per precomposed letter
    if not _AGENCY.match(loose):
        return None
    if m := _MOTTO.search(loose):
        text = text[: m.start()]
    for known in _knowledge().issuers:
        if _key(known) == _key(text):
            return known
    return _proper_agency(text)


def _province_name(raw: str) -> str:
    """The province in the issuing-body header, restored to its spelling when OCR drops marks."""
    return find_province(f"tỉnh {raw}", loose=True) or clean_printed(raw).title()


def _front_lines(pages: list[PageContent]) -> list[TextLine]:
    """Lines of the opening block: first page, above its first table."""
    if not pages:
        return []
    first = pages[0]
    limit = min((g.bbox[1] for g in first.grids), default=first.height + 1)
    return [ln for ln in first.lines if ln.top < limit]


def _read_metadata(pages: list[PageContent]) -> dict:
    lines = _front_lines(pages)
    meta: dict = {
        "province": None,
        "issuer": None,
        "week": None,
        "period_start": None,
        "period_end": None,
        "assessment_year": None,
    }
    agency = None
    for i, line in enumerate(lines[:8]):
        text = clean_printed(line.text) or ""
        if meta["province"] is None and (m := _PROVINCE.search(text)):
            meta["province"] = _province_name(m.group(1))
            for nxt in lines[i + 1 : i + 3]:
                if body := _agency(clean_printed(nxt.text) or ""):
                    agency = body
                    break
    if meta["province"]:
        meta["issuer"] = f"{agency} tỉnh {meta['province']}" if agency else f"UBND tỉnh {meta['province']}"
    keys = [_key(ln.text) for ln in lines]
    title_keys = [k for k in keys if _WEEK.search(k)]
    if title_keys and (week := _WEEK.search(title_keys[0])):
        meta["week"] = int(week.group(1))
        if y := _YEAR.search(title_keys[0]):
            meta["assessment_year"] = int(y.group(1))
    joined = " ".join(_loose(ln.text) for ln in lines)
    if m := _PERIOD.search(joined):
        d1, m1, y1, d2, m2, y2 = m.groups()
        end = parse_date(d2, m2, y2)
        start_year = int(y1) if y1 else (int(y2) - 1 if int(m1) > int(m2) else int(y2))
        meta["period_start"], meta["period_end"] = parse_date(d1, m1, start_year), end
    if meta["assessment_year"] is None and meta["period_end"] is not None:
        meta["assessment_year"] = meta["period_end"].year
    return meta


# --------------------------------------------------------------------------- tables


@dataclass
class _Table:
    spec: _TableSpec
    n_cols: int  # logical columns
    labels: list[str]  # per logical column
    row_no_col: int | None
    label_col: int | None
    unit_col: int | None
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (page, texts per column)
    confidences: list[list[float]] = field(default_factory=list)  # per row, per column: the weakest cell read
    ranges: list[tuple[int, int]] = field(default_factory=list)  # grid columns of each logical column
    grid_cols: int = 0

    @property
    def data_cols(self) -> list[int]:
        skip = {self.row_no_col, self.label_col, self.unit_col}
        return [c for c in range(self.n_cols) if c not in skip]


def _is_row_no_header(key: str, know: _Knowledge) -> bool:
    """ "STT", "TT" ... also as OCR reads them ("SIT", "STf"): one slipped letter in a short word."""
    if key in know.row_no_headers:
        return True
    return any(
        len(key) == len(h) >= 3 and " " not in h and sum(a != b for a, b in zip(key, h)) == 1
        for h in know.row_no_headers
    )


def _cell_text(grid: Grid, row: int, col: int) -> str:
    cell = grid.anchored(row, col)
    return cell.text if cell is not None else ""


def _cell_confidence(grid: Grid, row: int, col: int) -> float:
    """1.0 on a text layer; on a scan an empty cell with ink nobody could read is 0."""
    cell = grid.anchored(row, col)
    return cell.confidence if cell is not None else 1.0


def _is_header_row(grid: Grid, row: int, know: _Knowledge) -> bool:
    first = grid.cell_at(row, 0)
    if first is not None and _is_row_no_header(_key(first.text), know):
        return True
    texts = [_key(c.text) for c in grid.row_cells(row)]
    return any(t.startswith("ten ") for t in texts) and not _ROW_MARK.match((first.text if first else "").strip())


def _is_numbering_row(texts: list[str]) -> bool:
    """The "(1) (2) (3) ..." row some templates print under the header."""
    filled = [t.strip() for t in texts if t.strip()]
    nums = [re.sub(r"[()]", "", t) for t in filled]
    return (
        len(filled) >= 3
        and all(n.isdigit() for n in nums)
        and [int(n) for n in nums] == list(range(int(nums[0]), int(nums[0]) + len(nums)))
    )


def _column_ranges(grid: Grid, header_rows: list[int]) -> list[tuple[int, int]]:
    """Logical columns: the spans of the lowest header row's cells.

    Scans sometimes split body cells with spurious rulings; the header says how many
    columns the table really has, so body cells are gathered under their header cell.
    """
    return [(c.col, c.col + c.colspan) for c in grid.row_cells(header_rows[-1])]


def _header_labels(grid: Grid, header_rows: list[int], ranges: list[tuple[int, int]]) -> list[str]:
    labels = []
    for a, b in ranges:
        parts: list[str] = []
        seen: set[int] = set()
        for row in header_rows:
            for col in range(a, b):
                cell = grid.cell_at(row, col)
                if cell is not None and id(cell) not in seen:
                    seen.add(id(cell))
                    if cell.text.strip():
                        parts.append(cell.text)
        labels.append(clean_printed(" ".join(parts)) or "")
    return labels


def _canonical_label(printed: str, spec: _TableSpec) -> str:
    """The template's spelling of a column label where the printed one only differs by noise.

    Line breaks, OCR slips and lost diacritics change the joined header text; the label is
    mapped only when the digits agree ("tuần 05" never becomes "tuần 06").
    """
    squeeze = lambda s: _key(s).replace(" ", "")  # noqa: E731
    digits = re.findall(r"\d+", printed)
    same_digits = {known: squeeze(known) for known in spec.columns if re.findall(r"\d+", known) == digits}
    best, score = best_of(squeeze(printed), same_digits)
    return best if best is not None and score >= SAME_LABEL else printed


def _classify(header_key: str, heading_key: str, know: _Knowledge) -> _TableSpec | None:
    best, best_score = None, 0
    for spec in know.tables:
        score = sum(1 for w in spec.header_words if _has_phrase(header_key, w))
        if any(_has_phrase(heading_key, h) for h in spec.headings):
            score += 3
        if score > best_score:
            best, best_score = spec, score
    return best if best_score >= 2 else None


def _is_heading(line: TextLine) -> bool:
    text = clean_printed(line.text) or ""
    letters = [ch for ch in text if ch.isalpha()]
    upper = letters and sum(ch.isupper() for ch in letters) / len(letters) > 0.8
    return len(text) <= 160 and bool(line.bold or upper or _ROMAN_HEAD.match(text))


def _collect_tables(pages: list[PageContent], know: _Knowledge, warnings: list[str]) -> list[_Table]:
    tables: dict[str, _Table] = {}
    order: list[str] = []
    heading_key = ""
    previous: _Table | None = None
    for page in pages:
        items: list[tuple[float, TextLine | Grid]] = [(ln.top, ln) for ln in page.lines if _is_heading(ln)]
        items += [(g.bbox[1], g) for g in page.grids]
        items.sort(key=lambda it: it[0])
        for _, item in items:
            if isinstance(item, TextLine):
                key = _key(item.text)
                if any(_has_phrase(key, h) for spec in know.tables for h in spec.headings):
                    heading_key = key
                continue
            grid = item
            header_rows: list[int] = []
            for row in range(grid.n_rows):
                if not _is_header_row(grid, row, know):
                    break
                header_rows.append(row)
            if header_rows:
                ranges = _column_ranges(grid, header_rows)
                labels = _header_labels(grid, header_rows, ranges)
                spec = _classify(_key(" ".join(labels)), heading_key, know)
                if spec is None:
                    warnings.append(f"page {grid.page}: a table with header {labels!r} matches no known weekly table")
                    previous = None
                    continue
                table = tables.get(spec.code)
                if table is None:
                    table = _new_table(spec, len(ranges), labels, know)
                    table.ranges, table.grid_cols = ranges, grid.n_cols
                    tables[spec.code] = table
                    order.append(spec.code)
                elif table.n_cols != len(ranges):
                    warnings.append(
                        f"page {grid.page}: table {spec.code} repeats with {len(ranges)} columns, not {table.n_cols}"
                    )
                    continue
                body_start = header_rows[-1] + 1
            else:
                if previous is not None and previous.grid_cols == grid.n_cols:
                    ranges = previous.ranges
                elif previous is not None and previous.n_cols == grid.n_cols:
                    ranges = [(c, c + 1) for c in range(grid.n_cols)]
                else:
                    warnings.append(f"page {grid.page}: a table without header follows no table of the same width")
                    continue
                table, body_start = previous, 0
            _add_rows(table, grid, body_start, ranges)
            previous = table
    return [tables[code] for code in order]


def _new_table(spec: _TableSpec, n_cols: int, labels: list[str], know: _Knowledge) -> _Table:
    keys = [_key(lb) for lb in labels]
    row_no_col = next((i for i, k in enumerate(keys) if _is_row_no_header(k, know)), None)
    unit_col = next((i for i, k in enumerate(keys) if k in know.unit_headers), None)
    label_col = next((i for i, k in enumerate(keys) if k.startswith("ten ")), None)
    if label_col is None:
        label_col = (row_no_col + 1) if row_no_col is not None and row_no_col + 1 < n_cols else None
    labels = [_canonical_label(lb, spec) for lb in labels]
    return _Table(spec, n_cols, labels, row_no_col, label_col, unit_col)


def _add_rows(table: _Table, grid: Grid, start: int, ranges: list[tuple[int, int]]) -> None:
    for row in range(start, grid.n_rows):
        texts = [" ".join(t for c in range(a, b) if (t := _cell_text(grid, row, c)).strip()) for a, b in ranges]
        if not any(t.strip() for t in texts) or _is_numbering_row(texts):
            continue
        table.rows.append((grid.page, texts))
        table.confidences.append(
            [min((_cell_confidence(grid, row, c) for c in range(a, b)), default=1.0) for a, b in ranges]
        )


# --------------------------------------------------------------------------- records


def _row_text_doubts(table: _Table, cells: list[str], confs: list[float]) -> list[Doubt]:
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
    table: _Table, know: _Knowledge, ocr_pages: set[int] | None = None, issues: list[WeeklyIssue] | None = None
) -> list[dict]:
    """One record per data cell, its value as printed; :mod:`normalizers.weekly_values` types it."""
    spec = table.spec
    records: list[dict] = []
    prose_results = spec.code == "nhiem_vu"
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
            typed = type_value(raw, prose_results)
            if page in ocr_pages and issues is not None:
                for code, message in (
                    value_doubts(raw, typed, confs[col], prose_results, know.entered_marks) + row_doubts
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
    cells: list[str], data_cols: list[int], target_col: int, know: _Knowledge, confs: list[float] | None = None
) -> None:
    """Put a lone value printed after "Đã nhập" in the column the template reserves for it."""
    entered = [c for c in data_cols if _key(cells[c]) in know.entered_marks]
    if not entered:
        return
    trailing = [c for c in data_cols if c > entered[0]]
    filled = [c for c in trailing if cells[c]]
    if len(filled) == 1 and target_col in trailing and filled[0] != target_col:
        cells[target_col], cells[filled[0]] = cells[filled[0]], ""
        if confs is not None:
            confs[target_col], confs[filled[0]] = confs[filled[0]], 1.0


# --------------------------------------------------------------------------- entry point


def extract_weekly(pages: list[PageContent]) -> WeeklyReport:
    """Read a weekly report's metadata and every table cell as one long-form record."""
    know = _knowledge()
    warnings: list[str] = []
    tables = _collect_tables(pages, know, warnings)
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
    records = [rec for table in tables for rec in _records(table, know, ocr_pages, issues)]
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
    meta = _read_metadata(pages)
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
