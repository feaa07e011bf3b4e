"""News articles about a ranking decision: the prose read into a RawDocument.

A news page is a secondary source: it quotes the decision (number, date, maxima, tier
thresholds) and states some units' rank, score and tier in sentences of any wording:
"Vị trí đầu bảng thuộc về Sở X với tổng điểm 731,61 đạt 73,16%", "Sở Y xếp thứ hai, đạt 71,77%",
"xếp thứ hai và thứ ba lần lượt là A (đạt 61,59%) và B", "Đứng cuối là huyện Z với 449,13 điểm".
The page is read by :mod:`extractors.html_page` (lxml, chrome dropped: the HTML part); its
prose by :mod:`extractors.news_prose` (units and their numbers) and :mod:`extractors.news_facts`
(the decision quoted, maxima, contradictions), with the wording compiled by
:mod:`extractors.news_phrases`. This module is the entry point joining them.

A sentence naming a group ("nhóm các cơ quan, đơn vị có thủ tục hành chính", "khối cơ quan chuyên môn", "Đối với các địa
phương", "cấp xã") opens that group's section. Inside a section each clause is cut at the unit
names it holds (the shapes of Vietnamese public bodies: Sở, Ban, Văn phòng, UBND, huyện, xã, ...);
the words around a name give its numbers by their role: total, percent, rank words, tier. What
the article does not state stays empty (a unit given by percent only has no total; "17/18" counts
units at a tier, it ranks nobody). Wording knowledge lives in ``normalizers/data/news_phrases.yaml``
and ``normalizers/data/news_wording.yaml``. Contradictions inside the article become notes.
"""

from __future__ import annotations

import dataclasses

from extractors.html_page import HtmlPage, read_html_page
from extractors.metadata import find_province, stated_tier_rules
from extractors.news_facts import (
    assessment_year,
    decision,
    maxima,
    maxima_from_rows,
    national_place,
    notes,
    prose_maxima,
)
from extractors.news_phrases import load_phrases
from extractors.news_prose import NEWS_CONFIDENCE, completed, leaders, looks_like_unit, read_section, sections
from normalizers.knowledge import KnowledgeBundle, bundle_or_default
from normalizers.numbers import NumberFormatError, detect_convention, parse_number
from normalizers.text import text_key
from schemas.raw import RawDocument, RawTable

__all__ = [
    "NEWS_CONFIDENCE",
    "NewsFormatError",
    "is_news_html",
    "looks_like_unit",
    "prose_maxima",
    "read_news_html",
    "read_news_page",
    "read_prose",
    "reported_facts",
    "second_reading",
]


class NewsFormatError(ValueError):
    """The page is not a readable news article about a ranking."""


def is_news_html(data: bytes) -> bool:
    """An HTML page (news articles are saved as HTML; PDFs and images are not)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    # a saved fragment may start with any of these ("<table>" copied out of a portal page)
    tags = (
        b"<!doctype html",
        b"<html",
        b"<article",
        b"<body",
        b"<head",
        b"<table",
        b"<title",
        b"<meta",
        b"<div",
        b"<section",
    )
    return head.startswith(b"<") and any(tag in head for tag in tags)


def read_prose(title: str, body: str, knowledge: KnowledgeBundle | None = None) -> RawDocument:
    """An article's title and text (chrome already dropped) as a RawDocument of the units it states."""
    phrases = load_phrases(knowledge)
    if not body.strip():
        raise NewsFormatError("the page has no article text (only menus, widgets or an empty body)")
    found = sections(body, phrases)
    number, date, issuer, province = decision(body, phrases)
    doc = RawDocument(
        source_kind="news_article",
        province=province or find_province(f"{title}\n{body}"),
        issuer=issuer,
        decision_number=number,
        decision_date=date,
        assessment_year=assessment_year(title, body, phrases),
        framework=bundle_or_default(knowledge).frameworks.framework_from_text(f"{title}\n{body}"),
        pages=None,
        text_source="html",
        text=f"{title}\n{body}" if title else body,
        default_confidence=NEWS_CONFIDENCE,
        group_maxima=maxima(body, found, phrases),
        tier_rules=stated_tier_rules(body),
    )
    leading = leaders(body, phrases)
    sizes: dict[str, int] = {}
    for section in found:
        if m := phrases.group_size.search(body, section.start, section.end):
            sizes.setdefault(section.group.code, int(m.group(1)))
    tables: dict[str, RawTable] = {}
    for section in found:
        rows = read_section(body, section, sizes.get(section.group.code), phrases)
        table = tables.get(section.group.code) or RawTable(group_title=section.title, group_code=section.group.code)
        known = {text_key(r.name): r for r in table.rows}
        for row in rows:
            known[text_key(row.name)] = completed(known.get(text_key(row.name)), row)
        tables[section.group.code] = dataclasses.replace(table, rows=tuple(known.values()))
    tables = {
        code: dataclasses.replace(
            table,
            rows=[
                dataclasses.replace(r, rank="1") if r.rank is None and text_key(r.name) in leading else r
                for r in table.rows
            ],
        )
        for code, table in tables.items()
    }
    doc = dataclasses.replace(doc, tables=[t for t in tables.values() if t.rows])
    if not doc.tables and (national := national_place(title, body, phrases, knowledge)) is not None:
        return national
    if not doc.tables:
        raise NewsFormatError(
            "the article states no unit's score or rank by group (expected a group named, e.g. 'nhóm các cơ quan, "
            "đơn vị có thủ tục hành chính', and units with their scores, percents or ranks)"
        )
    doc = dataclasses.replace(doc, group_maxima=maxima_from_rows(doc, detect_convention([body])))
    return dataclasses.replace(doc, notes=notes(doc, body, phrases))


