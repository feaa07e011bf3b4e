"""The news page about QĐ 791/QĐ-UBND against its truth (tests/fixtures/truth/laocai-2023-news-dti2022.*)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from extractors.html_page import read_html_page
from extractors.news import NewsFormatError, is_news_html, read_news_html, read_news_page
from normalizers.knowledge import DATA_DIR, load_knowledge_bundle

FIXTURES = Path(__file__).parent / "fixtures"
HTML = FIXTURES / "raw" / "laocai-2023-news-dti2022.html"
TRUTH = FIXTURES / "truth" / "laocai-2023-news-dti2022"


@pytest.fixture(scope="module")
def html() -> bytes:
    return HTML.read_bytes()


@pytest.fixture(scope="module")
def doc(html):
    return read_news_html(html)


@pytest.fixture(scope="module")
def truth() -> list[dict]:
    with open(f"{TRUTH}.scores.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def meta() -> dict:
    return json.loads(Path(f"{TRUTH}.meta.json").read_text(encoding="utf-8"))


def _printed_number(value: str) -> float:
    return float(value.replace(".", "").replace(",", "."))


def test_rows_match_truth(doc, truth):
    got = [(t.group_code, t.group_title, row) for t in doc.tables for row in t.rows]
    assert len(got) == len(truth) == 19
    for want, (code, title, row) in zip(truth, got):
        assert code == want["group_code"]
        assert title == want["group_title"]
        assert row.name == want["unit_name"]
        assert row.rank == want["rank"]
        assert _printed_number(row.total) == pytest.approx(float(want["total_score"]))
        assert row.tier == want["tier"]
        assert row.evaluated is (want["evaluated"] == "true")
        assert row.confidence == 0.8


def test_totals_keep_printed_precision(doc):
    totals = {row.name: row.total for t in doc.tables for row in t.rows}
    assert totals["Sở Giáo dục và Đào tạo"] == "625,3"
    assert totals["Sở Du lịch"] == "235,40"
    assert totals["Ban Tuyên giáo Tỉnh uỷ"] == "402,00"


def test_document_facts(doc, meta):
    assert doc.source_kind == meta["source_kind"] == "news_article"
    assert doc.text_source == "html"
    assert doc.pages is None
    assert doc.province == meta["province"]
    assert doc.issuer == meta["issuer"]
    assert doc.decision_number == meta["decision_number"] == "791/QĐ-UBND"
    assert doc.decision_date == meta["decision_date"] == "2023-04-11"
    assert doc.assessment_year == meta["assessment_year"] == 2022
    assert doc.framework == meta["framework"]
    assert doc.default_confidence == 0.8


def test_group_maxima_as_printed(doc, meta):
    assert doc.group_maxima == {"tthc": "1.000", "khong_tthc": "750", "huyen": "1.000"}
    for group in meta["groups"]:
        assert _printed_number(doc.group_maxima[group["group_code"]]) == group["max_score"]


def test_tier_rules_as_quoted(doc, meta):
    quoted = [(r.label, r.pct_gt, r.pct_le) for r in doc.tier_rules]
    want = [(t["tier"].lower(), t["pct_gt"], t["pct_le"]) for t in meta["tier_thresholds"]["tiers"]]
    assert quoted == want


def test_notes_name_the_contradictions(doc):
    about = [n for n in doc.notes if "Sở Du lịch" in n]
    assert any("Hoàn thành" in n and "23.54%" in n for n in about)
    assert any("no unit is at 'khởi động'" in n for n in about)
    assert all("Sở Du lịch" in n for n in doc.notes)


def test_chrome_gives_no_rows_or_text(html, doc):
    assert "Đang online" not in doc.text and "24°" not in doc.text and "Đăng nhập" not in doc.text
    assert "Cơ quan chủ quản" not in doc.text and "Tỉnh Lào Cai tổ chức phát động" not in doc.text
    # A score-like sentence in the sidebar, the related box or the footer is not the article's.
    noisy = (
        html.replace(
            "<li>Đang online: 13</li>".encode(),
            "<li>Sở Y tế đứng đầu với 900,5 điểm</li>".encode(),
        )
        .replace(
            "Tỉnh Lào Cai tổ chức phát động".encode(),
            "Đối với nhóm các huyện, thị xã, thành phố: huyện Sa Pa dẫn đầu với 999,9 điểm".encode(),
        )
        .replace("Cơ quan chủ quản".encode(), "Sở Xây dựng đứng đầu với 800 điểm. Cơ quan chủ quản".encode())
    )
    assert noisy != html
    names = {row.name for t in read_news_html(noisy).tables for row in t.rows}
    assert names == {row.name for t in doc.tables for row in t.rows}


def test_routing(html):
    assert is_news_html(html)
    assert not is_news_html(b"%PDF-1.7\n...")


def test_reworded_article():
    """Other wording and order of the same kind of statements."""
    page = """<html><body><div class="detail-content">
    <p>Theo Quyết định số 120/QĐ-UBND ngày 5 tháng 3 năm 2024 của Ủy ban nhân dân tỉnh Yên Bái, thang điểm
    tối đa 1.000 điểm. Kết quả xếp hạng chuyển đổi số năm 2023:</p>
    <p>Tại nhóm các huyện, thị xã, thành phố: huyện Trấn Yên xếp thứ nhất với 701,5 điểm, đạt mức Nâng cao;
    xếp thứ hai là thị xã Nghĩa Lộ với 690,25 điểm.</p>
    </div><div class="sidebar">Hôm nay: 669</div></body></html>"""
    doc = read_news_html(page)
    assert (doc.decision_number, doc.decision_date, doc.issuer) == ("120/QĐ-UBND", "2024-03-05", "UBND tỉnh Yên Bái")
    assert doc.group_maxima == {"huyen": "1.000"}
    rows = [(r.rank, r.name, r.total, r.tier) for r in doc.tables[0].rows]
    assert rows == [("1", "huyện Trấn Yên", "701,5", "Nâng cao"), ("2", "thị xã Nghĩa Lộ", "690,25", None)]


def test_page_without_article_is_an_error():
    with pytest.raises(NewsFormatError):
        read_news_html("<html><body><nav>Trang chủ</nav></body></html>")


def test_more_phrasings_of_scores_ranks_and_tiers():
    """ICT article: 'với số điểm', 'xếp thứ 3/18' (a rank after a rank word), 'xếp loại Tốt', a count '12/18' ranks nobody."""
    page = """<html><body><article><h1>Kết quả xếp hạng ứng dụng công nghệ thông tin năm 2019</h1>
    <p>Trong nhóm các sở, ban, ngành, có 12/18 đơn vị đạt mức tốt. Sở Nội vụ dẫn đầu với số điểm 91,5, xếp loại Tốt;
    Sở Tư pháp xếp thứ 3/18 với 88 điểm; Ban Dân tộc đứng thứ nhì, đạt 89,25 điểm.</p></article></body></html>"""
    doc = read_news_html(page)
    assert doc.framework == "ict_index" and doc.assessment_year == 2019
    rows = [(r.rank, r.name, r.total, r.percent, r.tier) for t in doc.tables for r in t.rows]
    assert rows == [
        ("1", "Sở Nội vụ", "91,5", None, "Tốt"),
        ("3", "Sở Tư pháp", "88", None, None),
        ("2", "Ban Dân tộc", "89,25", None, None),
    ]


def test_the_printed_tier_against_the_thresholds_is_reported_once():
    """Sở Du lịch is printed at 'Hoàn thành' with 235,40 of 1.000 points (23.54%, 'khởi động' by the
    quoted thresholds): that is check_tiers' one tier_inconsistent on the row, not also a prose note.
    The one note left is the article's own claim that no unit is at 'khởi động'."""
    from normalizers.frameworks import load_knowledge
    from pipeline.process import process_file
    from schemas.issue_codes import IssueCode

    issues = process_file(HTML, knowledge=load_knowledge()).issues
    tier = [i for i in issues if i.code == IssueCode.TIER_INCONSISTENT]
    assert [(i.unit_name_raw, i.printed, i.expected) for i in tier] == [("Sở Du lịch", "Hoàn thành", "khoi_dong")]
    notes = [i.message for i in issues if i.code == IssueCode.SOURCE_CONTRADICTION]
    assert notes == [
        "The article says no unit is at 'khởi động', yet Sở Du lịch (printed at 'Hoàn thành', 235,40 of 1.000 "
        "points, 23.54%) falls in it by the quoted thresholds."
    ]


