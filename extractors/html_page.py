"""A saved web page read into the one PageContent: text blocks in reading order plus its tables as Grids.

Portals post a decision's tables as HTML `<table>` elements and newspapers retell them in
prose; both reach the same layouts, checks and metadata as a PDF once the page is a
PageContent. Site chrome (navigation, menus, banners, footers, related-news boxes, widgets)
is dropped by tag and by class/id words kept as data in ``news_phrases.yaml``.

The page is parsed by lxml with no network access and no external entities: a page is never
a reason to fetch anything (images, scripts, stylesheets and links are not followed).
Positions are reading order: every block and table gets the next ``top``, so a table's
heading is the text block just before it, as on a printed page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from extractors.grid import Cell, Grid
from extractors.page import PageContent, TextLine
from normalizers.knowledge import KnowledgeBundle, PageChromeFile, built, bundle_or_default
from normalizers.text import clean_printed, nfc

_CLASS_SPLIT = re.compile(r"[\s_\-]+")
_BLOCK = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "br",
    "section",
    "article",
    "blockquote",
    "main",
    "dd",
    "dt",
    "dl",
    "header",
    "caption",
    "figcaption",
    "tr",
    "pre",
    "hr",
}
_HEADING_SIZE = {"h1": 20.0, "h2": 16.0, "h3": 14.0, "h4": 13.0}
_MAX_SPAN = 500  # a rowspan/colspan beyond this is a broken attribute, not a table


class HtmlPageError(ValueError):
    """The bytes are not a readable HTML page."""


@dataclass
class HtmlPage:
    """A page as read: its title, its content and what was cut or left out."""

    title: str
    content: PageContent
    headings: list[str] = field(default_factory=list)
    cut_tables: list[str] = field(default_factory=list)  # one sentence per table the page ends inside

    @property
    def text(self) -> str:
        return self.content.text


def decode_html(data: str | bytes) -> str:
    """Bytes to text by the BOM or the page's declared charset (UTF-8 otherwise), NFC."""
    if isinstance(data, str):
        return nfc(data)
    if data.startswith(b"\xef\xbb\xbf"):
        return nfc(data[3:].decode("utf-8", errors="replace"))
    head = data[:2048].decode("ascii", errors="ignore")
    m = re.search(r"charset=[\"']?([\w\-]+)", head, re.IGNORECASE)
    try:
        return nfc(data.decode(m.group(1) if m else "utf-8", errors="replace"))
    except LookupError:
        return nfc(data.decode("utf-8", errors="replace"))


@dataclass(frozen=True)
class _Chrome:
    tags: frozenset[str]
    words: frozenset[str]
    article_words: frozenset[str]
    table_holders: frozenset[str]

    def holds(self, el: etree._Element) -> bool:
        """Furniture, by its tag or a word of its class/id; a table holder with a table inside is content."""
        if el.tag in self.table_holders and el.find(".//table") is not None:
            return False
        return el.tag in self.tags or bool(_words(el) & self.words)


def _compile(data: PageChromeFile) -> _Chrome:
    return _Chrome(
        *(
            frozenset(w.lower() for w in v)
            for v in (data.chrome_tags, data.chrome_words, data.article_words, data.table_holders)
        )
    )


def page_chrome(knowledge: KnowledgeBundle | None = None) -> _Chrome:
    """The chrome knowledge of page_chrome.yaml (the bundle's, validated at start)."""
    return built(bundle_or_default(knowledge).page_chrome, _compile)


def _parser() -> lxml.html.HTMLParser:
    return lxml.html.HTMLParser(
        recover=True, no_network=True, remove_comments=True, remove_pis=True, default_doctype=False
    )


def _words(el: etree._Element) -> set[str]:
    value = f"{el.get('class', '')} {el.get('id', '')}".lower()
    return {w for w in _CLASS_SPLIT.split(value) if w}


