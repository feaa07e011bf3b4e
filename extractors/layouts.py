"""Ranking layouts: Grids and headings to RawTables.

Rests on the structure and words of the decision layouts, not on positions: header
words give each column its role, the data in a column confirms it; a spanning row is a
tier section ("MỨC TỐT") or a group heading; a grid with no header or the same header
and no new heading continues the previous table (page breaks); a row whose name says
"Điểm trung bình" is an average, not a unit. Header wording that is not a column role (a
maximum in brackets, the split rank/index headers) is data: normalizers/data/table_headers.yaml.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from extractors.grid import Cell, Grid
from extractors.page import PageContent, TextLine
from extractors.rank_index import SplitHeaders, split_rank_index
from normalizers.frameworks import Knowledge
from normalizers.fuzzy import alike
from normalizers.knowledge import KnowledgeBundle, TableHeadersFile, built, bundle_or_default
from normalizers.numbers import looks_numeric
from normalizers.text import clean_printed, phrases_pattern, strip_edge_marks, text_key
from schemas.raw import Correction, RawAverage, RawComponent, RawRow, RawTable

# OCR'd header ending in a bracketed number whose "(" was lost ("xã 0)" for "xã (10)"): the
# maximum is unreadable, and the fragment is not part of the name.
_BROKEN_MAX = re.compile(r"\s+\S*\d[\d.,]*\s*\)\s*$")
_NUMBERED = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.|[a-zđ]\))\s+\S", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^[-–\s]*\d{1,3}[-–\s]*$")


class LayoutError(ValueError):
    """A document has no table of a known ranking layout."""


@dataclass(frozen=True)
class TableHeaderWords:
    """Header wording that is not a column role: the bracketed maximum and the split column's headers."""

    maximum_in_header: re.Pattern[str]  # groups: the maximum
    split: SplitHeaders
    year_in_header: re.Pattern[str]  # groups: the year a column's scores are of ("Điểm năm 2023")


def _header_words(data: TableHeadersFile) -> TableHeaderWords:
    before = phrases_pattern(data.maximum_in_header.before)
    after = phrases_pattern(data.maximum_in_header.after)
    return TableHeaderWords(
        re.compile(rf"\(\s*(?:{before}\s*)?(\d[\d.,]*)\s*{after}?\s*\)\s*$", re.IGNORECASE),
        SplitHeaders(data.split_rank_index.rank, data.split_rank_index.index),
        re.compile(rf"\b(?:{phrases_pattern(data.year_words)})\s+((?:19|20)\d\d)\b", re.IGNORECASE),
    )


def table_header_words(knowledge: KnowledgeBundle | None = None) -> TableHeaderWords:
    """The header words of table_headers.yaml (the bundle's, checked at start), compiled once."""
    return built(bundle_or_default(knowledge).table_headers, _header_words)


def is_numeric(text: str | None) -> bool:
    return looks_numeric(text.strip() if text else text)


def _flat(text: str | None) -> str:
    return clean_printed(text) or ""


@dataclass
class Columns:
    """The role of each column of a ranking table."""

    name: int
    rank: int | None = None
    seq: int | None = None
    total: int | None = None
    percent: int | None = None
    tier: int | None = None
    components: list[tuple[int, str, str | None]] = field(default_factory=list)  # col, name, max
    total_max: str | None = None
    corrections: list[Correction] = field(default_factory=list)


def _anchored_cells(grid: Grid, row: int) -> list[Cell]:
    """Cells that start in this row; spans from the rows above belong to those rows."""
    return [c for c in grid.cells if c.row == row]


def _row_kind(grid: Grid, row: int, knowledge: Knowledge) -> str:
    cells = _anchored_cells(grid, row)
    filled_cells = [c for c in cells if _flat(c.text)]
    filled = [_flat(c.text) for c in filled_cells]
    if not filled:
        return "empty"
    if len(filled_cells) == 1 and filled_cells[0].colspan >= max(2, grid.n_cols - 1):
        return "section"
    if any(knowledge.is_average_label(t) for t in filled):
        return "average"
    if any(knowledge.is_sum_label(t) for t in filled):
        return "sum"  # "Tổng cộng": the units added up, neither a unit nor an average
    numeric = [t for t in filled if is_numeric(t)]
    lettered = [t for t in filled if not is_numeric(t) and sum(ch.isalpha() for ch in t) >= 3]
    if any(knowledge.is_not_evaluated(t) for t in filled) and lettered:
        return "data"
    if numeric and lettered:
        return "data"
    if numeric and len(numeric) == len(filled) and min(c.col for c in filled_cells) > 0:
        return "maxima"
    if numeric and len(numeric) == len(filled) and len(filled) >= 3:
        return "maxima"
    return "header"


