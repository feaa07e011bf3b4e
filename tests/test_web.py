"""Web pages end to end: portal tables, national rankings and news prose against their truth; bad pages."""

from __future__ import annotations

import pandas as pd
import pytest

from extractors.html_page import read_html_page
from pipeline.process import NoRankingTableError, process_file
from tests.conftest import run_on
from tests.truth import RAW, component_mismatches, document_mismatches, score_mismatches, truth_csv

CASES = [
    ("laocai-2024-dti2023-portal.html", "laocai-2024-dti2023"),
    ("national-2023-dti2022-provinces.html", "national-2023-dti2022"),
    ("laocai-2024-news-dti2023.html", "laocai-2024-news-dti2023"),
    ("laocai-2023-news-dti2022.html", "laocai-2023-news-dti2022"),
    ("national-2018-ict2017-provinces-test.html", "national-2018-ict2017-provinces-test"),
    ("national-2020-ict2019-ministries-test.html", "national-2020-ict2019-ministries-test"),
    ("yenbai-2024-news-khoi-test.html", "yenbai-2024-news-khoi-test"),
    ("thainguyen-2025-news-capxa-test.html", "thainguyen-2025-news-capxa-test"),
    ("caobang-2024-news-ranks-test.html", "caobang-2024-news-ranks-test"),
    ("laocai-2023-news-national-place-test.html", "laocai-2023-news-national-place-test"),
    ("caobang-2023-dti2022-portal-pillars-test.html", "caobang-2023-dti2022-portal-pillars-test"),
    ("hagiang-2024-dti2023-portal-prose-test.html", "hagiang-2024-dti2023-portal-prose-test"),
    ("sonla-2024-dti2023-portal-index-test.html", "sonla-2024-dti2023-portal-index-test"),
    ("hagiang-2023-news-lists-test.html", "hagiang-2023-news-lists-test"),
    ("backan-2024-news-maxima-test.html", "backan-2024-news-maxima-test"),
    ("tuyenquang-2024-news-of-max-test.html", "tuyenquang-2024-news-of-max-test"),
]


@pytest.fixture(scope="module")
def web_run(tmp_path_factory):
    return run_on(tmp_path_factory.mktemp("web"), [RAW / f for f, _ in CASES])


@pytest.mark.parametrize("file_name,truth_id", CASES)
@pytest.mark.slow
def test_scores_exact(web_run, file_name, truth_id):
    assert score_mismatches(web_run.rows("scores", file_name), truth_id) == []


@pytest.mark.parametrize("file_name,truth_id", CASES)
@pytest.mark.slow
def test_document_exact(web_run, file_name, truth_id):
    doc = web_run.doc(file_name)
    assert doc["status"] == "ok" and doc["text_source"] == "html"
    assert document_mismatches(doc, truth_id) == []


@pytest.mark.parametrize("file_name,truth_id", CASES)
@pytest.mark.slow
def test_components_exact(web_run, file_name, truth_id):
    assert component_mismatches(web_run.rows("components", file_name), truth_id) == []


@pytest.mark.slow
def test_portal_averages_and_no_issues(web_run):
    averages = process_file(RAW / "laocai-2024-dti2023-portal.html").averages
    truth = truth_csv("laocai-2024-dti2023", "averages")
    got = {(r.group_code, r.row_label): r.average for r in averages.itertuples()}
    assert got == {(t.group_code, t.row_label): float(t.average) for t in truth.itertuples()}
    issues = web_run.rows("issues", "laocai-2024-dti2023-portal.html")
    assert set(issues["code"]) - {"unresolved_unit"} == set()


@pytest.mark.slow
def test_national_rows_carry_the_ranked_province(web_run):
    scores = web_run.rows("scores", "national-2023-dti2022-provinces.html")
    by_name = dict(zip(scores["unit_name_raw"], scores["province"]))
    assert by_name["TP. Đà Nẵng"] == "Đà Nẵng" and by_name["Thừa Thiên - Huế"] == "Thừa Thiên Huế"
    assert by_name["TP. Hồ Chí Minh"] == "Hồ Chí Minh" and by_name["Lào Cai"] == "Lào Cai"
    assert scores["province"].notna().all() and scores["province"].nunique() == 63
    tied = scores[scores["rank"] == 15]
    assert sorted(tied["unit_name_raw"]) == ["Thanh Hóa", "Yên Bái"] and 16 not in set(scores["rank"])
    ministries = web_run.rows("scores", "national-2020-ict2019-ministries-test.html")
    assert ministries["province"].isna().all()


@pytest.mark.slow
def test_news_confidence_below_one(web_run):
    scores = web_run.rows("scores", "laocai-2024-news-dti2023.html")
    assert (scores["confidence"] < 1).all()


def _page(body: str) -> bytes:
    head = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Trang</title></head>"
    return f"{head}<body>{body}</body></html>".encode()


