"""Fingerprints of the code and knowledge a result depends on.

`pipeline_fingerprint` keys the extraction cache (only what runs in a document's worker);
`code_fingerprint` covers everything that shapes a published version (assembly and publishing
too), for the no-change run's manifest.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from pathlib import Path

PIPELINE_VERSION = "0.1.0"
_PACKAGES = ("extractors", "normalizers", "schemas", "pipeline")


@functools.cache
def _fingerprints() -> tuple[str, str]:
    """(pipeline, code) fingerprints from one reading of the packages' source and data files."""
    extraction, code = hashlib.sha256(PIPELINE_VERSION.encode()), hashlib.sha256(PIPELINE_VERSION.encode())
    for package in _PACKAGES:
        root = Path(str(resources.files(package)))
        for path in sorted(root.rglob("*")):
            if path.suffix not in (".py", ".yaml", ".csv"):
                continue
            rel = path.relative_to(root)
            name, content = f"{package}/{rel.as_posix()}".encode(), path.read_bytes()
            for digest in (extraction, code) if _changes_extraction(package, rel) else (code,):
                digest.update(name)
                digest.update(content)
    return extraction.hexdigest()[:16], code.hexdigest()[:16]


_UNIT_MATCHING = {
    "units.py",
    "unit_registry.py",
    "unit_matching.py",
    "unit_snapping.py",
    "unit_model.py",
    "unit_files.py",
    "national_units.py",
    "admin_units.py",
    "units_commands.py",
    "abbreviations.yaml",
    "confusables.yaml",
    "unit_matching.yaml",
    "unit_types.yaml",
    "province_codes.yaml",
}


def _only_for_units(rel: Path) -> bool:
    """Unit matching runs after extraction (pipeline.assemble): editing it re-derives ids, not rows."""
    return "units" in rel.parts[:2] or rel.name in _UNIT_MATCHING


def pipeline_fingerprint() -> str:
    """Changes with the code or the framework knowledge, so cached rows are re-derived then.

    Hashes the installed source and data of the extraction packages rather than trusting a
    version string someone must remember to bump. Computed once per process: it stands for
    the code this process imported, and a long-lived process (a notebook, a test session)
    does not flip between cache generations while files are being edited under it.
    """
    return _fingerprints()[0]


# What runs inside a document's worker (pipeline.process and everything below it). The CLI,
# the batch runner, assembly, publishing, reports and the curated schema work on its cached
# result, so editing them must not re-OCR every scan.
_PIPELINE_EXTRACTION = {"process.py", "document_result.py", "parsing_report.py", "__init__.py"}
_AFTER_EXTRACTION = {"curated.py"}


def _changes_extraction(package: str, rel: Path) -> bool:
    if package == "pipeline":
        return rel.name in _PIPELINE_EXTRACTION
    return rel.name not in _AFTER_EXTRACTION and not _only_for_units(rel)


def code_fingerprint() -> str:
    """Every source and data file of the four packages: what a published version was made by."""
    return _fingerprints()[1]
