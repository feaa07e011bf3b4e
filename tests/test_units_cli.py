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
        {
            "doc_id": "a1b2c3d4e5f60718",
            "group_code": "tthc",
            "unit_name_raw": "Sở TT-TT tỉnh LC",
            "field": "unit_id",
            "code": "unresolved_unit",
            "severity": "warning",
            "message": "Unit name not resolved.",
            "printed": "Sở TT-TT tỉnh LC",
            "expected": "lci.so_tttt Sở Thông tin và Truyền thông (80)",
        },
        {
            "doc_id": "a1b2c3d4e5f60718",
            "group_code": "tthc",
            "unit_name_raw": "Sở Y tế",
            "field": "total_score",
            "code": "pct_mismatch",
            "severity": "warning",
            "message": "Percentage differs.",
            "printed": "70,1",
            "expected": "70,2",
        },
        {
            "doc_id": "ffff000011112222",
            "group_code": "huyen",
            "unit_name_raw": "Huyện Bảo Lâm",
            "field": "unit_id",
            "code": "unresolved_unit",
            "severity": "warning",
            "message": "Unit name not resolved.",
            "printed": "Huyện Bảo Lâm",
            "expected": None,
        },
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
    args = [
        "match",
        "Sở Giáo dục và Đào tao",
        "--province",
        "Lào Cai",
        "--year",
        "2023",
        "--json",
        "--registry",
        str(registry_copy),
    ]
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
    args = [
        "match",
        "Sở Ngoại giao",
        "--province",
        "Lào Cai",
        "--year",
        "2023",
        "--json",
        "--registry",
        str(registry_copy),
    ]
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

    args = [
        "match",
        "Sở TT-TT tỉnh LC",
        "--province",
        "Lào Cai",
        "--year",
        "2023",
        "--json",
        "--registry",
        str(registry_copy),
    ]
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
    assert result.exit_code == 1
    assert "cao-bang.yaml: 'code' must be a short lowercase ASCII prefix like 'lci', not 'CBG'" in result.output


# --- the officer's registry folder -----------------------------------------------------------------


def _added_lines(before: str, after: str) -> list[str]:
    """The lines ``after`` adds to ``before``; fails if it changes or removes any other byte."""
    import difflib

    ops = difflib.SequenceMatcher(a=before.splitlines(keepends=True), b=after.splitlines(keepends=True), autojunk=False)
    added = []
    for tag, i1, i2, j1, j2 in ops.get_opcodes():
        if tag == "equal":
            continue
        old, new = before.splitlines(keepends=True)[i1:i2], after.splitlines(keepends=True)[j1:j2]
        grown = len(old) == 1 == len(new) and new[0].replace(", STP Lào Cai", "") == old[0]  # a one-line flow list
        assert old in ([], ["    aliases: []\n"]) or grown, f"changed {old!r} into {new!r}"
        added += new
    return added


def test_accept_leaves_every_other_byte_of_the_file(registry_copy):
    path = registry_copy / "units" / "lao-cai.yaml"
    # an officer's own touches: a comment, an odd dash, quoting and a flow list, kept as they are
    text = path.read_text(encoding="utf-8")
    comment = "  # checked against the 2016 decision – keep\n"
    text = text.replace("  - unit_id: lci.so_tttt\n", comment + "  - unit_id: lci.so_tttt\n")
    text = text.replace("    name: Sở Y tế\n", "    name: 'Sở Y tế'   # quoted on purpose\n")
    text = text.replace(
        "  - unit_id: lci.so_tu_phap\n    name: Sở Tư pháp\n    unit_type: department_agency\n"
        "    valid_from_year: null\n    valid_to_year: null\n    aliases: []\n",
        "  - {unit_id: lci.so_tu_phap, name: Sở Tư pháp, unit_type: department_agency,"
        " valid_from_year: null, valid_to_year: null, aliases: [Sở Tư Pháp tỉnh]}\n",
    )
    path.write_text(text, encoding="utf-8")
    before = path.read_bytes().decode("utf-8")
    runner = CliRunner()
    accepted = (
        ("Sở TT-TT tỉnh LC", "lci.so_tttt"),
        ("STP Lào Cai", "lci.so_tu_phap"),
        ("T.P Lào Cai", "lci.tp_lao_cai"),
    )
    for name, uid in accepted:
        result = runner.invoke(units, ["accept", name, uid, "--registry", str(registry_copy), "--user", "officer.a"])
        assert result.exit_code == 0, result.output
    after = path.read_bytes().decode("utf-8")
    added = _added_lines(before, after)
    alias_lines = [line.strip() for line in added if "unit_id" not in line]
    assert alias_lines == ["aliases:", "- Sở TT-TT tỉnh LC", "- T.P Lào Cai"]
    assert "aliases: [Sở Tư Pháp tỉnh, STP Lào Cai]}" in after  # the flow list grew in place
    assert "# checked against the 2016 decision – keep" in after and "'Sở Y tế'   # quoted on purpose" in after
    reg = Registry.load(registry_copy)
    assert reg.match("STP Lào Cai", "Lào Cai", 2023).unit_id == "lci.so_tu_phap"
    log = pd.read_csv(registry_copy / "accept-log.csv")
    assert list(log.columns) == ["accepted_at", "user", "unit_id", "alias", "file"]
    assert list(zip(log["user"], log["unit_id"], log["alias"])) == [
        ("officer.a", "lci.so_tttt", "Sở TT-TT tỉnh LC"),
        ("officer.a", "lci.so_tu_phap", "STP Lào Cai"),
        ("officer.a", "lci.tp_lao_cai", "T.P Lào Cai"),
    ]
    assert set(log["file"]) == {"units/lao-cai.yaml"} and log["accepted_at"].str.match(r"^\d{4}-\d\d-\d\dT").all()


