"""What a news article's wording means: the knowledge the prose reader compiles once.

``normalizers/data/news_phrases.yaml`` holds how articles name groups, units, ranks and
tiers; ``normalizers/data/news_wording.yaml`` the words around them (the decision quoted,
points and maxima, sentence parts). Both are read, checked and compiled into one
:class:`Phrases` on first use, so a broken file fails with its name and key before any article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from normalizers.knowledge import KnowledgeBundle, NewsPhrasesFile, NewsWordingFile, built, bundle_or_default
from normalizers.text import nfc


@dataclass
class Group:
    code: str
    phrase: re.Pattern
    mention: re.Pattern


@dataclass(frozen=True)
class Wording:
    """The words around the units' results (``news_wording.yaml``), compiled."""

    decision: re.Pattern
    decision_date: re.Pattern
    signed_before: re.Pattern
    issuer: re.Pattern
    issuer_name: str  # "UBND tỉnh {province}"
    points: re.Pattern
    maximum: re.Pattern
    threshold: re.Pattern
    year: re.Pattern
    province_mention: re.Pattern
    sentence_end: re.Pattern
    clause_end: re.Pattern
    connector: re.Pattern
    lead_cut: re.Pattern
    title_lead: re.Pattern
    title_words: tuple[str, ...]


def _wording(data: NewsWordingFile) -> Wording:
    """news_wording.yaml compiled (its patterns were checked by the bundle, each error naming its key)."""
    flags = re.IGNORECASE
    # a dot after an abbreviation ("TP. Lào Cai") ends no sentence or clause
    not_after = "".join(rf"(?<!\b{re.escape(a)})" for a in data.dotted_abbreviations)
    return Wording(
        decision=re.compile(data.decision, flags),
        decision_date=re.compile(data.decision_date, flags),
        signed_before=re.compile(data.signed_before, flags),
        issuer=re.compile(data.issuer, flags),
        issuer_name=data.issuer_name,
        points=re.compile(data.points, flags),
        maximum=re.compile(data.maximum, flags),
        threshold=re.compile(data.threshold, flags),
        year=re.compile(data.year, flags),
        province_mention=re.compile(data.province_mention, flags),
        sentence_end=re.compile(rf"\n|{not_after}(?<!\d)\.(?=\s)|\.$"),
        clause_end=re.compile(rf";|…|\.\.\.|\n|{not_after}\.(?=\s+[^\W\d_])"),
        connector=re.compile(data.connector, flags),
        lead_cut=re.compile(data.lead_cut, flags),
        title_lead=re.compile(data.title_lead, flags),
        title_words=tuple(data.title_words),
    )


def wording(knowledge: KnowledgeBundle | None = None) -> Wording:
    """news_wording.yaml as the prose reader applies it (the bundle's, validated at start)."""
    return built(bundle_or_default(knowledge).news_wording, _wording)


@dataclass
class Phrases:
    wording: Wording
    groups: list[Group]
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
    all_of_them: re.Pattern
    not_evaluated: re.Pattern
    group_size: re.Pattern
    top_n: re.Pattern
    no_unit_at: re.Pattern
    not_a_section: re.Pattern
    other_group: re.Pattern
    one_group_only: re.Pattern
    list_rank: re.Pattern
    year_context: re.Pattern
    year_not: re.Pattern
    total: re.Pattern
    total_of_max: re.Pattern
    not_total_before: re.Pattern
    not_total_after: re.Pattern
    percent: re.Pattern
    national_rank: re.Pattern
    national_index: re.Pattern
    national_item_cut: re.Pattern
    national_item: re.Pattern


def load_phrases(knowledge: KnowledgeBundle | None = None) -> Phrases:
    """news_phrases.yaml with news_wording.yaml as the prose reader applies them (the bundle's)."""
    bundle = bundle_or_default(knowledge)
    return built((bundle.news_phrases, bundle.news_wording), _compile)


def _compile(parts: tuple[NewsPhrasesFile, NewsWordingFile]) -> Phrases:
    data, words = parts[0].model_dump(), parts[1]
    flags = re.IGNORECASE
    groups = [Group(g["code"], re.compile(g["phrase"], flags), re.compile(g["mention"], flags)) for g in data["groups"]]
    prefixes = sorted(data["unit_prefixes"], key=len, reverse=True)
    either_case = "|".join(f"[{p[0].upper()}{p[0].lower()}]{re.escape(p[1:])}" for p in prefixes)
    # the word after the prefix is a proper name (capitalised, or a number: "phường 1") or "tỉnh" ("Thanh tra tỉnh")
    named = "".join(rf"|{re.escape(w)}\b" for w in words.name_words)
    tail = rf"(?=\s+(?:[A-ZĐÀ-Ỹ0-9]{named}))"
    tiers = "|".join(re.escape(t) for t in data["tier_words"])
    lead = data["tier_lead"]
    ordinals = {nfc(k): int(v) for k, v in data["ordinals"].items()}
    return Phrases(
        wording=built(parts[1], _wording),
        groups=groups,
        unit_start=re.compile(rf"(?<![\w.])(?:{either_case}){tail}"),
        name_stop=re.compile(data["name_stops"]),
        known_tier=re.compile(rf"{lead}\s+({tiers})\b", flags),
        printed_tier=re.compile(words.printed_tier, flags),
        # "xếp thứ 3/18": after a rank word N/M is a rank of M ("có 17/18 đơn vị" has none: a count)
        rank_number=re.compile(words.rank_number, flags),
        rank_ordinal=re.compile(rf"{words.ordinal_lead}({'|'.join(ordinals)})\b", flags),
        rank_word=re.compile(data["rank_word"], flags),
        ordinals=ordinals,
        first_place=re.compile(data["first_place"], flags),
        last_place=re.compile(data["last_place"], flags),
        respectively=re.compile(data["respectively"], flags),
        all_of_them=re.compile(data["all_of_them"], flags),
        not_evaluated=re.compile(data["not_evaluated"], flags),
        group_size=re.compile(data["group_size"], flags),
        top_n=re.compile(rf"{data['top_n']}({tiers})\b", flags),
        no_unit_at=re.compile(rf"{data['no_unit_at']}(?:mức\s+)?({tiers})\b", flags),
        not_a_section=re.compile(data["not_a_section"], flags),
        other_group=re.compile(data["other_group"], flags),
        one_group_only=re.compile(data["one_group_only"], flags),
        list_rank=re.compile(data["list_rank"], flags | re.MULTILINE),
        year_context=re.compile(data["year_context"], flags),
        year_not=re.compile(data["year_not"], flags),
        total=re.compile(data["total"], flags),
        total_of_max=re.compile(data["total_of_max"], flags),
        not_total_before=re.compile(data["not_total_before"], flags),
        not_total_after=re.compile(data["not_total_after"], flags),
        percent=re.compile(data["percent"], flags),
        national_rank=re.compile(data["national_rank"], flags),
        national_index=re.compile(data["national_index"], flags),
        national_item_cut=re.compile(data["national_item_cut"], flags),
        national_item=re.compile(data["national_item"], flags),
    )
