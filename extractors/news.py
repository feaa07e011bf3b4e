"""News articles about a ranking decision: the prose read into a RawDocument.

A news page is a secondary source: it quotes the decision (number, date, maxima, tier
thresholds) and states some units' rank, score and tier in sentences such as "đứng đầu
bảng là Sở X với 625,3 điểm" or "Y xếp hạng vị trí thứ 2, đạt mức xếp hạng Nâng cao".
The article is first cut out of the page (menus, weather, counters, related links and the
footer are dropped), then split into group sections ("Đối với nhóm ...:") and, inside a
section, into one statement per score. Wording knowledge lives in
``normalizers/data/news_phrases.yaml``. Contradictions inside the article become notes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from importlib import resources

import yaml

from extractors.metadata import find_province, parse_date, stated_tier_rules, years_in
from extractors.raw import RawDocument, RawRow, RawTable, TierRule
from normalizers.frameworks import load_knowledge, pct_in_band
from normalizers.numbers import NumberFormatError, detect_convention, parse_number
from normalizers.text import clean_printed, nfc, text_key

NEWS_CONFIDENCE = 0.8

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_BLOCK = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "table", "section",
          "article", "blockquote", "main", "td", "th", "dd", "dt"}
_CLASS_SPLIT = re.compile(r"[\s_\-]+")
_SCORE = re.compile(r"(\d{1,4}(?:[.,]\d+)*)\s*điểm", re.IGNORECASE)
_MAX_CONTEXT = re.compile(r"tối\s+đa|thang\s+điểm", re.IGNORECASE)
_CLAUSE_END = re.compile(r";|…|\.\.\.|\n|(?<!\bTP)(?<!\bTX)\.(?=\s+[^\W\d_])")
_DECISION = re.compile(r"Quyết\s+định\s+(?:số\s*)?(\d{1,6}\s*/\s*[A-ZĐ][\wĐ\-]*)", re.IGNORECASE)
_DATE = re.compile(
    r"ngày\s+(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})|ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})",
    re.IGNORECASE,
)
_ISSUER = re.compile(r"(?:của\s+)?(?:Chủ\s+tịch\s+)?(UBND|[UỦ][yỷ]\s+ban\s+nhân\s+dân)\s+tỉnh\s+", re.IGNORECASE)


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
    lead_max_words: int
    unit_start: re.Pattern  # a unit name begins here (after "là" or at a clause start)
    unit_anywhere: re.Pattern  # stricter: capitalised prefixes only
    name_stop: re.Pattern
    known_tier: re.Pattern
    printed_tier: re.Pattern
    rank_number: re.Pattern
    rank_ordinal: re.Pattern
    ordinals: dict[str, int]
    first_place: re.Pattern
    last_place: re.Pattern
    group_size: re.Pattern
    top_n: re.Pattern
    no_unit_at: re.Pattern
    chrome_tags: set[str]
    chrome_words: set[str]
    article_words: set[str]


@lru_cache(maxsize=1)
def _phrases() -> _Phrases:
    data = yaml.safe_load(
        resources.files("normalizers").joinpath("data/news_phrases.yaml").read_text(encoding="utf-8")
    )
    flags = re.IGNORECASE
    groups = [_Group(g["code"], re.compile(g["phrase"], flags), re.compile(g["mention"], flags)) for g in data["groups"]]
    prefixes = sorted(data["unit_prefixes"], key=len, reverse=True)
    either_case = "|".join(f"[{p[0].upper()}{p[0].lower()}]{re.escape(p[1:])}" for p in prefixes)
    as_printed = "|".join(re.escape(p) for p in prefixes)
    # the word after the prefix is a proper name (capitalised) or "tỉnh" ("Thanh tra tỉnh")
    tail = r"(?=\s+(?:[A-ZĐÀ-Ỹ]|tỉnh\b))"
    tiers = "|".join(re.escape(t) for t in data["tier_words"])
    lead = data["tier_lead"]
    ordinals = {nfc(k): int(v) for k, v in data["ordinals"].items()}
    return _Phrases(
        groups=groups,
        lead_max_words=int(data["section_lead_max_words"]),
        unit_start=re.compile(rf"(?:{either_case}){tail}"),
        unit_anywhere=re.compile(rf"(?<!\w)(?:{as_printed}){tail}"),
        name_stop=re.compile(data["name_stops"]),
        known_tier=re.compile(rf"{lead}\s+({tiers})\b", flags),
        printed_tier=re.compile(r"(?<!\w)mức(?:\s+xếp\s+hạng)?\s+(\w+\s+\w+)", flags),
        rank_number=re.compile(
            r"(?:v[iị]\s+tr[ií]|hạng|thứ)\s+(?:thứ\s+)?(\d{1,3})\b(?!\s*(?:điểm|/|[.,]\d|%))", flags
        ),
        rank_ordinal=re.compile(rf"thứ\s+({'|'.join(ordinals)})\b", flags),
        ordinals=ordinals,
        first_place=re.compile(data["first_place"], flags),
        last_place=re.compile(data["last_place"], flags),
        group_size=re.compile(data["group_size"], flags),
        top_n=re.compile(rf"{data['top_n']}({tiers})\b", flags),
        no_unit_at=re.compile(rf"{data['no_unit_at']}(?:mức\s+)?({tiers})\b", flags),
        chrome_tags=set(data["chrome_tags"]),
        chrome_words=set(data["chrome_words"]),
        article_words=set(data["article_words"]),
    )


# --------------------------------------------------------------------------- HTML


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    children: list[_Node | str] = field(default_factory=list)
    parent: _Node | None = field(default=None, repr=False)

    def words(self) -> set[str]:
        value = f"{self.attrs.get('class', '')} {self.attrs.get('id', '')}".lower()
        return {w for w in _CLASS_SPLIT.split(value) if w}

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, _Node):
                yield from child.iter()


class _TreeBuilder(HTMLParser):
    """A forgiving DOM: unclosed tags close when an ancestor closes (enough for news pages)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(_Node(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1]))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _decode(html: str | bytes) -> str:
    if isinstance(html, str):
        return html
    if html.startswith(b"\xef\xbb\xbf"):
        return html[3:].decode("utf-8", errors="replace")
    head = html[:2048].decode("ascii", errors="ignore")
    m = re.search(r"charset=[\"']?([\w\-]+)", head, re.IGNORECASE)
    encoding = m.group(1) if m else "utf-8"
    try:
        return html.decode(encoding, errors="replace")
    except LookupError:
        return html.decode("utf-8", errors="replace")


