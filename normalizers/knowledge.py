"""Every knowledge file, read and validated once into one bundle before any work starts.

The YAML files under ``normalizers/data/`` (and the unit registry's files, see
:mod:`normalizers.unit_files`) are data an officer edits. A typo in one used to be found late
or never (a misspelt ``pct_gt`` silently turned off derived tiers); here each file has a strict
pydantic model (unknown keys are errors, required keys must be there, values have their type),
and :func:`load_knowledge_bundle` reports every problem as one line a person can act on::

    frameworks.yaml: frameworks.dti.tiers.0.pct_gtt: unknown field
    national.yaml: min_share: required field missing

``dti run`` (and the other commands that use knowledge) load the bundle first and stop with
exit 1 on :class:`KnowledgeError`, before anything is surveyed, extracted or published. The
stages take the bundle (or the part they use) as a parameter; :func:`default_knowledge_bundle`
is the one cached bundle for a notebook that calls a stage without building one.

Where the files are read from: ``data_dir`` (``--knowledge-dir`` / ``DTI_KNOWLEDGE_DIR``), file by
file, else the packaged ``normalizers/data/``; the registry files from the registry folder
(``--registry``), file by file, else the packaged defaults, exactly as :class:`Registry` reads them.

Adding a knowledge file is one change here: write its model (a :class:`Strict` subclass, with a
``problems()`` method for checks across keys if it needs any) and add one field to
:class:`KnowledgeBundle` with ``metadata={"file": "<name>.yaml"}``; the loader, the override
folder and the messages follow. ``tests/test_knowledge.py`` compares :func:`knowledge_files` with its
cases, so it fails until the new file has its typo and removed-key cases there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import typing
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from normalizers.frameworks import Knowledge, knowledge_from_model
from normalizers.text import nfc, phrase_pattern, phrases_pattern
from normalizers.unit_model import UNIT_TYPES

if typing.TYPE_CHECKING:
    from normalizers.units import Registry

DATA_DIR = Path(__file__).resolve().parent / "data"
KNOWLEDGE_DIR_ENV = "DTI_KNOWLEDGE_DIR"

Loc = tuple[str | int, ...]


class KnowledgeError(ValueError):
    """A knowledge file is missing, not YAML, or breaks its schema; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class Strict(BaseModel):
    """A knowledge file's part: no unknown keys, immutable once read."""

    # the core schema is built at the first validation, not at import: a run that reads its
    # bundle from the on-disk index (pipeline.knowledge_cache) never validates and never builds it
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    def problems(self) -> list[tuple[Loc, str]]:
        """Checks across keys (sums, references); (key path, reason) per problem."""
        return []


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Text = Annotated[str, Field(min_length=1)]
Words = tuple[Text, ...]
WordGroups = tuple[Words, ...]  # alternatives, each a group of words that must all occur
Share = Annotated[float, Field(ge=0, le=1)]
WordGroup = Annotated[tuple[Text, ...], BeforeValidator(_listify), Field(min_length=1)]  # "[a, b]" or "a"


# --------------------------------------------------------------------------- frameworks.yaml


class TierModel(Strict):
    code: Text
    labels: Words
    pct_gt: float | None = None
    pct_le: float | None = None


class EditionGroupModel(Strict):
    max: float
    components: dict[str, Annotated[float, Field(gt=0)]]

    def problems(self) -> list[tuple[Loc, str]]:
        total = sum(self.components.values())
        if abs(total - self.max) > 1e-9:
            return [(("components",), f"component maxima add up to {total:g}, not the group maximum {self.max:g}")]
        return []


class EditionModel(Strict):
    name: Text
    groups: dict[str, EditionGroupModel]


class FrameworkModel(Strict):
    description: str
    title_words: Words
    default_max: float
    tiers: tuple[TierModel, ...]
    thresholds_known: bool
    editions: tuple[EditionModel, ...] = ()
    scope: Literal["provincial", "national"] = "provincial"
    unit_kind: str | None = None

    def problems(self) -> list[tuple[Loc, str]]:
        if self.scope == "national" and self.unit_kind is None:
            return [(("unit_kind",), "required field missing (a national framework names its units' group code)")]
        if self.scope == "provincial" and self.unit_kind is not None:
            return [(("unit_kind",), "only a national framework has a unit_kind")]
        return []


