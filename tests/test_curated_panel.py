"""All sources in one curated set: weekly indicators, news scores, and units across years."""

import math

import pandas as pd
import pytest

from tests.conftest import run_on
from tests.truth import RAW, document_mismatches, score_mismatches, truth_csv

pytestmark = pytest.mark.slow

FILES = [
    "laocai-2017-qd512-ict2016.pdf",
    "laocai-2024-dti2023.pdf",
    "laocai-2023-news-dti2022.html",
    "laocai-2025-w05-weekly.pdf",
]


@pytest.fixture(scope="module")
def panel_run(tmp_path_factory):
    return run_on(tmp_path_factory.mktemp("panel"), [RAW / f for f in FILES])


def test_weekly_indicators_in_curated_match_truth(panel_run):
    got = panel_run.rows("weekly_indicators", "laocai-2025-w05-weekly.pdf")
    truth = truth_csv("laocai-2025-w05-weekly", "indicators")
    assert len(got) == len(truth)
    for (_, g), t in zip(got.iterrows(), truth.itertuples()):
        assert (g["table_code"], g["row_label"], g["column_label"]) == (t.table_code, t.row_label, t.column_label)
        assert (g["value_raw"] if pd.notna(g["value_raw"]) else "") == t.value_raw
        for field in ("value", "numerator", "denominator"):
            expected = float(getattr(t, field)) if getattr(t, field) else None
            actual = None if pd.isna(g[field]) else float(g[field])
            assert (actual is None and expected is None) or math.isclose(actual, expected), (t.row_label, field)
        assert (g["unit_of_measure"] if pd.notna(g["unit_of_measure"]) else "") == t.unit_of_measure
    assert str(got["period_start"].iloc[0]) == "2025-01-31" and str(got["period_end"].iloc[0]) == "2025-02-06"


def test_weekly_unit_rows_carry_unit_ids(panel_run):
    got = panel_run.rows("weekly_indicators", "laocai-2025-w05-weekly.pdf")
    units = got[got["table_code"].isin(["pl_cap_tinh", "pl_huyen", "pl_van_ban"])]
    assert units["unit_id"].notna().all()
    assert got.loc[got["table_code"] == "kpi", "unit_id"].isna().all()
    districts = units[units["table_code"] == "pl_huyen"]
    assert set(districts.loc[districts["row_label"].str.contains("Bắc Hà"), "unit_id"]) == {"lci.huyen_bac_ha"}
    party = units[units["table_code"] == "pl_van_ban"]
    assert set(party.loc[party["row_label"].str.contains("Bắc Hà"), "unit_id"]) == {"lci.huyen_uy_bac_ha"}


def test_news_article_is_a_secondary_source(panel_run):
    doc = panel_run.doc("laocai-2023-news-dti2022.html")
    assert (doc["source_kind"], doc["text_source"]) == ("news_article", "html")
    assert document_mismatches(doc, "laocai-2023-news-dti2022") == []
    scores = panel_run.rows("scores", "laocai-2023-news-dti2022.html")
    assert score_mismatches(scores, "laocai-2023-news-dti2022") == []
    assert (scores["confidence"] < 1).all()
    issues = panel_run.rows("issues", "laocai-2023-news-dti2022.html")
    du_lich = issues[(issues["unit_name_raw"] == "Sở Du lịch") & (issues["severity"] != "info")]
    assert list(du_lich["code"]) == ["tier_inconsistent"]
    # every row says why its confidence is below 1: a secondary source
    assert set(issues.loc[issues["severity"] == "info", "unit_name_raw"]) == set(scores["unit_name_raw"])
    assert (issues["code"] == "source_contradiction").sum() == 1  # the tier contradiction is tier_inconsistent, once


def test_every_printed_name_resolves_to_a_unit(panel_run):
    scores = panel_run.table("scores")
    assert scores["unit_id"].notna().all(), scores.loc[scores["unit_id"].isna(), "unit_name_raw"].tolist()
    assert (scores["unit_name"].notna()).all()
    comps = panel_run.table("components")
    assert comps["unit_id"].notna().all()


def test_transport_and_construction_panel_across_years(panel_run):
    scores = panel_run.table("scores")
    lineage = panel_run.table("unit_lineage")
    family, frontier = {"lci.so_gtvt_xd"}, {"lci.so_gtvt_xd"}
    while frontier:
        frontier = set(lineage[lineage["to_unit_id"].isin(frontier)]["from_unit_id"]) - family
        family |= frontier
    assert family == {"lci.so_gtvt_xd", "lci.so_gtvt", "lci.so_xay_dung"}
    panel = scores[scores["unit_id"].isin(family)].sort_values(["assessment_year", "unit_id"])
    assert list(zip(panel["assessment_year"], panel["unit_id"], panel["total_score"])) == [
        (2016, "lci.so_gtvt", float(truth_total("laocai-2017-qd512-ict2016", "Sở Giao thông Vận tải"))),
        (2016, "lci.so_xay_dung", float(truth_total("laocai-2017-qd512-ict2016", "Sở Xây dựng"))),
        (2023, "lci.so_gtvt_xd", float(truth_total("laocai-2024-dti2023", "Sở Giao thông vận tải - Xây dựng"))),
    ]


def test_2022_leaders_sit_between_2016_and_2023(panel_run):
    scores = panel_run.table("scores")
    gddt = scores[scores["unit_id"] == "lci.so_gddt"].sort_values("assessment_year")
    assert list(gddt["assessment_year"]) == [2016, 2022, 2023]
    assert list(gddt["framework"]) == ["ict_index", "dti", "dti"]


def truth_total(truth_id: str, name: str) -> str:
    t = truth_csv(truth_id, "scores")
    return t.loc[t["unit_name"] == name, "total_score"].item()
