"""Officers' reviews of issues: a versioned YAML file in their folder, applied on every run.

`dti review ID --ok` marks an issue reviewed; `--set VALUE` records the value the document
really prints. Each review says who, when and why. A run applies every review to the freshly
assembled tables: the published value is corrected (`value_source = officer_corrected`), the
original reading stays in the issue's `printed`, and the issue's `status` says what was done.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeGuard

import pandas as pd
import yaml

from pipeline.issue_list import row_key as _key

REVIEWS_FILE = "reviews.yaml"
FORMAT_VERSION = 1
ACTIONS = ("ok", "set")
_HEADER = (
    "# Officers' reviews of dti issues. `dti review` appends here and every `dti run` applies them.\n"
    "# Keep this folder under version control; a later review of the same issue_id replaces an earlier one.\n"
)


class ReviewError(ValueError):
    """A review that cannot be recorded or a reviews file that cannot be read; one line for humans."""


@dataclass(frozen=True)
class Review:
    issue_id: str
    action: str  # ok | set
    reason: str
    by: str
    at: str
    value: str | None = None
    # for human readers of the file: what the issue was when it was reviewed
    file_name: str | None = None
    code: str | None = None
    unit_name_raw: str | None = None
    field: str | None = None
    original: str | None = None


def reviews_path(folder: Path) -> Path:
    return folder / REVIEWS_FILE


def load_reviews(folder: Path | None) -> list[Review]:
    """Every review in the file, in order; an absent file means none."""
    if folder is None or not reviews_path(folder).exists():
        return []
    path = reviews_path(folder)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ReviewError(f"{path} is not valid YAML ({' '.join(str(exc).split())[:120]}); fix or restore it") from exc
    if (
        not isinstance(data, dict)
        or data.get("format") != FORMAT_VERSION
        or not isinstance(data.get("reviews", []), list)
    ):
        raise ReviewError(
            f"{path} is not a dti reviews file of format {FORMAT_VERSION}; restore it from version control"
        )
    reviews = []
    for n, entry in enumerate(data.get("reviews") or [], 1):
        if (
            not isinstance(entry, dict)
            or entry.get("action") not in ACTIONS
            or not entry.get("issue_id")
            or not entry.get("reason")
        ):
            raise ReviewError(f"{path}: review {n} needs issue_id, action (ok or set) and reason")
        if entry["action"] == "set" and entry.get("value") in (None, ""):
            raise ReviewError(f"{path}: review {n} (issue {entry['issue_id']}) sets no value")
        known = {k: (None if entry.get(k) is None else str(entry.get(k))) for k in Review.__dataclass_fields__}
        notes = {k: v for k, v in known.items() if k not in ("issue_id", "action", "reason", "by", "at")}
        reviews.append(
            Review(
                str(entry["issue_id"]),
                str(entry["action"]),
                str(entry["reason"]),
                known["by"] or "unknown",
                known["at"] or "",
                **notes,
            )
        )
    return reviews


def current_user() -> str:
    try:
        return os.environ.get("DTI_REVIEWER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def parse_value(value: str, field: str) -> object:
    """The officer's value typed for its field: numbers with a decimal comma or point."""
    if field in ("total_score", "score_pct_printed") or field.startswith("component:"):
        text = value.strip().replace(" ", "")
        text = text.replace(",", ".") if "." not in text else text.replace(",", "")
        try:
            return float(text)
        except ValueError as exc:
            raise ReviewError(f"{value!r} is not a number; write it as printed, e.g. 731,61") from exc
    if field == "rank":
        try:
            return int(value.strip())
        except ValueError as exc:
            raise ReviewError(f"{value!r} is not a rank (a whole number)") from exc
    return value.strip()


SETTABLE = ("total_score", "rank", "score_pct_printed", "tier", "tier_printed", "unit_id", "unit_name_raw")


def settable(field: str | None) -> TypeGuard[str]:
    return field is not None and (field in SETTABLE or field.startswith("component:"))