class GroupRuleModel(Strict):
    code: Text
    any_of: WordGroups
    # unit types a row of this group cannot be: a row resolved to one is reported (a department among districts)
    not_unit_types: tuple[Literal[UNIT_TYPES], ...] = ()  # type: ignore[valid-type]


class ComponentModel(Strict):
    code: Text
    patterns: WordGroups
    names: Words = ()


class OtherIndexModel(Strict):
    name: Text
    words: Words


class FrameworksFile(Strict):
    version: int
    frameworks: dict[str, FrameworkModel]
    other_indexes: tuple[OtherIndexModel, ...] = ()
    groups: tuple[GroupRuleModel, ...]
    components: tuple[ComponentModel, ...]
    columns: dict[str, WordGroups]
    average_labels: Words
    sum_labels: Words = ()
    not_evaluated_labels: Words

    # the column roles extractors/layouts.py asks for; `ignored` may be left out (no column is ignored)
    COLUMN_ROLES: ClassVar[tuple[str, ...]] = (
        "rank",
        "name",
        "total",
        "overall",
        "percent",
        "tier",
        "components_parent",
    )

    def problems(self) -> list[tuple[Loc, str]]:
        known = {c.code for c in self.components}
        found: list[tuple[Loc, str]] = [
            (("columns", role), "required field missing") for role in self.COLUMN_ROLES if role not in self.columns
        ]
        for code, fw in self.frameworks.items():
            for i, edition in enumerate(fw.editions):
                for group, eg in edition.groups.items():
                    for comp in eg.components:
                        if comp not in known:
                            loc: Loc = ("frameworks", code, "editions", i, "groups", group, "components", comp)
                            found.append((loc, "unknown component code (not one of components)"))
        return found


# --------------------------------------------------------------------------- extractors' files


class ScoringModel(Strict):
    body_share: Share
    names_vietnamese_share: Share
    numbers_in_range: Share
    names_required: Annotated[int, Field(ge=0, le=5)]
    ranking_words_required: bool
    accept_points: Annotated[int, Field(ge=0, le=5)]


class EvidenceRegistryModel(Strict):
    unresolved_share: Share
    strong_body_share: Share
    unresolved_confidence_factor: Share


class RankingEvidenceFile(Strict):
    body_prefixes: Annotated[Words, Field(min_length=1)]
    ranking_header_words: Annotated[tuple[WordGroup, ...], Field(min_length=1)]
    ranking_context_words: Annotated[tuple[WordGroup, ...], Field(min_length=1)]
    unit_column_words: Annotated[tuple[WordGroup, ...], Field(min_length=1)]
    scoring: ScoringModel
    registry: EvidenceRegistryModel


class LegacyEncodingModel(Strict):
    description: str = ""
    font_prefixes: Words
    lowercase_capitals: bool
    signature: str = ""
    letters: dict[Text, str]

    def problems(self) -> list[tuple[Loc, str]]:
        found: list[tuple[Loc, str]] = []
        for key, letter in self.letters.items():
            if len(letter) != 1 or unicodedata.normalize("NFC", letter) != letter:
                found.append((("letters", key), f"must map to one NFC letter, not {letter!r}"))
        if len(set(self.letters.values())) != len(self.letters):
            found.append((("letters",), "two codes map to the same letter"))
        return found


class LegacyEncodingsFile(Strict):
    tcvn3: LegacyEncodingModel
    vni: LegacyEncodingModel


class WeeklyTableModel(Strict):
    headings: Words = ()
    header_words: Words = ()
    unit_rows: bool = False
    columns: Words = ()
    lone_trailing_value_to: str | None = None


class WeeklyTablesFile(Strict):
    tables: dict[str, WeeklyTableModel]
    row_no_headers: Words
    unit_of_measure_headers: Words
    entered_marks: Words
    issuers: Words = ()


class PageChromeFile(Strict):
    chrome_tags: Words
    chrome_words: Words
    article_words: Words
    table_holders: Words


class NewsGroupModel(Strict):
    code: Text
    phrase: Text
    mention: Text


