"""Word (.docx) files to PageContent, with python-docx.

Paragraphs become text lines, tables become Grids with their stated spans (``gridSpan``
across, ``vMerge`` down), and layout tables (motto, signature) become lines, so layouts,
checks and metadata read a Word file exactly as they read a PDF page. A Word file stores no
pagination of its own: pages are cut at the breaks it does store (a page break, a paragraph
that starts a new page, a section break), so a "page" here is what lies between two of them.
Text runs pass through :func:`extractors.office_text.office_text` with their effective font.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.opc.exceptions import OpcError
from docx.oxml.ns import qn
from lxml import etree

from extractors.office_container import DamagedOfficeFileError, check_package
from extractors.office_tables import ROW_HEIGHT, TableCell, is_layout_table, layout_lines, office_grid
from extractors.office_text import office_text
from extractors.page import PageContent, TextLine

_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIPPED = {qn("w:del"), qn("w:moveFrom"), _MC_FALLBACK, qn("w:pPr"), qn("w:rPr"), qn("w:instrText")}
_OFF = ("0", "false", "off")
_A4 = (595.3, 841.9)


def _on(element: etree._Element | None) -> bool | None:
    """A Word toggle property (``<w:b/>``, ``<w:b w:val="0"/>``); None where it is not set."""
    if element is None:
        return None
    return element.get(qn("w:val"), "true").lower() not in _OFF


def _rpr_font(rpr: etree._Element | None) -> str | None:
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    if fonts is None:
        return None
    # Vietnamese letters are outside ASCII: Word sets them in the hAnsi font
    return fonts.get(qn("w:hAnsi")) or fonts.get(qn("w:ascii")) or fonts.get(qn("w:cs"))


class _Styles:
    """Effective font and bold of a run from the run, its character and paragraph styles and the defaults."""

    def __init__(self, document: docx.document.Document):
        root = document.styles.element
        self._styles: dict[str, tuple[str | None, bool | None, str | None]] = {}
        self.default_paragraph: str | None = None
        for style in root.findall(qn("w:style")):
            sid = style.get(qn("w:styleId"))
            rpr = style.find(qn("w:rPr"))
            based = style.find(qn("w:basedOn"))
            self._styles[sid] = (
                _rpr_font(rpr),
                _on(rpr.find(qn("w:b"))) if rpr is not None else None,
                based.get(qn("w:val")) if based is not None else None,
            )
            if style.get(qn("w:type")) == "paragraph" and style.get(qn("w:default")) in ("1", "true", "on"):
                self.default_paragraph = sid
        defaults = root.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
        self.default_font = _rpr_font(defaults)

    def _chain(self, sid: str | None) -> Iterator[tuple[str | None, bool | None]]:
        seen: set[str] = set()
        while sid and sid in self._styles and sid not in seen:
            seen.add(sid)
            font, bold, sid_next = self._styles[sid]
            yield font, bold
            sid = sid_next

    def font(self, rpr: etree._Element | None, paragraph_style: str | None) -> str | None:
        if (font := _rpr_font(rpr)) is not None:
            return font
        run_style = rpr.find(qn("w:rStyle")) if rpr is not None else None
        for sid in (
            run_style.get(qn("w:val")) if run_style is not None else None,
            paragraph_style or self.default_paragraph,
        ):
            for font, _ in self._chain(sid):
                if font:
                    return font
        return self.default_font

    def bold(self, rpr: etree._Element | None, paragraph_style: str | None) -> bool:
        if rpr is not None and (own := _on(rpr.find(qn("w:b")))) is not None:
            return own
        for _, bold in self._chain(paragraph_style or self.default_paragraph):
            if bold is not None:
                return bold
        return False


@dataclasses.dataclass
class _Line:
    text: str = ""
    bold: bool = False


def _paragraph_style(p: etree._Element) -> str | None:
    style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return style.get(qn("w:val")) if style is not None else None


def _paragraph_items(p: etree._Element, styles: _Styles) -> Iterator[tuple[str, _Line | etree._Element | None]]:
    """A paragraph in reading order: ("line", _Line) at each line end, ("page", None) at page breaks,
    ("box", element) for text boxes drawn in it (read after it)."""
    pstyle = _paragraph_style(p)
    line = _Line()
    boxes: list[etree._Element] = []

    def walk(element: etree._Element) -> Iterator[tuple[str, _Line | etree._Element | None]]:
        nonlocal line
        for child in element:
            tag = child.tag
            if tag in _SKIPPED or not isinstance(tag, str):
                continue
            if tag == qn("w:txbxContent"):
                boxes.append(child)
            elif tag == qn("w:r"):
                rpr = child.find(qn("w:rPr"))
                font, bold = styles.font(rpr, pstyle), styles.bold(rpr, pstyle)
                for part in child:
                    ptag = part.tag
                    if ptag == qn("w:t"):
                        if part.text:
                            line.text += office_text(part.text, font)
                            line.bold = line.bold or (bold and bool(part.text.strip()))
                    elif ptag in (qn("w:tab"), qn("w:ptab")):
                        line.text += " "
                    elif ptag == qn("w:noBreakHyphen"):
                        line.text += "-"
                    elif ptag in (qn("w:br"), qn("w:cr")):
                        yield "line", line
                        line = _Line()
                        if ptag == qn("w:br") and part.get(qn("w:type")) == "page":
                            yield "page", None
                    elif ptag not in _SKIPPED:
                        yield from walk(part)  # drawings and alternate content holding text boxes
            else:
                yield from walk(child)

    ppr = p.find(qn("w:pPr"))
    if ppr is not None and _on(ppr.find(qn("w:pageBreakBefore"))):
        yield "page", None
    yield from walk(p)
    yield "line", line
    for box in boxes:
        yield "box", box
    section = ppr.find(qn("w:sectPr")) if ppr is not None else None
    if section is not None:
        kind = section.find(qn("w:type"))
        if kind is None or kind.get(qn("w:val")) != "continuous":
            yield "page", None


def _blocks(container: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and tables of a body or cell, content controls and custom XML unwrapped."""
    for child in container:
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag in (qn("w:sdt"), qn("w:customXml")):
            content = child.find(qn("w:sdtContent")) if child.tag == qn("w:sdt") else child
            if content is not None:
                yield from _blocks(content)


