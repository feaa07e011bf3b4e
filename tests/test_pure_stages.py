"""Stages are pure functions: called twice on the same input they give the same answer and
leave the input as it was (issue 15, item 4).

Measured before: `repair_ocr_table` lowered the confidence of a row it could not settle in
its input, so a second call halved it again (0.275, then 0.1375). The document is the Cao
Bằng text fixture with one row's cells made doubtful the way tesseract reads them
(tests/test_ocr_repair.py does the same to check what the repair decides).

The assembly steps (snap OCR'd names, resolve units, the registry's verdict, settle, choose
readings) run on the same decision read as a scan that slipped on one department's diacritics
("Sở Tư phảp" for the registry's Sở Tư pháp): no OCR run is needed.
"""

from __future__ import annotations

import copy
import dataclasses

import pandas as pd
import pytest

from normalizers.checks import run_checks
from normalizers.frameworks import load_knowledge
from normalizers.ocr_labels import tidy_ocr_labels
from normalizers.ocr_repair import LOW_CONFIDENCE_FACTOR, repair_ocr_table
from normalizers.scores import document_convention, normalize_ranking
from normalizers.units import Registry
from pipeline.assemble import (
    UnitRows,
    _covered_provinces,
    _doc_row,
    apply_registry_verdicts,
    one_row_per_fact,
    resolve_units,
    settle,
    snap_ocr_names,
)
from pipeline.discovery import Found
from pipeline.process import DocumentResult, ranking_result, raw_decision, read_pdf_pages
from schemas.raw import RawDocument, RawRow, RawTable
from tests.raw_edits import doubted, replace_row
from tests.truth import FIXTURES, truth_csv

CAOBANG = FIXTURES / "variants" / "caobang-2023-qd943-dti2022-text.pdf"
LOW = 0.55
GROUP = "so_ban_nganh"
UNIT = "Sở Tài chính"
FOUND = Found(CAOBANG, CAOBANG.name, "5a" * 32)
TRUTH = "caobang-2023-qd943-dti2022"
SLIP, SPELLING, SPELLING_ID = "Sở Tư phảp", "Sở Tư pháp", "cbg.so_tu_phap"


@pytest.fixture(scope="module")
def doubtful() -> RawDocument:
    """The decision as an OCR reading whose row for Sở Tài chính no reading settles."""
    pages, _ = read_pdf_pages(CAOBANG)
    doc = dataclasses.replace(raw_decision(pages, load_knowledge()), text_source="ocr")
    index = next(i for i, c in enumerate(_table(doc).components) if c.name == "Nhân lực số")
    doc = replace_row(doc, GROUP, UNIT, lambda r: doubted(r, "total", "820.8", None, LOW))  # 3 read as 8
    return replace_row(
        doc, GROUP, UNIT, lambda r: doubted(r, "components", None, index, LOW)
    )  # 112.3 -> 112.8 fits too


def _table(doc: RawDocument) -> RawTable:
    return next(t for t in doc.tables if t.group_code == GROUP)


def _row(table: RawTable) -> RawRow:
    return next(r for r in table.rows if r.name == UNIT)


