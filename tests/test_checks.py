"""Unit tests of each cross-check in normalizers/checks.py (issue 15, item 7).

The frames are the real shapes: a RawDocument built from the fixture truth of a decision
(values printed the way the decision prints them), typed by `normalize_ranking`, then one
value changed to the inconsistency under test. Every document used is consistent as
published except where its truth notes say otherwise (Cao Bằng's two wrong sums), so a
check on the unchanged frames reports exactly the published discrepancies, and one change
gives exactly one expected issue. No check may change a value: the frames are compared
before and after every call.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable

import pandas as pd
import pytest

from normalizers.checks import (
    CheckTally,
    check_averages,
    check_component_sums,
    check_maxima,
    check_percents,
    check_ranks,
    check_tiers,
    percent_convention,
    run_checks,
)
from normalizers.frameworks import Knowledge, load_knowledge
from normalizers.scores import Normalized, normalize_ranking
from schemas.issue_codes import IssueCode
from schemas.issues import Issue
from schemas.raw import RawAverage, RawComponent, RawDocument, RawRow, RawTable, TierRule
from tests.truth import truth_csv, truth_meta

LAOCAI = "laocai-2024-dti2023"  # decimal comma, two decimals, truncated percents, printed thresholds
CAOBANG = "caobang-2023-qd943-dti2022"  # decimal point, one decimal, six pillars per unit
ICT = "laocai-2017-qd512-ict2016"  # ICT index: tiers printed, no thresholds known (order only)
NATIONAL = "national-2018-ict2017-provinces-test"  # national 0-1 index, tie at rank 3

SUMS = IssueCode.COMPONENT_SUM_MISMATCH


def _comma(value: str, places: int) -> str:
    return f"{float(value):.{places}f}".replace(".", ",")


def _point(value: str, places: int) -> str:
    return f"{float(value):.{places}f}"


def _document(
    truth_id: str,
    groups: list[str],
    printed: Callable[[str, int], str],
    places: int,
    with_percent: bool = False,
    with_components: bool = False,
    with_averages: bool = False,
) -> RawDocument:
    """The truth of `groups` as the decision prints it (numbers in its convention and precision)."""
    meta = truth_meta(truth_id)
    scores = truth_csv(truth_id, "scores")
    comps = truth_csv(truth_id, "components") if with_components else None
    averages = truth_csv(truth_id, "averages") if with_averages else None
    maxima = {g["group_code"]: g["max_score"] for g in meta.get("groups", [])}
    tables = []
    for group in groups:
        rows = scores[scores["group_code"] == group]
        names = [] if comps is None else list(dict.fromkeys(comps.loc[comps["group_code"] == group, "component"]))
        components = []
        for name in names:
            cmax = comps.loc[(comps["group_code"] == group) & (comps["component"] == name), "component_max"].iloc[0]
            components.append(RawComponent(name, printed(cmax, 1) if cmax else None))
        raw_rows = []
        for r in rows.itertuples():
            own = [] if comps is None else comps[(comps["group_code"] == group) & (comps["unit_name"] == r.unit_name)]
            raw_rows.append(
                RawRow(
                    r.unit_name,
                    rank=r.rank or None,
                    total=printed(r.total_score, places) if r.total_score else None,
                    percent=printed(r.score_pct, 2) if with_percent and r.score_pct else None,
                    tier=r.tier or None,
                    evaluated=r.evaluated == "true",
                    components=[] if comps is None else [printed(s, places) if s else None for s in own["score"]],
                )
            )
        avg = [] if averages is None else list(averages[averages["group_code"] == group].itertuples())
        tables.append(
            RawTable(
                rows["group_title"].iloc[0],
                group,
                max_raw=printed(str(maxima.get(group, rows["max_score"].iloc[0])), 1),
                components=components,
                rows=raw_rows,
                averages=[RawAverage(a.row_label, printed(a.average, places)) for a in avg],
            )
        )
    thresholds = meta.get("tier_thresholds") or {}
    rules = [TierRule(t["tier"], t["pct_gt"], t["pct_le"]) for t in thresholds.get("tiers", [])]
    return RawDocument(
        source_kind=meta["source_kind"],
        province=meta["province"],
        assessment_year=meta["assessment_year"],
        framework=meta["framework"],
        text_source="text_layer",
        tables=tables,
        tier_rules=rules if thresholds.get("printed") else [],
    )


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="module")
def laocai(knowledge) -> Normalized:
    """Lào Cai 2024 (DTI): groups tthc (max 1000) and khong_tthc (max 800), percents and averages."""
    doc = _document(LAOCAI, ["tthc", "khong_tthc"], _comma, 2, with_percent=True, with_averages=True)
    return normalize_ranking(doc, LAOCAI, knowledge)


@pytest.fixture(scope="module")
def caobang(knowledge) -> Normalized:
    """Cao Bằng 2023 (DTI 2022), the departments: six pillars, two sums wrong as published."""
    doc = _document(CAOBANG, ["so_ban_nganh"], _point, 1, with_components=True)
    return normalize_ranking(doc, CAOBANG, knowledge)


@pytest.fixture(scope="module")
def ict(knowledge) -> Normalized:
    """Lào Cai 2016 ICT index: tiers printed per section, no thresholds known."""
    doc = _document(ICT, ["so_ban_nganh"], _point, 1, with_components=True)
    return normalize_ranking(doc, ICT, knowledge)


@pytest.fixture(scope="module")
def national(knowledge) -> Normalized:
    doc = _document(NATIONAL, ["tinh"], _comma, 3, with_components=True)
    return normalize_ranking(doc, NATIONAL, knowledge)


def _frames(norm: Normalized) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return norm.scores.copy(deep=True), norm.components.copy(deep=True), norm.averages.copy(deep=True)


def _unchanged(norm: Normalized, before: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    for frame, saved in zip((norm.scores, norm.components, norm.averages), before):
        pd.testing.assert_frame_equal(frame, saved)


def _run(check: Callable[..., list[Issue]], norm: Normalized, *extra) -> list[Issue]:
    """A check's issues, asserting that it left every value of its input as it was."""
    before = _frames(norm)
    issues = check(norm.scores["doc_id"].iloc[0], norm, *extra)
    _unchanged(norm, before)
    again = check(norm.scores["doc_id"].iloc[0], norm, *extra)
    assert again == issues  # a check is a function of its input
    return issues