def _article_root(root: etree._Element, article_words: frozenset[str]) -> etree._Element:
    """The element holding the page's own content: <article>, a content class, <main>, else <body>."""
    for test in (
        lambda e: e.tag == "article",
        lambda e: (
            bool(set(f"{e.get('class', '')} {e.get('id', '')}".lower().split()) & article_words)
            or bool(_words(e) & article_words)
        ),
        lambda e: e.tag == "main",
        lambda e: e.tag == "body",
    ):
        found = [e for e in root.iter() if isinstance(e.tag, str) and test(e)]
        if found:
            return max(found, key=lambda e: len(e.text_content()))
    return root


def _cell_text(el: etree._Element) -> str:
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                if child.tag == "br" or child.tag in _BLOCK:
                    parts.append("\n")
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    lines = [clean_printed(line) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def _span(el: etree._Element, name: str) -> int:
    try:
        value = int(str(el.get(name, "1")).strip() or 1)
    except ValueError:
        return 1
    return min(max(value, 1), _MAX_SPAN)


def _own_rows(table: etree._Element) -> list[etree._Element]:
    """The table's rows (thead, tbody, tfoot or direct), not those of tables nested in its cells."""
    rows = []
    for tr in table.iter("tr"):
        parent = tr.getparent()
        while parent is not None and parent.tag != "table":
            parent = parent.getparent()
        if parent is table:
            rows.append(tr)
    return rows


def table_grid(table: etree._Element, page: int, top: float, keep_rows: int | None = None) -> Grid | None:
    """An HTML table as a Grid: the HTML table model's slot filling, spans kept as spans."""
    rows = _own_rows(table)
    if keep_rows is not None:
        rows = rows[:keep_rows]
    taken: set[tuple[int, int]] = set()
    cells: list[Cell] = []
    for r, tr in enumerate(rows):
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            rowspan = min(_span(td, "rowspan"), len(rows) - r)
            colspan = _span(td, "colspan")
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            cells.append(
                Cell(
                    r,
                    c,
                    rowspan,
                    colspan,
                    float(c),
                    top + r,
                    float(c + colspan),
                    top + r + rowspan,
                    text=_cell_text(td),
                )
            )
            c += colspan
    if not cells:
        return None
    n_cols = max(cell.col + cell.colspan for cell in cells)
    n_rows = len(rows)
    return Grid(
        page,
        n_rows,
        n_cols,
        cells,
        (0.0, top, float(n_cols), top + n_rows),
        [float(i) for i in range(n_cols + 1)],
        [top + i for i in range(n_rows + 1)],
    )


def _closed_rows(source: str) -> list[int | None]:
    """Per top-level <table> of the source: None where it is closed, else how many rows were closed.

    lxml silently closes what a cut-off page leaves open; the source says whether the table
    ended. A row after the last closed one may have lost cells or digits, so it is not kept.
    """
    lowered = source.lower()
    out: list[int | None] = []
    tag = re.compile(r"<(/?)(table|tr)\b")
    depth = opened_rows = closed_rows = 0
    for m in tag.finditer(lowered):
        closing, name = m.group(1) == "/", m.group(2)
        if name == "table" and not closing:
            depth += 1
            if depth == 1:
                opened_rows = closed_rows = 0
        elif name == "table" and closing and depth > 0:
            depth -= 1
            if depth == 0:
                out.append(None)
        elif name == "tr" and depth == 1:
            if closing:
                closed_rows += 1
            else:
                opened_rows += 1
    if depth > 0:  # rows whose </tr> the page omits (allowed in HTML) end where the next row starts
        out.append(closed_rows if closed_rows else max(opened_rows - 1, 0))
    return out


def _int_attribute(el: etree._Element, name: str) -> int | None:
    value = (el.get(name) or "").strip()
    return int(value) if re.fullmatch(r"-?\d{1,6}", value) else None


def list_number(item: etree._Element) -> int | None:
    """The number a browser shows before an item of an ordered list (``<ol start>``, ``<li value>``, ``reversed``).

    A ranking posted as ``<ol><li>Sở Tư pháp: 702,5 điểm</li>...`` shows its ranks only as
    these numbers; the text of the page holds them as printed. Letters and roman numerals
    (``type="a"``, ``"i"``) number nothing.
    """
    parent = item.getparent()
    if item.tag != "li" or parent is None or parent.tag != "ol" or (parent.get("type") or "1") != "1":
        return None
    items = [li for li in parent if li.tag == "li"]
    step = -1 if parent.get("reversed") is not None else 1
    start = _int_attribute(parent, "start")
    number = (start if start is not None else (len(items) if step < 0 else 1)) - step
    for li in items:
        number = value if (value := _int_attribute(li, "value")) is not None else number + step
        if li is item:
            return number
    return None


def read_html_page(data: str | bytes, page: int = 1, knowledge: KnowledgeBundle | None = None) -> HtmlPage:
    """The page's own content (chrome dropped) as a PageContent: blocks of text and tables in reading order."""
    source = decode_html(data)
    if not source.strip():
        raise HtmlPageError("the HTML page is empty")
    try:
        root = lxml.html.document_fromstring(source, parser=_parser())
    except (etree.ParserError, ValueError) as exc:
        raise HtmlPageError(f"the HTML cannot be parsed ({' '.join(str(exc).split())[:80]})") from exc
    chrome = page_chrome(knowledge)
    title_el = root.find(".//title")
    page_title = clean_printed(title_el.text_content()) if title_el is not None else ""
    article = _article_root(root, chrome.article_words)
    closed = _closed_rows(source)
    all_tables = [t for t in root.iter("table") if not any(a.tag == "table" for a in t.iterancestors())]
    cut_at = {id(all_tables[i]): n for i, n in enumerate(closed) if n is not None and i < len(all_tables)}

    content = PageContent(page, 1.0, 0.0, "html")
    headings: list[str] = []
    cut: list[str] = []
    buffer: list[str] = []
    order = [0.0]

    def flush(tag: str = "") -> None:
        text = clean_printed(" ".join(buffer))
        buffer.clear()
        if text:
            top = order[0]
            order[0] += 1
            size = _HEADING_SIZE.get(tag, 11.0)
            content.lines.append(TextLine(text, 0.0, top, 1.0, top + 0.5, size=size, bold=tag in _HEADING_SIZE))

    def walk(el: etree._Element) -> None:
        children = list(el)
        if el.tag in chrome.table_holders:  # a table's <figcaption> titles it, wherever the editor put it
            children.sort(key=lambda c: c.tag != "figcaption")
        for child in children:
            if not isinstance(child.tag, str):
                if child.tail:
                    buffer.append(child.tail)
                continue
            if chrome.holds(child):
                if child.tail:
                    buffer.append(child.tail)
                continue
            if child.tag == "table" and not any(t.tag == "table" for t in child.iterdescendants()):
                flush()
                keep = cut_at.get(id(child), -1)
                grid = table_grid(child, page, order[0], None if keep == -1 else keep)
                if keep != -1:
                    cut.append(
                        f"the page ends inside a table: its first {keep} complete rows (header rows included) "
                        "are kept, the rest of the table is missing; save the whole page again"
                    )
                if grid is not None:
                    order[0] += grid.n_rows + 1
                    content.grids.append(grid)
            elif child.tag in _HEADING_SIZE or child.tag in ("h5", "h6"):
                flush()
                buffer.append(_cell_text(child).replace("\n", " "))
                headings.append(clean_printed(" ".join(buffer)) or "")
                flush(child.tag)
            elif child.tag in _BLOCK or child.tag in ("table", "tbody", "thead", "tfoot", "td", "th"):
                flush()
                if (number := list_number(child)) is not None:
                    buffer.append(f"{number}.")
                if child.text:
                    buffer.append(child.text)
                walk(child)
                flush()
            else:
                if child.text:
                    buffer.append(child.text)
                walk(child)
            if child.tail:
                buffer.append(child.tail)

    if article.text:
        buffer.append(article.text)
    walk(article)
    flush()
    content.height = order[0]
    title = next((h for h in headings if h), "") if article.find(".//h1") is not None else page_title
    return HtmlPage(title or page_title or "", content, [h for h in headings if h], cut)