def _header_texts(grid: Grid, header_rows: list[int]) -> tuple[list[str], list[str]]:
    """Per column: the lowest header cell's text (leaf) and the texts of spanning parents."""
    leaves, parents = [], []
    for col in range(grid.n_cols):
        seen: list[Cell] = []
        for row in header_rows:
            cell = grid.cell_at(row, col)
            if cell is not None and cell not in seen:
                seen.append(cell)
        leaf = seen[-1] if seen else None
        text = _flat(leaf.text) if leaf else ""
        leaves.append(ocr_tidy(text) if leaf is not None and leaf.confidence < 1.0 else text)
        parents.append(" ".join(_flat(c.text) for c in seen[:-1] if c.colspan > 1))
    return leaves, parents


def _column_profile(grid: Grid, rows: list[int], col: int) -> tuple[float, float]:
    texts = [_flat(cell.text) for r in rows if (cell := grid.anchored(r, col)) is not None]
    texts = [t for t in texts if t]
    if not texts:
        return 0.0, 0.0
    numeric = sum(is_numeric(t) for t in texts) / len(texts)
    letters = sum(sum(ch.isalpha() for ch in t) for t in texts) / len(texts)
    return numeric, letters


def _split_max(header: str, ocr: bool = False, headers: TableHeaderWords | None = None) -> tuple[str, str | None]:
    """Header text and the maximum printed in it: "Nhân lực CNTT (7)", or a last line "1000"."""
    match = (headers or table_header_words()).maximum_in_header.search(header)
    if match:
        return header[: match.start()].strip(), match.group(1)
    words = header.split()
    named_year = (headers or table_header_words()).year_in_header.search(header)
    if len(words) > 1 and is_numeric(words[-1]) and not words[-1].endswith("%") and not named_year:
        return " ".join(words[:-1]), words[-1]
    if ocr and "(" not in header.split()[-1] and (broken := _BROKEN_MAX.search(header)):
        return header[: broken.start()].strip(), None
    return header, None


def ocr_tidy(text: str) -> str:
    """An OCR'd name or header without the stray marks left at its ends ("Sở Nội vụ.", "'Hạ tầng")."""
    return strip_edge_marks(text)


def _role(knowledge: Knowledge, text: str, role: str) -> bool:
    return bool(knowledge.column_role(text, loose=True, role=role))


def _text_and_numeric_columns(grid: Grid, data_rows: list[int]) -> tuple[list[int], list[int]]:
    """Columns of words (at least three filled, mostly not numbers) and columns of numbers."""
    profiles = [_column_profile(grid, data_rows, c) for c in range(grid.n_cols)]
    text_cols = [c for c in range(grid.n_cols) if profiles[c][1] >= 3 and profiles[c][0] < 0.5]
    numeric_cols = [c for c in range(grid.n_cols) if profiles[c][0] >= 0.5]
    return text_cols, numeric_cols


def _name_column(
    grid: Grid, data_rows: list[int], text_cols: list[int], leaves: list[str], knowledge: Knowledge
) -> int:
    """The column its header calls the units' names, else the text column with the most filled cells."""
    named = [c for c in text_cols if _role(knowledge, leaves[c], "name")]
    return named[0] if named else max(text_cols, key=lambda c: _column_profile(grid, data_rows, c)[1])


def _tier_column(cols: Columns, text_cols: list[int], leaves: list[str], knowledge: Knowledge) -> int | None:
    """The last text column besides the names headed as a tier (or as a rank, printed in words)."""
    tier = None
    for c in text_cols:
        if c != cols.name and (_role(knowledge, leaves[c], "tier") or _role(knowledge, leaves[c], "rank")):
            tier = c
    return tier


