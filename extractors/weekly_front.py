"""A weekly report's opening block: is it a weekly report, and who reports which week of which province.

Read from the first page above its first table: the issuing body's header ("UBND TỈNH LÀO
CAI / SỞ THÔNG TIN VÀ TRUYỀN THÔNG"), the title ("BÁO CÁO ... tuần 05 năm 2025") and the
period ("từ ngày 27/01 đến ngày 02/02/2025"). Wording in ``weekly_wording.yaml``.
"""

from __future__ import annotations

from extractors.metadata import find_province, parse_date
from extractors.page import PageContent, TextLine
from extractors.weekly_knowledge import Wording, loose_text, phrase_key, wording
from extractors.weekly_knowledge import knowledge as tables_knowledge
from normalizers.knowledge import KnowledgeBundle
from normalizers.text import clean_printed


def is_weekly_report(pages: list[PageContent], knowledge: KnowledgeBundle | None = None) -> bool:
    """A weekly progress report: a "BÁO CÁO" heading, "tuần NN" and "chuyển đổi số" up front.

    Decisions also mention reports and digital transformation; the numbered week in the
    opening block is what sets the weekly report apart.
    """
    words = wording(knowledge)
    lines = [ln for page in pages[:2] for ln in page.lines]
    keys = [phrase_key(ln.text) for ln in lines]
    heading = any(
        k == words.title or (k.startswith(f"{words.title} ") and len(k.split()) <= words.title_max_words) for k in keys
    )
    text = " ".join(keys)
    return heading and bool(words.week.search(text)) and words.topic in text


# --------------------------------------------------------------------------- metadata


def _proper_agency(upper: str, words: Wording) -> str:
    """ "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" -> "Sở Thông tin và Truyền thông" (names capitalise each part)."""
    parts = clean_printed(upper).lower().split()
    out: list[str] = []
    capitalise_next = True
    for i, word in enumerate(parts):
        if i == 0 or capitalise_next:
            out.append(word[:1].upper() + word[1:])
        else:
            out.append(word)
        capitalise_next = i == 0 or word in words.agency_joiners or word.endswith(",")
    return " ".join(out)


def _agency(text: str, words: Wording, issuers: list[str]) -> str | None:
    """The issuing agency from a header line that also carries the national motto on the right."""
    loose = loose_text(text)  # same length as text: one base letter per precomposed letter
    if not words.agency.match(loose):
        return None
    if m := words.motto.search(loose):
        text = text[: m.start()]
    for known in issuers:
        if phrase_key(known) == phrase_key(text):
            return known
    return _proper_agency(text, words)


def _province_name(raw: str, words: Wording, knowledge: KnowledgeBundle | None = None) -> str:
    """The province in the issuing-body header, restored to its spelling when OCR drops marks."""
    return find_province(f"{words.province_word} {raw}", loose=True, bundle=knowledge) or clean_printed(raw).title()


def _front_lines(pages: list[PageContent]) -> list[TextLine]:
    """Lines of the opening block: first page, above its first table."""
    if not pages:
        return []
    first = pages[0]
    limit = min((g.bbox[1] for g in first.grids), default=first.height + 1)
    return [ln for ln in first.lines if ln.top < limit]


def read_metadata(pages: list[PageContent], knowledge: KnowledgeBundle | None = None) -> dict:
    words, issuers = wording(knowledge), tables_knowledge(knowledge).issuers
    lines = _front_lines(pages)
    meta: dict = {
        "province": None,
        "issuer": None,
        "week": None,
        "period_start": None,
        "period_end": None,
        "assessment_year": None,
    }
    agency = None
    for i, line in enumerate(lines[:8]):
        text = clean_printed(line.text) or ""
        if meta["province"] is None and (m := words.province_header.search(text)):
            meta["province"] = _province_name(m.group(1), words, knowledge)
            for nxt in lines[i + 1 : i + 3]:
                if body := _agency(clean_printed(nxt.text) or "", words, issuers):
                    agency = body
                    break
    if meta["province"]:
        issuer = words.issuer_of_agency if agency else words.issuer_of_province
        meta["issuer"] = issuer.format(agency=agency, province=meta["province"])
    keys = [phrase_key(ln.text) for ln in lines]
    title_keys = [k for k in keys if words.week.search(k)]
    if title_keys and (week := words.week.search(title_keys[0])):
        meta["week"] = int(week.group(1))
        if y := words.year.search(title_keys[0]):
            meta["assessment_year"] = int(y.group(1))
    joined = " ".join(loose_text(ln.text) for ln in lines)
    if m := words.period.search(joined):
        d1, m1, y1, d2, m2, y2 = m.groups()
        end = parse_date(d2, m2, y2)
        start_year = int(y1) if y1 else (int(y2) - 1 if int(m1) > int(m2) else int(y2))
        meta["period_start"], meta["period_end"] = parse_date(d1, m1, start_year), end
    if meta["assessment_year"] is None and meta["period_end"] is not None:
        meta["assessment_year"] = meta["period_end"].year
    return meta
