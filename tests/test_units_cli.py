"""`dti units review | accept | match` through click's CliRunner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from normalizers.units import DATA_DIR, Registry
from pipeline.units_commands import units


@pytest.fixture()
def registry_copy(tmp_path: Path) -> Path:
    target = tmp_path / "registry"
    shutil.copytree(DATA_DIR / "units", target / "units")
    for name in ("abbreviations.yaml", "confusables.yaml"):
        shutil.copy(DATA_DIR / name, target / name)
    return target


def _issues(tmp_path: Path) -> Path:
    curated = tmp_path / "curated"
    curated.mkdir()
    rows = [
        {"doc_id": "a1b2c3d4e5f60718", "group_code": "tthc", "unit_name_raw": "Sở TT-TT tỉnh LC", "field": "unit_id",
         "code": "unresolved_unit", "severity": "warning", "message": "Unit name not resolved.",
         "printed": "Sở TT-TT tỉnh LC", "expected": "lci.so_tttt Sở Thông tin và Truyền thông (80)"},
        {"doc_id": "a1b2c3d4e5f60718", "group_code": "tthc", "unit_name_raw": "Sở Y tế", "field": "total_score",
         "code": "pct_mismatch", "severity": "warning", "message": "Percentage differs.",
         "printed": "70,1", "expected": "70,2"},
        {"doc_id": "ffff000011112222", "group_code": "huyen", "unit_name_raw": "Huyện Bảo Lâm", "field": "unit_id",
         "code": "unresolved_unit", "severity": "warning", "message": "Unit name not resolved.",
         "printed": "Huyện Bảo Lâm", "expected": None},
    ]
    pd.DataFrame(rows).astype("string").to_parquet(curated / "issues.parquet", index=False)
    return curated


def test_review_lists_only_unresolved_units(tmp_path):
    result = CliRunner().invoke(units, ["review", "--curated", str(_issues(tmp_path))])
    assert result.exit_code == 3, result.output  # unresolved names: something to act on
    assert "2 unresolved unit name(s)" in result.output
    assert "Sở TT-TT tỉnh LC  (doc a1b2c3d4e5f60718)" in result.output
    assert "candidates: lci.so_tttt Sở Thông tin và Truyền thông (80)" in result.output
    assert "Huyện Bảo Lâm  (doc ffff000011112222)" in result.output
    assert "candidates: (none)" in result.output
    assert "Sở Y tế" not in result.output


def test_review_without_issues_file_says_what_to_do(tmp_path):
    result = CliRunner().invoke(units, ["review", "--curated", str(tmp_path / "nowhere")])
    assert result.exit_code != 0
    assert "issues.parquet not found" in result.output


def test_match_json(registry_copy):
    args = ["match", "Sở Giáo dục và Đào tao", "--province", "Lào Cai", "--year", "2023", "--json",
            "--registry", str(registry_copy)]
    result = CliRunner().invoke(units, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["unit_id"] == "lci.so_gddt"
    assert data["unit_name"] == "Sở Giáo dục và Đào tạo"
    assert data["method"] == "fuzzy"
    assert data["score"] >= 88 and data["runner_up"] and data["runner_up_score"] < data["score"]
    assert data["candidates"][0][0] == "lci.so_gddt"
    assert data["reason"]


def test_match_json_unresolved_has_null_unit(registry_copy):
    args = ["match", "Sở Ngoại giao", "--province", "Lào Cai", "--year", "2023", "--json", "--registry", str(registry_copy)]
    data = json.loads(CliRunner().invoke(units, args).output)
    assert data["unit_id"] is None and data["unit_name"] is None and data["method"] == "unresolved"
    assert data["candidates"] and data["candidates"][0][0] == "lci.so_ngoai_vu"


def test_match_text_shows_method_score_and_runner_up(registry_copy):
    args = ["match", "Sở Ngoai vụ", "--province", "Lào Cai", "--year", "2023", "--registry", str(registry_copy)]
    result = CliRunner().invoke(units, args)
    assert result.exit_code == 0, result.output
    assert "lci.so_ngoai_vu (Sở Ngoại vụ)" in result.output
    assert "method:    fuzzy" in result.output
    assert "runner-up: lci.so_noi_vu" in result.output


def test_accept_records_an_alias_that_then_matches(registry_copy):
    runner = CliRunner()
    result = runner.invoke(units, ["accept", "Sở TT-TT tỉnh LC", "lci.so_tttt", "--registry", str(registry_copy)])
    assert result.exit_code == 0, result.output
    assert "Recorded 'Sở TT-TT tỉnh LC' as an alias of lci.so_tttt" in result.output
    assert "Sở TT-TT tỉnh LC" in Registry.load(registry_copy).unit("lci.so_tttt").aliases

    args = ["match", "Sở TT-TT tỉnh LC", "--province", "Lào Cai", "--year", "2023", "--json", "--registry", str(registry_copy)]
    data = json.loads(runner.invoke(units, args).output)
    assert (data["unit_id"], data["method"]) == ("lci.so_tttt", "alias")

    again = runner.invoke(units, ["accept", "Sở TT-TT tỉnh LC", "lci.so_tttt", "--registry", str(registry_copy)])
    assert again.exit_code == 0 and "nothing changed" in again.output


def test_accept_refuses_unknown_unit_and_conflicts(registry_copy):
    runner = CliRunner()
    unknown = runner.invoke(units, ["accept", "Sở Gì đó", "lci.no_such", "--registry", str(registry_copy)])
    assert unknown.exit_code != 0 and "lci.no_such" in unknown.output
    conflict = runner.invoke(units, ["accept", "Sở Ngoại vụ", "lci.so_noi_vu", "--registry", str(registry_copy)])
    assert conflict.exit_code != 0 and "alias not recorded" in conflict.output
    assert Registry.load(registry_copy).unit("lci.so_noi_vu").aliases == ()


def test_invalid_registry_is_a_clear_error(registry_copy):
    (registry_copy / "units" / "cao-bang.yaml").write_text("province: Cao Bằng\ncode: CBG\n", encoding="utf-8")
    result = CliRunner().invoke(units, ["match", "Sở Y tế", "--province", "Cao Bằng", "--registry", str(registry_copy)])
    assert result.exit_code != 0
    assert "the unit registry is invalid: cao-bang.yaml" in result.output
