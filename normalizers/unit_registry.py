"""Unit registry: which organisation a printed name refers to, across years and provinces.

Ranking documents name the same department in many ways ("Sở LĐ-TB&XH", "Sở Lao động -
Thương binh và Xã hội"), departments are renamed, merged and split, and in 2025 the map
itself changed (63 → 34 provinces, no more districts). The registry is data: the officer's
folder (``registry/``: ``units/<province>.yaml``, ``abbreviations.yaml``, ``confusables.yaml``,
``unit_matching.yaml``, ``unit_types.yaml``; see :mod:`normalizers.unit_files`) on top of the
national knowledge (:mod:`normalizers.national_units`), so a province seen for the first time
resolves its departments, organisations and districts without a hand-written file.

This module loads, validates and indexes it, answers lookups (units, lineage, the curated
frames) and edits it (accepted aliases); how a printed name is matched against a province's
units is :mod:`normalizers.unit_matching`.
"""

from __future__ import annotations

import tempfile
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from normalizers.admin_units import AdminDataError, load_admin_map
from normalizers.national_units import (
    NATION,
    NATION_CODE,
    Catalogue,
    NationalBuilder,
    ProvinceInfo,
    ProvinceUnits,
    load_catalogue,
    load_provinces,
    province_key,
    slug,
)
from normalizers.text import clean_printed, text_key
from normalizers.unit_files import (
    DATA_DIR,
    FILE_HEADER,
    ConfusableGroup,
    ProvinceFile,
    Rules,
    Thresholds,
    append_accept_log,
    atomic_write,
    file_with_alias,
    load_confusables,
    load_rules,
    load_thresholds,
    parse_province_file,
    registry_digest,
    registry_file,
    render_province_file,
)
from normalizers.unit_matching import NameKeys, ProvinceIndex, index_province, match_name, unresolved
from normalizers.unit_model import NATIONAL, LineageEvent, RegistryError, Unit, UnitMatch, UnknownUnitError

if TYPE_CHECKING:
    import pandas as pd

UNITS_COLUMNS = [
    "unit_id",
    "province",
    "name",
    "unit_type",
    "unit_type_code",
    "valid_from_year",
    "valid_to_year",
    "aliases",
]
LINEAGE_COLUMNS = ["from_unit_id", "to_unit_id", "event", "effective_year", "approximate", "legal_basis"]


