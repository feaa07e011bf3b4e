"""The knowledge bundle: every knowledge file validated once, a broken one named by file and key path.

For each file: the shipped copy loads; a one-letter typo of a real key fails with
``file: key.path: unknown field`` (and, for a required key, ``required field missing`` for the
name it should have had); a removed required key fails with ``file: key.path: required field missing``.
``dti run`` with a broken copy stops with exit 1 before anything is done, and curated/ is untouched.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from normalizers.knowledge import (
    DATA_DIR,
    KnowledgeError,
    knowledge_files,
    load_knowledge_bundle,
    load_registry_checked,
)
from pipeline.cli import cli
from pipeline.run_settings import EXIT_BROKEN_KNOWLEDGE, EXIT_OK
from tests.truth import RAW

Path_ = tuple[str | int, ...]


def _parent(data: Any, path: Path_) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def rename(path: Path_, new: str):
    def change(data: Any) -> None:
        parent = _parent(data, path)
        parent[new] = parent.pop(path[-1])

    return change


def delete(path: Path_):
    def change(data: Any) -> None:
        del _parent(data, path)[path[-1]]

    return change


def assign(path: Path_, value: Any):
    def change(data: Any) -> None:
        _parent(data, path)[path[-1]] = value

    return change


def _broken_copy(folder: Path, name: str, change) -> Path:
    """``folder/name`` written from the shipped file with one change applied."""
    data = yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8"))
    change(data)
    target = folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


# (file, change, the exact lines expected); package files first, then the unit registry's
PACKAGE_CASES = [
    ("frameworks.yaml", delete(("columns", "total")), ["frameworks.yaml: columns.total: required field missing"]),
    ("frameworks.yaml", assign(("groups", 3, "not_unit_types"), ["department"]),
     ["frameworks.yaml: groups.3.not_unit_types.0: must be 'department_agency', 'party_mass_org', "
      "'district_locality', 'province', 'ministry' or 'other', not 'department'"]),
    ("frameworks.yaml", rename(("frameworks", "dti", "tiers", 0, "pct_gt"), "pct_gtt"),
     ["frameworks.yaml: frameworks.dti.tiers.0.pct_gtt: unknown field"]),
    ("frameworks.yaml", delete(("frameworks", "dti", "thresholds_known")),
     ["frameworks.yaml: frameworks.dti.thresholds_known: required field missing"]),
    ("ranking_evidence.yaml", rename(("scoring", "accept_points"), "accept_point"),
     ["ranking_evidence.yaml: scoring.accept_points: required field missing",
      "ranking_evidence.yaml: scoring.accept_point: unknown field"]),
    ("ranking_evidence.yaml", delete(("registry",)),
     ["ranking_evidence.yaml: registry: required field missing"]),
    ("legacy_encodings.yaml", rename(("vni", "font_prefixes"), "font_prefixe"),
     ["legacy_encodings.yaml: vni.font_prefixes: required field missing",
      "legacy_encodings.yaml: vni.font_prefixe: unknown field"]),
    ("legacy_encodings.yaml", delete(("tcvn3", "letters")),
     ["legacy_encodings.yaml: tcvn3.letters: required field missing"]),
    ("weekly_tables.yaml", rename(("tables", "kpi", "unit_rows"), "unit_row"),
     ["weekly_tables.yaml: tables.kpi.unit_row: unknown field"]),
    ("weekly_tables.yaml", delete(("entered_marks",)),
     ["weekly_tables.yaml: entered_marks: required field missing"]),
    ("page_chrome.yaml", rename(("chrome_tags",), "chrome_tag"),
     ["page_chrome.yaml: chrome_tags: required field missing", "page_chrome.yaml: chrome_tag: unknown field"]),
    ("page_chrome.yaml", delete(("article_words",)),
     ["page_chrome.yaml: article_words: required field missing"]),
    ("news_phrases.yaml", rename(("groups", 0, "mention"), "mentio"),
     ["news_phrases.yaml: groups.0.mention: required field missing",
      "news_phrases.yaml: groups.0.mentio: unknown field"]),
    ("news_phrases.yaml", delete(("percent",)),
     ["news_phrases.yaml: percent: required field missing"]),
    ("news_wording.yaml", rename(("decision",), "decison"),
     ["news_wording.yaml: decision: required field missing", "news_wording.yaml: decison: unknown field"]),
    ("news_wording.yaml", delete(("points",)),
     ["news_wording.yaml: points: required field missing"]),
    ("weekly_wording.yaml", rename(("week",), "weeks"),
     ["weekly_wording.yaml: week: required field missing", "weekly_wording.yaml: weeks: unknown field"]),
    ("weekly_wording.yaml", delete(("topic",)),
     ["weekly_wording.yaml: topic: required field missing"]),
    ("provinces.yaml", rename(("provinces",), "province"),
     ["provinces.yaml: provinces: required field missing", "provinces.yaml: province: unknown field"]),
    ("provinces.yaml", delete(("provinces",)),
     ["provinces.yaml: provinces: required field missing"]),
    ("national.yaml", rename(("default_issuer",), "default_isuer"),
     ["national.yaml: default_isuer: unknown field"]),
    ("national.yaml", delete(("min_share",)),
     ["national.yaml: min_share: required field missing"]),
    ("ocr_confusions.yaml", rename(("decimal_point",), "decimal_points"),
     ["ocr_confusions.yaml: decimal_point: required field missing",
      "ocr_confusions.yaml: decimal_points: unknown field"]),
    ("ocr_confusions.yaml", delete(("digits",)),
     ["ocr_confusions.yaml: digits: required field missing"]),
    # wording files (branch words)
    ("decision_wording.yaml", rename(("tier_rules", "up_to"), "up_too"),
     ["decision_wording.yaml: tier_rules.up_to: required field missing",
      "decision_wording.yaml: tier_rules.up_too: unknown field"]),
    ("decision_wording.yaml", delete(("annex_reference", "decision")),
     ["decision_wording.yaml: annex_reference.decision: required field missing"]),
    ("admin_unit_words.yaml", rename(("district_kinds", "Huyện", "party_id_prefix"), "party_id_prefx"),
     ["admin_unit_words.yaml: district_kinds.Huyện.party_id_prefix: required field missing",
      "admin_unit_words.yaml: district_kinds.Huyện.party_id_prefx: unknown field"]),
    ("admin_unit_words.yaml", delete(("nation_names",)),
     ["admin_unit_words.yaml: nation_names: required field missing"]),
    ("missing_marks.yaml", rename(("marks",), "mark"),
     ["missing_marks.yaml: marks: required field missing",
      "missing_marks.yaml: mark: unknown field"]),
    ("missing_marks.yaml", delete(("marks",)),
     ["missing_marks.yaml: marks: required field missing"]),
    ("table_headers.yaml", rename(("split_rank_index", "index"), "indx"),
     ["table_headers.yaml: split_rank_index.index: required field missing",
      "table_headers.yaml: split_rank_index.indx: unknown field"]),
    ("table_headers.yaml", delete(("maximum_in_header", "before")),
     ["table_headers.yaml: maximum_in_header.before: required field missing"]),
    ("vni_french_pairs.yaml", rename(("pairs",), "pair"),
     ["vni_french_pairs.yaml: pairs: required field missing",
      "vni_french_pairs.yaml: pair: unknown field"]),
    ("vni_french_pairs.yaml", delete(("pairs",)),
     ["vni_french_pairs.yaml: pairs: required field missing"]),
    # end of wording files
]  # fmt: skip

REGISTRY_CASES = [
    ("abbreviations.yaml", rename(("ignore_words",), "ignore_word"),
     ["abbreviations.yaml: ignore_word: unknown field"]),  # every key optional: an empty file is a valid one
    ("confusables.yaml", rename(("groups", 0, "words"), "word"),
     ["confusables.yaml: groups.0.words: required field missing", "confusables.yaml: groups.0.word: unknown field"]),
    ("confusables.yaml", delete(("groups",)),
     ["confusables.yaml: groups: required field missing"]),
    ("unit_matching.yaml", rename(("min_margin",), "min_margn"),
     ["unit_matching.yaml: min_margin: required field missing", "unit_matching.yaml: min_margn: unknown field"]),
    ("unit_matching.yaml", delete(("stripped_penalty",)),
     ["unit_matching.yaml: stripped_penalty: required field missing"]),
    ("unit_types.yaml", rename(("types", 0, "aliases"), "aliase"),
     ["unit_types.yaml: types.0.aliase: unknown field"]),
    ("unit_types.yaml", delete(("types", 0, "name")),
     ["unit_types.yaml: types.0.name: required field missing"]),
    ("unit_types.yaml", delete(("district_level_end",)),
     ["unit_types.yaml: district_level_end: required field missing"]),
    ("province_codes.yaml", rename(("provinces", 0, "gso_code"), "gso_cod"),
     ["province_codes.yaml: provinces.0.gso_code: required field missing",
      "province_codes.yaml: provinces.0.gso_cod: unknown field"]),
    ("province_codes.yaml", delete(("provinces", 0, "code")),
     ["province_codes.yaml: provinces.0.code: required field missing"]),
    ("units/lao-cai.yaml", rename(("units", 0, "valid_to_year"), "valid_to_yaer"),
     ["units/lao-cai.yaml: units.0.valid_to_yaer: unknown field"]),
    ("units/lao-cai.yaml", delete(("units", 0, "unit_type")),
     ["units/lao-cai.yaml: units.0.unit_type: required field missing"]),
]  # fmt: skip


def test_every_package_file_has_cases_and_the_shipped_files_load():
    bundle = load_knowledge_bundle()
    assert set(knowledge_files()) == {case[0] for case in PACKAGE_CASES}
    # real values from the shipped files
    assert bundle.frameworks.frameworks["dti"].default_max == 1000
    assert bundle.national.min_share == 0.8
    assert "Lào Cai" in bundle.provinces.provinces
    assert bundle.ranking_evidence.scoring.accept_points == 3
    assert bundle.legacy_encodings.tcvn3.letters["µ"] == "à"
    assert bundle.weekly_tables.tables["kpi"].columns == ("Kết quả",)
    assert bundle.news_phrases.ordinals["mười"] == 10
    assert bundle.news_wording.issuer_name == "UBND tỉnh {province}"
    assert bundle.weekly_wording.title_max_words == 14 and bundle.weekly_wording.prose_tables == ("nhiem_vu",)
    assert "nav" in bundle.page_chrome.chrome_tags
    assert ("3", "8") in bundle.ocr_confusions.digits
    assert bundle.decision_wording.issuer == "UBND tỉnh {province}"
    assert bundle.admin_unit_words.district_kinds["Quận"].id_prefix == "quan"
    assert "kđg" in bundle.missing_marks.marks
    assert bundle.table_headers.split_rank_index.rank == "Xếp hạng"
    assert "où" in bundle.vni_french_pairs.pairs


def test_the_shipped_registry_loads():
    registry = load_registry_checked(None)
    assert registry.unit("lci.so_noi_vu").name == "Sở Nội vụ"


@pytest.mark.parametrize(("name", "change", "expected"), PACKAGE_CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_a_broken_package_file_is_named_by_file_and_key(tmp_path, name, change, expected):
    _broken_copy(tmp_path, name, change)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge_bundle(tmp_path)
    assert caught.value.problems == expected
    assert str(caught.value) == "\n".join(expected)


@pytest.mark.parametrize(("name", "change", "expected"), REGISTRY_CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_a_broken_registry_file_is_named_by_file_and_key(tmp_path, name, change, expected):
    registry = tmp_path / "registry"
    shutil.copytree(DATA_DIR / "units", registry / "units")
    _broken_copy(registry, name, change)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge_bundle(registry_dir=registry, with_registry=True)
    assert caught.value.problems == expected


def test_a_typo_no_longer_silently_turns_off_derived_tiers(tmp_path):
    """`pct_gtt` for `pct_gt` used to be ignored: the DTI's top tier had no lower bound and no tier was derived."""
    dti = load_knowledge_bundle().frameworks.frameworks["dti"]
    assert dti.tier_for_pct(80.0).code == "dan_dat" and dti.tier_for_pct(60.0).code == "nang_cao"
    _broken_copy(tmp_path, "frameworks.yaml", rename(("frameworks", "dti", "tiers", 0, "pct_gt"), "pct_gtt"))
    with pytest.raises(KnowledgeError, match=r"^frameworks.yaml: frameworks.dti.tiers.0.pct_gtt: unknown field$"):
        load_knowledge_bundle(tmp_path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["frameworks"]["ict_index"]["editions"][0]["groups"]["huyen"]["components"].update(ha_tang=7),
            "frameworks.yaml: frameworks.ict_index.editions.0.groups.huyen.components: "
            "component maxima add up to 101, not the group maximum 100",
        ),
        (
            lambda d: d["frameworks"]["dti_province"].pop("unit_kind"),
            "frameworks.yaml: frameworks.dti_province.unit_kind: required field missing "
            "(a national framework names its units' group code)",
        ),
        (
            lambda d: d["frameworks"]["dti"].update(scope="regional"),
            "frameworks.yaml: frameworks.dti.scope: must be 'provincial' or 'national', not 'regional'",
        ),
        (
            lambda d: d["frameworks"]["dti"].update(default_max="a thousand"),
            "frameworks.yaml: frameworks.dti.default_max: expected a number, not 'a thousand'",
        ),
    ],
)
def test_frameworks_checks_across_keys_keep_their_key_path(tmp_path, change, expected):
    _broken_copy(tmp_path, "frameworks.yaml", change)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge_bundle(tmp_path)
    assert caught.value.problems == [expected]


