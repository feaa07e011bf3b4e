"""The weekly report, cell by cell, against its truth (tests/fixtures/truth/laocai-2025-w05-weekly.*)."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import pdfplumber
import pytest

from extractors.grid import Cell, Grid
from extractors.page import PageContent, TextLine
from extractors.text_pdf import read_text_page
from extractors.weekly import WeeklyReportError, extract_weekly, is_weekly_report
from normalizers.knowledge import DATA_DIR, load_knowledge_bundle
from normalizers.weekly_values import parse_cell

FIXTURES = Path(__file__).parent / "fixtures"
PDF = FIXTURES / "raw" / "laocai-2025-w05-weekly.pdf"
TRUTH = FIXTURES / "truth" / "laocai-2025-w05-weekly"
TEXT_COLUMNS = ["table_code", "row_no", "row_label", "column_label", "value_raw", "unit_of_measure"]
FLOAT_COLUMNS = ["value", "numerator", "denominator"]


@pytest.fixture(scope="module")
def pages() -> list[PageContent]:
    with pdfplumber.open(PDF) as pdf:
        return [read_text_page(page) for page in pdf.pages]


@pytest.fixture(scope="module")
def report(pages):
    return extract_weekly(pages)


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return pd.read_csv(f"{TRUTH}.indicators.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def meta() -> dict:
    return json.loads(Path(f"{TRUTH}.meta.json").read_text(encoding="utf-8"))


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _float(value) -> float | None:
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def test_every_record_matches_truth(report, truth):
    got = report.indicators
    assert len(got) == len(truth)
    mismatches = []
    for i, (want, have) in enumerate(zip(truth.to_dict("records"), got.to_dict("records"))):
        for col in TEXT_COLUMNS:
            if want[col] != _text(have[col]):
                mismatches.append((i, col, want[col], have[col]))
        if int(want["row_index"]) != int(have["row_index"]):
            mismatches.append((i, "row_index", want["row_index"], have["row_index"]))
        for col in FLOAT_COLUMNS:
            w, h = _float(want[col]), _float(have[col])
            if (w is None) != (h is None) or (w is not None and w != pytest.approx(h)):
                mismatches.append((i, col, want[col], have[col]))
    assert mismatches == []


def test_columns_and_types(report):
    frame = report.indicators
    assert list(frame.columns) == [
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
    assert frame["value"].dtype == "float64"
    assert frame["is_unit_row"].dtype == bool


def test_table_sizes_follow_meta(report, meta):
    sizes = report.indicators.groupby("table_code", sort=False).size().to_dict()
    assert sizes == {t["table_code"]: t["records"] for t in meta["tables"]}
    rows = report.indicators.groupby("table_code", sort=False)["row_index"].max().to_dict()
    assert rows == {t["table_code"]: t["rows"] for t in meta["tables"]}


def test_unit_rows_and_pages(report):
    frame = report.indicators
    flagged = set(frame.loc[frame["is_unit_row"], "table_code"])
    assert flagged == {"pl_cap_tinh", "pl_huyen", "pl_van_ban"}
    # pl_cap_tinh breaks across a page with its header repeated: one table, rows continue
    cap = frame[frame["table_code"] == "pl_cap_tinh"]
    assert cap["page"].nunique() == 2
    last = cap[cap["row_label"] == "Sở Thông tin và Truyền thông"]
    assert set(last["row_index"]) == {27}
    kpi = frame[frame["table_code"] == "kpi"]
    assert kpi["page"].nunique() == 2
    assert kpi.loc[kpi["row_index"] == 15, "row_label"].item().startswith("Số TTHC đã được tích hợp")


def test_metadata(report, meta):
    assert report.province == meta["province"] == "Lào Cai"
    assert report.issuer == meta["issuer"]
    assert report.week == meta["week"] == 5
    assert report.period_start == dt.date.fromisoformat(meta["period_start"])
    assert report.period_end == dt.date.fromisoformat(meta["period_end"])
    assert report.assessment_year == meta["assessment_year"]
    assert [i for i in report.issues if i.code == "table_skipped"] == []


def test_routing(pages):
    assert is_weekly_report(pages)
    decision = [
        PageContent(
            1,
            595,
            842,
            "text_layer",
            [TextLine("QUYẾT ĐỊNH", 0, 0, 1, 1), TextLine("Về việc công bố chỉ số chuyển đổi số năm 2023", 0, 2, 1, 3)],
        )
    ]
    assert not is_weekly_report(decision)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1.277", (1277.0, None, None)),
        ("79,6%", (79.6, None, None)),
        ("95.56%", (95.56, None, None)),
        ("52697", (52697.0, None, None)),
        ("38.000/50.000", (None, 38000.0, 50000.0)),
        ("66/58", (None, 66.0, 58.0)),
        ("108", (108.0, None, None)),
        ("-", (None, None, None)),
        ("Đã nhập", (None, None, None)),
        ("", (None, None, None)),
    ],
)
def test_parse_cell(raw, expected):
    assert parse_cell(raw) == expected


def _grid(rows: list[list[str]], page: int) -> Grid:
    cells = [
        Cell(r, c, 1, 1, c * 10, r * 10, c * 10 + 10, r * 10 + 10, text)
        for r, row in enumerate(rows)
        for c, text in enumerate(row)
    ]
    return Grid(page, len(rows), len(rows[0]), cells, (0, 0, len(rows[0]) * 10, len(rows) * 10))


def test_headerless_continuation_and_lone_trailing_value():
    header = [
        "STT",
        "Tên cơ quan, đơn vị, địa phương",
        "Kết quả nhập liệu trên Hệ thống báo cáo hàng tuần",
        "Số người có định danh điện tử mức độ 2",
        "Số lượng người CCVC được đào tạo tập huấn CĐS",
    ]
    first = PageContent(
        1,
        842,
        595,
        "ocr",
        [TextLine("SỐ LIỆU MỘT SỐ CHỈ TIÊU VỀ CHUYỂN ĐỔI SỐ CẤP TỈNH", 0, 0, 1, 1)],
        [_grid([header, ["(1)", "Ban Dân tộc", "Đã nhập", "", "100%"]], 1)],
    )
    second = PageContent(2, 842, 595, "ocr", [], [_grid([["(2)", "Sở Y tế", "Đã nhập", "", ""]], 2)])
    frame = extract_weekly([first, second]).indicators
    assert list(frame["row_index"].unique()) == [1, 2]
    moved = frame[(frame["row_index"] == 1) & (frame["column_label"] == "Số người có định danh điện tử mức độ 2")]
    assert moved["value_raw"].item() == "100%"


def test_no_tables_is_an_error():
    with pytest.raises(WeeklyReportError):
        extract_weekly([PageContent(1, 595, 842, "text_layer", [TextLine("BÁO CÁO", 0, 0, 1, 1)])])


def test_the_report_is_read_with_the_wording_of_the_bundle_it_is_given(pages, tmp_path):
    """extract_weekly passes its bundle down: an officer's edited weekly_wording.yaml is what is applied."""
    shipped = (DATA_DIR / "weekly_wording.yaml").read_text(encoding="utf-8")
    edited = shipped.replace(
        "issuer_of_agency: '{agency} tỉnh {province}'", "issuer_of_agency: '{agency} ({province})'"
    )
    assert edited != shipped
    (tmp_path / "weekly_wording.yaml").write_text(edited, encoding="utf-8")
    bundle = load_knowledge_bundle(tmp_path)
    assert extract_weekly(pages, bundle).issuer == "Sở Thông tin và Truyền thông (Lào Cai)"
    assert is_weekly_report(pages, bundle)
    no_topic = shipped.replace("topic: 'chuyen doi so'", "topic: 'an toan giao thong'")
    (tmp_path / "weekly_wording.yaml").write_text(no_topic, encoding="utf-8")
    assert not is_weekly_report(pages, load_knowledge_bundle(tmp_path))
