"""Is a table a ranking of Vietnamese public units? An explainable score per table.

The layouts read any ruled table with a column of names and columns of numbers, and so
would a table of school enrolment by Indian state. Before a table's rows become scores, its
evidence is weighed: names that look like Vietnamese public bodies (or provinces), ranking
words in its header, a heading or decision title that names a ranking, and numbers that
behave like scores under a maximum. The names are required; the points are summed. Each
table's verdict is one readable line recorded on the document (``documents.table_evidence``).

The words live in ``normalizers/data/ranking_evidence.yaml``; this module only applies them.
It is pure: raw tables in, verdicts out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from normalizers.admin_units import admin_unit_words
from normalizers.frameworks import Knowledge
from normalizers.knowledge import (
    KnowledgeBundle,
    ProvincesFile,
    RankingEvidenceFile,
    built,
    bundle_or_default,
    validate_file,
)
from normalizers.numbers import Convention, NumberFormatError, missing_marks, parse_number, parse_rank
from normalizers.scores import document_convention, read_maximum
from normalizers.text import contains_words, strip_diacritics, text_key
from schemas.raw import RawDocument, RawTable

_VIETNAMESE_LETTERS = frozenset("ăâđêôơưĂÂĐÊÔƠƯ")
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


@dataclass(frozen=True)
class EvidenceRules:
    body_prefixes: tuple[str, ...]
    header_words: tuple[tuple[str, ...], ...]
    context_words: tuple[tuple[str, ...], ...]
    unit_column_words: tuple[tuple[str, ...], ...]
    body_share: float
    vietnamese_share: float
    numbers_in_range: float
    names_required: int
    ranking_words_required: bool
    accept_points: int
    unresolved_share: float
    strong_body_share: float
    unresolved_confidence_factor: float


def compile_rules(data: RankingEvidenceFile) -> EvidenceRules:
    """The evidence rules of a validated ranking_evidence.yaml, its words keyed for comparison."""
    return EvidenceRules(
        body_prefixes=tuple(text_key(p) for p in data.body_prefixes),
        header_words=data.ranking_header_words,
        context_words=data.ranking_context_words,
        unit_column_words=data.unit_column_words,
        body_share=data.scoring.body_share,
        vietnamese_share=data.scoring.names_vietnamese_share,
        numbers_in_range=data.scoring.numbers_in_range,
        names_required=data.scoring.names_required,
        ranking_words_required=data.scoring.ranking_words_required,
        accept_points=data.scoring.accept_points,
        unresolved_share=data.registry.unresolved_share,
        strong_body_share=data.registry.strong_body_share,
        unresolved_confidence_factor=data.registry.unresolved_confidence_factor,
    )


def parse_rules(data: object, source: str) -> EvidenceRules:
    """Validate evidence data (KnowledgeError, one line per problem naming ``source`` and the key)."""
    return compile_rules(validate_file(RankingEvidenceFile, data, source))


def load_rules(knowledge: KnowledgeBundle | None = None) -> EvidenceRules:
    """The bundle's ranking_evidence.yaml (validated at start) as rules."""
    return built(bundle_or_default(knowledge).ranking_evidence, compile_rules)


def _keyed(data: ProvincesFile) -> tuple[frozenset[str], frozenset[str]]:
    names = data.provinces
    return frozenset(text_key(n) for n in names), frozenset(strip_diacritics(text_key(n)) for n in names)


def _province_keys(knowledge: KnowledgeBundle | None = None) -> tuple[frozenset[str], frozenset[str]]:
    return built(bundle_or_default(knowledge).provinces, _keyed)


def is_province_name(name: str, loose: bool = False, bundle: KnowledgeBundle | None = None) -> bool:
    """ "Lào Cai", "Tỉnh Lào Cai", "TP. Hà Nội": a province or centrally governed city (``bundle``'s provinces)."""
    key = admin_unit_words(bundle).without_province_prefix(text_key(name))
    exact, bare = _province_keys(bundle)
    return key in exact or (loose and strip_diacritics(key) in bare)


def looks_like_body(
    name: str, rules: EvidenceRules, loose: bool = False, bundle: KnowledgeBundle | None = None
) -> bool:
    """A name whose first words are those of a Vietnamese public body, or a province's name.

    `loose` also compares without diacritics, for OCR text that confuses marks.
    """
    key = text_key(name)
    if not key:
        return False
    padded = f"{key} "
    if any(padded.startswith(f"{p} ") for p in rules.body_prefixes):
        return True
    if loose:
        bare = strip_diacritics(padded)
        if any(bare.startswith(f"{strip_diacritics(p)} ") for p in rules.body_prefixes):
            return True
    return is_province_name(name, loose, bundle)


