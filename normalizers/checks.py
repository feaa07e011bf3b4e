"""The documents' own arithmetic, checked: sums, percents, tiers, ranks, averages, maxima.

Every check is a function from a document's typed records to issue rows. None of them changes a value:
a published number that fails a check is kept and the issue explains it in one sentence.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from normalizers.frameworks import Knowledge
from normalizers.numbers import EPS, decimals, expected_percent, percent_rule, sum_tolerance
from normalizers.scores import Normalized
from schemas.issue_codes import IssueCode
from schemas.issues import Issue
from schemas.records import Record, is_null, number


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
    return None if is_null(value) else f"{value:.10g}"


def _present(records: Iterable[Record], *columns: str) -> list[Record]:
    """The records with a value in every one of `columns`."""
    return [r for r in records if not any(is_null(r[c]) for c in columns)]


def _by_group(records: Iterable[Record]) -> dict[str, list[Record]]:
    """Records per group code, in order of first appearance; a record with no group is in none."""
    groups: dict[str, list[Record]] = {}
    for r in records:
        if not is_null(r["group_code"]):
            groups.setdefault(r["group_code"], []).append(r)
    return groups


def check_component_sums(doc_id: str, norm: Normalized, tally: CheckTally | None = None) -> list[Issue]:
    """Each total against the sum of its components; a 0..1 index (maximum 1) weighs its components, it does not add them."""
    issues: list[Issue] = []
    comps = _present(norm.component_rows, "score")
    if not comps:
        return issues
    places = decimals(c["score"] for c in comps)
    parts: dict[tuple[str, str], list[float]] = {}
    for c in _present(comps, "group_code", "unit_name_raw"):
        parts.setdefault((c["group_code"], c["unit_name_raw"]), []).append(c["score"])
    for row in norm.score_rows:
        key = (row["group_code"], row["unit_name_raw"])
        if key not in parts or is_null(row["total_score"]) or (not is_null(row["max_score"]) and row["max_score"] <= 1):
            continue
        total, count = math.fsum(parts[key]), len(parts[key])
        failed = abs(total - row["total_score"]) > sum_tolerance(places, count)
        _count(tally, row["group_code"], failed)
        if failed:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.COMPONENT_SUM_MISMATCH,
                    severity="warning",
                    message=f"The component scores of {row['unit_name_raw']} add up to {total:.10g}, not the printed total {row['total_score']:.10g}.",
                    group_code=row["group_code"],
                    unit_name_raw=row["unit_name_raw"],
                    field="total_score",
                    printed=_fmt(row["total_score"]),
                    expected=_fmt(round(total, 6)),
                )
            )
    return issues


def percent_convention(scores: Iterable[Record]) -> str | None:
    """Whether the document rounds or truncates its printed percentages (decided from all rows)."""
    rows = _present(scores, "score_pct", "score_pct_printed")
    if not rows:
        return None
    return percent_rule(
        ((r["score_pct"], r["score_pct_printed"]) for r in rows), decimals(r["score_pct_printed"] for r in rows)
    )


def check_percents(doc_id: str, norm: Normalized, tally: CheckTally | None = None) -> list[Issue]:
    issues: list[Issue] = []
    convention = percent_convention(norm.score_rows)
    if convention is None:
        return issues
    rows = _present(norm.score_rows, "score_pct", "score_pct_printed")
    d = decimals(r["score_pct_printed"] for r in rows)
    for r in rows:
        expected = expected_percent(r["score_pct"], d, convention)
        failed = abs(expected - r["score_pct_printed"]) > EPS
        _count(tally, r["group_code"], failed)
        if failed:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.PCT_MISMATCH,
                    severity="warning",
                    message=f"{r['unit_name_raw']} is printed at {r['score_pct_printed']:g}% but {number(r['total_score']):g}/{number(r['max_score']):g} is {expected:.{d}f}% ({convention}, as the document does elsewhere).",
                    group_code=r["group_code"],
                    unit_name_raw=r["unit_name_raw"],
                    field="score_pct_printed",
                    printed=_fmt(r["score_pct_printed"]),
                    expected=f"{expected:.{d}f}",
                )
            )
    return issues


def check_tiers(doc_id: str, norm: Normalized, knowledge: Knowledge, tally: CheckTally | None = None) -> list[Issue]:
    issues: list[Issue] = []
    scores = norm.score_rows
    if norm.tiers:
        fw = knowledge.frameworks[scores[0]["framework"]] if scores else None
        for r in scores:
            if r["tier_source"] != "printed" or is_null(r["score_pct"]) or fw is None:
                continue
            expected = fw.tier_for_pct(r["score_pct"], norm.tiers)
            if expected is None:
                continue
            _count(tally, r["group_code"], expected.code != r["tier"])
            if expected.code != r["tier"]:
                source = "the document's thresholds" if norm.tiers_printed else f"the {fw.code} thresholds"
                issues.append(
                    Issue(
                        doc_id=doc_id,
                        code=IssueCode.TIER_INCONSISTENT,
                        severity="warning",
                        message=f"{r['unit_name_raw']} is printed at tier {r['tier_printed']!r} but {r['score_pct']:.2f}% of the maximum is {expected.code} by {source}.",
                        group_code=r["group_code"],
                        unit_name_raw=r["unit_name_raw"],
                        field="tier",
                        printed=r["tier_printed"],
                        expected=expected.code,
                    )
                )
        return issues
    for group, rows in _by_group(scores).items():
        fw = knowledge.frameworks.get(rows[0]["framework"])
        if fw is None:
            continue
        order = {t.code: i for i, t in enumerate(fw.tiers)}
        ranked = _present(rows, "tier", "total_score")
        for r in ranked:
            better = [
                o
                for o in ranked
                if o["total_score"] < r["total_score"] - EPS and order.get(o["tier"], math.inf) < order[r["tier"]]
            ]
            _count(tally, group, bool(better))
            if better:
                other = better[0]
                issues.append(
                    Issue(
                        doc_id=doc_id,
                        code=IssueCode.TIER_INCONSISTENT,
                        severity="warning",
                        message=f"{r['unit_name_raw']} scores {r['total_score']:g} at tier {r['tier_printed']!r}, below {other['unit_name_raw']} with {other['total_score']:g} at {other['tier_printed']!r}.",
                        group_code=group,
                        unit_name_raw=r["unit_name_raw"],
                        field="tier",
                        printed=r["tier_printed"],
                        expected=other["tier"],
                    )
                )
    return issues


def check_ranks(doc_id: str, norm: Normalized, tally: CheckTally | None = None) -> list[Issue]:
    issues: list[Issue] = []
    for group, rows in _by_group(norm.score_rows).items():
        ranked = sorted(_present(rows, "rank", "total_score"), key=lambda r: r["rank"])
        prev = None
        for r in ranked:
            if prev is not None:
                _count(tally, group, r["total_score"] > prev["total_score"] + EPS)
            if prev is not None and r["total_score"] > prev["total_score"] + EPS:
                issues.append(
                    Issue(
                        doc_id=doc_id,
                        code=IssueCode.RANK_ORDER,
                        severity="warning",
                        message=f"{r['unit_name_raw']} is ranked {int(r['rank'])} with {r['total_score']:g}, more than {prev['unit_name_raw']} ranked {int(prev['rank'])} with {prev['total_score']:g}.",
                        group_code=group,
                        unit_name_raw=r["unit_name_raw"],
                        field="rank",
                        printed=str(r["rank"]),
                    )
                )
            prev = r
        times = Counter(r["rank"] for r in ranked)
        dupes = [r for r in ranked if times[r["rank"]] > 1]
        for r in dupes:
            same = [o for o in dupes if o["rank"] == r["rank"] and abs(o["total_score"] - r["total_score"]) > EPS]
            _count(tally, group, bool(same))
            if same:
                issues.append(
                    Issue(
                        doc_id=doc_id,
                        code=IssueCode.RANK_ORDER,
                        severity="warning",
                        message=f"Rank {r['rank']} is printed for units with different scores ({r['unit_name_raw']}).",
                        group_code=group,
                        unit_name_raw=r["unit_name_raw"],
                        field="rank",
                        printed=str(r["rank"]),
                    )
                )
    return issues


def check_averages(doc_id: str, norm: Normalized, tally: CheckTally | None = None) -> list[Issue]:
    issues: list[Issue] = []
    for avg in _present(norm.average_rows, "average"):
        group = avg["group_code"]
        if is_null(group):  # an average of no group is no group's mean
            continue
        rows = [s for s in norm.score_rows if s["group_code"] == group and s["evaluated"]]
        totals = [s["total_score"] for s in _present(rows, "total_score")]
        if not totals:
            continue
        mean = math.fsum(totals) / len(totals)
        # printed at the totals' precision ("620,60" parses as 620.6 but carries two decimals)
        places = max(decimals(s["total_score"] for s in rows), decimals([avg["average"]]))
        failed = abs(mean - avg["average"]) > 0.5 * 10**-places + EPS
        _count(tally, group, failed)
        if failed:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.AVERAGE_MISMATCH,
                    severity="warning",
                    message=f"The printed {avg['row_label']} of {group} is {avg['average']:g}, but the mean of its {len(rows)} rows is {mean:.4f}.",
                    group_code=group,
                    unit_name_raw=avg["row_label"],
                    field="average",
                    printed=_fmt(avg["average"]),
                    expected=f"{mean:.4f}",
                )
            )
    return issues


def check_maxima(doc_id: str, norm: Normalized, tally: CheckTally | None = None) -> list[Issue]:
    issues: list[Issue] = []
    for r in _present(norm.score_rows, "total_score"):
        total, top = r["total_score"], number(r["max_score"])
        _count(tally, r["group_code"], total > top + EPS or total < 0)
        if total > top + EPS or total < 0:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.TOTAL_EXCEEDS_MAX,
                    severity="error",
                    message=f"{r['unit_name_raw']} has {total:g} points, outside 0..{top:g}.",
                    group_code=r["group_code"],
                    unit_name_raw=r["unit_name_raw"],
                    field="total_score",
                    printed=_fmt(total),
                    expected=f"<= {top:g}",
                )
            )
    for c in _present(norm.component_rows, "score", "component_max"):
        _count(tally, c["group_code"], c["score"] > c["component_max"] + EPS or c["score"] < 0)
        if c["score"] > c["component_max"] + EPS or c["score"] < 0:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.COMPONENT_EXCEEDS_MAX,
                    severity="error",
                    message=f"{c['unit_name_raw']} has {c['score']:g} in {c['component_name']}, outside 0..{c['component_max']:g}.",
                    group_code=c["group_code"],
                    unit_name_raw=c["unit_name_raw"],
                    field=f"component:{c['component_code']}",
                    printed=_fmt(c["score"]),
                    expected=f"<= {c['component_max']:g}",
                )
            )
    return issues


def run_checks(doc_id: str, norm: Normalized, knowledge: Knowledge, tally: CheckTally | None = None) -> list[Issue]:
    """Every cross-check of a ranking document; `tally`, if given, counts the assertions per group.

    A national index is not the sum of its pillar indexes, so national rankings skip the sum check.
    """
    frameworks = {r["framework"] for r in _present(norm.score_rows, "framework")}
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
