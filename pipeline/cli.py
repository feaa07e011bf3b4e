"""The `dti` command: parses options, calls the library, prints. No logic lives here.

Every command that reports takes --json; a failure then prints {"error": ..., "exit": N}
on stdout as well as the one-line reason on stderr, so a scheduler can parse either.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from pipeline.collector import collect_seldom
from pipeline.officer_commands import COMMANDS as OFFICER_COMMANDS
from pipeline.run_settings import (
    DEFAULT_MAX_SHRINK,
    DEFAULT_MEMORY_MB,
    DEFAULT_REGISTRY,
    DEFAULT_REVIEWS,
    DEFAULT_TIMEOUT_S,
    DEFAULT_WORKERS,
    EXIT_ACTION_NEEDED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
)
from pipeline.units_commands import fail_on_knowledge, units

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from pipeline.batch import Found, Outcome

# Heavy modules (pandas, pdfplumber, OpenCV, pyarrow) are imported inside the commands that use
# them, so `dti -h`, `dti --version` and the light commands start in a fraction of a second.
CONTEXT = {"help_option_names": ["-h", "--help"]}
log = logging.getLogger("dti")


class _IsoFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="seconds")


def _log_to_stderr() -> None:
    """Log lines `2026-12-02T02:00:01+00:00 dti: ...` on the current stderr (cron, systemd, CI)."""
    for handler in list(log.handlers):
        log.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)  # the stderr of this invocation (CliRunner swaps it)
    handler.setFormatter(_IsoFormatter("%(asctime)s dti: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def _fail(as_json: bool, message: str, code: int, logged: bool = False, **extra) -> NoReturn:
    """The one-line reason on stderr (a time-stamped log line where the command logs), JSON on stdout if asked."""
    if logged:
        log.error("%s", message)
    else:
        click.echo(f"dti: {message}", err=True)
    if as_json:
        click.echo(json.dumps({"error": message, "exit": code} | extra, ensure_ascii=False, indent=2))
    sys.exit(code)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dti")
    except PackageNotFoundError:
        return "unknown"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """--version, looked up only when asked: importlib.metadata costs every other command 40 ms."""
    if value and not ctx.resilient_parsing:
        click.echo(f"dti {_version()}")
        ctx.exit()


class _Group(click.Group):
    """Ctrl-C anywhere in a command exits 130, not click's "Aborted!" with 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("dti: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except ValueError as exc:  # any command: a knowledge file found broken where it was first needed
            from normalizers.knowledge import KnowledgeError

            if not isinstance(exc, KnowledgeError):
                raise
            fail_on_knowledge(exc)