def record_review(
    folder: Path,
    issue: dict,
    action: str,
    reason: str,
    value: str | None = None,
    by: str | None = None,
    now: dt.datetime | None = None,
) -> Review:
    """Append one review of `issue` (a row of issues.parquet) to the reviews file."""
    if action not in ACTIONS:
        raise ReviewError(f"unknown review action {action!r}; use --ok or --set VALUE")
    if not reason or not reason.strip():
        raise ReviewError('a review needs a reason (--reason "..."): the next officer must see why')
    field = issue.get("field")
    if action == "set":
        if not settable(field):
            raise ReviewError(
                f"issue {issue['issue_id']} is about {field or 'the document'}, which has no value to set; use --ok"
            )
        parse_value(value or "", field)
    at = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    printed = issue.get("printed")
    review = Review(
        issue_id=issue["issue_id"],
        action=action,
        reason=reason.strip(),
        by=by or current_user(),
        at=at,
        value=value if action == "set" else None,
        file_name=issue.get("file_name"),
        code=issue.get("code"),
        unit_name_raw=issue.get("unit_name_raw"),
        field=field,
        original=None if printed is None or pd.isna(printed) else str(printed),
    )
    existing = load_reviews(folder)
    folder.mkdir(parents=True, exist_ok=True)
    entries = [{k: v for k, v in asdict(r).items() if v is not None} for r in [*existing, review]]
    text = _HEADER + yaml.safe_dump({"format": FORMAT_VERSION, "reviews": entries}, allow_unicode=True, sort_keys=False)
    tmp = reviews_path(folder).with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, reviews_path(folder))
    return review


@dataclass
class Applied:
    frames: dict[str, pd.DataFrame]
    applied: int
    unmatched: list[str]  # reviews whose issue no longer exists (the document changed or was removed)


def _same_row(frame: pd.DataFrame, issue: pd.Series) -> pd.Series:
    return (
        (frame["doc_id"] == issue["doc_id"])
        & (frame["group_code"].map(_key) == _key(issue["group_code"]))
        & (frame["unit_name_raw"].map(_key) == _key(issue["unit_name_raw"]))
    )


def _correct(frames: dict[str, pd.DataFrame], issue: pd.Series, value: object) -> None:
    field = issue["field"]
    scores, components = frames["scores"], frames["components"]
    rows = _same_row(scores, issue)
    if field.startswith("component:"):
        comp = _same_row(components, issue) & (components["component_code"] == field.split(":", 1)[1])
        components.loc[comp, "score"] = value
        components.loc[comp, "value_source"] = "officer_corrected"
    elif field == "unit_id":
        names = dict(zip(frames["units"]["unit_id"], frames["units"]["name"]))
        if value not in names:
            raise ReviewError(f"{value!r} is not a unit_id of the registry")
        scores.loc[rows, "unit_name"] = names[value]
        components.loc[_same_row(components, issue), "unit_id"] = value
        scores.loc[rows, field] = value
    else:
        scores.loc[rows, field] = value
        if field == "total_score":
            scores.loc[rows, "score_pct"] = (
                scores.loc[rows, "total_score"].astype(float) / scores.loc[rows, "max_score"].astype(float) * 100
            )
    scores.loc[rows, "value_source"] = "officer_corrected"


def apply_reviews(frames: dict[str, pd.DataFrame], reviews: list[Review]) -> Applied:
    """Apply each issue's latest review to copies of the frames; the inputs are not changed."""
    latest: dict[str, Review] = {}
    for r in reviews:
        latest[r.issue_id] = r
    frames = {name: frame.copy() for name, frame in frames.items()}
    issues = frames["issues"]
    for col in ("scores", "components"):
        frames[col] = frames[col].astype({"value_source": "object"}) if len(frames[col]) else frames[col]
    index = {iid: i for i, iid in enumerate(issues["issue_id"])}
    applied, unmatched = 0, []
    for issue_id, review in latest.items():
        if issue_id not in index:
            unmatched.append(issue_id)
            continue
        i = issues.index[index[issue_id]]
        issue = issues.loc[i]
        if review.action == "set":
            if not settable(issue["field"]):
                unmatched.append(issue_id)
                continue
            _correct(frames, issue, parse_value(review.value or "", issue["field"]))
            issues.at[i, "corrected_value"] = review.value
        issues.at[i, "status"] = "corrected" if review.action == "set" else "reviewed"
        issues.at[i, "reviewed_by"] = review.by
        issues.at[i, "reviewed_at"] = review.at
        issues.at[i, "review_reason"] = review.reason
        applied += 1
    return Applied(frames, applied, sorted(unmatched))