def _number_left_of_names(cols: Columns, c: int, leaf: str, knowledge: Knowledge) -> None:
    """A numeric column before the names: the rank where headed so, else the first is the row number."""
    if _role(knowledge, leaf, "rank"):
        cols.rank = c
    elif cols.seq is None:
        cols.seq = c


def _score_role(cols: Columns, c: int, leaf: str, knowledge: Knowledge, headers: TableHeaderWords) -> bool:
    """The first total, percent or rank column after the names takes that role; False for a component."""
    if cols.total is None and _role(knowledge, leaf, "total"):
        cols.total = c
        cols.total_max = _split_max(leaf, headers=headers)[1]
    elif cols.percent is None and _role(knowledge, leaf, "percent"):
        cols.percent = c
    elif cols.rank is None and _role(knowledge, leaf, "rank") and not _role(knowledge, leaf, "total"):
        cols.rank = c
    else:
        return False
    return True


def _component_column(
    grid: Grid,
    header_rows: list[int],
    maxima_row: int | None,
    c: int,
    leaf: str,
    knowledge: Knowledge,
    headers: TableHeaderWords,
) -> tuple[tuple[int, str, str | None], Correction | None]:
    """A component column: its name (an OCR'd header snapped to the known component's name) and maximum."""
    leaf_cell = grid.cell_at(header_rows[-1], c) if header_rows else None
    ocr = leaf_cell is not None and leaf_cell.confidence < 1.0
    name, maximum = _split_max(leaf, ocr=ocr, headers=headers)
    correction = None
    if ocr:
        snapped = knowledge.snap_component_name(name)
        if snapped is not None and snapped != name:
            correction = Correction(
                "component_name", name, snapped, "OCR'd header read as the known pillar/component name it is closest to"
            )
            name = snapped
    if maxima_row is not None and (cell := grid.anchored(maxima_row, c)) is not None and _flat(cell.text):
        maximum = _flat(cell.text)
    return (c, name, maximum), correction


def _settle_total(cols: Columns, grid: Grid, parents: list[str], maxima_row: int | None, knowledge: Knowledge) -> None:
    """The total's maximum from a maxima row; without a total column, a single unnamed score column is the total."""
    if cols.total is not None and maxima_row is not None and (cell := grid.anchored(maxima_row, cols.total)):
        cols.total_max = _flat(cell.text) or cols.total_max
    if (
        cols.total is None
        and cols.components
        and not any(_role(knowledge, parents[c], "components_parent") for c, _, _ in cols.components)
    ):
        c, _, maximum = cols.components.pop()
        cols.total, cols.total_max = c, maximum


def assign_columns(
    grid: Grid,
    header_rows: list[int],
    data_rows: list[int],
    maxima_row: int | None,
    knowledge: Knowledge,
    headers: TableHeaderWords | None = None,
) -> Columns | None:
    """The role of each column from its header and its cells, or None without a column of names.

    Names, then the tier among the text columns; before the names a rank or row number;
    after them the total, percent and rank, every other numeric column a component, except
    the columns the frameworks file lists as ``ignored`` (a self-assessment, a change) and
    those of an earlier year than another column names ("Điểm năm 2022" beside "Điểm năm 2023").
    ``headers`` is table_headers.yaml as compiled (None: the default bundle's).
    """
    headers = headers or table_header_words()
    leaves, parents = _header_texts(grid, header_rows)
    text_cols, numeric_cols = _text_and_numeric_columns(grid, data_rows)
    if not text_cols:
        return None
    cols = Columns(name=_name_column(grid, data_rows, text_cols, leaves, knowledge))
    cols.tier = _tier_column(cols, text_cols, leaves, knowledge)
    years = {c: int(m.group(1)) for c in numeric_cols if (m := headers.year_in_header.search(leaves[c]))}
    latest = max(years.values(), default=None)
    for c in numeric_cols:
        if c < cols.name:
            _number_left_of_names(cols, c, leaves[c], knowledge)
        elif _role(knowledge, leaves[c], "ignored"):
            continue  # "Điểm tự đánh giá": the unit's own claim, not its result nor a part of it
        elif c in years and latest is not None and years[c] < latest:
            continue  # "Điểm năm 2022" beside "Điểm năm 2023": last year's, a comparison
        elif not _score_role(cols, c, leaves[c], knowledge, headers):
            component, correction = _component_column(grid, header_rows, maxima_row, c, leaves[c], knowledge, headers)
            if correction is not None:
                cols.corrections.append(correction)
            cols.components.append(component)
    _settle_total(cols, grid, parents, maxima_row, knowledge)
    return cols