def test_the_article_is_read_with_the_wording_of_the_bundle_it_is_given(html, meta, tmp_path):
    """read_news_page passes its bundle down: an officer's edited news_wording.yaml is what is applied."""
    shipped = (DATA_DIR / "news_wording.yaml").read_text(encoding="utf-8")
    edited = shipped.replace("issuer_name: 'UBND tỉnh {province}'", "issuer_name: 'Ủy ban nhân dân tỉnh {province}'")
    assert edited != shipped
    (tmp_path / "news_wording.yaml").write_text(edited, encoding="utf-8")
    page = read_html_page(html)
    assert read_news_page(page).issuer == meta["issuer"] == "UBND tỉnh Lào Cai"
    doc = read_news_page(page, load_knowledge_bundle(tmp_path))
    assert doc.issuer == "Ủy ban nhân dân tỉnh Lào Cai"
    assert doc.decision_number == meta["decision_number"]  # the rest of the wording is the shipped one


def _rows(doc) -> list[tuple]:
    return [(t.group_code, r.rank, r.name, r.total) for t in doc.tables for r in t.rows]


def test_a_sentence_stating_one_groups_maximum_opens_its_section():
    """'Theo đó, khối sở, ban, ngành có 19 đơn vị được đánh giá với thang điểm tối đa 1.000 điểm.' names one
    group: its units follow in the next sentences (the decision's scope sentence, naming every group, opens none).
    'có 19 đơn vị được đánh giá' is the group's size, so its last unit ranks 19; 'tiếp tục' is not in the name."""
    page = """<html><body><article><h1>Yên Bái công bố chỉ số chuyển đổi số năm 2023</h1>
    <p>UBND tỉnh Yên Bái vừa ban hành Quyết định số 712/QĐ-UBND ngày 10/4/2024 công bố kết quả đánh giá mức độ
    chuyển đổi số năm 2023 của các sở, ban, ngành và UBND các huyện, thị xã, thành phố.</p>
    <p>Theo đó, khối sở, ban, ngành có 19 đơn vị được đánh giá với thang điểm tối đa 1.000 điểm. Sở Thông tin và
    Truyền thông tiếp tục dẫn đầu với 856,40 điểm; Sở Tư pháp đứng thứ hai với 801,25 điểm. Đơn vị xếp cuối là
    Ban Dân tộc với 512,30 điểm.</p>
    <p>Đối với khối huyện, thị xã, thành phố, thành phố Yên Bái đứng đầu với 845,72 điểm.</p></article></body></html>"""
    doc = read_news_html(page)
    assert _rows(doc) == [
        ("so_ban_nganh", "1", "Sở Thông tin và Truyền thông", "856,40"),
        ("so_ban_nganh", "2", "Sở Tư pháp", "801,25"),
        ("so_ban_nganh", "19", "Ban Dân tộc", "512,30"),
        ("huyen", "1", "thành phố Yên Bái", "845,72"),
    ]
    assert [t.group_title for t in doc.tables] == ["khối sở, ban, ngành", "khối huyện, thị xã, thành phố"]
    assert doc.group_maxima == {"so_ban_nganh": "1.000"}


