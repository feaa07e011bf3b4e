"""Unit registry: which organisation a printed name refers to, across years.

Ranking documents name the same department in many ways ("Sở LĐ-TB&XH", "Sở Lao động -
Thương binh và Xã hội") and departments are renamed, merged and split. The registry is
data a data officer edits (``data/units/<province>.yaml``, ``data/abbreviations.yaml``,
``data/confusables.yaml``); this module loads and validates it and resolves printed names.

Resolution never guesses: a name resolves by its registry name or a recorded alias, by the
same key after rule-based normalisation (abbreviations, province suffix), or by a fuzzy
score that is high, clearly ahead of the runner-up and does not cross a confusable word
(Nội vụ/Ngoại vụ). Anything else is ``unresolved`` with the best candidates, for review.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from rapidfuzz import fuzz

from normalizers.text import clean_printed, strip_diacritics, text_key

DATA_DIR = Path(__file__).resolve().parent / "data"
UNIT_TYPES = ("department_agency", "party_mass_org", "district_locality", "other")
EVENTS = ("rename", "merge", "split")

MIN_SCORE = 88.0
MIN_MARGIN = 6.0
# A match found only by ignoring diacritics ("Sở Ngoai vụ") scores a little lower.
STRIPPED_PENALTY = 3.0

_UNIT_ID = re.compile(r"^[a-z][a-z0-9]*\.[a-z0-9_]+$")
_PARENTHETICAL = re.compile(r"\([^()]*\)")

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_UNIT_FIELDS = ("unit_id", "name", "unit_type", "valid_from_year", "valid_to_year", "aliases", "note")
_EVENT_FIELDS = ("event", "from", "to", "effective_year", "approximate", "legal_basis", "note")


class RegistryError(ValueError):
    """The registry files are inconsistent; the message names the file and the unit."""


class UnknownUnitError(KeyError):
    """A unit id that is not in the registry."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown unit"


@dataclass(frozen=True)
class Unit:
    unit_id: str
    province: str
    name: str
    unit_type: str
    valid_from_year: int | None
    valid_to_year: int | None
    aliases: tuple[str, ...]
    note: str | None = None
    source_file: str = ""

    def valid_in(self, year: int | None) -> bool:
        """True when the unit existed in ``year`` (any year when ``year`` is None)."""
        if year is None:
            return True
        if self.valid_from_year is not None and year < self.valid_from_year:
            return False
        return self.valid_to_year is None or year <= self.valid_to_year

    def validity(self) -> str:
        """Validity in words, for messages: "2018–2023", "until 2017", "from 2024", "all years"."""
        start, end = self.valid_from_year, self.valid_to_year
        if start is None and end is None:
            return "all years"
        if start is None:
            return f"until {end}"
        if end is None:
            return f"from {start}"
        return f"{start}–{end}"


@dataclass(frozen=True)
class LineageEvent:
    event: str
    from_ids: tuple[str, ...]
    to_ids: tuple[str, ...]
    effective_year: int
    approximate: bool
    legal_basis: str | None = None
    note: str | None = None
    source_file: str = ""