@pytest.mark.parametrize(
    "body",
    [
        "<table><tr><td><a href='/'>Trang chủ</a></td><td><a href='/tin'>Tin tức</a></td><td>Liên hệ</td></tr></table>",
        "<h2>Lịch công tác tuần</h2><table><tr><th>Thứ</th><th>Ngày</th><th>Nội dung</th></tr>"
        "<tr><td>Hai</td><td>12</td><td>Họp giao ban</td></tr>"
        "<tr><td>Ba</td><td>13</td><td>Tiếp dân</td></tr></table>",
        "<h2>Bảng giá</h2><table><tr><th>Mặt hàng</th><th>Đơn giá (đồng)</th></tr>"
        "<tr><td>Gạo tẻ</td><td>18.000</td></tr>"
        "<tr><td>Thịt lợn</td><td>120.000</td></tr></table>",
    ],
)
def test_tables_that_are_not_rankings(tmp_path, body):
    path = tmp_path / "page.html"
    path.write_bytes(_page(body))
    with pytest.raises(NoRankingTableError, match="not ranking tables"):
        process_file(path)


def test_cut_page_keeps_complete_rows(tmp_path):
    html = (RAW / "national-2023-dti2022-provinces.html").read_text(encoding="utf-8")
    cut = html[: html.index("<td>0.6350</td>") if "<td>0.6350</td>" in html else html.index("0.6350")]
    path = tmp_path / "cut.html"
    path.write_text(cut, encoding="utf-8")
    result = process_file(path)
    truth = truth_csv("national-2023-dti2022", "scores")
    assert list(result.scores["unit_name_raw"]) == list(truth["unit_name"][:14])
    assert list(result.scores["total_score"]) == [float(v) for v in truth["total_score"][:14]]
    cuts = [i for i in result.issues if i.code == "table_cut"]
    assert len(cuts) == 1 and "ends inside a table" in cuts[0].message


def test_page_fetches_nothing(monkeypatch):
    import socket
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("a page must not be a reason to fetch anything")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    page = read_html_page(
        b'<!DOCTYPE html SYSTEM "http://example.invalid/x.dtd"><html><head><script src="http://example.invalid/a.js">'
        b'</script><link rel="stylesheet" href="http://example.invalid/s.css"></head><body><article>'
        b'<img src="http://example.invalid/i.png"><iframe src="http://example.invalid/f"></iframe>'
        b"<p>&eacute;&amp;&#273;</p></article></body></html>"
    )
    assert page.text == "é&đ"


@pytest.mark.slow
def test_national_place_joins_the_national_table(web_run):
    """A province's place stated in a news article agrees with the ministry's table, joined on province and year."""
    said = web_run.rows("scores", "laocai-2023-news-national-place-test.html")
    table = web_run.rows("scores", "national-2023-dti2022-provinces.html")
    joined = said.merge(table, on=["province", "assessment_year", "framework"], suffixes=("_news", "_table"))
    assert set(joined["province"]) == {"Lào Cai", "Lạng Sơn", "Cao Bằng"}
    assert (joined["rank_news"] == joined["rank_table"]).all()
    stated = joined.dropna(subset=["total_score_news"])
    assert list(stated["total_score_news"]) == list(stated["total_score_table"]) and len(stated) == 2


def test_prose_against_table_is_a_second_reading(tmp_path):
    html = (RAW / "laocai-2024-dti2023-portal.html").read_text(encoding="utf-8")
    agree = "<p>Trong nhóm các cơ quan, đơn vị có thủ tục hành chính, Sở Y tế đứng thứ hai với 717,70 điểm.</p>"
    differ = "<p>Trong nhóm các cơ quan, đơn vị có thủ tục hành chính, Sở Y tế đứng thứ ba với 720,00 điểm.</p>"
    notes = {}
    for label, sentence in (("agree", agree), ("differ", differ)):
        path = tmp_path / f"{label}.html"
        path.write_text(
            html.replace("<h2>Kết quả đánh giá, xếp hạng</h2>", sentence + "<h2>Kết quả đánh giá, xếp hạng</h2>"),
            encoding="utf-8",
        )
        result = process_file(path)
        assert (
            len(result.scores) == 48
            and result.scores.loc[result.scores["unit_name_raw"] == "Sở Y tế", "total_score"].item() == 717.70
        )
        notes[label] = [i.message for i in result.issues if i.code == "source_contradiction"]
    assert notes["agree"] == []
    assert len(notes["differ"]) == 2 and all("Sở Y tế" in n for n in notes["differ"])
    assert any("720,00" in n and "717,70" in n for n in notes["differ"])