@pytest.mark.parametrize("listed", ["numbers", "ol"])
def test_a_numbered_list_ranks_its_units(listed):
    """'1. Sở Thông tin và Truyền thông: 702,5 điểm' under 'Khối sở, ban, ngành (thang điểm 1.000):', typed or
    an <ol> (whose numbers only the browser shows); the date opening the sentence that signs the decision is its date."""
    groups = {
        "Khối sở, ban, ngành (thang điểm 1.000):": [
            ("Sở Thông tin và Truyền thông", "702,5"),
            ("Sở Tài chính", "655,0"),
        ],
        "Khối huyện, thành phố (thang điểm 1.000):": [("Thành phố Hà Giang", "688,2"), ("Huyện Bắc Quang", "610,4")],
    }
    body = ""
    for heading, units in groups.items():
        if listed == "numbers":
            items = "".join(f"<p>{i}. {name}: {total} điểm</p>" for i, (name, total) in enumerate(units, 1))
        else:
            items = "<ol>" + "".join(f"<li>{name}: {total} điểm</li>" for name, total in units) + "</ol>"
        body += f"<p><strong>{heading}</strong></p>{items}"
    page = f"""<html><body><article><h1>Kết quả xếp hạng chỉ số chuyển đổi số năm 2022</h1>
    <p>Ngày 18/5/2023, Chủ tịch UBND tỉnh Hà Giang đã ký Quyết định số 1024/QĐ-UBND phê duyệt kết quả đánh giá
    chỉ số chuyển đổi số (DTI) năm 2022 của các sở, ban, ngành và UBND các huyện, thành phố.</p>{body}
    </article></body></html>"""
    doc = read_news_html(page)
    assert (doc.decision_number, doc.decision_date, doc.province) == ("1024/QĐ-UBND", "2023-05-18", "Hà Giang")
    assert _rows(doc) == [
        ("so_ban_nganh", "1", "Sở Thông tin và Truyền thông", "702,5"),
        ("so_ban_nganh", "2", "Sở Tài chính", "655,0"),
        ("huyen", "1", "Thành phố Hà Giang", "688,2"),
        ("huyen", "2", "Huyện Bắc Quang", "610,4"),
    ]
    assert doc.group_maxima == {"so_ban_nganh": "1.000", "huyen": "1.000"}


