"""No silent errors on scans: misreadings planted in the text-layer decisions (read as if OCR'd).

The truth of every planted cell is known (tests/fixtures/truth). A consistent pair of
misreadings passes the row's own arithmetic and must still be flagged on every field the
failed checks involve; misread tier labels snap to the framework's words; unreadable
component maxima come from the framework's edition only when the header identifies it.
"""

import copy
import dataclasses
from pathlib import Path

import pytest
import yaml

from extractors.layouts import ocr_tidy
from normalizers.frameworks import load_knowledge
from normalizers.knowledge import KnowledgeError
from normalizers.ocr_labels import snap_tier_label, tidy_ocr_labels
from pipeline.process import ranking_result, raw_decision, read_pdf_pages
from schemas.raw import RawComponent, RawDocument, RawRow, RawTable
from tests.raw_edits import replace_row, replace_rows, replace_table
from tests.truth import RAW, truth_csv

LAOCAI_2017 = RAW / "laocai-2017-qd512-ict2016.pdf"
LAOCAI_2024 = RAW / "laocai-2024-dti2023.pdf"
CONFIDENT = 0.95  # above the repair's threshold: tesseract was sure, and wrong
LOW = 0.55


@pytest.fixture(scope="module")
def raws() -> dict[str, RawDocument]:
    def read(path: Path) -> RawDocument:
        pages, _ = read_pdf_pages(path)
        return raw_decision(pages, load_knowledge())

    return {"2017": read(LAOCAI_2017), "2024": read(LAOCAI_2024)}


def _ocr(raws, name: str) -> RawDocument:
    """The text-layer document as a scan whose every cell tesseract read with confidence."""
    doc = copy.deepcopy(raws[name])
    doc = dataclasses.replace(doc, text_source="ocr")

    def confident(row: RawRow) -> RawRow:
        keys = ["rank", "total", "percent", "tier", "name"] + [f"component:{i}" for i in range(len(row.components))]
        return dataclasses.replace(row, cell_confidence={k: CONFIDENT for k in keys}, confidence=CONFIDENT)

    return replace_rows(doc, confident)


def _misread(doc: RawDocument, unit: str, **cells: str) -> RawDocument:
    """The document with cells of a district's row read as given."""
    return replace_row(doc, "huyen", unit, lambda r: dataclasses.replace(r, **cells))


def _table(doc: RawDocument, group: str) -> RawTable:
    return next(t for t in doc.tables if t.group_code == group)


def _fields(issues, unit: str, code: str | None = None) -> set[str]:
    return {i.field for i in issues if i.unit_name_raw == unit and (code is None or i.code == code)}


def _score(result, group: str, unit: str):
    s = result.scores
    return s[(s["group_code"] == group) & (s["unit_name_raw"] == unit)].iloc[0]


def _truth(truth_id: str, group: str, unit: str, column: str) -> str:
    t = truth_csv(truth_id, "scores")
    return t[(t["group_code"] == group) & (t["unit_name"] == unit)][column].item()


# --- consistent pairs of misreadings -------------------------------------------------------


def test_consistent_pair_with_a_misread_rank_flags_every_involved_field(raws):
    """722.92 / 72.29 for 722.52 / 72.25 agree with each other; only the rank order speaks against them."""
    doc = _ocr(raws, "2024")
    unit, neighbour = "Huyện Bắc Hà", "Huyện Văn Bàn"
    assert (
        _truth("laocai-2024-dti2023", "huyen", unit, "total_score"),
        _truth("laocai-2024-dti2023", "huyen", unit, "score_pct"),
    ) == ("722.52", "72.25")
    doc = _misread(doc, unit, total="722,92", percent="72,29%", rank="3")  # all three read with confidence
    result = ranking_result(doc, "t", load_knowledge())
    issues = result.issues
    assert {"total_score", "score_pct_printed", "rank"} <= _fields(issues, unit, "low_confidence")
    # the unit sharing the rank is involved too: one of the two is misread, the checks cannot tell which
    assert {"total_score", "score_pct_printed", "rank"} <= _fields(issues, neighbour, "low_confidence")
    got = _score(result, "huyen", unit)
    assert (got["total_score"], got["score_pct_printed"]) == (722.92, 72.29)  # kept as read, never guessed
    assert got["confidence"] < CONFIDENT
    assert not [i for i in issues if i.code == "ocr_corrected"]


