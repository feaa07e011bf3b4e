"""Scanned decisions end to end: OCR, self-checking repair, and no silent errors."""

import pytest

from tests.conftest import run_on
from tests.truth import (
    RAW,
    component_mismatches,
    document_mismatches,
    exact_rate,
    field_count,
    score_mismatches,
    truth_csv,
    unflagged,
)

pytestmark = pytest.mark.ocr

TRUTH_ID = "laocai-2017-qd512-ict2016"

SCANS = [
    ("laocai-2017-qd512-ict2016-scan.pdf", "laocai-2017-qd512-ict2016"),
    ("caobang-2023-qd943-dti2022-scan.pdf", "caobang-2023-qd943-dti2022"),
]


@pytest.fixture(scope="module")
def scan_run(tmp_path_factory):
    return run_on(tmp_path_factory.mktemp("scans"), [RAW / f for f, _ in SCANS])


@pytest.mark.parametrize("file_name,truth_id", SCANS)
def test_scan_metadata(scan_run, file_name, truth_id):
    doc = scan_run.doc(file_name)
    assert doc["status"] == "ok"
    assert doc["text_source"] == "ocr"
    assert document_mismatches(doc, truth_id) == []


@pytest.mark.parametrize("file_name,truth_id", SCANS)
def test_scan_fields_match_truth_and_every_miss_is_flagged(scan_run, file_name, truth_id):
    scores = scan_run.rows("scores", file_name)
    misses = score_mismatches(scores, truth_id) + component_mismatches(scan_run.rows("components", file_name), truth_id)
    exact = exact_rate(misses, truth_id)
    print(f"{file_name}: {exact:.2%} of {field_count(truth_id)} fields exact; misses: {misses[:5]}")
    assert exact >= 0.995
    assert unflagged(misses, scan_run.rows("issues", file_name)) == []
    assert (scores["confidence"] < 1.0).all()


def test_ocr_corrections_land_on_the_printed_values(scan_run):
    """Each recorded OCR correction is a warning that reads the document's own printed value."""
    issues = scan_run.rows("issues", "laocai-2017-qd512-ict2016-scan.pdf")
    corrected = issues[issues["code"] == "ocr_corrected"]
    assert len(corrected) > 0 and (corrected["severity"] == "warning").all()
    assert (corrected["printed"] != corrected["expected"]).all()
    scores, comps = truth_csv(TRUTH_ID, "scores"), truth_csv(TRUTH_ID, "components")
    printed = {
        "group_title": set(scores["group_title"]),
        "unit_name_raw": set(scores["unit_name"]),
        "component_name": set(comps["component"]),
    }
    for c in corrected.itertuples():
        field = c.field.split(":")[0]
        if field in printed:
            assert c.expected in printed[field], (c.field, c.printed, c.expected)
        elif field == "component_max":
            assert float(c.expected) in set(comps["component_max"].astype(float))


def test_published_discrepancies_survive_ocr(scan_run):
    """Cao Bằng's two off-by-more-than-rounding totals are the document's, not OCR's: kept and flagged."""
    issues = scan_run.rows("issues", "caobang-2023-qd943-dti2022-scan.pdf")
    sums = issues[issues["code"] == "component_sum_mismatch"]
    assert set(sums["unit_name_raw"]) >= {"Sở Y tế", "Văn phòng UBND tỉnh"}
    scores = scan_run.rows("scores", "caobang-2023-qd943-dti2022-scan.pdf")
    assert scores.loc[scores["unit_name_raw"] == "Sở Y tế", "total_score"].item() == 671.3
