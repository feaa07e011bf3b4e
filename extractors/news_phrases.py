"""What a news article's wording means: the knowledge the prose reader compiles once.

``normalizers/data/news_phrases.yaml`` holds how articles name groups, units, ranks and
tiers; ``normalizers/data/news_wording.yaml`` the words around them (the decision quoted,
points and maxima, sentence parts). Both are read, checked and compiled into one
:class:`Phrases` on first use, so a broken file fails with its name and key before any article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from normalizers.text import nfc


class NewsPhrasesError(ValueError):
    """normalizers/data/news_phrases.yaml is malformed."""


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


_WORDING_PATTERNS = (
    "decision",
    "decision_date",
    "issuer",
    "points",
    "maximum",
    "threshold",
    "year",
    "province_mention",
    "connector",
    "lead_cut",
    "title_lead",
)
_WORDING_TEXT = ("issuer_name", "printed_tier", "rank_number", "ordinal_lead")
_WORDING_LISTS = ("dotted_abbreviations", "name_words", "title_words")


def wording_data(text: str, name: str = "normalizers/data/news_wording.yaml") -> dict:
    """The wording file's keys, each checked for its shape (a broken file fails naming file and key)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise NewsPhrasesError(f"{name}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise NewsPhrasesError(f"{name}: not a mapping of wording keys")
    known = (*_WORDING_PATTERNS, *_WORDING_TEXT, *_WORDING_LISTS)
    if unknown := [str(k) for k in data if k not in known]:
        raise NewsPhrasesError(f"{name}: {', '.join(unknown)}: unknown key")
    if missing := [k for k in known if k not in data]:
        raise NewsPhrasesError(f"{name}: missing {', '.join(missing)}")
    wrong = [k for k in _WORDING_LISTS if not isinstance(data[k], list) or not all(isinstance(w, str) for w in data[k])]
    wrong += [k for k in (*_WORDING_PATTERNS, *_WORDING_TEXT) if not isinstance(data[k], str)]
    if wrong:
        raise NewsPhrasesError(f"{name}: {', '.join(wrong)}: expected text (a list of words for lists)")
    return data


def wording_from_text(text: str, name: str = "normalizers/data/news_wording.yaml") -> Wording:
    """The wording file checked and compiled."""
    return _wording(wording_data(text, name), name)


def _wording(data: dict, name: str = "normalizers/data/news_wording.yaml") -> Wording:
    flags = re.IGNORECASE
    try:
        compiled = {k: re.compile(data[k], flags) for k in _WORDING_PATTERNS}
        # a dot after an abbreviation ("TP. Lào Cai") ends no sentence or clause
        not_after = "".join(rf"(?<!\b{re.escape(a)})" for a in data["dotted_abbreviations"])
        return Wording(
            **compiled,
            issuer_name=data["issuer_name"],
            sentence_end=re.compile(rf"\n|{not_after}(?<!\d)\.(?=\s)|\.$"),
            clause_end=re.compile(rf";|…|\.\.\.|\n|{not_after}\.(?=\s+[^\W\d_])"),
            title_words=tuple(data["title_words"]),
        )
    except re.error as exc:
        raise NewsPhrasesError(f"{name}: malformed pattern ({exc})") from exc


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


_REQUIRED = (
    "groups",
    "unit_prefixes",
    "name_stops",
    "tier_words",
    "tier_lead",
    "ordinals",
    "first_place",
    "last_place",
    "rank_word",
    "respectively",
    "not_a_section",
    "year_context",
    "year_not",
    "group_size",
    "top_n",
    "total",
    "percent",
    "no_unit_at",
    "national_rank",
    "national_index",
)


@lru_cache(maxsize=1)
def load_phrases() -> Phrases:
    data = yaml.safe_load(resources.files("normalizers").joinpath("data/news_phrases.yaml").read_text(encoding="utf-8"))
    missing = [k for k in _REQUIRED if not isinstance(data, dict) or k not in data]
    if missing:
        raise NewsPhrasesError(f"normalizers/data/news_phrases.yaml: missing {', '.join(missing)}")
    words = wording_data(resources.files("normalizers").joinpath("data/news_wording.yaml").read_text(encoding="utf-8"))
    flags = re.IGNORECASE
    try:
        groups = [
            Group(g["code"], re.compile(g["phrase"], flags), re.compile(g["mention"], flags)) for g in data["groups"]
        ]
        prefixes = sorted(data["unit_prefixes"], key=len, reverse=True)
        either_case = "|".join(f"[{p[0].upper()}{p[0].lower()}]{re.escape(p[1:])}" for p in prefixes)
        # the word after the prefix is a proper name (capitalised, or a number: "phường 1") or "tỉnh" ("Thanh tra tỉnh")
        named = "".join(rf"|{re.escape(w)}\b" for w in words["name_words"])
        tail = rf"(?=\s+(?:[A-ZĐÀ-Ỹ0-9]{named}))"
        tiers = "|".join(re.escape(t) for t in data["tier_words"])
        lead = data["tier_lead"]
        ordinals = {nfc(k): int(v) for k, v in data["ordinals"].items()}
        return Phrases(
            wording=_wording(words),
            groups=groups,
            unit_start=re.compile(rf"(?<![\w.])(?:{either_case}){tail}"),
            name_stop=re.compile(data["name_stops"]),
            known_tier=re.compile(rf"{lead}\s+({tiers})\b", flags),
            printed_tier=re.compile(words["printed_tier"], flags),
            # "xếp thứ 3/18": after a rank word N/M is a rank of M ("có 17/18 đơn vị" has none: a count)
            rank_number=re.compile(words["rank_number"], flags),
            rank_ordinal=re.compile(rf"{words['ordinal_lead']}({'|'.join(ordinals)})\b", flags),
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
    except (KeyError, TypeError, re.error) as exc:
        raise NewsPhrasesError(f"normalizers/data/news_phrases.yaml: malformed entry ({exc})") from exc
