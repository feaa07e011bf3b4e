"""A whole run: discover raw/, process what changed, assemble, validate, publish atomically.

``run_pipeline(Path("raw"), Path("curated"))`` is what ``dti run`` calls; it is usable from a
notebook or a scheduler the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from normalizers.knowledge import (
    DATA_DIR,
    KnowledgeBundle,
    knowledge_as_default,
    load_registry_checked,
)
from pipeline.batch import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    Found,
    Outcome,
    RawFolderError,
    Skipped,
    check_raw_folder,
    pipeline_fingerprint,
    process_all,
    survey,
)
from pipeline.fingerprint import PIPELINE_VERSION
from pipeline.manifest import run_manifest
from pipeline.publish import new_version, publish, run_lock, state_dir
from pipeline.run_settings import (  # noqa: F401 - the exit statuses are part of this module's interface
    DEFAULT_WORKERS,
    EXIT_BROKEN_KNOWLEDGE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_QUARANTINED,
    EXIT_REFUSED,
    EXIT_USAGE,
)
from pipeline.shrink_guard import DEFAULT_MAX_SHRINK, ShrinkRefusedError
from schemas.issue_codes import IssueCode

if TYPE_CHECKING:
    from normalizers.units import Registry

# pandas, pandera, pyarrow and the registry load inside run_pipeline, while the first document
# workers (forked before them) read their files: on two cores the reading and the loading overlap.
log = logging.getLogger("dti")


class RunError(RuntimeError):
    """The run could not produce a complete curated set; the previous one is kept."""


class RawMissingError(RunError):
    """raw/ is missing, not a folder or unreadable."""


@dataclass
class RunSummary:
    documents: dict[str, int] = field(default_factory=dict)
    issues: dict[str, int] = field(default_factory=dict)
    unresolved_units: int = 0
    unresolved_names: list[str] = field(default_factory=list)
    extracted: int = 0
    from_cache: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (file_name, what a library printed)
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    version: str = ""  # digest of the Parquet files: equal digests, equal bytes
    published: str = ""  # the version folder made current, what `dti rollback` takes

    @property
    def exit_code(self) -> int:
        return EXIT_QUARANTINED if self.quarantined else EXIT_OK

    def as_dict(self) -> dict:
        from extractors.ocr_engine import engine_name

        return {
            "pipeline_version": PIPELINE_VERSION,
            "ocr_engine": engine_name(),  # tesserocr in process, or the pytesseract fallback
            "documents_by_status": self.documents,
            "issues_by_severity": self.issues,
            "unresolved_units": self.unresolved_units,
            "unresolved_names": self.unresolved_names,
            "extracted": self.extracted,
            "from_cache": self.from_cache,
            "quarantined": [{"file_name": f, "error": e} for f, e in self.quarantined],
            "skipped": [{"file_name": s.file_name, "reason": s.reason} for s in self.skipped],
            "warnings": [{"file_name": f, "message": m} for f, m in self.warnings],
            "rows": self.tables,
            "version": self.version,
            "published_version": self.published,
            "exit": self.exit_code,
        }


def load_registry(registry_dir: Path | None = None) -> Registry:
    """The officer's unit registry folder (``dti run`` passes ``registry/``); None: the packaged defaults, read-only.

    Built once per content (pipeline.registry_cache keeps the built registry, keyed by its files' bytes).
    """
    from normalizers.units import RegistryError
    from pipeline.registry_cache import load_registry_indexed

    try:
        return load_registry_indexed(registry_dir)
    except RegistryError as exc:
        raise RunError(f"the unit registry cannot be read: {exc}") from exc


def _parquet_bytes(table) -> bytes:
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", write_statistics=True, store_schema=True)
    return sink.getvalue()


def run_pipeline(
    raw: Path,
    curated: Path,
    workers: int = DEFAULT_WORKERS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    registry_dir: Path | None = None,
    reviews_dir: Path | None = None,
    on_found: Callable[[int], None] | None = None,
    on_done: Callable[[Outcome], None] | None = None,
    on_page: Callable[[Found, int, int], None] | None = None,
    retry_quarantined: bool = False,
    max_shrink: float = DEFAULT_MAX_SHRINK,
    allow_shrink: bool = False,
    on_settled: Callable[[Outcome, str, str | None], None] | None = None,
    knowledge: KnowledgeBundle | None = None,
    knowledge_dir: Path | None = None,
) -> RunSummary:
    """Process raw/ into a new complete curated set, or raise RunError and keep the old one.

    Raises ShrinkRefusedError (keeping the current version) when the new set would lose all,
    or more than `max_shrink`, of the documents the current version holds, unless `allow_shrink`.

    `on_done` hears of each file as its extraction ends (a progress bar); `on_settled` hears
    each file's final status and reason once assembly has judged it (the log line).

    The knowledge files (``knowledge``, else read from ``knowledge_dir`` / the packaged data) and
    the registry are validated first: a broken one raises KnowledgeError before anything is
    surveyed, extracted, cached or published.
    """
    started = time.monotonic()
    if knowledge is None:
        from pipeline.knowledge_cache import load_knowledge_indexed

        knowledge = load_knowledge_indexed(knowledge_dir)
    if knowledge.registry is not None:
        registry = knowledge.registry
    else:
        from pipeline.registry_cache import load_registry_indexed

        registry = load_registry_indexed(registry_dir, build=load_registry_checked)
    with knowledge_as_default(knowledge):  # a helper deep in assembly reads the run's files too
        return _run(
            raw,
            curated,
            workers,
            timeout_s,
            memory_mb,
            registry_dir,
            reviews_dir,
            on_found,
            on_done,
            on_page,
            retry_quarantined,
            max_shrink,
            allow_shrink,
            on_settled,
            knowledge,
            registry,
            started,
        )


def _run(
    raw: Path,
    curated: Path,
    workers: int,
    timeout_s: float,
    memory_mb: int,
    registry_dir: Path | None,
    reviews_dir: Path | None,
    on_found: Callable[[int], None] | None,
    on_done: Callable[[Outcome], None] | None,
    on_page: Callable[[Found, int, int], None] | None,
    retry_quarantined: bool,
    max_shrink: float,
    allow_shrink: bool,
    on_settled: Callable[[Outcome, str, str | None], None] | None,
    knowledge: KnowledgeBundle,
    registry: Registry,
    started: float,
) -> RunSummary:
    """The run itself, once its knowledge and registry are known good."""
    try:
        check_raw_folder(raw)
    except RawFolderError as exc:
        raise RawMissingError(str(exc)) from exc
    with run_lock(curated):
        found, skipped = survey(raw)
        for entry in skipped:
            log.warning("skipped %s: %s", entry.file_name, entry.reason)
        if on_found:
            on_found(len(found))
        unique: dict[str, Found] = {}
        for f in found:
            unique.setdefault(f.sha256, f)
        fingerprint = pipeline_fingerprint()
        if knowledge.data_dir != DATA_DIR:  # an officer's copies of the knowledge files: their own cache entries
            fingerprint = hashlib.sha256(f"{fingerprint}:{knowledge.digest()}".encode()).hexdigest()[: len(fingerprint)]
        loaded: dict[str, Any] = {}

        def load_the_rest() -> None:
            """Everything after extraction needs, loaded while the workers read (process_all calls it)."""
            import pipeline.assemble
            import pipeline.version_files  # noqa: F401 - the DuckDB and report writers
            from pipeline.review import ReviewError, load_reviews

            try:
                loaded["reviews"] = load_reviews(reviews_dir)
            except ReviewError as exc:
                raise RunError(f"the officers' reviews cannot be read: {exc}") from exc

        outcomes = process_all(
            list(unique.values()),
            state_dir(curated) / "cache",
            fingerprint,
            workers,
            timeout_s,
            memory_mb,
            on_done,
            on_page,
            retry_quarantined,
            knowledge,
            meanwhile=load_the_rest,
        )
        import pandas as pd

        from pipeline.assemble import CURATED_TABLES, assemble
        from pipeline.registry_cache import registry_fingerprint
        from pipeline.shrink_guard import held_documents, shrink_problem
        from pipeline.version_files import CompanionError, start_database, write_companions
        from schemas.curated import ContractError, to_arrow

        reviews = loaded["reviews"]
        try:
            result = assemble(found, outcomes, registry, reviews, knowledge)
        except ContractError as exc:
            raise RunError(f"the curated tables would break the contract: {exc}") from exc
        problem = shrink_problem(held_documents(curated), result.frames["documents"], max_shrink)
        if problem and not allow_shrink:
            raise ShrinkRefusedError(problem)
        summary = _summarize(found, outcomes, result.frames)
        summary.skipped = skipped
        if on_settled:
            docs = result.frames["documents"]
            final = {r.file_name: (r.status, None if pd.isna(r.error) else r.error) for r in docs.itertuples()}
            for f in unique.values():  # file order, as the documents table
                on_settled(outcomes[f.file_name], *final[f.file_name])
        # after the progress bar is closed: the child inherits no live terminal output
        tables = {name: to_arrow(result.frames[name], name) for name in CURATED_TABLES}
        database = start_database(result.frames, state_dir(curated), tables)  # built while the rest is written
        payloads = {f"{name}.parquet": _parquet_bytes(tables[name]) for name in CURATED_TABLES}
        digest = hashlib.sha256(b"".join(payloads[k] for k in sorted(payloads))).hexdigest()[:12]
        summary.version = digest
        summary.seconds = round(time.monotonic() - started, 3)
        staged = new_version(curated, f"{time.strftime('%Y%m%dT%H%M%S')}-{digest}")
        summary.published = staged.name.removesuffix(".partial")
        for name, data in payloads.items():
            (staged / name).write_bytes(data)
        # from the documents table, not the outcomes: assembly also quarantines (contract problems)
        statuses = dict(zip(result.frames["documents"]["file_name"], result.frames["documents"]["status"]))
        run_json = summary.as_dict() | {
            "files": [{"file_name": f.file_name, "sha256": f.sha256, "status": statuses[f.file_name]} for f in found],
            "pipeline_fingerprint": fingerprint,
            "manifest": run_manifest(found, registry_dir, reviews_dir, timeout_s, memory_mb),
            "registry": str(registry.directory),
            "registry_fingerprint": registry_fingerprint(registry.directory),
            "seconds": summary.seconds,
            "reviews_applied": result.reviews_applied,
            "reviews_unmatched": list(result.reviews_unmatched),
            "finished_at": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        }
        (staged / "run.json").write_text(json.dumps(run_json, ensure_ascii=False, indent=2), encoding="utf-8")
        try:
            write_companions(staged, result.frames, run_json, database, knowledge)
        except CompanionError as exc:
            raise RunError(str(exc)) from exc
        publish(curated, staged)
    return summary


def _summarize(found: list[Found], outcomes: dict[str, Outcome], frames) -> RunSummary:
    docs = frames["documents"]
    issues = frames["issues"]
    summary = RunSummary(
        documents=dict(sorted(Counter(docs["status"]).items())),
        issues=dict(sorted(Counter(issues["severity"]).items())),
        unresolved_units=int((issues["code"] == IssueCode.UNRESOLVED_UNIT).sum()),
        unresolved_names=sorted(set(issues.loc[issues["code"] == IssueCode.UNRESOLVED_UNIT, "unit_name_raw"].dropna())),
        extracted=sum(1 for o in outcomes.values() if not o.cached),
        from_cache=sum(1 for o in outcomes.values() if o.cached),
        quarantined=[(r.file_name, r.error) for r in docs.itertuples() if r.status == "quarantined"],
        warnings=[(o.found.file_name, w) for o in outcomes.values() if not o.cached for w in o.warnings],
        tables={name: len(frame) for name, frame in frames.items()},
    )
    return summary
