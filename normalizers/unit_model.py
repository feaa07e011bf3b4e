"""The registry's shapes: units, lineage events, match results and the registry's errors.

Shared by the registry files (:mod:`normalizers.unit_files`), the national knowledge
(:mod:`normalizers.national_units`), the registry (:mod:`normalizers.unit_registry`) and matching
(:mod:`normalizers.unit_matching`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UNIT_TYPES = ("department_agency", "party_mass_org", "district_locality", "province", "ministry", "other")
EVENTS = ("rename", "merge", "split")
NATIONAL = "national"  # Unit.source_file of a unit that comes from the national knowledge, not a file


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
    unit_type_code: str | None = None  # the national catalogue type (so_tai_chinh), comparable across provinces

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