def _is_chrome(node: _Node, phrases: _Phrases) -> bool:
    return node.tag in phrases.chrome_tags or bool(node.words() & phrases.chrome_words)


def _article_root(root: _Node, phrases: _Phrases) -> _Node:
    nodes = list(root.iter())
    for test in (
        lambda n: n.tag == "article",
        lambda n: bool(n.words() & phrases.article_words),
        lambda n: n.tag == "main",
        lambda n: n.tag == "body",
    ):
        found = [n for n in nodes if test(n)]
        if found:
            return max(found, key=lambda n: len(_text_of(n, phrases)))
    return root


def _text_of(node: _Node, phrases: _Phrases) -> str:
    parts: list[str] = []

    def walk(n: _Node) -> None:
        for child in n.children:
            if isinstance(child, str):
                parts.append(child)
            elif not _is_chrome(child, phrases) and child.tag not in ("h1", "title"):
                if child.tag in _BLOCK:
                    parts.append("\n")
                walk(child)
                if child.tag in _BLOCK:
                    parts.append("\n")

    walk(node)
    lines = (clean_printed(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _title(root: _Node) -> str:
    for tag in ("h1", "title"):
        for node in root.iter():
            if node.tag == tag:
                text = clean_printed("".join(c for c in node.children if isinstance(c, str)))
                if text:
                    return text
    return ""


def is_news_html(data: bytes) -> bool:
    """An HTML page (news articles are saved as HTML; PDFs and images are not)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return any(tag in head for tag in (b"<!doctype html", b"<html", b"<article"))


# --------------------------------------------------------------------------- prose


@dataclass
class _Section:
    group: _Group
    title: str
    start: int
    end: int


def _sections(body: str, phrases: _Phrases) -> list[_Section]:
    starts: list[tuple[int, int, _Group, str]] = []
    taken: list[tuple[int, int]] = []
    for group in phrases.groups:
        for m in group.phrase.finditer(body):
            if any(a <= m.start() < b for a, b in taken):
                continue
            before = re.split(r"[\n.;:…]", body[: m.start()])[-1]
            after = body[m.end() : m.end() + 3]
            if after.lstrip().startswith(":") or len(before.split()) <= phrases.lead_max_words:
                starts.append((m.start(), m.end(), group, clean_printed(m.group(0))))
                taken.append((m.start(), m.end()))
    starts.sort()
    return [
        _Section(group, title, end, starts[i + 1][0] if i + 1 < len(starts) else len(body))
        for i, (_, end, group, title) in enumerate(starts)
    ]


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


def _scores(clause: str) -> list[re.Match]:
    return [m for m in _SCORE.finditer(clause) if not _MAX_CONTEXT.search(clause[max(0, m.start() - 40) : m.start()])]


def _name(piece: str, phrases: _Phrases) -> str | None:
    candidates = [m.end() for m in re.finditer(r"\blà\s*:?\s+", piece)]
    starts = [m for pos in candidates if (m := phrases.unit_start.match(piece, pos))]
    if not starts:
        lead = re.match(r"[\s,.…;:]*(?:và\s+)?", piece).end()
        if m := phrases.unit_start.match(piece, lead):
            starts = [m]
    if not starts and (m := phrases.unit_anywhere.search(piece)):
        starts = [m]
    if not starts:
        return None
    start = starts[0].start()
    for stop in phrases.name_stop.finditer(piece, starts[0].end()):
        if stop.group(0).strip() == ",":
            rest = piece[stop.end() :].lstrip()
            if rest[:1].isupper():  # "Sở Văn hóa, Thể thao và Du lịch": the comma is inside the name
                continue
        return clean_printed(piece[start : stop.start()]).rstrip(" .")
    return clean_printed(piece[start:]).rstrip(" .")


def _rank(piece: str, size: int | None, phrases: _Phrases) -> str | None:
    if m := phrases.rank_number.search(piece):
        return m.group(1).lstrip("0") or "0"
    if m := phrases.rank_ordinal.search(piece):
        return str(phrases.ordinals[nfc(m.group(1).lower())])
    if phrases.first_place.search(piece):
        return "1"
    if phrases.last_place.search(piece) and size is not None:
        return str(size)
    return None


def _tier(piece: str, phrases: _Phrases) -> str | None:
    if m := phrases.known_tier.search(piece):
        return clean_printed(m.group(1))
    for m in phrases.printed_tier.finditer(piece):
        if m.group(1)[:1].isupper():
            return clean_printed(m.group(1))
    return None


def _read_section(body: str, section: _Section, phrases: _Phrases) -> list[RawRow]:
    text = body[section.start : section.end]
    size_match = phrases.group_size.search(text)
    size = int(size_match.group(1)) if size_match else None
    top = phrases.top_n.search(text)
    if top:
        text = _mask(text, [top.span()])
    rows: list[RawRow] = []
    for a, b in _clauses(text):
        clause = text[a:b]
        scores = _scores(clause)
        cuts = [0] + [m.end() for m in scores[:-1]] + [len(clause)]
        for i, score in enumerate(scores):
            piece = clause[cuts[i] : cuts[i + 1]]
            name = _name(piece, phrases)
            if not name:
                continue
            rows.append(
                RawRow(
                    name=name,
                    rank=_rank(piece, size, phrases),
                    total=score.group(1),
                    tier=_tier(piece, phrases),
                    confidence=NEWS_CONFIDENCE,
                )
            )
    if top:
        n, tier = int(top.group(1)), clean_printed(top.group(2))
        for row in rows:
            if row.tier is None and row.rank is not None and int(row.rank) <= n:
                row.tier = tier
    return rows


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
    if _ISSUER.search(near) and (province := find_province(near)):
        issuer = f"UBND tỉnh {province}"
    return number, date, issuer, province


def _assessment_year(text: str) -> int | None:
    """The year the article names most often (ties: the earlier, the assessed one)."""
    years = Counter(years_in(text))
    if not years:
        return None
    best = max(years.values())
    return min(y for y, n in years.items() if n == best)


def _maxima(body: str, sections: list[_Section], phrases: _Phrases) -> dict[str, str]:
    found: dict[str, str] = {}
    generic: str | None = None
    for a, b in _clauses(body):
        clause = body[a:b]
        if not _MAX_CONTEXT.search(clause):
            continue
        values = list(_SCORE.finditer(clause))
        if not values:
            continue
        value = values[-1].group(1)
        codes = [g.code for g in phrases.groups if g.mention.search(clause) or g.phrase.search(clause)]
        for code in codes:
            found.setdefault(code, value)
        if not codes and generic is None:
            generic = value
    if generic is not None:
        for section in sections:
            found.setdefault(section.group.code, generic)
    return found


def _derived(pct: float, rules: list[TierRule]) -> TierRule | None:
    return next((rule for rule in rules if pct_in_band(pct, rule.pct_gt, rule.pct_le)), None)


def _notes(doc: RawDocument, body: str, phrases: _Phrases) -> list[str]:
    """One sentence per contradiction the article holds within itself."""
    convention = detect_convention([body])
    rules = doc.tier_rules
    labels = {text_key(r.label): r for r in rules}
    notes: list[str] = []
    placed: list[tuple[RawRow, str, float, TierRule | None]] = []
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
            derived = _derived(pct, rules) if rules else None
            placed.append((row, max_raw, pct, derived))
            if row.tier is None or derived is None:
                continue
            score = f"{row.total} of {max_raw} points ({pct:.2f}%)"
            if text_key(row.tier) not in labels:
                notes.append(
                    f"{row.name} is printed at tier '{row.tier}', which is not one of the quoted tiers; "
                    f"its {score} puts it at '{derived.label}' by the quoted thresholds."
                )
            elif labels[text_key(row.tier)] is not derived:
                notes.append(
                    f"{row.name} is printed at tier '{row.tier}', but its {score} "
                    f"puts it at '{derived.label}' by the quoted thresholds."
                )
    for m in phrases.no_unit_at.finditer(body):
        claimed = text_key(m.group(1))
        for row, max_raw, pct, derived in placed:
            printed_there = row.tier is not None and text_key(row.tier) == claimed
            derived_there = derived is not None and text_key(derived.label) == claimed
            if printed_there or derived_there:
                notes.append(
                    f"The article says no unit is at '{m.group(1)}', yet {row.name} "
                    f"({row.total} of {max_raw} points, {pct:.2f}%) "
                    f"{'is printed at that tier' if printed_there else 'falls in it by the quoted thresholds'}."
                )
    return notes


# --------------------------------------------------------------------------- entry point


def read_news_html(html: str | bytes) -> RawDocument:
    """A news page about a ranking decision, as printed: facts quoted and units stated in prose."""
    phrases = _phrases()
    builder = _TreeBuilder()
    builder.feed(nfc(_decode(html)))
    builder.close()
    root = builder.root
    article = _article_root(root, phrases)
    body = _text_of(article, phrases)
    if not body:
        raise NewsFormatError("the page has no article text (only menus, widgets or an empty body)")
    title = _title(article) or _title(root)
    sections = _sections(body, phrases)
    number, date, issuer, province = _decision(body)
    doc = RawDocument(
        source_kind="news_article",
        province=province or find_province(f"{title}\n{body}"),
        issuer=issuer,
        decision_number=number,
        decision_date=date,
        assessment_year=_assessment_year(f"{title}\n{body}"),
        framework=load_knowledge().framework_from_text(f"{title}\n{body}"),
        pages=None,
        text_source="html",
        text=f"{title}\n{body}" if title else body,
        default_confidence=NEWS_CONFIDENCE,
    )
    doc.group_maxima = _maxima(body, sections, phrases)
    doc.tier_rules = stated_tier_rules(body)
    tables: dict[str, RawTable] = {}
    for section in sections:
        rows = _read_section(body, section, phrases)
        table = tables.get(section.group.code)
        if table is None:
            table = RawTable(group_title=section.title, group_code=section.group.code)
            tables[section.group.code] = table
        table.rows.extend(rows)
    doc.tables = [t for t in tables.values() if t.rows]
    if not doc.tables:
        raise NewsFormatError(
            "the article states no unit's score by group (expected sentences such as "
            "'Đối với nhóm ...: đứng đầu là ... với ... điểm')"
        )
    doc.notes = _notes(doc, body, phrases)
    return doc