@dataclass
class _Heading:
    text: str
    group_code: str | None
    correction: Correction | None = None
    confidence: float = 1.0


_OCR_NUMERAL = re.compile(r"^([IVXLl1|]{1,4})([.:])\s")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def _fix_ocr_numeral(title: str) -> str:
    """OCR reads a heading's "I." as "L." or "1.", "II." as "IL.": restore a valid Roman numeral."""
    match = _OCR_NUMERAL.match(title)
    if not match or match.group(1) in _ROMAN or match.group(1).isdigit():
        return title
    fixed = match.group(1).translate(str.maketrans("Ll1|", "IIII"))
    return fixed + title[len(match.group(1)) :] if fixed in _ROMAN else title


def heading_from_lines(lines: list[TextLine], knowledge: Knowledge) -> _Heading | None:
    """The table's heading: the last heading-like block of lines above it."""
    texts = [_flat(ln.text) if ln.confidence >= 1.0 else ocr_tidy(_flat(ln.text)) for ln in lines]
    i = len(texts) - 1
    while i >= 0:
        t = texts[i]
        if not t or _PAGE_NUMBER.match(t) or t in ("./.", "./"):
            i -= 1
            continue
        if t.endswith(")") and "(" not in t:  # tail of a parenthetical "(Kèm theo ... )"
            while i >= 0 and not texts[i].startswith("("):
                i -= 1
            i -= 1
            continue
        if t.startswith("("):
            i -= 1
            continue
        break
    if i < 0:
        return None
    block = [texts[i]]
    upper = texts[i].upper() == texts[i]
    j = i - 1
    while j >= 0 and len(block) < 3 and not _NUMBERED.match(block[0]):
        prev = texts[j]
        if not prev or _PAGE_NUMBER.match(prev) or prev.endswith((":", ";", ".")) or prev.startswith(("(", "-", "+")):
            break
        if upper and (prev.upper() != prev or sum(ch.isalpha() for ch in prev) < 3):
            break
        if not upper and not _NUMBERED.match(prev):
            break
        block.insert(0, prev)
        j -= 1
    title = " ".join(block)
    confidence = min(lines[k].confidence for k in range(j + 1, i + 1))
    correction = None
    if lines[i].confidence < 1.0 and (fixed := _fix_ocr_numeral(title)) != title:
        correction = Correction("group_title", title, fixed, _NUMERAL_REASON)
        title = fixed
    code = knowledge.group_code(title)
    if code is None and not _NUMBERED.match(title) and not upper:
        return None
    return _Heading(title, code, correction, confidence)


def _header_rows(grid: Grid, kinds: list[str]) -> list[int]:
    rows = []
    for r, kind in enumerate(kinds):
        if kind in ("header", "maxima", "empty"):
            rows.append(r)
        else:
            break
    return [r for r in rows if kinds[r] == "header"]


def _cell_text(grid: Grid, row: int, col: int | None) -> str | None:
    if col is None:
        return None
    cell = grid.anchored(row, col)
    return _flat(cell.text) if cell is not None else None


def _cell_conf(grid: Grid, row: int, col: int | None) -> float:
    cell = grid.anchored(row, col) if col is not None else None
    return cell.confidence if cell is not None else 1.0


@dataclass
class _Open:
    table: RawTable
    columns: Columns
    n_cols: int
    header_key: tuple
    tier: str | None = None


def _is_tier_label(text: str, knowledge: Knowledge) -> bool:
    return any(fw.tier_for_label(text) is not None for fw in knowledge.frameworks.values())


