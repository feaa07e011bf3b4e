"""Compare curated rows with the fixture truth, field by field (shared by the test modules)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

FIXTURES = Path(__file__).parent / "fixtures"
TRUTH = FIXTURES / "truth"
RAW = FIXTURES / "raw"


def truth_meta(truth_id: str) -> dict:
    return json.loads((TRUTH / f"{truth_id}.meta.json").read_text(encoding="utf-8"))


def truth_csv(truth_id: str, kind: str) -> pd.DataFrame:
    return pd.read_csv(TRUTH / f"{truth_id}.{kind}.csv", dtype=str, keep_default_na=False)


def _num(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def _same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)) or a is pd.NA:
        return b is None
    if b is None:
        return False
    if isinstance(b, float):
        return math.isclose(float(a), b, abs_tol=1e-9)
    return a == b


def score_mismatches(scores: pd.DataFrame, truth_id: str) -> list[str]:
    """Every field of scores.csv that the curated rows do not reproduce exactly."""
    truth = truth_csv(truth_id, "scores")
    problems: list[str] = []
    rows = scores.copy()
    if len(rows) != len(truth):
        problems.append(f"{len(rows)} score rows, truth has {len(truth)}")
    for t in truth.itertuples():
        match = rows[(rows["group_code"] == t.group_code) & (rows["unit_name_raw"] == t.unit_name)]
        if len(match) != 1:
            problems.append(f"{t.group_code}/{t.unit_name}: {len(match)} rows")
            continue
        got = match.iloc[0]
        expected = {
            "group_title": t.group_title,
            "rank": int(t.rank) if t.rank else None,
            "total_score": _num(t.total_score),
            "max_score": _num(t.max_score),
            "score_pct_printed": _num(t.score_pct),
            "tier_printed": t.tier or None,
            "evaluated": t.evaluated == "true",
        }
        for field, value in expected.items():
            actual = got[field]
            actual = None if actual is pd.NA or (isinstance(actual, float) and math.isnan(actual)) else actual
            if field == "rank" and actual is not None:
                actual = int(actual)
            if not _same(actual, value):
                problems.append(f"{t.unit_name}.{field}: got {actual!r}, truth {value!r}")
    return problems


def has_truth(truth_id: str, kind: str) -> bool:
    return (TRUTH / f"{truth_id}.{kind}.csv").exists()


def component_mismatches(components: pd.DataFrame, truth_id: str) -> list[str]:
    """Every component field the curated rows do not reproduce (none expected without a truth file)."""
    if not has_truth(truth_id, "components"):
        return [f"{len(components)} component rows, truth has none"] if len(components) else []
    truth = truth_csv(truth_id, "components")
    problems: list[str] = []
    if len(components) != len(truth):
        problems.append(f"{len(components)} component rows, truth has {len(truth)}")
    for t in truth.itertuples():
        match = components[
            (components["group_code"] == t.group_code)
            & (components["unit_name_raw"] == t.unit_name)
            & (components["component_name"] == t.component)
        ]
        if len(match) != 1:
            problems.append(f"{t.unit_name}/{t.component}: {len(match)} rows")
            continue
        got = match.iloc[0]
        for field, value in (("component_max", _num(t.component_max)), ("score", _num(t.score))):
            if not _same(got[field], value):
                problems.append(f"{t.unit_name}/{t.component}.{field}: got {got[field]!r}, truth {value!r}")
    return problems


def document_mismatches(doc: pd.Series, truth_id: str) -> list[str]:
    meta = truth_meta(truth_id)
    problems = []
    for field in ("source_kind", "province", "issuer", "decision_number", "assessment_year", "framework"):
        actual = doc[field]
        actual = None if actual is pd.NA or actual is None else actual
        if field == "assessment_year" and actual is not None:
            actual = int(actual)
        if actual != meta[field]:
            problems.append(f"{field}: got {actual!r}, truth {meta[field]!r}")
    date = doc["decision_date"]
    date = None if date is None or date is pd.NaT else str(date)[:10]
    if date != meta["decision_date"]:
        problems.append(f"decision_date: got {date!r}, truth {meta['decision_date']!r}")
    return problems


SCORE_FIELDS = 7  # compared per score row: title, rank, total, max, percent, tier, evaluated
COMPONENT_FIELDS = 2  # component_max, score


def field_count(truth_id: str) -> int:
    """How many truth fields a document has."""
    components = len(truth_csv(truth_id, "components")) if has_truth(truth_id, "components") else 0
    return SCORE_FIELDS * len(truth_csv(truth_id, "scores")) + COMPONENT_FIELDS * components


def _missing_row(m: str) -> bool:
    """A row-level mismatch ("tthc/Sở Y tế: 0 rows", "30 score rows, truth has 31"), not a field's."""
    return ": got " not in m


def exact_rate(mismatches: list[str], truth_id: str) -> float:
    """Share of truth fields reproduced; a missing score row costs all of its fields."""
    cost = 0
    for m in mismatches:
        subject = m.split(": ")[0]
        if not _missing_row(m):
            cost += 1
        elif "truth has" in m:  # the row count: its rows are counted one by one
            continue
        elif subject.split("/")[0].islower():  # "group_code/unit: 0 rows"
            cost += SCORE_FIELDS
        elif "/" in subject:  # "unit/component: 0 rows"
            cost += COMPONENT_FIELDS
    return 1 - cost / field_count(truth_id)


FIELD_ALIASES = {"tier_printed": {"tier", "tier_printed"}, "score_pct_printed": {"score_pct_printed", "score_pct"}}


def unflagged(mismatches: list[str], issues: pd.DataFrame) -> list[str]:
    """Mismatches with no issue naming that field: a wrong value that would pass silently.

    A row field needs an issue on the same unit and field (component fields: any
    `component:*` field of the unit); a missing or extra row needs a name issue
    (`unit_name_raw`/`unit_id`) in its group; table-level fields (`group_title`,
    `component_max`) need a table-level issue on that field.
    """
    by_unit: dict[str, set[str]] = {}
    for r in issues.itertuples():
        if isinstance(r.unit_name_raw, str) and isinstance(r.field, str):
            by_unit.setdefault(r.unit_name_raw, set()).add(r.field)
    table_fields = set(issues.loc[issues["unit_name_raw"].isna(), "field"].dropna())
    names = issues[issues["field"].isin(["unit_name_raw", "unit_id"])]
    out = []
    for m in mismatches:
        if _missing_row(m):  # a row missing or extra: its name was misread, flagged in its group
            head = m.split(": ")[0]
            group = head.split("/")[0] if "/" in head and head.split("/")[0].islower() else None
            if names.empty or (group is not None and not (names["group_code"] == group).any()):
                out.append(m)
            continue
        subject, field = m.split(": got ")[0].rsplit(".", 1)
        if field == "group_title":
            ok = "group_title" in table_fields
        elif field == "component_max":
            ok = any(
                str(f).startswith("component_max") for f in table_fields | set().union(*by_unit.values()) if by_unit
            )
        elif "/" in subject:  # a component score
            unit = subject.split("/")[0]
            ok = any(f.startswith("component") for f in by_unit.get(unit, ()))
        else:
            ok = bool(by_unit.get(subject, set()) & FIELD_ALIASES.get(field, {field}))
        if not ok:
            out.append(m)
    return out
