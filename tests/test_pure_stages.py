"""Stages are pure functions: called twice on the same input they give the same answer and
leave the input as it was (issue 15, item 4).

Measured before: `repair_ocr_table` lowered the confidence of a row it could not settle in
its input, so a second call halved it again (0.275, then 0.1375). The document is the Cao
Bằng text fixture with one row's cells made doubtful the way tesseract reads them
(tests/test_ocr_repair.py does the same to check what the repair decides).
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
from pipeline.process import raw_decision, read_pdf_pages
from schemas.raw import RawDocument, RawRow, RawTable
from tests.raw_edits import doubted, replace_row
from tests.truth import FIXTURES

CAOBANG = FIXTURES / "variants" / "caobang-2023-qd943-dti2022-text.pdf"
LOW = 0.55
GROUP = "so_ban_nganh"
UNIT = "Sở Tài chính"


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
