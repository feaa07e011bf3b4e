"""Matching a printed unit name against one province's units: comparison keys, indexes, the decision.

Resolution never guesses: a name resolves by its registry name or a recorded alias, by the
same key after rule-based normalisation (abbreviations, province suffix), or by a fuzzy
score that is high, clearly ahead of the runner-up and does not cross a confusable word
(Nội vụ/Ngoại vụ). Anything else is ``unresolved`` with the best candidates, for review.
The registry (:mod:`normalizers.unit_registry`) builds one :class:`ProvinceIndex` per
province and calls :func:`match_name`; the rules and thresholds are the registry's files
(:mod:`normalizers.unit_files`).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypedDict

from normalizers.fuzzy import similarity, word_order_similarity
from normalizers.national_units import ProvinceUnits
from normalizers.text import clean_printed, strip_diacritics, text_key
from normalizers.unit_files import ConfusableGroup, Rules, Thresholds, drop_ignored
from normalizers.unit_model import Unit, UnitMatch

_PARENTHETICAL = re.compile(r"\([^()]*\)")
# registry names repeat across 63 provinces and every run: their keys are computed once
_key = functools.lru_cache(maxsize=65536)(text_key)
_skeleton = functools.lru_cache(maxsize=65536)(strip_diacritics)
_BASE_KEYS: dict[tuple, dict[str, str]] = {}
_NORMAL_KEYS: dict[tuple, dict[tuple[str, str, bool], str]] = {}
_SIGNATURES: dict[tuple, dict[str, tuple[frozenset[str], ...]]] = {}


@dataclass
class _Key:
    unit: Unit
    key: str
    skeleton: str
    signature: tuple[frozenset[str], ...]


class _Evidence(TypedDict):
    """The fuzzy match's evidence every UnitMatch of one lookup carries, chosen or not."""

    score: float
    runner_up: str | None
    runner_up_score: float | None
    candidates: tuple[tuple[str, str, float], ...]


class NameKeys:
    """The comparison keys of printed names under the registry's rules and confusable words.

    Keys depend only on the rules: memoised for every registry loaded with the same rules.
    """

    def __init__(self, rules: Rules, confusables: tuple[ConfusableGroup, ...]) -> None:
        self.rules, self.confusables = rules, confusables
        rules_key = (
            tuple(sorted(rules.abbreviations.items())),
            rules.ignore_words,
            rules.locality_prefixes,
            rules.locality_words,
            rules.province_words,
            rules.city_words,
        )
        self._base_keys: dict[str, str] = _BASE_KEYS.setdefault(rules_key, {})
        self._normal_keys: dict[tuple[str, str, bool], str] = _NORMAL_KEYS.setdefault(rules_key, {})
        self._signatures: dict[str, tuple[frozenset[str], ...]] = _SIGNATURES.setdefault(confusables, {})

    def normalise(self, name: str, province: str, is_city: bool = False) -> str:
        """The comparison key after the rules: abbreviations, locality prefix, province suffix."""
        hit = self._normal_keys.get((name, province, is_city))
        if hit is None:
            hit = self._normal_keys[(name, province, is_city)] = self._normalised(name, province, is_city)
        return hit

    def _normalised(self, name: str, province: str, is_city: bool) -> str:
        key = self._base_key(name)
        prov_key = _key(province)
        rules = self.rules
        words = rules.province_words + (rules.city_words if is_city else ())
        for word in words:
            for suffix in (f" {word} {prov_key}", f" {word}"):
                if key.endswith(suffix) and len(key) > len(suffix):
                    key = key[: -len(suffix)]
                    break
        return drop_ignored(key, rules)

    def _base_key(self, name: str) -> str:
        """The province-independent part of :meth:`normalise`, memoised: 63 provinces share the names."""
        hit = self._base_keys.get(name)
        if hit is not None:
            return hit
        printed = clean_printed(name) or ""
        key = _key(_PARENTHETICAL.sub(" ", printed)) or _key(printed)
        rules = self.rules
        if rules.pattern is not None:
            key = rules.pattern.sub(lambda m: rules.abbreviations[m.group(0)], key)
        for prefix in rules.locality_prefixes:
            for word in rules.locality_words:
                if key.startswith(f"{prefix} {word} "):
                    key = key[len(prefix) + 1 :]
        self._base_keys[name] = key
        return key

    def signature(self, key: str) -> tuple[frozenset[str], ...]:
        """Which confusable words a key carries (all their syllables present, in any order)."""
        hit = self._signatures.get(key)
        if hit is None:
            tokens = set(_skeleton(key).split())
            hit = tuple(frozenset(w for w, s in zip(g.words, g.skeletons) if s <= tokens) for g in self.confusables)
            self._signatures[key] = hit
        return hit