def _frames_equal(a, b) -> None:
    for name in ("scores", "components", "averages"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_repair_twice_gives_the_same_table_and_leaves_its_input(doubtful):
    knowledge = load_knowledge()
    norm = normalize_ranking(doubtful, "t", knowledge)
    comps = norm.components[(norm.components["group_code"] == GROUP) & (norm.components["unit_name_raw"] == UNIT)]
    max_score = norm.scores.loc[norm.scores["group_code"] == GROUP, "max_score"].iloc[0]
    args = (document_convention(doubtful), max_score, list(comps["component_max"]), norm.tiers, "t", GROUP)
    table = _table(doubtful)
    before = copy.deepcopy(table)
    first, second = repair_ocr_table(table, *args), repair_ocr_table(table, *args)
    assert table == before  # the input is not repaired in place
    assert _row(table).confidence == LOW
    assert _row(first.table).confidence == _row(second.table).confidence == LOW * LOW_CONFIDENCE_FACTOR == 0.275
    assert first == second
    assert {i.code for i in first.issues if i.unit_name_raw == UNIT} == {"low_confidence"}


def test_normalize_twice_gives_the_same_frames_and_leaves_the_document(doubtful):
    knowledge = load_knowledge()
    before = copy.deepcopy(doubtful)
    first, second = normalize_ranking(doubtful, "t", knowledge), normalize_ranking(doubtful, "t", knowledge)
    assert doubtful == before
    _frames_equal(first, second)
    assert first.issues == second.issues and first.tables == second.tables
    row = first.scores[(first.scores["group_code"] == GROUP) & (first.scores["unit_name_raw"] == UNIT)].iloc[0]
    assert (row["total_score"], row["confidence"]) == (820.8, 0.275)  # the OCR reading kept and distrusted, once
    assert _row(_table(doubtful)).confidence == LOW


def test_checks_twice_give_the_same_issues_and_leave_the_frames(doubtful):
    knowledge = load_knowledge()
    norm = normalize_ranking(doubtful, "t", knowledge)
    frozen = copy.deepcopy(norm)
    first, second = run_checks("t", norm, knowledge), run_checks("t", norm, knowledge)
    assert first == second and first
    assert {i.code for i in first if i.unit_name_raw == UNIT} >= {"component_sum_mismatch"}
    _frames_equal(norm, frozen)
    assert norm.issues == frozen.issues


def test_tidying_ocr_labels_returns_a_new_table():
    table = RawTable("- I. Cơ quan", GROUP, rows=[RawRow("Sở Nội vụ", tier="Tốt.")])
    before = copy.deepcopy(table)
    tidied, issues = tidy_ocr_labels(table, load_knowledge().frameworks["ict_index"], "t", GROUP)
    assert table == before
    assert (tidied.group_title, tidied.rows[0].tier, issues) == ("I. Cơ quan", "Tốt", [])


def test_repairing_a_repaired_table_lowers_no_confidence_again(doubtful):
    """The repair applied to its own output: the unsettled row keeps 0.275 (it was halved again to 0.1375)."""
    knowledge = load_knowledge()
    norm = normalize_ranking(doubtful, "t", knowledge)
    comps = norm.components[(norm.components["group_code"] == GROUP) & (norm.components["unit_name_raw"] == UNIT)]
    max_score = norm.scores.loc[norm.scores["group_code"] == GROUP, "max_score"].iloc[0]
    args = (document_convention(doubtful), max_score, list(comps["component_max"]), norm.tiers, "t", GROUP)
    first = repair_ocr_table(_table(doubtful), *args)
    again = repair_ocr_table(first.table, *args)
    assert _row(first.table).confidence == _row(again.table).confidence == 0.275
    assert again.table == first.table
    assert [(i.code, i.field, i.expected) for i in again.issues] == [
        (i.code, i.field, i.expected) for i in first.issues
    ]


# --- the assembly steps ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load()


@pytest.fixture(scope="module")
def slipped() -> DocumentResult:
    """The Cao Bằng decision as an OCR reading that printed Sở Tư pháp with a hỏi mark for its sắc."""
    pages, _ = read_pdf_pages(CAOBANG)
    raw = dataclasses.replace(raw_decision(pages, load_knowledge()), text_source="ocr")
    raw = replace_row(raw, GROUP, SPELLING, lambda r: dataclasses.replace(r, name=SLIP))
    return ranking_result(raw, FOUND.doc_id, load_knowledge())


def _no_weekly() -> pd.DataFrame:
    return pd.DataFrame(columns=["is_unit_row", "unit_id"])


def _same_rows(a: UnitRows, b: UnitRows) -> None:
    for name in ("scores", "components", "weekly"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.issues == b.issues


def _copies(*frames: pd.DataFrame) -> list[pd.DataFrame]:
    return [f.copy(deep=True) for f in frames]


def _unchanged(frames, copies) -> None:
    for frame, before in zip(frames, copies, strict=True):
        pd.testing.assert_frame_equal(frame, before)


def _names(frame: pd.DataFrame, group: str) -> list[str]:
    return list(frame.loc[frame["group_code"] == group, "unit_name_raw"])


def test_snapping_ocr_names_returns_new_frames_and_leaves_its_input(slipped, registry):
    frames = (slipped.scores, slipped.components, _no_weekly())
    before = _copies(*frames)
    first = snap_ocr_names(*frames, {FOUND.doc_id}, registry)
    second = snap_ocr_names(*frames, {FOUND.doc_id}, registry)
    _unchanged(frames, before)
    _same_rows(first, second)
    assert SLIP in _names(slipped.scores, GROUP)  # the input still holds the OCR reading
    truth = truth_csv(TRUTH, "scores")
    assert _names(first.scores, GROUP) == list(truth.loc[truth["group_code"] == GROUP, "unit_name"])
    slipped_parts = (slipped.components["unit_name_raw"] == SLIP).sum()
    assert slipped_parts == (first.components["unit_name_raw"] == SPELLING).sum() > 0
    assert [(i.code, i.field, i.printed, i.expected) for i in first.issues if i.printed == SLIP] == [
        ("ocr_corrected", "unit_name_raw", SLIP, SPELLING)
    ]
    again = snap_ocr_names(first.scores, first.components, first.weekly, {FOUND.doc_id}, registry)
    _same_rows(again, first._replace(issues=[]))  # nothing left to snap


def test_resolving_units_returns_new_frames_and_leaves_its_input(slipped, registry):
    snapped = snap_ocr_names(slipped.scores, slipped.components, _no_weekly(), {FOUND.doc_id}, registry)
    frames = (snapped.scores, snapped.components, snapped.weekly)
    before = _copies(*frames)
    first = resolve_units(*frames, registry)
    second = resolve_units(*frames, registry)
    _unchanged(frames, before)
    _same_rows(first, second)
    assert snapped.scores["unit_id"].isna().all()  # the input was not resolved in place
    row = first.scores[first.scores["unit_name_raw"] == SPELLING].iloc[0]
    assert (row["unit_id"], row["unit_name"]) == (SPELLING_ID, SPELLING)
    assert set(first.components.loc[first.components["unit_name_raw"] == SPELLING, "unit_id"]) == {SPELLING_ID}
    _same_rows(resolve_units(first.scores, first.components, first.weekly, registry), first)


def test_the_registry_verdict_returns_new_rows_and_leaves_its_input(slipped, registry):
    resolved = resolve_units(slipped.scores, slipped.components, _no_weekly(), registry)
    issues = list(slipped.issues) + resolved.issues
    kept_issues = list(issues)
    document = dict(slipped.document, doc_id=FOUND.doc_id)
    frames = (resolved.scores, resolved.components)
    before = _copies(*frames)
    covered = _covered_provinces(registry.units_frame())
    first = apply_registry_verdicts(*frames, issues, document, covered)
    second = apply_registry_verdicts(*frames, issues, document, covered)
    _unchanged(frames, before)
    assert issues == kept_issues  # no issue appended to the caller's list
    pd.testing.assert_frame_equal(first[0], second[0])
    pd.testing.assert_frame_equal(first[1], second[1])
    assert first[2:] == second[2:]
    row = first[0][first[0]["unit_name_raw"] == SLIP].iloc[0]
    assert (row["unit_id"], row["confidence"]) == (SPELLING_ID, 1.0)  # resolved (fuzzy): its confidence not lowered
    unknown, mine = resolved.scores.assign(unit_id=None), []  # a registry that knows none of the names
    kept = apply_registry_verdicts(unknown, resolved.components, mine, document, covered)
    assert mine == [] and unknown["confidence"].eq(1.0).all()  # neither the caller's list nor its rows changed
    assert {i.code for i in kept[2]} == {"mostly_unresolved"} and kept[0]["confidence"].eq(0.8).all()


def test_settling_a_document_twice_gives_the_same_rows_and_leaves_the_cached_result(slipped, registry):
    before = copy.deepcopy(slipped)
    covered = _covered_provinces(registry.units_frame())
    first, second = settle(FOUND, slipped, registry, covered), settle(FOUND, slipped, registry, covered)
    for name in ("scores", "components", "averages"):
        pd.testing.assert_frame_equal(getattr(slipped, name), getattr(before, name))
    assert (slipped.document, slipped.issues, slipped.weekly) == (before.document, before.issues, before.weekly)
    for name in ("scores", "components"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    assert (first.document, first.issues, first.weekly) == (second.document, second.issues, None)
    row = first.scores[first.scores["unit_name_raw"] == SPELLING].iloc[0]
    truth = truth_csv(TRUTH, "scores").set_index("unit_name")
    assert (row["unit_id"], row["total_score"]) == (SPELLING_ID, float(truth.loc[SPELLING, "total_score"]))
    assert [i.code for i in first.issues if i.printed == SLIP] == ["ocr_corrected"]


def test_choosing_readings_twice_gives_the_same_facts_and_leaves_the_rows(slipped, registry):
    settled = settle(FOUND, slipped, registry, _covered_provinces(registry.units_frame()))
    documents = pd.DataFrame([_doc_row(FOUND, "ok", fields=settled.document)])
    frames = (documents, settled.scores, settled.components)
    before = _copies(*frames)
    first, second = one_row_per_fact(*frames), one_row_per_fact(*frames)
    _unchanged(frames, before)
    for name in ("scores", "components", "readings", "component_readings"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    assert first.issues == second.issues == []  # one document: nothing disagrees
    assert len(first.scores) == len(settled.scores) == len(truth_csv(TRUTH, "scores"))
    assert first.readings["chosen"].all()


def test_reading_the_tables_twice_gives_the_same_document_and_leaves_the_pages():
    pages, _ = read_pdf_pages(CAOBANG)
    before = copy.deepcopy(pages)
    first, second = raw_decision(pages, load_knowledge()), raw_decision(pages, load_knowledge())
    assert pages == before
    assert first == second
    truth = truth_csv(TRUTH, "scores")
    assert [r.name for t in first.tables for r in t.rows] == list(truth["unit_name"])


def test_raw_frames_cannot_be_changed_in_place(doubtful):
    """What the stages share is frozen all the way down: lists become tuples, dicts frozendicts."""
    table = _table(doubtful)
    row = _row(table)
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.total = "820.3"  # type: ignore[misc]
    with pytest.raises(TypeError):
        row.cell_confidence["total"] = 1.0  # type: ignore[index]
    with pytest.raises(AttributeError):
        table.rows.append(row)  # type: ignore[attr-defined]
    built = RawRow("Sở Nội vụ", components=["1", "2"], cell_confidence={"total": 0.5})
    assert (built.components, dict(built.cell_confidence)) == (("1", "2"), {"total": 0.5})
    assert isinstance(RawTable("t", GROUP, rows=[built]).rows, tuple)


def test_a_ranking_result_twice_is_the_same_and_leaves_the_document(doubtful):
    """normalize, repair, checks and the parsing report together, as a document's worker runs them."""
    knowledge = load_knowledge()
    before = copy.deepcopy(doubtful)
    first, second = ranking_result(doubtful, "t", knowledge), ranking_result(doubtful, "t", knowledge)
    assert doubtful == before
    for name in ("scores", "components", "averages", "tables"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    assert (first.document, first.issues) == (second.document, second.issues)
    row = first.scores[(first.scores["group_code"] == GROUP) & (first.scores["unit_name_raw"] == UNIT)].iloc[0]
    assert (row["total_score"], row["confidence"]) == (820.8, 0.275)