def _fill(
    open_: _Open, grid: Grid, rows: list[int], kinds: list[str], knowledge: Knowledge, tables: list[RawTable]
) -> None:
    cols, table = open_.columns, open_.table
    for r in rows:
        kind = kinds[r]
        if kind == "section":
            text = _flat(max(_anchored_cells(grid, r), key=lambda c: c.colspan).text)
            group = None if _is_tier_label(text, knowledge) else knowledge.group_code(text)
            if group is not None:  # a group heading printed as a row inside the table
                if table.rows:
                    _put(open_, tables, table)
                    table = RawTable(
                        text,
                        group,
                        table.max_raw,
                        table.components,
                        page=grid.page,
                        has_rank_column=table.has_rank_column,
                        headers=table.headers,
                    )
                    tables.append(table)
                    open_.table = table
                else:
                    table = dataclasses.replace(table, group_title=text, group_code=group)
                    _put(open_, tables, table)
                open_.tier = None
                continue
            open_.tier = text
            continue
        if kind == "average":
            label = next(_flat(c.text) for c in _anchored_cells(grid, r) if knowledge.is_average_label(_flat(c.text)))
            average = RawAverage(label, _cell_text(grid, r, cols.total), _cell_text(grid, r, cols.percent), grid.page)
            table = dataclasses.replace(table, averages=(*table.averages, average))
            continue
        if kind != "data":
            continue
        name = _cell_text(grid, r, cols.name)
        if name and _cell_conf(grid, r, cols.name) < 1.0:
            name = ocr_tidy(name)
        if not name:
            continue
        row_texts = [_flat(c.text) for c in grid.row_cells(r)]
        evaluated = not any(knowledge.is_not_evaluated(t) for t in row_texts)
        fields = {
            "rank": cols.rank if cols.rank is not None else cols.seq,
            "total": cols.total,
            "percent": cols.percent,
            "tier": cols.tier,
        }
        values = {k: (_cell_text(grid, r, c) if evaluated else None) for k, c in fields.items()}
        if not evaluated:
            values["rank"] = None
        confidences = {k: _cell_conf(grid, r, c) for k, c in fields.items() if c is not None}
        confidences["name"] = _cell_conf(grid, r, cols.name)
        components = [(_cell_text(grid, r, c) if evaluated else None) for c, _, _ in cols.components]
        for i, (c, _, _) in enumerate(cols.components):
            confidences[f"component:{i}"] = _cell_conf(grid, r, c)
        row = RawRow(
            name=name,
            rank=values["rank"],
            total=values["total"],
            percent=values["percent"],
            tier=values["tier"] if cols.tier is not None else open_.tier,
            evaluated=evaluated,
            components=components,
            page=grid.page,
            confidence=min(confidences.values()) if confidences else 1.0,
            cell_confidence=confidences,
        )
        table = dataclasses.replace(table, rows=(*table.rows, row))
    _put(open_, tables, table)


def _put(open_: _Open, tables: list[RawTable], table: RawTable) -> None:
    """The open table replaced by its extended copy, in the document's list of tables too."""
    tables[:] = [table if t is open_.table else t for t in tables]
    open_.table = table


def _same_header(a: tuple, b: tuple) -> bool:
    """Repeated headers match loosely: OCR reads the same header slightly differently per page."""
    if a[0] != b[0]:
        return False
    return alike(" | ".join(a[1]), " | ".join(b[1]))


