"""The run's knowledge bundle reaches every stage as a parameter, not through the process-wide default.

Each test edits a copy of a knowledge file so that a real fixture's answer changes, loads it with
``load_knowledge_bundle(folder)`` and hands it to :func:`process_file` while the packaged files stay
the process default (``knowledge_as_default`` is made a no-op): the edited answer can then only come
from the bundle passed down.
"""

import contextlib
import copy
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
import yaml

import pipeline.process
from normalizers.knowledge import KnowledgeBundle, default_knowledge_bundle, load_knowledge_bundle
from pipeline.process import NoRankingTableError, process_file
from tests.truth import RAW, truth_meta

DECISION = RAW / "laocai-2024-dti2023.pdf"
NATIONAL = RAW / "national-2023-dti2022-provinces.html"


@pytest.fixture(autouse=True)
def no_default_set(monkeypatch):
    """process_file must not make the bundle it is given the default: the stages get it passed."""
    monkeypatch.setattr(pipeline.process, "knowledge_as_default", lambda bundle: contextlib.nullcontext())
    yield
    assert default_knowledge_bundle().data_dir.name == "data"  # still the packaged files


def _edited_bundle(folder: Path, edits: dict[str, Callable[[dict], None]]) -> KnowledgeBundle:
    for name, edit in edits.items():
        shipped = resources.files("normalizers").joinpath(f"data/{name}").read_text(encoding="utf-8")
        data = copy.deepcopy(yaml.safe_load(shipped))
        edit(data)
        (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_knowledge_bundle(folder)


def test_a_decisions_wording_and_provinces_come_from_the_bundle_passed(tmp_path):
    truth = truth_meta("laocai-2024-dti2023")
    shipped = process_file(DECISION).document
    assert (
        (shipped["province"], shipped["issuer"])
        == (truth["province"], truth["issuer"])
        == ("Lào Cai", "UBND tỉnh Lào Cai")
    )

    def issuer(d: dict) -> None:
        d["issuer"] = "Ủy ban nhân dân tỉnh {province}"

    worded = _edited_bundle(tmp_path, {"decision_wording.yaml": issuer})
    result = process_file(DECISION, knowledge=worded)
    assert result.document["issuer"] == "Ủy ban nhân dân tỉnh Lào Cai"
    assert result.document["province"] == "Lào Cai"
    assert len(result.scores) == 48  # 18 + 21 + 9 units, as the truth lists them

    no_laocai = tmp_path / "no_laocai"
    no_laocai.mkdir()
    bundle = _edited_bundle(no_laocai, {"provinces.yaml": lambda d: d["provinces"].remove("Lào Cai")})
    assert process_file(DECISION, knowledge=bundle).document["province"] is None
    assert process_file(DECISION).document["province"] == "Lào Cai"


def test_the_evidence_rules_come_from_the_bundle_passed(tmp_path):
    def no_bodies(d: dict) -> None:
        d["body_prefixes"] = ["Hợp tác xã"]  # no unit of the decision starts so: its names earn 1 point, not 2
        d["scoring"]["accept_points"] = 5  # and a table then falls short

    bundle = _edited_bundle(tmp_path, {"ranking_evidence.yaml": no_bodies})
    with pytest.raises(NoRankingTableError) as err:
        process_file(DECISION, knowledge=bundle)
    evidence = err.value.table_evidence or ""
    assert "18 rows): not taken, 4 points: names: 18/18 Vietnamese, and the heading" in evidence, evidence
    assert "names: 18/18 look like Vietnamese public bodies" in process_file(DECISION).document["table_evidence"]


def test_a_national_rankings_issuer_and_provinces_come_from_the_bundle_passed(tmp_path):
    shipped = process_file(NATIONAL)
    assert shipped.document["issuer"] == "Bộ Thông tin và Truyền thông"
    hue = shipped.scores[shipped.scores["unit_name_raw"] == "Thừa Thiên - Huế"]
    assert list(hue["province"]) == ["Thừa Thiên Huế"]

    def issuers(d: dict) -> None:
        d["issuers"] = ["Cục Chuyển đổi số quốc gia"]
        d["default_issuer"] = "Cục Chuyển đổi số quốc gia"

    def no_hue(d: dict) -> None:
        d["provinces"].remove("Thừa Thiên Huế")

    bundle = _edited_bundle(tmp_path, {"national.yaml": issuers, "provinces.yaml": no_hue})
    edited = process_file(NATIONAL, knowledge=bundle)
    assert edited.document["issuer"] == "Cục Chuyển đổi số quốc gia"
    assert edited.document["source_kind"] == "web_table"  # still read as a national ranking of provinces
    hue = edited.scores[edited.scores["unit_name_raw"] == "Thừa Thiên - Huế"]
    assert list(hue["province"].isna()) == [True]
    assert len(edited.scores) == len(shipped.scores)


def test_a_legacy_encodings_letters_come_from_the_bundle_passed(tmp_path):
    """The TCVN3 copy of the 2017 decision decoded with two letters swapped: "à" reads "á" and back."""
    tcvn3 = RAW / "laocai-2017-qd512-ict2016-tcvn3.pdf"
    shipped = process_file(tcvn3)
    assert (shipped.document["province"], shipped.document["text_encoding"]) == ("Lào Cai", "tcvn3")
    assert shipped.scores["unit_name_raw"].iloc[1] == "Sở Tài chính"

    def swapped(d: dict) -> None:
        letters = d["tcvn3"]["letters"]
        letters["µ"], letters["¸"] = letters["¸"], letters["µ"]

    edited = process_file(tcvn3, knowledge=_edited_bundle(tmp_path, {"legacy_encodings.yaml": swapped}))
    assert edited.document["text_encoding"] == "tcvn3"
    assert edited.scores["unit_name_raw"].iloc[1] == "Sở Tái chính"
    assert edited.document["province"] is None  # "Láo Cai" is no province


def test_the_missing_marks_come_from_the_bundle_passed(tmp_path):
    """A mark added to missing_marks.yaml blanks the cell that prints it (here a real total, to see it move)."""
    first = "Sở Lao động - Thương binh và Xã hội"
    shipped = process_file(DECISION).scores.set_index("unit_name_raw")
    assert shipped.at[first, "total_score"] == 731.61

    def blank_total(d: dict) -> None:
        d["marks"] = [*d["marks"], "731,61"]

    edited = process_file(DECISION, knowledge=_edited_bundle(tmp_path, {"missing_marks.yaml": blank_total}))
    scores = edited.scores.set_index("unit_name_raw")
    assert pd.isna(scores.at[first, "total_score"])
    assert scores.at["Sở Tài chính", "total_score"] == shipped.at["Sở Tài chính", "total_score"]


def test_a_weekly_reports_missing_marks_come_from_the_bundle_passed(tmp_path):
    """The weekly report's "1.277" (kpi row 6) is a value with the shipped marks, a blank once it is a mark."""
    weekly = RAW / "laocai-2025-w05-weekly.pdf"

    def kpi6(result) -> pd.Series:
        w = result.weekly
        return w[(w["table_code"] == "kpi") & (w["row_index"] == 6)].iloc[0]

    shipped = process_file(weekly)
    assert (kpi6(shipped)["value_raw"], kpi6(shipped)["value"]) == ("1.277", 1277.0)

    def mark(d: dict) -> None:
        d["marks"] = [*d["marks"], "1.277"]

    edited = process_file(weekly, knowledge=_edited_bundle(tmp_path, {"missing_marks.yaml": mark}))
    assert kpi6(edited)["value_raw"] == "1.277" and pd.isna(kpi6(edited)["value"])
    printed = int((shipped.weekly["value_raw"] == "1.277").sum())  # every cell printing it, and only those
    assert int(edited.weekly["value"].notna().sum()) == int(shipped.weekly["value"].notna().sum()) - printed