@dataclass(frozen=True)
class ProvinceIndex:
    """One province's units by printed name, by alias, by normalised key, and its fuzzy keys."""

    exact: dict[str, list[Unit]]
    alias: dict[str, list[Unit]]
    normal: dict[str, list[Unit]]
    fuzzy: list[_Key]


def index_province(p: ProvinceUnits, keys: NameKeys) -> ProvinceIndex:
    """The lookup indexes of one province's units (its file's and the national ones)."""
    exact: defaultdict[str, list[Unit]] = defaultdict(list)
    alias: defaultdict[str, list[Unit]] = defaultdict(list)
    normal: defaultdict[str, list[Unit]] = defaultdict(list)
    fuzzy: list[_Key] = []
    for u in p.units:
        exact[_key(u.name)].append(u)
        seen = {_key(u.name)}
        for a in u.aliases:
            if _key(a) not in seen:
                alias[_key(a)].append(u)
                seen.add(_key(a))
        for nkey in dict.fromkeys(keys.normalise(n, p.name, p.is_city) for n in (u.name, *u.aliases)):
            normal[nkey].append(u)
            fuzzy.append(_Key(u, nkey, _skeleton(nkey), keys.signature(nkey)))
    return ProvinceIndex(dict(exact), dict(alias), dict(normal), fuzzy)


def match_name(
    name: str,
    province: str,
    prov: ProvinceUnits | None,
    index: ProvinceIndex | None,
    keys: NameKeys,
    thresholds: Thresholds,
    year: int | None,
) -> UnitMatch:
    """Resolve a printed name among the units of ``prov`` (the province ``province`` names) valid in ``year``."""
    printed = clean_printed(name) or ""
    in_year = _in(year)
    if not printed:
        return unresolved(printed, "The name is empty.")
    if prov is None or index is None:
        return unresolved(printed, f"{province!r} is not a province the registry knows (province_codes.yaml).")

    key = text_key(printed)
    nkey = keys.normalise(printed, prov.name, prov.is_city)
    out_of_years: list[Unit] = []
    for method, found, k in (
        ("exact", index.exact, key),
        ("alias", index.alias, key),
        ("abbreviation", index.normal, nkey),
    ):
        hits = found.get(k, [])
        if any(u.valid_in(year) for u in hits):
            return _decide(printed, hits, method, year, prov.name, nkey)
        out_of_years += [u for u in hits if u not in out_of_years]
    if out_of_years:
        # The name is known but belongs to another period: a registry question, not a typo.
        return _decide(printed, out_of_years, "exact", year, prov.name, nkey)
    return _fuzzy_match(printed, nkey, index, keys, thresholds, year, prov.name, in_year)


