"""Document metadata from running text: who issued what, when, about which year.

Decided from the content only (never the file name): the issuing-body header, the
"Số: .../QĐ-UBND" line, the place-and-date line, the title block, the appendix's
"Kèm theo Quyết định số ..." line, and the scale and tier sections. How decisions word
these is data (normalizers/data/decision_wording.yaml), loaded once by :func:`decision_wording`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from normalizers.frameworks import Knowledge
from normalizers.knowledge import DecisionWordingFile, KnowledgeBundle, ProvincesFile, built, bundle_or_default
from normalizers.text import clean_printed, strip_diacritics, text_key
from schemas.raw import TierRule


@dataclass(frozen=True)
class DecisionWording:
    """How decisions word their metadata: compiled patterns, and words as comparison keys (text_key)."""

    number: re.Pattern[str]
    blank_number: re.Pattern[str]
    place_date: re.Pattern[str]
    place_date_slashed: re.Pattern[str]
    partial_date: re.Pattern[str]
    year: re.Pattern[str]
    annex_ref: re.Pattern[str]
    issuer_header: re.Pattern[str]
    issuer: str
    province_words: tuple[tuple[str, str], ...]  # (key, key without diacritics)
    title_heading: str
    title_ends: tuple[str, ...]
    heading_skip_starting: tuple[str, ...]
    heading_skip_containing: tuple[str, ...]
    heading_ranking_words: tuple[str, ...]
    max_statement: re.Pattern[str]
    procedure_groups: tuple[tuple[str, tuple[str, ...]], ...]
    level_groups: tuple[tuple[str, tuple[str, ...]], ...]
    tier_rule: re.Pattern[str]
    above: re.Pattern[str]
    up_to: re.Pattern[str]


def _keys(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(text_key(w) for w in words)


def _compile(data: DecisionWordingFile) -> DecisionWording:
    """The wording's patterns compiled (the bundle checked they compile, with their groups) and words keyed."""
    patterns = {name: re.compile(pattern, flags) for name, (_, pattern, _, flags) in data.patterns().items()}
    return DecisionWording(
        **patterns,
        issuer=data.issuer,
        province_words=tuple((k, strip_diacritics(k)) for k in _keys(data.province_words)),
        title_heading=text_key(data.title.heading),
        title_ends=_keys(data.title.ends),
        heading_skip_starting=_keys(data.year_headings.skip_starting),
        heading_skip_containing=_keys(data.year_headings.skip_containing),
        heading_ranking_words=_keys(data.year_headings.ranking_words),
        procedure_groups=tuple((g.code, _keys(g.words)) for g in data.procedure_groups),
        level_groups=tuple((g.code, _keys(g.words)) for g in data.level_groups),
    )


def decision_wording(knowledge: KnowledgeBundle | None = None) -> DecisionWording:
    """The decision wording of decision_wording.yaml (the bundle's, checked at start), compiled once."""
    return built(bundle_or_default(knowledge).decision_wording, _compile)


@dataclass
class Metadata:
    province: str | None = None
    issuer: str | None = None
    decision_number: str | None = None
    decision_date: str | None = None
    assessment_year: int | None = None
    framework: str | None = None
    title: str = ""


def provinces(knowledge: KnowledgeBundle | None = None) -> tuple[str, ...]:
    """The province names of provinces.yaml (the bundle's, validated at start)."""
    return bundle_or_default(knowledge).provinces.provinces


def _keyed(data: ProvincesFile) -> tuple[tuple[str, str, str], ...]:
    return tuple((name, text_key(name), strip_diacritics(text_key(name))) for name in data.provinces)


def _province_keys(knowledge: KnowledgeBundle | None = None) -> tuple[tuple[str, str, str], ...]:
    return built(bundle_or_default(knowledge).provinces, _keyed)


def named_province(text: str, knowledge: KnowledgeBundle | None = None) -> str | None:
    """The province a short text is the name of ("Đà Nẵng", "tỉnh Quảng Ninh", "TP. Hà Nội"), else None."""
    key = text_key(text)
    for prefix, _ in decision_wording(knowledge).province_words:
        key = key.removeprefix(f"{prefix} ")
    return next((name for name, name_key, _ in _province_keys(knowledge) if name_key == key), None)


def find_province(
    text: str, loose: bool = False, wording: DecisionWording | None = None, bundle: KnowledgeBundle | None = None
) -> str | None:
    """The first province named after "tỉnh"/"TỈNH" (or "thành phố" for cities) in the text.

    `loose` also compares without diacritics, for OCR text that drops them ("TINH LAO CAI").
    The province names are ``bundle``'s provinces.yaml (None: the default bundle's).
    """
    words = (wording or decision_wording(bundle)).province_words
    key = f" {text_key(text)} "
    bare = strip_diacritics(key)
    best: tuple[int, str] | None = None
    for name, name_key, name_bare in _province_keys(bundle):
        for prefix, prefix_bare in words:
            pos = key.find(f" {prefix} {name_key} ")
            if pos < 0 and loose:
                pos = bare.find(f" {prefix_bare} {name_bare} ")
            if pos >= 0 and (best is None or pos < best[0]):
                best = (pos, name)
    return best[1] if best else None