def test_html_table_becomes_a_grid_with_spans():
    page = read_html_page((RAW / "laocai-2024-dti2023-portal.html").read_bytes())
    assert [len(g.cells) for g in page.content.grids] and len(page.content.grids) == 3
    grid = page.content.grids[0]
    assert (grid.n_rows, grid.n_cols) == (21, 5)  # two header rows, 18 units, the average row
    name = grid.anchored(0, 1)
    assert (name.text, name.rowspan, name.colspan) == ("Tên cơ quan", 2, 1)
    parent = grid.anchored(0, 2)
    assert (parent.text, parent.colspan) == ("Kết quả đánh giá", 2) and grid.cell_at(0, 3) is parent
    assert grid.anchored(1, 2).text == "Tổng điểm" and grid.anchored(20, 0).colspan == 2
    text = page.text
    assert "2.1. Nhóm các cơ quan, đơn vị có thủ tục hành chính" in [ln.text for ln in page.content.lines]
    for chrome in ("Trang chủ", "Cổng thông tin điện tử tỉnh Lào Cai", "Dịch vụ công"):
        assert chrome not in text


def test_page_in_a_legacy_charset(tmp_path):
    """A page saved as windows-1258 (Vietnamese, combining tone marks) reads as its UTF-8 original."""
    html = (RAW / "laocai-2024-news-dti2023.html").read_text(encoding="utf-8")
    import unicodedata

    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

    def cp1258_form(
        ch: str,
    ) -> str:  # base letters precomposed (â, ơ, ư), tone marks combining, as the code page stores them
        parts = unicodedata.normalize("NFD", ch)
        return unicodedata.normalize("NFC", "".join(p for p in parts if p not in tones)) + "".join(
            p for p in parts if p in tones
        )

    legacy = "".join(cp1258_form(ch) for ch in html.replace('charset="utf-8"', 'charset="windows-1258"'))
    path = tmp_path / "legacy.html"
    path.write_bytes(legacy.encode("cp1258", errors="strict"))
    got = process_file(path).scores[["unit_name_raw", "rank", "total_score", "score_pct_printed"]]
    want = process_file(RAW / "laocai-2024-news-dti2023.html").scores[
        ["unit_name_raw", "rank", "total_score", "score_pct_printed"]
    ]
    pd.testing.assert_frame_equal(got, want)


def test_cut_page_with_unclosed_rows(tmp_path):
    """HTML lets rows omit </tr>: a cut table keeps the rows before the last, which may have lost cells."""
    rows = "".join(
        f"<tr><td>{i}<td>{name}<td>0.{800 - i}0" for i, name in enumerate(["Lào Cai", "Yên Bái", "Hà Giang"], 1)
    )
    page = _page(
        "<h2>Xếp hạng DTI cấp tỉnh năm 2022</h2><table><tr><th>Xếp hạng<th>Tỉnh, thành phố<th>Chỉ số DTI"
        + rows
        + "<tr><td>4<td>Cao B"
    )
    path = tmp_path / "cut.html"
    path.write_bytes(page)
    result = process_file(path)
    assert list(result.scores["unit_name_raw"]) == ["Lào Cai", "Yên Bái", "Hà Giang"]
    assert list(result.scores["total_score"]) == [0.799, 0.798, 0.797]
    assert [i.code for i in result.issues if i.code == "table_cut"] == ["table_cut"]


def test_a_saved_table_fragment_is_a_web_page(tmp_path):
    html = (RAW / "national-2023-dti2022-provinces.html").read_text(encoding="utf-8")
    fragment = html[html.index("<h2>") : html.index("</table>") + len("</table>")]
    path = tmp_path / "fragment.html"
    path.write_text(fragment, encoding="utf-8")
    result = process_file(path)
    assert result.document["framework"] == "dti_province" and len(result.scores) == 63
    assert score_mismatches(result.scores, "national-2023-dti2022") == []


@pytest.mark.parametrize(
    "printed,province",
    [
        ("TP. Đà Nẵng", "Đà Nẵng"),
        ("Thừa Thiên - Huế", "Thừa Thiên Huế"),
        ("TP.HCM", "Hồ Chí Minh"),
        ("Tỉnh Lào Cai", "Lào Cai"),
        ("Hoà Bình", "Hòa Bình"),
        ("Bà Rịa-Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("TP. Huế", "Huế"),
        ("Sở Y tế", None),
        ("Bộ Tài chính", None),
    ],
)
def test_province_as_national_tables_print_it(printed, province):
    from extractors.national import province_of

    assert province_of(printed) == province


def test_ordered_list_items_keep_the_numbers_a_browser_shows():
    from extractors.html_page import read_html_page

    page = read_html_page(
        "<html><body><article><h1>T</h1><ol><li>Sở A</li><li>Sở B</li></ol><ol start='4'><li>Sở C</li>"
        "<li value='9'>Sở D</li><li>Sở E</li></ol><ol reversed><li>Sở F</li><li>Sở G</li></ol>"
        "<ol type='a'><li>Sở H</li></ol><ul><li>Sở I</li></ul></article></body></html>"
    )
    assert [line.text for line in page.content.lines][1:] == [
        "1. Sở A",
        "2. Sở B",
        "4. Sở C",
        "9. Sở D",
        "10. Sở E",
        "2. Sở F",
        "1. Sở G",
        "Sở H",
        "Sở I",
    ]