def _decide(printed: str, units: list[Unit], method: str, year: int | None, province: str, nkey: str = "") -> UnitMatch:
    units = list({u.unit_id: u for u in units}.values())
    valid = [u for u in units if u.valid_in(year)]
    cands = tuple((u.unit_id, u.name, 100.0) for u in (valid or units))[:3]
    if len(valid) == 1:
        u = valid[0]
        how = {
            "exact": "is the registry name of",
            "alias": "is a recorded alias of",
            "abbreviation": f"reads as '{nkey}' after expanding abbreviations and province words, the key of",
        }[method]
        return UnitMatch(
            printed,
            u.unit_id,
            u.name,
            method,
            100.0,
            candidates=cands,
            reason=f"'{printed}' {how} {u.unit_id} ({u.name}, valid {u.validity()}).",
        )
    if valid:
        ids = ", ".join(f"{u.unit_id} ({u.validity()})" for u in valid)
        why = f"'{printed}' names {len(valid)} units of {province}{_in(year)}: {ids}; it cannot be told which."
        return unresolved(printed, why, cands)
    ids = ", ".join(f"{u.unit_id} (valid {u.validity()})" for u in units)
    return unresolved(printed, f"'{printed}' names {ids}, not in existence{_in(year)}.", cands)


def _fuzzy_match(
    printed: str,
    nkey: str,
    index: ProvinceIndex,
    keys: NameKeys,
    t: Thresholds,
    year: int | None,
    province: str,
    in_year: str,
) -> UnitMatch:
    skeleton = strip_diacritics(nkey)
    signature = keys.signature(nkey)
    best: dict[str, float] = {}
    eligible: dict[str, float] = {}  # best score over the keys that share the name's distinguishing words
    units: dict[str, Unit] = {}
    for k in index.fuzzy:
        if not k.unit.valid_in(year):
            continue
        score = max(
            similarity(nkey, k.key),
            word_order_similarity(nkey, k.key),
            similarity(skeleton, k.skeleton) - t.stripped_penalty,
            word_order_similarity(skeleton, k.skeleton) - t.stripped_penalty,
        )
        uid = k.unit.unit_id
        units[uid] = k.unit
        best[uid] = max(best.get(uid, 0.0), score)
        if k.signature == signature:
            eligible[uid] = max(eligible.get(uid, 0.0), score)
    if not best:
        return unresolved(printed, f"No unit of {province} is valid{in_year}.")
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
    cands = tuple((uid, units[uid].name, round(s, 1)) for uid, s in ranked[:3])
    choice, score = ranked[0]
    score = eligible.get(choice, score)  # a key crossing a confusable word cannot carry the match
    runner, runner_score = ranked[1] if len(ranked) > 1 else (None, None)
    margin = score - (runner_score or 0.0)
    common = _Evidence(
        score=round(score, 1),
        runner_up=runner,
        runner_up_score=None if runner_score is None else round(runner_score, 1),
        candidates=cands,
    )
    if score < t.min_score:
        why = f"The closest unit, {choice}, scores {score:.0f}, below the minimum {t.min_score:.0f}; not guessed."
    elif choice not in eligible:
        why = (
            f"The closest unit, {choice} ({score:.0f}), differs from the name in a distinguishing word "
            "listed in confusables.yaml; not guessed."
        )
    elif margin < t.min_margin:
        why = f"{choice} ({score:.0f}) is too close to {runner} ({runner_score:.0f}) to choose; not guessed."
    else:
        unit = units[choice]
        return UnitMatch(
            printed,
            unit.unit_id,
            unit.name,
            "fuzzy",
            **common,
            reason=(
                f"Closest of the {province} units valid{in_year} at {score:.0f}, {margin:.0f} points ahead "
                f"of {runner or 'any other'}, with the same distinguishing words."
            ),
        )
    return UnitMatch(printed, None, None, "unresolved", **common, reason=why)


def _in(year: int | None) -> str:
    return f" in {year}" if year is not None else ""


def unresolved(printed: str, reason: str, candidates: Iterable[tuple[str, str, float]] = ()) -> UnitMatch:
    """No unit, with the reason and the best candidates for a reviewer."""
    cands = tuple(candidates)
    return UnitMatch(
        printed,
        None,
        None,
        "unresolved",
        cands[0][2] if cands else 0.0,
        runner_up=cands[1][0] if len(cands) > 1 else None,
        runner_up_score=cands[1][2] if len(cands) > 1 else None,
        candidates=cands,
        reason=reason,
    )