def extract_tables(
    pages: list[PageContent],
    knowledge: Knowledge,
    headers: TableHeaderWords | None = None,
    bundle: KnowledgeBundle | None = None,
) -> list[RawTable]:
    """All ranking tables of a document, in order, page breaks joined.

    The tables are frozen: a table continued on the next page, or by more rows of the same grid,
    is replaced in `tables` by an extended copy (`_put`).
    """
    headers = headers or table_header_words(bundle)
    split_headers = headers.split
    tables: list[RawTable] = []
    current: _Open | None = None
    pending: list[TextLine] = []
    for page in pages:
        items: list[tuple[float, TextLine | Grid]] = [(ln.top, ln) for ln in page.lines] + [
            (g.bbox[1], g) for g in page.grids
        ]
        items.sort(key=lambda it: it[0])
        for _, item in items:
            if isinstance(item, TextLine):
                pending.append(item)
                continue
            grid: Grid = split_rank_index(item, knowledge, split_headers)
            kinds = [_row_kind(grid, r, knowledge) for r in range(grid.n_rows)]
            header_rows = _header_rows(grid, kinds)
            body = [r for r in range(grid.n_rows) if r not in header_rows]
            maxima_rows = [r for r in body if kinds[r] == "maxima" and r <= (header_rows[-1] + 1 if header_rows else 0)]
            maxima_row = maxima_rows[0] if maxima_rows else None
            data_rows = [r for r in body if kinds[r] == "data"]
            heading = heading_from_lines(pending, knowledge) if pending else None
            pending = []
            if not header_rows:
                if current is not None and current.n_cols == grid.n_cols:
                    _fill(current, grid, body, kinds, knowledge, tables)
                continue
            if not data_rows and not any(kinds[r] in ("section", "average") for r in body):
                continue
            columns = assign_columns(grid, header_rows, data_rows, maxima_row, knowledge, headers)
            if columns is None or columns.total is None and not columns.components:
                continue
            leaves, parents = _header_texts(grid, header_rows)
            header_key = (grid.n_cols, tuple(text_key(t) for t in leaves))
            continues = (
                current is not None
                and _same_header(current.header_key, header_key)
                and (heading is None or heading.group_code is None or heading.group_code == current.table.group_code)
            )
            if not continues:
                title = heading.text if heading else ""
                table = RawTable(
                    group_title=title,
                    group_code=heading.group_code if heading else None,
                    max_raw=columns.total_max,
                    components=[RawComponent(name, maximum) for _, name, maximum in columns.components],
                    page=grid.page,
                    has_rank_column=columns.rank is not None or columns.seq is not None,
                    corrections=list(columns.corrections)
                    + ([heading.correction] if heading and heading.correction else []),
                    title_confidence=heading.confidence if heading else 1.0,
                    headers=list(dict.fromkeys(t for t in (*parents, *leaves) if t)),
                )
                tables.append(table)
                current = _Open(table, columns, grid.n_cols, header_key)
            assert current is not None  # the table continued, or one was just opened
            _fill(current, grid, body, kinds, knowledge, tables)
    tables = [t for t in tables if t.rows]
    if not tables:
        raise LayoutError("no ranking table found (no ruled table with unit names and scores)")
    return _number_misread_headings(tables)


_NUMERAL_REASON = "OCR misread the heading's Roman numeral"


def _numeral_readings(printed: str) -> set[str]:
    """Roman numerals an OCR'd numeral may stand for: each "L", "l", "1", "|" an "I" or a speck."""
    readings = {""}
    for ch in printed:
        options = {"I", ""} if ch in "Ll1|" else {ch}
        readings = {r + o for r in readings for o in options}
    return {r for r in readings if r in _ROMAN}


def _number_misread_headings(tables: list[RawTable]) -> list[RawTable]:
    """A misread numeral takes the place its table has in the document's I, II, III ... sequence.

    "IL." reads as "II." or "I."; the first of two numbered headings is "I.". Only when every
    other numbered heading sits at its own place in the sequence (a new table with a Correction).
    """
    numbered = [(t, m) for t in tables if (m := _OCR_NUMERAL.match(t.group_title or ""))]
    renumbered: dict[int, RawTable] = {}
    for k, (table, match) in enumerate(numbered):
        fix = next((c for c in table.corrections if c.field == "group_title" and c.reason == _NUMERAL_REASON), None)
        if fix is None or k >= len(_ROMAN) or match.group(1) == _ROMAN[k]:
            continue
        others_in_place = all(
            m.group(1) == _ROMAN[j] for j, (t, m) in enumerate(numbered) if t is not table and j < len(_ROMAN)
        )
        printed = _OCR_NUMERAL.match(fix.printed)
        if not others_in_place or printed is None or _ROMAN[k] not in _numeral_readings(printed.group(1)):
            continue
        title = _ROMAN[k] + table.group_title[len(match.group(1)) :]
        corrections = [
            Correction(
                "group_title",
                fix.printed,
                title,
                f"{_NUMERAL_REASON} (the heading's place among the numbered headings)",
            )
            if c is fix
            else c
            for c in table.corrections
        ]
        renumbered[id(table)] = dataclasses.replace(table, group_title=title, corrections=corrections)
    return [renumbered.get(id(t), t) for t in tables]