def test_a_total_of_its_maximum_is_the_total():
    """'đạt 812,4/1.000 điểm' is 812,4 of 1.000: the maximum is not the unit's total, and it is the group's maximum."""
    page = """<html><body><article><h1>Tuyên Quang: chỉ số chuyển đổi số năm 2023</h1>
    <p>Ở khối các sở, ban, ngành, Sở Tài chính đạt 812,4/1.000 điểm, xếp thứ nhất; Sở Tư pháp đạt 790,55/1.000
    điểm, xếp thứ 2.</p></article></body></html>"""
    doc = read_news_html(page)
    assert _rows(doc) == [("so_ban_nganh", "1", "Sở Tài chính", "812,4"), ("so_ban_nganh", "2", "Sở Tư pháp", "790,55")]
    assert doc.group_maxima == {"so_ban_nganh": "1.000"}


def test_a_maximum_the_article_does_not_print_is_said_to_be_assumed(tmp_path):
    """No maximum in the article: the framework's 1000 is used and an info issue says so; totals that are all
    at most 1 are a 0-1 index (maximum 1, a warning), not 0,07% of 1000 points ('khởi động')."""
    from pipeline.process import process_file
    from schemas.issue_codes import IssueCode

    page = """<html><body><article><h1>Điện Biên công bố chỉ số chuyển đổi số năm 2023</h1>
    <p>Trong nhóm các sở, ban, ngành, dẫn đầu là Sở Thông tin và Truyền thông với 0,7215 điểm; thứ hai là Sở Tư
    pháp đạt 0,6982 điểm.</p>
    <p>Trong nhóm các huyện, thị xã, thành phố, thành phố Điện Biên Phủ dẫn đầu với 665,4 điểm.</p>
    </article></body></html>"""
    path = tmp_path / "dienbien-news.html"
    path.write_text(page, encoding="utf-8")
    result = process_file(path)
    scores = {r["unit_name_raw"]: r for r in result.scores.to_dict("records")}
    assert scores["Sở Thông tin và Truyền thông"]["max_score"] == 1.0
    assert scores["Sở Thông tin và Truyền thông"]["score_pct"] == pytest.approx(72.15)
    assert scores["Sở Thông tin và Truyền thông"]["tier"] == "nang_cao"
    assert scores["thành phố Điện Biên Phủ"]["max_score"] == 1000.0
    about = {(i.code, i.group_code, i.severity) for i in result.issues if i.field == "max_score"}
    assert about == {
        (IssueCode.SCALE_FROM_VALUES, "so_ban_nganh", "warning"),
        (IssueCode.MAX_ASSUMED, "huyen", "info"),
    }


