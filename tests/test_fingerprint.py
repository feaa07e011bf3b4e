"""The cache fingerprint changes with the code that extracts, and only with it.

Editing the CLI, the publisher or the curated schema must not re-OCR every scan; editing an
extractor or a normalizer must re-extract.
"""

import shutil
from pathlib import Path

import pytest

import pipeline.fingerprint as fingerprint

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("extractors", "normalizers", "schemas", "pipeline")


@pytest.fixture
def tree(tmp_path, monkeypatch) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint.resources, "files", lambda package: tmp_path / package)
    return tmp_path


def _fingerprint() -> str:
    return fingerprint._fingerprints.__wrapped__()[0]  # computed afresh, not the process's


def _touch(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")


@pytest.mark.parametrize(
    "edited",
    [
        "pipeline/cli.py",
        "pipeline/publish.py",
        "pipeline/run.py",
        "schemas/curated.py",
        "pipeline/report.py",
        "pipeline/review.py",
        "pipeline/database.py",
    ],
)
def test_editing_what_runs_after_extraction_keeps_the_cache(tree, edited):
    before = _fingerprint()
    _touch(tree / edited)
    assert _fingerprint() == before


@pytest.mark.parametrize(
    "edited",
    [
        "pipeline/process.py",
        "pipeline/parsing_report.py",
        "extractors/grid.py",
        "normalizers/numbers.py",
        "normalizers/data/frameworks.yaml",
        "schemas/issues.py",
    ],
)
def test_editing_extraction_code_or_knowledge_re_extracts(tree, edited):
    before = _fingerprint()
    _touch(tree / edited)
    assert _fingerprint() != before
