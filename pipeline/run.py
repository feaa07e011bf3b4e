"""A whole run: discover raw/, process what changed, assemble, validate, publish atomically.

``run_pipeline(Path("raw"), Path("curated"))`` is what ``dti run`` calls; it is usable from a
notebook or a scheduler the same way.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from extractors.ocr_engine import engine_name
from normalizers.units import Registry, RegistryError
from pipeline.assemble import CURATED_TABLES, assemble
from pipeline.batch import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, Found, Outcome, discover, pipeline_fingerprint, process_all
from pipeline.process import PIPELINE_VERSION
from pipeline.publish import new_version, publish, run_lock, state_dir
from pipeline.review import ReviewError, load_reviews
from pipeline.version_files import CompanionError, write_companions
from schemas.curated import ContractError, to_arrow

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_QUARANTINED = 3
EXIT_LOCKED = 4


class RunError(RuntimeError):
    """The run could not produce a complete curated set; the previous one is kept."""


@dataclass
class RunSummary:
    documents: dict[str, int] = field(default_factory=dict)
    issues: dict[str, int] = field(default_factory=dict)
    unresolved_units: int = 0
    unresolved_names: list[str] = field(default_factory=list)
    extracted: int = 0
    from_cache: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    version: str = ""

    @property
    def exit_code(self) -> int:
        return EXIT_QUARANTINED if self.quarantined else EXIT_OK

    def as_dict(self) -> dict:
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
            "rows": self.tables,
        }


def load_registry(registry_dir: Path | None = None) -> Registry:
    """The unit registry: the shipped one, or an officer's copy given with --registry."""
    try:
        return Registry.load(registry_dir)
    except RegistryError as exc:
        raise RunError(f"the unit registry cannot be read: {exc}") from exc


def _parquet_bytes(table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", write_statistics=True, store_schema=True)
    return sink.getvalue()


def run_pipeline(
    raw: Path,
    curated: Path,
    workers: int = 2,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    registry_dir: Path | None = None,
    reviews_dir: Path | None = None,
    on_found: Callable[[int], None] | None = None,
    on_done: Callable[[Outcome], None] | None = None,
) -> RunSummary:
    """Process raw/ into a new complete curated set, or raise RunError and keep the old one."""
    started = time.monotonic()
    if not raw.is_dir():
        raise RunError(f"the raw folder {raw} does not exist; create it and put decision files in it")
    with run_lock(curated):
        found = discover(raw)
        if on_found:
            on_found(len(found))
        unique: dict[str, Found] = {}
        for f in found:
            unique.setdefault(f.sha256, f)
        fingerprint = pipeline_fingerprint()
        outcomes = process_all(list(unique.values()), state_dir(curated) / "cache", fingerprint, workers, timeout_s, memory_mb, on_done)
        registry = load_registry(registry_dir)
        try:
            reviews = load_reviews(reviews_dir)
        except ReviewError as exc:
            raise RunError(f"the officers' reviews cannot be read: {exc}") from exc
        try:
            result = assemble(found, outcomes, registry, reviews)
        except ContractError as exc:
            raise RunError(f"the curated tables would break the contract: {exc}") from exc
        summary = _summarize(found, outcomes, result.frames)
        payloads = {f"{name}.parquet": _parquet_bytes(to_arrow(result.frames[name], name)) for name in CURATED_TABLES}
        digest = hashlib.sha256(b"".join(payloads[k] for k in sorted(payloads))).hexdigest()[:12]
        summary.version = digest
        summary.seconds = round(time.monotonic() - started, 3)
        staged = new_version(curated, f"{time.strftime('%Y%m%dT%H%M%S')}-{digest}")
        for name, data in payloads.items():
            (staged / name).write_bytes(data)
        # from the documents table, not the outcomes: assembly also quarantines (contract problems)
        statuses = dict(zip(result.frames["documents"]["file_name"], result.frames["documents"]["status"]))
        run_json = summary.as_dict() | {
            "files": [{"file_name": f.file_name, "sha256": f.sha256, "status": statuses[f.file_name]} for f in found],
            "version": digest,
            "pipeline_fingerprint": fingerprint,
            "registry_fingerprint": registry.fingerprint(),
            "seconds": summary.seconds,
            "reviews_applied": result.reviews_applied,
            "reviews_unmatched": list(result.reviews_unmatched),
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (staged / "run.json").write_text(json.dumps(run_json, ensure_ascii=False, indent=2), encoding="utf-8")
        try:
            write_companions(staged, result.frames, run_json)
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
        unresolved_units=int((issues["code"] == "unresolved_unit").sum()),
        unresolved_names=sorted(set(issues.loc[issues["code"] == "unresolved_unit", "unit_name_raw"].dropna())),
        extracted=sum(1 for o in outcomes.values() if not o.cached),
        from_cache=sum(1 for o in outcomes.values() if o.cached),
        quarantined=[(r.file_name, r.error) for r in docs.itertuples() if r.status == "quarantined"],
        tables={name: len(frame) for name, frame in frames.items()},
    )
    return summary
