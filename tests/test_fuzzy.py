"""The one text scorer (normalizers/fuzzy.py) on real Vietnamese spellings and OCR slips.

Scores are rapidfuzz's normalised Indel similarity: 2 x (longest common subsequence) over
both lengths, times 100, so each expected score below is that fraction worked by hand.
"""

from __future__ import annotations

import unicodedata

import pytest

from normalizers.fuzzy import (
    SAME_LABEL,
    SAME_TEXT,
    TIER_MARGIN,
    TIER_WORD,
    alike,
    best_of,
    closest,
    contains_phrase,
    similarity,
    word_order_similarity,
)
from normalizers.text import strip_diacritics, text_key


def _bare(text: str) -> str:
    return strip_diacritics(text_key(text))


def test_a_dropped_tone_mark_costs_one_letter():
    # "Sở Ngoai vụ" (OCR lost the dot of "ạ"): 10 of 11 letters shared, 2*10/22
    assert similarity("Sở Ngoại vụ", "Sở Ngoai vụ") == pytest.approx(2 * 10 / 22 * 100)
    assert alike("Sở Ngoại vụ", "Sở Ngoai vụ")


def test_tone_mark_conventions_meet_only_after_text_key():
    old, new = "Sở Văn hoá, Thể thao và Du lịch", "Sở Văn hóa, Thể thao và Du lịch"  # "oá" and "óa" placements
    assert similarity(old, new) == pytest.approx(2 * 29 / 62 * 100)  # 93.5: two letters differ as printed
    assert similarity(text_key(old), text_key(new)) == 100.0
    decomposed = unicodedata.normalize("NFD", "Hòa Bình")  # a text layer typed with combining marks
    assert similarity(decomposed, "Hòa Bình") == pytest.approx(2 * 8 / 24 * 100)
    assert similarity(text_key(decomposed), text_key("Hòa Bình")) == 100.0


def test_an_ocr_c_read_as_e_still_snaps_to_its_tier_word():
    misread = "nang eao"  # "Nâng cao" as tesseract read it on the Cao Bằng scan, marks stripped
    scores = {word: similarity(misread, word) for word in ("nang cao", "khoi dong", "dan dat", "hinh thanh")}
    assert scores["nang cao"] == 87.5 and scores["nang cao"] >= TIER_WORD
    runner_up = max(s for w, s in scores.items() if w != "nang cao")
    assert runner_up == pytest.approx(2 * 4 / 15 * 100)  # "dan dat": 53.3
    assert scores["nang cao"] - runner_up >= TIER_MARGIN


def test_a_heading_phrase_is_found_through_an_ocr_slip():
    heading = _bare("Kết cuả thực hiện các mục tiêu")  # "quả" read as "cuả"
    assert similarity(_bare("Kết cuả thực hiện"), _bare("Kết quả thực hiện")) == pytest.approx(
        2 * 16 / 34 * 100
    )  # 17 letters each, one slipped
    assert contains_phrase(heading, _bare("Kết quả thực hiện"))
    assert not contains_phrase(heading, _bare("Tên nhiệm vụ"))
    # whole words only: the needle is compared with runs of as many words
    assert not contains_phrase(_bare("Tên mục tiêu"), _bare("Tên nhiệm vụ"))
    assert similarity(_bare("Tên nhiệm vụ"), _bare("Tên mục tiêu")) == pytest.approx(2 * 7 / 24 * 100)


def test_week_labels_differ_by_one_digit_and_still_score_high():
    # why the weekly reader compares labels only when their digits agree: 91.7 is above SAME_LABEL
    assert similarity("ketquatuan05", "ketquatuan06") == pytest.approx(2 * 11 / 24 * 100)
    assert similarity("ketquatuan05", "ketquatuan06") >= SAME_LABEL
    assert best_of("ketcuatuan05", {"Kết quả tuần 05": "ketquatuan05"}) == (
        "Kết quả tuần 05",
        pytest.approx(91.667, abs=1e-3),
    )
    assert best_of("ketquatuan05", {}) == (None, 0.0)


def test_word_order_similarity_forgives_a_moved_province():
    a, b = "sở y tế tỉnh lào cai", "tỉnh lào cai sở y tế"
    assert word_order_similarity(a, b) == 100.0
    assert similarity(a, b) == 60.0


def test_closest_ranks_component_names_and_the_bar_decides():
    names = {"Hạ tầng kỹ thuật": _bare("Hạ tầng kỹ thuật"), "Nhân lực": _bare("Nhân lực")}
    best = closest(_bare("Ha tang ky thuat"), names)
    assert best[0] == ("Hạ tầng kỹ thuật", 100.0)
    ocr = closest(_bare("Ha tang ky thuạt"), names)[0]
    assert ocr == ("Hạ tầng kỹ thuật", 100.0)  # a wrong mark disappears once marks are stripped
    slip = closest("ha tang ky thuet", names)[0]
    assert slip[1] == pytest.approx(2 * 15 / 32 * 100) and slip[1] >= SAME_TEXT
    assert closest("nhan su", names)[0][1] < SAME_TEXT  # "Nhân sự" is not "Nhân lực"
