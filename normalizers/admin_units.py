"""Vietnam's administrative map, read from the ``vietnamadminunits`` package's bundled data.

The package ships the 63 provinces before 1 July 2025 with their districts and official
(General Statistics Office) codes, the 34 provinces after Resolution 202/2025/QH15 and which
old provinces each new one was formed from. Its JSON files are read directly (importing the
package would load its address parser and geocoding dependencies); nothing is downloaded.
``vietnam-provinces`` (2025.x) ships only the post-2025 map, so it cannot carry a panel
across the reorganisation.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE = "vietnamadminunits"
# district kinds as the package prints them, and the slug prefix of their unit ids
DISTRICT_KINDS = {"Huyện": "huyen", "Thị xã": "tx", "Thành phố": "tp", "Quận": "quan"}
# the Party committee of each kind of district, and its id prefix
DISTRICT_PARTY = {
    "Huyện": ("Huyện ủy", "huyen_uy"),
    "Thị xã": ("Thị ủy", "thi_uy"),
    "Thành phố": ("Thành ủy", "thanh_uy"),
    "Quận": ("Quận ủy", "quan_uy"),
}


class AdminDataError(RuntimeError):
    """The administrative-units package is missing or its data is not what this code reads."""


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
        return self.official_name.startswith("Thành phố")


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
