"""The officer and analyst outputs over every shipped fixture: the HTML report in a real
browser, the workbook read back, issues with file/page/id, reviews applied on a re-run, the
parsing report per table, the DuckDB panel, the contract travelling with the data."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

from normalizers.checks import CheckTally, run_checks
from normalizers.frameworks import load_knowledge
from normalizers.scores import normalize_ranking
from pipeline.cli import cli
from pipeline.export import VIETNAMESE
from pipeline.issue_list import CONFIDENCE_CODES
from pipeline.run import run_pipeline
from schemas.curated import CONTRACT_VERSION, TABLES
from tests.conftest import Curated, run_on
from tests.truth import RAW, truth_csv

pytestmark = pytest.mark.ocr
CHROMIUM = "/usr/bin/chromium"
CAOBANG = "caobang-2023-qd943-dti2022-scan.pdf"
CHECK_CODES = {
    "component_sum_mismatch",
    "pct_mismatch",
    "tier_inconsistent",
    "rank_order",
    "average_mismatch",
    "total_exceeds_max",
    "component_exceeds_max",
}


# One document of each kind (text, scans, news, weekly), each decision read once; other forms and
# readings of the same decisions have tests of their own (office, PDF forms, web, readings).
FILES = [
    "caobang-2023-qd943-dti2022-scan.pdf",
    "laocai-2017-qd512-ict2016-scan.pdf",
    "laocai-2017-qd512-ict2016.pdf",
    "laocai-2023-news-dti2022.html",
    "laocai-2024-dti2023.pdf",
    "laocai-2025-w05-weekly.pdf",
]


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Curated:
    """One run over the six documents the shipped samples started with."""
    curated = run_on(tmp_path_factory.mktemp("full"), [RAW / name for name in FILES])
    docs = curated.table("documents")
    assert (docs["status"] == "ok").all(), docs.loc[docs["status"] != "ok", ["file_name", "error"]].to_dict("records")
    return curated


def _issue(curated: Curated, file_name: str, code: str, unit: str) -> pd.Series:
    issues = curated.table("issues")
    rows = issues[(issues["file_name"] == file_name) & (issues["code"] == code) & (issues["unit_name_raw"] == unit)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --- 3. issues an officer can act on -------------------------------------------------------


def test_every_issue_names_its_file_and_the_page_of_its_row(full):
    issues, docs = full.table("issues"), full.table("documents")
    assert issues["issue_id"].is_unique
    assert issues["issue_id"].str.fullmatch(r"[0-9a-f]{12}").all()
    names = dict(zip(docs["doc_id"], docs["file_name"]))
    assert (issues["file_name"] == issues["doc_id"].map(names)).all()
    readings = full.table("readings")  # every document's rows, the scan's too
    pages = {(r.doc_id, r.group_code, r.unit_name_raw): r.source_page for r in readings.itertuples()}
    located = 0
    for r in issues.itertuples():
        page = pages.get((r.doc_id, r.group_code, r.unit_name_raw))
        if page is not None and pd.notna(page):
            assert r.source_page == page, r
            located += 1
    assert located > 50
    # the Cao Bằng scan: Văn phòng UBND tỉnh is printed on page 2, Sở Y tế on page 3
    assert _issue(full, CAOBANG, "component_sum_mismatch", "Văn phòng UBND tỉnh")["source_page"] == 2
    assert _issue(full, CAOBANG, "component_sum_mismatch", "Sở Y tế")["source_page"] == 3
    assert set(issues["status"]) == {"open"}


def test_every_confidence_below_one_is_explained_by_an_issue_over_all_fixtures(full):
    scores, issues, docs = full.table("readings"), full.table("issues"), full.table("documents")  # every reading
    explained = {(r.doc_id, r.group_code, r.unit_name_raw) for r in issues.itertuples() if r.code in CONFIDENCE_CODES}
    doubted = scores[scores["confidence"] < 1]
    assert len(doubted) > 50  # scans and the news article
    missing = [
        (r.doc_id, r.unit_name_raw, r.confidence)
        for r in doubted.itertuples()
        if (r.doc_id, r.group_code, r.unit_name_raw) not in explained
    ]
    assert missing == []
    news = docs[docs["source_kind"] == "news_article"]["doc_id"].iloc[0]
    news_rows = scores[scores["doc_id"] == news]
    secondary = issues[(issues["doc_id"] == news) & (issues["code"] == "secondary_source")]
    assert len(secondary) == len(news_rows) and set(secondary["severity"]) == {"info"}


def test_dti_issues_filters_and_prints_json_and_csv(full):
    runner = CliRunner()
    out = runner.invoke(
        cli, ["issues", "--curated", str(full.path), "--file", "caobang", "--severity", "error", "--json"]
    )
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    issues = full.table("issues")
    expected = issues[issues["file_name"].str.contains("caobang") & (issues["severity"] == "error")]
    assert sorted(r["issue_id"] for r in rows) == sorted(expected["issue_id"])
    assert rows and all(
        {"issue_id", "file_name", "source_page", "severity", "code", "status"} <= r.keys() for r in rows
    )
    assert {r["file_name"] for r in rows} == {CAOBANG}
    out = runner.invoke(
        cli, ["issues", "--curated", str(full.path), "--code", "ocr_corrected", "--status", "open", "--csv"]
    )
    frame = pd.read_csv(pd.io.common.StringIO(out.output))
    assert sorted(frame["issue_id"]) == sorted(issues[issues["code"] == "ocr_corrected"]["issue_id"])
    out = runner.invoke(cli, ["issues", "--curated", str(full.path), "--status", "corrected"])
    assert out.output.strip().endswith("0 issues")


def test_review_and_correction_are_applied_on_the_next_run(full, tmp_path):
    """Reviews an issue, corrects another, re-runs (from the cache): applied, closed, original kept."""
    raw, curated, reviews = tmp_path / "raw", tmp_path / "curated", tmp_path / "reviews"
    shutil.copytree(full.path.parent / "raw", raw)
    shutil.copytree(full.path.parent / ".curated.state" / "cache", tmp_path / ".curated.state" / "cache")
    run_pipeline(raw, curated)
    before = Curated(curated)
    assert list(before.table("issues")["issue_id"]) == list(full.table("issues")["issue_id"])  # stable across runs
    ok = _issue(before, CAOBANG, "component_sum_mismatch", "Văn phòng UBND tỉnh")
    fix = _issue(before, CAOBANG, "component_sum_mismatch", "Sở Y tế")
    assert fix["printed"] == "671.3" and fix["expected"] == "671.8"
    runner = CliRunner()
    common = ["--curated", str(curated), "--reviews", str(reviews), "--by", "Nguyễn Văn An"]
    out = runner.invoke(cli, ["review", ok["issue_id"], "--ok", "--reason", "Bản giấy in đúng 749,8"] + common)
    assert out.exit_code == 0, out.output
    out = runner.invoke(
        cli, ["review", fix["issue_id"], "--set", "671,8", "--reason", "the components add up to 671,8"] + common
    )
    assert out.exit_code == 0, out.output
    out = runner.invoke(cli, ["review", "000000000000", "--ok", "--reason", "x"] + common)
    assert out.exit_code == 2 and "no issue" in out.output
    saved = yaml.safe_load((reviews / "reviews.yaml").read_text(encoding="utf-8"))
    assert saved["format"] == 1 and [r["action"] for r in saved["reviews"]] == ["ok", "set"]
    assert saved["reviews"][0]["by"] == "Nguyễn Văn An" and saved["reviews"][0]["reason"] == "Bản giấy in đúng 749,8"
    assert saved["reviews"][1]["original"] == "671.3" and saved["reviews"][1]["at"]

    summary = run_pipeline(raw, curated, reviews_dir=reviews)
    assert summary.extracted == 0
    after = Curated(curated)
    issues = after.table("issues").set_index("issue_id")
    assert issues.at[ok["issue_id"], "status"] == "reviewed"
    assert issues.at[ok["issue_id"], "review_reason"] == "Bản giấy in đúng 749,8"
    closed = issues.loc[fix["issue_id"]]
    assert closed["status"] == "corrected" and closed["corrected_value"] == "671,8" and closed["printed"] == "671.3"
    assert closed["reviewed_by"] == "Nguyễn Văn An" and closed["reviewed_at"].startswith("20")
    scores = after.published("scores", CAOBANG)
    row = scores[scores["unit_name_raw"] == "Sở Y tế"].iloc[0]
    assert row["total_score"] == 671.8 and math.isclose(row["score_pct"], 67.18)
    assert row["value_source"] == "officer_corrected"
    others = scores[scores["unit_name_raw"] != "Sở Y tế"]
    assert set(others["value_source"]) == {"printed"}
    truth = truth_csv("caobang-2023-qd943-dti2022", "scores")
    assert truth[truth["unit_name"] == "Sở Y tế"]["total_score"].iloc[0] == "671.3"  # what the document prints
    run = json.loads((curated / "run.json").read_text(encoding="utf-8"))
    assert run["reviews_applied"] == 2 and run["reviews_unmatched"] == []
    con = duckdb.connect(str(curated / "dti.duckdb"), read_only=True)
    open_ids = {r[0] for r in con.execute("SELECT issue_id FROM open_issues").fetchall()}
    assert ok["issue_id"] not in open_ids and fix["issue_id"] not in open_ids
    assert len(open_ids) == len(issues) - 2
    panel = con.execute(
        "SELECT total_score, value_source FROM panel WHERE unit_id = 'cbg.so_y_te' AND assessment_year = 2022"
    ).fetchall()
    assert panel == [(671.8, "officer_corrected")]


# --- 4. the parsing report per table -------------------------------------------------------


def test_tables_parquet_reports_shape_and_checks_of_each_table(full):
    tables, issues, scores = full.table("tables"), full.table("issues"), full.table("scores")
    docs = full.table("documents")
    ranking_docs = set(docs[docs["source_kind"].isin(["decision", "news_article"])]["doc_id"])
    assert set(tables["doc_id"]) == ranking_docs
    for (doc_id, group), rows in scores.groupby(["doc_id", "group_code"]):
        t = tables[(tables["doc_id"] == doc_id) & (tables["group_code"] == group)]
        assert t["rows"].sum() == len(rows)
        assert math.isclose(t["mean_confidence"].iloc[0], rows["confidence"].mean(), abs_tol=1e-4)
        failed = issues[
            (issues["doc_id"] == doc_id) & (issues["group_code"] == group) & issues["code"].isin(CHECK_CODES)
        ]
        assert t["checks_run"].sum() - t["checks_passed"].sum() == len(failed)
    text = tables[tables["doc_id"] == full.doc("laocai-2024-dti2023.pdf")["doc_id"]]
    truth = truth_csv("laocai-2024-dti2023", "scores")
    assert list(text["rows"]) == list(truth.groupby("group_code", sort=False).size())
    assert (text["checks_run"] > 0).all() and (text["checks_passed"] == text["checks_run"]).all()
    assert set(text["layout"]) == {"text_grid/tier_column"} and list(text["page"]) == [3, 4, 5]
    cb = tables[tables["doc_id"] == full.doc(CAOBANG)["doc_id"]].set_index("group_code")
    assert (
        cb.at["so_ban_nganh", "checks_run"] - cb.at["so_ban_nganh", "checks_passed"] == 2
    )  # the two sums the decision gets wrong
    assert cb.at["so_ban_nganh", "layout"].startswith("ocr_grid")


def test_counting_checks_does_not_change_what_they_report(full):
    from pipeline.process import process_file

    knowledge = load_knowledge()
    result = process_file(RAW / "laocai-2023-news-dti2022.html", knowledge=knowledge)
    from extractors.news import read_news_html

    raw = read_news_html((RAW / "laocai-2023-news-dti2022.html").read_bytes())
    norm = normalize_ranking(raw, "x", knowledge)
    tally = CheckTally()
    assert run_checks("x", norm, knowledge, tally) == run_checks("x", norm, knowledge)
    assert sum(tally.failed.values()) == len(run_checks("x", norm, knowledge)) == 1  # Sở Du lịch's tier
    assert list(result.tables["checks_run"]) == [tally.ran[g] for g in result.tables["group_code"]]


# --- 5. the DuckDB database ------------------------------------------------------------------


def test_panel_is_one_row_per_unit_year_framework_through_lineage(full):
    con = duckdb.connect(str(full.path / "dti.duckdb"), read_only=True)
    dupes = con.execute(
        "SELECT unit_id, assessment_year, framework, COUNT(*) n FROM panel GROUP BY ALL HAVING n > 1"
    ).fetchall()
    assert dupes == []
    scores = full.table("scores").dropna(subset=["unit_id"])
    n = con.execute("SELECT COUNT(*) FROM panel").fetchone()[0]
    assert n == len(scores.drop_duplicates(["unit_id", "assessment_year", "framework"]))
    # the 2016 ICT index is read twice (text layer and scan): the text layer's reading is kept
    rows = con.execute("SELECT DISTINCT file_name, readings FROM panel WHERE assessment_year = 2016").fetchall()
    assert rows == [("laocai-2017-qd512-ict2016.pdf", 2)]
    # transport and construction merged into lci.so_gtvt_xd in 2018
    history = con.execute(
        "SELECT assessment_year, unit_id, score_pct, rank FROM unit_history "
        "WHERE current_unit_id = 'lci.so_gtvt_xd' ORDER BY assessment_year, unit_id"
    ).fetchall()
    truth = truth_csv("laocai-2017-qd512-ict2016", "scores").set_index("unit_name")
    assert [(y, u) for y, u, _, _ in history[:2]] == [(2016, "lci.so_gtvt"), (2016, "lci.so_xay_dung")]
    assert history[0][2] == float(truth.at["Sở Giao thông Vận tải", "total_score"])  # out of 100
    assert history[0][3] == int(truth.at["Sở Giao thông Vận tải", "rank"])
    assert {y for y, *_ in history} >= {2016, 2023}
    # the 2022 DTI of Lào Cai is known only from the news article: the panel still has it, as a news reading
    assert con.execute(
        "SELECT DISTINCT source FROM panel WHERE province = 'Lào Cai' AND assessment_year = 2022"
    ).fetchall() == [("news_article",)]
    assert con.execute("SELECT COUNT(*) FROM open_issues").fetchone()[0] == len(full.table("issues"))


# --- 6. the contract travels -------------------------------------------------------------------


def test_every_version_carries_the_contract_and_its_version(full):
    repo = Path(__file__).resolve().parents[1]
    assert (full.path / "CONTRACT.md").read_text(encoding="utf-8") == (repo / "CONTRACT.md").read_text(encoding="utf-8")
    contract = json.loads((full.path / "contract.json").read_text(encoding="utf-8"))
    assert contract["contract_version"] == CONTRACT_VERSION
    for name, cols in TABLES.items():
        assert [c["name"] for c in contract["tables"][name]] == [c.name for c in cols]
        assert all(c["meaning"] for c in contract["tables"][name])
        meta = pq.read_schema(full.path / f"{name}.parquet").metadata
        assert meta[b"dti.contract_version"] == CONTRACT_VERSION.encode()


# --- 2. the workbook and CSV -------------------------------------------------------------------


def _same(cell, value) -> bool:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return cell is None
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, list):
        return cell == ("; ".join(value) if value else None)
    if isinstance(value, float):
        return isinstance(cell, (int, float)) and math.isclose(cell, value)
    if hasattr(value, "year") and hasattr(cell, "date"):
        return cell.date() == value
    return cell == value


def test_workbook_reads_back_equal_to_the_parquet(full, tmp_path):
    from openpyxl import load_workbook

    out = CliRunner().invoke(
        cli,
        ["export", "--curated", str(full.path), "--xlsx", str(tmp_path / "dti.xlsx"), "--csv", str(tmp_path / "csv")],
    )
    assert out.exit_code == 0, out.output
    book = load_workbook(tmp_path / "dti.xlsx")
    assert book.sheetnames == ["scores", "components", "issues", "documents", "units"]
    for name in book.sheetnames:
        sheet, frame = book[name], full.table(name)
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[1]) == list(frame.columns)
        assert list(rows[0]) == [VIETNAMESE.get(c, c) for c in frame.columns]
        assert len(rows) == len(frame) + 2
        assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref.startswith("A2:")
        for cells, record in zip(rows[2:], frame.itertuples(index=False)):
            bad = [(c, v) for c, v in zip(cells, record) if not _same(c, v)]
            assert bad == [], (name, bad)
        for j in range(1, len(frame.columns) + 1):
            width = sheet.column_dimensions[sheet.cell(2, j).column_letter].width
            assert 8 <= width <= 60
    scores = book["scores"]
    assert rows_header(scores)["Tổng điểm"] == "total_score"
    total = scores.cell(3, list(full.table("scores").columns).index("total_score") + 1)
    assert total.number_format == "#,##0.0##"
    assert "Văn phòng UBND tỉnh" in {c.value for c in book["scores"]["H"]}
    issues = pd.read_csv(tmp_path / "csv" / "issues.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(issues["issue_id"]) == list(full.table("issues")["issue_id"])
    assert list(issues["file_name"]) == list(full.table("issues")["file_name"])
    assert (tmp_path / "csv" / "scores.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def rows_header(sheet) -> dict:
    return {a.value: b.value for a, b in zip(sheet[1], sheet[2])}


# --- 1. the HTML report in a real browser ------------------------------------------------------


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.svg_text: list[str] = []
        self._in_text = False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self._in_text = tag == "text"

    def handle_endtag(self, tag):
        self._in_text = False

    def handle_data(self, data):
        if self._in_text:
            self.svg_text.append(data)


def _browser_dom(path: Path, tmp: Path) -> str:
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp / 'profile'}",
        "--dump-dom",
        path.resolve().as_uri(),
    ]
    done = subprocess.run(args, capture_output=True, timeout=120, check=True)
    return done.stdout.decode("utf-8")


def test_report_opens_in_headless_chromium_with_charts_tables_and_vietnamese(full, tmp_path):
    out = CliRunner().invoke(cli, ["report", "--curated", str(full.path), "-o", str(tmp_path / "r.html")])
    assert out.exit_code == 0, out.output
    html_text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert html_text == (full.path / "report.html").read_text(
        encoding="utf-8"
    )  # the same report is written with the version
    assert "<script" not in html_text and "http://" not in html_text.replace("http://www.w3.org", "")
    dom_text = _browser_dom(tmp_path / "r.html", tmp_path)
    dom = _Dom()
    dom.feed(dom_text)
    scores, issues, tables = full.table("scores"), full.table("issues"), full.table("tables")
    groups = scores.groupby(["doc_id", "group_code"]).ngroups
    assert dom.tags.get("svg", 0) >= groups + 1  # a bar chart per group, and the history
    assert dom.tags.get("table", 0) >= groups + 3  # rankings, summary, issues, parsing report
    # real values, the Vietnamese way: Lào Cai 2023, Sở Thông tin và Truyền thông
    truth = truth_csv("laocai-2024-dti2023", "scores")
    row = truth[truth["unit_name"].str.startswith("Sở Thông tin")].iloc[0]
    assert row["unit_name"] in dom_text
    assert f"{float(row['total_score']):.10g}".replace(".", ",") in dom_text
    assert "Văn phòng UBND tỉnh" in dom.svg_text  # chart labels are text, diacritics intact
    assert "Sở Giao thông vận tải - Xây dựng" in dom_text and "Báo cáo xếp hạng chuyển đổi số" in dom_text
    for r in issues.itertuples():
        assert f'id="issue-{r.issue_id}"' in dom_text
    doubted = issues[issues["severity"] != "info"]
    for r in doubted[doubted["unit_name_raw"].notna()].itertuples():
        assert f'href="#issue-{r.issue_id}"' in dom_text, r  # the doubted cell links its issue
    assert (
        dom_text.count('class="doubt"') + dom_text.count('class="num doubt"')
        >= len(doubted[doubted["unit_name_raw"].notna()]) // 2
    )
    assert f"{CAOBANG}</td><td>2</td>" in dom_text  # the parsing report / issues show file and page
    cb = tables[(tables["doc_id"] == full.doc(CAOBANG)["doc_id"]) & (tables["group_code"] == "so_ban_nganh")].iloc[0]
    assert cb["checks_run"] > 0 and f"<td>{cb['checks_run']}</td><td>{cb['checks_passed']}</td>" in dom_text
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'p2'}",
            "--window-size=1200,1600",
            f"--screenshot={shot}",
            (tmp_path / "r.html").resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 20_000  # something was drawn
