"""A scheduled run with nothing new stops after hashing: no re-read, no new version, same status."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.publish import list_versions
from tests.truth import RAW

pytestmark = pytest.mark.slow


def _run(tmp: Path, *extra: str):
    args = [
        "run",
        "--raw",
        str(tmp / "raw"),
        "--curated",
        str(tmp / "curated"),
        "--registry",
        str(tmp / "registry"),
        "--reviews",
        str(tmp / "reviews"),
        *extra,
    ]
    return CliRunner().invoke(cli, args)


def test_a_second_run_with_nothing_new_publishes_nothing(tmp_path):
    (tmp_path / "raw").mkdir()
    shutil.copy(RAW / "laocai-2024-dti2023.pdf", tmp_path / "raw")
    first = _run(tmp_path)
    assert first.exit_code == 0, first.output
    version = (tmp_path / "curated").resolve().name
    second = _run(tmp_path)
    assert second.exit_code == 0
    assert f"nothing changed since version {version}" in second.output
    assert [v.version for v in list_versions(tmp_path / "curated")] == [version]
    as_json = json.loads(_run(tmp_path, "--json").stdout)
    assert as_json["unchanged"] is True and as_json["published_version"] == version
    assert as_json["documents_by_status"] == {"ok": 1}


def test_any_change_to_inputs_registry_or_limits_runs_again(tmp_path):
    (tmp_path / "raw").mkdir()
    shutil.copy(RAW / "laocai-2024-dti2023.pdf", tmp_path / "raw")
    assert _run(tmp_path).exit_code == 0
    shutil.copy(RAW / "laocai-2017-qd512-ict2016.pdf", tmp_path / "raw")  # a new document
    again = _run(tmp_path)
    assert "nothing changed" not in again.output and "2 ok" in again.output
    units = sorted((tmp_path / "registry" / "units").glob("*.yaml"))[0]
    units.write_text(units.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")  # the officer's registry
    assert "nothing changed" not in _run(tmp_path).output
    assert "nothing changed" in _run(tmp_path).output
    assert "nothing changed" not in _run(tmp_path, "--timeout", "300").output  # another limit: files may fail otherwise
    assert "nothing changed" not in _run(tmp_path, "--timeout", "300", "--retry-quarantined").output