def _records(frame: pd.DataFrame) -> tuple[dict, ...]:
    """A changed frame back as the records a Normalized holds (NaN where a value is missing)."""
    return tuple(frame.to_dict("records"))


def _set(norm: Normalized, unit: str, **values) -> Normalized:
    """A copy of `norm` with one unit's scores row changed (the original is not touched)."""
    scores = norm.scores.copy(deep=True)
    mask = scores["unit_name_raw"] == unit
    assert mask.sum() == 1, unit
    for column, value in values.items():
        scores.loc[mask, column] = value
    return dataclasses.replace(norm, score_rows=_records(scores))


def _set_component(norm: Normalized, unit: str, component: str, score: float) -> Normalized:
    comps = norm.components.copy(deep=True)
    mask = (comps["unit_name_raw"] == unit) & (comps["component_name"] == component)
    assert mask.sum() == 1, (unit, component)
    comps.loc[mask, "score"] = score
    return dataclasses.replace(norm, component_rows=_records(comps))


def _row(norm: Normalized, unit: str) -> pd.Series:
    return norm.scores[norm.scores["unit_name_raw"] == unit].iloc[0]


def _one(issues: list[Issue], code: IssueCode, field: str, unit: str, severity: str = "warning") -> Issue:
    assert len(issues) == 1, [i.message for i in issues]
    issue = issues[0]
    assert (issue.code, issue.field, issue.unit_name_raw, issue.severity) == (code, field, unit, severity)
    assert unit in issue.message
    return issue


# --- the fixtures are what the decisions print ---------------------------------------------------


def test_the_built_frames_carry_the_truth(laocai, caobang, ict, national):
    row = _row(laocai, "Sở Tài chính")
    assert (row["total_score"], row["max_score"], row["score_pct_printed"], row["tier"]) == (
        686.07,
        1000.0,
        68.6,
        "nang_cao",
    )
    assert laocai.tiers_printed and [t.code for t in laocai.tiers] == ["dan_dat", "nang_cao", "hinh_thanh", "khoi_dong"]
    assert list(laocai.averages["average"]) == [620.6, 389.01]
    assert len(caobang.components) == 6 * int(caobang.scores["evaluated"].sum())
    assert not ict.tiers and set(ict.scores["tier"]) == {"tot", "kha"}
    assert list(national.scores["rank"].head(5)) == [1, 2, 3, 3, 5]