def is_vietnamese(name: str) -> bool:
    """Written in Vietnamese: a letter or a tone mark that only Vietnamese spelling uses."""
    if any(ch in _VIETNAMESE_LETTERS for ch in name):
        return True
    return any(ch in _TONE_MARKS for ch in unicodedata.normalize("NFD", name))


@dataclass(frozen=True)
class TableEvidence:
    """The verdict on one table, with the points that made it."""

    number: int  # 1-based, in document order
    title: str
    page: int | None
    rows: int
    taken: bool
    points: int
    names_points: int
    ranking_words: bool  # the header or the context names a ranking
    reasons: tuple[str, ...]
    not_a_body: str | None  # a name that does not look like a public body, for the message

    def line(self) -> str:
        where = f"p.{self.page}, " if self.page else ""
        title = f"'{self.title[:60]}', " if self.title else ""
        verdict = "taken" if self.taken else "not taken"
        reasons = "; ".join(self.reasons)
        return f"table {self.number} ({where}{title}{self.rows} rows): {verdict}, {self.points} points: {reasons}"


def _has_words(texts: Sequence[str], groups: tuple[tuple[str, ...], ...], loose: bool) -> str | None:
    for text in texts:
        if text and any(contains_words(text, *words, loose=loose) for words in groups):
            return text
    return None


def _document_maximum(
    doc: RawDocument, table: RawTable, knowledge: Knowledge, convention: Convention, marks: frozenset[str]
) -> float:
    code = table.group_code or ""
    raw = table.max_raw or doc.group_maxima.get(code) or doc.group_maxima.get("*")
    value = read_maximum(raw, convention, None, marks)
    if value is not None:
        return value
    framework = knowledge.frameworks.get(doc.framework or "")
    if framework is not None:
        return framework.default_max
    return max(fw.default_max for fw in knowledge.frameworks.values())


def _numbers(
    doc: RawDocument,
    table: RawTable,
    knowledge: Knowledge,
    convention: Convention,
    max_rank: int,
    marks: frozenset[str],
) -> tuple[int, int, float]:
    """Rows whose printed total lies within 0..maximum and whose rank within 1..max_rank."""
    maximum = _document_maximum(doc, table, knowledge, convention, marks)
    scored = good = 0
    for row in table.rows:
        if not row.evaluated or row.total is None:
            continue
        try:
            total = parse_number(row.total, convention, marks)
        except NumberFormatError:
            total = None
        if total is None:
            continue
        scored += 1
        rank = parse_rank(row.rank)
        good += 0 <= total <= maximum + 1e-6 and (rank is None or 1 <= rank <= max_rank)
    return scored, good, maximum


def judge_table(
    doc: RawDocument,
    table: RawTable,
    number: int,
    knowledge: Knowledge,
    rules: EvidenceRules,
    convention: Convention,
    max_rank: int,
    bundle: KnowledgeBundle | None = None,
) -> TableEvidence:
    """One table's points: names (required), header words, context, numbers."""
    loose = doc.text_source in ("ocr", "mixed")
    names = [r.name for r in table.rows if r.name]
    bodies = [n for n in names if looks_like_body(n, rules, loose, bundle)]
    vietnamese = [n for n in names if is_vietnamese(n)]
    not_a_body = next((n for n in names if not looks_like_body(n, rules, loose, bundle)), None)
    reasons: list[str] = []
    n = max(len(names), 1)
    unit_header = _has_words([table.group_title, *table.headers], rules.unit_column_words, loose) or table.group_code
    if len(bodies) / n >= rules.body_share and names:
        names_points = 2
        reasons.append(f"names: {len(bodies)}/{len(names)} look like Vietnamese public bodies or provinces (+2)")
    elif len(vietnamese) / n >= rules.vietnamese_share and names and unit_header:
        names_points = 1
        reasons.append(
            f"names: {len(vietnamese)}/{len(names)} Vietnamese, and the heading or name column says they are units (+1)"
        )
    else:
        names_points = 0
        example = f" (e.g. {not_a_body!r})" if not_a_body else ""
        reasons.append(f"names: only {len(bodies)}/{len(names)} look like Vietnamese public bodies{example} (+0)")
    header = _has_words(table.headers, rules.header_words, loose)
    reasons.append(f"header: ranking words in {header[:30]!r} (+1)" if header else "header: no ranking words (+0)")
    heading = _has_words([table.group_title], rules.context_words, loose)
    title = doc.framework is not None or _has_words([doc.text[:1500]], rules.context_words, loose)
    if heading or table.group_code:
        context = 1
        reasons.append("context: the heading names a ranking or a group of units (+1)")
    elif title:
        context = 1
        reasons.append("context: the decision's title names a ranking (+1)")
    else:
        context = 0
        reasons.append("context: no heading or title names a ranking (+0)")
    scored, good, maximum = _numbers(doc, table, knowledge, convention, max_rank, missing_marks(bundle))
    numbers = int(scored > 0 and good / scored >= rules.numbers_in_range)
    reasons.append(f"numbers: {good}/{scored} totals within 0..{maximum:g} with plausible ranks (+{numbers})")
    points = names_points + (1 if header else 0) + context + numbers
    ranking_words = bool(header) or bool(context)
    taken = (
        names_points >= rules.names_required
        and points >= rules.accept_points
        and (ranking_words or not rules.ranking_words_required)
    )
    return TableEvidence(
        number,
        table.group_title,
        table.page,
        len(table.rows),
        taken,
        points,
        names_points,
        ranking_words,
        tuple(reasons),
        not_a_body,
    )


