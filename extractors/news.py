"""News articles about a ranking decision: the prose read into a RawDocument.

A news page is a secondary source: it quotes the decision (number, date, maxima, tier
thresholds) and states some units' rank, score and tier in sentences of any wording:
"Vị trí đầu bảng thuộc về Sở X với tổng điểm 731,61 đạt 73,16%", "Sở Y xếp thứ hai, đạt 71,77%",
"xếp thứ hai và thứ ba lần lượt là A (đạt 61,59%) và B", "Đứng cuối là huyện Z với 449,13 điểm".
The page is read by :mod:`extractors.html_page` (chrome dropped). A sentence naming a group
("nhóm các cơ quan, đơn vị có thủ tục hành chính", "khối cơ quan chuyên môn", "Đối với các địa
phương", "cấp xã") opens that group's section. Inside a section each clause is cut at the unit
names it holds (the shapes of Vietnamese public bodies: Sở, Ban, Văn phòng, UBND, huyện, xã, ...);
the words around a name give its numbers by their role: total, percent, rank words, tier. What
the article does not state stays empty (a unit given by percent only has no total; "17/18" counts
units at a tier, it ranks nobody). Wording knowledge lives in ``normalizers/data/news_phrases.yaml``.
Contradictions inside the article become notes.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.html_page import HtmlPage, read_html_page
from extractors.metadata import find_province, parse_date, stated_tier_rules, years_in
from normalizers.frameworks import load_knowledge, pct_in_band
from normalizers.knowledge import KnowledgeBundle, NewsPhrasesFile, built, bundle_or_default
from normalizers.numbers import NumberFormatError, detect_convention, parse_number
from normalizers.text import clean_printed, nfc, text_key
from schemas.raw import RawDocument, RawRow, RawTable, TierRule

NEWS_CONFIDENCE = 0.8

_SCORE = re.compile(r"(\d{1,4}(?:[.,]\d+)*)\s*điểm", re.IGNORECASE)
_MAX_CONTEXT = re.compile(r"tối\s+đa|thang\s+điểm", re.IGNORECASE)
_CLAUSE_END = re.compile(r";|…|\.\.\.|\n|(?<!\bTP)(?<!\bTX)\.(?=\s+[^\W\d_])")
_SENTENCE_END = re.compile(r"\n|(?<!\bTP)(?<!\bTX)(?<!\d)\.(?=\s)|\.$")
_DECISION = re.compile(r"Quyết\s+định\s+(?:số\s*)?(\d{1,6}\s*/\s*[A-ZĐ][\wĐ\-]*)", re.IGNORECASE)
_DATE = re.compile(
    r"ngày\s+(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})|ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})",
    re.IGNORECASE,
)
_ISSUER = re.compile(r"(?:của\s+)?(?:Chủ\s+tịch\s+)?(UBND|[UỦ][yỷ]\s+ban\s+nhân\s+dân)\s+tỉnh\s+", re.IGNORECASE)
_CONNECTOR = re.compile(r"(?:\blà|thuộc\s+về|gọi\s+tên|gồm|gồm\s+có)\s*:?\s*$", re.IGNORECASE)
_LEAD_CUT = re.compile(r",|\)|\s+và\s+|\s+(?=tiếp\s+(?:đến|theo))", re.IGNORECASE)
_LEAD_WORDS = re.compile(
    r"^(?:đối\s+với|ở|tại|trong)\s+", re.IGNORECASE
)  # "Đối với các địa phương" -> "các địa phương"
_YEAR_AT = re.compile(r"\bnăm\s+(\d{4})\b", re.IGNORECASE)


class NewsFormatError(ValueError):
    """The page is not a readable news article about a ranking."""


# --------------------------------------------------------------------------- knowledge


@dataclass
class _Group:
    code: str
    phrase: re.Pattern
    mention: re.Pattern


@dataclass
class _Phrases:
    groups: list[_Group]
    unit_start: re.Pattern  # a unit name begins here
    name_stop: re.Pattern
    known_tier: re.Pattern
    printed_tier: re.Pattern
    rank_number: re.Pattern
    rank_ordinal: re.Pattern
    rank_word: re.Pattern
    ordinals: dict[str, int]
    first_place: re.Pattern
    last_place: re.Pattern
    respectively: re.Pattern
    group_size: re.Pattern
    top_n: re.Pattern
    no_unit_at: re.Pattern
    not_a_section: re.Pattern
    year_context: re.Pattern
    year_not: re.Pattern
    total: re.Pattern
    percent: re.Pattern
    national_rank: re.Pattern
    national_index: re.Pattern


def _phrases(knowledge: KnowledgeBundle | None = None) -> _Phrases:
    """news_phrases.yaml as this module applies it (the bundle's, validated at start)."""
    return built(bundle_or_default(knowledge).news_phrases, _compile)


def _compile(model: NewsPhrasesFile) -> _Phrases:
    data = model.model_dump()
    flags = re.IGNORECASE
    groups = [
        _Group(g["code"], re.compile(g["phrase"], flags), re.compile(g["mention"], flags)) for g in data["groups"]
    ]
    prefixes = sorted(data["unit_prefixes"], key=len, reverse=True)
    either_case = "|".join(f"[{p[0].upper()}{p[0].lower()}]{re.escape(p[1:])}" for p in prefixes)
    # the word after the prefix is a proper name (capitalised, or a number: "phường 1") or "tỉnh" ("Thanh tra tỉnh")
    tail = r"(?=\s+(?:[A-ZĐÀ-Ỹ0-9]|tỉnh\b))"
    tiers = "|".join(re.escape(t) for t in data["tier_words"])
    lead = data["tier_lead"]
    ordinals = {nfc(k): int(v) for k, v in data["ordinals"].items()}
    return _Phrases(
        groups=groups,
        unit_start=re.compile(rf"(?<![\w.])(?:{either_case}){tail}"),
        name_stop=re.compile(data["name_stops"]),
        known_tier=re.compile(rf"{lead}\s+({tiers})\b", flags),
        printed_tier=re.compile(r"(?<!\w)mức(?:\s+xếp\s+hạng)?\s+(\w+\s+\w+)", flags),
        rank_number=re.compile(
            # "xếp thứ 3/18": after a rank word N/M is a rank of M ("có 17/18 đơn vị" has none: a count)
            r"(?:v[iị]\s+tr[ií]|hạng|thứ)\s+(?:thứ\s+|số\s+)?(\d{1,3})\b(?!\s*(?:điểm|[.,]\d|%))",
            flags,
        ),
        rank_ordinal=re.compile(rf"thứ\s+({'|'.join(ordinals)})\b", flags),
        rank_word=re.compile(data["rank_word"], flags),
        ordinals=ordinals,
        first_place=re.compile(data["first_place"], flags),
        last_place=re.compile(data["last_place"], flags),
        respectively=re.compile(data["respectively"], flags),
        group_size=re.compile(data["group_size"], flags),
        top_n=re.compile(rf"{data['top_n']}({tiers})\b", flags),
        no_unit_at=re.compile(rf"{data['no_unit_at']}(?:mức\s+)?({tiers})\b", flags),
        not_a_section=re.compile(data["not_a_section"], flags),
        year_context=re.compile(data["year_context"], flags),
        year_not=re.compile(data["year_not"], flags),
        total=re.compile(data["total"], flags),
        percent=re.compile(data["percent"], flags),
        national_rank=re.compile(data["national_rank"], flags),
        national_index=re.compile(data["national_index"], flags),
    )


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


# --------------------------------------------------------------------------- prose


@dataclass
class _Section:
    group: _Group
    title: str
    start: int
    end: int
    spans: list[tuple[int, int]]  # the group phrases inside, masked before reading units


def _sentences(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append((pos, m.end()))
        pos = m.end()
    out.append((pos, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def _sections(body: str, phrases: _Phrases) -> list[_Section]:
    """A sentence naming a group opens its section (from the sentence's start).

    The same group named again continues it."""
    sections: list[_Section] = []
    for a, b in _sentences(body):
        sentence = body[a:b]
        if phrases.not_a_section.search(sentence):
            continue
        found: list[tuple[int, int, _Group]] = []
        for group in phrases.groups:
            for m in group.phrase.finditer(sentence):
                if not any(x <= m.start() < y for x, y, _ in found):
                    found.append((m.start(), m.end(), group))
        if not found:
            continue
        found.sort(key=lambda f: f[0])
        for i, (x, y, group) in enumerate(found):
            if sections and sections[-1].group.code == group.code:
                sections[-1].spans.append((a + x, a + y))
                continue
            start = a if i == 0 else a + x
            if sections:
                sections[-1].end = start
            title = _LEAD_WORDS.sub("", clean_printed(sentence[x:y]) or "")
            title = (
                title[0].lower() + title[1:]
                if title[:1].isupper() and title.split()[0].lower() in ("nhóm", "khối")
                else title
            )
            sections.append(_Section(group, title, start, len(body), [(a + x, a + y)]))
    return sections


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def _clauses(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in _CLAUSE_END.finditer(text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def _name_end(text: str, start: int, after_prefix: int, phrases: _Phrases) -> int:
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


def _units(clause: str, phrases: _Phrases) -> list[tuple[int, int, str]]:
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


def looks_like_unit(name: str | None) -> bool:
    """A name shaped like a Vietnamese public body ("Sở ...", "Ban ...", "UBND ...", "huyện ...", "xã ...")."""
    text = clean_printed(name) or ""
    m = _phrases().unit_start.match(text)
    return m is not None and len(text.split()) >= 2


def _ranks(text: str, size: int | None, phrases: _Phrases) -> list[int]:
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


def _tier(piece: str, phrases: _Phrases) -> str | None:
    if m := phrases.known_tier.search(piece):
        return clean_printed(m.group(1))
    for m in phrases.printed_tier.finditer(piece):
        if m.group(1)[:1].isupper():
            return clean_printed(m.group(1))
    return None


def _total(piece: str, phrases: _Phrases) -> str | None:
    for m in phrases.total.finditer(piece):
        value = m.group(1) or m.group(2)
        if _MAX_CONTEXT.search(piece[max(0, m.start() - 40) : m.start()]):
            continue
        return value
    return None


def _percent(piece: str, phrases: _Phrases) -> str | None:
    for m in phrases.percent.finditer(piece):
        before = piece[max(0, m.start() - 2) : m.start()]
        if "/" in before or re.search(r"(?:lớn|nhỏ|trên|dưới|bằng|hơn)\s*$", piece[: m.start()]):
            continue  # thresholds ("lớn hơn 75%") and counts ("17/18") are not a unit's result
        return m.group(1)
    return None


@dataclass
class _Statement:
    name: str
    own: str  # the words that state this unit's numbers
    lead: str  # the words before the name that may give its rank ("Đứng thứ hai là ...")


def _statements(clause: str, phrases: _Phrases) -> list[_Statement]:
    units = _units(clause, phrases)
    out: list[_Statement] = []
    lead = clause[: units[0][0]] if units else ""
    for i, (start, end, name) in enumerate(units):
        gap = clause[end : units[i + 1][0] if i + 1 < len(units) else len(clause)]
        next_lead = ""
        if i + 1 < len(units) and _CONNECTOR.search(gap):
            cuts = [m.end() for m in _LEAD_CUT.finditer(gap)]
            own, next_lead = (gap[: cuts[-1]], gap[cuts[-1] :]) if cuts else ("", gap)
        else:
            own = gap
        out.append(_Statement(name, own, lead))
        lead = next_lead
    return out


def _read_section(body: str, section: _Section, size: int | None, phrases: _Phrases) -> list[RawRow]:
    text = _mask(body, section.spans)[section.start : section.end]
    top = phrases.top_n.search(text)
    if top:
        text = _mask(text, [top.span()])
    rows: dict[str, RawRow] = {}
    for a, b in _clauses(text):
        pending: list[int] = []
        for st in _statements(text[a:b], phrases):
            lead_ranks = _ranks(st.lead, size, phrases)
            if phrases.respectively.search(st.lead) and len(lead_ranks) > 1:
                pending = lead_ranks
                lead_ranks = []
            own_ranks = _ranks(st.own, size, phrases)
            rank = own_ranks[0] if own_ranks else lead_ranks[0] if lead_ranks else (pending.pop(0) if pending else None)
            total, percent, tier = _total(st.own, phrases), _percent(st.own, phrases), _tier(st.own, phrases)
            if rank is None and total is None and percent is None:
                continue
            key = text_key(st.name)
            row = rows.get(key)
            if row is None:
                rows[key] = RawRow(
                    name=st.name,
                    rank=None if rank is None else str(rank),
                    total=total,
                    percent=percent,
                    tier=tier,
                    confidence=NEWS_CONFIDENCE,
                )
                continue
            rows[key] = dataclasses.replace(
                row,
                rank=row.rank or (None if rank is None else str(rank)),
                total=row.total or total,
                percent=row.percent or percent,
                tier=row.tier or tier,
            )
    if top:
        n, tier = int(top.group(1)), clean_printed(top.group(2))
        return [
            dataclasses.replace(r, tier=tier) if r.tier is None and r.rank is not None and int(r.rank) <= n else r
            for r in rows.values()
        ]
    return list(rows.values())


def _leaders(body: str, phrases: _Phrases) -> set[str]:
    """Units a sentence names as leaders with no numbers ("A, B và C dẫn đầu ba nhóm").

    They rank 1 where their rows state no rank."""
    out: set[str] = set()
    for a, b in _clauses(body):
        clause = body[a:b]
        if (
            _total(clause, phrases)
            or _percent(clause, phrases)
            or re.search(r"\d[.,]\d", clause)
            or not phrases.first_place.search(clause)
        ):
            continue
        units = _units(clause, phrases)
        first = phrases.first_place.search(clause)
        if units and first and first.start() >= units[-1][1]:
            out.update(text_key(name) for _, _, name in units)
    return out


# --------------------------------------------------------------------------- document facts


def _decision(body: str) -> tuple[str | None, str | None, str | None, str | None]:
    """Number, ISO date, issuer and province of the decision the article reports."""
    m = _DECISION.search(body)
    if not m:
        return None, None, None, None
    number = re.sub(r"\s+", "", m.group(1))
    date = None
    tail = body[m.end() : m.end() + 60]
    if d := _DATE.search(tail):
        parsed = parse_date(*(d.group(1, 2, 3) if d.group(1) else d.group(4, 5, 6)))
        date = parsed.isoformat() if parsed else None
    issuer = province = None
    near = body[m.end() : m.end() + 120]
    before = re.split(r"[.;\n]", body[max(0, m.start() - 80) : m.start()])[-1]  # "UBND tỉnh X vừa ban hành Quyết định"
    for piece in (near, before):
        if _ISSUER.search(piece) and (province := find_province(piece)):
            issuer = f"UBND tỉnh {province}"
            break
    return number, date, issuer, province


def _maxima(body: str, sections: list[_Section], phrases: _Phrases) -> dict[str, str]:
    """Group maxima stated in prose; each value belongs to the groups named before it in its clause, else after it
    ("X và Y ... tối đa 1.000 điểm, còn Z ... tối đa 800 điểm"; "tối đa 800 điểm đối với Z")."""
    found: dict[str, str] = {}
    generic: str | None = None
    for a, b in _clauses(body):
        clause = body[a:b]
        if not _MAX_CONTEXT.search(clause):
            continue
        values = list(_SCORE.finditer(clause))
        for i, value in enumerate(values):
            before = clause[values[i - 1].end() if i else 0 : value.start()]
            after = clause[value.end() : values[i + 1].start() if i + 1 < len(values) else len(clause)]
            if len(values) > 1 and not _MAX_CONTEXT.search(before):
                continue
            codes = []
            for piece in (before, after):
                codes = [g.code for g in phrases.groups if g.mention.search(piece) or g.phrase.search(piece)]
                if codes:
                    break
            for code in codes:
                found.setdefault(code, value.group(1))
            if not codes and generic is None:
                generic = value.group(1)
    if generic is not None:
        for section in sections:
            found.setdefault(section.group.code, generic)
    return found


def prose_maxima(text: str) -> dict[str, str]:
    """Group maxima a page's text states (group code -> maximum as printed)."""
    return _maxima(text, [], _phrases())


def _derived(pct: float, rules: Sequence[TierRule]) -> TierRule | None:
    return next((rule for rule in rules if pct_in_band(pct, rule.pct_gt, rule.pct_le)), None)


def _notes(doc: RawDocument, body: str, phrases: _Phrases) -> list[str]:
    """One sentence per contradiction the article's prose holds within itself.

    A printed tier that disagrees with the quoted thresholds is not a note: the tier check
    (`normalizers/checks.py` `check_tiers`) reports it once, as `tier_inconsistent` on the row.
    """
    convention = detect_convention([body])
    rules = doc.tier_rules
    notes: list[str] = []
    placed: list[tuple[RawRow, str | None, float, TierRule | None]] = []
    for table in doc.tables:
        max_raw = doc.group_maxima.get(table.group_code or "")
        for row in table.rows:
            try:
                total = parse_number(row.total, convention)
                maximum = parse_number(max_raw, convention)
            except NumberFormatError:
                continue
            if total is None or not maximum:
                continue
            pct = total / maximum * 100
            placed.append((row, max_raw, pct, _derived(pct, rules) if rules else None))
    for m in phrases.no_unit_at.finditer(body):
        claimed = text_key(m.group(1))
        for row, max_raw, pct, derived in placed:
            printed_there = row.tier is not None and text_key(row.tier) == claimed
            derived_there = derived is not None and text_key(derived.label) == claimed
            if printed_there or derived_there:
                tier = f"printed at '{row.tier}', " if row.tier else ""
                notes.append(
                    f"The article says no unit is at '{m.group(1)}', yet {row.name} "
                    f"({tier}{row.total} of {max_raw} points, {pct:.2f}%) "
                    f"{'is printed at that tier' if printed_there else 'falls in it by the quoted thresholds'}."
                )
    return notes


# --------------------------------------------------------------------------- entry point


def _assessment_year(title: str, body: str, phrases: _Phrases) -> int | None:
    """The assessed year: in the title, else after "chuyển đổi số"/"xếp hạng"/... in the body.

    A plan's year ("trong năm 2024") or a date's is not the assessed year."""
    for text in (title, body):
        masked = _mask(text, [m.span() for m in phrases.year_not.finditer(text)])
        for m in _YEAR_AT.finditer(masked):
            before = masked[max(0, m.start() - 60) : m.start()]
            before = re.split(r"[.;\n]", before)[-1]
            if phrases.year_context.search(before):
                return int(m.group(1))
    years = Counter(years_in(_mask(body, [m.span() for m in phrases.year_not.finditer(body)])))
    if not years:
        return None
    best = max(years.values())
    return min(y for y, n in years.items() if n == best)


def _maxima_from_rows(doc: RawDocument, convention) -> dict[str, str]:
    """No maximum stated for a group: a row stating both total and percent gives it (731,61 at 73,16% is of 1000)."""
    maxima = dict(doc.group_maxima)
    for table in doc.tables:
        code = table.group_code or ""
        if code in maxima or "*" in maxima:
            continue
        for row in table.rows:
            try:
                total, pct = parse_number(row.total, convention), parse_number(row.percent, convention)
            except NumberFormatError:
                continue
            if total and pct:
                implied = total / pct * 100
                if abs(implied - round(implied)) <= implied * 0.0005 + 0.02:
                    maxima[code] = str(round(implied))
                    break
    return maxima


def read_prose(title: str, body: str, knowledge: KnowledgeBundle | None = None) -> RawDocument:
    """An article's title and text (chrome already dropped) as a RawDocument of the units it states."""
    phrases = _phrases(knowledge)
    if not body.strip():
        raise NewsFormatError("the page has no article text (only menus, widgets or an empty body)")
    sections = _sections(body, phrases)
    number, date, issuer, province = _decision(body)
    doc = RawDocument(
        source_kind="news_article",
        province=province or find_province(f"{title}\n{body}"),
        issuer=issuer,
        decision_number=number,
        decision_date=date,
        assessment_year=_assessment_year(title, body, phrases),
        framework=bundle_or_default(knowledge).frameworks.framework_from_text(f"{title}\n{body}"),
        pages=None,
        text_source="html",
        text=f"{title}\n{body}" if title else body,
        default_confidence=NEWS_CONFIDENCE,
        group_maxima=_maxima(body, sections, phrases),
        tier_rules=stated_tier_rules(body),
    )
    leaders = _leaders(body, phrases)
    sizes: dict[str, int] = {}
    for section in sections:
        if m := phrases.group_size.search(body, section.start, section.end):
            sizes.setdefault(section.group.code, int(m.group(1)))
    tables: dict[str, RawTable] = {}
    for section in sections:
        rows = _read_section(body, section, sizes.get(section.group.code), phrases)
        table = tables.get(section.group.code) or RawTable(group_title=section.title, group_code=section.group.code)
        known = {text_key(r.name): r for r in table.rows}
        for row in rows:
            old = known.get(text_key(row.name))
            known[text_key(row.name)] = (
                row
                if old is None
                else dataclasses.replace(
                    old,
                    rank=old.rank or row.rank,
                    total=old.total or row.total,
                    percent=old.percent or row.percent,
                    tier=old.tier or row.tier,
                )
            )
        tables[section.group.code] = dataclasses.replace(table, rows=tuple(known.values()))
    tables = {
        code: dataclasses.replace(
            table,
            rows=[
                dataclasses.replace(r, rank="1") if r.rank is None and text_key(r.name) in leaders else r
                for r in table.rows
            ],
        )
        for code, table in tables.items()
    }
    doc = dataclasses.replace(doc, tables=[t for t in tables.values() if t.rows])
    if not doc.tables and (national := _national_place(title, body, phrases)) is not None:
        return national
    if not doc.tables:
        raise NewsFormatError(
            "the article states no unit's score or rank by group (expected a group named, e.g. 'nhóm các cơ quan, "
            "đơn vị có thủ tục hành chính', and units with their scores, percents or ranks)"
        )
    doc = dataclasses.replace(doc, group_maxima=_maxima_from_rows(doc, detect_convention([body])))
    return dataclasses.replace(doc, notes=_notes(doc, body, phrases))


def _province_mentions(sentence: str) -> list[tuple[int, str]]:
    """Where a sentence names a province ("tỉnh Lạng Sơn", "thành phố Cần Thơ"), in order."""
    out = []
    for m in re.finditer(r"(?:tỉnh|thành\s+phố)\s+", sentence, re.IGNORECASE):
        if province := find_province(sentence[m.start() : m.start() + 40]):
            out.append((m.start(), province))
    return out


def _national_place(title: str, body: str, phrases: _Phrases) -> RawDocument | None:
    """An article about provinces' places in a national index.

    One row per province it places, with the rank and index as stated."""
    from extractors.national import as_national, issuer_named  # national knowledge, read only for such articles

    rows: dict[str, RawRow] = {}
    for a, b in _sentences(body):
        sentence = body[a:b]
        mentions = _province_mentions(sentence)
        for m in phrases.national_rank.finditer(sentence):
            before = [(pos, name) for pos, name in mentions if pos < m.start()]
            if not before:
                continue
            pos, province = before[-1]
            following = [p for p, _ in mentions if p > m.start()]
            window = sentence[pos : following[0] if following else len(sentence)]
            index = phrases.national_index.search(window)
            row = rows.get(text_key(province)) or RawRow(name=province, confidence=NEWS_CONFIDENCE)
            rows[text_key(province)] = dataclasses.replace(
                row,
                rank=row.rank or m.group(1).lstrip("0") or "0",
                total=row.total or (index.group(1) if index else None),
            )
    if not rows:
        return None
    doc = RawDocument(
        source_kind="news_article",
        assessment_year=_assessment_year(title, body, phrases),
        text_source="html",
        text=f"{title}\n{body}" if title else body,
        default_confidence=NEWS_CONFIDENCE,
        tables=[RawTable(group_title="", group_code=None, rows=list(rows.values()))],
    )
    national = as_national(doc, load_knowledge(), "news_article")
    if national is not None:
        national = dataclasses.replace(national, issuer=issuer_named(doc.text))
    return national


def read_news_page(page: HtmlPage, knowledge: KnowledgeBundle | None = None) -> RawDocument:
    """A read web page as a news article: its headline and the text after it."""
    lines = [ln.text for ln in page.content.lines]
    if lines and page.title and lines[0] == page.title:
        lines = lines[1:]
    return read_prose(page.title, "\n".join(lines), knowledge)


def read_news_html(html: str | bytes) -> RawDocument:
    """A news page about a ranking decision, as printed: facts quoted and units stated in prose."""
    return read_news_page(read_html_page(html))


def second_reading(page: HtmlPage, tables_doc: RawDocument) -> list[str]:
    """The page's prose read against its tables: one note per value the prose states differently."""
    lines = [ln.text for ln in page.content.lines]
    try:
        prose = read_prose(page.title, "\n".join(lines))
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
