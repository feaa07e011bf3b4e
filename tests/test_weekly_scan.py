"""The weekly report as a scan, end to end through ``process_file``, against its truth.

``fixtures/variants/laocai-2025-w05-weekly-scan.pdf`` is made by ``fixtures/make_weekly_scan.py``
from the text PDF: 200 dpi greyscale, ~0.5° skew, noise, JPEG. The truth is the text PDF's
(``fixtures/truth/laocai-2025-w05-weekly.*``). OCR may misread; it must never misread
silently: every record whose value differs from the truth carries an issue naming its row
label and column. The scan is read once per module, with two OCR processes (~30 s).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from extractors.grid import Cell, Grid
from extractors.page import PageContent, TextLine
from extractors.weekly import LOW_CONFIDENCE, extract_weekly
from pipeline.process import process_file, weekly_result
from tests.conftest import run_on
from tests.truth import FIXTURES, truth_csv, truth_meta

SCAN = FIXTURES / "variants" / "laocai-2025-w05-weekly-scan.pdf"
TRUTH_ID = "laocai-2025-w05-weekly"
TEXT_COLUMNS = ["table_code", "row_no", "row_label", "column_label", "value_raw", "unit_of_measure"]
FLOAT_COLUMNS = ["value", "numerator", "denominator"]
MIN_EXACT = 0.99  # 99.4% with the label and unit doubts and the registry-free reading; acceptance bar 99%


@pytest.fixture(scope="module")
def result():
    return process_file(Path(SCAN), doc_id=TRUTH_ID, ocr_workers=2)


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return truth_csv(TRUTH_ID, "indicators")


def _text(value) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else str(value)


def _float(value) -> float | None:
    text = _text(value)
    return None if text == "" else float(text)


def _same_float(a, b) -> bool:
    x, y = _float(a), _float(b)
    return (x is None) == (y is None) and (x is None or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9))


def _value_differs(want: dict, have: dict) -> bool:
    return want["value_raw"] != _text(have["value_raw"]) or not all(
        _same_float(want[c], have[c]) for c in FLOAT_COLUMNS
    )


@pytest.mark.ocr
def test_scan_is_read_as_a_weekly_report(result):
    meta = truth_meta(TRUTH_ID)
    assert result.document["source_kind"] == "weekly_report"
    assert result.document["text_source"] == "ocr"
    assert result.document["province"] == meta["province"]
    assert result.weekly is not None
    assert str(result.weekly["period_start"].iloc[0]) == meta["period_start"]
    assert str(result.weekly["period_end"].iloc[0]) == meta["period_end"]


@pytest.mark.ocr
def test_same_records_as_the_truth(result, truth):
    got = result.weekly
    assert len(got) == len(truth)
    assert got["table_code"].tolist() == truth["table_code"].tolist()
    assert got["row_index"].astype(int).tolist() == truth["row_index"].astype(int).tolist()


@pytest.mark.ocr
def test_exact_field_rate(result, truth):
    got = result.weekly.to_dict("records")
    fields = wrong = 0
    for want, have in zip(truth.to_dict("records"), got):
        for col in TEXT_COLUMNS:
            fields += 1
            wrong += want[col] != _text(have[col])
        for col in FLOAT_COLUMNS:
            fields += 1
            wrong += not _same_float(want[col], have[col])
    rate = 1 - wrong / fields
    print(f"\nweekly scan: {fields - wrong} of {fields} fields exact ({rate:.2%}), {len(result.issues)} issues")
    assert rate >= MIN_EXACT


@pytest.mark.ocr
def test_no_silent_value_errors(result, truth):
    """Every value that differs from the truth is named by an issue (row label + column)."""
    flagged = {(i.unit_name_raw, i.field) for i in result.issues if i.code in ("low_confidence", "unparseable_value")}
    silent = [
        (
            want["table_code"],
            want["row_index"],
            want["row_label"],
            want["column_label"],
            want["value_raw"],
            _text(have["value_raw"]),
        )
        for want, have in zip(truth.to_dict("records"), result.weekly.to_dict("records"))
        if _value_differs(want, have) and ((_text(have["row_label"]) or None), have["column_label"]) not in flagged
    ]
    assert silent == []


@pytest.mark.ocr
def test_issues_are_well_formed(result):
    columns = set(result.weekly["column_label"])
    for issue in result.issues:
        assert issue.doc_id == TRUTH_ID
        assert issue.code in ("low_confidence", "unparseable_value")
        assert issue.severity == "error"
        assert issue.field in columns
        assert issue.group_code in set(result.weekly["table_code"])
        assert issue.message


# --- the rules behind the issues, on small made-up pages (no OCR) ---------------------------

_HEADER = [
    "STT",
    "Tên cơ quan, đơn vị, địa phương",
    "Kết quả nhập liệu trên Hệ thống báo cáo hàng tuần",
    "Số người có định danh điện tử mức độ 2",
    "Số lượng người CCVC được đào tạo tập huấn CĐS",
]


def _page(rows: list[list[tuple[str, float]]], source: str) -> PageContent:
    cells = [
        Cell(r, c, 1, 1, c * 10, r * 10, c * 10 + 10, r * 10 + 10, text, conf)
        for r, row in enumerate(rows)
        for c, (text, conf) in enumerate(row)
    ]
    grid = Grid(1, len(rows), len(rows[0]), cells, (0, 0, len(rows[0]) * 10, len(rows) * 10))
    heading = TextLine("SỐ LIỆU MỘT SỐ CHỈ TIÊU VỀ CHUYỂN ĐỔI SỐ CẤP TỈNH", 0, -5, 1, -4)
    return PageContent(1, 842, 595, source, [heading], [grid])


def _rows(body: list[list[tuple[str, float]]]) -> list[list[tuple[str, float]]]:
    return [[(h, 1.0) for h in _HEADER], *body]


def test_doubtful_ocr_cells_become_issues():
    body = [
        [("(1)", 1.0), ("Ban Dân tộc", 0.95), ("Đã nhập", 0.93), ("1.2l7", 0.91), ("12", LOW_CONFIDENCE - 0.2)],
        [("(2)", 1.0), ("Sở Y tế", 0.95), ("Đã nhập", 0.93), ("7/7a", 0.95), ("", 0.0)],
        [("(3)", 1.0), ("Sở Nội vụ", 0.95), ("-", 0.90), ("463.724", 0.96), ("79,6%", 0.96)],
    ]
    report = extract_weekly([_page(_rows(body), "ocr")])
    got = {(i.code, i.row_label, i.column_label, i.printed) for i in report.issues}
    assert got == {
        ("unparseable_value", "Ban Dân tộc", _HEADER[3], "1.2l7"),
        ("low_confidence", "Ban Dân tộc", _HEADER[4], "12"),
        ("unparseable_value", "Sở Y tế", _HEADER[3], "7/7a"),
        ("low_confidence", "Sở Y tế", _HEADER[4], None),  # ink that read as nothing
    }
    rows = weekly_result([_page(_rows(body), "ocr")], 1, "doc").issues
    assert {(i.doc_id, i.code, i.severity, i.group_code, i.unit_name_raw, i.field) for i in rows} >= {
        ("doc", "low_confidence", "error", "pl_cap_tinh", "Ban Dân tộc", _HEADER[4]),
        ("doc", "unparseable_value", "error", "pl_cap_tinh", "Sở Y tế", _HEADER[3]),
    }


def test_text_layer_cells_raise_no_issues():
    body = [[("(1)", 1.0), ("Ban Dân tộc", 1.0), ("Đã nhập", 1.0), ("abc", 1.0), ("12", 1.0)]]
    assert extract_weekly([_page(_rows(body), "text_layer")]).issues == []


# --- a held-out scan (another seed), through the whole pipeline as an officer runs it -------

HELD_OUT = FIXTURES / "variants" / "laocai-2025-w05-weekly-scan-b.pdf"
CURATED_TEXT = ["table_code", "row_label", "column_label", "value_raw", "unit_of_measure"]
VALUE_COLUMNS = ["value_raw", "unit_of_measure"]


@pytest.fixture(scope="module")
def held_out(tmp_path_factory):
    run = run_on(tmp_path_factory.mktemp("weekly_b"), [HELD_OUT])
    return run.rows("weekly_indicators", HELD_OUT.name), run.rows("issues", HELD_OUT.name)


@pytest.mark.ocr
def test_held_out_scan_cells_are_exact_and_wrong_values_flagged(held_out, truth):
    """At least 99% of the curated cells exact; a value, ratio or unit read wrong always carries an issue."""
    got, issues = held_out
    assert len(got) == len(truth)
    flagged = {(r.unit_name_raw, r.field) for r in issues.itertuples()}
    fields = wrong = 0
    silent = []
    for want, have in zip(truth.to_dict("records"), got.to_dict("records")):
        for col in CURATED_TEXT + FLOAT_COLUMNS:
            fields += 1
            same = want[col] == _text(have[col]) if col in CURATED_TEXT else _same_float(want[col], have[col])
            wrong += not same
            if (
                not same
                and (col in VALUE_COLUMNS or col in FLOAT_COLUMNS)
                and (_text(have["row_label"]) or None, have["column_label"]) not in flagged
            ):
                silent.append((want["row_label"], want["column_label"], col, want[col], _text(have[col])))
    print(f"\nheld-out weekly scan: {1 - wrong / fields:.2%} of {fields} cells exact")
    assert 1 - wrong / fields >= 0.99
    assert silent == []


def test_a_doubtful_row_label_or_unit_flags_every_value_of_its_row():
    """ "Thế thao" for "Thể thao" read at 0.60: each record of the row names the label, so each is in doubt."""
    body = [[("(1)", 1.0), ("Sở Văn hóa và Thế thao", 0.60), ("Đã nhập", 0.95), ("1.217", 0.95), ("12", 0.95)]]
    report = extract_weekly([_page(_rows(body), "ocr")])
    assert {(i.code, i.row_label, i.column_label) for i in report.issues} == {
        ("low_confidence", "Sở Văn hóa và Thế thao", label) for label in _HEADER[2:]
    }
