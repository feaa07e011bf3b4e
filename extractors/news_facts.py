"""The facts an article states about the decision itself, and the contradictions in its prose.

The decision quoted (number, date, issuer, province), the groups' maxima, the assessed year,
a province's place in a national index; one note per contradiction the prose holds within
itself. Unit rows come from :mod:`extractors.news_prose`.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence

from extractors.metadata import find_province, named_province, parse_date, years_in
from extractors.news_phrases import Phrases, Wording, load_phrases
from extractors.news_prose import NEWS_CONFIDENCE, Section, clauses, completed, mask, sentences
from normalizers.frameworks import pct_in_band
from normalizers.knowledge import KnowledgeBundle, bundle_or_default
from normalizers.numbers import Convention, NumberFormatError, detect_convention, parse_number
from normalizers.text import text_key
from schemas.raw import RawDocument, RawRow, RawTable, TierRule


def decision(body: str, phrases: Phrases) -> tuple[str | None, str | None, str | None, str | None]:
    """Number, ISO date, issuer and province of the decision the article reports."""
    words = phrases.wording
    m = words.decision.search(body)
    if not m:
        return None, None, None, None
    number = re.sub(r"\s+", "", m.group(1))
    date = _decision_date(body, m, words)
    issuer = province = None
    near = body[m.end() : m.end() + 120]
    before = re.split(r"[.;\n]", body[max(0, m.start() - 80) : m.start()])[-1]  # "UBND tỉnh X vừa ban hành Quyết định"
    for piece in (near, before):
        if words.issuer.search(piece) and (province := find_province(piece)):
            issuer = words.issuer_name.format(province=province)
            break
    return number, date, issuer, province


def _decision_date(body: str, mention: re.Match, words: Wording) -> str | None:
    """The ISO date right after the decision's number, else the one that opens its sentence to sign it."""
    d = words.decision_date.search(body[mention.end() : mention.end() + 60])
    if d is None:
        start = max(0, mention.start() - 160)
        head = re.split(r"[.;\n](?=\s|$)", body[start : mention.start()])[-1]
        dates = list(words.decision_date.finditer(head))
        d = dates[-1] if dates and words.signed_before.search(head[dates[-1].end() :]) else None
    if d is None:
        return None
    parsed = parse_date(*(d.group(1, 2, 3) if d.group(1) else d.group(4, 5, 6)))
    return parsed.isoformat() if parsed else None


def maxima(body: str, sections: list[Section], phrases: Phrases) -> dict[str, str]:
    """Group maxima stated in prose; each value belongs to the groups named before it in its clause, else after it
    ("X và Y ... tối đa 1.000 điểm, còn Z ... tối đa 800 điểm"; "tối đa 800 điểm đối với Z")."""
    found: dict[str, str] = {}
    generic: str | None = None
    for a, b in clauses(body, phrases):
        clause = body[a:b]
        if not phrases.wording.maximum.search(clause):
            continue
        values = list(phrases.wording.points.finditer(clause))
        for i, value in enumerate(values):
            before = clause[values[i - 1].end() if i else 0 : value.start()]
            after = clause[value.end() : values[i + 1].start() if i + 1 < len(values) else len(clause)]
            named = [g.code for g in phrases.groups if g.mention.search(before) or g.phrase.search(before)]
            if (
                len(values) > 1
                and not phrases.wording.maximum.search(before + value.group(0))
                # "..., đối với UBND các huyện, thành phố là 1.000 điểm": the clause's next group, not a unit's result
                and not (i > 0 and named and not phrases.unit_start.search(before))
            ):
                continue
            codes = named or [g.code for g in phrases.groups if g.mention.search(after) or g.phrase.search(after)]
            points = value.group(1) or value.group(2)
            for code in codes:
                found.setdefault(code, points)
            if not codes and generic is None:
                generic = points
    for section in sections:  # "đạt 812,4/1.000 điểm": a group whose maximum is stated with its results
        if of_max := phrases.total_of_max.search(body, section.start, section.end):
            found.setdefault(section.group.code, of_max.group(2))
    if generic is not None:
        for section in sections:
            found.setdefault(section.group.code, generic)
    return found


def prose_maxima(text: str, knowledge: KnowledgeBundle | None = None) -> dict[str, str]:
    """Group maxima a page's text states (group code -> maximum as printed)."""
    return maxima(text, [], load_phrases(knowledge))


def _derived(pct: float, rules: Sequence[TierRule]) -> TierRule | None:
    return next((rule for rule in rules if pct_in_band(pct, rule.pct_gt, rule.pct_le)), None)


