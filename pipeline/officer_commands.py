"""`dti report`, `dti export`, `dti issues`, `dti review`: the curated set for officers.

Options are parsed and results printed here; the work is in pipeline.report, pipeline.export,
pipeline.issue_list and pipeline.review.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import pandas as pd

# pandas and the report/export/review modules load inside the commands: `dti -h` stays light.

_CURATED = click.option(
    "--curated", "curated", type=click.Path(path_type=Path), default=Path("curated"), show_default=True
)
_REVIEWS = click.option(
    "--reviews",
    "reviews_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reviews"),
    show_default=True,
    help="the officers' reviews folder (reviews.yaml, kept under version control)",
)
ISSUE_FIELDS = [
    "issue_id",
    "file_name",
    "source_page",
    "severity",
    "code",
    "status",
    "group_code",
    "unit_name_raw",
    "field",
    "message",
    "printed",
    "expected",
    "corrected_value",
    "reviewed_by",
    "reviewed_at",
    "review_reason",
]


def _issues(curated: Path) -> pd.DataFrame:
    import pandas as pd

    path = curated / "issues.parquet"
    if not path.exists():
        click.echo(f"dti: {curated}/ has no published run (no issues.parquet); run `dti run` first", err=True)
        sys.exit(2)
    return pd.read_parquet(path)


def _plain(value):
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


@click.command(help="Write the self-contained HTML report of CURATED (default <curated>/report.html; opens offline).")
@_CURATED
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="the HTML file to write",
)
def report(curated: Path, output: Path | None) -> None:
    from pipeline.report import write_report

    if not (curated / "scores.parquet").exists():
        click.echo(f"dti: {curated}/ has no published run (no scores.parquet); run `dti run` first", err=True)
        sys.exit(2)
    click.echo(f"report written to {write_report(curated, output)}")


@click.command(help="Export CURATED as an Excel workbook (--xlsx FILE) and/or CSV files (--csv DIR).")
@_CURATED
@click.option(
    "--xlsx", "xlsx", type=click.Path(path_type=Path, dir_okay=False), default=None, help="the workbook to write"
)
@click.option(
    "--csv",
    "csv",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="a folder for one CSV per table",
)
def export(curated: Path, xlsx: Path | None, csv: Path | None) -> None:
    from pipeline.export import ExportError, export_curated

    if xlsx is None and csv is None:
        raise click.UsageError("give --xlsx FILE, --csv DIR or both")
    try:
        written = export_curated(curated, xlsx, csv)
    except ExportError as exc:
        click.echo(f"dti: {exc}", err=True)
        sys.exit(2)
    for path in written:
        click.echo(f"written: {path}")


@click.command(help="List the issues of the last published run, with file, page and a stable issue_id.")
@_CURATED
@click.option("--file", "file", default=None, help="only issues of files whose name contains this")
@click.option("--severity", type=click.Choice(["error", "warning", "info"]), default=None)
@click.option("--code", default=None, help="only this issue code, e.g. low_confidence")
@click.option("--status", type=click.Choice(["open", "reviewed", "corrected"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="print a JSON list of objects")
@click.option("--csv", "as_csv", is_flag=True, help="print CSV")
def issues(
    curated: Path,
    file: str | None,
    severity: str | None,
    code: str | None,
    status: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    import pandas as pd

    from pipeline.issue_list import filter_issues

    shown = filter_issues(_issues(curated), file, severity, code, status)[ISSUE_FIELDS]
    if as_json:
        rows = [{k: _plain(v) for k, v in row.items()} for row in shown.to_dict("records")]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif as_csv:
        click.echo(shown.to_csv(index=False), nl=False)
    else:
        for r in shown.itertuples():
            page = f" p.{r.source_page}" if pd.notna(r.source_page) else ""
            click.echo(f"{r.issue_id} {r.severity:<7} {r.status:<9} {r.file_name}{page} [{r.code}] {r.message}")
        click.echo(f"{len(shown)} issues")


@click.command(
    help="Record an officer's review of one issue: --ok (checked, value right) or --set VALUE (the value the "
    "document really prints). Applied on every later `dti run`."
)
@click.argument("issue_id")
@click.option("--ok", "ok", is_flag=True, help="the published value is right as it is")
@click.option("--set", "value", default=None, help="the corrected value (numbers with a decimal comma or point)")
@click.option("--reason", required=True, help="why, in one sentence (kept with the review)")
@click.option("--by", "by", default=None, help="who reviewed (default: $DTI_REVIEWER or the login name)")
@_CURATED
@_REVIEWS
def review(
    issue_id: str, ok: bool, value: str | None, reason: str, by: str | None, curated: Path, reviews_dir: Path
) -> None:
    from pipeline.review import ReviewError, record_review, reviews_path

    if ok == (value is not None):
        raise click.UsageError("give exactly one of --ok and --set VALUE")
    table = _issues(curated)
    match = table[table["issue_id"] == issue_id]
    if match.empty:
        click.echo(f"dti: no issue {issue_id} in {curated}/issues.parquet; list them with `dti issues`", err=True)
        sys.exit(2)
    issue = {k: _plain(v) for k, v in match.iloc[0].to_dict().items()}
    try:
        done = record_review(reviews_dir, issue, "ok" if ok else "set", reason, value, by)
    except ReviewError as exc:
        click.echo(f"dti: {exc}", err=True)
        sys.exit(2)
    what = "reviewed" if ok else f"corrected to {value!r} (printed {issue.get('printed')!r})"
    click.echo(
        f"{issue_id} {what} by {done.by}; recorded in {reviews_path(reviews_dir)}, applied by the next `dti run`"
    )


COMMANDS = (report, export, issues, review)
