"""The one line builder (extractors/page.py word_rows) on a real page's words.

The unruled Lào Cai 2017 annex (page 2) prints its table without rulings: the rows are only
words on one baseline, so a line builder that merged or split them would lose a unit's
numbers. Each data line must hold the unit and its printed scores in order, with the total
the fixture truth gives; the header, printed on many short baselines, stays many lines.
"""

from __future__ import annotations

import pdfplumber
import pytest

from extractors.grid import Word
from extractors.page import word_rows, words_to_lines
from extractors.text_pdf import _words
from extractors.unruled import _lines
from tests.truth import FIXTURES, truth_csv

PDF = FIXTURES / "raw" / "laocai-2017-qd512-ict2016-unruled.pdf"


@pytest.fixture(scope="module")
def page_words() -> list[Word]:
    with pdfplumber.open(PDF) as pdf:
        words, _, _ = _words(pdf.pages[1].chars)
    return words


def test_each_unit_row_is_one_line_with_its_printed_numbers(page_words):
    texts = [ln.text for ln in words_to_lines(page_words)]
    assert texts[1:5] == [
        "KẾT QUẢ",
        "Đánh giá, xếp hạng mức độ ứng dụng Công nghệ thông tin trong các cơ quan hành chính nhà nước "
        "tỉnh Lào Cai năm 2016",
        "(Ban hành kèm theo Quyết định số 512/QĐ-UBND ngày 16/02/2017 của UBND tỉnh Lào Cai)",
        "I. Các cơ quan, đơn vị cấp tỉnh:",
    ]
    truth = truth_csv("laocai-2017-qd512-ict2016", "scores")
    for t in truth.head(4).itertuples():
        line = next(x for x in texts if x.startswith(f"{t.rank} {t.unit_name} "))
        assert float(line.split()[-1]) == float(t.total_score)
    assert "1 Sở Thông tin và Truyền thông 12 38 13 13 7 14 97" in texts
    assert "4 Sở Văn hóa, Thể thao và Du lịch 12 38 12 10 7 14 93" in texts


def test_lines_run_top_to_bottom_words_left_to_right(page_words):
    lines = words_to_lines(page_words)
    assert len(lines) == 34
    assert [round(ln.top) for ln in lines] == sorted(round(ln.top) for ln in lines)
    for row in word_rows(page_words):
        assert [w.x0 for w in row] == sorted(w.x0 for w in row)
    assert sum(len(row) for row in word_rows(page_words)) == len(page_words) == 338


def test_the_unruled_reader_builds_the_same_lines(page_words):
    assert [ln.text for ln in _lines(page_words)] == [ln.text for ln in words_to_lines(page_words)]


def test_overlap_decides_what_shares_a_line():
    # "STT" and "Tên đơn vị" on one baseline; "(12)" lower by most of its height
    stt, name, low = (
        Word("STT", 60, 167.2, 80, 175.0),
        Word("Tên", 90, 167.5, 110, 175.3),
        Word("(12)", 90, 173, 110, 181),
    )
    assert [[w.text for w in row] for row in word_rows([low, name, stt])] == [["STT", "Tên"], ["(12)"]]
    assert [[w.text for w in row] for row in word_rows([low, name, stt], overlap=0.2)] == [["STT", "Tên", "(12)"]]