def test_consistent_pair_above_the_rank_before_flags_total_percent_and_tier(raws):
    doc = _ocr(raws, "2024")
    unit = "Huyện Bắc Hà"
    doc = _misread(doc, unit, total="782,52", percent="78,25%")
    # 2 read as 8 in both; more than rank 1's 760.39, and Dẫn dắt by thresholds
    result = ranking_result(doc, "t", load_knowledge())
    assert {"total_score", "score_pct_printed", "rank", "tier"} <= _fields(result.issues, unit)
    assert {"total_score", "score_pct_printed"} <= _fields(result.issues, unit, "low_confidence")
    assert _score(result, "huyen", unit)["confidence"] < CONFIDENT


def test_doubtful_total_alone_flags_the_percent_that_agrees_with_it(raws):
    """Before: only the doubtful total was flagged; the percent read from the same misprint was not."""
    doc = _ocr(raws, "2024")
    unit = "Huyện Bắc Hà"
    doc = _misread(doc, unit, total="722,92", percent="72,29%", rank="3")
    doc = replace_row(
        doc, "huyen", unit, lambda r: dataclasses.replace(r, cell_confidence={**r.cell_confidence, "total": LOW})
    )
    result = ranking_result(doc, "t", load_knowledge())
    low = [i for i in result.issues if i.unit_name_raw == unit and i.code == "low_confidence"]
    assert {"total_score", "score_pct_printed"} <= {i.field for i in low}
    assert {i.severity for i in low if i.field == "total_score"} == {"error"}


def test_untouched_confident_scan_raises_no_doubt(raws):
    """The rule flags failing rows only: a clean reading stays exact and unflagged."""
    result = ranking_result(_ocr(raws, "2024"), "t", load_knowledge())
    assert not [i for i in result.issues if i.code in ("low_confidence", "ocr_corrected")]
    truth = truth_csv("laocai-2024-dti2023", "scores")
    assert result.scores["total_score"].tolist() == truth["total_score"].astype(float).tolist()


# --- tier labels and stray marks -----------------------------------------------------------


@pytest.mark.parametrize(
    "printed,expected",
    [
        ("Nầng cao", "Nâng cao"),
        ("Ñâng cao", "Nâng cao"),
        ("Hình thảnh", "Hình thành"),
        ("DẪN DẮC", "DẪN DẮT"),
    ],
)
def test_misread_tier_labels_snap_to_the_framework_words(printed, expected):
    assert snap_tier_label(printed, load_knowledge().frameworks["dti"]) == expected


@pytest.mark.parametrize("printed", ["Nâng cao", "Hình thành", "Xuất sắc", "Cao"])
def test_legible_or_foreign_tier_labels_are_not_snapped(printed):
    assert snap_tier_label(printed, load_knowledge().frameworks["dti"]) is None