def test_inline_list_numbers_bare_city_abbreviations_and_a_count_of_communes():
    """'Khối huyện, thành phố: 1- Thành phố Lai Châu (790,5 điểm); 2- Huyện Tam Đường ...' ranks inline; 'TP Hạ
    Long' / 'TX Quảng Yên' are units without the abbreviation's dot; 'trong 99 xã, phường' names the commune group
    and its size."""
    page = """<html><body><article><h1>Chỉ số chuyển đổi số năm 2023</h1>
    <p>Khối huyện, thành phố: 1- Thành phố Lai Châu (790,5 điểm); 2- Huyện Tam Đường (742,1 điểm).</p>
    <p>Ở khối địa phương, TP Hạ Long tiếp tục dẫn đầu với 902,61 điểm; TX Quảng Yên đứng thứ 3 với 873,20 điểm.</p>
    <p>Theo Quyết định số 301/QĐ-UBND ngày 10/02/2025, trong 99 xã, phường, phường Cam Đường dẫn đầu với 801,5
    điểm, xã Cốc San xếp cuối với 412,0 điểm.</p></article></body></html>"""
    doc = read_news_html(page)
    assert _rows(doc) == [
        ("huyen", "1", "Thành phố Lai Châu", "790,5"),
        ("huyen", "2", "Huyện Tam Đường", "742,1"),
        ("huyen", "1", "TP Hạ Long", "902,61"),
        ("huyen", "3", "TX Quảng Yên", "873,20"),
        ("xa", "1", "phường Cam Đường", "801,5"),
        ("xa", "99", "xã Cốc San", "412,0"),
    ]


def test_each_groups_maximum_in_one_sentence_opens_no_section():
    """'Thang điểm đánh giá đối với các sở, ban, ngành là 1.000 điểm, đối với UBND các huyện, thành phố là
    1.000 điểm.' states two groups' maxima: it opens neither section (else the departments that follow would be
    published as districts), and each group gets its maximum."""
    page = """<html><body><article><h1>Kết quả đánh giá chuyển đổi số năm 2023 của tỉnh Bắc Kạn</h1>
    <p>Thang điểm đánh giá đối với các sở, ban, ngành là 1.000 điểm, đối với UBND các huyện, thành phố là 1.000
    điểm.</p>
    <p>Đối với các sở, ban, ngành: Sở Thông tin và Truyền thông xếp thứ nhất, đạt 78,45%, mức Dẫn dắt; Sở Y tế
    xếp thứ ba, đạt 72,30%, mức Nâng cao.</p>
    <p>Đối với UBND các huyện, thành phố: thành phố Bắc Kạn xếp thứ nhất, đạt 80,05%.</p></article></body></html>"""
    doc = read_news_html(page)
    rows = [(t.group_code, r.rank, r.name, r.percent, r.tier) for t in doc.tables for r in t.rows]
    assert rows == [
        ("so_ban_nganh", "1", "Sở Thông tin và Truyền thông", "78,45", "Dẫn dắt"),
        ("so_ban_nganh", "3", "Sở Y tế", "72,30", "Nâng cao"),
        ("huyen", "1", "thành phố Bắc Kạn", "80,05", None),
    ]
    assert doc.group_maxima == {"so_ban_nganh": "1.000", "huyen": "1.000"}


def test_a_national_place_keeps_the_ministrys_decision():
    page = """<html><body><article><h1>Lào Cai tăng 5 bậc về chỉ số chuyển đổi số cấp tỉnh năm 2023</h1>
    <p>Theo Quyết định số 1278/QĐ-BTTTT ngày 17/7/2024 của Bộ Thông tin và Truyền thông công bố Bộ chỉ số đánh giá
    chuyển đổi số năm 2023, tỉnh Lào Cai đạt 0,5139 điểm, xếp thứ 24/63 tỉnh, thành phố.</p></article></body></html>"""
    doc = read_news_html(page)
    assert (doc.decision_number, doc.decision_date, doc.assessment_year) == ("1278/QĐ-BTTTT", "2024-07-17", 2023)
    assert [(r.name, r.rank, r.total) for t in doc.tables for r in t.rows] == [("Lào Cai", "24", "0,5139")]


def test_a_department_among_the_districts_is_reported(tmp_path):
    """A row resolved to a department in the district group is a misread section or name: group_unit_mismatch
    names it; the districts beside it raise nothing."""
    from tests.conftest import run_on

    page = """<html><body><article><h1>Lào Cai công bố kết quả chuyển đổi số năm 2023</h1>
    <p>Trong nhóm các huyện, thị xã, thành phố, thành phố Lào Cai dẫn đầu với 760,39 điểm; Sở Y tế xếp thứ hai với
    717,7 điểm; huyện Bắc Hà xếp thứ ba với 722,5 điểm.</p></article></body></html>"""
    path = tmp_path / "laocai-news.html"
    path.write_text(page, encoding="utf-8")
    cur = run_on(tmp_path / "run", [path])
    scores = cur.rows("scores", path.name)
    assert dict(zip(scores["unit_name_raw"], scores["unit_id"])) == {
        "thành phố Lào Cai": "lci.tp_lao_cai",
        "Sở Y tế": "lci.so_y_te",
        "huyện Bắc Hà": "lci.huyen_bac_ha",
    }
    issues = cur.rows("issues", path.name)
    mismatches = issues[issues["code"] == "group_unit_mismatch"]
    assert list(zip(mismatches["unit_name_raw"], mismatches["group_code"], mismatches["expected"])) == [
        ("Sở Y tế", "huyen", "lci.so_y_te")
    ]