def test_an_edition_naming_an_unknown_component_code(tmp_path):
    def change(d):
        comps = d["frameworks"]["ict_index"]["editions"][0]["groups"]["huyen"]["components"]
        comps["ha_tang_x"] = comps.pop("ha_tang")

    _broken_copy(tmp_path, "frameworks.yaml", change)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge_bundle(tmp_path)
    assert caught.value.problems == [
        "frameworks.yaml: frameworks.ict_index.editions.0.groups.huyen.components.ha_tang_x: "
        "unknown component code (not one of components)"
    ]


def test_a_bad_regular_expression_and_bad_yaml_are_named(tmp_path):
    _broken_copy(tmp_path, "news_phrases.yaml", lambda d: d.update(percent="(unclosed"))
    (tmp_path / "national.yaml").write_text("min_share: [0.8\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge_bundle(tmp_path)
    regex, not_yaml = caught.value.problems
    assert regex == (
        "news_phrases.yaml: percent: not a valid regular expression (missing ), unterminated subpattern at position 0)"
    )
    # libyaml's and PyYAML's own wording of the problem differ; the file, line and what it is do not
    assert not_yaml.startswith("national.yaml: not valid YAML (line 2: ") and "expected ',' or ']'" in not_yaml


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(folder.rglob("*"))
    }


