"""Framework knowledge (tiers, thresholds, group and component codes) loaded from data.

The rules live in ``normalizers/data/frameworks.yaml`` so a data officer can review and
edit them; this module only reads and applies them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from normalizers.fuzzy import COMPONENT_MARGIN, SAME_TEXT, closest
from normalizers.text import contains_words, strip_diacritics, text_key

if TYPE_CHECKING:
    from normalizers.knowledge import FrameworksFile


def pct_in_band(pct: float, pct_gt: float | None, pct_le: float | None) -> bool:
    """A tier's band: above its lower bound (exclusive), up to its upper bound (inclusive)."""
    return (pct_gt is None or pct > pct_gt) and (pct_le is None or pct <= pct_le)


@dataclass(frozen=True)
class Tier:
    code: str
    labels: tuple[str, ...]
    pct_gt: float | None = None
    pct_le: float | None = None

    def admits(self, pct: float) -> bool:
        return pct_in_band(pct, self.pct_gt, self.pct_le)


def tier_index(label: str | None, tiers: tuple[Tier, ...]) -> int | None:
    """Which tier a printed label names: the label itself, else a tier word inside it ("MỨC TỐT")."""
    key = text_key(label)
    if not key:
        return None
    for i, tier in enumerate(tiers):
        if any(text_key(lbl) == key for lbl in tier.labels):
            return i
    for i, tier in enumerate(tiers):
        if any(contains_words(key, lbl) for lbl in tier.labels):
            return i
    return None


def tier_for_pct(pct: float, tiers: tuple[Tier, ...]) -> Tier | None:
    """The tier whose band admits a percent; None where the tiers carry no thresholds."""
    for tier in tiers:
        if tier.pct_gt is None and tier.pct_le is None:
            return None
        if tier.admits(pct):
            return tier
    return None


@dataclass(frozen=True)
class EditionGroup:
    """One group's component maxima in an edition of a framework, in printed order."""

    max_score: float
    components: tuple[tuple[str, float], ...]  # (component code, maximum)


@dataclass(frozen=True)
class Edition:
    name: str
    groups: dict[str, EditionGroup]


@dataclass(frozen=True)
class Framework:
    code: str
    description: str
    title_words: tuple[str, ...]
    default_max: float
    tiers: tuple[Tier, ...]
    thresholds_known: bool
    editions: tuple[Edition, ...] = ()

    def edition_maxima(
        self, group: str, codes: list[str], legible: list[float | None], max_score: float
    ) -> tuple[Edition, list[float]] | None:
        """The one edition whose components of `group` are exactly `codes` and agree with every legible maximum."""
        found = []
        for edition in self.editions:
            eg = edition.groups.get(group)
            if eg is None or [c for c, _ in eg.components] != codes or abs(eg.max_score - max_score) > 1e-9:
                continue
            maxima = [m for _, m in eg.components]
            if all(seen is None or abs(seen - m) < 1e-9 for seen, m in zip(legible, maxima)):
                found.append((edition, maxima))
        return found[0] if len(found) == 1 else None

    scope: str = "provincial"  # "national": a ministry's ranking of provinces or ministries
    unit_kind: str | None = None  # national frameworks: the group code of their units (tinh, bo)

    def tier_for_label(self, label: str | None) -> Tier | None:
        index = tier_index(label, self.tiers)
        return None if index is None else self.tiers[index]

    def tier_for_pct(self, pct: float, tiers: tuple[Tier, ...] | None = None) -> Tier | None:
        return tier_for_pct(pct, tiers or self.tiers)


@dataclass(frozen=True)
class IndexMentions:
    """What a document's text says it ranks: our frameworks' title words, and the other index it names most."""

    ours: int
    other: int
    other_name: str

    @property
    def another_index(self) -> str | None:
        """Why it is another index's ranking (PAR INDEX, PCI, ...): named more often than every framework of ours.

        A DTI decision citing the PAR plan in passing names "chuyển đổi số" more.
        """
        if self.other == 0 or self.other <= self.ours:
            return None
        return (
            f"not an IT-application or digital-transformation ranking: it ranks by {self.other_name} (named "
            f"{self.other} time{'s' if self.other > 1 else ''}, the ICT/DTI words {self.ours})"
        )

    @property
    def none_of_ours(self) -> str | None:
        """Why it is no ranking of ours: every ICT or DTI document says what it ranks ("chuyển đổi số",
        "ứng dụng CNTT", "DTI"); a report of files handled per department has every other shape of one."""
        if self.ours:
            return None
        return (
            "not an IT-application or digital-transformation ranking: its text names neither index "
            "(no 'chuyển đổi số', 'ứng dụng CNTT', 'DTI' or 'ICT'); if it is one, add the page that says so"
        )