class NewsPhrasesFile(Strict):
    """Regular expressions (compiled by extractors/news.py, whose errors name the key) and word lists."""

    groups: tuple[NewsGroupModel, ...]
    unit_prefixes: Words
    name_stops: Text
    tier_words: Words
    tier_lead: Text
    ordinals: dict[Text, int]
    first_place: Text
    last_place: Text
    rank_word: Text
    respectively: Text
    all_of_them: Text
    not_evaluated: Text
    not_a_section: Text
    other_group: Text
    one_group_only: Text
    list_rank: Text
    year_context: Text
    year_not: Text
    group_size: Text
    top_n: Text
    total: Text
    total_of_max: Text
    not_total_before: Text
    not_total_after: Text
    percent: Text
    no_unit_at: Text
    national_rank: Text
    national_index: Text
    national_item_cut: Text
    national_item: Text

    def problems(self) -> list[tuple[Loc, str]]:
        found: list[tuple[Loc, str]] = []
        for name, value in self:
            if isinstance(value, str):
                patterns: list[tuple[Loc, str]] = [((name,), value)]
            elif name == "groups":
                patterns = [
                    (("groups", i, k), getattr(g, k)) for i, g in enumerate(value) for k in ("phrase", "mention")
                ]
            else:
                continue
            for loc, pattern in patterns:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    found.append((loc, f"not a valid regular expression ({exc})"))
        return found


def _pattern_problems(model: Strict, names: tuple[str, ...], flags: int = 0) -> list[tuple[Loc, str]]:
    """Each named key's regular expression compiled; (key, reason) for each that does not."""
    return [problem for name in names for problem in _regex_problems((name,), getattr(model, name), None, flags)]


class NewsWordingFile(Strict):
    """The words around a news article's results (compiled by extractors/news_phrases.py)."""

    decision: Text
    decision_date: Text
    signed_before: Text
    issuer: Text
    issuer_name: Text
    points: Text
    maximum: Text
    threshold: Text
    year: Text
    province_mention: Text
    dotted_abbreviations: Words
    name_words: Words
    connector: Text
    lead_cut: Text
    title_lead: Text
    title_words: Words
    printed_tier: Text
    rank_number: Text
    ordinal_lead: Text

    PATTERNS: ClassVar[tuple[str, ...]] = (
        "decision",
        "decision_date",
        "signed_before",
        "issuer",
        "points",
        "maximum",
        "threshold",
        "year",
        "province_mention",
        "connector",
        "lead_cut",
        "title_lead",
        "printed_tier",
        "rank_number",
        "ordinal_lead",
    )

    def problems(self) -> list[tuple[Loc, str]]:
        return _pattern_problems(self, self.PATTERNS, re.IGNORECASE)


class WeeklyWordingFile(Strict):
    """How a weekly report words its opening block and tables (compiled by extractors/weekly_knowledge.py)."""

    title: Text
    title_max_words: Annotated[int, Field(gt=0)]
    topic: Text
    week: Text
    year: Text
    period: Text
    province_header: Text
    agency: Text
    motto: Text
    agency_joiners: Words
    issuer_of_agency: Text
    issuer_of_province: Text
    province_word: Text
    label_header: Text
    prose_tables: Words

    PATTERNS: ClassVar[tuple[str, ...]] = ("week", "year", "period", "province_header", "agency", "motto")

    def problems(self) -> list[tuple[Loc, str]]:
        return _pattern_problems(self, self.PATTERNS)


class ProvincesFile(Strict):
    provinces: Annotated[Words, Field(min_length=1)]


class NationalFile(Strict):
    min_share: Share
    province_prefixes: Words
    ministry_prefixes: Words
    ministry_level: Words
    issuers: Words
    default_issuer: str | None = None
    province_aliases: dict[Text, Text] = Field(default_factory=dict)


class OcrConfusionsFile(Strict):
    characters: dict[str, tuple[str, ...]]
    digits: tuple[tuple[str, str], ...]
    decimal_point: bool
    rank_leading_digit: bool


# --------------------------------------------------------------------------- the unit registry's files
# Shapes only: the registry (normalizers/units.py) checks meaning (ids, years, lineage) itself.