def test_tier_labels_of_a_scan_are_tidied_and_snapped(raws):
    doc = _ocr(raws, "2024")
    planted = {
        "Huyện Bắc Hà": "Nầng cao",
        "Huyện Văn Bàn": "Ñâng cao",
        "Thành phố Lào Cai": "'Dẫn dắt",
        "Huyện Bảo Thắng": "Nâng cao.",
    }
    for unit, label in planted.items():
        doc = _misread(doc, unit, tier=label)
    doc = dataclasses.replace(
        doc,
        tables=[
            dataclasses.replace(t, group_title="- " + t.group_title) if t.group_code == "huyen" else t
            for t in doc.tables
        ],
    )
    result = ranking_result(doc, "t", load_knowledge())
    for unit in planted:
        got = _score(result, "huyen", unit)
        assert got["tier_printed"] == _truth("laocai-2024-dti2023", "huyen", unit, "tier")
        assert got["group_title"] == _truth("laocai-2024-dti2023", "huyen", unit, "group_title")
    fixed = {(i.unit_name_raw, i.printed, i.expected) for i in result.issues if i.code == "ocr_corrected"}
    assert fixed == {("Huyện Bắc Hà", "Nầng cao", "Nâng cao"), ("Huyện Văn Bàn", "Ñâng cao", "Nâng cao")}
    assert not [i for i in result.issues if i.code == "unknown_tier"]


def test_tier_labels_of_a_text_layer_are_as_printed(raws):
    doc = copy.deepcopy(raws["2024"])
    doc = _misread(doc, "Huyện Bắc Hà", tier="Nầng cao")
    result = ranking_result(doc, "t", load_knowledge())
    assert _score(result, "huyen", "Huyện Bắc Hà")["tier_printed"] == "Nầng cao"
    assert "tier" in _fields(result.issues, "Huyện Bắc Hà", "unknown_tier")


@pytest.mark.parametrize(
    "printed,expected",
    [
        ("-Sở Kế hoạch và Đầu tư", "Sở Kế hoạch và Đầu tư"),
        ("Sở Kế hoạch và Đầu tư -", "Sở Kế hoạch và Đầu tư"),
        ("“Sở Nội vụ.", "Sở Nội vụ"),
        ("Sở Lao động - Thương binh và Xã hội", "Sở Lao động - Thương binh và Xã hội"),
        ("Hạ tầng kỹ thuật CNTT (12)", "Hạ tầng kỹ thuật CNTT (12)"),
    ],
)
def test_stray_marks_at_the_ends_of_an_ocr_name_are_dropped(printed, expected):
    assert ocr_tidy(printed) == expected


def test_heading_keeps_its_printed_colon():
    table = RawTable("- I. Các cơ quan, đơn vị cấp tỉnh:", "so_ban_nganh", None)
    tidied, issues = tidy_ocr_labels(table, load_knowledge().frameworks["ict_index"], "t", "so_ban_nganh")
    assert tidied.group_title == "I. Các cơ quan, đơn vị cấp tỉnh:" and issues == []
    assert table.group_title == "- I. Các cơ quan, đơn vị cấp tỉnh:"  # the input is not changed


# --- component maxima from the framework's edition -----------------------------------------


def _lose_maxima(doc: RawDocument, group: str, indexes: list[int], **named: RawComponent) -> RawDocument:
    """The document with some component maxima not printed legibly, and components at `named` indexes replaced."""

    def lose(table: RawTable) -> RawTable:
        components = [RawComponent(c.name, None) if i in indexes else c for i, c in enumerate(table.components)]
        components = [named.get(f"at_{i}", c) for i, c in enumerate(components)]
        return dataclasses.replace(table, components=components)

    return replace_table(doc, group, lose)


def _maxima(result, group: str) -> dict[str, float]:
    c = result.components[result.components["group_code"] == group]
    return dict(zip(c["component_name"], c["component_max"]))


def test_unreadable_maxima_come_from_the_edition_the_header_names(raws):
    doc = _ocr(raws, "2017")
    doc = _lose_maxima(doc, "so_ban_nganh", [1, 4])  # two of six, as on the 150 dpi scan
    result = ranking_result(doc, "t", load_knowledge())
    truth = truth_csv("laocai-2017-qd512-ict2016", "components")
    truth = truth[truth["group_code"] == "so_ban_nganh"]
    assert _maxima(result, "so_ban_nganh") == dict(zip(truth["component"], truth["component_max"].astype(float)))
    comps = result.components[result.components["group_code"] == "so_ban_nganh"]
    assert comps["component_max"].notna().all() and len(comps) == len(truth)
    told = [i for i in result.issues if i.code == "max_from_framework"]
    assert sorted((i.field, i.expected) for i in told) == [
        ("component_max:nhan_luc", "7"),
        ("component_max:ung_dung_noi_bo", "40"),
    ]
    assert all(i.unit_name_raw is None and i.group_code == "so_ban_nganh" for i in told)
    assert not [i for i in result.issues if i.code == "max_unreadable"]


