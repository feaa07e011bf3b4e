"""OCR'd labels of a ranking table tidied: stray marks dropped, tier labels snapped to the framework's words.

Tesseract leaves a speck or a ruling's end as a mark at either end of a cell ("-Sở Kế
hoạch và Đầu tư", "Hình thành.", "'Nâng cao") and misreads a diacritic ("Nầng cao",
"Ñâng cao"). A unit name or a tier label never begins or ends with such a mark, and the
tiers are a closed vocabulary (``data/frameworks.yaml``): a label that is legible as one of
its words keeps its printed form, one that is a misreading of exactly one word is read as
that word and the change is recorded as ``ocr_corrected``.
"""

from __future__ import annotations

import dataclasses

from normalizers.frameworks import Framework
from normalizers.fuzzy import TIER_MARGIN, TIER_WORD, similarity
from normalizers.text import clean_printed, strip_diacritics, strip_edge_marks, text_key
from schemas.issue_codes import IssueCode
from schemas.issues import Issue
from schemas.raw import RawTable


def _bare(text: str) -> str:
    return strip_diacritics(text_key(text))


def _as_printed(word: str, printed: str) -> str:
    """The vocabulary's word in the printed label's case ("NÂNG CAO", "Nâng cao")."""
    letters = [c for c in printed if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return word.upper()
    if printed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def snap_tier_label(label: str, framework: Framework) -> str | None:
    """The framework's tier word an illegible label misreads, when exactly one is close; None otherwise."""
    if framework.tier_for_label(label) is not None:
        return None
    bare = _bare(label)
    if not bare:
        return None
    scored = sorted(
        ((similarity(bare, _bare(word)), word, tier.code) for tier in framework.tiers for word in tier.labels),
        reverse=True,
    )
    best, word, code = scored[0]
    rival = next((s for s, _, c in scored[1:] if c != code), 0.0)
    if best < TIER_WORD or best - rival < TIER_MARGIN:
        return None
    return _as_printed(word, label)


def tidy_ocr_labels(table: RawTable, framework: Framework, doc_id: str, group: str) -> tuple[RawTable, list[Issue]]:
    """A copy of the table with stray end marks dropped from tier labels and the heading's start
    and misread tiers snapped, and an issue per snapped tier; `table` is unchanged.

    Runs before the OCR repair so every issue names the unit as it is published. (The
    layout tidies OCR'd names and heading lines with the same marks; tier cells and the
    heading's leading marks are left to here.)
    """
    issues: list[Issue] = []
    title = table.group_title
    if title:
        title = strip_edge_marks(clean_printed(title) or "", ends="leading")
    rows = []
    for row in table.rows:
        if not row.tier or not clean_printed(row.tier):
            rows.append(row)
            continue
        label = strip_edge_marks(clean_printed(row.tier) or "")
        snapped = snap_tier_label(label, framework)
        if snapped is not None:
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.OCR_CORRECTED,
                    severity="warning",
                    message=f"OCR read the tier of {row.name} as {label!r}, which is no tier of the {framework.code} framework; "
                    f"the only tier word it is close to is {snapped!r}.",
                    group_code=group,
                    unit_name_raw=row.name,
                    field="tier",
                    printed=label,
                    expected=snapped,
                )
            )
            label = snapped
        rows.append(dataclasses.replace(row, tier=label))
    return dataclasses.replace(table, group_title=title, rows=rows), issues