Year = Annotated[int, Field(ge=1945, le=2100)]


class AbbreviationsFile(Strict):
    abbreviations: dict[str, str] = Field(default_factory=dict)
    ignore_words: tuple[str, ...] = ()
    locality_prefixes: tuple[str, ...] = ()
    locality_words: tuple[str, ...] = ()
    province_words: tuple[str, ...] = ()
    city_words: tuple[str, ...] = ()


class ConfusableGroupModel(Strict):
    words: Annotated[Words, Field(min_length=1)]
    why: str | None = None


class ConfusablesFile(Strict):
    groups: tuple[ConfusableGroupModel, ...]


class UnitMatchingFile(Strict):
    min_score: Annotated[float, Field(ge=0, le=100)]
    min_margin: Annotated[float, Field(ge=0, le=100)]
    stripped_penalty: Annotated[float, Field(ge=0, le=100)]


class ProvinceCodeModel(Strict):
    gso_code: Text
    code: Text
    name: Text


class ProvinceCodesFile(Strict):
    provinces: tuple[ProvinceCodeModel, ...]
    extra_names: dict[Text, tuple[Text, ...]] = Field(default_factory=dict)


class EventModel(Strict):
    event: str
    from_: WordGroup = Field(alias="from")
    to: WordGroup
    effective_year: Year
    approximate: bool = False
    legal_basis: str | None = None
    note: str | None = None


class CatalogueEventModel(EventModel):
    id: Text


class UnitTypeModel(Strict):
    code: Text
    name: Text
    unit_type: Text
    aliases: tuple[Text, ...] = ()
    valid_from_year: Year | None = None
    valid_to_year: Year | None = None
    some_provinces: bool | None = None
    note: str | None = None
    level: str | None = None


class ReformModel(Strict):
    effective_year: Year
    legal_basis: Text


class UnitTypesFile(Strict):
    types: tuple[UnitTypeModel, ...]
    events: tuple[CatalogueEventModel, ...] = ()
    province_merger: ReformModel
    district_level_end: ReformModel


class UnitModel(Strict):
    unit_id: Text
    name: Text
    unit_type: Text
    unit_type_code: str | None = None
    valid_from_year: Year | None = None
    valid_to_year: Year | None = None
    aliases: tuple[Text, ...] | None = None
    note: str | None = None


class ProvinceUnitsFile(Strict):
    province: Text
    code: Text
    skip_events: tuple[str, ...] | None = None
    units: tuple[UnitModel, ...] | None = None
    events: tuple[EventModel, ...] | None = None


# --------------------------------------------------------------------------- wording files (branch words)
# decision_wording.yaml, admin_unit_words.yaml, missing_marks.yaml, table_headers.yaml,
# vni_french_pairs.yaml: words are NFC and stripped as read; patterns are checked here (compile,
# number of groups) and compiled by the module that uses them.


def _nfc_word(value: str) -> str:
    word = nfc(value.strip())
    if not word:
        raise ValueError("must not be blank")
    return word


NfcText = Annotated[str, AfterValidator(_nfc_word)]
NfcWords = Annotated[tuple[NfcText, ...], Field(min_length=1)]
_ID_PART = re.compile(r"^[a-z0-9_]+$")


def _regex_problems(loc: Loc, pattern: str, groups: int | None, flags: int) -> list[tuple[Loc, str]]:
    try:
        compiled = re.compile(pattern, flags)
    except re.error as exc:
        return [(loc, f"not a valid regular expression ({exc})")]
    if groups is not None and compiled.groups != groups:
        return [(loc, f"expected {groups} bracketed groups, got {compiled.groups}")]
    return []


class DateWordsModel(Strict):
    day: NfcText
    month: NfcText
    year: NfcText


class AnnexReferenceModel(Strict):
    opening: NfcWords
    decision: NfcText
    number: NfcText


class TitleWordsModel(Strict):
    heading: NfcText
    ends: NfcWords


class YearHeadingsModel(Strict):
    skip_starting: NfcWords
    skip_containing: NfcWords
    ranking_words: NfcWords


class MaximaStatementModel(Strict):
    scale: NfcWords
    maximum: NfcText
    unit: NfcText