# --- check_component_sums --------------------------------------------------------------------------


def test_component_sums_report_only_the_two_sums_the_decision_gets_wrong(caobang):
    issues = _run(check_component_sums, caobang)
    assert [(i.unit_name_raw, i.printed, i.expected) for i in issues] == [
        ("Văn phòng UBND tỉnh", "749.8", "749.1"),
        ("Sở Y tế", "671.3", "671.8"),
    ]
    for i in issues:
        assert (i.code, i.field, i.severity, i.group_code) == (SUMS, "total_score", "warning", "so_ban_nganh")
    assert "Sở Y tế add up to 671.8, not the printed total 671.3" in issues[1].message


def test_component_sum_tolerance_is_half_a_printed_decimal_per_part(caobang):
    # Sở Công Thương's six pillars (one decimal) add up to 822.4, printed total 822.3;
    # seven roundings of 0.05 allow 0.35: 822.7 passes, 822.8 does not.
    fixed = [i.unit_name_raw for i in _run(check_component_sums, caobang)]
    unit = "Sở Công Thương"
    assert unit not in fixed
    assert [i.unit_name_raw for i in _run(check_component_sums, _set(caobang, unit, total_score=822.7))] == fixed
    issues = [i for i in _run(check_component_sums, _set(caobang, unit, total_score=822.8)) if i.unit_name_raw == unit]
    issue = _one(issues, SUMS, "total_score", unit)
    assert (issue.printed, issue.expected) == ("822.8", "822.4")
    assert "822.4" in issue.message and "822.8" in issue.message


def test_a_misread_pillar_breaks_its_units_sum(caobang):
    changed = _set_component(caobang, "Sở Tài chính", "Nhân lực số", 118.3)  # 112.3 printed
    issues = [i for i in _run(check_component_sums, changed) if i.unit_name_raw == "Sở Tài chính"]
    issue = _one(issues, SUMS, "total_score", "Sở Tài chính")
    assert (issue.printed, issue.expected) == ("820.3", "826.3")


def test_component_sums_skip_units_without_a_total_or_components(caobang):
    unit = "Huyện Quảng Hòa"
    assert unit not in set(caobang.scores["unit_name_raw"])  # the departments' table evaluates everyone
    without_total = _set(caobang, "Sở Y tế", total_score=float("nan"))
    assert [i.unit_name_raw for i in _run(check_component_sums, without_total)] == ["Văn phòng UBND tỉnh"]
    empty = dataclasses.replace(caobang, component_rows=())
    assert _run(check_component_sums, empty) == []


# --- check_percents / percent_convention -----------------------------------------------------------


def test_laocai_truncates_its_percents_and_every_one_is_consistent(laocai):
    assert percent_convention(laocai.score_rows) == "truncated"  # 686,07 / 1000 is printed 68,60 %
    assert _run(check_percents, laocai) == []


def test_percent_convention_is_decided_from_all_rows(laocai, caobang):
    rounded = laocai.scores.assign(score_pct_printed=laocai.scores["score_pct"].round(2))
    assert percent_convention(_records(rounded)) == "rounded"
    assert percent_convention(caobang.score_rows) is None  # Cao Bằng prints no percent
    assert _run(check_percents, caobang) == []


def test_a_rounded_percent_in_a_truncating_document_is_one_hundredth_off(laocai):
    unit = "Sở Tài chính"  # 686.07 / 1000 = 68.607 %: truncated 68.60 (printed), rounded 68.61
    issue = _one(
        _run(check_percents, _set(laocai, unit, score_pct_printed=68.61)),
        IssueCode.PCT_MISMATCH,
        "score_pct_printed",
        unit,
    )
    assert (issue.printed, issue.expected, issue.group_code) == ("68.61", "68.60", "tthc")
    assert "printed at 68.61% but 686.07/1000 is 68.60% (truncated" in issue.message
    assert (
        _one(
            _run(check_percents, _set(laocai, unit, score_pct_printed=68.59)),
            IssueCode.PCT_MISMATCH,
            "score_pct_printed",
            unit,
        ).expected
        == "68.60"
    )


