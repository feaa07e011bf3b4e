"""The two wording files (news_wording.yaml, weekly_wording.yaml) in the knowledge bundle: what they compile to.

A renamed or misspelt key would otherwise turn a pattern off silently (no decision number
read, no weekly report recognised). The bundle validates them like every knowledge file
(typo'd and removed keys are among tests/test_knowledge.py's per-file cases); here the wrong
shapes and broken patterns each wording file can hold, named by file and key, and the
compiled forms the readers use, from the shipped files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.news_phrases import load_phrases
from extractors.news_phrases import wording as news_wording
from extractors.weekly_knowledge import wording as weekly_wording
from normalizers.knowledge import DATA_DIR, KnowledgeError, load_knowledge_bundle

NEWS = (DATA_DIR / "news_wording.yaml").read_text(encoding="utf-8")
WEEKLY = (DATA_DIR / "weekly_wording.yaml").read_text(encoding="utf-8")


def _problems(folder: Path, name: str, text: str) -> list[str]:
    (folder / name).write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge_bundle(folder)
    return caught.value.problems


def test_the_packaged_files_compile_to_what_the_readers_use():
    bundle = load_knowledge_bundle()
    news = news_wording(bundle)
    m = news.decision.search("Quyết định số 791/QĐ-UBND ngày 16/3/2023")
    assert m is not None and m.group(1) == "791/QĐ-UBND"
    assert news.issuer_name.format(province="Lào Cai") == "UBND tỉnh Lào Cai"
    assert news.sentence_end.search("TP. Lào Cai dẫn đầu") is None  # an abbreviation's dot ends nothing
    assert load_phrases(bundle).wording is news  # compiled once per bundle part
    weekly = weekly_wording(bundle)
    week = weekly.week.search("bao cao tuan 05 nam 2025")
    assert week is not None and week.group(1) == "05"
    assert weekly.prose_tables == frozenset({"nhiem_vu"})


def test_a_stage_reads_the_wording_of_the_bundle_it_is_given(tmp_path):
    (tmp_path / "weekly_wording.yaml").write_text(
        WEEKLY.replace("prose_tables: ['nhiem_vu']", "prose_tables: ['nhiem_vu', 'kpi']"), encoding="utf-8"
    )
    assert weekly_wording(load_knowledge_bundle(tmp_path)).prose_tables == frozenset({"nhiem_vu", "kpi"})
    assert weekly_wording(load_knowledge_bundle()).prose_tables == frozenset({"nhiem_vu"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            NEWS.replace("title_words: ['nhóm', 'khối']", "title_words: 7"),
            ["news_wording.yaml: title_words: expected a list, not 7"],
        ),
        (
            NEWS.replace(r"maximum: 'tối\s+đa", r"maximum: '(tối\s+đa"),
            [
                "news_wording.yaml: maximum: not a valid regular expression "
                "(missing ), unterminated subpattern at position 0)"
            ],
        ),
    ],
)
def test_a_broken_news_wording_file_names_file_and_key(tmp_path, text, expected):
    assert _problems(tmp_path, "news_wording.yaml", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            WEEKLY.replace("title_max_words: 14", "title_max_words: many"),
            ["weekly_wording.yaml: title_max_words: expected a whole number, not 'many'"],
        ),
        (
            WEEKLY.replace(r"week: '\btuan", r"week: '(\btuan"),
            [
                "weekly_wording.yaml: week: not a valid regular expression "
                "(missing ), unterminated subpattern at position 0)"
            ],
        ),
    ],
)
def test_a_broken_weekly_wording_file_names_file_and_key(tmp_path, text, expected):
    assert _problems(tmp_path, "weekly_wording.yaml", text) == expected