@dataclass(frozen=True)
class Knowledge:
    frameworks: dict[str, Framework]
    groups: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]
    components: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]
    columns: dict[str, tuple[tuple[str, ...], ...]]
    average_labels: tuple[str, ...]
    not_evaluated_labels: tuple[str, ...]
    component_names: tuple[str, ...] = ()
    not_unit_types: dict[str, tuple[str, ...]] = field(default_factory=dict)  # group code -> types
    other_indexes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, words) of indexes that are not ours
    sum_labels: tuple[str, ...] = ()  # labels of rows adding the units up ("Tổng cộng")

    def group_code(self, title: str) -> str | None:
        for loose in (False, True):
            for code, alternatives in self.groups:
                if any(contains_words(title, *words, loose=loose) for words in alternatives):
                    return code
        return None

    def component_code(self, header: str) -> str:
        for loose in (False, True):
            for code, patterns in self.components:
                if any(contains_words(header, *words, loose=loose) for words in patterns):
                    return code
        slug = re.sub(r"[^a-z0-9]+", "_", strip_diacritics(text_key(header)).lower()).strip("_")
        return slug or "component"

    def column_role(self, header: str, role: str = "", loose: bool = False) -> bool:
        # every role but `ignored` is required of frameworks.yaml (FrameworksFile.COLUMN_ROLES)
        return any(contains_words(header, *words, loose=loose) for words in self.columns.get(role, ()))

    def snap_component_name(self, header: str, min_score: float = SAME_TEXT) -> str | None:
        """The known printed spelling closest to an OCR'd header, when it is unambiguous."""
        names = self.component_names
        if not names or header in names:
            return None
        key = strip_diacritics(text_key(header))
        choices = {name: strip_diacritics(text_key(name)) for name in names}
        best = closest(key, choices, limit=2)
        if not best or best[0][1] < min_score:
            return None
        if len(best) > 1 and best[1][1] >= best[0][1] - COMPONENT_MARGIN and choices[best[1][0]] != choices[best[0][0]]:
            return None
        exact = [n for n in names if strip_diacritics(text_key(n)) == choices[best[0][0]]]
        return exact[0] if len(exact) == 1 else best[0][0]

    def is_sum_label(self, text: str) -> bool:
        """A row label that adds the units up ("Tổng cộng"), compared whole: "Tổng cục Thuế" is a unit."""
        return text_key(text) in {text_key(lbl) for lbl in self.sum_labels}

    def is_average_label(self, text: str) -> bool:
        key = text_key(text)
        return any(key.startswith(text_key(lbl)) for lbl in self.average_labels)

    def is_not_evaluated(self, text: str | None) -> bool:
        key = text_key(text)
        return bool(key) and any(text_key(lbl) in key for lbl in self.not_evaluated_labels)

    def framework_from_text(self, text: str) -> str | None:
        """The framework a longer text (an article) talks about most, by its title words."""
        votes = {
            code: sum(text_key(text).count(text_key(w)) for w in fw.title_words)
            for code, fw in self.frameworks.items()
            if fw.scope != "national"
        }
        best = max(votes, key=votes.__getitem__, default=None)
        return best if best is not None and votes[best] else None

    def index_mentions(self, text: str) -> IndexMentions:
        """How often a text names our frameworks and the other index it names most (one pass, no diacritics).

        Compared without diacritics: a scan's OCR reads "CHUYÊN ĐỔI SỐ".
        """
        key = f" {strip_diacritics(text_key(text))} "

        def count(words: Iterable[str]) -> int:
            return sum(key.count(f" {strip_diacritics(text_key(w))} ") for w in words)

        ours = max((count(fw.title_words) for fw in self.frameworks.values()), default=0)
        times, name = max(((count(words), name) for name, words in self.other_indexes), default=(0, ""))
        return IndexMentions(ours, times, name)

    def framework_from_title(self, title: str) -> str | None:
        for code, fw in self.frameworks.items():
            if fw.scope != "national" and any(contains_words(title, w) for w in fw.title_words):
                return code
        return None

    def national_framework(self, unit_kind: str, text: str) -> Framework | None:
        """The national framework for a ranking of `unit_kind` units whose page names it most often."""
        key = text_key(text)
        candidates = [fw for fw in self.frameworks.values() if fw.scope == "national" and fw.unit_kind == unit_kind]
        votes = {fw.code: sum(key.count(text_key(w)) for w in fw.title_words) for fw in candidates}
        best = max(candidates, key=lambda fw: votes[fw.code], default=None)
        return best if best is not None and votes[best.code] else None


def knowledge_from_model(data: FrameworksFile) -> Knowledge:
    """The frameworks object from frameworks.yaml as validated by :mod:`normalizers.knowledge`."""
    frameworks = {
        code: Framework(
            code=code,
            description=fw.description,
            title_words=fw.title_words,
            default_max=fw.default_max,
            tiers=tuple(Tier(t.code, t.labels, t.pct_gt, t.pct_le) for t in fw.tiers),
            thresholds_known=fw.thresholds_known,
            editions=tuple(
                Edition(e.name, {g: EditionGroup(eg.max, tuple(eg.components.items())) for g, eg in e.groups.items()})
                for e in fw.editions
            ),
            scope=fw.scope,
            unit_kind=fw.unit_kind,
        )
        for code, fw in data.frameworks.items()
    }
    return Knowledge(
        frameworks,
        tuple((g.code, g.any_of) for g in data.groups),
        tuple((c.code, c.patterns) for c in data.components),
        dict(data.columns),
        data.average_labels,
        data.not_evaluated_labels,
        tuple(name for c in data.components for name in c.names),
        {g.code: tuple(g.not_unit_types) for g in data.groups if g.not_unit_types},
        tuple((o.name, tuple(o.words)) for o in data.other_indexes),
        tuple(data.sum_labels),
    )


def load_knowledge(path: str | None = None) -> Knowledge:
    """The frameworks object of the default knowledge bundle (or of the frameworks.yaml at ``path``).

    Kept for notebooks; a run passes its bundle's ``frameworks`` explicitly.
    """
    from normalizers.knowledge import FrameworksFile, default_knowledge_bundle, read_yaml_file, validate_file

    if path is None:
        return default_knowledge_bundle().frameworks
    return knowledge_from_model(
        validate_file(FrameworksFile, read_yaml_file(Path(path), Path(path).name), Path(path).name)
    )