def test_a_percent_of_the_wrong_maximum_is_reported(laocai):
    unit = "Văn phòng Tỉnh uỷ"  # 494.41 of 800 is 61.80 %; of 1000 it would be 49.44 %
    issue = _one(
        _run(check_percents, _set(laocai, unit, score_pct_printed=49.44)),
        IssueCode.PCT_MISMATCH,
        "score_pct_printed",
        unit,
    )
    assert (issue.group_code, issue.expected) == ("khong_tthc", "61.80")
    assert "494.41/800" in issue.message


# --- check_tiers ------------------------------------------------------------------------------------


def test_every_printed_tier_of_laocai_agrees_with_its_printed_thresholds(laocai, knowledge):
    assert _run(check_tiers, laocai, knowledge) == []


def test_a_tier_above_its_band_is_reported_with_the_documents_thresholds(laocai, knowledge):
    unit = "Sở Tài nguyên và Môi trường"  # 41.18 %: hình thành (25 < pct <= 50)
    changed = _set(laocai, unit, tier="nang_cao", tier_printed="Nâng cao")
    issue = _one(_run(check_tiers, changed, knowledge), IssueCode.TIER_INCONSISTENT, "tier", unit)
    assert (issue.printed, issue.expected) == ("Nâng cao", "hinh_thanh")
    assert "printed at tier 'Nâng cao' but 41.19% of the maximum is hinh_thanh by the document's thresholds" in (
        issue.message
    )


def test_tier_band_edges_are_exclusive_below_inclusive_above(laocai, knowledge):
    unit = "Sở Giao thông vận tải - Xây dựng"  # printed Nâng cao (50 < pct <= 75)
    at_50 = _set(laocai, unit, total_score=500.0, score_pct=50.0)
    issue = _one(_run(check_tiers, at_50, knowledge), IssueCode.TIER_INCONSISTENT, "tier", unit)
    assert issue.expected == "hinh_thanh"
    assert _run(check_tiers, _set(laocai, unit, total_score=500.01, score_pct=50.001), knowledge) == []
    top = "Sở Lao động - Thương binh và Xã hội"
    assert _run(check_tiers, _set(laocai, top, total_score=750.0, score_pct=75.0), knowledge) == []
    over = _set(laocai, top, total_score=750.1, score_pct=75.01)
    assert _one(_run(check_tiers, over, knowledge), IssueCode.TIER_INCONSISTENT, "tier", top).expected == "dan_dat"


def test_derived_tiers_are_not_checked_against_the_thresholds_they_come_from(laocai, knowledge):
    unit = "Sở Tài nguyên và Môi trường"
    changed = _set(laocai, unit, tier="nang_cao", tier_printed=None, tier_source="derived")
    assert _run(check_tiers, changed, knowledge) == []


def test_ict_tiers_without_thresholds_are_checked_for_order(ict, knowledge):
    assert _run(check_tiers, ict, knowledge) == []
    # the best MỨC KHÁ scores 79.5, the lowest MỨC TỐT (Sở Giao thông Vận tải) 80.0
    unit = "Ban Quản lý khu kinh tế Lào Cai"
    assert (_row(ict, unit)["tier"], _row(ict, "Sở Giao thông Vận tải")["total_score"]) == ("kha", 80.0)
    issue = _one(
        _run(check_tiers, _set(ict, unit, total_score=80.5), knowledge), IssueCode.TIER_INCONSISTENT, "tier", unit
    )
    assert (issue.printed, issue.expected, issue.group_code) == ("MỨC KHÁ", "tot", "so_ban_nganh")
    assert issue.message == (
        "Ban Quản lý khu kinh tế Lào Cai scores 80.5 at tier 'MỨC KHÁ', below Sở Giao thông Vận tải with 80 at 'MỨC TỐT'."
    )


def test_ict_tier_order_ties_are_not_an_inversion(ict, knowledge):
    assert _run(check_tiers, _set(ict, "Ban Quản lý khu kinh tế Lào Cai", total_score=80.0), knowledge) == []


# --- check_ranks -----------------------------------------------------------------------------------


def test_laocai_ranks_follow_the_scores(laocai):
    assert _run(check_ranks, laocai) == []


def test_a_higher_rank_with_a_lower_score_is_reported_once(laocai):
    # ranked 9th: Ban Quản lý Khu kinh tế tỉnh 632.79; 10th: Sở Công Thương 632.68
    unit = "Sở Công Thương"
    issue = _one(_run(check_ranks, _set(laocai, unit, total_score=632.80)), IssueCode.RANK_ORDER, "rank", unit)
    assert issue.printed == "10" and issue.group_code == "tthc"
    assert "ranked 10 with 632.8, more than Ban Quản lý Khu kinh tế tỉnh ranked 9 with 632.79" in issue.message
    assert _run(check_ranks, _set(laocai, unit, total_score=632.79)) == []  # equal scores may take two ranks