def test_maxima_stay_unread_when_the_header_does_not_identify_an_edition(raws):
    doc = _ocr(raws, "2017")
    other = RawComponent("Chỉ tiêu khác", _table(doc, "so_ban_nganh").components[2].max_raw)  # not this edition's
    doc = _lose_maxima(doc, "so_ban_nganh", [1, 4], at_2=other)
    result = ranking_result(doc, "t", load_knowledge())
    assert not [i for i in result.issues if i.code == "max_from_framework"]
    assert {i.field for i in result.issues if i.code == "max_unreadable"} == {
        "component_max:ung_dung_noi_bo",
        "component_max:nhan_luc",
    }


def test_maxima_stay_unread_when_a_legible_maximum_disagrees_with_the_edition(raws):
    doc = _ocr(raws, "2017")
    another = RawComponent(_table(doc, "so_ban_nganh").components[0].name, "15")  # another edition's 15
    doc = _lose_maxima(doc, "so_ban_nganh", [1, 4], at_0=another)
    result = ranking_result(doc, "t", load_knowledge())
    assert not [i for i in result.issues if i.code == "max_from_framework"]


def test_text_layer_maxima_are_never_filled_in(raws):
    doc = _lose_maxima(raws["2017"], "so_ban_nganh", [1, 4])
    result = ranking_result(doc, "t", load_knowledge())
    assert not [i for i in result.issues if i.code == "max_from_framework"]


def test_edition_maxima_must_add_up_to_the_group_maximum(tmp_path):
    data = yaml.safe_load(
        (Path(__file__).parents[1] / "normalizers" / "data" / "frameworks.yaml").read_text(encoding="utf-8")
    )
    data["frameworks"]["ict_index"]["editions"][0]["groups"]["huyen"]["components"]["ha_tang"] = 7
    bad = tmp_path / "frameworks.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="add up to 101"):
        load_knowledge(str(bad))


def test_misread_heading_numeral_takes_its_place_in_the_sequence():
    """ "IL." is "II." or "I."; as the first of two numbered headings it is "I."."""
    from extractors.layouts import _fix_ocr_numeral, _number_misread_headings
    from schemas.raw import Correction

    printed = "IL. Các cơ quan, đơn vị cấp tỉnh:"
    first = RawTable(
        _fix_ocr_numeral(printed),
        "so_ban_nganh",
        None,
        corrections=[
            Correction("group_title", printed, _fix_ocr_numeral(printed), "OCR misread the heading's Roman numeral")
        ],
    )
    second = RawTable("II. UBND các huyện, thành phố:", "huyen", None)
    assert first.group_title.startswith("II.")
    renumbered, kept = _number_misread_headings([first, second])
    assert (renumbered.group_title, kept.group_title) == (
        "I. Các cơ quan, đơn vị cấp tỉnh:",
        "II. UBND các huyện, thành phố:",
    )
    assert (
        renumbered.corrections[0].printed == printed and renumbered.corrections[0].corrected == renumbered.group_title
    )
    assert first.group_title.startswith("II.") and kept is second  # new tables; the inputs are not changed
    lone = RawTable(
        "II. Khác",
        None,
        None,
        corrections=[Correction("group_title", "IL. Khác", "II. Khác", "OCR misread the heading's Roman numeral")],
    )
    tables = _number_misread_headings(
        [lone, RawTable("III. Sau", None, None)]
    )  # the other one out of place: left as read
    assert tables[0] is lone and lone.group_title == "II. Khác"