@click.group(
    cls=_Group,
    context_settings=CONTEXT,
    help="Vietnamese ICT/DTI ranking decisions to curated Parquet. See README.md and CONTRACT.md.",
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
def cli() -> None:
    pass


class _Reporter:
    """A rich progress bar on a terminal, plain time-stamped log lines otherwise (cron, CI, systemd)."""

    PAGE_LOG_EVERY_S = 10.0

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.finished = 0
        self.reading: dict[str, float] = {}  # file name → share of its pages read
        self.logged_at: dict[str, float] = {}

    def found(self, n: int) -> None:
        if self.tty:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True
            )
            self.progress.start()
            self.task = self.progress.add_task("documents", total=n)
        log.info("%d files found", n)

    def page(self, found: Found, done: int, total: int) -> None:
        """The bar moves by page within a document and names the file and page being read."""
        self.reading[found.file_name] = done / total if total else 0.0
        if self.progress is not None and self.task is not None:
            self.progress.update(
                self.task,
                completed=self.finished + sum(self.reading.values()),
                description=f"{found.file_name[:40]} p. {done}/{total}",
            )
        elif time.monotonic() - self.logged_at.get(found.file_name, 0.0) >= self.PAGE_LOG_EVERY_S:
            self.logged_at[found.file_name] = time.monotonic()
            log.info("%s: reading page %d of %d", found.file_name, done, total)

    def done(self, outcome: Outcome) -> None:
        """Extraction of one file ended: the bar moves; its status is only known after assembly."""
        self.finished += 1
        self.reading.pop(outcome.found.file_name, None)
        if self.progress is not None and self.task is not None:
            self.progress.update(
                self.task,
                completed=self.finished + sum(self.reading.values()),
                description=outcome.found.file_name[:40],
            )

    def settled(self, outcome: Outcome, status: str, error: str | None) -> None:
        """One line per file with its final status, then what libraries printed while reading it."""
        self.close()
        name = outcome.found.file_name
        if not self.tty:
            state = "cached" if outcome.cached else f"{outcome.seconds:.1f}s"
            shown = f"QUARANTINED: {error}" if status == "quarantined" else status
            log.info("%s: %s (%s)", name, shown, state)
        if not outcome.cached:
            for warning in outcome.warnings:
                log.info("%s: warning: %s", name, warning)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def _exit_if_unchanged(
    raw: Path, curated: Path, registry_dir: Path, reviews_dir: Path, timeout_s: float, memory_mb: int, as_json: bool
) -> None:
    """Nothing the current version was made from has changed: say so and exit with its status.

    Only hashing happens (no parser is loaded, nothing is re-read, assembled or written), under
    the run lock so a run in progress is never mistaken for the current state.
    """
    from pipeline.manifest import unchanged_since_last_run
    from pipeline.publish import RunLockedError, run_lock

    try:
        with run_lock(curated):
            same = unchanged_since_last_run(raw, curated, registry_dir, reviews_dir, timeout_s, memory_mb)
    except RunLockedError as exc:
        _fail(as_json, str(exc), EXIT_LOCKED, True)
    if same is None:
        return
    code = int(same.run_json.get("exit", EXIT_OK))
    if as_json:
        click.echo(json.dumps(same.run_json | {"unchanged": True}, ensure_ascii=False, indent=2))
    else:
        docs = ", ".join(f"{n} {s}" for s, n in (same.run_json.get("documents_by_status") or {}).items())
        click.echo(
            f"nothing changed since version {same.version} ({docs or 'no documents'}): raw/, the registry, "
            "the reviews and the code are as it was made from; nothing re-read or re-written"
        )
    log.info("unchanged since version %s", same.version)
    sys.exit(code)


_raw_option = click.option(
    "--raw",
    "raw",
    type=click.Path(path_type=Path),
    default=Path("raw"),
    show_default=True,
    help="folder holding the documents",
)
_curated_option = click.option(
    "--curated",
    "curated",
    type=click.Path(path_type=Path),
    default=Path("curated"),
    show_default=True,
    help="the published curated set (a link to its current version)",
)
_json_option = click.option("--json", "as_json", is_flag=True, help="print the report (or the error) as JSON on stdout")


