"""Word and Excel decisions end to end (issue 16): every published value as in the fixture truth.

The .docx and .xlsx are the shared fixtures; the .doc and .xls are LibreOffice's Word 97 /
Excel 97 copies of them, the merged-cell Word file and the mixed text/number workbook are
other renderings of the same truth (``tests/fixtures/make_office_variants.py``).
"""

from __future__ import annotations

import pandas as pd
import pytest

from extractors import office_xls
from extractors.office_docx import read_docx_pages
from extractors.office_numbers import printed_number
from extractors.office_xls import XlsReadError, read_xls_pages
from extractors.office_xlsx import read_xlsx_pages
from pipeline.process import process_file, sniff
from tests.conftest import run_on
from tests.truth import FIXTURES, RAW, component_mismatches, document_mismatches, score_mismatches, truth_csv

VARIANTS = FIXTURES / "variants"
CASES = [
    (RAW / "laocai-2024-dti2023.docx", "laocai-2024-dti2023", "docx"),
    (RAW / "laocai-2017-qd512-ict2016-annex.xlsx", "laocai-2017-qd512-ict2016", "xlsx"),
    (VARIANTS / "laocai-2024-dti2023.doc", "laocai-2024-dti2023", "doc"),
    (VARIANTS / "laocai-2017-qd512-ict2016-annex.xls", "laocai-2017-qd512-ict2016", "xls"),
    (VARIANTS / "laocai-2017-qd512-ict2016-merged.docx", "laocai-2017-qd512-ict2016", "docx"),
    (VARIANTS / "laocai-2024-dti2023-mixed.xlsx", "laocai-2024-dti2023", "xlsx"),
]
IDS = [path.name for path, _, _ in CASES]


@pytest.fixture(scope="module")
def office_run(tmp_path_factory):
    return run_on(tmp_path_factory.mktemp("office"), [path for path, _, _ in CASES])


@pytest.mark.parametrize("path,truth_id,source", CASES, ids=IDS)
@pytest.mark.slow
def test_scores_and_components_match_truth(office_run, path, truth_id, source):
    assert score_mismatches(office_run.rows("scores", path.name), truth_id) == []
    assert component_mismatches(office_run.rows("components", path.name), truth_id) == []


@pytest.mark.parametrize("path,truth_id,source", CASES, ids=IDS)
@pytest.mark.slow
def test_document_metadata_matches_truth(office_run, path, truth_id, source):
    doc = office_run.doc(path.name)
    assert doc["status"] == "ok"
    assert document_mismatches(doc, truth_id) == []
    assert doc["text_source"] == source
    assert pd.isna(doc["pages"])  # a Word file or workbook stores no pagination


@pytest.mark.parametrize(
    "path,truth_id,source",
    [c for c in CASES if c[1] == "laocai-2024-dti2023"],
    ids=[c[0].name for c in CASES if c[1] == "laocai-2024-dti2023"],
)
@pytest.mark.slow
def test_averages_are_not_units_and_checks_pass(office_run, path, truth_id, source):
    averages = process_file(path).averages  # averages are not a curated file: read them from the result
    truth = truth_csv(truth_id, "averages")
    assert {(r.group_code, r.row_label): r.average for r in averages.itertuples()} == {
        (t.group_code, t.row_label): float(t.average) for t in truth.itertuples()
    }
    issues = office_run.rows("issues", path.name)
    assert set(issues["code"]) - {"unresolved_unit"} == set()  # sums, percents and tiers all agree


@pytest.mark.slow
def test_tiers_ranks_and_source_page(office_run):
    scores = office_run.rows("scores", "laocai-2024-dti2023.docx")
    row = scores[scores["unit_name_raw"] == "Thành phố Lào Cai"].iloc[0]
    assert (row["tier"], row["tier_source"], row["score_pct"]) == ("dan_dat", "printed", pytest.approx(76.039))
    assert set(scores["source_page"]) == {2}  # the appendix starts after the file's one stored page break
    ict = office_run.rows("scores", "laocai-2017-qd512-ict2016-merged.docx")
    assert set(ict["tier"]) == {"tot", "kha"}
    assert ict.loc[ict["unit_name_raw"] == "Vườn Quốc gia Hoàng Liên", "tier_printed"].item() == "MỨC KHÁ"
    # table I continues after a page break in a second Word table that repeats its header rows
    part = ict[ict["group_code"] == "so_ban_nganh"].groupby("source_page").size().to_dict()
    assert part == {2: 12, 3: 10}


def test_word_merged_cells_become_spans():
    pages = read_docx_pages(VARIANTS / "laocai-2017-qd512-ict2016-merged.docx")
    grid = pages[1].grids[0]
    stt, parent, total = grid.anchored(0, 0), grid.anchored(0, 2), grid.anchored(0, 8)
    assert (stt.text, stt.rowspan, stt.colspan) == ("STT", 2, 1)  # vMerge
    assert (parent.text, parent.colspan) == ("Điểm thành phần (điểm tối đa)", 6)  # gridSpan
    assert (total.text, total.rowspan) == ("Tổng điểm đạt được (100)", 2)
    tier = grid.anchored(2, 0)
    assert (tier.text, tier.colspan) == ("MỨC TỐT", 9)
    assert grid.anchored(1, 0) is None  # covered by the STT span


def test_layout_tables_feed_metadata_not_grids():
    pages = read_docx_pages(RAW / "laocai-2024-dti2023.docx")
    assert pages[0].grids == []  # header/motto and signature tables are layout, not data
    first = [line.text for line in pages[0].lines]
    assert first[:6] == [
        "ỦY BAN NHÂN DÂN",
        "TỈNH LÀO CAI",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: /QĐ-UBND",
        "Lào Cai, ngày tháng năm 2024",
    ]
    assert "Trịnh Xuân Trường" in first
    assert [len(g.cells) for g in pages[1].grids] == [20 * 5, 23 * 5, 11 * 5]


