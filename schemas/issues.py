"""Issue rows: what validation found, one readable sentence each."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

ISSUE_COLUMNS = ["doc_id", "group_code", "unit_name_raw", "field", "code", "severity", "message", "printed", "expected"]


@dataclass(frozen=True)
class Issue:
    doc_id: str
    code: str
    severity: str  # "error" (value not trusted) or "warning" (published value kept)
    message: str
    group_code: str | None = None
    unit_name_raw: str | None = None
    field: str | None = None
    printed: str | None = None
    expected: str | None = None


def issues_frame(issues: list[Issue]) -> pd.DataFrame:
    rows = [asdict(i) for i in issues]
    return pd.DataFrame(rows, columns=ISSUE_COLUMNS).astype("string") if rows else pd.DataFrame(
        {c: pd.Series(dtype="string") for c in ISSUE_COLUMNS}
    )
