"""An OCR'd unit name read as the registry's printed spelling it is a slip of.

On a scan, "Huyện Sỉ Ma Cai" resolving by fuzzy match to Huyện Si Ma Cai is tesseract
misreading a diacritic, not a new spelling: the spelling the registry knows is used (the
assembly step :func:`pipeline.assemble.snap_ocr_names` records the change as
``ocr_corrected``), while words a document prints differently only by convention (old tone
placement, capitals) stay as printed.
"""

from __future__ import annotations

from normalizers.fuzzy import SAME_TEXT, best_of
from normalizers.text import strip_diacritics, text_key
from normalizers.unit_model import UnitMatch
from normalizers.unit_registry import Registry


def respell(name: str, spelling: str) -> str | None:
    """The OCR'd name with the diacritics of the registry's spelling, where its words line up.

    "UBND huyện Sỉ Ma Cai" against "Huyện Si Ma Cai" gives "UBND huyện Si Ma Cai": only words that
    differ by their marks alone are changed, and each keeps its own capitalisation.
    """
    words, known = name.split(), spelling.split()
    bare = [strip_diacritics(w).casefold() for w in words]
    target = [strip_diacritics(w).casefold() for w in known]
    for start in range(len(words) - len(known) + 1):
        if bare[start : start + len(known)] != target:
            continue
        out = list(words)
        for k, word in enumerate(known):
            mine = out[start + k]
            fixed = word.lower() if mine[:1].islower() else word[:1].upper() + word[1:]
            if mine.casefold() != word.casefold():
                out[start + k] = fixed
        return " ".join(out)
    return None


def keep_printed_forms(name: str, spelling: str) -> str:
    """The registry's spelling, except words printed differently only by convention.

    The registry writes "Tỉnh ủy"; a document printing "Tỉnh uỷ" (old tone placement), or
    another capitalisation, keeps its own form: only OCR slips are corrected.
    """
    words, known = name.split(), spelling.split()
    if len(words) != len(known):
        return spelling
    return " ".join(w if text_key(w) == text_key(k) else k for w, k in zip(words, known))


def known_spelling(name: str, province: str, year, registry: Registry) -> tuple[str, UnitMatch] | None:
    """The registry's printed spelling that an OCR'd name is a slip of, with its match.

    Only a name the registry resolves by fuzzy match has one: an exact or alias match is
    already a known spelling, and an unresolved name is not guessed.
    """
    m = registry.match(name, province, year)
    if m.unit_id is None or m.method != "fuzzy":
        return None
    unit = registry.unit(m.unit_id)
    spellings = (unit.name, *unit.aliases)
    best, score = best_of(name, {s: s for s in spellings})
    if best is not None and score >= SAME_TEXT:
        return best, m
    for spelling in spellings:
        respelled = respell(name, spelling)
        if respelled is not None and respelled != name:
            return respelled, m
    return None


def snapped_spelling(name: str, province: str, year, registry: Registry) -> tuple[str, UnitMatch] | None:
    """What an OCR'd name is read as, with its match: the known spelling in the document's own
    conventions (:func:`keep_printed_forms`); None when the name stays as printed."""
    found = known_spelling(name, province, year, registry)
    if found is None:
        return None
    spelling, m = found
    snapped = keep_printed_forms(name, spelling)
    return None if snapped == name else (snapped, m)