class Registry:
    """Units per province with their names, aliases, validity years and lineage."""

    def __init__(
        self,
        directory: Path,
        files: list[ProvinceFile],
        rules: Rules,
        confusables: tuple[ConfusableGroup, ...],
        thresholds: Thresholds,
        catalogue: Catalogue,
        provinces: tuple[ProvinceInfo, ...],
        read_only: bool = False,
    ) -> None:
        self.directory = directory
        self.read_only = read_only
        self._files = files
        self._rules = rules
        self._confusables = confusables
        self._thresholds = thresholds
        self._catalogue = catalogue
        self._infos = provinces
        self._keys = NameKeys(rules, confusables)
        self._validate_files(files)
        builder = NationalBuilder(catalogue, provinces, lambda name, p: self._keys.normalise(name, p.name, p.is_city))
        built = builder.build(files)
        self._province_list = built
        self._provinces: dict[str, ProvinceUnits] = {}
        for p in built:
            for name in (p.name, *p.known_names):
                self._provinces.setdefault(province_key(name), p)
        self._units: dict[str, Unit] = {}
        for p in built:
            for u in p.units:
                if u.unit_id in self._units:
                    raise RegistryError(
                        f"{u.source_file}, unit {u.unit_id}: duplicate unit_id "
                        f"(already defined in {self._units[u.unit_id].source_file})"
                    )
                self._units[u.unit_id] = u
        self._events = [e for p in built for e in p.events]
        self._successors: dict[str, list[tuple[LineageEvent, str]]] = defaultdict(list)
        for e in self._events:
            for f in e.from_ids:
                for t in e.to_ids:
                    self._successors[f].append((e, t))
        # per province: unit keys (printed-key index, normalised-key index, fuzzy keys)
        self._indexes: dict[str, ProvinceIndex] = {p.code: index_province(p, self._keys) for p in built}
        self._validate()
        self._cache: dict[tuple[str, str, int | None], UnitMatch] = {}

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def load(cls, directory: Path | None = None) -> Registry:
        """Read and validate the registry folder ``directory`` (None: the packaged defaults, read-only).

        The folder holds ``units/*.yaml`` and the rule files (see :mod:`normalizers.unit_files`);
        a rule file it lacks is read from the packaged defaults. Officers edit their own
        folder (``registry/``, made by :func:`ensure_registry_folder`); tests point at a copy.
        """
        read_only = directory is None
        directory = Path(directory) if directory is not None else DATA_DIR
        units_dir = directory / "units"
        if not units_dir.is_dir():
            raise RegistryError(f"{units_dir}: no registry here (run `dti init` or pass --registry)")
        key = _fingerprint(directory)
        built = _LOADED.get(key)
        if built is None:
            files = [parse_province_file(f) for f in sorted(units_dir.glob("*.yaml"))]
            built = cls._from_files(directory, files, read_only)
            _LOADED[key] = built
            while len(_LOADED) > 8:
                _LOADED.popitem(last=False)
        else:
            _LOADED.move_to_end(key)
        # the same files read the same: share the built (immutable) registry, not its folder or match cache
        registry = object.__new__(cls)
        registry.__dict__.update(built.__dict__)
        registry.directory, registry.read_only, registry._cache = directory, read_only, {}
        return registry

    @classmethod
    def _from_files(cls, directory: Path, files: list[ProvinceFile], read_only: bool) -> Registry:
        rules = load_rules(registry_file(directory, "abbreviations.yaml"))
        confusables = load_confusables(registry_file(directory, "confusables.yaml"), rules)
        thresholds = load_thresholds(registry_file(directory, "unit_matching.yaml"))
        catalogue = load_catalogue(registry_file(directory, "unit_types.yaml"))
        try:
            provinces = load_provinces(registry_file(directory, "province_codes.yaml"), load_admin_map())
        except AdminDataError as exc:
            raise RegistryError(str(exc)) from exc
        return cls(directory, files, rules, confusables, thresholds, catalogue, provinces, read_only)

    @staticmethod
    def _validate_files(files: list[ProvinceFile]) -> None:
        seen_prov: dict[str, str] = {}
        seen_codes: dict[str, str] = {}
        for prov in files:
            pkey = province_key(prov.name)
            if pkey in seen_prov:
                raise RegistryError(f"{prov.file.name}: province {prov.name} is also defined in {seen_prov[pkey]}")
            if prov.code in seen_codes or prov.code == NATION_CODE:
                owner = seen_codes.get(prov.code, "the nation's units (vn.)")
                raise RegistryError(f"{prov.file.name}: code '{prov.code}' is also used by {owner}")
            seen_prov[pkey], seen_codes[prov.code] = prov.file.name, prov.file.name

    def _validate(self) -> None:
        for index in self._indexes.values():
            for key, units in index.normal.items():
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
        """Lineage events with their approximate flag, legal basis and note."""
        return tuple(self._events)

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id; :class:`UnknownUnitError` names the id when there is none."""
        try:
            return self._units[unit_id]
        except KeyError:
            raise UnknownUnitError(f"no unit with id {unit_id!r} in the registry at {self.directory}") from None

    def province_units(self, province: str) -> tuple[Unit, ...]:
        """Every unit a document of ``province`` resolves against (its file's and the national ones)."""
        prov = self._provinces.get(province_key(province))
        return tuple(prov.units) if prov else ()

    def province_code(self, province: str) -> str | None:
        """The short code of a province as printed ("Tỉnh Yên Bái" → "ybi"); None when it is none."""
        prov = self._provinces.get(province_key(province))
        return prov.code if prov else None

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
        """``units.parquet`` rows (contract columns): file units first, then the national ones."""
        import pandas as pd  # only publishing needs frames: a run forks its readers before pandas loads

        rows = [
            {
                "unit_id": u.unit_id,
                "province": u.province,
                "name": u.name,
                "unit_type": u.unit_type,
                "unit_type_code": u.unit_type_code,
                "valid_from_year": u.valid_from_year,
                "valid_to_year": u.valid_to_year,
                "aliases": list(u.aliases),
            }
            for u in self._units.values()
        ]
        frame = pd.DataFrame(rows, columns=UNITS_COLUMNS)
        for col in ("unit_id", "province", "name", "unit_type", "unit_type_code"):
            frame[col] = frame[col].astype("string")
        for col in ("valid_from_year", "valid_to_year"):
            frame[col] = frame[col].astype("Int16")
        return frame

    def lineage_frame(self) -> pd.DataFrame:
        """``unit_lineage.parquet`` rows: one per (from, to) pair of every event."""
        import pandas as pd

        rows = [
            {
                "from_unit_id": f,
                "to_unit_id": t,
                "event": e.event,
                "effective_year": e.effective_year,
                "approximate": e.approximate,
                "legal_basis": e.legal_basis,
            }
            for e in self._events
            for f in e.from_ids
            for t in e.to_ids
        ]
        frame = pd.DataFrame(rows, columns=LINEAGE_COLUMNS)
        for col in ("from_unit_id", "to_unit_id", "event", "legal_basis"):
            frame[col] = frame[col].astype("string")
        frame["effective_year"] = frame["effective_year"].astype("Int16")
        frame["approximate"] = frame["approximate"].astype("boolean")
        return frame

    def fingerprint(self) -> str:
        """SHA-256 over the registry files and the national data, so a run records which registry it used."""
        return _fingerprint(self.directory)

    # -- editing --------------------------------------------------------------------------

    def province_file_path(self, province: str) -> Path:
        """Where the registry file of ``province`` is (or would be written)."""
        prov = self._provinces.get(province_key(province))
        if prov is not None and prov.file is not None:
            return self.directory / "units" / prov.file.file.name
        name = prov.name if prov is not None else province
        return self.directory / "units" / f"{slug(name).replace('_', '-')}.yaml"

    def new_province_file(self, province: str, units: Iterable[Unit] = (), comments: Iterable[str] = ()) -> str:
        """The text of a new registry file for ``province`` holding ``units``, for an officer to review."""
        prov = self._provinces.get(province_key(province))
        if prov is None or prov.code == NATION_CODE:
            raise RegistryError(f"{province!r} is not one of Vietnam's provinces (see province_codes.yaml)")
        text = render_province_file(prov.name, prov.code, list(units), [], FILE_HEADER.format(province=prov.name))
        notes = [f"# {line}" if line else "#" for line in comments]
        return text + ("\n" + "\n".join(notes) + "\n" if notes else "")

    def draft_province_file(self, province: str, printed: Iterable[tuple[str, int | None]]) -> str:
        """A registry file for a province seen for the first time, from the names its documents printed.

        Every name that resolves brings its unit (with the printed spelling as an alias when
        it differs); names that resolve to nothing are listed as comments with their
        candidates. The officer reviews the draft; the national knowledge keeps applying
        to the units it does not list.
        """
        prov = self._provinces.get(province_key(province))
        if prov is None or prov.code == NATION_CODE:
            raise RegistryError(f"{province!r} is not one of Vietnam's provinces (see province_codes.yaml)")
        if prov.file is not None:
            raise RegistryError(f"{prov.name} already has a registry file, {prov.file.file.name}; edit that one")
        spellings: dict[str, list[str]] = {}
        unresolved: dict[str, UnitMatch] = {}
        for name, year in printed:
            m = self.match(name, prov.name, year)
            if m.unit_id is None:
                unresolved.setdefault(m.name, m)
            else:
                spellings.setdefault(m.unit_id, []).append(m.name)
        order = {uid: i for i, uid in enumerate(self._units)}
        units = []
        for uid in sorted(spellings, key=order.__getitem__):
            u = self._units[uid]
            known = {text_key(n) for n in (u.name, *u.aliases)}
            extra = []
            for n in spellings[uid]:
                if text_key(n) not in known:
                    known.add(text_key(n))
                    extra.append(n)
            units.append(replace(u, aliases=(*u.aliases, *extra), source_file=""))
        comments = []
        if unresolved:
            comments.append("Printed in the documents but resolved to no unit; add a unit or an alias for each:")
            comments += [f"  {n!r}: candidates {m.candidates_text() or 'none'}" for n, m in unresolved.items()]
        return self.new_province_file(prov.name, units, comments)

    def add_alias(self, unit_id: str, alias: str, user: str | None = None) -> bool:
        """Record ``alias`` (a name as printed) for ``unit_id`` in its province file, and log who did.

        Returns False when the unit already answers to that spelling. The file is edited
        round-trip (comments, order and every other byte kept); a national unit accepted
        for the first time is copied into the province file (created when there is none).
        The result is re-validated before it replaces the old file, so a conflicting alias
        raises :class:`RegistryError` and leaves the file untouched.
        """
        if self.read_only:
            raise RegistryError(
                "the packaged registry is read-only; record aliases in your registry folder "
                "(`dti init` creates registry/, or pass --registry DIR)"
            )
        unit = self.unit(unit_id)
        text = clean_printed(alias)
        if not text:
            raise RegistryError(f"{unit.source_file}, unit {unit_id}: an alias cannot be empty")
        if text_key(text) in {text_key(n) for n in (unit.name, *unit.aliases)}:
            return False
        prov = self._provinces[province_key(unit.province)]
        if prov.code == NATION_CODE:
            raise RegistryError(f"{unit_id}: the nation's units (provinces, ministries) are not edited by alias here")
        path = self.province_file_path(unit.province)
        before = path.read_text(encoding="utf-8") if path.exists() else self.new_province_file(unit.province)
        copied = replace(unit, aliases=(), source_file="") if unit.source_file == NATIONAL else None
        after = file_with_alias(before, path.name, unit_id, text, copied)
        with tempfile.TemporaryDirectory() as tmp:
            trial_path = Path(tmp) / path.name
            trial_path.write_text(after, encoding="utf-8")
            trial = parse_province_file(trial_path)
        trial.file = path
        files = sorted([*(f for f in self._files if f.file.name != path.name), trial], key=lambda f: f.file.name)
        edited = Registry(
            self.directory, files, self._rules, self._confusables, self._thresholds, self._catalogue, self._infos
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, after)
        append_accept_log(self.directory, unit_id, text, path.name, user)
        _LOADED[_fingerprint(self.directory)] = edited  # what loading the edited folder would build
        self.__dict__.update(Registry.load(self.directory).__dict__)
        return True

    # -- matching (normalizers.unit_matching) -----------------------------------------------

    def match(self, name: str, province: str, year: int | None) -> UnitMatch:
        """Resolve a printed unit name for a document of ``province`` assessing ``year``.

        Only units of that province valid in that year are considered (all of them when
        ``year`` is None). Cached: documents repeat names and this is called for every row.
        """
        if not isinstance(name, str):  # None or NaN from a frame: an empty name
            name = ""
        year = _known_year(year)
        cache_key = (name, province_key(province) if isinstance(province, str) else "", year)
        hit = self._cache.get(cache_key)
        if hit is None:
            hit = self._match(name, province if isinstance(province, str) else "", year)
            self._cache[cache_key] = hit
        return hit

    def resolve_province(self, name: str, year: int | None) -> UnitMatch:
        """A province as a national ranking prints it ("TP. Đà Nẵng", "Thừa Thiên - Huế") → its unit.

        Pass the year the ranking assesses: a name like "Lào Cai" is the pre-2025 province
        until 2024 (vn.lao_cai) and the province formed with Yên Bái from 2025 (vn.lao_cai_2025).
        """
        m = self.match(name, NATION, year)
        if m.unit_id is not None and self._units[m.unit_id].unit_type != "province":
            return unresolved(m.name, f"'{m.name}' is {m.unit_id} ({m.unit_name}), not a province.", m.candidates)
        return m

    def _match(self, name: str, province: str, year: int | None) -> UnitMatch:
        prov = self._provinces.get(province_key(province))
        index = self._indexes.get(prov.code) if prov is not None else None
        return match_name(name, province, prov, index, self._keys, self._thresholds, year)


_LOADED: OrderedDict[str, Registry] = OrderedDict()


def _fingerprint(directory: Path) -> str:
    """SHA-256 over what a registry is built from: its files (by name and bytes) and the national data."""
    return registry_digest(directory, load_admin_map().package_version)


def _overlap_years(a: Unit, b: Unit) -> float:
    start = max(a.valid_from_year or -(10**6), b.valid_from_year or -(10**6))
    end = min(a.valid_to_year or 10**6, b.valid_to_year or 10**6)
    return end - start + 1


def _known_year(value: object) -> int | None:
    """A year from a frame cell: None, NaN and pd.NA are no year (int() refuses them all)."""
    if value is None:
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
