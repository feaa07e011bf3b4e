"""One row per fact: when several documents carry the same decision, publish the best reading.

A decision may arrive as a text PDF and as a scan, as a Word or Excel file, as a portal's web
table or retold in a news article. Each is a *reading* of the same facts (a unit's score in one
group of one assessment year of one framework and province). `scores` and `components` get
the row of the best reading of each fact; every reading stays in `readings` and
`component_readings` with a `chosen` flag, and readings that disagree become issues naming
both documents.

Which reading is best: a text layer or office file, then a web table, then a partly OCR'd
file, then a scan, then news prose; then the higher mean confidence; then the file name, so
reruns choose the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from normalizers.text import text_key
from schemas.issue_codes import IssueCode
from schemas.issues import Issue

_TEXT_RANK = {"text_layer": 0, "docx": 0, "doc": 0, "xlsx": 0, "xls": 0, "html": 1, "mixed": 2, "ocr": 3}
_KIND_RANK = {"web_table": 1, "news_article": 4}
_UNKNOWN_RANK = 5
_FACT = ["province", "framework", "assessment_year", "group_code", "unit_key"]
_COMPARED = ("rank", "evaluated", "total_score", "score_pct_printed", "tier")


@dataclass(frozen=True)
class Readings:
    scores: pd.DataFrame  # one row per fact, from the chosen reading
    components: pd.DataFrame
    readings: pd.DataFrame  # every document's score rows, with `chosen`
    component_readings: pd.DataFrame
    issues: list[Issue]


def source_rank(source_kind: str | None, text_source: str | None) -> int:
    """Lower is better: text layer or office file 0, web table 1, mixed 2, scan 3, news prose 4."""
    if source_kind in _KIND_RANK:
        return _KIND_RANK[source_kind]
    return _TEXT_RANK.get(text_source or "", _UNKNOWN_RANK)


def _fact_key(values) -> tuple:
    """A fact's key with every missing value as None: NaN never equals itself, and a national
    ranking of ministries has no province."""
    return tuple(None if pd.isna(v) else v for v in values)


def _unit_key(unit_id, unit_name_raw: str) -> str:
    return f"id:{unit_id}" if isinstance(unit_id, str) and unit_id else f"name:{text_key(unit_name_raw)}"


def _decision_clusters(docs: pd.DataFrame, scores: pd.DataFrame) -> dict[str, str]:
    """doc_id → the doc_id standing for its decision: documents that are one decision share it.

    Two documents are one decision when they have the same province, framework, assessment year
    and set of tables, or the same province, decision number and assessment year (numbers restart
    every year). A news article is never a decision of its own: it is compared fact by fact.
    """
    parent = {d: d for d in docs["doc_id"]}

    def find(d: str) -> str:
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    groups = scores.groupby("doc_id")["group_code"].agg(lambda s: tuple(sorted(set(s))))
    seen: dict[tuple, str] = {}
    for doc in docs.itertuples():
        if doc.source_kind == "news_article" or doc.doc_id not in groups.index:
            continue
        keys: list[tuple] = [("tables", doc.province, doc.framework, doc.assessment_year, groups[doc.doc_id])]
        if isinstance(doc.decision_number, str) and doc.decision_number:
            keys.append(("number", doc.province, text_key(doc.decision_number), doc.assessment_year))
        for key in keys:
            if key in seen:
                a, b = find(seen[key]), find(doc.doc_id)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                seen[key] = doc.doc_id
    return {d: find(d) for d in parent}


def _decimals(value: float) -> int:
    text = f"{round(float(value), 6):.6f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def _numbers_differ(a, b) -> bool:
    """Beyond the printed precision of the less precise of the two (731,6 agrees with 731,61)."""
    tolerance = 0.5 * 10 ** -min(_decimals(a), _decimals(b)) + 1e-9
    return abs(float(a) - float(b)) > tolerance


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _differs(field: str, a, b) -> bool:
    if _missing(a) or _missing(b):
        return False  # a reading that does not state a value (a news article) does not contradict it
    if field in ("total_score", "score_pct_printed"):
        return _numbers_differ(a, b)
    if field == "rank":
        return int(a) != int(b)
    return a != b


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def choose_readings(documents: pd.DataFrame, scores: pd.DataFrame, components: pd.DataFrame) -> Readings:
    """The chosen reading of each fact, every reading flagged, and the disagreements as issues.

    `documents` needs doc_id, file_name, source_kind, text_source, province, framework,
    assessment_year and decision_number for the documents whose rows are in `scores`.
    Nothing passed in is changed.
    """
    if scores.empty:
        return Readings(
            scores.copy(),
            components.copy(),
            scores.assign(chosen=pd.Series(dtype=bool)),
            components.assign(chosen=pd.Series(dtype=bool)),
            [],
        )
    docs = documents[documents["doc_id"].isin(set(scores["doc_id"]))].drop_duplicates("doc_id").copy()
    names = dict(zip(docs["doc_id"], docs["file_name"]))
    kinds = dict(zip(docs["doc_id"], docs["source_kind"]))
    confidence = scores.groupby("doc_id")["confidence"].mean()
    order = {
        r.doc_id: (source_rank(r.source_kind, r.text_source), -round(float(confidence[r.doc_id]), 6), r.file_name)
        for r in docs.itertuples()
    }
    cluster = _decision_clusters(docs, scores)
    for doc_id in set(scores["doc_id"]) - set(order):  # rows no document row describes: a reading of their own
        order[doc_id] = (_UNKNOWN_RANK + 1, 0.0, str(doc_id))
        cluster[doc_id] = str(doc_id)

    rows = scores.assign(unit_key=[_unit_key(u, n) for u, n in zip(scores["unit_id"], scores["unit_name_raw"])])
    best_of_cluster: dict[str, str] = {}
    for doc_id in sorted(order, key=order.__getitem__):
        best_of_cluster.setdefault(cluster[doc_id], doc_id)
    issues: list[Issue] = []
    issues += _same_decision_gaps(rows, cluster, best_of_cluster, names)

    candidate = rows["doc_id"].map(lambda d: best_of_cluster.get(cluster[d]) == d or kinds.get(d) == "news_article")
    winner: dict[tuple, str] = {}
    for key, group in rows[candidate].groupby(_FACT, sort=False, dropna=False):
        winner[_fact_key(key)] = min(
            group["doc_id"].unique(), key=order.__getitem__
        )  # every scored doc_id has an order
    fact_keys = [_fact_key(k) for k in rows[_FACT].itertuples(index=False)]
    chosen = pd.Series([winner.get(k) == d for k, d in zip(fact_keys, rows["doc_id"])], index=rows.index, dtype=bool)

    issues += _disagreements(rows, chosen, fact_keys, winner, names)
    issues += _news_units_not_in_decision(rows, chosen, kinds, names)

    component_chosen = _component_flags(rows[chosen], components)
    readings = scores.assign(chosen=chosen.to_numpy())
    comp_readings = components.assign(chosen=component_chosen)
    issues += _component_disagreements(rows, chosen, fact_keys, winner, components, names)
    return Readings(
        scores[chosen.to_numpy()].reset_index(drop=True),
        components[component_chosen].reset_index(drop=True),
        readings.reset_index(drop=True),
        comp_readings.reset_index(drop=True),
        issues,
    )


def _component_flags(chosen_rows: pd.DataFrame, components: pd.DataFrame) -> list[bool]:
    keys = set(zip(chosen_rows["doc_id"], chosen_rows["group_code"], chosen_rows["unit_name_raw"]))
    return [k in keys for k in zip(components["doc_id"], components["group_code"], components["unit_name_raw"])]


def _same_decision_gaps(
    rows: pd.DataFrame, cluster: dict[str, str], best: dict[str, str], names: dict[str, str]
) -> list[Issue]:
    """Units one reading of a decision has and another reading of the same decision lacks."""
    issues: list[Issue] = []
    pairs = [tuple(k) for k in rows[["group_code", "unit_key"]].itertuples(index=False)]
    keyed: dict[str, set[tuple]] = {}
    for doc_id, pair in zip(rows["doc_id"], pairs):
        keyed.setdefault(doc_id, set()).add(pair)
    label = dict(zip(pairs, rows["unit_name_raw"]))
    for doc_id, root in sorted(cluster.items()):
        chosen = best.get(root)
        if chosen is None or chosen == doc_id or doc_id not in keyed:
            continue
        for has, lacks in ((chosen, doc_id), (doc_id, chosen)):
            for group, unit in sorted(keyed[has] - keyed[lacks]):
                name = label[(group, unit)]
                issues.append(
                    Issue(
                        doc_id=doc_id,
                        code=IssueCode.READING_UNIT_MISSING,
                        severity="warning",
                        message=f"{name!r} ({group}) is in {names[has]} but not in {names[lacks]}, "
                        "another reading of the same decision.",
                        group_code=group,
                        unit_name_raw=name,
                        field="unit_name_raw",
                        printed=names[has],
                        expected=names[lacks],
                    )
                )
    return issues


def _disagreements(
    rows: pd.DataFrame, chosen: pd.Series, fact_keys: list[tuple], winner: dict, names: dict
) -> list[Issue]:
    published = {(k, d): i for i, (k, d) in enumerate(zip(fact_keys, rows["doc_id"])) if chosen.iloc[i]}
    issues: list[Issue] = []
    for i, (key, doc_id) in enumerate(zip(fact_keys, rows["doc_id"])):
        if chosen.iloc[i] or key not in winner:
            continue
        other, mine = rows.iloc[published[(key, winner[key])]], rows.iloc[i]
        for field in _COMPARED:
            if _differs(field, mine[field], other[field]):
                issues.append(
                    Issue(
                        doc_id=doc_id,
                        code=IssueCode.READING_DISAGREES,
                        severity="warning",
                        message=f"{names[doc_id]} reads {field} of {mine['unit_name_raw']!r} ({mine['group_code']}) "
                        f"as {_shown(mine[field])}; "
                        f"{names[winner[key]]}, the reading published, has {_shown(other[field])}.",
                        group_code=mine["group_code"],
                        unit_name_raw=mine["unit_name_raw"],
                        field=field,
                        printed=_shown(mine[field]),
                        expected=_shown(other[field]),
                    )
                )
    return issues


def _news_units_not_in_decision(rows: pd.DataFrame, chosen: pd.Series, kinds: dict, names: dict) -> list[Issue]:
    """A news article's unit that the decision it retells does not list (often a name not resolved)."""
    decided = rows[chosen & rows["doc_id"].map(lambda d: kinds.get(d) != "news_article")]
    tables = {_fact_key(k): d for k, d in zip(decided[_FACT[:4]].itertuples(index=False), decided["doc_id"])}
    issues: list[Issue] = []
    for i, row in rows[chosen & rows["doc_id"].map(lambda d: kinds.get(d) == "news_article")].iterrows():
        decision = tables.get(_fact_key(row[_FACT[:4]]))
        if decision is not None:
            issues.append(
                Issue(
                    doc_id=row["doc_id"],
                    code=IssueCode.READING_UNIT_MISSING,
                    severity="warning",
                    message=f"{row['unit_name_raw']!r} ({row['group_code']}) is in {names[row['doc_id']]} "
                    f"but not in {names[decision]}, "
                    "the decision it reports on.",
                    group_code=row["group_code"],
                    unit_name_raw=row["unit_name_raw"],
                    field="unit_name_raw",
                    printed=names[row["doc_id"]],
                    expected=names[decision],
                )
            )
    return issues


