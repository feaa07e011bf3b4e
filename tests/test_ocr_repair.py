"""Self-checking OCR repair: typical misreadings planted in text-layer tables come back as printed.

The text-layer fixtures give tables whose true values are known (tests/fixtures/truth);
marking the document as OCR'd and corrupting chosen cells the way tesseract does, with a
low cell confidence, shows what the repair may and may not do.
"""

import copy
import dataclasses
from pathlib import Path

import pytest

from normalizers.frameworks import load_knowledge
from normalizers.numbers import Convention
from normalizers.ocr_repair import candidate_readings
from pipeline.process import ranking_result, raw_decision, read_pdf_pages
from schemas.raw import RawDocument, RawRow
from tests.raw_edits import doubted, replace_row
from tests.truth import FIXTURES, RAW, truth_csv

LAOCAI = RAW / "laocai-2017-qd512-ict2016.pdf"
LAOCAI_2024 = RAW / "laocai-2024-dti2023.pdf"
CAOBANG = FIXTURES / "variants" / "caobang-2023-qd943-dti2022-text.pdf"
LOW = 0.55


def _read(path: Path) -> RawDocument:
    pages, _ = read_pdf_pages(path)
    return raw_decision(pages, load_knowledge())


@pytest.fixture(scope="module")
def raws() -> dict[str, RawDocument]:
    return {"laocai": _read(LAOCAI), "caobang": _read(CAOBANG), "laocai2024": _read(LAOCAI_2024)}


def _doc(raws, name: str, text_source: str = "ocr") -> RawDocument:
    doc = copy.deepcopy(raws[name])
    doc = dataclasses.replace(doc, text_source=text_source)
    return doc


def _row(doc: RawDocument, group: str, unit: str) -> RawRow:
    return next(r for t in doc.tables if t.group_code == group for r in t.rows if r.name == unit)


def _component(doc: RawDocument, group: str, name: str) -> int:
    table = next(t for t in doc.tables if t.group_code == group)
    return next(i for i, c in enumerate(table.components) if c.name == name)


def _doubt(
    doc: RawDocument, group: str, unit: str, field: str, text: str | None = None, index: int | None = None
) -> RawDocument:
    """The document with one cell of a row given an OCR reading (as printed when text is None) read with low confidence."""
    return replace_row(doc, group, unit, lambda row: doubted(row, field, text, index, LOW))


def _run(doc: RawDocument):
    """The document's rows and issues as the pipeline makes them (normalize, then every check)."""
    result = ranking_result(doc, "t", load_knowledge())
    return result, result.issues


def _score(norm, group: str, unit: str):
    return norm.scores[(norm.scores["group_code"] == group) & (norm.scores["unit_name_raw"] == unit)].iloc[0]


def _comp(norm, group: str, unit: str, code: str) -> float:
    c = norm.components
    return c[(c["group_code"] == group) & (c["unit_name_raw"] == unit) & (c["component_code"] == code)]["score"].item()


def _truth_score(truth_id: str, group: str, unit: str, column: str) -> float:
    t = truth_csv(truth_id, "scores")
    return float(t[(t["group_code"] == group) & (t["unit_name"] == unit)][column].item())


def _truth_comp(truth_id: str, group: str, unit: str, component: str) -> float:
    t = truth_csv(truth_id, "components")
    return float(
        t[(t["group_code"] == group) & (t["unit_name"] == unit) & (t["component"] == component)]["score"].item()
    )


def _codes(issues, code: str, unit: str | None = None) -> list:
    return [i for i in issues if i.code == code and (unit is None or i.unit_name_raw == unit)]


def test_candidates_come_from_the_confusion_table():
    assert "806.3" in candidate_readings("total", "8063", Convention.DECIMAL_POINT, 1)
    assert candidate_readings("component:0", "l2", Convention.DECIMAL_POINT, 0) == ["12"]
    assert set(candidate_readings("component:0", "1T", Convention.DECIMAL_POINT, 0)) == {"17", "14"}
    assert "11" in candidate_readings("rank", "1", Convention.DECIMAL_POINT, 0)
    assert "73,16%" in candidate_readings("percent", "78,16%", Convention.DECIMAL_COMMA, 2)