def test_dti_run_with_a_broken_knowledge_file_exits_1_and_leaves_curated_alone(tmp_path):
    raw, curated, registry = tmp_path / "raw", tmp_path / "curated", tmp_path / "registry"
    raw.mkdir()
    shutil.copy(RAW / "laocai-2024-news-dti2023.html", raw)
    common = ["run", "--raw", str(raw), "--curated", str(curated), "--registry", str(registry), "--workers", "1"]
    first = CliRunner().invoke(cli, common, catch_exceptions=False)
    assert first.exit_code == EXIT_OK, first.output
    before = _tree(curated)
    assert any(name.endswith("scores.parquet") for name in before)

    knowledge = tmp_path / "knowledge"
    _broken_copy(knowledge, "frameworks.yaml", rename(("frameworks", "dti", "tiers", 0, "pct_gt"), "pct_gtt"))
    shutil.copy(raw / "laocai-2024-news-dti2023.html", raw / "again.html")  # something new to do
    for args, env in (
        (["--knowledge-dir", str(knowledge)], {}),
        ([], {"DTI_KNOWLEDGE_DIR": str(knowledge)}),
    ):
        broken = CliRunner().invoke(cli, common + args, env=env, catch_exceptions=False)
        assert broken.exit_code == EXIT_BROKEN_KNOWLEDGE == 1
        assert broken.stderr == "frameworks.yaml: frameworks.dti.tiers.0.pct_gtt: unknown field\n"
        assert broken.stdout == ""
        assert _tree(curated) == before
    as_json = CliRunner().invoke(cli, common + ["--knowledge-dir", str(knowledge), "--json"], catch_exceptions=False)
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {
        "error": "frameworks.yaml: frameworks.dti.tiers.0.pct_gtt: unknown field",
        "exit": 1,
    }
    # another command that needs the frameworks (the report's tier thresholds) stops the same way
    report = CliRunner().invoke(
        cli, ["report", "--curated", str(curated)], env={"DTI_KNOWLEDGE_DIR": str(knowledge)}, catch_exceptions=False
    )
    assert (report.exit_code, report.stderr) == (1, "frameworks.yaml: frameworks.dti.tiers.0.pct_gtt: unknown field\n")
    assert _tree(curated) == before