@dataclass(frozen=True)
class UnitMatch:
    """How a printed name was resolved, with enough evidence for a reviewer to judge it."""

    name: str
    unit_id: str | None
    unit_name: str | None
    method: str
    score: float
    runner_up: str | None = None
    runner_up_score: float | None = None
    candidates: tuple[tuple[str, str, float], ...] = ()
    reason: str = ""

    def candidates_text(self) -> str:
        """Candidates as one line, for an issue's ``expected`` column."""
        return "; ".join(f"{uid} {name} ({score:.0f})" for uid, name, score in self.candidates)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, for `dti units match --json` and issue records."""
        return {
            "name": self.name,
            "unit_id": self.unit_id,
            "unit_name": self.unit_name,
            "method": self.method,
            "score": self.score,
            "runner_up": self.runner_up,
            "runner_up_score": self.runner_up_score,
            "candidates": [list(c) for c in self.candidates],
            "reason": self.reason,
        }


@dataclass(frozen=True)
class _Rules:
    """Normalisation rules read from abbreviations.yaml, compiled once."""

    abbreviations: dict[str, str]
    pattern: re.Pattern[str] | None
    ignore_words: frozenset[str]
    locality_prefixes: tuple[str, ...]
    locality_words: tuple[str, ...]
    province_words: tuple[str, ...]


@dataclass(frozen=True)
class _ConfusableGroup:
    words: tuple[str, ...]  # normalised keys
    skeletons: tuple[frozenset[str], ...]  # diacritic-free syllables of each word


@dataclass
class _Key:
    unit: Unit
    key: str
    skeleton: str
    signature: tuple[frozenset[str], ...]


@dataclass
class _Province:
    name: str
    code: str
    file: Path
    header: str
    units: list[Unit] = field(default_factory=list)
    events: list[LineageEvent] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# loading


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path.name}: not valid YAML ({exc})") from exc
    except OSError as exc:
        raise RegistryError(f"{path}: cannot be read ({exc.strerror})") from exc


def _header(path: Path) -> str:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def _opt_year(value: Any, where: str, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1945 <= value <= 2100:
        raise RegistryError(f"{where}: {what} must be a year like 2018 or null, not {value!r}")
    return value


def _opt_text(value: Any, where: str, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int)):
        raise RegistryError(f"{where}: {what} must be text, not {value!r}")
    return clean_printed(str(value)) or None


def _id_list(value: Any, where: str, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise RegistryError(f"{where}: '{what}' must be a non-empty list of unit ids")
    return tuple(value)


def _parse_unit(raw: Any, prov: _Province, index: int) -> Unit:
    where = f"{prov.file.name}, unit #{index + 1}"
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: each unit must be a mapping with unit_id, name, unit_type, ...")
    unit_id = raw.get("unit_id")
    if isinstance(unit_id, str):
        where = f"{prov.file.name}, unit {unit_id}"
    unknown = set(raw) - set(_UNIT_FIELDS)
    if unknown:
        raise RegistryError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if not isinstance(unit_id, str) or not _UNIT_ID.match(unit_id):
        raise RegistryError(f"{where}: unit_id must be an ASCII slug like '{prov.code}.so_y_te', not {unit_id!r}")
    if unit_id.split(".", 1)[0] != prov.code:
        raise RegistryError(f"{where}: unit_id must start with the file's province code '{prov.code}.'")
    name = _opt_text(raw.get("name"), where, "name")
    if not name:
        raise RegistryError(f"{where}: name is missing")
    unit_type = raw.get("unit_type")
    if unit_type not in UNIT_TYPES:
        raise RegistryError(f"{where}: unit_type must be one of {', '.join(UNIT_TYPES)}, not {unit_type!r}")
    start = _opt_year(raw.get("valid_from_year"), where, "valid_from_year")
    end = _opt_year(raw.get("valid_to_year"), where, "valid_to_year")
    if start is not None and end is not None and start > end:
        raise RegistryError(f"{where}: valid_from_year {start} is after valid_to_year {end}")
    aliases_raw = raw.get("aliases") or []
    if not isinstance(aliases_raw, list):
        raise RegistryError(f"{where}: aliases must be a list of names as printed")
    aliases = []
    for alias in aliases_raw:
        text = _opt_text(alias, where, "alias")
        if not text:
            raise RegistryError(f"{where}: empty alias")
        aliases.append(text)
    return Unit(
        unit_id=unit_id,
        province=prov.name,
        name=name,
        unit_type=unit_type,
        valid_from_year=start,
        valid_to_year=end,
        aliases=tuple(aliases),
        note=_opt_text(raw.get("note"), where, "note"),
        source_file=prov.file.name,
    )


def _parse_event(raw: Any, prov: _Province, index: int) -> LineageEvent:
    where = f"{prov.file.name}, event #{index + 1}"
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: each event must be a mapping with event, from, to, effective_year")
    unknown = set(raw) - set(_EVENT_FIELDS)
    if unknown:
        raise RegistryError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    kind = raw.get("event")
    if kind not in EVENTS:
        raise RegistryError(f"{where}: event must be one of {', '.join(EVENTS)}, not {kind!r}")
    from_ids = _id_list(raw.get("from"), where, "from")
    to_ids = _id_list(raw.get("to"), where, "to")
    where = f"{where} ({kind} {', '.join(from_ids)} → {', '.join(to_ids)})"
    year = _opt_year(raw.get("effective_year"), where, "effective_year")
    if year is None:
        raise RegistryError(f"{where}: effective_year is missing")
    approximate = raw.get("approximate", False)
    if not isinstance(approximate, bool):
        raise RegistryError(f"{where}: approximate must be true or false")
    if kind == "rename" and (len(from_ids) != 1 or len(to_ids) != 1):
        raise RegistryError(f"{where}: a rename goes from one unit to one unit")
    if kind == "merge" and len(to_ids) != 1:
        raise RegistryError(f"{where}: a merge goes into exactly one unit")
    if kind == "split" and len(from_ids) != 1:
        raise RegistryError(f"{where}: a split starts from exactly one unit")
    if set(from_ids) & set(to_ids):
        raise RegistryError(f"{where}: a unit cannot be both source and result of one event")
    return LineageEvent(
        event=kind,
        from_ids=from_ids,
        to_ids=to_ids,
        effective_year=year,
        approximate=approximate,
        legal_basis=_opt_text(raw.get("legal_basis"), where, "legal_basis"),
        note=_opt_text(raw.get("note"), where, "note"),
        source_file=prov.file.name,
    )


def _parse_province(path: Path) -> _Province:
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise RegistryError(f"{path.name}: expected a mapping with province, code, units, events")
    unknown = set(raw) - {"province", "code", "units", "events"}
    if unknown:
        raise RegistryError(f"{path.name}: unknown top-level field(s) {', '.join(sorted(unknown))}")
    name = _opt_text(raw.get("province"), path.name, "province")
    code = raw.get("code")
    if not name:
        raise RegistryError(f"{path.name}: 'province' (the name as documents print it) is missing")
    if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9]*", code):
        raise RegistryError(f"{path.name}: 'code' must be a short lowercase ASCII prefix like 'lci', not {code!r}")
    prov = _Province(name=name, code=code, file=path, header=_header(path))
    units = raw.get("units") or []
    events = raw.get("events") or []
    if not isinstance(units, list) or not isinstance(events, list):
        raise RegistryError(f"{path.name}: 'units' and 'events' must be lists")
    prov.units = [_parse_unit(u, prov, i) for i, u in enumerate(units)]
    prov.events = [_parse_event(e, prov, i) for i, e in enumerate(events)]
    return prov


def _load_rules(path: Path) -> _Rules:
    raw = _read_yaml(path) or {}
    if not isinstance(raw, dict) or not isinstance(raw.get("abbreviations", {}), dict):
        raise RegistryError(f"{path.name}: expected 'abbreviations' as a mapping of short form to full form")
    expansions: dict[str, str] = {}
    for short, full in (raw.get("abbreviations") or {}).items():
        short_key, full_key = text_key(str(short)), text_key(str(full))
        if not short_key or not full_key:
            raise RegistryError(f"{path.name}: abbreviation {short!r} has an empty short or full form")
        if short_key in expansions and expansions[short_key] != full_key:
            raise RegistryError(
                f"{path.name}: abbreviation {short!r} reads the same as another one with a different expansion"
            )
        expansions[short_key] = full_key
    pattern = None
    if expansions:
        alternatives = "|".join(re.escape(k) for k in sorted(expansions, key=len, reverse=True))
        pattern = re.compile(rf"(?<!\S)(?:{alternatives})(?!\S)")

    def words(name: str) -> tuple[str, ...]:
        value = raw.get(name) or []
        if not isinstance(value, list):
            raise RegistryError(f"{path.name}: '{name}' must be a list")
        return tuple(text_key(str(v)) for v in value if text_key(str(v)))

    return _Rules(
        abbreviations=expansions,
        pattern=pattern,
        ignore_words=frozenset(words("ignore_words")),
        locality_prefixes=words("locality_prefixes"),
        locality_words=words("locality_words"),
        province_words=words("province_words"),
    )


def _load_confusables(path: Path, rules: _Rules) -> tuple[_ConfusableGroup, ...]:
    raw = _read_yaml(path) or {}
    groups = raw.get("groups") if isinstance(raw, dict) else None
    if not isinstance(groups, list):
        raise RegistryError(f"{path.name}: expected 'groups', a list of {{words: [...], why: ...}}")
    result = []
    for i, group in enumerate(groups):
        words = group.get("words") if isinstance(group, dict) else None
        if not isinstance(words, list) or not words:
            raise RegistryError(f"{path.name}, group #{i + 1}: 'words' must be a non-empty list")
        keys = tuple(_drop_ignored(text_key(str(w)), rules) for w in words)
        skeletons = tuple(frozenset(strip_diacritics(k).split()) for k in keys)
        if len(set(skeletons)) != len(skeletons):
            raise RegistryError(
                f"{path.name}, group #{i + 1}: words {words} read the same without diacritics; "
                "they cannot be told apart in scans"
            )
        result.append(_ConfusableGroup(words=keys, skeletons=skeletons))
    return tuple(result)


def _drop_ignored(key: str, rules: _Rules) -> str:
    return " ".join(w for w in key.split() if w not in rules.ignore_words)


# ---------------------------------------------------------------------------------------
# writing


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def render_province_file(
    province: str, code: str, units: Sequence[Unit], events: Sequence[LineageEvent], header: str = ""
) -> str:
    """The YAML text of one province file, in the fixed layout officers edit by hand."""
    out = [header, ""] if header else []
    out += [f"province: {_scalar(province)}", f"code: {_scalar(code)}", "", "units:"]
    for u in units:
        out.append(f"  - unit_id: {_scalar(u.unit_id)}")
        out.append(f"    name: {_scalar(u.name)}")
        out.append(f"    unit_type: {_scalar(u.unit_type)}")
        out.append(f"    valid_from_year: {_scalar(u.valid_from_year)}")
        out.append(f"    valid_to_year: {_scalar(u.valid_to_year)}")
        if u.aliases:
            out.append("    aliases:")
            out += [f"      - {_scalar(a)}" for a in u.aliases]
        else:
            out.append("    aliases: []")
        if u.note:
            out.append(f"    note: {_scalar(u.note)}")
    out += ["", "events:" if events else "events: []"]
    for e in events:
        out.append(f"  - event: {_scalar(e.event)}")
        out.append(f"    from: [{', '.join(_scalar(i) for i in e.from_ids)}]")
        out.append(f"    to: [{', '.join(_scalar(i) for i in e.to_ids)}]")
        out.append(f"    effective_year: {_scalar(e.effective_year)}")
        out.append(f"    approximate: {_scalar(e.approximate)}")
        out.append(f"    legal_basis: {_scalar(e.legal_basis)}")
        if e.note:
            out.append(f"    note: {_scalar(e.note)}")
    return "\n".join(out) + "\n"


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------
# the registry


class Registry:
    """Units per province with their names, aliases, validity years and lineage."""

    def __init__(
        self,
        directory: Path,
        provinces: list[_Province],
        rules: _Rules,
        confusables: tuple[_ConfusableGroup, ...],
    ) -> None:
        self.directory = directory
        self._provinces = {text_key(p.name): p for p in provinces}
        self._rules = rules
        self._confusables = confusables
        self._units: dict[str, Unit] = {u.unit_id: u for p in provinces for u in p.units}
        self._events = [e for p in provinces for e in p.events]
        self._successors: dict[str, list[tuple[LineageEvent, str]]] = defaultdict(list)
        for e in self._events:
            for f in e.from_ids:
                for t in e.to_ids:
                    self._successors[f].append((e, t))
        # per province: unit keys (printed-key index, normalised-key index, fuzzy keys)
        self._exact: dict[str, dict[str, list[Unit]]] = {}
        self._alias: dict[str, dict[str, list[Unit]]] = {}
        self._normal: dict[str, dict[str, list[Unit]]] = {}
        self._fuzzy: dict[str, list[_Key]] = {}
        for pkey, prov in self._provinces.items():
            exact, alias, normal = defaultdict(list), defaultdict(list), defaultdict(list)
            keys: list[_Key] = []
            for u in prov.units:
                exact[text_key(u.name)].append(u)
                seen = {text_key(u.name)}
                for a in u.aliases:
                    if text_key(a) not in seen:
                        alias[text_key(a)].append(u)
                        seen.add(text_key(a))
                for nkey in dict.fromkeys(self._normalise(n, prov.name) for n in (u.name, *u.aliases)):
                    normal[nkey].append(u)
                    keys.append(_Key(u, nkey, strip_diacritics(nkey), self._signature(nkey)))
            self._exact[pkey], self._alias[pkey], self._normal[pkey] = dict(exact), dict(alias), dict(normal)
            self._fuzzy[pkey] = keys
        self._cache: dict[tuple[str, str, int | None], UnitMatch] = {}

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def load(cls, directory: Path | None = None) -> Registry:
        """Read and validate the registry under ``directory`` (default: the package's data).

        ``directory`` holds ``units/*.yaml``, ``abbreviations.yaml`` and ``confusables.yaml``;
        tests and officers point it at a copy to try edits before they are committed.
        """
        directory = Path(directory) if directory is not None else DATA_DIR
        units_dir = directory / "units"
        files = sorted(units_dir.glob("*.yaml")) if units_dir.is_dir() else []
        if not files:
            raise RegistryError(f"{units_dir}: no province files (units/<province>.yaml) found")
        rules = _load_rules(directory / "abbreviations.yaml")
        confusables = _load_confusables(directory / "confusables.yaml", rules)
        provinces = [_parse_province(f) for f in files]
        registry = cls(directory, provinces, rules, confusables)
        registry._validate(provinces)
        return registry

    def _validate(self, provinces: list[_Province]) -> None:
        seen_ids: dict[str, str] = {}
        seen_prov: dict[str, str] = {}
        seen_codes: dict[str, str] = {}
        for prov in provinces:
            pkey = text_key(prov.name)
            if pkey in seen_prov:
                raise RegistryError(f"{prov.file.name}: province {prov.name} is also defined in {seen_prov[pkey]}")
            if prov.code in seen_codes:
                raise RegistryError(f"{prov.file.name}: code '{prov.code}' is also used by {seen_codes[prov.code]}")
            seen_prov[pkey], seen_codes[prov.code] = prov.file.name, prov.file.name
            for u in prov.units:
                if u.unit_id in seen_ids:
                    raise RegistryError(
                        f"{prov.file.name}, unit {u.unit_id}: duplicate unit_id "
                        f"(already defined in {seen_ids[u.unit_id]})"
                    )
                seen_ids[u.unit_id] = prov.file.name
        for pkey, index in self._normal.items():
            for key, units in index.items():
                for i, a in enumerate(units):
                    for b in units[i + 1 :]:
                        if a.unit_id != b.unit_id and _overlap_years(a, b) > 1:
                            raise RegistryError(
                                f"{a.source_file}, unit {a.unit_id}: name or alias reads the same as one of "
                                f"{b.unit_id} ('{key}') and both are valid in overlapping years "
                                f"({a.validity()} and {b.validity()}); give one of them an end year "
                                "or drop the alias"
                            )
        for e in self._events:
            where = f"{e.source_file}, {e.event} {', '.join(e.from_ids)} → {', '.join(e.to_ids)}"
            for uid in (*e.from_ids, *e.to_ids):
                if uid not in self._units:
                    raise RegistryError(f"{where}: unknown unit id {uid}")
            for uid in e.from_ids:
                end = self._units[uid].valid_to_year
                if end not in (e.effective_year - 1, e.effective_year):
                    raise RegistryError(
                        f"{where}: unit {uid} must end the year before or the year of the event "
                        f"(valid_to_year {e.effective_year - 1} or {e.effective_year}), it has {end}"
                    )
            for uid in e.to_ids:
                u = self._units[uid]
                if not u.valid_in(e.effective_year):
                    raise RegistryError(
                        f"{where}: unit {uid} is not valid in {e.effective_year} (valid {u.validity()})"
                    )

    # -- lookups --------------------------------------------------------------------------

    @property
    def events(self) -> tuple[LineageEvent, ...]:
        """Lineage events with their approximate flag and legal basis (not in the frame)."""
        return tuple(self._events)

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id; :class:`UnknownUnitError` names the id when there is none."""
        try:
            return self._units[unit_id]
        except KeyError:
            raise UnknownUnitError(f"no unit with id {unit_id!r} in the registry at {self.directory}") from None

    def successors(self, unit_id: str) -> tuple[tuple[str, str, int], ...]:
        """Direct successors as (to_unit_id, event, effective_year)."""
        self.unit(unit_id)
        return tuple((t, e.event, e.effective_year) for e, t in self._successors.get(unit_id, []))

    def descendants(self, unit_id: str) -> tuple[str, ...]:
        """Every unit this one became through renames, merges and splits, in event order."""
        self.unit(unit_id)
        found: list[str] = []
        queue = [unit_id]
        while queue:
            current = queue.pop(0)
            for e, t in sorted(self._successors.get(current, []), key=lambda et: et[0].effective_year):
                if t not in found and t != unit_id:
                    found.append(t)
                    queue.append(t)
        return tuple(found)

    def units_frame(self) -> pd.DataFrame:
        """``units.parquet`` rows (contract columns), in registry file order."""
        rows = [
            {
                "unit_id": u.unit_id,
                "province": u.province,
                "name": u.name,
                "unit_type": u.unit_type,
                "valid_from_year": u.valid_from_year,
                "valid_to_year": u.valid_to_year,
                "aliases": list(u.aliases),
            }
            for u in self._units.values()
        ]
        frame = pd.DataFrame(
            rows, columns=["unit_id", "province", "name", "unit_type", "valid_from_year", "valid_to_year", "aliases"]
        )
        for col in ("unit_id", "province", "name", "unit_type"):
            frame[col] = frame[col].astype("string")
        for col in ("valid_from_year", "valid_to_year"):
            frame[col] = frame[col].astype("Int16")
        return frame

    def lineage_frame(self) -> pd.DataFrame:
        """``unit_lineage.parquet`` rows: one per (from, to) pair of every event."""
        rows = [
            {"from_unit_id": f, "to_unit_id": t, "event": e.event, "effective_year": e.effective_year}
            for e in self._events
            for f in e.from_ids
            for t in e.to_ids
        ]
        frame = pd.DataFrame(rows, columns=["from_unit_id", "to_unit_id", "event", "effective_year"])
        for col in ("from_unit_id", "to_unit_id", "event"):
            frame[col] = frame[col].astype("string")
        frame["effective_year"] = frame["effective_year"].astype("Int16")
        return frame

    def fingerprint(self) -> str:
        """SHA-256 over the registry files, so a pipeline run can record which registry it used."""
        digest = hashlib.sha256()
        paths = [self.directory / "abbreviations.yaml", self.directory / "confusables.yaml"]
        paths += sorted((self.directory / "units").glob("*.yaml"))
        for path in paths:
            digest.update(path.relative_to(self.directory).as_posix().encode("utf-8") + b"\0")
            digest.update(path.read_bytes() + b"\0")
        return digest.hexdigest()

    # -- editing --------------------------------------------------------------------------

    def add_alias(self, unit_id: str, alias: str) -> bool:
        """Record ``alias`` (a name as printed) for ``unit_id`` in its province file.

        Returns False when the unit already answers to that spelling. The file is rewritten
        in its fixed layout and re-validated before it replaces the old one, so a conflicting
        alias raises :class:`RegistryError` and leaves the file untouched.
        """
        unit = self.unit(unit_id)
        text = clean_printed(alias)
        if not text:
            raise RegistryError(f"{unit.source_file}, unit {unit_id}: an alias cannot be empty")
        if text_key(text) in {text_key(n) for n in (unit.name, *unit.aliases)}:
            return False
        prov = self._provinces[text_key(unit.province)]
        updated = replace(unit, aliases=(*unit.aliases, text))
        units = [updated if u.unit_id == unit_id else u for u in prov.units]
        content = render_province_file(prov.name, prov.code, units, prov.events, prov.header)
        trial = _Province(prov.name, prov.code, prov.file, prov.header, units, prov.events)
        others = [p for p in self._provinces.values() if p is not prov]
        Registry(self.directory, [*others, trial], self._rules, self._confusables)._validate([*others, trial])
        _atomic_write(prov.file, content)
        fresh = Registry.load(self.directory)
        self.__dict__.update(fresh.__dict__)
        return True

    # -- matching -------------------------------------------------------------------------

    def _normalise(self, name: str, province: str) -> str:
        """The comparison key after the rules: abbreviations, locality prefix, province suffix."""
        printed = clean_printed(name) or ""
        key = text_key(_PARENTHETICAL.sub(" ", printed)) or text_key(printed)
        rules = self._rules
        if rules.pattern is not None:
            key = rules.pattern.sub(lambda m: rules.abbreviations[m.group(0)], key)
        for prefix in rules.locality_prefixes:
            for word in rules.locality_words:
                if key.startswith(f"{prefix} {word} "):
                    key = key[len(prefix) + 1 :]
        prov_key = text_key(province)
        for word in rules.province_words:
            for suffix in (f" {word} {prov_key}", f" {word}"):
                if key.endswith(suffix) and len(key) > len(suffix):
                    key = key[: -len(suffix)]
                    break
        return _drop_ignored(key, rules)

    def _signature(self, key: str) -> tuple[frozenset[str], ...]:
        """Which confusable words a key carries (all their syllables present, in any order)."""
        tokens = set(strip_diacritics(key).split())
        return tuple(
            frozenset(w for w, s in zip(g.words, g.skeletons) if s <= tokens) for g in self._confusables
        )

    def match(self, name: str, province: str, year: int | None) -> UnitMatch:
        """Resolve a printed unit name for a document of ``province`` assessing ``year``.

        Only units of that province valid in that year are considered (all of them when
        ``year`` is None). Cached: documents repeat names and this is called for every row.
        """
        if not isinstance(name, str):  # None or NaN from a frame: an empty name
            name = ""
        year = None if year is None or pd.isna(year) else int(year)
        cache_key = (name, _province_key(province), year)
        hit = self._cache.get(cache_key)
        if hit is None:
            hit = self._match(name, province, year)
            self._cache[cache_key] = hit
        return hit

    def _match(self, name: str, province: str, year: int | None) -> UnitMatch:
        printed = clean_printed(name) or ""
        pkey = _province_key(province)
        prov = self._provinces.get(pkey)
        in_year = f" in {year}" if year is not None else ""
        if not printed:
            return _unresolved(printed, "The name is empty.")
        if prov is None:
            return _unresolved(printed, f"No registry file covers the province {province!r}.")

        key = text_key(printed)
        nkey = self._normalise(printed, prov.name)
        out_of_years: list[Unit] = []
        for method, index, k in (
            ("exact", self._exact[pkey], key),
            ("alias", self._alias[pkey], key),
            ("abbreviation", self._normal[pkey], nkey),
        ):
            hits = index.get(k, [])
            if any(u.valid_in(year) for u in hits):
                return self._decide(printed, hits, method, year, prov.name, nkey)
            out_of_years += [u for u in hits if u not in out_of_years]
        if out_of_years:
            # The name is known but belongs to another period: a registry question, not a typo.
            return self._decide(printed, out_of_years, "exact", year, prov.name, nkey)
        return self._fuzzy_match(printed, nkey, pkey, year, prov.name, in_year)

    def _decide(
        self, printed: str, units: list[Unit], method: str, year: int | None, province: str, nkey: str = ""
    ) -> UnitMatch:
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
                printed, u.unit_id, u.name, method, 100.0, candidates=cands,
                reason=f"'{printed}' {how} {u.unit_id} ({u.name}, valid {u.validity()}).",
            )
        if valid:
            ids = ", ".join(f"{u.unit_id} ({u.validity()})" for u in valid)
            why = f"'{printed}' names {len(valid)} units of {province}{_in(year)}: {ids}; it cannot be told which."
            return _unresolved(printed, why, cands)
        ids = ", ".join(f"{u.unit_id} (valid {u.validity()})" for u in units)
        return _unresolved(printed, f"'{printed}' names {ids}, not in existence{_in(year)}.", cands)

    def _fuzzy_match(
        self, printed: str, nkey: str, pkey: str, year: int | None, province: str, in_year: str
    ) -> UnitMatch:
        skeleton = strip_diacritics(nkey)
        signature = self._signature(nkey)
        best: dict[str, float] = {}
        eligible: dict[str, float] = {}  # best score over the keys that share the name's distinguishing words
        units: dict[str, Unit] = {}
        for k in self._fuzzy[pkey]:
            if not k.unit.valid_in(year):
                continue
            score = max(
                fuzz.ratio(nkey, k.key),
                fuzz.token_sort_ratio(nkey, k.key),
                fuzz.ratio(skeleton, k.skeleton) - STRIPPED_PENALTY,
                fuzz.token_sort_ratio(skeleton, k.skeleton) - STRIPPED_PENALTY,
            )
            uid = k.unit.unit_id
            units[uid] = k.unit
            best[uid] = max(best.get(uid, 0.0), score)
            if k.signature == signature:
                eligible[uid] = max(eligible.get(uid, 0.0), score)
        if not best:
            return _unresolved(printed, f"No unit of {province} is valid{in_year}.")
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        cands = tuple((uid, units[uid].name, round(s, 1)) for uid, s in ranked[:3])
        choice, score = ranked[0]
        score = eligible.get(choice, score)  # a key crossing a confusable word cannot carry the match
        runner, runner_score = ranked[1] if len(ranked) > 1 else (None, None)
        margin = score - (runner_score or 0.0)
        common = dict(
            score=round(score, 1),
            runner_up=runner,
            runner_up_score=None if runner_score is None else round(runner_score, 1),
            candidates=cands,
        )
        if score < MIN_SCORE:
            why = f"The closest unit, {choice}, scores {score:.0f}, below the minimum {MIN_SCORE:.0f}; not guessed."
        elif choice not in eligible:
            why = (
                f"The closest unit, {choice} ({score:.0f}), differs from the name in a distinguishing word "
                "listed in confusables.yaml; not guessed."
            )
        elif margin < MIN_MARGIN:
            why = f"{choice} ({score:.0f}) is too close to {runner} ({runner_score:.0f}) to choose; not guessed."
        else:
            unit = units[choice]
            return UnitMatch(
                printed, unit.unit_id, unit.name, "fuzzy", **common,
                reason=(
                    f"Closest of the {province} units valid{in_year} at {score:.0f}, {margin:.0f} points ahead "
                    f"of {runner or 'any other'}, with the same distinguishing words."
                ),
            )
        return UnitMatch(printed, None, None, "unresolved", **common, reason=why)


def _in(year: int | None) -> str:
    return f" in {year}" if year is not None else ""


def _unresolved(printed: str, reason: str, candidates: Iterable[tuple[str, str, float]] = ()) -> UnitMatch:
    cands = tuple(candidates)
    return UnitMatch(
        printed, None, None, "unresolved", cands[0][2] if cands else 0.0,
        runner_up=cands[1][0] if len(cands) > 1 else None,
        runner_up_score=cands[1][2] if len(cands) > 1 else None,
        candidates=cands, reason=reason,
    )


def _province_key(province: str) -> str:
    key = text_key(province)
    return key[len("tỉnh ") :] if key.startswith("tỉnh ") else key


def _overlap_years(a: Unit, b: Unit) -> float:
    start = max(a.valid_from_year or -10**6, b.valid_from_year or -10**6)
    end = min(a.valid_to_year or 10**6, b.valid_to_year or 10**6)
    return end - start + 1
