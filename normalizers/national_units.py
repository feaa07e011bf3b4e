"""National knowledge: the unit types every province has, and every province's districts.

A document of any province resolves without a hand-written registry file: its departments and
organisations are the catalogue's types (``data/unit_types.yaml``) as units
``<province code>.<type code>``, its districts and their Party committees come from the
administrative map of the ``vietnamadminunits`` package (:mod:`normalizers.admin_units`), and
the provinces themselves (and the ministries) are units of the nation, ``vn.<slug>``.

The 2025 reorganisation becomes lineage events: the catalogue's department mergers (Decree
45/2025/NĐ-CP) in every province unless its file says otherwise, the 63 → 34 provinces and
the end of the district level (Resolution 202/2025/QH15, 1 July 2025). A province file
(``units/<province>.yaml``) always wins: a type, id or name it defines is not generated.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from normalizers.admin_units import AdminMap, LegacyProvince, admin_unit_words
from normalizers.text import strip_diacritics, text_key
from normalizers.unit_files import ProvinceFile, id_list, opt_text, opt_year, parse_event, read_yaml, text_list
from normalizers.unit_model import NATIONAL, UNIT_TYPES, LineageEvent, RegistryError, Unit

NATION = "Việt Nam"
NATION_CODE = "vn"
LEVELS = ("province", "nation")
_TYPE_FIELDS = (
    "code",
    "name",
    "unit_type",
    "level",
    "some_provinces",
    "valid_from_year",
    "valid_to_year",
    "aliases",
    "note",
)
_CATALOGUE_EVENT_FIELDS = ("id", "event", "from", "to", "effective_year", "approximate", "legal_basis", "note")


@dataclass(frozen=True)
class UnitType:
    code: str
    name: str
    unit_type: str
    level: str
    valid_from_year: int | None
    valid_to_year: int | None
    aliases: tuple[str, ...]
    note: str | None
    some_provinces: bool = False


@dataclass(frozen=True)
class CatalogueEvent:
    """An event between unit types, applied to the units of those types in each province."""

    id: str
    level: str
    event: LineageEvent  # from_ids / to_ids are type codes here


@dataclass(frozen=True)
class Reorganisation:
    effective_year: int
    legal_basis: str


@dataclass(frozen=True)
class Catalogue:
    types: dict[str, UnitType]
    events: tuple[CatalogueEvent, ...]
    province_merger: Reorganisation
    district_level_end: Reorganisation


@dataclass(frozen=True)
class ProvinceInfo:
    """A pre-2025 province with its short code and what it became in 2025."""

    code: str
    name: str
    official_name: str
    extra_names: tuple[str, ...]
    legacy: LegacyProvince
    successor: str  # name of the 2025 province it is part of
    merged: bool  # part of a 2025 province formed from several
    keeps_name: bool  # the 2025 province carries this province's name (and code)

    @property
    def is_city(self) -> bool:
        return self.legacy.is_city


def slug(text: str) -> str:
    """ASCII id part of a name: "Mù Cang Chải" → "mu_cang_chai"."""
    ascii_ = strip_diacritics(text_key(text)).replace("đ", "d")
    return re.sub(r"[^a-z0-9]+", "_", ascii_).strip("_")


@lru_cache(maxsize=4096)
def province_key(name: str) -> str:
    """The key a province is looked up by: "Tỉnh Lào Cai", "TP. Đà Nẵng" and "Đà Nẵng" read the same."""
    return admin_unit_words().without_province_prefix(text_key(name))


# ---------------------------------------------------------------------------------------
# loading


def load_catalogue(path: Path) -> Catalogue:
    raw = read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("types"), list):
        raise RegistryError(f"{path.name}: expected 'types', a list of unit types, and 'events'")
    types: dict[str, UnitType] = {}
    for i, t in enumerate(raw["types"]):
        where = f"{path.name}, type #{i + 1}"
        if not isinstance(t, dict):
            raise RegistryError(f"{where}: each type must be a mapping with code, name, unit_type")
        code = t.get("code")
        if isinstance(code, str):
            where = f"{path.name}, type {code}"
        unknown = set(t) - set(_TYPE_FIELDS)
        if unknown:
            raise RegistryError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", code):
            raise RegistryError(f"{where}: code must be an ASCII slug like 'so_tai_chinh', not {code!r}")
        if code in types:
            raise RegistryError(f"{where}: type code defined twice")
        name = opt_text(t.get("name"), where, "name")
        if not name:
            raise RegistryError(f"{where}: name is missing")
        if t.get("unit_type") not in UNIT_TYPES:
            raise RegistryError(f"{where}: unit_type must be one of {', '.join(UNIT_TYPES)}")
        level = t.get("level", "province")
        if level not in LEVELS:
            raise RegistryError(f"{where}: level must be province or nation, not {level!r}")
        types[code] = UnitType(
            code,
            name,
            t["unit_type"],
            level,
            opt_year(t.get("valid_from_year"), where, "valid_from_year"),
            opt_year(t.get("valid_to_year"), where, "valid_to_year"),
            text_list(t.get("aliases"), where, "aliases"),
            opt_text(t.get("note"), where, "note"),
            _flag(t.get("some_provinces", False), where, "some_provinces"),
        )
    events: list[CatalogueEvent] = []
    for i, e in enumerate(raw.get("events") or []):
        where = f"{path.name}, event #{i + 1}"
        event_id = e.get("id") if isinstance(e, dict) else None
        if not isinstance(event_id, str) or not re.fullmatch(r"[a-z0-9_]+", event_id):
            raise RegistryError(f"{where}: id must be an ASCII slug that province files can name in skip_events")
        where = f"{path.name}, event {event_id}"
        if event_id in {c.id for c in events}:
            raise RegistryError(f"{where}: event id used twice")
        event = parse_event(e, where, path.name, _CATALOGUE_EVENT_FIELDS)
        if not event.legal_basis:
            raise RegistryError(f"{where}: every catalogue event cites its legal_basis")
        codes = (*event.from_ids, *event.to_ids)
        missing = [c for c in codes if c not in types]
        if missing:
            raise RegistryError(f"{where}: unknown type code(s) {', '.join(missing)}")
        levels = {types[c].level for c in codes}
        if len(levels) != 1:
            raise RegistryError(f"{where}: an event joins types of one level (province or nation)")
        events.append(CatalogueEvent(event_id, levels.pop(), event))

    def reorganisation(name: str) -> Reorganisation:
        value = raw.get(name)
        year = opt_year(value.get("effective_year") if isinstance(value, dict) else None, path.name, name)
        basis = opt_text(value.get("legal_basis") if isinstance(value, dict) else None, path.name, name)
        if year is None or not basis:
            raise RegistryError(f"{path.name}: '{name}' needs effective_year and legal_basis")
        return Reorganisation(year, basis)

    return Catalogue(types, tuple(events), reorganisation("province_merger"), reorganisation("district_level_end"))


def _flag(value: object, where: str, what: str) -> bool:
    if not isinstance(value, bool):
        raise RegistryError(f"{where}: {what} must be true or false")
    return value


def load_provinces(path: Path, admin: AdminMap) -> tuple[ProvinceInfo, ...]:
    """The 63 pre-2025 provinces with the short codes of province_codes.yaml."""
    raw = read_yaml(path)
    rows = raw.get("provinces") if isinstance(raw, dict) else None
    if not isinstance(rows, list):
        raise RegistryError(f"{path.name}: expected 'provinces', a list of {{gso_code, code, name}}")
    codes: dict[str, str] = {}
    for row in rows:
        gso, code = str(row.get("gso_code")), row.get("code")
        if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9]*", code) or code == NATION_CODE:
            raise RegistryError(f"{path.name}: province {gso}: code must be a short lowercase ASCII prefix")
        if code in codes.values():
            raise RegistryError(f"{path.name}: code '{code}' is given to two provinces")
        codes[gso] = code
    extra = raw.get("extra_names") or {}
    by_key = {text_key(k): id_list(v, path.name, f"extra_names of {k}") for k, v in extra.items()}
    out = []
    for p in admin.legacy:
        if p.code not in codes:
            raise RegistryError(f"{path.name}: no code for {p.name} (official code {p.code}); add one")
        successor = admin.successor(p.key)
        out.append(
            ProvinceInfo(
                code=codes[p.code],
                name=p.name,
                official_name=p.official_name,
                extra_names=by_key.get(text_key(p.name), ()),
                legacy=p,
                successor=successor.name,
                merged=len(successor.predecessors) > 1,
                keeps_name=text_key(successor.name) == text_key(p.name),
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------------
# building


@dataclass
class ProvinceUnits:
    """Everything one province (or the nation) resolves against: file units first, then national ones."""

    name: str
    code: str
    is_city: bool
    file: ProvinceFile | None
    units: list[Unit]
    events: list[LineageEvent]
    known_names: tuple[str, ...] = ()  # every way documents print the province


KeyOf = Callable[[str, "ProvinceUnits"], str]


def _type_units(units: Iterable[Unit], types: Iterable[str], year: int, taken: set[str]) -> list[Unit]:
    wanted = set(types)
    return [u for u in units if u.unit_type_code in wanted and u.valid_in(year) and u.unit_id not in taken]


def _end(units: list[Unit], ids: set[str], year: int) -> list[Unit]:
    """``units`` with those in ``ids`` ending in ``year`` (unless they end earlier already)."""
    return [
        replace(u, valid_to_year=year)
        if u.unit_id in ids and (u.valid_to_year is None or u.valid_to_year > year)
        else u
        for u in units
    ]


class NationalBuilder:
    """Adds national units and the catalogue's events to the province files, file entries first."""

    def __init__(self, catalogue: Catalogue, provinces: tuple[ProvinceInfo, ...], key_of: KeyOf) -> None:
        self.catalogue = catalogue
        self.provinces = provinces
        self.key_of = key_of

    def build(self, files: list[ProvinceFile]) -> list[ProvinceUnits]:
        by_key = {province_key(f.name): f for f in files}
        infos = {province_key(p.name): p for p in self.provinces}
        for p in self.provinces:
            for n in (p.official_name, *p.extra_names):
                infos.setdefault(province_key(n), p)
        result: list[ProvinceUnits] = []
        seen_files: set[str] = set()
        for info in self.provinces:
            keys = [province_key(n) for n in (info.name, *info.extra_names)]
            f = next((by_key[k] for k in keys if k in by_key), None)
            if f is not None:
                seen_files.add(f.file.name)
                if f.code != info.code:
                    raise RegistryError(
                        f"{f.file.name}: code '{f.code}' differs from '{info.code}', the code of {info.name} "
                        "in province_codes.yaml; unit ids must keep one code per province"
                    )
            result.append(self._province(info, f))
        for f in files:  # a file for a name that is no Vietnamese province (a test, a foreign body): as written
            if f.file.name not in seen_files:
                units = [self._typed(u) for u in f.units]
                result.append(ProvinceUnits(f.name, f.code, False, f, units, list(f.events), (f.name,)))
        nation = self._nation(result)
        self._reorganise(result, nation)
        return [*result, nation]

    # -- one province ---------------------------------------------------------------------

    def _typed(self, u: Unit) -> Unit:
        """A file unit with its catalogue type: explicit, or the id's slug when that is a type code."""
        code = u.unit_type_code
        if code is None:
            slug_ = u.unit_id.split(".", 1)[1]
            known = self.catalogue.types.get(slug_)
            return replace(u, unit_type_code=slug_) if known and known.level == "province" else u
        known = self.catalogue.types.get(code)
        if known is None or known.level != "province":
            raise RegistryError(
                f"{u.source_file}, unit {u.unit_id}: unit_type_code {code!r} is not a type of unit_types.yaml"
            )
        return u

    def _province(self, info: ProvinceInfo, f: ProvinceFile | None) -> ProvinceUnits:
        names = tuple(dict.fromkeys((info.name, info.official_name, *info.extra_names)))
        prov = ProvinceUnits(info.name, info.code, info.is_city, f, [], list(f.events) if f else [], names)
        file_units = [self._typed(u) for u in f.units] if f else []
        covered = {u.unit_type_code for u in file_units if u.unit_type_code}
        ids = {u.unit_id for u in file_units}
        keys = {self.key_of(n, prov) for u in file_units for n in (u.name, *u.aliases)}
        ends_2025 = info.merged and not info.keeps_name
        last = self.catalogue.province_merger.effective_year
        national: list[Unit] = []
        words = admin_unit_words()

        def add(unit: Unit) -> None:
            if unit.unit_id in ids or any(self.key_of(n, prov) in keys for n in (unit.name, *unit.aliases)):
                return
            ids.add(unit.unit_id)
            national.append(unit)

        for t in self.catalogue.types.values():
            if t.level != "province" or t.code in covered or (t.some_provinces and f is not None):
                continue
            end = t.valid_to_year
            if ends_2025:
                end = last if end is None else min(end, last)
            if t.valid_from_year is not None and end is not None and t.valid_from_year > end:
                continue
            add(
                Unit(
                    f"{info.code}.{t.code}",
                    info.name,
                    t.name,
                    t.unit_type,
                    t.valid_from_year,
                    end,
                    t.aliases,
                    t.note,
                    NATIONAL,
                    t.code,
                )
            )
        end_districts = self.catalogue.district_level_end.effective_year
        for d in info.legacy.districts:
            add(
                Unit(
                    f"{info.code}.{words.district_kinds[d.kind].id_prefix}_{slug(d.short)}",
                    info.name,
                    d.name,
                    "district_locality",
                    None,
                    end_districts,
                    (),
                    f"official code {d.code} ({info.legacy.key})",
                    NATIONAL,
                )
            )
        for d in info.legacy.districts:
            kind = words.district_kinds[d.kind]
            party, prefix = kind.party_committee, kind.party_id_prefix
            add(
                Unit(
                    f"{info.code}.{prefix}_{slug(d.short)}",
                    info.name,
                    f"{party} {d.short}",
                    "party_mass_org",
                    None,
                    end_districts,
                    (),
                    None,
                    NATIONAL,
                )
            )
        prov.units = file_units + national
        return prov

    # -- the nation: provinces and ministries as units ---------------------------------------

    def _nation(self, provinces: list[ProvinceUnits]) -> ProvinceUnits:
        merger = self.catalogue.province_merger
        nation = ProvinceUnits(NATION, NATION_CODE, False, None, [], [], (NATION, *admin_unit_words().nation_names))
        for t in self.catalogue.types.values():
            if t.level == "nation":
                nation.units.append(
                    Unit(
                        f"{NATION_CODE}.{t.code}",
                        NATION,
                        t.name,
                        t.unit_type,
                        t.valid_from_year,
                        t.valid_to_year,
                        t.aliases,
                        t.note,
                        NATIONAL,
                        t.code,
                    )
                )
        formed: dict[str, list[ProvinceInfo]] = defaultdict(list)
        for info in self.provinces:
            formed[info.successor].append(info)
            aliases = tuple(n for n in dict.fromkeys((info.official_name, *info.extra_names)) if n != info.name)
            nation.units.append(
                Unit(
                    f"{NATION_CODE}.{slug(info.name)}",
                    NATION,
                    info.name,
                    "province",
                    None,
                    merger.effective_year - 1 if info.merged else None,
                    aliases,
                    f"official code {info.legacy.code} before 1 July 2025",
                    NATIONAL,
                )
            )
        for name, members in formed.items():
            if len(members) < 2:
                continue
            holder = next(m for m in members if m.keeps_name)
            new_id = f"{NATION_CODE}.{slug(name)}_{merger.effective_year}"
            words = admin_unit_words()
            prefix = words.city_official_prefix if holder.is_city else words.province_official_prefix
            official = f"{prefix} {name}"
            nation.units.append(
                Unit(
                    new_id,
                    NATION,
                    name,
                    "province",
                    merger.effective_year,
                    None,
                    (official,),
                    f"formed from {', '.join(m.name for m in members)}",
                    NATIONAL,
                )
            )
            nation.events.append(
                LineageEvent(
                    "merge",
                    tuple(f"{NATION_CODE}.{slug(m.name)}" for m in members),
                    (new_id,),
                    merger.effective_year,
                    False,
                    merger.legal_basis,
                    f"{', '.join(m.name for m in members)} form the province of {name}.",
                    NATIONAL,
                )
            )
        return nation

    def successor_unit(self, info: ProvinceInfo) -> str:
        """The nation's unit for the 2025 province that ``info`` is part of."""
        if not info.merged:
            return f"{NATION_CODE}.{slug(info.name)}"
        return f"{NATION_CODE}.{slug(info.successor)}_{self.catalogue.province_merger.effective_year}"

    # -- lineage ----------------------------------------------------------------------------

    def _reorganise(self, provinces: list[ProvinceUnits], nation: ProvinceUnits) -> None:
        infos = {p.code: p for p in self.provinces}
        for prov in [*provinces, nation]:
            self._apply_catalogue(prov, "nation" if prov is nation else "province")
        for prov in provinces:
            if prov.code in infos:
                self._end_districts(prov, infos[prov.code])
        holders = {info.successor: info.code for info in self.provinces if info.merged and info.keeps_name}
        by_code = {p.code: p for p in provinces}
        for info in self.provinces:
            if info.merged and not info.keeps_name and info.code in by_code:
                self._merge_into(by_code[info.code], by_code[holders[info.successor]])

    def _sources(self, prov: ProvinceUnits) -> set[str]:
        return {uid for e in prov.events for uid in e.from_ids}

    def _apply_catalogue(self, prov: ProvinceUnits, level: str) -> None:
        skip = set(prov.file.skip_events) if prov.file else set()
        for ce in self.catalogue.events:
            if ce.level != level or ce.id in skip:
                continue
            e = ce.event
            sources = _type_units(prov.units, e.from_ids, e.effective_year, self._sources(prov))
            targets = [next(iter(_type_units(prov.units, [t], e.effective_year, set())), None) for t in e.to_ids]
            if not sources or any(t is None for t in targets):
                continue
            prov.units = _end(prov.units, {u.unit_id for u in sources}, e.effective_year)
            prov.events.append(
                replace(
                    e,
                    from_ids=tuple(u.unit_id for u in sources),
                    to_ids=tuple(t.unit_id for t in targets if t is not None),
                    note=f"{e.note or ''} [{ce.id}]".strip(),
                    source_file=NATIONAL,
                )
            )

    def _end_districts(self, prov: ProvinceUnits, info: ProvinceInfo) -> None:
        end = self.catalogue.district_level_end
        taken = self._sources(prov)
        districts = [
            u
            for u in prov.units
            if u.unit_type == "district_locality" and u.valid_in(end.effective_year) and u.unit_id not in taken
        ]
        if not districts:
            return
        prov.units = _end(prov.units, {u.unit_id for u in districts}, end.effective_year)
        prov.events.append(
            LineageEvent(
                "merge",
                tuple(u.unit_id for u in districts),
                (self.successor_unit(info),),
                end.effective_year,
                False,
                end.legal_basis,
                f"The district level ended on 1 July 2025; {info.name}'s districts are governed by the "
                f"province of {info.successor} and its communes.",
                NATIONAL,
            )
        )

    def _merge_into(self, absorbed: ProvinceUnits, holder: ProvinceUnits) -> None:
        """The departments of a province merged into another in 2025 join the holder's of the same type."""
        merger = self.catalogue.province_merger
        year = merger.effective_year
        taken = self._sources(absorbed)
        by_type: dict[str | None, Unit] = {}
        for u in holder.units:
            if u.unit_type_code and u.valid_in(year) and u.valid_to_year is None:
                by_type.setdefault(u.unit_type_code, u)
        moved = [
            u for u in absorbed.units if u.unit_type_code in by_type and u.valid_in(year) and u.unit_id not in taken
        ]
        absorbed.units = _end(absorbed.units, {u.unit_id for u in moved}, year)
        for u in moved:
            holder.events.append(
                LineageEvent(
                    "merge",
                    (u.unit_id,),
                    (by_type[u.unit_type_code].unit_id,),
                    year,
                    False,
                    merger.legal_basis,
                    f"{absorbed.name} merged into {holder.name}.",
                    NATIONAL,
                )
            )