def _component_disagreements(
    rows: pd.DataFrame, chosen: pd.Series, fact_keys: list[tuple], winner: dict, components: pd.DataFrame, names: dict
) -> list[Issue]:
    if components.empty:
        return []
    key_of = {(d, g, n): k for k, d, g, n in zip(fact_keys, rows["doc_id"], rows["group_code"], rows["unit_name_raw"])}
    scores_of: dict[tuple, dict[str, float]] = {}
    for r in components.itertuples():
        scores_of.setdefault((r.doc_id, r.group_code, r.unit_name_raw), {})[r.component_code] = r.score
    triples = list(zip(rows["doc_id"], rows["group_code"], rows["unit_name_raw"]))
    published = {(k, t[0]): t for k, t, c in zip(fact_keys, triples, chosen) if c}
    issues: list[Issue] = []
    for (doc_id, group, name), mine in scores_of.items():
        key = key_of.get((doc_id, group, name))
        if key is None or key not in winner or winner[key] == doc_id:
            continue
        their_triple = published.get((key, winner[key]))
        theirs = scores_of.get(their_triple, {}) if their_triple is not None else {}
        for code in sorted(set(mine) & set(theirs)):
            a, b = mine[code], theirs[code]
            if not (_missing(a) or _missing(b)) and _numbers_differ(a, b):
                issues.append(
                    Issue(
                        doc_id=doc_id,
                        code=IssueCode.READING_DISAGREES,
                        severity="warning",
                        message=f"{names[doc_id]} reads component {code} of {name!r} ({group}) as {_shown(a)}; "
                        f"{names[winner[key]]}, the reading published, has {_shown(b)}.",
                        group_code=group,
                        unit_name_raw=name,
                        field=code,
                        printed=_shown(a),
                        expected=_shown(b),
                    )
                )
    return issues
