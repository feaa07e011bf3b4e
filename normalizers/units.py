"""The unit registry's public face: what the pipeline, the CLI and notebooks import.

Which organisation a printed name refers to, across years and provinces, is answered by
four modules, one concept each: :mod:`normalizers.unit_files` (the registry folder's files:
reading, rendering, round-trip edits, the accept log), :mod:`normalizers.unit_registry`
(loading, validation, indexes, lookups, aliases: :class:`Registry`),
:mod:`normalizers.unit_matching` (a printed name against a province's units: keys, fuzzy
score, thresholds) and :mod:`normalizers.unit_snapping` (an OCR'd name read as the
registry's printed spelling). This module only names the public parts, so callers and the
documents that cite ``normalizers.units`` need not follow the split.
"""

from __future__ import annotations

from normalizers.national_units import NATION
from normalizers.unit_files import DATA_DIR, ensure_registry_folder, render_province_file
from normalizers.unit_model import EVENTS, UNIT_TYPES, LineageEvent, RegistryError, Unit, UnitMatch, UnknownUnitError
from normalizers.unit_registry import Registry

__all__ = [
    "DATA_DIR",
    "EVENTS",
    "NATION",
    "UNIT_TYPES",
    "LineageEvent",
    "Registry",
    "RegistryError",
    "Unit",
    "UnitMatch",
    "UnknownUnitError",
    "ensure_registry_folder",
    "render_province_file",
]