class WordingGroupModel(Strict):
    code: NfcText
    words: NfcWords


class TierRulesModel(Strict):
    word: NfcText
    above: NfcWords
    up_to: NfcWords


class DecisionWordingFile(Strict):
    """How decisions word their metadata; :meth:`patterns` builds the regexes extractors/metadata.py compiles."""

    number: NfcText
    blank_number: NfcText
    date_words: DateWordsModel
    issuer_header: NfcText
    issuer: NfcText
    province_words: NfcWords
    annex_reference: AnnexReferenceModel
    title: TitleWordsModel
    year_headings: YearHeadingsModel
    maxima_statement: MaximaStatementModel
    procedure_groups: Annotated[tuple[WordingGroupModel, ...], Field(min_length=1)]
    level_groups: Annotated[tuple[WordingGroupModel, ...], Field(min_length=1)]
    tier_rules: TierRulesModel

    def patterns(self) -> dict[str, tuple[Loc, str, int | None, int]]:
        """Each compiled pattern's name: (the key it comes from, the regex, its groups, its flags)."""
        d = self.date_words
        day, month, year = phrase_pattern(d.day), phrase_pattern(d.month), phrase_pattern(d.year)
        spelled = rf"(\d{{1,2}})\s+{month}\s+(\d{{1,2}})\s+{year}\s+(\d{{4}})"
        slashed = r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})"
        a = self.annex_reference
        annex = (
            rf"{phrases_pattern(a.opening)}\s+{phrase_pattern(a.decision)}\s+{phrase_pattern(a.number)}"
            rf"\s*(\d{{1,6}})\s*/\s*([A-ZĐ][A-ZĐa-z\-]*)(?:\s+{day}\s+(?:{slashed}|{spelled}))?"
        )
        m = self.maxima_statement
        maxima = (
            rf"{phrases_pattern(m.scale)}\s+[^;:]{{0,40}}?{phrase_pattern(m.maximum)}([^;]{{0,200}}?)(\d[\d.,]*)"
            rf"\s*{phrase_pattern(m.unit)}"
        )
        t = self.tier_rules
        tier = rf"{phrase_pattern(t.word)}\s+([^:;.,]{{2,20}}?)\s*:\s*([^;]{{0,160}}?)(?:;|\.(?!\d)|$)"
        percent = r"\s+(\d+(?:[.,]\d+)?)\s*%"
        i = re.IGNORECASE
        return {
            "number": (("number",), self.number, 2, re.UNICODE),
            "blank_number": (("blank_number",), self.blank_number, None, re.UNICODE),
            "place_date": (("date_words",), rf",\s*{day}\s+{spelled}", 3, i),
            "place_date_slashed": (("date_words",), rf",\s*{day}\s+{slashed}", 3, i),
            "partial_date": (
                ("date_words",),
                rf",\s*{day}\s+(?:\d{{1,2}}\s+)?{month}\s+(?:\d{{1,2}}\s+)?{year}\s+\d{{4}}",
                0,
                i,
            ),
            "year": (("date_words", "year"), rf"\b{year}\s+(\d{{4}})\b", 1, i),
            "annex_ref": (("annex_reference",), annex, 8, i),
            "issuer_header": (("issuer_header",), self.issuer_header, None, i),
            "max_statement": (("maxima_statement",), maxima, 2, i),
            "tier_rule": (("tier_rules", "word"), tier, 2, i),
            "above": (("tier_rules", "above"), phrases_pattern(t.above) + percent, 1, i),
            "up_to": (("tier_rules", "up_to"), phrases_pattern(t.up_to) + percent, 1, i),
        }

    def problems(self) -> list[tuple[Loc, str]]:
        found: list[tuple[Loc, str]] = []
        for loc, pattern, groups, flags in self.patterns().values():
            found += _regex_problems(loc, pattern, groups, flags)
        if "{province}" not in self.issuer:
            found.append((("issuer",), f"expected the place holder {{province}} in {self.issuer!r}"))
        return found


