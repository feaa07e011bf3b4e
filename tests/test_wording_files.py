"""The two wording files this wave added (news_wording.yaml, weekly_wording.yaml) fail loudly when broken.

A renamed or misspelt key would otherwise turn a pattern off silently (no decision number
read, no weekly report recognised); each failure names the file and the key.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.news_phrases import NewsPhrasesError, wording_from_text
from extractors.weekly_knowledge import WeeklyWordingError
from extractors.weekly_knowledge import wording_from_text as weekly_wording_from_text

DATA = Path(__file__).resolve().parents[1] / "normalizers" / "data"
NEWS = (DATA / "news_wording.yaml").read_text(encoding="utf-8")
WEEKLY = (DATA / "weekly_wording.yaml").read_text(encoding="utf-8")
NEWS_NAME, WEEKLY_NAME = "normalizers/data/news_wording.yaml", "normalizers/data/weekly_wording.yaml"


def test_the_packaged_files_compile_to_what_the_readers_use():
    news = wording_from_text(NEWS)
    m = news.decision.search("Quyết định số 791/QĐ-UBND ngày 16/3/2023")
    assert m is not None and m.group(1) == "791/QĐ-UBND"
    assert news.issuer_name.format(province="Lào Cai") == "UBND tỉnh Lào Cai"
    assert news.sentence_end.search("TP. Lào Cai dẫn đầu") is None  # an abbreviation's dot ends nothing
    weekly = weekly_wording_from_text(WEEKLY)
    assert weekly.week.search("bao cao tuan 05 nam 2025").group(1) == "05"
    assert weekly.prose_tables == frozenset({"nhiem_vu"})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (NEWS.replace("\ndecision:", "\ndecison:"), f"{NEWS_NAME}: decison: unknown key"),
        (NEWS.replace("\npoints:", "\n# points:"), f"{NEWS_NAME}: missing points"),
        (NEWS.replace("title_words: ['nhóm', 'khối']", "title_words: nhóm"), f"{NEWS_NAME}: title_words: expected"),
        (NEWS.replace(r"maximum: 'tối\s+đa", r"maximum: '(tối\s+đa"), f"{NEWS_NAME}: malformed pattern"),
    ],
)
def test_a_broken_news_wording_file_names_file_and_key(text, reason):
    with pytest.raises(NewsPhrasesError) as err:
        wording_from_text(text)
    assert str(err.value).startswith(reason)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (WEEKLY.replace("\nweek:", "\nweeks:"), f"{WEEKLY_NAME}: weeks: unknown key"),
        (WEEKLY.replace("\ntopic:", "\n# topic:"), f"{WEEKLY_NAME}: missing topic"),
        (WEEKLY.replace("title_max_words: 14", "title_max_words: many"), f"{WEEKLY_NAME}: title_max_words: not of"),
        (WEEKLY.replace(r"week: '\btuan", r"week: '(\btuan"), f"{WEEKLY_NAME}: malformed pattern"),
    ],
)
def test_a_broken_weekly_wording_file_names_file_and_key(text, reason):
    with pytest.raises(WeeklyWordingError) as err:
        weekly_wording_from_text(text)
    assert str(err.value).startswith(reason)