def parse_date(day: str | int, month: str | int, year: str | int) -> dt.date | None:
    """A printed day, month and year as a date; None where they name no real date."""
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return date if 1990 <= date.year <= 2100 else None


def _iso(day: str, month: str, year: str) -> str | None:
    date = parse_date(day, month, year)
    return date.isoformat() if date else None


def years_in(text: str, wording: DecisionWording | None = None) -> list[int]:
    """Every "năm YYYY" in a text, in order."""
    return [int(y) for y in (wording or decision_wording()).year.findall(text)]


def _title_block(lines: list[str], wording: DecisionWording) -> str:
    """Lines from the "QUYẾT ĐỊNH" heading to the enacting formula ("CHỦ TỊCH ...", "Căn cứ")."""
    start = None
    heading = wording.title_heading
    for i, line in enumerate(lines):
        key = text_key(line)
        if start is None and key.startswith(heading) and len(key) <= len(heading) + 4:  # the heading alone
            start = i + 1
            continue
        if start is not None and key.startswith(wording.title_ends):
            return " ".join(lines[start:i])
    return " ".join(lines[start : start + 4]) if start is not None else ""


def read_metadata(
    first_page_lines: list[str],
    all_lines: list[str],
    knowledge: Knowledge,
    wording: DecisionWording | None = None,
    bundle: KnowledgeBundle | None = None,
) -> Metadata:
    """Metadata of a decision; fields stay None where the document leaves them blank.

    ``bundle`` is the run's knowledge (decision_wording.yaml, provinces.yaml); None: the default bundle.
    """
    w = wording or decision_wording(bundle)
    meta = Metadata()
    head = " ".join(first_page_lines[:12])
    everything = " ".join(all_lines)
    meta.province = find_province(head, wording=w, bundle=bundle) or find_province(everything, wording=w, bundle=bundle)
    if meta.province and w.issuer_header.search(head):
        meta.issuer = w.issuer.replace("{province}", meta.province)

    number = None if w.blank_number.search(head) else w.number.search(head)
    if number:
        meta.decision_number = f"{number.group(1)}/{number.group(2).replace('–', '-')}"
    date = w.place_date.search(head) or w.place_date_slashed.search(head)
    if date:
        meta.decision_date = _iso(*date.groups())
    annex = w.annex_ref.search(everything)
    if annex:
        if meta.decision_number is None and not w.blank_number.search(head):
            meta.decision_number = f"{annex.group(1)}/{annex.group(2)}"
        if meta.decision_date is None and not w.partial_date.search(head):
            parts = annex.groups()[2:5] if annex.group(3) else annex.groups()[5:8]
            if all(parts):
                meta.decision_date = _iso(*parts)

    meta.title = clean_printed(_title_block(first_page_lines, w)) or ""
    years = w.year.findall(meta.title)
    if years:
        meta.assessment_year = int(years[-1])
    else:
        meta.assessment_year = _year_from_headings(all_lines, knowledge, w)
    meta.framework = knowledge.framework_from_title(meta.title) if meta.title else None
    return meta


def _year_from_headings(lines: list[str], knowledge: Knowledge, wording: DecisionWording) -> int | None:
    """No year in the title block: the first ranking heading that names one ("... NĂM 2022")."""
    for line in lines:
        key = text_key(line)
        if key.startswith(wording.heading_skip_starting) or any(w in key for w in wording.heading_skip_containing):
            continue
        if knowledge.framework_from_title(line) or any(w in key for w in wording.heading_ranking_words):
            years = wording.year.findall(line)
            if years:
                return int(years[-1])
    return None


def stated_maxima(text: str, knowledge: Knowledge, wording: DecisionWording | None = None) -> dict[str, str]:
    """Group maxima stated in prose ("Thang điểm tối đa cho ... không có TTHC: 800 điểm")."""
    w = wording or decision_wording()
    maxima: dict[str, str] = {}
    for match in w.max_statement.finditer(text):
        phrase, value = match.group(1), match.group(2).rstrip(".,")
        key = text_key(phrase)
        codes = [code for code, words in w.procedure_groups if any(x in key for x in words)][:1]
        codes += [code for code, words in w.level_groups if any(x in key for x in words)]
        if not codes:
            codes.append(knowledge.group_code(phrase) or "*")
        for code in codes:
            maxima.setdefault(code, value)
    return maxima


def stated_tier_rules(text: str, wording: DecisionWording | None = None) -> list[TierRule]:
    """Tier thresholds as printed ("Mức nâng cao: ... lớn hơn 50% và nhỏ hơn hoặc bằng 75% ...")."""
    w = wording or decision_wording()
    rules: list[TierRule] = []
    seen: set[str] = set()
    for match in w.tier_rule.finditer(text):
        label, rule = clean_printed(match.group(1)) or "", match.group(2)
        gt, le = w.above.search(rule), w.up_to.search(rule)
        if not (gt or le) or text_key(label) in seen:
            continue
        seen.add(text_key(label))
        rules.append(
            TierRule(
                label=label,
                pct_gt=float(gt.group(1).replace(",", ".")) if gt else None,
                pct_le=float(le.group(1).replace(",", ".")) if le else None,
            )
        )
    return rules