def reported_facts(page: HtmlPage, doc: RawDocument, knowledge: KnowledgeBundle | None = None) -> RawDocument:
    """A web page's tables read as a decision, with what its prose reports filling what the tables' page lacks.

    A portal posting a decision's tables cites it in a sentence ("Căn cứ Quyết định số 812/QĐ-UBND ngày
    05/5/2024 của Chủ tịch UBND tỉnh Hà Giang, kết quả như sau:") and names the year in running text
    ("Công bố Chỉ số DTI 2023"); a decision's own header is not there to read them from.
    """
    phrases = load_phrases(knowledge)
    body = "\n".join(ln.text for ln in page.content.lines)
    number, date, issuer, province = decision(body, phrases)
    return dataclasses.replace(
        doc,
        decision_number=doc.decision_number or number,
        decision_date=doc.decision_date or (date if doc.decision_number in (None, number) else None),
        issuer=doc.issuer or issuer,
        province=doc.province or province,
        assessment_year=doc.assessment_year or assessment_year(page.title, body, phrases),
    )


def read_news_page(page: HtmlPage, knowledge: KnowledgeBundle | None = None) -> RawDocument:
    """A read web page as a news article: its headline and the text after it."""
    lines = [ln.text for ln in page.content.lines]
    if lines and page.title and lines[0] == page.title:
        lines = lines[1:]
    return read_prose(page.title, "\n".join(lines), knowledge)


def read_news_html(html: str | bytes) -> RawDocument:
    """A news page about a ranking decision, as printed: facts quoted and units stated in prose."""
    return read_news_page(read_html_page(html))


def second_reading(page: HtmlPage, tables_doc: RawDocument, knowledge: KnowledgeBundle | None = None) -> list[str]:
    """The page's prose read against its tables: one note per value the prose states differently."""
    lines = [ln.text for ln in page.content.lines]
    try:
        prose = read_prose(page.title, "\n".join(lines), knowledge)
    except NewsFormatError:
        return []
    convention = detect_convention([page.text])
    printed = {text_key(r.name): (t, r) for t in tables_doc.tables for r in t.rows}
    notes: list[str] = []
    for table in prose.tables:
        for row in table.rows:
            hit = printed.get(text_key(row.name))
            if hit is None:
                notes.append(f"The page's text states {row.name}, which none of its tables lists.")
                continue
            for field_name in ("rank", "total", "percent"):
                said, shown = getattr(row, field_name), getattr(hit[1], field_name)
                if said is None or shown is None:
                    continue
                try:
                    a, b = parse_number(said.rstrip("%"), convention), parse_number(shown.rstrip("%"), convention)
                except NumberFormatError:
                    continue
                if a is not None and b is not None and abs(a - b) > 0.005:
                    notes.append(f"The page's text gives {row.name} {field_name} {said}, its table {shown}.")
    return notes