def test_one_rank_for_different_scores_names_each_unit(laocai):
    issues = _run(check_ranks, _set(laocai, "Sở Công Thương", rank=9))
    assert [(i.code, i.field, i.unit_name_raw, i.printed) for i in issues] == [
        (IssueCode.RANK_ORDER, "rank", "Ban Quản lý Khu kinh tế tỉnh", "9"),
        (IssueCode.RANK_ORDER, "rank", "Sở Công Thương", "9"),
    ]
    assert all(i.message.startswith("Rank 9 is printed for units with different scores") for i in issues)


def test_a_tie_printed_as_a_shared_rank_passes(national):
    tied = national.scores[national.scores["rank"] == 3]
    assert list(tied["unit_name_raw"]) == ["Quảng Ninh", "Lào Cai"] and set(tied["total_score"]) == {0.64}
    assert _run(check_ranks, national) == []
    issues = _run(check_ranks, _set(national, "Lào Cai", total_score=0.639))
    assert {i.unit_name_raw for i in issues} == {"Quảng Ninh", "Lào Cai"}
    assert {(i.code, i.field, i.printed) for i in issues} == {(IssueCode.RANK_ORDER, "rank", "3")}


# --- check_averages --------------------------------------------------------------------------------


def test_printed_averages_are_the_rounded_means(laocai):
    assert _run(check_averages, laocai) == []  # tthc: mean 620.5967 printed 620,60


def test_average_tolerance_is_half_of_the_last_printed_decimal(laocai):
    averages = laocai.averages
    # the mean of tthc's 18 totals is 620.5967: printed with two decimals only 620.60 is within 0.005;
    # a third printed decimal narrows the tolerance to 0.0005
    for printed, flagged in ((620.60, False), (620.59, True), (620.61, True), (620.601, True)):
        changed = dataclasses.replace(
            laocai,
            average_rows=_records(
                averages.assign(average=averages["average"].where(averages["group_code"] != "tthc", printed))
            ),
        )
        issues = _run(check_averages, changed)
        if not flagged:
            assert issues == [], printed
            continue
        issue = _one(issues, IssueCode.AVERAGE_MISMATCH, "average", "Điểm trung bình")
        assert (issue.group_code, issue.printed, issue.expected) == ("tthc", f"{printed:.10g}", "620.5967")
        assert f"is {printed:g}, but the mean of its 18 rows is 620.5967" in issue.message


def test_averages_count_only_evaluated_units(laocai):
    unit = "Sở Tài nguyên và Môi trường"
    issue = _one(
        _run(check_averages, _set(laocai, unit, evaluated=False)),
        IssueCode.AVERAGE_MISMATCH,
        "average",
        "Điểm trung bình",
    )
    assert "mean of its 17 rows" in issue.message


# --- check_maxima ----------------------------------------------------------------------------------


def test_totals_and_pillars_within_their_maxima_pass(laocai, caobang):
    assert _run(check_maxima, laocai) == [] and _run(check_maxima, caobang) == []


def test_a_total_above_its_maximum_is_an_error(laocai):
    unit = "Văn phòng Tỉnh uỷ"  # group maximum 800
    assert _run(check_maxima, _set(laocai, unit, total_score=800.0)) == []
    issue = _one(
        _run(check_maxima, _set(laocai, unit, total_score=800.01)),
        IssueCode.TOTAL_EXCEEDS_MAX,
        "total_score",
        unit,
        "error",
    )
    assert (issue.printed, issue.expected) == ("800.01", "<= 800")
    assert "800.01 points, outside 0..800" in issue.message
    below = _one(
        _run(check_maxima, _set(laocai, unit, total_score=-1.0)),
        IssueCode.TOTAL_EXCEEDS_MAX,
        "total_score",
        unit,
        "error",
    )
    assert below.printed == "-1"