def test_dti_run_with_a_broken_registry_file_exits_1_before_any_work(tmp_path):
    raw, curated, registry = tmp_path / "raw", tmp_path / "curated", tmp_path / "registry"
    raw.mkdir()
    shutil.copy(RAW / "laocai-2024-news-dti2023.html", raw)
    shutil.copytree(DATA_DIR / "units", registry / "units")
    _broken_copy(registry, "unit_matching.yaml", delete(("min_score",)))
    result = CliRunner().invoke(
        cli, ["run", "--raw", str(raw), "--curated", str(curated), "--registry", str(registry)], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "unit_matching.yaml: min_score: required field missing"
    assert not curated.exists() or _tree(curated) == {}


# the one reader of knowledge files; the registry's writer (`dti units accept`, a byte-preserving round trip)
# and the officers' review records (pipeline/review.py, not knowledge) parse YAML of their own
_YAML_READERS_ALLOWED = {"normalizers/knowledge.py", "normalizers/unit_files.py", "pipeline/review.py"}


def test_no_module_reads_yaml_but_the_knowledge_module():
    import ast

    root = Path(__file__).resolve().parents[1]
    readers = set()
    for package in ("extractors", "normalizers", "pipeline", "schemas"):
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "yaml"
                    and node.attr in ("load", "safe_load", "safe_load_all", "load_all", "full_load")
                ) or (isinstance(node, ast.Name) and node.id == "YAML"):
                    readers.add(str(path.relative_to(root)))
    assert readers - _YAML_READERS_ALLOWED == set()
    assert "normalizers/knowledge.py" in readers  # the rule sees a reader


def test_a_stage_reads_the_bundle_it_is_given_not_the_packaged_files(tmp_path):
    """The news article names "tỉnh Lào Cai"; with a provinces.yaml that lacks it, the province is not found."""
    from pipeline.process import process_file

    article = RAW / "laocai-2024-news-dti2023.html"
    assert process_file(article).document["province"] == "Lào Cai"
    _broken_copy(tmp_path, "provinces.yaml", lambda d: d["provinces"].remove("Lào Cai"))
    edited = load_knowledge_bundle(tmp_path)
    assert "Lào Cai" not in edited.provinces.provinces
    assert process_file(article, knowledge=edited).document["province"] is None
    assert process_file(article).document["province"] == "Lào Cai"  # the default is back after the call
