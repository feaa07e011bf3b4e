"""One row per fact when the same decision arrives more than once (tracker issue 12, item 3).

The shipped samples hold QĐ 512/2017 as a text PDF and as a scan; a news article retelling the
2024 decision (made here from the shipped article, one value changed) is a third kind of reading.
The choice rule for forms not shipped (Word, Excel, web table) is tested on the pure function.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.readings import choose_readings, source_rank
from pipeline.run import run_pipeline
from tests.conftest import Curated
from tests.truth import RAW, score_mismatches, truth_csv

TEXT, SCAN, DTI2023 = "laocai-2017-qd512-ict2016.pdf", "laocai-2017-qd512-ict2016-scan.pdf", "laocai-2024-dti2023.pdf"
NEWS2022, NEWS2023 = "laocai-2023-news-dti2022.html", "news-dti2023.html"
FACT = ["province", "framework", "assessment_year", "group_code", "unit_id"]


def news_about_2023(path: Path) -> None:
    """The shipped article rewritten about DTI 2023: three tthc units, the third one misstated (708,42 → 700,42)."""
    src = (RAW / NEWS2022).read_text(encoding="utf-8")
    start = src.index("Đối với nhóm các cơ quan, đơn vị có thủ tục hành chính:")
    tthc = (
        "Đối với nhóm các cơ quan, đơn vị có thủ tục hành chính: đứng đầu bảng là Sở Lao động - Thương binh và Xã hội "
        "với tổng điểm là: 731,61 điểm; đứng vị trí thứ 2 là Sở Y tế, với tổng điểm là: 717,7 điểm; "
        "Xếp hạng 3 là Sở Thông tin và Truyền thông, với tổng điểm là: 700,42 điểm."
    )
    out = src[:start] + tthc + src[src.index("</p>", start) :]
    for head in (
        "Tại nhóm các cơ quan, đơn vị không có thủ tục hành chính:",
        "Đối với nhóm các huyện, thị xã, thành phố:",
    ):
        a = out.index(head)
        out = out[:a] + out[out.index("</p>", a) :]
    out = out.replace("năm 2022", "năm 2023").replace(
        "Quyết định số 791/QĐ-UBND ngày 11/4/2023", "Quyết định ngày 15/4/2024"
    )
    path.write_text(out, encoding="utf-8")


@pytest.fixture(scope="module")
def twice(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("twice")
    raw = tmp / "raw"
    raw.mkdir()
    for name in (TEXT, SCAN, DTI2023, NEWS2022):
        shutil.copyfile(RAW / name, raw / name)
    news_about_2023(raw / NEWS2023)
    pages: list[tuple[str, int, int]] = []
    summary = run_pipeline(
        raw, tmp / "curated", on_page=lambda f, done, total: pages.append((f.file_name, done, total))
    )
    return summary, Curated(tmp / "curated"), pages


@pytest.mark.ocr
def test_scores_hold_one_row_per_fact_from_the_text_layer(twice):
    _, cur, _ = twice
    scores = cur.table("scores")
    assert scores["unit_id"].notna().all()
    assert not scores.duplicated(FACT).any()
    text_id, scan_id = cur.doc(TEXT)["doc_id"], cur.doc(SCAN)["doc_id"]
    ict2016 = scores[scores["assessment_year"] == 2016]
    assert set(ict2016["doc_id"]) == {text_id}
    assert score_mismatches(ict2016.reset_index(drop=True), "laocai-2017-qd512-ict2016") == []
    components = cur.table("components")
    assert scan_id not in set(components["doc_id"])
    assert len(components[components["doc_id"] == text_id]) == len(truth_csv("laocai-2017-qd512-ict2016", "components"))


@pytest.mark.ocr
def test_every_reading_stays_with_its_chosen_flag(twice):
    _, cur, _ = twice
    readings = cur.table("readings")
    by_doc = readings.groupby("doc_id")["chosen"].agg(["sum", "count"])
    text_id, scan_id = cur.doc(TEXT)["doc_id"], cur.doc(SCAN)["doc_id"]
    assert tuple(by_doc.loc[text_id]) == (31, 31) and tuple(by_doc.loc[scan_id]) == (0, 31)
    assert score_mismatches(cur.rows("scores", SCAN), "laocai-2017-qd512-ict2016") == []  # the scan's reading, kept
    news = cur.doc(NEWS2023)["doc_id"]
    assert tuple(by_doc.loc[news]) == (0, 3)  # a news article never supersedes the decision
    assert readings["chosen"].sum() == len(cur.table("scores"))
    published = readings[readings["chosen"]].drop(columns="chosen").reset_index(drop=True)
    pd.testing.assert_frame_equal(published, cur.table("scores"))
    comp = cur.table("component_readings")
    assert comp["chosen"].sum() == len(cur.table("components")) and (comp["doc_id"] == scan_id).sum() == 195


@pytest.mark.ocr
def test_every_disagreement_between_readings_is_an_issue_naming_both(twice):
    _, cur, _ = twice
    readings, issues = cur.table("readings"), cur.table("issues")
    chosen = readings[readings["chosen"]].set_index(FACT)
    unflagged = []
    for r in readings[~readings["chosen"]].itertuples():
        mine = r._asdict()
        theirs = chosen.loc[tuple(mine[k] for k in FACT)]
        for field in ("total_score", "rank", "tier"):
            a, b = mine[field], theirs[field]
            if pd.notna(a) and pd.notna(b) and (abs(a - b) > 0.005 if field == "total_score" else a != b):
                hit = issues[
                    (issues["code"] == "reading_disagrees")
                    & (issues["doc_id"] == r.doc_id)
                    & (issues["unit_name_raw"] == r.unit_name_raw)
                    & (issues["field"] == field)
                ]
                if hit.empty:
                    unflagged.append((r.doc_id, r.unit_name_raw, field))
    assert unflagged == []
    wrong = issues[issues["code"] == "reading_disagrees"]
    assert len(wrong) == 1  # the one value the article misstates; the scan reads QĐ 512 exactly
    issue = wrong.iloc[0]
    assert (issue["unit_name_raw"], issue["field"], issue["printed"], issue["expected"]) == (
        "Sở Thông tin và Truyền thông",
        "total_score",
        "700.42",
        "708.42",
    )
    assert (
        NEWS2023 in issue["message"] and DTI2023 in issue["message"] and issue["doc_id"] == cur.doc(NEWS2023)["doc_id"]
    )
    assert issues[issues["code"] == "reading_unit_missing"].empty


@pytest.mark.ocr
def test_the_news_article_without_a_decision_stays_published(twice):
    _, cur, _ = twice
    news = cur.doc(NEWS2022)["doc_id"]
    assert (cur.table("scores")["doc_id"] == news).sum() == len(cur.rows("scores", NEWS2022)) > 0


@pytest.mark.ocr
def test_the_progress_callback_hears_every_page_of_text_and_scan(twice):
    _, _, pages = twice
    for name, total in ((TEXT, 4), (SCAN, 4), (DTI2023, 5)):
        assert [(d, t) for f, d, t in pages if f == name] == [(i, total) for i in range(1, total + 1)], name


# --- the choice rule on the forms other readers produce ------------------------------------------


def _doc(doc_id, name, text_source, kind="decision", number="512/QĐ-UBND"):
    return {
        "doc_id": doc_id,
        "file_name": name,
        "source_kind": kind,
        "text_source": text_source,
        "province": "Lào Cai",
        "framework": "ict_index",
        "assessment_year": 2016,
        "decision_number": number,
    }


def _score(doc_id, unit, total, rank, confidence=1.0, group="huyen"):
    return {
        "doc_id": doc_id,
        "province": "Lào Cai",
        "assessment_year": 2016,
        "framework": "ict_index",
        "group_code": group,
        "unit_name_raw": unit,
        "unit_id": f"lci.{unit}",
        "rank": rank,
        "total_score": total,
        "score_pct_printed": None,
        "tier": None,
        "evaluated": True,
        "confidence": confidence,
    }


def test_rank_of_sources():
    ranks = [
        source_rank(k, t)
        for k, t in (
            ("decision", "docx"),
            ("decision", "xlsx"),
            ("decision", "text_layer"),
            ("web_table", "html"),
            ("decision", "mixed"),
            ("decision", "ocr"),
            ("news_article", "html"),
        )
    ]
    assert ranks == [0, 0, 0, 1, 2, 3, 4]


def test_office_file_beats_web_table_and_scan_whatever_the_file_order():
    docs = pd.DataFrame(
        [
            _doc("a" * 16, "a-scan.pdf", "ocr"),
            _doc("b" * 16, "b-portal.html", "html", "web_table"),
            _doc("c" * 16, "c-word.docx", "docx", number=None),
        ]
    )
    rows = []
    for d, conf in (("a" * 16, 0.9), ("b" * 16, 1.0), ("c" * 16, 1.0)):
        rows += [_score(d, "bat_xat", 70.5, 1, conf), _score(d, "bac_ha", 60.25, 2, conf)]
    rows[0]["total_score"] = 71.5  # the scan misreads a value
    rows[3]["total_score"] = 60.3  # the portal prints one decimal less: within its precision? 60.3 vs 60.25 → no
    comps = pd.DataFrame(columns=["doc_id", "group_code", "unit_name_raw", "component_code", "score"])
    out = choose_readings(docs, pd.DataFrame(rows), comps)
    assert list(out.scores["doc_id"]) == ["c" * 16] * 2
    assert list(out.readings["chosen"]) == [False, False, False, False, True, True]
    found = sorted(
        (i.doc_id[0], i.unit_name_raw, i.printed, i.expected) for i in out.issues if i.code == "reading_disagrees"
    )
    assert found == [("a", "bat_xat", "71.5", "70.5")]  # 60.3 agrees with 60.25 to the portal's one decimal
    again = choose_readings(docs.iloc[::-1], pd.DataFrame(rows[::-1]), comps)
    assert sorted(again.scores["doc_id"]) == ["c" * 16] * 2


def test_ties_break_by_confidence_then_file_name_and_gaps_are_reported():
    docs = pd.DataFrame(
        [_doc("a" * 16, "z.xlsx", "xlsx"), _doc("b" * 16, "y.docx", "docx"), _doc("c" * 16, "x.doc", "doc")]
    )
    rows = [
        _score("a" * 16, "bat_xat", 70.5, 1, 1.0),
        _score("b" * 16, "bat_xat", 70.5, 1, 1.0),
        _score("c" * 16, "bat_xat", 70.5, 1, 0.8),
        _score("a" * 16, "bac_ha", 60.0, 2),
        _score("b" * 16, "bac_ha", 60.0, 2),
    ]
    out = choose_readings(
        docs,
        pd.DataFrame(rows),
        pd.DataFrame(columns=["doc_id", "group_code", "unit_name_raw", "component_code", "score"]),
    )
    assert set(out.scores["doc_id"]) == {"b" * 16}  # y.docx before z.xlsx at equal confidence; x.doc has less
    gaps = [
        (i.doc_id[0], i.unit_name_raw, i.printed, i.expected) for i in out.issues if i.code == "reading_unit_missing"
    ]
    assert gaps == [("c", "bac_ha", "y.docx", "x.doc")]