def test_dropped_decimal_point_in_a_total_is_restored(raws):
    doc = _doc(raws, "caobang")
    unit = "Sở Thông tin và Truyền thông"
    doc = _doubt(doc, "so_ban_nganh", unit, "total", "8063")
    norm, issues = _run(doc)
    assert (
        _score(norm, "so_ban_nganh", unit)["total_score"]
        == _truth_score("caobang-2023-qd943-dti2022", "so_ban_nganh", unit, "total_score")
        == 806.3
    )
    assert norm.scores["max_score"].eq(1000.0).all()  # the misread total did not become a maximum
    fixed = _codes(issues, "ocr_corrected")
    assert len(fixed) == 1
    assert (fixed[0].field, fixed[0].printed, fixed[0].expected, fixed[0].severity) == (
        "total_score",
        "8063",
        "806.3",
        "warning",
    )
    assert not _codes(issues, "component_sum_mismatch", unit) and not _codes(issues, "total_exceeds_max")


def test_pillar_digit_confusion_is_repaired_from_the_sum(raws):
    doc = _doc(raws, "caobang")
    unit = "Sở Công Thương"
    i = _component(doc, "so_ban_nganh", "Chính quyền số")
    doc = _doubt(doc, "so_ban_nganh", unit, "components", "293.7", index=i)  # 8 read as 3
    norm, issues = _run(doc)
    code = load_knowledge().component_code("Chính quyền số")
    assert (
        _comp(norm, "so_ban_nganh", unit, code)
        == _truth_comp("caobang-2023-qd943-dti2022", "so_ban_nganh", unit, "Chính quyền số")
        == 298.7
    )
    fixed = _codes(issues, "ocr_corrected")
    assert [(f.unit_name_raw, f.field, f.printed, f.expected) for f in fixed] == [
        (unit, f"component:{code}", "293.7", "298.7")
    ]


@pytest.mark.parametrize(
    "unit,component,misread",
    [
        ("Sở Thông tin và Truyền thông", "Hạ tầng kỹ thuật CNTT", "l2"),
        ("Sở Tài chính", "Nhân lực CNTT", "z"),
    ],
)
def test_letters_read_for_digits_are_repaired(raws, unit, component, misread):
    doc = _doc(raws, "laocai")
    doc = _doubt(doc, "so_ban_nganh", unit, "components", misread, index=_component(doc, "so_ban_nganh", component))
    norm, issues = _run(doc)
    code = load_knowledge().component_code(component)
    truth = _truth_comp("laocai-2017-qd512-ict2016", "so_ban_nganh", unit, component)
    assert _comp(norm, "so_ban_nganh", unit, code) == truth
    fixed = _codes(issues, "ocr_corrected")
    assert [(f.field, f.printed, f.expected) for f in fixed] == [(f"component:{code}", misread, f"{truth:g}")]
    assert not _codes(issues, "unparseable_value")


def test_two_certainly_misread_cells_of_one_row_are_repaired_together(raws):
    doc = _doc(raws, "laocai")
    unit = "Sở Thông tin và Truyền thông"
    doc = _doubt(
        doc, "so_ban_nganh", unit, "components", "l2", index=_component(doc, "so_ban_nganh", "Hạ tầng kỹ thuật CNTT")
    )
    doc = _doubt(doc, "so_ban_nganh", unit, "total", "9T")  # T may be a 7 or a 4: only 97 adds up once the 12 is read
    norm, issues = _run(doc)
    assert _score(norm, "so_ban_nganh", unit)["total_score"] == 97.0
    assert _comp(norm, "so_ban_nganh", unit, load_knowledge().component_code("Hạ tầng kỹ thuật CNTT")) == 12.0
    assert sorted((f.field, f.expected) for f in _codes(issues, "ocr_corrected")) == [
        (f"component:{load_knowledge().component_code('Hạ tầng kỹ thuật CNTT')}", "12"),
        ("total_score", "97"),
    ]


