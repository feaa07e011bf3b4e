"""The units an article's prose states, with the numbers the words around each name give them.

A sentence naming a group ("nhóm các cơ quan, đơn vị có thủ tục hành chính", "khối cơ quan
chuyên môn", "Đối với các địa phương", "cấp xã") opens that group's section. Inside a section
each clause is cut at the unit names it holds (the shapes of Vietnamese public bodies: Sở, Ban,
Văn phòng, UBND, huyện, xã, ...); the words around a name give its numbers by their role:
total, percent, rank words, tier. What the article does not state stays empty (a unit given by
percent only has no total; "17/18" counts units at a tier, it ranks nobody).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from extractors.news_phrases import Group, Phrases, load_phrases
from normalizers.knowledge import KnowledgeBundle
from normalizers.text import clean_printed, nfc, text_key
from schemas.raw import RawRow

NEWS_CONFIDENCE = 0.8


@dataclass
class Section:
    group: Group
    title: str
    start: int
    end: int
    spans: list[tuple[int, int]]  # the group phrases inside, masked before reading units
    in_passing: bool = False  # opened by a sentence about maxima or the decision: its title gives way to a heading


def _pieces(text: str, ends: re.Pattern, keep_end: bool) -> list[tuple[int, int]]:
    """(start, end) of each non-blank piece between matches of ``ends``; the match kept with its piece or dropped."""
    out, pos = [], 0
    for m in ends.finditer(text):
        out.append((pos, m.end() if keep_end else m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def sentences(text: str, phrases: Phrases) -> list[tuple[int, int]]:
    """Where each sentence of a text starts and ends (its full stop included)."""
    return _pieces(text, phrases.wording.sentence_end, keep_end=True)


def sections(body: str, phrases: Phrases) -> list[Section]:
    """A sentence naming a group opens its section (from the sentence's start).

    The same group named again continues it; a sentence opening a group of no known code
    ("Khối các cơ quan ngành dọc Trung ương: ...") ends the section before it. A sentence
    listing the decision's groups opens none; one stating maxima or quoting the decision opens one only when it names or mentions
    a single group (the decision's scope, or the maxima of each group, mention several)."""
    sections: list[Section] = []
    for a, b in sentences(body, phrases):
        sentence = body[a:b]
        if phrases.not_a_section.search(sentence):
            continue
        found: list[tuple[int, int, Group]] = []
        for group in phrases.groups:
            for m in group.phrase.finditer(sentence):
                if not any(x <= m.start() < y for x, y, _ in found):
                    found.append((m.start(), m.end(), group))
        if not found:
            if sections and phrases.other_group.match(sentence):
                sections[-1].end = a  # "Khối các cơ quan ngành dọc Trung ương: ...": not the group above
            continue
        in_passing = phrases.one_group_only.search(sentence) is not None
        if (
            in_passing
            and len({g.code for g in phrases.groups if g.mention.search(sentence)} | {g.code for *_, g in found}) > 1
        ):
            continue  # the decision's scope or the maxima of several groups ("đối với các sở, ban, ngành ..., đối với UBND các huyện ...")
        found.sort(key=lambda f: f[0])
        for i, (x, y, group) in enumerate(found):
            title = _title(sentence[x:y], phrases)
            if sections and sections[-1].group.code == group.code and sections[-1].end == len(body):
                last = sections[-1]
                last.spans.append((a + x, a + y))
                if last.in_passing and not in_passing:  # "Đối với cấp xã, ..." after the decision's "các xã, phường"
                    last.title, last.in_passing = title, False
                continue
            start = a if i == 0 else a + x
            if sections:
                sections[-1].end = min(sections[-1].end, start)
            sections.append(Section(group, title, start, len(body), [(a + x, a + y)], in_passing))
    return sections


def _title(phrase: str, phrases: Phrases) -> str:
    """A group's phrase as its table's title: "Đối với nhóm các huyện" -> "nhóm các huyện"."""
    title = phrases.wording.title_lead.sub("", clean_printed(phrase) or "")
    if title[:1].isupper() and title.split()[0].lower() in phrases.wording.title_words:
        return title[0].lower() + title[1:]
    return title


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def clauses(text: str, phrases: Phrases) -> list[tuple[int, int]]:
    """Where each clause of a text starts and ends (a unit's numbers stay within its clause)."""
    return _pieces(text, phrases.wording.clause_end, keep_end=False)


def _name_end(text: str, start: int, after_prefix: int, phrases: Phrases) -> int:
    for stop in phrases.name_stop.finditer(text, after_prefix):
        if stop.group(0).strip() == "và":
            rest = text[stop.end() :]
            if rest[:1].isupper() and not phrases.unit_start.match(text, stop.end()):
                continue  # "Sở Giáo dục và Đào tạo": a capitalised word after "và" goes on with the name
        if stop.group(0).strip() == ",":
            rest = text[stop.end() :].lstrip()
            if rest[:1].isupper() and not phrases.unit_start.match(
                text, stop.end() + (len(text[stop.end() :]) - len(rest))
            ):
                continue  # "Sở Văn hóa, Thể thao và Du lịch": the comma is inside the name
        return stop.start()
    return len(text)


def unit_names(clause: str, phrases: Phrases) -> list[tuple[int, int, str]]:
    """Unit names in a clause, left to right: (start, end, name as printed)."""
    units: list[tuple[int, int, str]] = []
    pos = 0
    while m := phrases.unit_start.search(clause, pos):
        end = _name_end(clause, m.start(), m.end(), phrases)
        name = (clean_printed(clause[m.start() : end]) or "").rstrip(" .")
        if len(name.split()) >= 2:
            units.append((m.start(), end, name))
        pos = max(end, m.end())
    return units


def looks_like_unit(name: str | None, bundle: KnowledgeBundle | None = None) -> bool:
    """A name shaped like a Vietnamese public body ("Sở ...", "Ban ...", "UBND ...", "huyện ...", "xã ...")."""
    text = clean_printed(name) or ""
    m = load_phrases(bundle).unit_start.match(text)
    return m is not None and len(text.split()) >= 2


def _ranks(text: str, size: int | None, phrases: Phrases) -> list[int]:
    """Every rank a piece of text states, in order ("thứ hai và thứ ba" -> [2, 3])."""
    found: list[tuple[int, int]] = []
    for m in phrases.rank_number.finditer(text):
        found.append((m.start(), int(m.group(1))))
    for m in phrases.rank_ordinal.finditer(text):
        if not any(p == m.start() for p, _ in found):
            found.append((m.start(), phrases.ordinals[nfc(m.group(1).lower())]))
    for m in phrases.rank_word.finditer(text):
        found.append((m.start(), phrases.ordinals[nfc(m.group(1).lower())]))
    if not found:
        if phrases.first_place.search(text):
            return [1]
        if phrases.last_place.search(text) and size is not None:
            return [size]
        return []
    return [rank for _, rank in sorted(found)]


def _tier(piece: str, phrases: Phrases) -> str | None:
    if m := phrases.known_tier.search(piece):
        return clean_printed(m.group(1))
    for m in phrases.printed_tier.finditer(piece):
        if m.group(1)[:1].isupper():
            return clean_printed(m.group(1))
    return None


def stated_totals(piece: str, phrases: Phrases) -> list[str]:
    """Every total a piece of text states, in order ("lần lượt đạt 97 điểm, 95 điểm và 91,5 điểm")."""
    of_max = list(phrases.total_of_max.finditer(piece))  # "812,4/1.000 điểm": 812,4 of a maximum of 1.000
    found = of_max or list(phrases.total.finditer(piece))
    return [
        m.group(1) or m.group(2)
        for m in found
        if not phrases.wording.maximum.search(piece[max(0, m.start() - 40) : m.start()])
        and not phrases.not_total_before.search(piece[max(0, m.start() - 20) : m.start()])
        and not phrases.not_total_after.match(piece[m.end() :])
    ]


def stated_total(piece: str, phrases: Phrases) -> str | None:
    return next(iter(stated_totals(piece, phrases)), None)


def stated_percents(piece: str, phrases: Phrases) -> list[str]:
    """Every unit's percent a piece states, in order; thresholds ("lớn hơn 75%"), counts ("17/18") and changes
    ("tăng 3,2% so với năm 2022") are none."""
    return [
        m.group(1)
        for m in phrases.percent.finditer(piece)
        if "/" not in piece[max(0, m.start() - 2) : m.start()]
        and not phrases.wording.threshold.search(piece[: m.start()])
        and not phrases.not_total_before.search(piece[max(0, m.start() - 20) : m.start()])  # "tăng 3,2%"
        and not phrases.not_total_after.match(piece[m.end() :])
    ]


def stated_percent(piece: str, phrases: Phrases) -> str | None:
    return next(iter(stated_percents(piece, phrases)), None)


def _respective(
    clause: str, statements: list[_Statement], size: int | None, phrases: Phrases
) -> dict[int, RawRow | None]:
    """Rows of units named before "lần lượt", each given its own value of the lists after it.

    "A, B và C, lần lượt đạt 97 điểm, 95 điểm và 91,5 điểm, cùng xếp loại Tốt"; "huyện X và huyện Y
    lần lượt xếp thứ hai, thứ ba với 88 điểm và 85,5 điểm". A list as long as the names is
    shared out in order; a list of another length gives nobody anything (the article is not
    read against its own order). A tier after "cùng"/"đều" is everyone's. Keyed by statement index;
    None for a unit of the list that the article gives nothing it can be read to mean.
    """
    m = phrases.respectively.search(clause)
    named = [i for i, st in enumerate(statements) if m and st.start < m.start()]
    if m is None or len(named) < 2:
        return {}
    tail = clause[m.end() :]
    lists = {
        "rank": [str(r) for r in _ranks(tail, size, phrases)],
        "total": stated_totals(tail, phrases),
        "percent": stated_percents(tail, phrases),
    }
    shared = {k: v for k, v in lists.items() if len(v) == len(named)}
    tier = _tier(tail, phrases) if phrases.all_of_them.search(tail) else None
    if not shared and tier is None:
        return dict.fromkeys(named)  # "A và B lần lượt đạt 80 điểm": whose 80 it is, the article does not say
    return {
        i: RawRow(
            name=statements[i].name,
            rank=shared["rank"][n] if "rank" in shared else None,
            total=shared["total"][n] if "total" in shared else None,
            percent=shared["percent"][n] if "percent" in shared else None,
            tier=tier,
            confidence=NEWS_CONFIDENCE,
        )
        for n, i in enumerate(named)
    }


@dataclass
class _Statement:
    name: str
    own: str  # the words that state this unit's numbers
    lead: str  # the words before the name that may give its rank ("Đứng thứ hai là ...")
    start: int  # where the name starts in its clause


def _statements(clause: str, phrases: Phrases) -> list[_Statement]:
    units = unit_names(clause, phrases)
    out: list[_Statement] = []
    lead = clause[: units[0][0]] if units else ""
    for i, (start, end, name) in enumerate(units):
        gap = clause[end : units[i + 1][0] if i + 1 < len(units) else len(clause)]
        next_lead = ""
        if i + 1 < len(units) and phrases.wording.connector.search(gap):
            cuts = [m.end() for m in phrases.wording.lead_cut.finditer(gap)]
            own, next_lead = (gap[: cuts[-1]], gap[cuts[-1] :]) if cuts else ("", gap)
        else:
            own = gap
        out.append(_Statement(name, own, lead, start))
        lead = next_lead
    return out


def _list_items(text: str, phrases: Phrases) -> tuple[str, dict[int, int]]:
    """The text with the numbers of a ranked list's items masked, and each item's rank by where its unit's name starts.

    "1. Sở Tư pháp: 702,5 điểm" on its own line, or inline after a colon or semicolon ("Khối
    huyện: 1- Thành phố Lai Châu (790,5 điểm); 2- Huyện Tam Đường ..."): masked, the item's
    number neither cuts the line into clauses nor reads as a result; it is a rank only when a
    unit's name follows it.
    """
    ranks: dict[int, int] = {}
    spans = []
    for m in phrases.list_rank.finditer(text):
        name_at = m.end() + len(text[m.end() :]) - len(text[m.end() :].lstrip(" \t"))
        if phrases.unit_start.match(text, name_at):
            ranks[name_at] = int(m.group(1))
            spans.append(m.span())
    return mask(text, spans), ranks


def completed(known: RawRow | None, stated: RawRow) -> RawRow:
    """A unit's row as first read, with what a later statement of it adds (the first reading of a value stands)."""
    if known is None:
        return stated
    return dataclasses.replace(
        known,
        rank=known.rank or stated.rank,
        total=known.total or stated.total,
        percent=known.percent or stated.percent,
        tier=known.tier or stated.tier,
    )


def read_section(body: str, section: Section, size: int | None, phrases: Phrases) -> list[RawRow]:
    text = mask(body, section.spans)[section.start : section.end]
    top = phrases.top_n.search(text)
    if top:
        text = mask(text, [top.span()])
    text, item_ranks = _list_items(text, phrases)
    rows: dict[str, RawRow] = {}
    for a, b in clauses(text, phrases):
        pending: list[int] = []
        statements = _statements(text[a:b], phrases)
        respective = _respective(text[a:b], statements, size, phrases)
        for n, st in enumerate(statements):
            if n in respective:
                given = respective[n]
                if given is None:
                    continue
                lead = _ranks(st.lead, size, phrases)  # "3 đơn vị dẫn đầu là A, B và C, lần lượt đạt ...": A's
                if lead and n == min(respective) and given.rank is None:
                    given = dataclasses.replace(given, rank=str(lead[0]))
                rows[text_key(st.name)] = completed(rows.get(text_key(st.name)), given)
                continue
            lead_ranks = _ranks(st.lead, size, phrases)
            if phrases.respectively.search(st.lead) and len(lead_ranks) > 1:
                pending = lead_ranks
                lead_ranks = []
            own_ranks = _ranks(st.own, size, phrases)
            item = item_ranks.get(a + st.start)  # the number of the list item this name opens
            stated_ranks = [*own_ranks[:1], *lead_ranks[:1], *([item] if item is not None else [])]
            rank = stated_ranks[0] if stated_ranks else (pending.pop(0) if pending else None)
            total, percent, tier = (
                stated_total(st.own, phrases),
                stated_percent(st.own, phrases),
                _tier(st.own, phrases),
            )
            unassessed = (
                rank is None and total is None and percent is None and phrases.not_evaluated.match(st.own.lstrip(" ,"))
            )
            if rank is None and total is None and percent is None and not unassessed:
                continue
            stated = RawRow(
                name=st.name,
                rank=None if rank is None else str(rank),
                total=total,
                percent=percent,
                tier=tier,
                evaluated=not unassessed,
                confidence=NEWS_CONFIDENCE,
            )
            rows[text_key(st.name)] = completed(rows.get(text_key(st.name)), stated)
    if top:
        n, tier = int(top.group(1)), clean_printed(top.group(2))
        return [
            dataclasses.replace(r, tier=tier) if r.tier is None and r.rank is not None and int(r.rank) <= n else r
            for r in rows.values()
        ]
    return list(rows.values())


def leaders(body: str, phrases: Phrases) -> set[str]:
    """Units a sentence names as leaders with no numbers ("A, B và C dẫn đầu ba nhóm").

    They rank 1 where their rows state no rank."""
    out: set[str] = set()
    for a, b in clauses(body, phrases):
        clause = body[a:b]
        if (
            stated_total(clause, phrases)
            or stated_percent(clause, phrases)
            or re.search(r"\d[.,]\d", clause)
            or not phrases.first_place.search(clause)
        ):
            continue
        units = unit_names(clause, phrases)
        first = phrases.first_place.search(clause)
        if units and first and first.start() >= units[-1][1]:
            out.update(text_key(name) for _, _, name in units)
    return out
