"""Pre-Unicode Vietnamese text (TCVN3/ABC, VNI) to Unicode NFC, from any text source.

Provinces still type decisions in legacy fonts (``.VnTime``, ``VNI-Times``): the text layer
of such a PDF, a .doc run or an .xls cell then shows the Latin-1 characters of the legacy
bytes ("QuyÕt ®Þnh" for "Quyết định"). The encoding is said by the font name where it
survives, and otherwise recognised from the characters: TCVN3 puts letters at codes that
never stand inside Western words (``®``, ``¸``, ``¬``, U+00AD), VNI writes a vowel followed
by a mark byte ("Vieät"). Genuine Unicode Vietnamese (ơ, ư, ạ ... ỹ) and plain English or
French text are never taken for either. The code tables are data
(``normalizers/data/legacy_encodings.yaml``), loaded and validated once.

:func:`detect_encoding` and :func:`decode` work on plain strings (Word, Excel readers);
:func:`decode_words` keeps a line's words apart; :func:`decode_pages` decodes whole
:class:`PageContent` pages where their fonts did not say the encoding.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from extractors.grid import Grid
from extractors.page import PageContent
from normalizers.knowledge import KnowledgeBundle, LegacyEncodingsFile, VniFrenchPairsFile, built, bundle_or_default

UNICODE = "unicode"
TCVN3 = "tcvn3"
VNI = "vni"
ENCODINGS = (UNICODE, TCVN3, VNI)

# Letters only Unicode Vietnamese has: ă â đ ê ô ơ ư and the tone-marked vowels outside Latin-1.
_UNICODE_VIETNAMESE = re.compile("[ăĂđĐơƠưƯĩĨũŨ\u1ea0-\u1ef9]")
_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
_TOKEN = re.compile(r"(\s+)")
# A share of lettered words this large carrying the encoding's marks says the text is encoded
# (Vietnamese puts a diacritic on about half its words); a few stray symbols do not.
MIN_SHARE = 0.12
MIN_WORDS = 4


class EncodingDataError(ValueError):
    """A text encoding this module has no code table for."""


@dataclass(frozen=True)
class LegacyEncoding:
    code: str
    font_prefixes: tuple[str, ...]
    lowercase_capitals: bool  # capitals with a tone mark are written with the lower-case code
    signature: frozenset[str]
    letters: dict[str, str]  # code sequence -> NFC letter
    longest: int
    marks: frozenset[str]  # VNI: the characters that modify the letter before them


def _compile(data: LegacyEncodingsFile) -> dict[str, LegacyEncoding]:
    tables: dict[str, LegacyEncoding] = {}
    for code, entry in ((TCVN3, data.tcvn3), (VNI, data.vni)):
        letters = dict(entry.letters)
        marks = frozenset(k[-1] for k in letters if len(k) > 1) if code == VNI else frozenset()
        tables[code] = LegacyEncoding(
            code,
            tuple(p.lower() for p in entry.font_prefixes),
            entry.lowercase_capitals,
            frozenset(entry.signature),
            letters,
            max(len(k) for k in letters),
            marks,
        )
    return tables


def load_encodings(knowledge: KnowledgeBundle | None = None) -> dict[str, LegacyEncoding]:
    """The code tables of legacy_encodings.yaml (the bundle's, checked at start: NFC letters, no code twice)."""
    return built(bundle_or_default(knowledge).legacy_encodings, _compile)


def _pair_set(data: VniFrenchPairsFile) -> frozenset[str]:
    return frozenset(data.pairs)


def vni_french_pairs(knowledge: KnowledgeBundle | None = None) -> frozenset[str]:
    """VNI-looking pairs that are French spellings (vni_french_pairs.yaml, the bundle's, NFC): not evidence."""
    return built(bundle_or_default(knowledge).vni_french_pairs, _pair_set)


def font_encoding(font_name: str | None, bundle: KnowledgeBundle | None = None) -> str | None:
    """The encoding a font's name says (".VnTime" → tcvn3, "VNI-Times" → vni), None if it says none."""
    if not font_name:
        return None
    name = _SUBSET_TAG.sub("", font_name).lower()
    for enc in load_encodings(bundle).values():
        if any(name.startswith(p) for p in enc.font_prefixes):
            return enc.code
    return None


def _lettered(words: Iterable[str]) -> list[str]:
    return [w for w in words if sum(ch.isalpha() for ch in w) >= 2]


def _tcvn3_word(word: str, enc: LegacyEncoding) -> bool:
    """A signature code inside a word, next to a letter ("®Þnh", "Th¬ng"), not a lone « or ·."""
    for i, ch in enumerate(word):
        if ch in enc.signature:
            before = word[i - 1] if i else ""
            after = word[i + 1] if i + 1 < len(word) else ""
            if (before.isalpha() or before in enc.signature) or (after.isalpha() or after in enc.signature):
                return True
    return False


def _vni_word(word: str, enc: LegacyEncoding, french: frozenset[str]) -> bool:
    """A VNI letter+mark pair ("eä", "oø") or a VNI-only letter code at a word's start ("ñoàng")."""
    for i in range(len(word) - 1):
        pair = word[i : i + 2]
        if pair[0] in "aeouyAEOUYôöÔÖ" and pair in enc.letters and pair[1] in enc.marks and pair not in french:
            return True
    return False


def text_scores(
    texts: Iterable[str], french_pairs: frozenset[str] | None = None, bundle: KnowledgeBundle | None = None
) -> dict[str, float]:
    """Share of lettered words that carry each encoding's marks; 0 for text with Unicode Vietnamese."""
    tables = load_encodings(bundle)
    french = vni_french_pairs(bundle) if french_pairs is None else french_pairs
    words = _lettered(w for t in texts for w in t.split())
    if not words:
        return {TCVN3: 0.0, VNI: 0.0}
    joined = " ".join(words)
    if len(_UNICODE_VIETNAMESE.findall(joined)) >= max(2, 0.01 * len(joined)):
        return {TCVN3: 0.0, VNI: 0.0}
    tcvn3 = [w for w in words if _tcvn3_word(w, tables[TCVN3])]
    vni = [w for w in words if not _tcvn3_word(w, tables[TCVN3]) and _vni_word(w, tables[VNI], french)]
    scores = {}
    for code, hits in ((TCVN3, tcvn3), (VNI, vni)):
        scores[code] = len(hits) / len(words) if len(hits) >= MIN_WORDS else 0.0
    return scores


def detect_encoding(
    texts: Iterable[str], font_names: Iterable[str | None] = (), bundle: KnowledgeBundle | None = None
) -> str:
    """The text's encoding: what its fonts' names say, else what its characters show; "unicode"
    unless the evidence is clear."""
    named = Counter(enc for name in font_names if (enc := font_encoding(name, bundle)))
    if named:
        return named.most_common(1)[0][0]
    scores = text_scores(texts, None, bundle)
    best = max(scores, key=lambda code: scores[code])
    return best if scores[best] >= MIN_SHARE else UNICODE


def _decode_token(token: str, enc: LegacyEncoding) -> tuple[str, list[bool]]:
    """One word decoded, and per output char whether it came from a lower-case-only code."""
    out: list[str] = []
    from_code: list[bool] = []
    i = 0
    while i < len(token):
        for size in range(min(enc.longest, len(token) - i), 0, -1):
            key = token[i : i + size]
            letter = enc.letters.get(key)
            if letter is None and size > 1 and key[0].isupper():  # "Aù": capital base, small mark
                small = enc.letters.get(key[0].lower() + key[1:])
                letter = small.upper() if small else None
            if letter is not None:
                out.append(letter)
                from_code.append(enc.lowercase_capitals and letter.islower() and size == 1 and key != letter)
                i += size
                break
        else:
            out.append(token[i])
            from_code.append(False)
            i += 1
    return "".join(out), from_code


def _is_capitals(word: str, skip: list[bool]) -> bool | None:
    """True/False where the word's own letters say whether it is in capitals; None where too few."""
    cased = [ch for ch, s in zip(word, skip) if not s and ch.isalpha() and ch.lower() != ch.upper()]
    if not cased:
        return None
    if not all(ch.isupper() for ch in cased):
        return False
    return True if len(cased) >= 2 else None


def decode_words(words: Sequence[str], encoding: str, bundle: KnowledgeBundle | None = None) -> list[str]:
    """A line's words decoded to NFC, one output per input word.

    TCVN3 has no codes for capitals with a tone mark ("MøC TèT" is "MỨC TỐT"): such a letter
    is put in capitals where the rest of its word is, or, in a short word ("ñY"), where the
    neighbouring words are in capitals.
    """
    if encoding == UNICODE:
        return [unicodedata.normalize("NFC", w) for w in words]
    try:
        enc = load_encodings(bundle)[encoding]
    except KeyError as exc:
        raise EncodingDataError(f"unknown text encoding {encoding!r}; expected one of {', '.join(ENCODINGS)}") from exc
    decoded = [_decode_token(w, enc) for w in words]
    caps = [_is_capitals(text, flags) for text, flags in decoded]
    out: list[str] = []
    for i, (text, flags) in enumerate(decoded):
        if any(flags):
            upper = caps[i]
            if upper is None:
                near = [c for c in caps[max(0, i - 2) : i] + caps[i + 1 : i + 3] if c is not None]
                upper = bool(near) and all(near) and any(ch.isupper() for ch, f in zip(text, flags) if not f)
            if upper:
                text = "".join(ch.upper() if f else ch for ch, f in zip(text, flags))
        out.append(unicodedata.normalize("NFC", text))
    return out


def decode(text: str, encoding: str, starts_sentence: bool = False, bundle: KnowledgeBundle | None = None) -> str:
    """A string in a legacy encoding to Unicode NFC; whitespace and line breaks kept.

    `starts_sentence`: the text opens a sentence (a table cell, a paragraph), so a first letter that
    the encoding can only write in lower case ("ñy ban" for "Ủy ban") is put in capitals; so is
    such a letter after a full stop inside the text.
    """
    if encoding == UNICODE or not text:
        return unicodedata.normalize("NFC", text or "")
    lines = text.split("\n")
    out = []
    for line in lines:
        parts = _TOKEN.split(line)
        words = decode_words(parts[0::2], encoding, bundle)
        parts[0::2] = words
        out.append("".join(parts))
    decoded = "\n".join(out)
    return capitalize_sentences(decoded, encoding, starts_sentence, bundle)


def _lowercase_tables(data: LegacyEncodingsFile) -> dict[str, frozenset[str]]:
    out = {}
    for code, enc in _compile(data).items():
        letters = set(enc.letters.values())
        lower = frozenset(ch for ch in letters if ch.islower() and ch.upper() not in letters)
        out[code] = lower if enc.lowercase_capitals else frozenset()
    return out


def _lowercase_only(encoding: str, knowledge: KnowledgeBundle | None = None) -> frozenset[str]:
    """Letters whose capital the encoding has no code for (TCVN3: the tone-marked vowels)."""
    return built(bundle_or_default(knowledge).legacy_encodings, _lowercase_tables)[encoding]


_SENTENCE_END = re.compile(r"(?:^|[.!?]\s+|(?:^|\n)[-+•]\s+)(\w)")


def capitalize_sentences(text: str, encoding: str, starts_sentence: bool, bundle: KnowledgeBundle | None = None) -> str:
    """Capitals a legacy encoding could not write, restored where a sentence or list item begins."""
    lower = _lowercase_only(encoding, bundle) if encoding in (TCVN3, VNI) else frozenset()
    if not lower or not text:
        return text
    chars = list(text)
    for match in _SENTENCE_END.finditer(text):
        i = match.start(1)
        if chars[i] in lower and (i > 0 or starts_sentence) and text[i + 1 : i + 2] != "":
            chars[i] = chars[i].upper()
    stripped = len(text) - len(text.lstrip())
    if starts_sentence and stripped < len(chars) and chars[stripped] in lower:
        chars[stripped] = chars[stripped].upper()
    return "".join(chars)


def _decode_grid(grid: Grid, encoding: str, bundle: KnowledgeBundle | None) -> Grid:
    cells = [
        dataclasses.replace(
            cell,
            text=decode(cell.text, encoding, True, bundle),
            words=[
                dataclasses.replace(w, text=decode(w.text, encoding, i == 0, bundle)) for i, w in enumerate(cell.words)
            ],
        )
        for cell in grid.cells
    ]
    return dataclasses.replace(grid, cells=cells)


def _opens_sentence(previous: str | None) -> bool:
    return previous is None or previous.rstrip().endswith((".", ":", ";", "!", "?", ")"))


def decode_page(page: PageContent, encoding: str, bundle: KnowledgeBundle | None = None) -> PageContent:
    """A page with every line and cell decoded; the input page is left as it was."""
    if encoding == UNICODE:
        return page
    lines, previous = [], None
    for ln in page.lines:
        lines.append(dataclasses.replace(ln, text=decode(ln.text, encoding, _opens_sentence(previous), bundle)))
        previous = ln.text
    grids = [_decode_grid(g, encoding, bundle) for g in page.grids]
    return dataclasses.replace(page, lines=lines, grids=grids, text_encoding=encoding)


def capitalize_page(page: PageContent, bundle: KnowledgeBundle | None = None) -> PageContent:
    """A page decoded word by word (its fonts named the encoding): the capitals restored where cells,
    sentences and list items begin, as :func:`decode_page` does."""
    if page.text_encoding == UNICODE or not _lowercase_only(page.text_encoding, bundle):
        return page
    enc = page.text_encoding
    lines, previous = [], None
    for ln in page.lines:
        lines.append(
            dataclasses.replace(ln, text=capitalize_sentences(ln.text, enc, _opens_sentence(previous), bundle))
        )
        previous = ln.text
    grids = [
        dataclasses.replace(
            g, cells=[dataclasses.replace(c, text=capitalize_sentences(c.text, enc, True, bundle)) for c in g.cells]
        )
        for g in page.grids
    ]
    return dataclasses.replace(page, lines=lines, grids=grids)


def page_texts(page: PageContent) -> list[str]:
    return [ln.text for ln in page.lines] + [c.text for g in page.grids for c in g.cells]


def decode_pages(pages: Sequence[PageContent], bundle: KnowledgeBundle | None = None) -> list[PageContent]:
    """Decode the text-layer pages whose fonts did not name an encoding, by the characters of all
    of them together (one document is typed in one encoding; a short page alone says little)."""
    unnamed = [p for p in pages if p.text_source == "text_layer" and p.text_encoding == UNICODE]
    encoding = detect_encoding((t for p in unnamed for t in page_texts(p)), (), bundle)
    if encoding == UNICODE:
        return list(pages)
    ids = {id(p) for p in unnamed}
    return [decode_page(p, encoding, bundle) if id(p) in ids else p for p in pages]


def document_encoding(pages: Sequence[PageContent]) -> str:
    """The encoding most of the document's text was typed in."""
    counts = Counter(p.text_encoding for p in pages if p.text_encoding != UNICODE and (p.lines or p.grids))
    return counts.most_common(1)[0][0] if counts else UNICODE


__all__ = [
    "ENCODINGS",
    "TCVN3",
    "UNICODE",
    "VNI",
    "EncodingDataError",
    "decode",
    "decode_page",
    "decode_pages",
    "decode_words",
    "detect_encoding",
    "document_encoding",
    "font_encoding",
    "load_encodings",
]


def decode_positioned(words: Sequence[tuple[str, float, str]], bundle: KnowledgeBundle | None = None) -> list[str]:
    """Words given as (text, top, encoding) decoded with their line neighbours as context
    (a text layer mixes fonts: only the words of legacy fonts are decoded)."""
    order = sorted(range(len(words)), key=lambda i: round(words[i][1]))  # stable: x order kept
    out = [unicodedata.normalize("NFC", w[0]) for w in words]
    line: list[int] = []

    def flush() -> None:
        run: list[int] = []
        for i in line + [-1]:
            if run and (i < 0 or words[i][2] != words[run[0]][2]):
                for j, text in zip(run, decode_words([words[j][0] for j in run], words[run[0]][2], bundle)):
                    out[j] = text
                run = []
            if i >= 0:
                run.append(i)

    for i in order:
        if line and abs(words[i][1] - words[line[0]][1]) > 3:
            flush()
            line = []
        line.append(i)
    if line:
        flush()
    return out