def test_a_search_cut_short_never_settles_a_row(raws, monkeypatch):
    """One passing pair out of an unfinished search is not 'the only reading': reported, not applied."""
    import normalizers.ocr_repair as repair

    monkeypatch.setattr(repair, "MAX_COMBINATIONS", 1)
    doc = _doc(raws, "laocai")
    unit = "Sở Thông tin và Truyền thông"
    doc = _doubt(
        doc, "so_ban_nganh", unit, "components", "l2", index=_component(doc, "so_ban_nganh", "Hạ tầng kỹ thuật CNTT")
    )
    doc = _doubt(doc, "so_ban_nganh", unit, "total", "9T")
    norm, issues = _run(doc)
    assert _codes(issues, "ocr_corrected", unit) == []
    assert {i.field for i in _codes(issues, "low_confidence", unit)} >= {"total_score"}
    assert _score(norm, "so_ban_nganh", unit)["confidence"] < 0.5


def test_lost_leading_digit_of_a_rank_comes_from_row_order(raws):
    doc = _doc(raws, "laocai")
    unit = "Sở Giáo dục và Đào tạo"
    doc = _doubt(doc, "so_ban_nganh", unit, "rank", "1")
    norm, issues = _run(doc)
    assert (
        _score(norm, "so_ban_nganh", unit)["rank"]
        == int(_truth_score("laocai-2017-qd512-ict2016", "so_ban_nganh", unit, "rank"))
        == 11
    )
    fixed = _codes(issues, "ocr_corrected")
    assert [(f.field, f.printed, f.expected) for f in fixed] == [("rank", "1", "11")]
    assert not _codes(issues, "rank_order")


def test_printed_percent_is_repaired_against_total_and_maximum(raws):
    doc = _doc(raws, "laocai2024")
    unit = "Sở Lao động - Thương binh và Xã hội"
    doc = _doubt(doc, "tthc", unit, "percent", "78,16%")  # 3 read as 8
    norm, issues = _run(doc)
    assert (
        _score(norm, "tthc", unit)["score_pct_printed"]
        == _truth_score("laocai-2024-dti2023", "tthc", unit, "score_pct")
        == 73.16
    )
    fixed = _codes(issues, "ocr_corrected")
    assert [(f.field, f.printed, f.expected) for f in fixed] == [("score_pct_printed", "78,16%", "73,16%")]


def test_two_doubtful_cells_with_several_passing_readings_are_not_guessed(raws):
    doc = _doc(raws, "caobang")
    unit = "Sở Tài chính"
    doc = _doubt(
        doc, "so_ban_nganh", unit, "total", "820.8"
    )  # 3 read as 8; the pillar 112.3 -> 112.8 would explain it as well
    doc = _doubt(doc, "so_ban_nganh", unit, "components", index=_component(doc, "so_ban_nganh", "Nhân lực số"))
    norm, issues = _run(doc)
    low = _codes(issues, "low_confidence", unit)
    assert {i.field for i in low} == {"total_score", f"component:{load_knowledge().component_code('Nhân lực số')}"}
    assert all(i.severity == "error" for i in low)
    assert {i.expected for i in low} == {"820.3", "112.8"}
    assert not _codes(issues, "ocr_corrected")
    scores = _score(norm, "so_ban_nganh", unit)
    assert scores["total_score"] == 820.8  # the OCR reading is kept, and distrusted
    assert scores["confidence"] <= LOW * 0.5


def test_a_misreading_no_candidate_explains_is_reported(raws):
    doc = _doc(raws, "caobang")
    unit = "Sở Công Thương"
    doc = _doubt(
        doc, "so_ban_nganh", unit, "components", "92.4", index=_component(doc, "so_ban_nganh", "Nhân lực số")
    )  # 7 read as 2
    norm, issues = _run(doc)
    low = _codes(issues, "low_confidence", unit)
    assert [(i.field, i.printed, i.expected) for i in low] == [
        (f"component:{load_knowledge().component_code('Nhân lực số')}", "92.4", None)
    ]
    assert not _codes(issues, "ocr_corrected")
    assert _score(norm, "so_ban_nganh", unit)["confidence"] < LOW