def _cell_lines(container: etree._Element, styles: _Styles) -> list[_Line]:
    lines: list[_Line] = []
    for block in _blocks(container):
        if block.tag == qn("w:p"):
            for kind, value in _paragraph_items(block, styles):
                if isinstance(value, _Line):
                    if value.text.strip():
                        lines.append(value)
                elif kind == "box":
                    lines.extend(_cell_lines(value, styles))
        else:
            cells, _, _, _ = _table_cells(block, styles)
            lines.extend(_Line(c.text, c.bold) for c in cells if c.text.strip())
    return lines


def _table_cells(tbl: etree._Element, styles: _Styles) -> tuple[list[TableCell], int, int, list[float]]:
    """The stated cells of a table: gridSpan widens a cell, vMerge="continue" extends the one above."""
    widths = [int(col.get(qn("w:w"), "0") or 0) / 20 for col in tbl.findall(f"{qn('w:tblGrid')}/{qn('w:gridCol')}")]
    cells: list[TableCell] = []
    open_above: dict[int, int] = {}  # grid column -> index in cells of a vertically merged cell
    n_cols = len(widths)
    rows = tbl.findall(qn("w:tr"))
    for r, tr in enumerate(rows):
        col = tr.grid_before
        for tc in tr.findall(qn("w:tc")):
            span = max(1, tc.grid_span)
            lines = _cell_lines(tc, styles)
            text = "\n".join(ln.text for ln in lines)
            bold = bool(lines) and all(ln.bold for ln in lines)
            if tc.vMerge == "continue" and col in open_above:
                i = open_above[col]
                above = cells[i]
                joined = f"{above.text}\n{text}" if text and above.text else above.text or text
                cells[i] = dataclasses.replace(above, rowspan=r - above.row + 1, text=joined)
            else:
                for c in range(col, col + span):
                    open_above.pop(c, None)
                cells.append(TableCell(r, col, 1, span, text, bold))
                if tc.vMerge == "restart":
                    open_above[col] = len(cells) - 1
            col += span
        n_cols = max(n_cols, col + tr.grid_after)
    return cells, len(rows), n_cols, widths