class DistrictKindModel(Strict):
    id_prefix: NfcText
    party_committee: NfcText
    party_id_prefix: NfcText

    def problems(self) -> list[tuple[Loc, str]]:
        return [
            ((key,), f"an id prefix is lower-case ASCII letters, digits and _, not {value!r}")
            for key, value in (("id_prefix", self.id_prefix), ("party_id_prefix", self.party_id_prefix))
            if not _ID_PART.match(value)
        ]


class AdminUnitWordsFile(Strict):
    province_prefixes: NfcWords
    city_official_prefix: NfcText
    province_official_prefix: NfcText
    nation_names: NfcWords
    district_name_prefixes: NfcWords
    district_kinds: Annotated[dict[NfcText, DistrictKindModel], Field(min_length=1)]


class MissingMarksFile(Strict):
    marks: NfcWords


class MaximumInHeaderModel(Strict):
    before: NfcWords
    after: NfcWords


class SplitRankIndexModel(Strict):
    rank: NfcText
    index: NfcText


class TableHeadersFile(Strict):
    maximum_in_header: MaximumInHeaderModel
    split_rank_index: SplitRankIndexModel
    year_words: NfcWords


class VniFrenchPairsFile(Strict):
    pairs: NfcWords

    def problems(self) -> list[tuple[Loc, str]]:
        return [(("pairs", i), f"expected two characters, not {p!r}") for i, p in enumerate(self.pairs) if len(p) != 2]


# --------------------------------------------------------------------------- end of wording files

REGISTRY_MODELS: dict[str, type[Strict]] = {
    "abbreviations.yaml": AbbreviationsFile,
    "confusables.yaml": ConfusablesFile,
    "unit_matching.yaml": UnitMatchingFile,
    "unit_types.yaml": UnitTypesFile,
    "province_codes.yaml": ProvinceCodesFile,
}


# --------------------------------------------------------------------------- the bundle

M = TypeVar("M", bound=Strict)
P = TypeVar("P")
R = TypeVar("R")


@dataclasses.dataclass(frozen=True, eq=False)
class KnowledgeBundle:
    """Every knowledge file, validated; ``frameworks`` is the frameworks object the stages use."""

    frameworks_file: FrameworksFile = dataclasses.field(metadata={"file": "frameworks.yaml"})
    ranking_evidence: RankingEvidenceFile = dataclasses.field(metadata={"file": "ranking_evidence.yaml"})
    legacy_encodings: LegacyEncodingsFile = dataclasses.field(metadata={"file": "legacy_encodings.yaml"})
    weekly_tables: WeeklyTablesFile = dataclasses.field(metadata={"file": "weekly_tables.yaml"})
    page_chrome: PageChromeFile = dataclasses.field(metadata={"file": "page_chrome.yaml"})
    news_phrases: NewsPhrasesFile = dataclasses.field(metadata={"file": "news_phrases.yaml"})
    news_wording: NewsWordingFile = dataclasses.field(metadata={"file": "news_wording.yaml"})
    weekly_wording: WeeklyWordingFile = dataclasses.field(metadata={"file": "weekly_wording.yaml"})
    provinces: ProvincesFile = dataclasses.field(metadata={"file": "provinces.yaml"})
    national: NationalFile = dataclasses.field(metadata={"file": "national.yaml"})
    ocr_confusions: OcrConfusionsFile = dataclasses.field(metadata={"file": "ocr_confusions.yaml"})
    # wording files (branch words)
    decision_wording: DecisionWordingFile = dataclasses.field(metadata={"file": "decision_wording.yaml"})
    admin_unit_words: AdminUnitWordsFile = dataclasses.field(metadata={"file": "admin_unit_words.yaml"})
    missing_marks: MissingMarksFile = dataclasses.field(metadata={"file": "missing_marks.yaml"})
    table_headers: TableHeadersFile = dataclasses.field(metadata={"file": "table_headers.yaml"})
    vni_french_pairs: VniFrenchPairsFile = dataclasses.field(metadata={"file": "vni_french_pairs.yaml"})
    # end of wording files
    frameworks: Knowledge = dataclasses.field(init=False)
    registry: Registry | None = None  # the unit registry, when loaded with one (``dti run`` does)
    data_dir: Path = DATA_DIR

    def __post_init__(self) -> None:
        object.__setattr__(self, "frameworks", knowledge_from_model(self.frameworks_file))

    def digest(self) -> str:
        """A hash of every file's validated content: cached extractions made with other knowledge differ."""
        h = hashlib.sha256()
        for f in dataclasses.fields(self):
            if "file" in f.metadata:
                h.update(f.metadata["file"].encode() + getattr(self, f.name).model_dump_json().encode())
        return h.hexdigest()[:16]


