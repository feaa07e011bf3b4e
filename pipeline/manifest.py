"""What a published version was made from, so a run with nothing new can stop at once.

The manifest is one digest over the inputs (every file of raw/ by name and content hash), the
officer's registry and reviews folders (every file's bytes), the code and knowledge that made
the version (:func:`pipeline.fingerprint.code_fingerprint`) and the limits a file could fail
under. `run.json` records it; a scheduled run that finds the same digest has nothing to do
and leaves the current version as it is. Imports nothing heavy: this runs before the pipeline
is loaded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pipeline.discovery import Found, check_raw_folder, survey
from pipeline.fingerprint import code_fingerprint
from pipeline.publish import read_run_json, versions_dir


def _folder_digest(folder: Path | None) -> str:
    """Every regular file under the folder by relative path and bytes; "-" for no folder."""
    if folder is None or not folder.is_dir():
        return "-"
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def run_manifest(
    found: list[Found], registry_dir: Path | None, reviews_dir: Path | None, timeout_s: float, memory_mb: int
) -> str:
    digest = hashlib.sha256()
    for part in (
        code_fingerprint(),
        _folder_digest(registry_dir),
        _folder_digest(reviews_dir),
        f"{float(timeout_s):g}",
        str(int(memory_mb)),
    ):
        digest.update(part.encode() + b"\0")
    for f in found:
        digest.update(f"{f.file_name}\0{f.sha256}\n".encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Unchanged:
    """The current version, when this run's inputs are exactly the ones it was made from."""

    version: str
    run_json: dict


def unchanged_since_last_run(
    raw: Path, curated: Path, registry_dir: Path | None, reviews_dir: Path | None, timeout_s: float, memory_mb: int
) -> Unchanged | None:
    """The current version if nothing it was made from has changed, else None (run as usual).

    A missing raw folder, a registry folder not yet created, a version without a manifest or a
    killed run's staging folder left behind never counts as unchanged: the full run then says what is wrong or makes what is missing.
    """
    if any(versions_dir(curated).glob("*.partial")):
        return None  # a killed run's staging folder: the full run cleans it up
    run_json = read_run_json(curated)
    if not run_json or "manifest" not in run_json or (registry_dir is not None and not registry_dir.is_dir()):
        return None
    try:
        check_raw_folder(raw)
    except RuntimeError:
        return None
    found, _ = survey(raw)
    if run_manifest(found, registry_dir, reviews_dir, timeout_s, memory_mb) != run_json["manifest"]:
        return None
    return Unchanged(str(run_json.get("published_version") or run_json.get("version") or ""), run_json)