@cli.command(
    context_settings=CONTEXT,
    help=(
        "Process every file under RAW into a new version of CURATED. Exit 0: all processed; 3: some quarantined; "
        "4: another run holds the lock; 5: refused, the new set would lose documents (current version kept); "
        "1: the run failed, RAW is missing, or a knowledge file is broken (current version kept); "
        "130: interrupted (current version kept); 2: wrong options."
    ),
)
@_raw_option
@_curated_option
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=DEFAULT_WORKERS,
    show_default=True,
    help="documents (or, for one scan, pages) processed at once; default: the number of CPUs",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(1),
    default=DEFAULT_TIMEOUT_S,
    show_default=True,
    help="seconds per document before it is quarantined",
)
@click.option(
    "--memory-mb",
    type=click.IntRange(256),
    default=DEFAULT_MEMORY_MB,
    show_default=True,
    help="memory limit per document worker",
)
@click.option(
    "--registry",
    "registry_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_REGISTRY,
    show_default=True,
    help="the officer's unit registry folder; created from the packaged defaults on the first run",
)
@click.option("--retry-quarantined", is_flag=True, help="process again every file whose cached verdict is quarantined")
@click.option(
    "--max-shrink",
    type=click.FloatRange(0, 1),
    default=DEFAULT_MAX_SHRINK,
    show_default=True,
    help="largest share of the current version's documents a run may drop before it refuses to publish",
)
@click.option("--allow-shrink", is_flag=True, help="publish even when documents of the current version are gone")
@click.option(
    "--reviews",
    "reviews_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_REVIEWS,
    show_default=True,
    help="officers' reviews folder (see `dti review`)",
)
@click.option(
    "--force", is_flag=True, help="assemble and publish a new version even when nothing changed since the current one"
)
@click.option(
    "--knowledge-dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    envvar="DTI_KNOWLEDGE_DIR",
    default=None,
    help="a folder of edited copies of knowledge files (frameworks.yaml, ...); a file it lacks is the packaged one",
)
@_json_option
def run(
    raw: Path,
    curated: Path,
    workers: int,
    timeout_s: float,
    memory_mb: int,
    registry_dir: Path,
    reviews_dir: Path,
    retry_quarantined: bool,
    max_shrink: float,
    allow_shrink: bool,
    force: bool,
    knowledge_dir: Path | None,
    as_json: bool,
) -> None:
    _log_to_stderr()
    # Nothing changed (inputs, registry, reviews, code and the packaged knowledge files, which the code
    # fingerprint hashes): the files are the ones the current version's run validated. Edited copies
    # (--knowledge-dir) are not among what "unchanged" hashes, so they are always validated.
    if not (retry_quarantined or force or knowledge_dir):
        _exit_if_unchanged(raw, curated, registry_dir, reviews_dir, timeout_s, memory_mb, as_json)
    from normalizers.knowledge import KnowledgeError
    from pipeline.knowledge_cache import load_knowledge_indexed

    try:  # a broken knowledge file stops the run before anything is read, cached or published
        knowledge = load_knowledge_indexed(knowledge_dir)
    except KnowledgeError as exc:
        fail_on_knowledge(exc, as_json)
    from normalizers.unit_files import ensure_registry_folder
    from pipeline.publish import PublishError, RunLockedError, current_version
    from pipeline.run import RunError, run_pipeline
    from pipeline.shrink_guard import ShrinkRefusedError

    if ensure_registry_folder(registry_dir):
        click.echo(f"dti: created the registry folder {registry_dir}/ from the packaged defaults", err=True)
    reporter = _Reporter()
    kept = {"kept_version": current_version(curated)}
    try:
        summary = run_pipeline(
            raw,
            curated,
            workers,
            timeout_s,
            memory_mb,
            registry_dir,
            reviews_dir=reviews_dir,
            on_found=reporter.found,
            on_done=reporter.done,
            on_page=reporter.page,
            on_settled=reporter.settled,
            retry_quarantined=retry_quarantined,
            max_shrink=max_shrink,
            allow_shrink=allow_shrink,
            knowledge=knowledge,
        )
    except KnowledgeError as exc:  # the registry's files, checked before anything else is done
        reporter.close()
        fail_on_knowledge(exc, as_json)
    except KeyboardInterrupt:
        reporter.close()
        now = current_version(curated)
        if now != kept["kept_version"]:  # Ctrl-C during the swap: it was completed first
            _fail(
                as_json,
                f"interrupted once the new version {now} was published",
                EXIT_INTERRUPTED,
                True,
                published_version=now,
            )
        _fail(as_json, f"interrupted; {curated}/ is left as it was", EXIT_INTERRUPTED, True, **kept)
    except RunLockedError as exc:
        reporter.close()
        _fail(as_json, str(exc), EXIT_LOCKED, True, **kept)
    except ShrinkRefusedError as exc:
        reporter.close()
        _fail(as_json, f"not published, the current {curated}/ is kept: {exc}", EXIT_REFUSED, True, **kept)
    except (RunError, PublishError, OSError) as exc:
        reporter.close()
        _fail(as_json, f"run failed, the previous {curated}/ is kept: {exc}", EXIT_FAILED, True, **kept)
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
            more = (
                f" and {len(summary.unresolved_names) - len(shown)} more"
                if len(summary.unresolved_names) > len(shown)
                else ""
            )
            click.echo(f"unresolved: {'; '.join(shown)}{more} (see `dti units review`)")
        click.echo(
            f"extracted {summary.extracted}, from cache {summary.from_cache}, {summary.seconds:.1f}s; "
            f"published {curated}/ (version {summary.published})"
        )
        for name, error in summary.quarantined:
            click.echo(f"quarantined: {name}: {error}")
        for entry in summary.skipped:
            click.echo(f"skipped: {entry.file_name}: {entry.reason}")
    sys.exit(summary.exit_code)


