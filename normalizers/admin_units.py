"""Vietnam's administrative map, read from the ``vietnamadminunits`` package's bundled data.

The package ships the 63 provinces before 1 July 2025 with their districts and official
(General Statistics Office) codes, the 34 provinces after Resolution 202/2025/QH15 and which
old provinces each new one was formed from. Its JSON files are read directly (importing the
package would load its address parser and geocoding dependencies); nothing is downloaded.
``vietnam-provinces`` (2025.x) ships only the post-2025 map, so it cannot carry a panel
across the reorganisation. The words naming kinds of units (province and district prefixes,
each district kind's id prefix and Party committee) are data: normalizers/data/admin_unit_words.yaml.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from normalizers.knowledge import AdminUnitWordsFile, KnowledgeBundle, built, bundle_or_default
from normalizers.text import text_key

PACKAGE = "vietnamadminunits"


class AdminDataError(RuntimeError):
    """The administrative-units package is missing or its data is not what this code reads."""


@dataclass(frozen=True)
class DistrictKind:
    """A kind of district as the package spells it, the slug prefix of its unit ids and its Party committee."""

    id_prefix: str  # "huyen"
    party_committee: str  # "Huyện ủy"
    party_id_prefix: str  # "huyen_uy"


@dataclass(frozen=True)
class AdminUnitWords:
    """The words naming kinds of administrative units; prefixes as comparison keys (text_key)."""

    province_prefixes: tuple[str, ...]
    city_official_prefix: str
    province_official_prefix: str
    nation_names: tuple[str, ...]
    district_name_prefixes: tuple[str, ...]
    district_kinds: Mapping[str, DistrictKind]

    def without_province_prefix(self, key: str) -> str:
        """A province name's key without its leading "tỉnh"/"thành phố"/"tp" (the first that matches)."""
        for prefix in self.province_prefixes:
            if key.startswith(prefix + " "):
                return key[len(prefix) + 1 :]
        return key

    def is_district_name(self, name: str) -> bool:
        """A name that begins with a district kind's word ("Huyện Lục Yên", "TP. Vinh")."""
        key = text_key(name) + " "
        return key.startswith(tuple(p + " " for p in self.district_name_prefixes))


def _words(data: AdminUnitWordsFile) -> AdminUnitWords:
    return AdminUnitWords(
        province_prefixes=tuple(text_key(w) for w in data.province_prefixes),
        city_official_prefix=data.city_official_prefix,
        province_official_prefix=data.province_official_prefix,
        nation_names=data.nation_names,
        district_name_prefixes=tuple(text_key(w) for w in data.district_name_prefixes),
        district_kinds=MappingProxyType(
            {
                kind: DistrictKind(entry.id_prefix, entry.party_committee, entry.party_id_prefix)
                for kind, entry in data.district_kinds.items()
            }
        ),
    )


def admin_unit_words(knowledge: KnowledgeBundle | None = None) -> AdminUnitWords:
    """The words of admin_unit_words.yaml (the bundle's, checked at start), compiled once."""
    return built(bundle_or_default(knowledge).admin_unit_words, _words)


@dataclass(frozen=True)
class District:
    """A district-level unit (huyện, thị xã, thành phố thuộc tỉnh, quận) before July 2025."""

    name: str  # "Huyện Lục Yên" (the kind as the package spells it: "Thành phố", never "Thành Phố")
    kind: str  # "Huyện"
    short: str  # "Lục Yên"
    code: str  # official code, "135"


@dataclass(frozen=True)
class LegacyProvince:
    """One of the 63 provinces and centrally governed cities before 1 July 2025."""

    key: str  # the package's key, "tinhyenbai"
    name: str  # "Yên Bái"
    official_name: str  # "Tỉnh Yên Bái"
    code: str  # "15"
    districts: tuple[District, ...]

    @property
    def is_city(self) -> bool:
        """Centrally governed city: its documents say "thành phố", not "tỉnh"."""
        return self.official_name.startswith(admin_unit_words().city_official_prefix)


@dataclass(frozen=True)
class Province2025:
    """One of the 34 provinces from 1 July 2025, with the old provinces it was formed from."""

    key: str
    name: str
    official_name: str
    code: str
    predecessors: tuple[str, ...]  # LegacyProvince keys


@dataclass(frozen=True)
class AdminMap:
    legacy: tuple[LegacyProvince, ...]
    current: tuple[Province2025, ...]
    package_version: str

    def legacy_by_key(self) -> dict[str, LegacyProvince]:
        return {p.key: p for p in self.legacy}

    def successor(self, legacy_key: str) -> Province2025:
        """The 2025 province that a pre-2025 province became part of."""
        for p in self.current:
            if legacy_key in p.predecessors:
                return p
        raise AdminDataError(f"{PACKAGE}: province {legacy_key} belongs to no 2025 province")


def _data_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise AdminDataError(f"the package {PACKAGE} is not installed; `pip install {PACKAGE}` (see pyproject.toml)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _read(name: str) -> dict[str, Any]:
    path = _data_dir() / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AdminDataError(f"{PACKAGE}: {name} cannot be read ({exc})") from exc


def _short(name: str, kind: str) -> str:
    """The name without its kind: "Huyện Hồng Ngự" → "Hồng Ngự" (the package's districtShort
    disambiguates "Hồng Ngự Huyện" / "Hồng Ngự Thành phố" where a province has both)."""
    return name[len(kind) + 1 :] if name.casefold().startswith(f"{kind} ".casefold()) else name


@lru_cache(maxsize=1)
def load_admin_map() -> AdminMap:
    """The bundled map, read once per process."""
    try:
        legacy_raw = _read("parser_legacy.json")
        current_raw = _read("parser_from_2025.json")["DICT_PROVINCE"]
        formed_from = _read("converter_2025.json")["DICT_PROVINCE"]
        legacy = []
        for key, p in legacy_raw["DICT_PROVINCE"].items():
            districts = tuple(
                District(f"{d['districtType']} {short}", d["districtType"], short, d["districtCode"])
                for d in legacy_raw["DICT_PROVINCE_DISTRICT"][key].values()
                for short in [_short(d["district"], d["districtType"])]
            )
            legacy.append(LegacyProvince(key, p["provinceShort"], p["province"], p["provinceCode"], districts))
        current = tuple(
            Province2025(key, p["provinceShort"], p["province"], p["provinceCode"], tuple(formed_from[key]))
            for key, p in current_raw.items()
        )
    except KeyError as exc:
        raise AdminDataError(f"{PACKAGE}: its data has no field {exc}; this code reads version 1.0.x") from exc
    unknown = {k for p in current for k in p.predecessors} - {p.key for p in legacy}
    if unknown or len(legacy) != 63 or len(current) != 34:
        raise AdminDataError(f"{PACKAGE}: expected 63 → 34 provinces, found {len(legacy)} → {len(current)}")
    return AdminMap(tuple(legacy), current, importlib.metadata.version(PACKAGE))