def test_a_national_article_lists_the_leading_provinces_with_their_indexes():
    """'5 địa phương dẫn đầu lần lượt là: Đà Nẵng (0,6017), Hà Nội (0,5902), ...': bare province names, ranked in
    order because the list leads and is 'lần lượt'; a province placed in its own words keeps its stated rank."""
    page = """<html><body><article><h1>Bộ TT&TT công bố chỉ số chuyển đổi số DTI năm 2023</h1>
    <p>Ở cấp tỉnh, 3 địa phương dẫn đầu lần lượt là: Đà Nẵng (0,6017), Hà Nội (0,5902) và Thừa Thiên Huế
    (0,5745).</p>
    <p>Tỉnh Lào Cai đạt 0,5139, xếp thứ 24/63.</p></article></body></html>"""
    doc = read_news_html(page)
    assert doc.framework == "dti_province" and doc.assessment_year == 2023
    assert [(r.name, r.rank, r.total) for t in doc.tables for r in t.rows] == [
        ("Đà Nẵng", "1", "0,6017"),
        ("Hà Nội", "2", "0,5902"),
        ("Thừa Thiên Huế", "3", "0,5745"),
        ("Lào Cai", "24", "0,5139"),
    ]


def test_respectively_shares_each_list_out_in_order():
    """'A, B và C, lần lượt đạt 97 điểm, 95 điểm và 91,5 điểm, cùng xếp loại Tốt' and 'X và Y lần lượt xếp thứ hai,
    thứ ba với 88 điểm và 85,5 điểm': each unit gets its own value (C used to get A's 97, Y to get X's rank and
    total); a list of another length than the names is given to nobody."""
    page = """<html><body><article><h1>Kết quả đánh giá mức độ ứng dụng CNTT năm 2016</h1>
    <p>Ở khối các cơ quan, đơn vị cấp tỉnh, 3 đơn vị dẫn đầu là Sở Thông tin và Truyền thông, Sở Tài chính và Sở Kế
    hoạch và Đầu tư, lần lượt đạt 97 điểm, 95 điểm và 91,5 điểm, cùng xếp loại Tốt.</p>
    <p>Ở khối các huyện, thành phố, thành phố Lào Cai dẫn đầu với 92 điểm; huyện Bảo Thắng và huyện Sa Pa lần lượt
    xếp thứ hai, thứ ba với 88 điểm và 85,5 điểm; huyện Bát Xát và huyện Văn Bàn lần lượt đạt 80 điểm.</p>
    </article></body></html>"""
    doc = read_news_html(page)
    rows = [(t.group_code, r.rank, r.name, r.total, r.tier) for t in doc.tables for r in t.rows]
    assert rows == [
        ("so_ban_nganh", "1", "Sở Thông tin và Truyền thông", "97", "Tốt"),
        ("so_ban_nganh", None, "Sở Tài chính", "95", "Tốt"),
        ("so_ban_nganh", None, "Sở Kế hoạch và Đầu tư", "91,5", "Tốt"),
        ("huyen", "1", "thành phố Lào Cai", "92", None),
        ("huyen", "2", "huyện Bảo Thắng", "88", None),
        ("huyen", "3", "huyện Sa Pa", "85,5", None),
    ]


