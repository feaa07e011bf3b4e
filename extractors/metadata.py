"""Document metadata from running text: who issued what, when, about which year.

Decided from the content only (never the file name): the issuing-body header, the
"Số: .../QĐ-UBND" line, the place-and-date line, the title block, the appendix's
"Kèm theo Quyết định số ..." line, and the scale and tier sections.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from normalizers.frameworks import Knowledge
from normalizers.knowledge import KnowledgeBundle, ProvincesFile, built, bundle_or_default
from normalizers.text import clean_printed, strip_diacritics, text_key
from schemas.raw import TierRule

_NUMBER = re.compile(r"\bS[ốôo6]\s*[:.]?\s*(\d{1,6})\s*/\s*([A-ZĐ][A-ZĐa-z\-–]*)", re.UNICODE)
_BLANK_NUMBER = re.compile(r"\bSố\s*[:.]?\s*/\s*QĐ", re.UNICODE)
_PLACE_DATE = re.compile(r",\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_PLACE_DATE_SLASHED = re.compile(r",\s*ngày\s+(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})", re.IGNORECASE)
_ANNEX_REF = re.compile(
    r"(?:kèm theo|ban hành kèm theo)\s+Quyết định\s+số\s*(\d{1,6})\s*/\s*([A-ZĐ][A-ZĐa-z\-]*)"
    r"(?:\s+ngày\s+(?:(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})|(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})))?",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\bnăm\s+(\d{4})\b", re.IGNORECASE)
_MAX_STATEMENT = re.compile(
    r"(?:thang\s+điểm|điểm)\s+[^;:]{0,40}?tối\s+đa([^;]{0,200}?)(\d[\d.,]*)\s*điểm", re.IGNORECASE
)
_TIER_RULE = re.compile(r"Mức\s+([^:;.,]{2,20}?)\s*:\s*([^;]{0,160}?)(?:;|\.(?!\d)|$)", re.IGNORECASE)
_GT = re.compile(r"(?:lớn\s+hơn|trên|cao\s+hơn)\s+(\d+(?:[.,]\d+)?)\s*%", re.IGNORECASE)
_LE = re.compile(
    r"(?:nhỏ\s+hơn\s+hoặc\s+bằng|không\s+quá|dưới\s+hoặc\s+bằng|đến)\s+(\d+(?:[.,]\d+)?)\s*%", re.IGNORECASE
)


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


def find_province(text: str, loose: bool = False) -> str | None:
    """The first province named after "tỉnh"/"TỈNH" (or "thành phố" for cities) in the text.

    `loose` also compares without diacritics, for OCR text that drops them ("TINH LAO CAI").
    """
    key = f" {text_key(text)} "
    bare = strip_diacritics(key)
    best: tuple[int, str] | None = None
    for name, name_key, name_bare in _province_keys():
        for prefix, prefix_bare in (("tỉnh", "tinh"), ("thành phố", "thanh pho")):
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


def years_in(text: str) -> list[int]:
    """Every "năm YYYY" in a text, in order."""
    return [int(y) for y in _YEAR.findall(text)]


def _title_block(lines: list[str]) -> str:
    """Lines from the "QUYẾT ĐỊNH" heading to the enacting formula ("CHỦ TỊCH ...", "Căn cứ")."""
    start = None
    for i, line in enumerate(lines):
        key = text_key(line)
        if start is None and key.startswith("quyết định") and len(key) <= 14:
            start = i + 1
            continue
        if start is not None and (key.startswith("căn cứ") or key.startswith("chủ tịch")):
            return " ".join(lines[start:i])
    return " ".join(lines[start : start + 4]) if start is not None else ""


def read_metadata(first_page_lines: list[str], all_lines: list[str], knowledge: Knowledge) -> Metadata:
    """Metadata of a decision; fields stay None where the document leaves them blank."""
    meta = Metadata()
    head = " ".join(first_page_lines[:12])
    everything = " ".join(all_lines)
    meta.province = find_province(head) or find_province(everything)
    if meta.province and re.search(r"(ỦY|UỶ|UY)\s*BAN\s+NHÂN\s+DÂN|UBND", head, re.IGNORECASE):
        meta.issuer = f"UBND tỉnh {meta.province}"

    number = None if _BLANK_NUMBER.search(head) else _NUMBER.search(head)
    if number:
        meta.decision_number = f"{number.group(1)}/{number.group(2).replace('–', '-')}"
    date = _PLACE_DATE.search(head) or _PLACE_DATE_SLASHED.search(head)
    if date:
        meta.decision_date = _iso(*date.groups())
    annex = _ANNEX_REF.search(everything)
    if annex:
        if meta.decision_number is None and not _BLANK_NUMBER.search(head):
            meta.decision_number = f"{annex.group(1)}/{annex.group(2)}"
        if meta.decision_date is None and not _partial_date_printed(head):
            parts = annex.groups()[2:5] if annex.group(3) else annex.groups()[5:8]
            if all(parts):
                meta.decision_date = _iso(*parts)

    meta.title = clean_printed(_title_block(first_page_lines)) or ""
    years = _YEAR.findall(meta.title)
    if years:
        meta.assessment_year = int(years[-1])
    else:
        meta.assessment_year = _year_from_headings(all_lines, knowledge)
    meta.framework = knowledge.framework_from_title(meta.title) if meta.title else None
    return meta


def _year_from_headings(lines: list[str], knowledge: Knowledge) -> int | None:
    """No year in the title block: the first ranking heading that names one ("... NĂM 2022")."""
    for line in lines:
        key = text_key(line)
        if key.startswith(("căn cứ", "kèm theo", "ban hành kèm")) or "ngày" in key:
            continue
        if knowledge.framework_from_title(line) or "xếp hạng" in key or "chỉ số" in key:
            years = _YEAR.findall(line)
            if years:
                return int(years[-1])
    return None


def _partial_date_printed(head: str) -> bool:
    """A place-date line with blanks ("ngày  tháng  năm 2024"): the date is left open, keep null."""
    return bool(re.search(r",\s*ngày\s+(?:\d{1,2}\s+)?tháng\s+(?:\d{1,2}\s+)?năm\s+\d{4}", head, re.IGNORECASE))


def stated_maxima(text: str, knowledge: Knowledge) -> dict[str, str]:
    """Group maxima stated in prose ("Thang điểm tối đa cho ... không có TTHC: 800 điểm")."""
    maxima: dict[str, str] = {}
    for match in _MAX_STATEMENT.finditer(text):
        phrase, value = match.group(1), match.group(2).rstrip(".,")
        key = text_key(phrase)
        codes = []
        if "không có" in key or "đặc thù" in key:
            codes.append("khong_tthc")
        elif "thủ tục hành chính" in key or "tthc" in key:
            codes.append("tthc")
        if "huyện" in key or "thị xã" in key or "thành phố" in key:
            codes.append("huyen")
        if not codes:
            codes.append(knowledge.group_code(phrase) or "*")
        for code in codes:
            maxima.setdefault(code, value)
    return maxima


def stated_tier_rules(text: str) -> list[TierRule]:
    """Tier thresholds as printed ("Mức nâng cao: ... lớn hơn 50% và nhỏ hơn hoặc bằng 75% ...")."""
    rules: list[TierRule] = []
    seen: set[str] = set()
    for match in _TIER_RULE.finditer(text):
        label, rule = clean_printed(match.group(1)) or "", match.group(2)
        gt, le = _GT.search(rule), _LE.search(rule)
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