def judge_document(
    doc: RawDocument, knowledge: Knowledge, rules: EvidenceRules | None = None, bundle: KnowledgeBundle | None = None
) -> list[TableEvidence]:
    """Every table's verdict, in document order; ``bundle``'s ranking_evidence.yaml and provinces (None: default)."""
    rules = rules or load_rules(bundle)
    convention = document_convention(doc)
    max_rank = max(sum(len(t.rows) for t in doc.tables), 1)
    return [judge_table(doc, t, i, knowledge, rules, convention, max_rank, bundle) for i, t in enumerate(doc.tables, 1)]


def evidence_text(verdicts: list[TableEvidence]) -> str | None:
    """The documents.table_evidence value: one line per table."""
    return "\n".join(v.line() for v in verdicts) or None


def no_ranking_message(verdicts: list[TableEvidence]) -> str:
    """Why a document whose tables all fail is quarantined, in one line."""
    example = next((v.not_a_body for v in verdicts if v.names_points == 0 and v.not_a_body), None)
    if example:
        why = f" (e.g. {example!r} is not a Vietnamese public body)"
    elif any(v.names_points and not v.ranking_words for v in verdicts):
        why = " (its tables list units, but no header, heading or title names a ranking: it is not a ranking document)"
    else:
        why = " (too little evidence in names, header, context and numbers)"
    tables = f"{len(verdicts)} table{'s' if len(verdicts) != 1 else ''} read"
    return (
        f"no ranking table found: {tables}, none is a ranking of units{why}; "
        "see documents.table_evidence for each table's evidence"
    )


@dataclass(frozen=True)
class ResolutionVerdict:
    """A table most of whose names the unit registry does not know: kept (flagged) or withheld."""

    kept: bool
    unresolved: int
    names: int
    bodies: int
    example: str

    def line(self, title: str, province: str) -> str:
        what = f"'{title[:60]}'" if title else "a table"
        share = f"{self.unresolved} of {self.names} names match no registry unit of {province} (e.g. {self.example!r})"
        if self.kept:
            return (
                f"{what}: kept with lower confidence: {share}, but {self.bodies}/{self.names} look like Vietnamese "
                "public bodies; check the document's province or add the units to the registry"
            )
        return (
            f"{what}: withheld: {share}, and only {self.bodies}/{self.names} look like Vietnamese public bodies; "
            f"it is not published as a ranking of {province}"
        )


def judge_resolution(
    names: list[str],
    resolved: list[bool],
    covered: bool,
    rules: EvidenceRules | None = None,
    loose: bool = False,
    bundle: KnowledgeBundle | None = None,
) -> ResolutionVerdict | None:
    """The registry's word on one table, where the registry has a file for its province.

    Keyed on the body-shape evidence too: a real decision of units the registry does not know yet
    (new communes after a merger) is kept, flagged; a table of other names is withheld. None where
    the rule does not apply (province not covered, or most names resolve).
    """
    rules = rules or load_rules(bundle)
    if not covered or not names:
        return None
    unresolved = [n for n, ok in zip(names, resolved) if not ok]
    if len(unresolved) <= rules.unresolved_share * len(names):
        return None
    bodies = sum(looks_like_body(n, rules, loose, bundle) for n in names)
    kept = bodies >= rules.strong_body_share * len(names)
    return ResolutionVerdict(kept, len(unresolved), len(names), bodies, unresolved[0])
