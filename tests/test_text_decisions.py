"""Text-layer decisions end to end: every published value as in the fixture truth."""

import pytest

from tests.truth import component_mismatches, document_mismatches, score_mismatches, truth_csv

CASES = [
    ("laocai-2024-dti2023.pdf", "laocai-2024-dti2023"),
    ("laocai-2017-qd512-ict2016.pdf", "laocai-2017-qd512-ict2016"),
]


@pytest.mark.parametrize("file_name,truth_id", CASES)
def test_scores_match_truth(text_run, file_name, truth_id):
    assert score_mismatches(text_run.rows("scores", file_name), truth_id) == []


@pytest.mark.parametrize("file_name,truth_id", CASES)
def test_document_metadata_matches_truth(text_run, file_name, truth_id):
    doc = text_run.doc(file_name)
    assert doc["status"] == "ok"
    assert doc["text_source"] == "text_layer"
    assert document_mismatches(doc, truth_id) == []


def test_components_match_truth(text_run):
    rows = text_run.rows("components", "laocai-2017-qd512-ict2016.pdf")
    assert component_mismatches(rows, "laocai-2017-qd512-ict2016") == []
    assert set(rows["component_code"]) == {
        "ha_tang", "ung_dung_noi_bo", "ung_dung_phuc_vu", "dam_bao_attt", "nhan_luc", "quy_dinh_noi_bo", "ung_dung_cap_xa",
    }


def test_2024_has_no_components_and_consistent_checks(text_run):
    assert text_run.rows("components", "laocai-2024-dti2023.pdf").empty
    issues = text_run.rows("issues", "laocai-2024-dti2023.pdf")
    # truncated percents and rounded averages are the document's convention, not errors
    assert set(issues["code"]) - {"unresolved_unit"} == set()


def test_tier_codes_and_score_pct(text_run):
    scores = text_run.rows("scores", "laocai-2024-dti2023.pdf")
    row = scores[scores["unit_name_raw"] == "Thành phố Lào Cai"].iloc[0]
    assert row["tier"] == "dan_dat" and row["tier_source"] == "printed"
    assert row["score_pct"] == pytest.approx(76.039)
    assert row["source_page"] == 5
    ict = text_run.rows("scores", "laocai-2017-qd512-ict2016.pdf")
    assert set(ict["tier"]) == {"tot", "kha"}
    assert ict.loc[ict["unit_name_raw"] == "Vườn Quốc gia Hoàng Liên", "tier"].item() == "kha"


def test_averages_are_not_units_and_match_truth(text_run):
    from pathlib import Path

    from normalizers.frameworks import load_knowledge
    from normalizers.scores import normalize_ranking
    from pipeline.process import raw_decision, read_pdf_pages
    from tests.truth import RAW

    pages, _ = read_pdf_pages(Path(RAW / "laocai-2024-dti2023.pdf"))
    norm = normalize_ranking(raw_decision(pages, load_knowledge()), "x", load_knowledge())
    truth = truth_csv("laocai-2024-dti2023", "averages")
    got = {(r.group_code, r.row_label): r.average for r in norm.averages.itertuples()}
    assert got == {(t.group_code, t.row_label): float(t.average) for t in truth.itertuples()}
    assert not norm.scores["unit_name_raw"].str.contains("trung bình").any()
