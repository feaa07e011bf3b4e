"""Issue rows: what validation found, one readable sentence each."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from schemas.issue_codes import IssueCode, issue_code

if TYPE_CHECKING:
    import pandas as pd

ISSUE_COLUMNS = ["doc_id", "group_code", "unit_name_raw", "field", "code", "severity", "message", "printed", "expected"]


@dataclass(frozen=True, kw_only=True)
class Issue:
    """One finding. Keyword-only: nine fields, most of them optional strings, read better by name.

    `code` is converted to its catalogue member (an unknown code raises ValueError) and
    `severity` must be one the catalogue allows for that code.
    """

    doc_id: str
    code: IssueCode
    severity: str  # "error" (value not trusted), "warning" (published value kept) or "info"
    message: str
    group_code: str | None = None
    unit_name_raw: str | None = None
    field: str | None = None
    printed: str | None = None
    expected: str | None = None

    def __post_init__(self) -> None:
        code = issue_code(self.code)
        object.__setattr__(self, "code", code)
        if self.severity not in code.severities:
            raise ValueError(
                f"issue {code} has severity {self.severity!r}; the catalogue allows {', '.join(code.severities)}"
            )


def issues_frame(issues: list[Issue]) -> pd.DataFrame:
    import pandas as pd  # issues are made in workers that never build a frame

    rows = [asdict(i) | {"code": str(i.code)} for i in issues]
    return (
        pd.DataFrame(rows, columns=ISSUE_COLUMNS).astype("string")
        if rows
        else pd.DataFrame({c: pd.Series(dtype="string") for c in ISSUE_COLUMNS})
    )