def test_accept_a_national_unit_writes_the_province_file(registry_copy):
    runner = CliRunner()
    result = runner.invoke(units, ["accept", "Sở TTTT tỉnh YB", "ybi.so_tttt", "--registry", str(registry_copy)])
    assert result.exit_code == 0, result.output
    created = registry_copy / "units" / "yen-bai.yaml"
    assert created.exists()
    reg = Registry.load(registry_copy)
    unit = reg.unit("ybi.so_tttt")
    assert (unit.aliases, unit.source_file, unit.unit_type_code, unit.valid_to_year) == (
        ("Sở TTTT tỉnh YB",),
        "yen-bai.yaml",
        "so_tttt",
        2025,
    )
    assert reg.match("Sở TTTT tỉnh YB", "Yên Bái", 2023).method == "alias"
    assert reg.descendants("ybi.so_tttt") == ("ybi.so_khcn", "lci.so_khcn")  # the 2025 events still apply
    # a national unit of a province that has a file is appended to it; nothing else moves
    path = registry_copy / "units" / "lao-cai.yaml"
    before = path.read_text(encoding="utf-8")
    result = runner.invoke(units, ["accept", "Sở NN và MT", "lci.so_nnmt", "--registry", str(registry_copy)])
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    assert "- unit_id: lci.so_nnmt" in after and "Sở NN và MT" in after
    assert after.startswith(before.split("\nevents:")[0])
    assert all(line in after.splitlines() for line in before.splitlines())
    assert Registry.load(registry_copy).match("Sở NN và MT", "Lào Cai", 2026).unit_id == "lci.so_nnmt"


def test_the_registry_lives_in_the_working_folder_never_the_package(tmp_path, monkeypatch):
    from pipeline.cli import cli

    packaged = (DATA_DIR / "units" / "lao-cai.yaml").read_bytes()
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    init = runner.invoke(cli, ["init"])
    assert init.exit_code == 0, init.output
    assert (tmp_path / "registry" / "units" / "lao-cai.yaml").read_bytes() == packaged
    assert (tmp_path / "registry" / "unit_types.yaml").exists() and (tmp_path / "raw").is_dir()
    again = runner.invoke(cli, ["init"])
    assert "exists, left as it is" in again.output
    accepted = runner.invoke(cli, ["units", "accept", "Sở TT-TT tỉnh LC", "lci.so_tttt"])
    assert accepted.exit_code == 0, accepted.output
    assert "Sở TT-TT tỉnh LC" in (tmp_path / "registry" / "units" / "lao-cai.yaml").read_text(encoding="utf-8")
    assert (DATA_DIR / "units" / "lao-cai.yaml").read_bytes() == packaged
    with pytest.raises(Exception, match="read-only"):
        Registry.load().add_alias("lci.so_tttt", "Sở TT-TT tỉnh LC")


def test_first_use_without_init_creates_the_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(units, ["match", "Sở Y tế", "--province", "Hà Giang", "--year", "2023"])
    assert result.exit_code == 0, result.output
    assert "hgg.so_y_te" in result.output
    assert (tmp_path / "registry" / "units" / "cao-bang.yaml").exists()


def test_units_init_drafts_the_file_of_a_new_province(tmp_path, registry_copy):
    curated = tmp_path / "curated"
    curated.mkdir()
    printed = ["Sở TT&TT", "Sở Y tế tỉnh Yên Bái", "Huyện Lục Yên", "Trung tâm Giám sát điều hành đô thị thông minh"]
    rows = [("Yên Bái", 2023, name) for name in printed] + [("Lào Cai", 2023, "Sở Y tế")]
    pd.DataFrame(rows, columns=["province", "assessment_year", "unit_name_raw"]).astype(
        {"assessment_year": "Int16"}
    ).to_parquet(curated / "scores.parquet", index=False)
    args = ["init", "--province", "Yên Bái", "--curated", str(curated), "--registry", str(registry_copy)]
    result = CliRunner().invoke(units, args)
    assert result.exit_code == 0, result.output
    path = registry_copy / "units" / "yen-bai.yaml"
    text = path.read_text(encoding="utf-8")
    assert "'Trung tâm Giám sát điều hành đô thị thông minh': candidates" in text
    reg = Registry.load(registry_copy)
    own = {u.unit_id: u for u in reg.province_units("Yên Bái") if u.source_file == "yen-bai.yaml"}
    assert set(own) == {"ybi.so_tttt", "ybi.so_y_te", "ybi.huyen_luc_yen"}
    assert own["ybi.so_tttt"].aliases[-1] == "Sở TT&TT"  # the catalogue's aliases, then what was printed
    assert own["ybi.so_y_te"].aliases == ("Sở Y tế tỉnh Yên Bái",)
    assert reg.match("Huyện Văn Chấn", "Yên Bái", 2023).unit_id == "ybi.huyen_van_chan"  # national units stay
    assert reg.descendants("ybi.huyen_luc_yen") == ("vn.lao_cai_2025",)
    again = CliRunner().invoke(units, args)
    assert again.exit_code != 0 and "exists already" in again.output