def test_workbook_tables_one_under_another_and_numbers_as_printed():
    (page,) = read_xlsx_pages(RAW / "laocai-2017-qd512-ict2016-annex.xlsx")
    assert [(g.n_rows, g.n_cols) for g in page.grids] == [(26, 9), (13, 10)]
    assert [ln.text for ln in page.lines][
        2
    ] == "(Ban hành kèm theo Quyết định số 512/QĐ-UBND ngày 16/02/2017 của UBND tỉnh Lào Cai)"
    matrix = page.grids[0].text_matrix()
    noi_vu = next(r for r in matrix if r[1] == "Sở Nội vụ")
    assert noi_vu == ["5", "Sở Nội vụ", "12", "36", "10.5", "12", "7", "14", "91.5"]  # numeric cells as printed
    # the mixed workbook: numbers, "0.00%" numbers and decimal-comma texts all print in the document's convention
    pages = read_xlsx_pages(VARIANTS / "laocai-2024-dti2023-mixed.xlsx")
    assert len(pages) == 2  # the note sheet is read; the empty sheet gives no page
    rows = [r for g in pages[0].grids for r in g.text_matrix()]
    assert ["1", "Sở Lao động - Thương binh và Xã hội", "731,61", "73,16%", "Nâng cao"] in rows
    assert ["2", "Sở Y tế", "717,70", "71,77%", "Nâng cao"] in rows


def test_the_workbook_knows_no_signer():
    """The annex workbook prints no signature block: signed_by (a truth field, not a curated
    column) is unknowable from it, and nothing claims it; every compared field is printed in it."""
    (page,) = read_xlsx_pages(RAW / "laocai-2017-qd512-ict2016-annex.xlsx")
    assert not any("Đặng Xuân Thanh" in ln.text for ln in page.lines)


@pytest.mark.parametrize("path,kind", [(c[0], c[2]) for c in CASES], ids=IDS)
def test_kind_is_sniffed_from_content_not_name(tmp_path, path, kind):
    misnamed = tmp_path / "decision.pdf"
    misnamed.write_bytes(path.read_bytes())
    assert sniff(misnamed) == kind


@pytest.mark.parametrize(
    "value,number_format,decimal_comma,shown",
    [
        (10.5, "General", False, "10.5"),
        (12, "General", False, "12"),
        (12.0, "General", False, "12"),
        (1.1 * 3, "General", False, "3.3"),  # 3.3000000000000003: float noise past 15 digits is not printed
        (0.1 + 0.2, "General", True, "0,3"),
        (731.61, "0.00", True, "731,61"),
        (717.7, "0.00", True, "717,70"),
        (0.7316, "0.00%", True, "73,16%"),
        (1000, "#,##0.00", True, "1.000,00"),
        (1000, "#,##0.00", False, "1,000.00"),
        (91.5, "0", False, "92"),
        (-3.5, "0.00;(0.00)", False, "-3.50"),
    ],
)
def test_numeric_cells_print_as_the_sheet_shows_them(value, number_format, decimal_comma, shown):
    assert printed_number(value, number_format, decimal_comma) == shown


@pytest.mark.slow
def test_xls_that_xlrd_cannot_read_goes_through_libreoffice(monkeypatch):
    xls = VARIANTS / "laocai-2017-qd512-ict2016-annex.xls"
    direct = read_xls_pages(xls)

    def refuse(path):
        raise XlsReadError("unsupported BIFF version")

    monkeypatch.setattr(office_xls, "read_xls_sheets", refuse)
    converted = read_xls_pages(xls)
    assert [p.text_source for p in converted] == ["xls"]
    assert [g.text_matrix() for g in converted[0].grids] == [g.text_matrix() for g in direct[0].grids]
    assert [ln.text for ln in converted[0].lines] == [ln.text for ln in direct[0].lines]


def test_macro_enabled_workbook_is_read_as_a_workbook(tmp_path):
    """An .xlsm differs from an .xlsx only by its main part's content type."""
    import zipfile

    xlsm = tmp_path / "annex.xlsm"
    with zipfile.ZipFile(RAW / "laocai-2017-qd512-ict2016-annex.xlsx") as zin, zipfile.ZipFile(xlsm, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml", b"MISSING")
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.MISSING",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
                assert b"macroEnabled" in data
            zout.writestr(info, data)
    assert sniff(xlsm) == "xlsx"
    result = process_file(xlsm)
    assert score_mismatches(result.scores, "laocai-2017-qd512-ict2016") == []


def test_tables_boxed_inside_a_frame_table_are_still_tables(tmp_path):
    """Some decisions box the appendix in a one-cell frame table: the tables inside it are data."""
    import docx

    document = docx.Document()
    frame = document.add_table(rows=1, cols=1).cell(0, 0)
    frame.paragraphs[0].add_run("2.3. Nhóm các huyện, thị xã, thành phố")
    inner = frame.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [("TT", "Địa phương", "Tổng điểm"), ("1", "Thành phố Lào Cai", "760,39"), ("2", "Huyện Bắc Hà", "722,52")]
    ):
        for c, text in enumerate(row):
            inner.cell(r, c).text = text
    document.save(tmp_path / "framed.docx")
    (page,) = read_docx_pages(tmp_path / "framed.docx")
    assert [ln.text for ln in page.lines] == ["2.3. Nhóm các huyện, thị xã, thành phố"]
    assert [g.text_matrix() for g in page.grids] == [
        [["TT", "Địa phương", "Tổng điểm"], ["1", "Thành phố Lào Cai", "760,39"], ["2", "Huyện Bắc Hà", "722,52"]]
    ]