def test_unparseable_cell_without_a_reading_stays_an_unparseable_value(raws):
    doc = _doc(raws, "laocai")
    unit = "Sở Thông tin và Truyền thông"
    doc = _doubt(doc, "so_ban_nganh", unit, "components", "L#", index=0)
    norm, issues = _run(doc)
    assert [(i.field, i.printed) for i in _codes(issues, "unparseable_value", unit)] == [
        (f"component:{load_knowledge().component_code('Hạ tầng kỹ thuật CNTT')}", "L#")
    ]
    assert not _codes(issues, "ocr_corrected")


@pytest.mark.parametrize(
    "unit,component,printed,pillars",
    [
        ("Sở Y tế", "Nhân lực số", 671.3, 671.8),
        ("Văn phòng UBND tỉnh", "Xã hội số", 749.8, 749.1),
    ],
)
def test_published_discrepancies_are_never_repaired(raws, unit, component, printed, pillars):
    """Both the total and a pillar doubtful: "671.8" is one 3/8 confusion away, yet the document prints 671.3."""
    doc = _doc(raws, "caobang")
    row = _row(doc, "so_ban_nganh", unit)
    i = _component(doc, "so_ban_nganh", component)
    before = row.components[i]
    doc = _doubt(doc, "so_ban_nganh", unit, "total")
    doc = _doubt(doc, "so_ban_nganh", unit, "components", index=i)
    norm, issues = _run(doc)
    assert (
        _score(norm, "so_ban_nganh", unit)["total_score"]
        == printed
        == _truth_score("caobang-2023-qd943-dti2022", "so_ban_nganh", unit, "total_score")
    )
    code = load_knowledge().component_code(component)
    assert (
        _comp(norm, "so_ban_nganh", unit, code)
        == float(before)
        == _truth_comp("caobang-2023-qd943-dti2022", "so_ban_nganh", unit, component)
    )
    assert not _codes(issues, "ocr_corrected")
    assert [(i.printed, i.expected) for i in _codes(issues, "component_sum_mismatch", unit)] == [
        (f"{printed:g}", f"{pillars:g}")
    ]
    assert {i.field for i in _codes(issues, "low_confidence", unit)} <= {"total_score", f"component:{code}"}
    assert _codes(issues, "low_confidence", unit)


def test_published_discrepancy_with_confident_total_is_left_to_the_checks(raws):
    doc = _doc(raws, "caobang")
    for unit in ("Sở Y tế", "Văn phòng UBND tỉnh"):
        for i in range(len(_row(doc, "so_ban_nganh", unit).components)):
            doc = _doubt(doc, "so_ban_nganh", unit, "components", index=i)
    norm, issues = _run(doc)
    assert not _codes(issues, "ocr_corrected")
    assert {i.unit_name_raw for i in _codes(issues, "component_sum_mismatch")} == {"Sở Y tế", "Văn phòng UBND tỉnh"}
    truth = truth_csv("caobang-2023-qd943-dti2022", "components")
    for unit in ("Sở Y tế", "Văn phòng UBND tỉnh"):
        got = norm.components[norm.components["unit_name_raw"] == unit]["score"].tolist()
        assert got == truth[truth["unit_name"] == unit]["score"].astype(float).tolist()


def test_text_layer_documents_are_never_repaired(raws):
    doc = _doc(raws, "caobang", text_source="text_layer")
    unit = "Sở Thông tin và Truyền thông"
    doc = _doubt(doc, "so_ban_nganh", unit, "total", "8063")
    doc = _doubt(doc, "so_ban_nganh", "Sở Công Thương", "components", "293.7", index=4)
    norm, issues = _run(doc)
    assert not _codes(issues, "ocr_corrected") and not _codes(issues, "low_confidence")
    assert _score(norm, "so_ban_nganh", unit)["total_score"] == 8063
    assert _comp(norm, "so_ban_nganh", "Sở Công Thương", load_knowledge().component_code("Chính quyền số")) == 293.7


def test_untouched_ocr_document_reads_as_printed(raws):
    doc = _doc(raws, "caobang")
    norm, issues = _run(doc)
    assert not _codes(issues, "ocr_corrected") and not _codes(issues, "low_confidence")
    assert (
        norm.scores["total_score"].dropna().tolist()
        == truth_csv("caobang-2023-qd943-dti2022", "scores")["total_score"]
        .replace("", None)
        .dropna()
        .astype(float)
        .tolist()
    )