class _Pages:
    """Pages as the stored breaks cut them, each filled top to bottom."""

    def __init__(self, source: str, width: float, height: float):
        self.source, self.width, self.height = source, width, height
        self.pages: list[PageContent] = []
        self.y = 0.0
        self._new()

    def _new(self) -> None:
        self.pages.append(PageContent(len(self.pages) + 1, self.width, self.height, self.source))
        self.y = 0.0

    def page_break(self) -> None:
        page = self.pages[-1]
        if page.lines or page.grids:
            self._new()

    def line(self, line: _Line) -> None:
        text = " ".join(line.text.split())
        if text:
            self.pages[-1].lines.append(
                TextLine(text, 0.0, self.y, self.width, self.y + ROW_HEIGHT, ROW_HEIGHT, line.bold)
            )
            self.y += ROW_HEIGHT

    def table(self, tbl: etree._Element, styles: _Styles) -> None:
        if tbl.find(f"{qn('w:tr')}/{qn('w:tc')}/{qn('w:tbl')}") is not None:
            # a frame table holding tables (an appendix boxed in one cell): read its cells as running content
            for tr in tbl.findall(qn("w:tr")):
                for tc in tr.findall(qn("w:tc")):
                    self.blocks(tc, styles)
            return
        cells, n_rows, n_cols, widths = _table_cells(tbl, styles)
        if not cells:
            return
        page = self.pages[-1]
        if is_layout_table(cells):
            lines = layout_lines(cells, self.y, widths)
            page.lines.extend(lines)
            self.y = lines[-1].bottom if lines else self.y
        else:
            grid = office_grid(cells, n_rows, n_cols, page.number, self.y, widths)
            page.grids.append(grid)
            self.y = grid.bbox[3]

    def blocks(self, container: etree._Element, styles: _Styles) -> None:
        for block in _blocks(container):
            if block.tag == qn("w:tbl"):
                self.table(block, styles)
                continue
            for kind, value in _paragraph_items(block, styles):
                if isinstance(value, _Line):
                    self.line(value)
                elif kind == "page":
                    self.page_break()
                else:
                    self.blocks(value, styles)


def _page_size(document: docx.document.Document) -> tuple[float, float]:
    try:
        section = document.sections[-1]
        width, height = section.page_width, section.page_height
    except (IndexError, ValueError):
        return _A4
    return (width.pt if width else _A4[0], height.pt if height else _A4[1])


def read_docx_pages(path: Path, source: str = "docx") -> list[PageContent]:
    """Every stored page of a Word file as PageContent (`source` names the original form: docx or doc)."""
    check_package(path, "Word")
    try:
        with open(path, "rb") as fh:
            document = docx.Document(fh)
        styles = _Styles(document)
        builder = _Pages(source, *_page_size(document))
        builder.blocks(document.element.body, styles)
    except (OpcError, KeyError, ValueError, AttributeError, TypeError, etree.LxmlError) as exc:
        detail = " ".join(str(exc).split())[:80] or type(exc).__name__
        raise DamagedOfficeFileError(
            f"the Word file is damaged and cannot be read ({detail}); get a fresh copy"
        ) from exc
    pages = builder.pages
    if len(pages) > 1 and not (pages[-1].lines or pages[-1].grids):
        pages.pop()
    return pages