def test_a_pillar_above_its_maximum_names_the_component(caobang):
    unit = "Sở Công Thương"  # Nhân lực số: 97.4 of 150
    assert _run(check_maxima, _set_component(caobang, unit, "Nhân lực số", 150.0)) == []
    issues = _run(check_maxima, _set_component(caobang, unit, "Nhân lực số", 150.1))
    code = caobang.components.loc[caobang.components["component_name"] == "Nhân lực số", "component_code"].iloc[0]
    issue = _one(issues, IssueCode.COMPONENT_EXCEEDS_MAX, f"component:{code}", unit, "error")
    assert (issue.printed, issue.expected) == ("150.1", "<= 150")
    assert "150.1 in Nhân lực số, outside 0..150" in issue.message


# --- run_checks and the tally ----------------------------------------------------------------------


def test_run_checks_is_every_check_in_order(laocai, caobang, knowledge):
    assert _run(run_checks, laocai, knowledge) == []
    assert _run(run_checks, caobang, knowledge) == _run(check_component_sums, caobang)
    broken = _set(laocai, "Sở Công Thương", total_score=632.80)  # rank order only
    broken = _set(broken, "Văn phòng Tỉnh uỷ", total_score=800.01, score_pct=100.00125)
    codes = [i.code for i in _run(run_checks, broken, knowledge)]
    assert codes == [
        IssueCode.PCT_MISMATCH,  # 800.01 / 800 is not the printed 61.80 %
        IssueCode.TIER_INCONSISTENT,  # nor is it Nâng cao
        IssueCode.RANK_ORDER,
        IssueCode.AVERAGE_MISMATCH,  # khong_tthc's mean moved by 14.55; tthc's by 0.0067 is still 620.60
        IssueCode.TOTAL_EXCEEDS_MAX,
    ]


def test_a_national_index_is_not_the_sum_of_its_pillars(national, knowledge):
    # the pillar indexes of TP. Đà Nẵng add up to far more than its 0.727 overall index: a 0..1 index
    # (maximum 1) weighs its pillars, so neither the sum check nor the whole run reports them
    comps, rows = national.components, national.scores
    row = rows.iloc[0]
    pillars = comps[comps["unit_name_raw"] == row["unit_name_raw"]]["score"]
    assert row["max_score"] == 1.0 and len(pillars) > 1 and pillars.sum() > row["total_score"] + 0.1
    assert _run(check_component_sums, national) == []
    assert _run(run_checks, national, knowledge) == []


def test_a_row_whose_maximum_is_1_is_not_summed(caobang):
    """Cao Bằng's two published sum mismatches; with Sở Y tế's maximum 1 (a 0..1 index) only the other is left."""
    units = sorted(i.unit_name_raw for i in _run(check_component_sums, caobang))
    assert units == ["Sở Y tế", "Văn phòng UBND tỉnh"]
    as_index = _set(caobang, "Sở Y tế", max_score=1.0)
    assert [i.unit_name_raw for i in _run(check_component_sums, as_index)] == ["Văn phòng UBND tỉnh"]


def test_the_tally_counts_every_assertion_per_group(laocai, caobang, knowledge):
    tally = CheckTally()
    issues = run_checks(CAOBANG, caobang, knowledge, tally)
    assert issues == run_checks(CAOBANG, caobang, knowledge)
    n = len(caobang.scores)
    # sums and maxima once per unit, six pillar maxima per unit, ranks once per pair of neighbours
    assert tally.ran["so_ban_nganh"] == n + n + 6 * n + (n - 1)
    assert tally.failed["so_ban_nganh"] == len(issues) == 2
    assert tally.passed("so_ban_nganh") == tally.ran["so_ban_nganh"] - 2
    tally = CheckTally()
    run_checks(LAOCAI, laocai, knowledge, tally)
    tthc = int((laocai.scores["group_code"] == "tthc").sum())
    # percents, tiers, maxima per unit, ranks per neighbour pair, one average
    assert tally.ran["tthc"] == 3 * tthc + (tthc - 1) + 1 and tally.failed["tthc"] == 0


def test_checks_leave_the_document_and_its_issues_as_they_were(laocai, knowledge):
    frozen = copy.deepcopy(laocai)
    run_checks(LAOCAI, _set(laocai, "Sở Công Thương", total_score=632.80), knowledge)
    run_checks(LAOCAI, laocai, knowledge)
    for name in ("scores", "components", "averages"):
        pd.testing.assert_frame_equal(getattr(laocai, name), getattr(frozen, name))
    assert laocai.issues == frozen.issues