@cli.command(
    context_settings=CONTEXT,
    help=(
        "Show what is in RAW versus the current version of CURATED. Exit 0: up to date; 3: something to act on "
        "(new, changed, removed or quarantined files, or nothing published yet); 1: RAW is missing or unreadable."
    ),
)
@_raw_option
@_curated_option
@_json_option
def status(raw: Path, curated: Path, as_json: bool) -> None:
    from pipeline.discovery import RawFolderError
    from pipeline.publish import current_version, read_run_json
    from pipeline.status import folder_status

    try:
        st = folder_status(raw, curated)
    except RawFolderError as exc:
        _fail(as_json, str(exc), EXIT_FAILED)
    code = EXIT_OK if st.up_to_date and not st.quarantined else EXIT_ACTION_NEEDED
    if as_json:
        run_json = read_run_json(curated) or {}
        click.echo(
            json.dumps(
                {
                    "published_version": current_version(curated),
                    "content": run_json.get("version"),
                    "up_to_date": st.up_to_date,
                    "new": st.new,
                    "changed": st.changed,
                    "removed": st.removed,
                    "unchanged": st.unchanged,
                    "quarantined": [{"file_name": f, "error": e} for f, e in st.quarantined],
                    "skipped": [{"file_name": s.file_name, "reason": s.reason} for s in st.skipped],
                    "exit": code,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        sys.exit(code)
    if not st.published:
        click.echo(f"{curated}/ has no published run yet; `dti run` will process {len(st.new)} files")
    for label, names in (("new", st.new), ("changed", st.changed), ("removed", st.removed)):
        for name in names:
            click.echo(f"{label}: {name}")
    for name, error in st.quarantined:
        click.echo(f"quarantined: {name}: {error}")
    for entry in st.skipped:
        click.echo(f"skipped: {entry.file_name}: {entry.reason}")
    click.echo(
        "up to date"
        if st.up_to_date
        else f"{len(st.new)} new, {len(st.changed)} changed, {len(st.removed)} removed, {len(st.unchanged)} unchanged"
    )
    sys.exit(code)


@cli.command(
    context_settings=CONTEXT, help="List the kept versions of CURATED, oldest first; * marks the current one. Exit 0."
)
@_curated_option
@_json_option
def versions(curated: Path, as_json: bool) -> None:
    from pipeline.publish import list_versions

    kept = list_versions(curated)
    if as_json:
        click.echo(json.dumps([v.as_dict() for v in kept], ensure_ascii=False, indent=2))
        return
    if not kept:
        click.echo(f"{curated}/ has no kept versions yet; `dti run` makes the first")
        return
    for v in kept:
        shown = {k: "-" if val is None else val for k, val in v.as_dict().items()}
        click.echo(
            f"{'*' if v.current else ' '} {v.version}  {shown['finished_at']}  documents {shown['documents']}"
            f"  score rows {shown['rows']}  exit {shown['exit']}"
        )


@cli.command(
    "rollback",
    context_settings=CONTEXT,
    help=(
        "Make the kept VERSION (see `dti versions`) the current CURATED in one atomic swap. "
        "Exit 0: done; 2: no such version; 4: a run holds the lock."
    ),
)
@click.argument("version")
@_curated_option
@_json_option
def rollback_command(version: str, curated: Path, as_json: bool) -> None:
    from pipeline.publish import PublishError, RunLockedError, UnknownVersionError, current_version, rollback

    before = current_version(curated)
    try:
        rollback(curated, version)
    except UnknownVersionError as exc:
        _fail(as_json, str(exc), EXIT_USAGE)
    except RunLockedError as exc:
        _fail(as_json, str(exc), EXIT_LOCKED)
    except (PublishError, OSError) as exc:
        _fail(as_json, f"rollback failed, {curated}/ is unchanged: {exc}", EXIT_FAILED)
    if as_json:
        click.echo(json.dumps({"published_version": version, "previous_version": before}, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{curated}/ is now version {version} (was {before or 'none'})")


@cli.command(
    context_settings=CONTEXT,
    help="Create the working folders: RAW for the documents and the officer's REGISTRY from the packaged defaults.",
)
@click.option("--raw", "raw", type=click.Path(path_type=Path, file_okay=False), default=Path("raw"), show_default=True)
@click.option(
    "--registry",
    "registry_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_REGISTRY,
    show_default=True,
)
def init(raw: Path, registry_dir: Path) -> None:
    from normalizers.unit_files import ensure_registry_folder

    raw.mkdir(parents=True, exist_ok=True)
    created = ensure_registry_folder(registry_dir)
    click.echo(f"{raw}/: put decision files here")
    click.echo(
        f"{registry_dir}/: {'created from the packaged defaults' if created else 'exists, left as it is'}; edit units/<province>.yaml there"
    )


cli.add_command(units)
for _command in OFFICER_COMMANDS:
    cli.add_command(_command)


def main() -> None:
    collect_seldom()
    cli()
