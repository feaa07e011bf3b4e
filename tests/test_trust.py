"""Evidence before rows, no poison file, messages that point the right way (tracker issue 9).

The documents are made by ``tests/fixtures/make_trust_docs.py`` (committed under
``tests/fixtures/trust/``); damaged variants of them are made here in a temporary folder.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from extractors.evidence import (
    judge_document,
    judge_resolution,
    load_rules,
    looks_like_body,
    parse_rules,
)
from normalizers.frameworks import load_knowledge
from normalizers.knowledge import KnowledgeError
from pipeline.assemble import apply_registry_verdicts, assemble
from pipeline.batch import Found, Outcome, discover
from pipeline.cli import cli
from pipeline.process import NoRankingTableError, process_file
from pipeline.run import EXIT_QUARANTINED, load_registry
from schemas.raw import RawDocument, RawRow, RawTable
from tests.conftest import Curated
from tests.truth import FIXTURES, RAW, score_mismatches

TRUST = FIXTURES / "trust"
FOREIGN = "vn-cover-foreign-tables.pdf"
OUT_OF_RANGE = "out-of-range-cells.pdf"
NO_RANKING = "text-no-ranking.pdf"
GOOD = "laocai-2024-dti2023.pdf"
NO_PAGE_TYPE = "no-page-type.pdf"  # pages without /Type: pdfminer lists none, pypdf lists 2
NO_MEDIABOX = "no-mediabox.pdf"  # pdfminer warns "MediaBox missing" while reading it

FOREIGN_REASON = (
    "no ranking table found: 2 tables read, none is a ranking of units (e.g. 'Andhra Pradesh' is not a "
    "Vietnamese public body); see documents.table_evidence for each table's evidence"
)


def _make_raw(raw: Path) -> None:
    raw.mkdir(parents=True)
    for name in (FOREIGN, OUT_OF_RANGE, NO_RANKING):
        shutil.copyfile(TRUST / name, raw / name)
    shutil.copyfile(RAW / GOOD, raw / GOOD)
    source = (TRUST / OUT_OF_RANGE).read_bytes()
    # same length, so the cross-reference table stays right
    (raw / NO_PAGE_TYPE).write_bytes(source.replace(b"/Type /Page\n", b"/Typo /Page\n"))
    (raw / NO_MEDIABOX).write_bytes(source.replace(b"/MediaBox [", b"/MediaBoy [", 1))


def _unstamped(line: str) -> str:
    """A log line without its ISO time stamp."""
    return re.sub(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d ", "", line)


@pytest.fixture(scope="module")
def trust_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trust")
    _make_raw(tmp / "raw")
    args = ["run", "--raw", str(tmp / "raw"), "--curated", str(tmp / "curated"), "--registry", str(tmp / "registry")]
    first = CliRunner().invoke(cli, args, catch_exceptions=False)
    again = CliRunner().invoke(
        cli, [*args, "--force"], catch_exceptions=False
    )  # nothing changed: served from the cache
    return first, again, Curated(tmp / "curated")


@pytest.mark.slow
def test_foreign_tables_behind_a_vietnamese_first_page_give_no_rows(trust_run):
    first, _, cur = trust_run
    assert first.exit_code == EXIT_QUARANTINED, first.output
    doc = cur.doc(FOREIGN)
    assert (doc["status"], doc["error"]) == ("quarantined", FOREIGN_REASON)
    assert (cur.table("scores")["doc_id"] == doc["doc_id"]).sum() == 0
    assert (cur.table("issues")["doc_id"] == doc["doc_id"]).sum() == 0
    lines = doc["table_evidence"].splitlines()
    assert len(lines) == 2 and all(": not taken, " in ln for ln in lines)
    assert "names: only 0/13 look like Vietnamese public bodies (e.g. 'Andhra Pradesh') (+0)" in lines[0]
    assert "names: only 0/10 look like Vietnamese public bodies (e.g. 'Sweden') (+0)" in lines[1]
    assert f"dti: {FOREIGN}: QUARANTINED: {FOREIGN_REASON} (" in first.stderr


@pytest.mark.slow
def test_a_real_decision_beside_them_keeps_its_truth_and_says_why_its_tables_were_taken(trust_run):
    _, _, cur = trust_run
    doc = cur.doc(GOOD)
    assert doc["status"] == "ok"
    assert score_mismatches(cur.rows("scores", GOOD), "laocai-2024-dti2023") == []
    assert (cur.rows("scores", GOOD)["confidence"] == 1.0).all()  # every unit resolves: no confidence lost
    lines = doc["table_evidence"].splitlines()
    assert [ln.split(":")[0] for ln in lines] == [
        "table 1 (p.3, '2.1. Nhóm các cơ quan, đơn vị có thủ tục hành chính', 18 rows)",
        "table 2 (p.4, '2.2. Nhóm các cơ quan, đơn vị không có thủ tục hành chính', 21 rows)",
        "table 3 (p.5, '2.3. Nhóm các huyện, thị xã, thành phố', 9 rows)",
    ]
    assert all(": taken, 5 points: names: " in ln for ln in lines)
    assert "names: 18/18 look like Vietnamese public bodies or provinces (+2)" in lines[0]


@pytest.mark.slow
def test_out_of_range_cells_are_data_errors_naming_unit_and_field(trust_run):
    first, _, cur = trust_run
    assert first.exit_code in (0, EXIT_QUARANTINED)
    assert cur.doc(OUT_OF_RANGE)["status"] == "ok"
    scores = cur.rows("scores", OUT_OF_RANGE).set_index("unit_name_raw")
    assert pd.isna(scores.at["Sở Tư pháp", "rank"]) and scores.at["Sở Tư pháp", "total_score"] == 640.5
    assert scores.at["Sở Nội vụ", "total_score"] == 5000.0 and scores.at["Sở Nội vụ", "rank"] == 2
    assert (
        scores.at["Sở Thông tin và Truyền thông", "rank"] == 1
        and scores.at["Sở Thông tin và Truyền thông", "total_score"] == 708.42
    )
    issues = cur.rows("issues", OUT_OF_RANGE)
    rank = issues[issues["code"] == "rank_out_of_range"]
    assert list(zip(rank["unit_name_raw"], rank["field"], rank["printed"], rank["severity"])) == [
        ("Sở Tư pháp", "rank", "55108", "error")
    ]
    assert (scores["max_score"] == 1000.0).all()
    assert "max_unreadable" not in set(issues["code"])  # the stated 1.000 is read; the 5000 is the error
    total = issues[issues["code"] == "total_exceeds_max"]
    assert list(zip(total["unit_name_raw"], total["field"], total["printed"], total["severity"])) == [
        ("Sở Nội vụ", "total_score", "5000", "error")
    ]


@pytest.mark.slow
def test_a_text_layer_without_a_ranking_is_not_told_to_rescan(trust_run):
    _, _, cur = trust_run
    error = cur.doc(NO_RANKING)["error"]
    # its sideways page is read in the frame where its text is upright (issue 16), so the text is read
    assert error.startswith("no ranking table found: its text (")
    assert error.endswith(
        "holds no table of unit names with scores, ruled or unruled; it is not a ranking decision "
        "(if it is, get the copy with the results appendix)"
    )
    assert "rescan" not in error and "dpi" not in error


@pytest.mark.slow
def test_a_pdf_pypdf_opens_has_pages(trust_run):
    """pdfminer lists no pages of it; pypdf does, and its re-saved copy reads as the original."""
    _, _, cur = trust_run
    doc = cur.doc(NO_PAGE_TYPE)
    assert (doc["status"], doc["pages"]) == ("ok", 2)
    got = cur.rows("scores", NO_PAGE_TYPE)[["unit_name_raw", "rank", "total_score"]]
    want = cur.rows("scores", OUT_OF_RANGE)[["unit_name_raw", "rank", "total_score"]]
    pd.testing.assert_frame_equal(got, want)


@pytest.mark.slow
def test_every_warning_printed_names_its_file(trust_run):
    first, again, cur = trust_run
    message = "MediaBox missing from /Page (and not inherited), defaulting to US Letter (x2)"
    warnings = [ln for ln in first.stderr.splitlines() if "warning" in ln.lower() or "MediaBox" in ln]
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d "  # log lines carry ISO time stamps
    assert [re.sub(f"^{stamp}", "", ln) for ln in warnings] == [f"dti: {NO_MEDIABOX}: warning: {message}"]
    assert all(re.match(stamp, ln) for ln in warnings)
    assert "warning" not in again.stderr  # served from the cache: nothing was read again
    # the last run.json is the cached run's; the warning was recorded in the first one's version
    versions = sorted((cur.path.resolve().parent).glob("*/run.json"))
    recorded = [w for v in versions for w in json.loads(v.read_text(encoding="utf-8"))["warnings"]]
    assert recorded == [{"file_name": NO_MEDIABOX, "message": message}]


@pytest.mark.slow
def test_final_status_in_the_progress_line_and_a_cached_run_behaves_the_same(trust_run):
    first, again, cur = trust_run
    lines = [_unstamped(ln) for ln in first.stderr.splitlines() if ": reading page " not in ln]  # progress lines
    statuses = {
        name: next(ln for ln in lines if ln.startswith(f"dti: {name}: ")).split(": ")[2].split(" ")[0]
        for name in (FOREIGN, OUT_OF_RANGE, NO_RANKING, GOOD, NO_PAGE_TYPE, NO_MEDIABOX)
    }
    docs = cur.table("documents").set_index("file_name")["status"]
    assert statuses == {name: "ok" if docs[name] == "ok" else "QUARANTINED" for name in statuses}
    assert again.exit_code == EXIT_QUARANTINED
    assert "extracted 0, from cache 6" in again.stdout
    assert f"dti: {FOREIGN}: QUARANTINED: {FOREIGN_REASON} (cached)" in [
        _unstamped(ln) for ln in again.stderr.splitlines()
    ]
    run = json.loads((cur.path / "run.json").read_text(encoding="utf-8"))
    assert {q["file_name"] for q in run["quarantined"]} == {FOREIGN, NO_RANKING, NO_MEDIABOX}


# --- one document's assembly error quarantines that document only ----------------------------


def _outcomes(tmp: Path, results: dict[str, object]) -> tuple[list[Found], dict[str, Outcome]]:
    raw = tmp / "raw"
    raw.mkdir()
    for i, name in enumerate(results):
        (raw / name).write_bytes(f"document {i}".encode())
    found = discover(raw)
    return found, {f.file_name: Outcome(f, results[f.file_name], None, False) for f in found}


@pytest.mark.slow
def test_a_value_no_column_can_hold_or_a_bug_quarantines_only_its_document(tmp_path):
    good = process_file(TRUST / OUT_OF_RANGE)
    wide = dataclasses.replace(good, score_rows=tuple(good.scores.assign(rank=[1, 2, 55108, 4, 5]).to_dict("records")))
    broken = dataclasses.replace(good, issues=[None])  # stands for any bug met while settling one document
    found, outcomes = _outcomes(tmp_path, {"a-good.pdf": good, "b-wide.pdf": wide, "c-broken.pdf": broken})
    curated = assemble(found, outcomes, load_registry())
    docs = curated.frames["documents"].set_index("file_name")
    assert docs.at["a-good.pdf", "status"] == "ok"
    assert docs.at["b-wide.pdf", "error"] == (
        "its scores rows break the data contract (scores.rank: a value cannot be stored as int16 "
        "(Python integer 55108 out of bounds for int16)); report this file"
    )
    assert docs.at["c-broken.pdf", "error"] == (
        "its rows could not be assembled (AttributeError: 'NoneType' object has no attribute "
        "'code'); the rest of the run is published — report this file"
    )
    scores = curated.frames["scores"]
    assert set(scores["doc_id"]) == set(good.scores["doc_id"]) and len(scores) == 5
    assert list(curated.frames["documents"]["status"]) == ["ok", "quarantined", "quarantined"]
    assert good.scores["rank"].isna().sum() == 1  # the cached result itself is never changed by assembly


# --- the evidence, rule by rule ------------------------------------------------------------------


def _doc(
    names: list[str],
    province: str | None = "Yên Bái",
    headers=("STT", "Tên cơ quan", "Tổng điểm"),
    title: str = "1. Nhóm các cơ quan, đơn vị có thủ tục hành chính",
    totals: list[str] | None = None,
) -> RawDocument:
    totals = totals or [f"{700 - 10 * i},5" for i in range(len(names))]
    rows = [RawRow(name, str(i), total) for i, (name, total) in enumerate(zip(names, totals), 1)]
    table = RawTable(title, None, "1.000", rows=rows, page=2, headers=list(headers))
    return RawDocument(
        "decision",
        province=province,
        assessment_year=2023,
        framework="dti",
        tables=[table],
        text="QUYẾT ĐỊNH Phê duyệt kết quả xếp hạng mức độ chuyển đổi số năm 2023",
    )


YEN_BAI = [
    "Sở Nội vụ",
    "UBND huyện Lục Yên",
    "Huyện Văn Chấn",
    "Thị xã Nghĩa Lộ",
    "Văn phòng Tỉnh ủy",
    "Hội Nông dân tỉnh",
]


def test_a_province_without_a_registry_file_is_judged_by_the_shape_of_its_names():
    verdict = judge_document(_doc(YEN_BAI), load_knowledge())[0]
    assert verdict.taken and verdict.points == 5
    assert judge_resolution(YEN_BAI, [False] * 6, covered=False) is None  # the registry has no say


def test_a_national_table_of_provinces_is_a_ranking_of_units():
    provinces = ["Đà Nẵng", "Hà Nội", "Tỉnh Quảng Ninh", "TP. Hồ Chí Minh", "Bắc Giang"]
    verdict = judge_document(
        _doc(provinces, None, ("STT", "Tỉnh, thành phố", "Điểm DTI"), "Bảng xếp hạng DTI cấp tỉnh"), load_knowledge()
    )[0]
    assert verdict.taken and verdict.names_points == 2


def test_vietnamese_rows_that_are_not_units_are_not_a_ranking():
    criteria = ["Chuyển đổi nhận thức", "Kiến tạo thể chế", "Hạ tầng và nền tảng số", "Thông tin và dữ liệu số"]
    verdict = judge_document(
        _doc(criteria, headers=("STT", "Chỉ tiêu", "Điểm"), title="Các chỉ số thành phần"), load_knowledge()
    )[0]
    assert not verdict.taken and verdict.names_points == 0
    assert verdict.not_a_body == "Chuyển đổi nhận thức"


def test_unit_names_with_no_ranking_word_anywhere_are_not_a_ranking():
    doc = _doc(YEN_BAI, headers=("STT", "Họ tên", "Kinh phí"), title="")
    doc = dataclasses.replace(doc, framework=None, text="Báo cáo tình hình sử dụng kinh phí")
    verdict = judge_document(doc, load_knowledge())[0]
    assert not verdict.taken and verdict.names_points == 2 and not verdict.ranking_words
    with pytest.raises(NoRankingTableError, match="no header, heading or title names a ranking"):
        from pipeline.process import ranking_result

        ranking_result(doc, "0" * 16, load_knowledge())


def _scores(names: list[str], resolved: list[str | None], province: str = "Lào Cai") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": "d" * 16,
            "province": province,
            "group_code": "tthc",
            "group_title": "2.1. Nhóm có TTHC",
            "unit_name_raw": names,
            "unit_id": resolved,
            "confidence": 1.0,
        }
    )


def test_mostly_unknown_names_that_look_like_bodies_are_kept_with_lower_confidence():
    names = ["Sở Nội vụ", "Huyện Lục Yên", "Huyện Văn Chấn", "Thị xã Nghĩa Lộ"]
    scores, _, issues, lines = apply_registry_verdicts(
        _scores(names, ["lci.so_noi_vu", None, None, None]),
        pd.DataFrame(columns=["group_code", "unit_name_raw"]),
        [],
        {"doc_id": "d" * 16, "province": "Lào Cai"},
        {"lào cai"},
    )
    assert list(scores["confidence"]) == [1.0, 0.8, 0.8, 0.8]
    assert [i.code for i in issues] == ["mostly_unresolved"]
    assert lines == [
        "'2.1. Nhóm có TTHC': kept with lower confidence: 3 of 4 names match no registry unit of Lào Cai "
        "(e.g. 'Huyện Lục Yên'), but 4/4 look like Vietnamese public bodies; check the document's province "
        "or add the units to the registry"
    ]


def test_mostly_unknown_names_that_do_not_look_like_bodies_are_withheld():
    names = ["Sở Nội vụ", "Huyện Lục Yên", "Nghĩa Lộ", "Mù Cang Chải", "Trạm Tấu"]
    scores, _, issues, lines = apply_registry_verdicts(
        _scores(names, ["lci.so_noi_vu", None, None, None, None]),
        pd.DataFrame(columns=["group_code", "unit_name_raw"]),
        [],
        {"doc_id": "d" * 16, "province": "Lào Cai"},
        {"lào cai"},
    )
    assert scores.empty
    assert [(i.code, i.severity, i.group_code) for i in issues] == [("table_withheld", "error", "tthc")]
    assert lines[0].startswith(
        "'2.1. Nhóm có TTHC': withheld: 4 of 5 names match no registry unit of Lào Cai (e.g. 'Huyện Lục Yên'), "
        "and only 2/5 look like Vietnamese public bodies"
    )


def test_body_shapes_compare_by_key_and_loosely_for_ocr():
    rules = load_rules()
    assert looks_like_body("Uỷ ban Kiểm tra Tỉnh uỷ", rules)  # old tone placement
    assert looks_like_body("UBND thị xã Sa Pa", rules) and looks_like_body("Lào Cai", rules)
    assert not looks_like_body("So Noi vu", rules) and looks_like_body("So Noi vu", rules, loose=True)
    assert not looks_like_body("Andhra Pradesh", rules, loose=True)


def test_the_evidence_data_is_validated_on_load():
    from importlib import resources

    import yaml

    data = yaml.safe_load(
        resources.files("normalizers").joinpath("data/ranking_evidence.yaml").read_text(encoding="utf-8")
    )
    parse_rules(data, "x.yaml")
    with pytest.raises(KnowledgeError) as bad_share:
        parse_rules(data | {"scoring": data["scoring"] | {"body_share": 5}}, "x.yaml")
    assert str(bad_share.value) == "x.yaml: scoring.body_share: must be less than or equal to 1, not 5"
    with pytest.raises(KnowledgeError) as empty:
        parse_rules(data | {"body_prefixes": []}, "x.yaml")
    assert str(empty.value) == "x.yaml: body_prefixes: must not be empty"


def test_a_page_with_no_running_text_says_so_instead_of_quoting_nothing():
    from extractors.page import PageContent
    from pipeline.process import raw_decision

    with pytest.raises(NoRankingTableError) as caught:
        raw_decision([PageContent(number=1, width=600, height=800, text_source="text_layer")], load_knowledge())
    assert str(caught.value) == (
        "not a ranking decision: no table of unit names and scores, and its text is not Vietnamese "
        "(it has no running text outside its tables)"
    )


PAR_PORTAL = """<html><head><meta charset="utf-8"><title>Kết quả Chỉ số cải cách hành chính năm 2023</title></head><body>
<article><h1>Công bố Chỉ số cải cách hành chính (PAR INDEX) năm 2023 của các sở, ban, ngành tỉnh Lào Cai</h1>
<p>Theo Quyết định số 845/QĐ-UBND ngày 20/4/2024 của UBND tỉnh Lào Cai về Chỉ số cải cách hành chính năm 2023:</p>
<table><tr><th>STT</th><th>Tên đơn vị</th><th>Tổng điểm</th><th>Xếp hạng</th></tr>
<tr><td>1</td><td>Sở Tư pháp</td><td>89,52</td><td>1</td></tr><tr><td>2</td><td>Sở Nội vụ</td><td>88,10</td><td>2</td></tr>
<tr><td>3</td><td>Sở Tài chính</td><td>87,45</td><td>3</td></tr></table></article></body></html>"""


@pytest.mark.parametrize(
    ("page", "index"),
    [
        (PAR_PORTAL, "Chỉ số cải cách hành chính (PAR INDEX)"),
        (
            "<html><body><article><h1>Công bố chỉ số năng lực cạnh tranh cấp sở, ngành (DDCI) năm 2023</h1><p>Ở khối "
            "sở, ban, ngành, Sở Kế hoạch và Đầu tư đứng đầu với 80,15 điểm; Sở Tư pháp xếp thứ hai với 78,2 điểm."
            "</p></article></body></html>",
            "Chỉ số năng lực cạnh tranh (PCI, DDCI)",
        ),
    ],
)
def test_another_index_of_the_same_bodies_is_not_published_as_ict_or_dti(tmp_path, page, index):
    """A PAR INDEX table or a DDCI article has every shape of ours (public bodies, scores, ranks): it names its own
    index and none of ours, so it is quarantined with that index named, not published at 1000 points."""
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    with pytest.raises(NoRankingTableError) as caught:
        process_file(path)
    assert f"it ranks by {index}" in str(caught.value)


def test_a_dti_decision_citing_another_index_is_still_a_dti_ranking():
    knowledge = load_knowledge()
    cited = "Căn cứ Kế hoạch cải cách hành chính năm 2023; kết quả xếp hạng chuyển đổi số năm 2023 ... chuyển đổi số"
    assert knowledge.index_mentions(cited).another_index is None
    assert knowledge.index_mentions("CHỈ SỐ CHUYÊN ĐỔI SỐ").none_of_ours is None  # OCR's misread tone marks
    assert knowledge.index_mentions("Chỉ số cải cách hành chính năm 2023, PAR INDEX").another_index == (
        "not an IT-application or digital-transformation ranking: it ranks by Chỉ số cải cách hành chính "
        "(PAR INDEX) (named 2 times, the ICT/DTI words 0)"
    )


def test_a_ranking_shaped_table_of_a_document_naming_no_index_of_ours_is_not_published(tmp_path):
    """A quarterly report of files handled per department: public bodies, numbers in range, 'Kết quả' in its heading,
    so its table is taken as ranking-shaped; its text names neither the DTI nor the ICT index, so it is quarantined
    (the evidence kept) instead of published as DTI scores."""
    from docx import Document

    doc = Document()
    for line in ("ỦY BAN NHÂN DÂN TỈNH LAI CHÂU", "BÁO CÁO", "Kết quả giải quyết thủ tục hành chính quý I năm 2024"):
        doc.add_paragraph(line)
    doc.add_paragraph("Bảng 1. Kết quả giải quyết hồ sơ của các sở, ban, ngành")
    table = doc.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, ["STT", "Tên đơn vị", "Số hồ sơ tiếp nhận", "Số hồ sơ đúng hạn"]):
        cell.text = text
    for row in (("1", "Sở Tư pháp", "125", "120"), ("2", "Sở Tài chính", "310", "305"), ("3", "Sở Nội vụ", "88", "80")):
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text
    path = tmp_path / "report.docx"
    doc.save(str(path))
    with pytest.raises(NoRankingTableError, match="its text names neither index") as caught:
        process_file(path)
    assert "taken" in (caught.value.table_evidence or "")
