"""The `dti` command: parses options, calls the library, prints. No logic lives here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pipeline.batch import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, Outcome
from pipeline.publish import PublishError, RunLockedError
from pipeline.run import EXIT_FAILED, EXIT_LOCKED, RunError, run_pipeline
from pipeline.status import folder_status
from pipeline.units_commands import units


@click.group(help="Vietnamese ICT/DTI ranking decisions to curated Parquet. See README.md and CONTRACT.md.")
def cli() -> None:
    pass


class _Reporter:
    """A rich progress bar on a terminal, plain log lines otherwise (cron, CI, systemd)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.progress = None
        self.task = None

    def found(self, n: int) -> None:
        if self.tty:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True)
            self.progress.start()
            self.task = self.progress.add_task("documents", total=n)
        else:
            click.echo(f"dti: {n} files found", err=True)

    def done(self, outcome: Outcome) -> None:
        """Extraction of one file ended: the bar moves; its status is only known after assembly."""
        if self.progress is not None:
            self.progress.update(self.task, advance=1, description=outcome.found.file_name[:40])

    def settled(self, outcome: Outcome, status: str, error: str | None) -> None:
        """One line per file with its final status, then what libraries printed while reading it."""
        self.close()
        name = outcome.found.file_name
        if not self.tty:
            state = "cached" if outcome.cached else f"{outcome.seconds:.1f}s"
            shown = f"QUARANTINED: {error}" if status == "quarantined" else status
            click.echo(f"dti: {name}: {shown} ({state})", err=True)
        if not outcome.cached:
            for warning in outcome.warnings:
                click.echo(f"dti: {name}: warning: {warning}", err=True)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


@cli.command(help="Process every file under RAW into CURATED. Exit 0: all processed; 3: some quarantined; 4: another run holds the lock; 1: the run failed (previous curated kept).")
@click.option("--raw", "raw", type=click.Path(path_type=Path), default=Path("raw"), show_default=True)
@click.option("--curated", "curated", type=click.Path(path_type=Path), default=Path("curated"), show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="documents processed at once")
@click.option("--timeout", "timeout_s", type=click.FloatRange(1), default=DEFAULT_TIMEOUT_S, show_default=True, help="seconds per document before it is quarantined")
@click.option("--memory-mb", type=click.IntRange(256), default=DEFAULT_MEMORY_MB, show_default=True, help="memory limit per document worker")
@click.option("--registry", "registry_dir", type=click.Path(path_type=Path, file_okay=False), default=None, help="unit registry folder (default: the shipped one)")
@click.option("--json", "as_json", is_flag=True, help="print the run summary as JSON")
def run(raw: Path, curated: Path, workers: int, timeout_s: float, memory_mb: int, registry_dir: Path | None, as_json: bool) -> None:
    reporter = _Reporter()
    try:
        summary = run_pipeline(raw, curated, workers, timeout_s, memory_mb, registry_dir, reporter.found, reporter.done,
                               reporter.settled)
    except RunLockedError as exc:
        reporter.close()
        click.echo(f"dti: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    except (RunError, PublishError, OSError) as exc:
        reporter.close()
        click.echo(f"dti: run failed, the previous {curated}/ is kept: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    reporter.close()
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
    else:
        docs = ", ".join(f"{n} {s}" for s, n in summary.documents.items()) or "no documents"
        issues = ", ".join(f"{n} {s}" for s, n in summary.issues.items()) or "no issues"
        click.echo(f"documents: {docs}")
        click.echo(f"issues: {issues}; unresolved unit names: {summary.unresolved_units}")
        if summary.unresolved_names:
            shown = summary.unresolved_names[:10]
            more = f" and {len(summary.unresolved_names) - len(shown)} more" if len(summary.unresolved_names) > len(shown) else ""
            click.echo(f"unresolved: {'; '.join(shown)}{more} (see `dti units review`)")
        click.echo(f"extracted {summary.extracted}, from cache {summary.from_cache}, {summary.seconds:.1f}s; published {curated}/ (version {summary.version})")
        for name, error in summary.quarantined:
            click.echo(f"quarantined: {name}: {error}")
    sys.exit(summary.exit_code)


@cli.command(help="Show what is in RAW versus the last published CURATED set.")
@click.option("--raw", "raw", type=click.Path(path_type=Path), default=Path("raw"), show_default=True)
@click.option("--curated", "curated", type=click.Path(path_type=Path), default=Path("curated"), show_default=True)
def status(raw: Path, curated: Path) -> None:
    st = folder_status(raw, curated)
    if not st.published:
        click.echo(f"{curated}/ has no published run yet; `dti run` will process {len(st.new)} files")
    for label, names in (("new", st.new), ("changed", st.changed), ("removed", st.removed)):
        for name in names:
            click.echo(f"{label}: {name}")
    for name, error in st.quarantined:
        click.echo(f"quarantined: {name}: {error}")
    click.echo("up to date" if st.up_to_date else f"{len(st.new)} new, {len(st.changed)} changed, {len(st.removed)} removed, {len(st.unchanged)} unchanged")


cli.add_command(units)


def main() -> None:
    cli()
