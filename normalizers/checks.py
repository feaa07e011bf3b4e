"""The documents' own arithmetic, checked: sums, percents, tiers, ranks, averages, maxima.

Every check is a function from typed frames to issue rows. None of them changes a value:
a published number that fails a check is kept and the issue explains it in one sentence.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from normalizers.frameworks import Knowledge
from normalizers.numbers import EPS, decimals, expected_percent, percent_rule, sum_tolerance
from normalizers.scores import Normalized
from schemas.issue_codes import IssueCode
from schemas.issues import Issue


@dataclass
class CheckTally:
    """How many assertions each group's checks evaluated and how many failed.

    Zero issues means "clean" only when checks ran: the per-table parsing report shows both.
    Counting never changes what a check reports.
    """

    ran: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)

    def count(self, group: str | None, failed: bool) -> None:
        self.ran[group] += 1
        if failed:
            self.failed[group] += 1

    def passed(self, group: str | None) -> int:
        return self.ran[group] - self.failed[group]


def _count(tally: CheckTally | None, group, failed: bool) -> None:
    if tally is not None:
        tally.count(group, failed)


def _fmt(value: float | None) -> str | None:
    return None if value is None or pd.isna(value) else f"{value:.10g}"


def check_component_sums(doc_id: str, norm: Normalized, tally: CheckTally | None = None) -> list[Issue]:
    issues: list[Issue] = []
    comps = norm.components.dropna(subset=["score"])
    if comps.empty:
        return issues
    places = decimals(comps["score"])
    sums = comps.groupby(["group_code", "unit_name_raw"], sort=False)["score"].agg(["sum", "count"])
    for row in norm.scores.itertuples():
        key = (row.group_code, row.unit_name_raw)
        if key not in sums.index or pd.isna(row.total_score):
            continue
        total, count = sums.loc[key, "sum"], int(sums.loc[key, "count"])
        failed = abs(total - row.total_score) > sum_tolerance(places, count)
        _count(tally, row.group_code, failed)
        if failed:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.COMPONENT_SUM_MISMATCH,
                    severity="warning",
                    message=f"The component scores of {row.unit_name_raw} add up to {total:.10g}, not the printed total {row.total_score:.10g}.",
                    group_code=row.group_code,
                    unit_name_raw=row.unit_name_raw,
                    field="total_score",
                    printed=_fmt(row.total_score),
                    expected=_fmt(round(total, 6)),
                )
            )
    return issues


def percent_convention(scores: pd.DataFrame) -> str | None:
    """Whether the document rounds or truncates its printed percentages (decided from all rows)."""
    rows = scores.dropna(subset=["score_pct", "score_pct_printed"])
    if rows.empty:
        return None
    return percent_rule(zip(rows["score_pct"], rows["score_pct_printed"]), decimals(rows["score_pct_printed"]))


def check_percents(doc_id: str, norm: Normalized, tally: CheckTally | None = None) -> list[Issue]:
    issues: list[Issue] = []
    convention = percent_convention(norm.scores)
    if convention is None:
        return issues
    rows = norm.scores.dropna(subset=["score_pct", "score_pct_printed"])
    d = decimals(rows["score_pct_printed"])
    for r in rows.itertuples():
        expected = expected_percent(r.score_pct, d, convention)
        failed = abs(expected - r.score_pct_printed) > EPS
        _count(tally, r.group_code, failed)
        if failed:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.PCT_MISMATCH,
                    severity="warning",
                    message=f"{r.unit_name_raw} is printed at {r.score_pct_printed:g}% but {r.total_score:g}/{r.max_score:g} is {expected:.{d}f}% ({convention}, as the document does elsewhere).",
                    group_code=r.group_code,
                    unit_name_raw=r.unit_name_raw,
                    field="score_pct_printed",
                    printed=_fmt(r.score_pct_printed),
                    expected=f"{expected:.{d}f}",
                )
            )
    return issues


def check_tiers(doc_id: str, norm: Normalized, knowledge: Knowledge, tally: CheckTally | None = None) -> list[Issue]:
    issues: list[Issue] = []
    scores = norm.scores
    if norm.tiers:
        fw = knowledge.frameworks[scores["framework"].iloc[0]] if len(scores) else None
        for r in scores.itertuples():
            if r.tier_source != "printed" or pd.isna(r.score_pct) or fw is None:
                continue
            expected = fw.tier_for_pct(r.score_pct, norm.tiers)
            if expected is None:
                continue
            _count(tally, r.group_code, expected.code != r.tier)
            if expected.code != r.tier:
                source = "the document's thresholds" if norm.tiers_printed else f"the {fw.code} thresholds"
                issues.append(
                    Issue(
                        doc_id=doc_id,
                        code=IssueCode.TIER_INCONSISTENT,
                        severity="warning",
                        message=f"{r.unit_name_raw} is printed at tier {r.tier_printed!r} but {r.score_pct:.2f}% of the maximum is {expected.code} by {source}.",
                        group_code=r.group_code,
                        unit_name_raw=r.unit_name_raw,
                        field="tier",
                        printed=r.tier_printed,
                        expected=expected.code,
                    )
                )
        return issues
    for group, rows in scores.groupby("group_code", sort=False):
        fw = knowledge.frameworks.get(rows["framework"].iloc[0])
        if fw is None:
            continue
        order = {t.code: i for i, t in enumerate(fw.tiers)}
        ranked = rows.dropna(subset=["tier", "total_score"])
        for r in ranked.itertuples():
            better = ranked[(ranked["total_score"] < r.total_score - EPS) & (ranked["tier"].map(order) < order[r.tier])]
            _count(tally, group, not better.empty)
            if not better.empty:
                other = better.iloc[0]
                issues.append(
                    Issue(
                        doc_id=doc_id,
                        code=IssueCode.TIER_INCONSISTENT,
                        severity="warning",
                        message=f"{r.unit_name_raw} scores {r.total_score:g} at tier {r.tier_printed!r}, below {other['unit_name_raw']} with {other['total_score']:g} at {other['tier_printed']!r}.",
                        group_code=group,
                        unit_name_raw=r.unit_name_raw,
                        field="tier",
                        printed=r.tier_printed,
                        expected=other["tier"],
                    )
                )
    return issues


def check_ranks(doc_id: str, norm: Normalized, tally: CheckTally | None = None) -> list[Issue]:
    issues: list[Issue] = []
    for group, rows in norm.scores.groupby("group_code", sort=False):
        ranked = rows.dropna(subset=["rank", "total_score"]).sort_values("rank", kind="stable")
        prev = None
        for r in ranked.itertuples():
            if prev is not None:
                _count(tally, group, r.total_score > prev.total_score + EPS)
            if prev is not None and r.total_score > prev.total_score + EPS:
                issues.append(
                    Issue(
                        doc_id=doc_id,
                        code=IssueCode.RANK_ORDER,
                        severity="warning",
                        message=f"{r.unit_name_raw} is ranked {int(r.rank)} with {r.total_score:g}, more than {prev.unit_name_raw} ranked {int(prev.rank)} with {prev.total_score:g}.",
                        group_code=group,
                        unit_name_raw=r.unit_name_raw,
                        field="rank",
                        printed=str(r.rank),
                    )
                )
            prev = r
        dupes = ranked[ranked.duplicated("rank", keep=False)]
        for r in dupes.itertuples():
            same = dupes[(dupes["rank"] == r.rank) & (abs(dupes["total_score"] - r.total_score) > EPS)]
            _count(tally, group, not same.empty)
            if not same.empty:
                issues.append(
                    Issue(
                        doc_id=doc_id,
                        code=IssueCode.RANK_ORDER,
                        severity="warning",
                        message=f"Rank {r.rank} is printed for units with different scores ({r.unit_name_raw}).",
                        group_code=group,
                        unit_name_raw=r.unit_name_raw,
                        field="rank",
                        printed=str(r.rank),
                    )
                )
    return issues


def check_averages(doc_id: str, norm: Normalized, tally: CheckTally | None = None) -> list[Issue]:
    issues: list[Issue] = []
    for avg in norm.averages.dropna(subset=["average"]).itertuples():
        rows = norm.scores[(norm.scores["group_code"] == avg.group_code) & norm.scores["evaluated"]]
        mean = rows["total_score"].dropna().mean()
        if pd.isna(mean):
            continue
        # printed at the totals' precision ("620,60" parses as 620.6 but carries two decimals)
        places = max(decimals(rows["total_score"]), decimals([avg.average]))
        failed = abs(mean - avg.average) > 0.5 * 10**-places + EPS
        _count(tally, avg.group_code, failed)
        if failed:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.AVERAGE_MISMATCH,
                    severity="warning",
                    message=f"The printed {avg.row_label} of {avg.group_code} is {avg.average:g}, but the mean of its {len(rows)} rows is {mean:.4f}.",
                    group_code=avg.group_code,
                    unit_name_raw=avg.row_label,
                    field="average",
                    printed=_fmt(avg.average),
                    expected=f"{mean:.4f}",
                )
            )
    return issues


def check_maxima(doc_id: str, norm: Normalized, tally: CheckTally | None = None) -> list[Issue]:
    issues: list[Issue] = []
    for r in norm.scores.dropna(subset=["total_score"]).itertuples():
        _count(tally, r.group_code, r.total_score > r.max_score + EPS or r.total_score < 0)
        if r.total_score > r.max_score + EPS or r.total_score < 0:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.TOTAL_EXCEEDS_MAX,
                    severity="error",
                    message=f"{r.unit_name_raw} has {r.total_score:g} points, outside 0..{r.max_score:g}.",
                    group_code=r.group_code,
                    unit_name_raw=r.unit_name_raw,
                    field="total_score",
                    printed=_fmt(r.total_score),
                    expected=f"<= {r.max_score:g}",
                )
            )
    comps = norm.components.dropna(subset=["score", "component_max"])
    for c in comps.itertuples():
        _count(tally, c.group_code, c.score > c.component_max + EPS or c.score < 0)
        if c.score > c.component_max + EPS or c.score < 0:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.COMPONENT_EXCEEDS_MAX,
                    severity="error",
                    message=f"{c.unit_name_raw} has {c.score:g} in {c.component_name}, outside 0..{c.component_max:g}.",
                    group_code=c.group_code,
                    unit_name_raw=c.unit_name_raw,
                    field=f"component:{c.component_code}",
                    printed=_fmt(c.score),
                    expected=f"<= {c.component_max:g}",
                )
            )
    return issues


def run_checks(doc_id: str, norm: Normalized, knowledge: Knowledge, tally: CheckTally | None = None) -> list[Issue]:
    """Every cross-check of a ranking document; `tally`, if given, counts the assertions per group.

    A national index is not the sum of its pillar indexes, so national rankings skip the sum check.
    """
    frameworks = set(norm.scores["framework"].dropna()) if len(norm.scores) else set()
    national = bool(frameworks) and all(
        getattr(knowledge.frameworks.get(code), "scope", "provincial") == "national" for code in frameworks
    )
    return (
        ([] if national else check_component_sums(doc_id, norm, tally))
        + check_percents(doc_id, norm, tally)
        + check_tiers(doc_id, norm, knowledge, tally)
        + check_ranks(doc_id, norm, tally)
        + check_averages(doc_id, norm, tally)
        + check_maxima(doc_id, norm, tally)
    )