def test_a_group_counted_in_its_phrase_and_a_unit_not_assessed():
    """'trong 20 sở, ban, ngành' and 'Trong 10 huyện, thành phố, thành phố Cao Bằng ...' name the groups (the city's
    'thành phố' stays in its name); 'huyện Quảng Hòa không được đánh giá' is a row with evaluated false."""
    page = """<html><body><article><h1>Cao Bằng: chỉ số chuyển đổi số năm 2022</h1>
    <p>Theo Quyết định số 943/QĐ-UBND ngày 27/7/2023 của UBND tỉnh Cao Bằng, trong 20 sở, ban, ngành, Sở Công
    Thương đạt điểm cao nhất với 822,3 điểm.</p>
    <p>Trong 10 huyện, thành phố, thành phố Cao Bằng đứng đầu với 785,6 điểm; huyện Quảng Hòa không được đánh
    giá.</p></article></body></html>"""
    doc = read_news_html(page)
    rows = [(t.group_code, r.rank, r.name, r.total, r.evaluated) for t in doc.tables for r in t.rows]
    assert rows == [
        ("so_ban_nganh", "1", "Sở Công Thương", "822,3", True),
        ("huyen", "1", "thành phố Cao Bằng", "785,6", True),
        ("huyen", None, "huyện Quảng Hòa", None, False),
    ]


def test_a_change_or_last_years_points_are_not_the_result():
    """'tăng 106,3 điểm so với năm 2022', 'từ 650,2 điểm năm 2022 lên 717,70 điểm', 'tăng 5 bậc': Sở Y tế's result is
    717,70 (it was published at last year's 650,2) and 'tăng 5 bậc' is not part of a name."""
    page = """<html><body><article><h1>Chỉ số chuyển đổi số năm 2023 của tỉnh Lào Cai tăng mạnh</h1>
    <p>Ở nhóm các cơ quan, đơn vị có thủ tục hành chính, Sở Lao động - Thương binh và Xã hội dẫn đầu với 731,61 điểm,
    tăng 106,3 điểm so với năm 2022; Sở Y tế xếp thứ hai, từ 650,2 điểm năm 2022 lên 717,70 điểm, đạt 71,77%, tăng
    6,5% so với năm 2022; Sở Tư pháp tăng 5 bậc, xếp thứ 3 với 708,4 điểm.</p></article></body></html>"""
    doc = read_news_html(page)
    assert [(r.rank, r.name, r.total, r.percent) for t in doc.tables for r in t.rows] == [
        ("1", "Sở Lao động - Thương binh và Xã hội", "731,61", None),
        ("2", "Sở Y tế", "717,70", "71,77"),
        ("3", "Sở Tư pháp", "708,4", None),
    ]


def test_the_party_and_mass_organisations_group_is_its_own():
    """'Khối cơ quan Đảng, Mặt trận Tổ quốc và các đoàn thể ...' ranks its own units: they used to be read into the
    departments' section before it, with a second rank 1."""
    page = """<html><body><article><h1>Kết quả chuyển đổi số năm 2023 của tỉnh Tuyên Quang</h1>
    <p>Khối các sở, ban, ngành: Sở Tài chính dẫn đầu với 812,4 điểm.</p>
    <p>Khối cơ quan Đảng, Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội: Ban Tuyên giáo Tỉnh ủy dẫn đầu với
    702,1 điểm; Ủy ban Mặt trận Tổ quốc tỉnh xếp thứ hai với 688,0 điểm.</p></article></body></html>"""
    doc = read_news_html(page)
    assert _rows(doc) == [
        ("so_ban_nganh", "1", "Sở Tài chính", "812,4"),
        ("dang_doan_the", "1", "Ban Tuyên giáo Tỉnh ủy", "702,1"),
        ("dang_doan_the", "2", "Ủy ban Mặt trận Tổ quốc tỉnh", "688,0"),
    ]
    assert doc.tables[1].group_title == "khối cơ quan Đảng, Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội"


def test_a_group_of_no_known_code_ends_the_section_above_it():
    """'Khối các cơ quan ngành dọc Trung ương: Kho bạc Nhà nước tỉnh dẫn đầu ...' is no group we know: its units are
    not read into the departments above it (nor published under a guessed group)."""
    page = """<html><body><article><h1>Kết quả chuyển đổi số năm 2023</h1>
    <p>Khối các sở, ban, ngành: Sở Tài chính dẫn đầu với 812,4 điểm.</p>
    <p>Khối các cơ quan ngành dọc Trung ương: Kho bạc Nhà nước tỉnh dẫn đầu với 790,0 điểm.</p>
    <p>Khối huyện, thành phố: thành phố Tuyên Quang dẫn đầu với 801,2 điểm.</p></article></body></html>"""
    assert _rows(read_news_html(page)) == [
        ("so_ban_nganh", "1", "Sở Tài chính", "812,4"),
        ("huyen", "1", "thành phố Tuyên Quang", "801,2"),
    ]