def knowledge_files() -> dict[str, type[Strict]]:
    """The package knowledge files the bundle holds: file name -> its model."""
    hints = typing.get_type_hints(KnowledgeBundle, globalns=globals() | {"Registry": object})
    return {f.metadata["file"]: hints[f.name] for f in dataclasses.fields(KnowledgeBundle) if "file" in f.metadata}


def _where(loc: Loc) -> str:
    return ".".join(str(p) for p in loc) if loc else "(top level)"


_EXPECTED = {
    "string_type": "expected text",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "model_attributes_type": "expected a mapping",
}


def _reason(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field missing"
    if kind in _EXPECTED:
        return f"{_EXPECTED[kind]}, not {error.get('input')!r}"
    if kind == "too_short":
        return "must not be empty"
    msg = str(error["msg"]).removeprefix("Value error, ").replace("Input should be ", "must be ")
    if kind in ("literal_error", "less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        return f"{msg}, not {error.get('input')!r}"
    return msg[:1].lower() + msg[1:]


def _problems_of(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """Every cross-key problem of a validated model and of the models inside it."""
    if isinstance(model, Strict):
        for sub, reason in model.problems():
            yield loc + sub, reason
    for name, value in model:
        info = type(model).model_fields.get(name)
        key = (info.alias or name) if info is not None else name
        yield from _problems_in(value, loc + (key,))


def _problems_in(value: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(value, BaseModel):
        yield from _problems_of(value, loc)
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, BaseModel | tuple | dict):
                yield from _problems_in(v, loc + (k,))
    elif isinstance(value, tuple):
        for i, v in enumerate(value):
            if isinstance(v, BaseModel | tuple):
                yield from _problems_in(v, loc + (i,))


def read_yaml_file(path: Path, label: str) -> Any:
    """A YAML file's data, or KnowledgeError naming ``label`` (the file as the officer knows it)."""
    import yaml  # not loaded by a run that finds its knowledge and registry indexed

    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())[:120]
        raise KnowledgeError([f"{label}: not valid YAML ({where}{problem})"]) from exc
    except OSError as exc:
        raise KnowledgeError([f"{label}: cannot be read ({exc.strerror})"]) from exc


def validate_file(model: type[M], data: Any, label: str) -> M:
    """``data`` as ``model``, or KnowledgeError with one ``label: key.path: reason`` line per problem."""
    if data is None:
        data = {}
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError([f"{label}: {_where(tuple(e['loc']))}: {_reason(e)}" for e in exc.errors()]) from None
    problems = [f"{label}: {_where(loc)}: {reason}" for loc, reason in _problems_of(parsed)]
    if problems:
        raise KnowledgeError(problems)
    return parsed


def _package_file(data_dir: Path, name: str) -> Path:
    own = data_dir / name
    return own if own.exists() else DATA_DIR / name


def knowledge_dir(data_dir: Path | None = None) -> Path:
    """Where the package knowledge files are read: ``data_dir``, else $DTI_KNOWLEDGE_DIR, else the package's."""
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get(KNOWLEDGE_DIR_ENV)
    return Path(env) if env else DATA_DIR


def validate_registry_files(registry_dir: Path | None) -> None:
    """The registry folder's files checked for shape (unknown keys, missing keys, types) before it is built."""
    from normalizers.unit_files import registry_file

    directory = Path(registry_dir) if registry_dir is not None else DATA_DIR
    problems: list[str] = []
    for name, model in REGISTRY_MODELS.items():
        path = registry_file(directory, name)
        try:
            validate_file(model, read_yaml_file(path, name), name)
        except KnowledgeError as exc:
            problems += exc.problems
    for path in sorted((directory / "units").glob("*.yaml")):
        label = f"units/{path.name}"
        try:
            validate_file(ProvinceUnitsFile, read_yaml_file(path, label), label)
        except KnowledgeError as exc:
            problems += exc.problems
    if problems:
        raise KnowledgeError(problems)


def load_registry_checked(registry_dir: Path | None) -> Registry:
    """The unit registry, its files' shapes checked first; its own checks' messages as KnowledgeError."""
    from normalizers.units import Registry, RegistryError

    validate_registry_files(registry_dir)
    try:
        return Registry.load(registry_dir)
    except RegistryError as exc:
        raise KnowledgeError([str(exc)]) from exc


def knowledge_file_paths(directory: Path) -> dict[str, Path]:
    """Each knowledge file's name and the file it is read from: `directory`'s copy, else the packaged one."""
    return {name: _package_file(directory, name) for name in knowledge_files()}


def load_knowledge_bundle(
    data_dir: Path | None = None, registry_dir: Path | None = None, with_registry: bool = False
) -> KnowledgeBundle:
    """Read and validate every knowledge file once; KnowledgeError lists every problem found.

    ``data_dir`` overrides the packaged ``normalizers/data/`` file by file (a file it lacks is the
    packaged one); ``with_registry`` also loads the unit registry from ``registry_dir`` (None: the
    packaged registry, read-only).
    """
    directory = knowledge_dir(data_dir)
    parsed: dict[str, Any] = {}
    problems: list[str] = []
    models = knowledge_files()
    for field in dataclasses.fields(KnowledgeBundle):
        name = field.metadata.get("file")
        if name is None:
            continue
        try:
            parsed[field.name] = validate_file(models[name], read_yaml_file(_package_file(directory, name), name), name)
        except KnowledgeError as exc:
            problems += exc.problems
    registry = None
    if with_registry:
        try:
            registry = load_registry_checked(registry_dir)
        except KnowledgeError as exc:
            problems += exc.problems
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBundle(**parsed, registry=registry, data_dir=directory)


_DEFAULTS: dict[Path, KnowledgeBundle] = {}
_INSTALLED: list[KnowledgeBundle] = []


def default_knowledge_bundle() -> KnowledgeBundle:
    """The cached bundle of the packaged (or $DTI_KNOWLEDGE_DIR) files, for a stage called without one."""
    if _INSTALLED:
        return _INSTALLED[0]
    directory = knowledge_dir()
    bundle = _DEFAULTS.get(directory)
    if bundle is None:
        bundle = _DEFAULTS[directory] = load_knowledge_bundle(directory)
    return bundle


@contextmanager
def knowledge_as_default(bundle: KnowledgeBundle) -> Iterator[None]:
    """``bundle`` as this process's default while a run uses it (assembly's helpers), the previous one after."""
    saved = list(_INSTALLED)
    _INSTALLED[:] = [bundle]
    try:
        yield
    finally:
        _INSTALLED[:] = saved


def use_as_default(bundle: KnowledgeBundle) -> None:
    """Make ``bundle`` this process's default: a document worker does, so a stage it reaches without the
    bundle passed down (a helper deep inside an extractor) reads the run's files, not the packaged ones."""
    _INSTALLED[:] = [bundle]


def bundle_or_default(knowledge: KnowledgeBundle | None) -> KnowledgeBundle:
    return knowledge if knowledge is not None else default_knowledge_bundle()


_BUILT: dict[tuple[tuple[int, ...], Callable[[Any], Any]], tuple[tuple[Any, ...], Any]] = {}


def built(part: P, build: Callable[[P], R]) -> R:
    """What ``build`` makes of a bundle's part (compiled patterns, keyed sets), made once per part.

    The parts are immutable, so a module's compiled form of them is too; this replaces the
    per-module ``lru_cache`` loaders without tying them to one global file. ``part`` may be a
    tuple of parts (news_phrases.yaml with news_wording.yaml): built once per those parts.
    """
    parts = part if isinstance(part, tuple) else (part,)
    key = (tuple(id(p) for p in parts), build)
    hit = _BUILT.get(key)
    if hit is None or any(a is not b for a, b in zip(hit[0], parts, strict=True)):
        hit = (parts, build(part))
        _BUILT[key] = hit
    return hit[1]