def notes(doc: RawDocument, body: str, phrases: Phrases) -> list[str]:
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


def assessment_year(title: str, body: str, phrases: Phrases) -> int | None:
    """The assessed year: in the title, else after "chuyển đổi số"/"xếp hạng"/... in the body.

    A plan's year ("trong năm 2024") or a date's is not the assessed year."""
    for text in (title, body):
        masked = mask(text, [m.span() for m in phrases.year_not.finditer(text)])
        for m in phrases.wording.year.finditer(masked):
            before = masked[max(0, m.start() - 60) : m.start()]
            before = re.split(r"[.;\n]", before)[-1]
            if phrases.year_context.search(before):
                return int(m.group(1))
    years = Counter(years_in(mask(body, [m.span() for m in phrases.year_not.finditer(body)])))
    if not years:
        return None
    best = max(years.values())
    return min(y for y, n in years.items() if n == best)


def maxima_from_rows(doc: RawDocument, convention: Convention) -> dict[str, str]:
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


def _province_mentions(sentence: str, phrases: Phrases) -> list[tuple[int, str]]:
    """Where a sentence names a province ("tỉnh Lạng Sơn", "thành phố Cần Thơ"), in order."""
    out = []
    for m in phrases.wording.province_mention.finditer(sentence):
        if province := find_province(sentence[m.start() : m.start() + 40]):
            out.append((m.start(), province))
    return out


def _listed_places(
    sentence: str, phrases: Phrases, knowledge: KnowledgeBundle | None
) -> list[tuple[str, str | None, str]]:
    """(province, rank, index) of each province a sentence lists with its index, in order.

    "5 địa phương dẫn đầu lần lượt là: Đà Nẵng (0,6017), Hà Nội (0,5902) ...": led by first_place
    and respectively, the items rank 1, 2, ...; a list without them gives indexes only.
    """
    items: list[tuple[str, str]] = []
    lead = ""
    for piece in phrases.national_item_cut.split(sentence):
        m = phrases.national_item.match(piece)
        province = named_province(m.group(1), knowledge) if m else None
        if m is None or province is None:
            if not items:
                lead += f" {piece}"
            continue
        items.append((province, m.group(2)))
    ranked = len(items) > 1 and phrases.first_place.search(lead) and phrases.respectively.search(lead)
    return [(name, str(i) if ranked else None, index) for i, (name, index) in enumerate(items, 1)]


def national_place(
    title: str, body: str, phrases: Phrases, knowledge: KnowledgeBundle | None = None
) -> RawDocument | None:
    """An article about provinces' places in a national index.

    One row per province it places, with the rank and index as stated."""
    from extractors.national import as_national, issuer_named  # national knowledge, read only for such articles

    rows: dict[str, RawRow] = {}
    for a, b in sentences(body, phrases):
        sentence = body[a:b]
        mentions = _province_mentions(sentence, phrases)
        for m in phrases.national_rank.finditer(sentence):
            before = [(pos, name) for pos, name in mentions if pos < m.start()]
            if not before:
                continue
            pos, province = before[-1]
            following = [p for p, _ in mentions if p > m.start()]
            window = sentence[pos : following[0] if following else len(sentence)]
            index = phrases.national_index.search(window)
            placed = RawRow(
                name=province,
                rank=m.group(1).lstrip("0") or "0",
                total=index.group(1) if index else None,
                confidence=NEWS_CONFIDENCE,
            )
            rows[text_key(province)] = completed(rows.get(text_key(province)), placed)
        for name, rank, listed in _listed_places(sentence, phrases, knowledge):
            placed = RawRow(name=name, rank=rank, total=listed, confidence=NEWS_CONFIDENCE)
            rows[text_key(name)] = completed(rows.get(text_key(name)), placed)
    if not rows:
        return None
    number, date, _, _ = decision(body, phrases)  # the ministry's decision ("Quyết định số 1278/QĐ-BTTTT ngày ...")
    doc = RawDocument(
        source_kind="news_article",
        decision_number=number,
        decision_date=date,
        assessment_year=assessment_year(title, body, phrases),
        text_source="html",
        text=f"{title}\n{body}" if title else body,
        default_confidence=NEWS_CONFIDENCE,
        tables=[RawTable(group_title="", group_code=None, rows=list(rows.values()))],
    )
    national = as_national(doc, bundle_or_default(knowledge).frameworks, "news_article", knowledge)
    if national is not None:
        national = dataclasses.replace(national, issuer=issuer_named(doc.text, knowledge))
    return national
