"""Unattended runs over a raw folder with damaged files beside good ones (tracker issue 6).

Every kind of bad input is made here in a temporary raw folder, never committed. Only the
time and memory limit cases touch a scan, and they are stopped within about a second.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader, PdfWriter

from pipeline.cli import cli
from pipeline.run import EXIT_OK, EXIT_QUARANTINED, run_pipeline
from tests.conftest import Curated
from tests.truth import RAW, score_mismatches

GOOD = {"laocai-2024-dti2023.pdf": "laocai-2024-dti2023", "laocai-2017-qd512-ict2016.pdf": "laocai-2017-qd512-ict2016"}
SCAN = RAW / "laocai-2017-qd512-ict2016-scan.pdf"

NO_TEXT = "no text could be read on any page (blank pages or an unreadable scan); rescan at 300 dpi"
EXPECTED = {
    "empty.pdf": "the file is empty (0 bytes); copy the document again",
    "truncated.pdf": "the PDF is damaged or truncated and cannot be opened (Unexpected EOF); get a fresh copy",
    "corrupt.pdf": "the PDF is damaged or truncated and cannot be opened (No /Root object! - Is this really a PDF?); get a fresh copy",
    "protected.pdf": "the PDF is password-protected; ask the sender for an unprotected copy",
    "notes.pdf": "the file is neither a PDF, a Word or Excel file nor an HTML page (unknown content); check what was saved under this name",
    "photo.pdf": "the file is a JPEG image, not a PDF, Word, Excel or HTML document; save the original document under this name",
    "cover-only.pdf": (
        "no ranking table found: its text (29 lines) holds no table of unit names with scores, ruled or "
        "unruled; it is not a ranking decision (if it is, get the copy with the results appendix)"
    ),
    "blank-scan.pdf": NO_TEXT,
    "blank-pages.pdf": "all 3 pages of the PDF are blank (nothing is drawn on them); get a complete copy of the document",
}
DUPLICATE = "zz-copy-of-2024.pdf"  # sorts after laocai-2024-dti2023.pdf, which is therefore the original


def copy_good(raw: Path, names=tuple(GOOD)) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(RAW / name, raw / name)  # copyfile: writable copies (the fixtures are read-only)


def make_damaged(raw: Path) -> None:
    """One file of each kind of bad input."""
    good = (RAW / "laocai-2024-dti2023.pdf").read_bytes()
    (raw / "empty.pdf").write_bytes(b"")
    (raw / "truncated.pdf").write_bytes(good[: len(good) // 2])
    (raw / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    writer = PdfWriter(clone_from=str(RAW / "laocai-2024-dti2023.pdf"))
    writer.encrypt("secret")
    with open(raw / "protected.pdf", "wb") as fh:
        writer.write(fh)
    (raw / "notes.pdf").write_text("Meeting notes saved under the wrong name.\n", encoding="utf-8")
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(jpeg, "JPEG")
    (raw / "photo.pdf").write_bytes(jpeg.getvalue())
    reader = PdfReader(str(RAW / "laocai-2024-dti2023.pdf"))
    cover = PdfWriter()
    cover.add_page(reader.pages[0])  # the decision's first page: text, but no ranking table
    with open(raw / "cover-only.pdf", "wb") as fh:
        cover.write(fh)
    Image.new("RGB", (1240, 1754), "white").save(raw / "blank-scan.pdf", "PDF", resolution=150)
    blank = PdfWriter()
    for _ in range(3):
        blank.add_blank_page(width=595, height=842)
    with open(raw / "blank-pages.pdf", "wb") as fh:
        blank.write(fh)
    shutil.copyfile(RAW / "laocai-2024-dti2023.pdf", raw / DUPLICATE)


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("damaged")
    copy_good(tmp / "raw")
    make_damaged(tmp / "raw")
    summary = run_pipeline(tmp / "raw", tmp / "curated")
    return summary, Curated(tmp / "curated")


@pytest.mark.slow
def test_each_damaged_file_is_quarantined_with_its_reason(damaged):
    summary, cur = damaged
    docs = cur.table("documents").set_index("file_name")
    for name, reason in EXPECTED.items():
        assert docs.at[name, "status"] == "quarantined", name
        assert docs.at[name, "error"] == reason, name
    quarantined = docs[docs["status"] == "quarantined"]
    assert set(quarantined.index) == set(EXPECTED)
    for error in quarantined["error"]:
        assert "\n" not in error and 20 < len(error) < 250
    assert dict(summary.quarantined) == EXPECTED
    assert summary.exit_code == EXIT_QUARANTINED


@pytest.mark.slow
def test_good_documents_still_produce_their_truth_rows(damaged):
    _, cur = damaged
    for name, truth_id in GOOD.items():
        assert cur.doc(name)["status"] == "ok"
        assert score_mismatches(cur.rows("scores", name), truth_id) == []


@pytest.mark.slow
def test_duplicate_points_to_the_first_file_and_adds_no_rows(damaged):
    _, cur = damaged
    dup = cur.doc(DUPLICATE)
    assert dup["status"] == "duplicate"
    assert dup["duplicate_of"] == "laocai-2024-dti2023.pdf"
    assert pd.isna(dup["error"])
    original = cur.doc("laocai-2024-dti2023.pdf")
    assert dup["doc_id"] == original["doc_id"]
    scores = cur.table("scores")
    assert (
        score_mismatches(scores[scores["doc_id"] == original["doc_id"]].reset_index(drop=True), "laocai-2024-dti2023")
        == []
    )
    assert (cur.table("documents")["status"] == "ok").sum() == 2
    assert set(scores["doc_id"]) == {cur.doc(n)["doc_id"] for n in GOOD}


def test_a_copy_of_a_document_whose_rows_are_doubted_does_not_fail_the_run(tmp_path):
    """The copy shares the original's doc_id (the hash of the bytes); explaining the original's doubted rows
    (a news article's: a secondary source) must look up the document that was read, not both rows."""
    raw = tmp_path / "raw"
    raw.mkdir()
    news = "laocai-2024-news-dti2023.html"
    shutil.copyfile(RAW / news, raw / news)
    shutil.copyfile(RAW / news, raw / "zz-copy-of-news.html")
    summary = run_pipeline(raw, tmp_path / "curated")
    assert summary.exit_code == EXIT_OK and summary.documents == {"ok": 1, "duplicate": 1}
    cur = Curated(tmp_path / "curated")
    original = cur.doc(news)
    assert cur.doc("zz-copy-of-news.html")["duplicate_of"] == news
    assert score_mismatches(cur.rows("scores", news), "laocai-2024-news-dti2023") == []
    scores, issues = cur.table("scores"), cur.table("issues")
    secondary = issues[issues["code"] == "secondary_source"]
    assert len(secondary) == len(scores) > 0 and set(secondary["doc_id"]) == {original["doc_id"]}


@pytest.mark.slow
def test_run_json_summarises_the_run(damaged):
    _, cur = damaged
    run = json.loads((cur.path / "run.json").read_text(encoding="utf-8"))
    assert run["documents_by_status"] == {"duplicate": 1, "ok": 2, "quarantined": len(EXPECTED)}
    issues = cur.table("issues")
    assert run["issues_by_severity"] == dict(Counter(issues["severity"]))
    unresolved = issues[issues["code"] == "unresolved_unit"]
    assert run["unresolved_units"] == len(unresolved)
    assert run["unresolved_names"] == sorted(set(unresolved["unit_name_raw"]))
    assert {q["file_name"]: q["error"] for q in run["quarantined"]} == EXPECTED
    files = {f["file_name"]: f["status"] for f in run["files"]}
    assert (
        files[DUPLICATE] == "duplicate"
        and files["empty.pdf"] == "quarantined"
        and files["laocai-2024-dti2023.pdf"] == "ok"
    )
    assert run["extracted"] == 2 + len(EXPECTED) and run["from_cache"] == 0
    assert run["rows"]["scores"] == len(cur.table("scores"))
    assert run["version"] and cur.path.resolve().name.endswith(run["version"])
    assert run["ocr_engine"] == "tesserocr"  # the binding is installed by the set-up commands


@pytest.mark.slow
def test_a_400_page_pdf_is_not_bad_input(tmp_path):
    """The decision's 5 pages then 395 blank pages: read without OCR, rows as from the short one."""
    reader = PdfReader(str(RAW / "laocai-2024-dti2023.pdf"))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    box = reader.pages[0].mediabox
    for _ in range(400 - len(reader.pages)):
        writer.add_blank_page(width=box.width, height=box.height)
    raw = tmp_path / "raw"
    raw.mkdir()
    with open(raw / "long.pdf", "wb") as fh:
        writer.write(fh)
    summary = run_pipeline(raw, tmp_path / "curated", timeout_s=120)
    cur = Curated(tmp_path / "curated")
    assert summary.quarantined == []
    doc = cur.doc("long.pdf")
    assert (doc["status"], doc["pages"], doc["text_source"]) == ("ok", 400, "text_layer")
    assert score_mismatches(cur.rows("scores", "long.pdf"), "laocai-2024-dti2023") == []


def test_a_blank_image_page_beside_text_pages_is_not_an_error(tmp_path):
    from pipeline.process import read_pdf_pages, text_source

    path = tmp_path / "with-blank-sheet.pdf"
    writer = PdfWriter(clone_from=str(RAW / "laocai-2024-dti2023.pdf"))
    blank = io.BytesIO()
    Image.new("L", (620, 877), 255).save(blank, "PDF", resolution=75)
    writer.append(PdfReader(blank))
    with open(path, "wb") as fh:
        writer.write(fh)
    pages, n = read_pdf_pages(path)
    assert n == 6 and pages[-1].lines == [] and pages[-1].grids == []
    assert text_source(pages) == "text_layer"  # the empty OCR page does not make it "mixed"


def _scan_raw(tmp: Path) -> Path:
    raw = tmp / "raw"
    raw.mkdir()
    shutil.copyfile(SCAN, raw / SCAN.name)
    return raw


@pytest.mark.slow
def test_a_document_over_the_time_limit_is_quarantined_and_retried_when_raised(tmp_path):
    raw = _scan_raw(tmp_path)
    summary = run_pipeline(raw, tmp_path / "curated", timeout_s=1)
    reason = "processing took longer than 1 s and was stopped; the file may be damaged or unusually large — check it, or raise --timeout"
    assert summary.quarantined == [(SCAN.name, reason)]
    again = run_pipeline(raw, tmp_path / "curated", timeout_s=1)
    assert (again.extracted, again.from_cache) == (0, 1)  # same limit: the cached verdict stands
    raised = run_pipeline(raw, tmp_path / "curated", timeout_s=1.5)
    assert raised.extracted == 1  # a raised limit gets a new attempt
    assert raised.quarantined == [(SCAN.name, reason.replace("1 s", "1.5 s"))]


@pytest.mark.slow
def test_a_document_over_the_memory_limit_is_quarantined(tmp_path):
    raw = _scan_raw(tmp_path)
    summary = run_pipeline(
        raw, tmp_path / "curated", memory_mb=80, timeout_s=60
    )  # 80 MB more than the fork starts with
    reason = "processing needed more than 80 MB of memory and was stopped; the file may be damaged or unusually large — check it, or raise --memory-mb"
    assert summary.quarantined == [(SCAN.name, reason)]


# --- the command line --------------------------------------------------------------------


def _run_cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.slow
def test_exit_codes_and_plain_progress_lines(tmp_path):
    raw = tmp_path / "raw"
    copy_good(raw)
    ok = _run_cli("run", "--raw", str(raw), "--curated", str(tmp_path / "curated"))
    assert ok.exit_code == EXIT_OK, ok.output
    assert "dti: 2 files found" in ok.stderr
    assert "dti: laocai-2024-dti2023.pdf: ok (" in ok.stderr
    assert "documents: 2 ok" in ok.stdout
    assert "extracted 2, from cache 0" in ok.stdout

    (raw / "empty.pdf").write_bytes(b"")
    bad = _run_cli("run", "--raw", str(raw), "--curated", str(tmp_path / "curated"))
    assert bad.exit_code == EXIT_QUARANTINED, bad.output
    stamped = [ln.split(" ", 1) for ln in bad.stderr.splitlines()]  # log lines: ISO time stamp, then the message
    assert all(dt.datetime.fromisoformat(stamp).tzinfo is not None for stamp, _ in stamped)
    lines = [message for _, message in stamped]
    assert "dti: 3 files found" in lines
    assert any(
        ln.startswith(f"dti: empty.pdf: QUARANTINED: {EXPECTED['empty.pdf']} (") and ln.endswith("s)") for ln in lines
    )
    assert "dti: laocai-2024-dti2023.pdf: ok (cached)" in lines
    assert "documents: 2 ok, 1 quarantined" in bad.stdout
    assert "extracted 1, from cache 2" in bad.stdout
    assert f"quarantined: empty.pdf: {EXPECTED['empty.pdf']}" in bad.stdout.splitlines()

    as_json = _run_cli("run", "--raw", str(raw), "--curated", str(tmp_path / "curated"), "--json")
    assert as_json.exit_code == EXIT_QUARANTINED
    assert json.loads(as_json.stdout)["documents_by_status"] == {"ok": 2, "quarantined": 1}


def test_missing_raw_folder_fails_with_exit_1(tmp_path):
    result = _run_cli("run", "--raw", str(tmp_path / "nope"), "--curated", str(tmp_path / "curated"))
    assert result.exit_code == 1
    assert "does not exist" in result.stderr


@pytest.mark.slow
def test_status_lists_new_changed_removed_and_quarantined(tmp_path):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    copy_good(raw)
    (raw / "empty.pdf").write_bytes(b"")
    before = _run_cli("status", "--raw", str(raw), "--curated", str(curated))
    assert before.exit_code == 3  # nothing published yet: something to act on
    assert f"{curated}/ has no published run yet; `dti run` will process 3 files" in before.stdout
    assert "new: empty.pdf" in before.stdout

    assert _run_cli("run", "--raw", str(raw), "--curated", str(curated)).exit_code == EXIT_QUARANTINED
    same = _run_cli("status", "--raw", str(raw), "--curated", str(curated))
    assert same.exit_code == 3  # a quarantined file is still something to act on
    assert same.stdout.splitlines() == [f"quarantined: empty.pdf: {EXPECTED['empty.pdf']}", "up to date"]

    with open(raw / "laocai-2024-dti2023.pdf", "ab") as fh:
        fh.write(b"\n% edited\n")
    (raw / "laocai-2017-qd512-ict2016.pdf").unlink()
    shutil.copyfile(RAW / "laocai-2023-news-dti2022.html", raw / "news.html")
    after = _run_cli("status", "--raw", str(raw), "--curated", str(curated))
    assert after.stdout.splitlines() == [
        "new: news.html",
        "changed: laocai-2024-dti2023.pdf",
        "removed: laocai-2017-qd512-ict2016.pdf",
        f"quarantined: empty.pdf: {EXPECTED['empty.pdf']}",
        "1 new, 1 changed, 1 removed, 1 unchanged",
    ]


# --- incremental runs --------------------------------------------------------------------


@pytest.mark.slow
def test_incremental_runs_extract_only_what_changed(tmp_path):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    copy_good(raw)
    first = run_pipeline(raw, curated)
    assert (first.extracted, first.from_cache) == (2, 0)

    second = run_pipeline(raw, curated)
    assert (second.extracted, second.from_cache) == (0, 2)

    with open(raw / "laocai-2024-dti2023.pdf", "ab") as fh:  # still a valid PDF, new bytes
        fh.write(b"\n% re-saved\n")
    third = run_pipeline(raw, curated)
    assert (third.extracted, third.from_cache) == (1, 1)
    cur = Curated(curated)
    assert score_mismatches(cur.rows("scores", "laocai-2024-dti2023.pdf"), "laocai-2024-dti2023") == []

    old_2017 = cur.doc("laocai-2017-qd512-ict2016.pdf")["doc_id"]
    (raw / "laocai-2017-qd512-ict2016.pdf").unlink()
    fourth = run_pipeline(raw, curated)
    assert (fourth.extracted, fourth.from_cache) == (0, 1)
    assert list(cur.table("documents")["file_name"]) == ["laocai-2024-dti2023.pdf"]
    for table in ("scores", "components", "issues"):
        assert old_2017 not in set(cur.table(table)["doc_id"]), table


@pytest.mark.slow
def test_an_edited_registry_rederives_unit_ids_without_extraction(tmp_path):
    import normalizers

    raw, curated = tmp_path / "raw", tmp_path / "curated"
    copy_good(raw, ["laocai-2024-dti2023.pdf"])
    registry = tmp_path / "registry"
    shutil.copytree(Path(normalizers.__file__).parent / "data", registry)
    first = run_pipeline(raw, curated, registry_dir=registry)
    scores = Curated(curated).table("scores")
    assert "lci.vp_ubnd" in set(scores["unit_id"])

    units = registry / "units" / "lao-cai.yaml"
    units.write_text(units.read_text(encoding="utf-8").replace("lci.vp_ubnd", "lci.van_phong_ubnd"), encoding="utf-8")
    second = run_pipeline(raw, curated, registry_dir=registry)
    assert (first.extracted, second.extracted, second.from_cache) == (1, 0, 1)
    after = Curated(curated).table("scores")
    assert "lci.vp_ubnd" not in set(after["unit_id"])
    assert (after["unit_id"] == "lci.van_phong_ubnd").sum() == (scores["unit_id"] == "lci.vp_ubnd").sum() > 0
    assert "lci.van_phong_ubnd" in set(Curated(curated).table("units")["unit_id"])
