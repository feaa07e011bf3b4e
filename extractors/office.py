"""Office files (Word, Excel, old and new) to PageContent: which reader reads which kind.

The kind comes from :func:`extractors.office_container.office_kind` (content, not name).
Every reader gives pages whose ``text_source`` names the original form (docx, doc, xlsx,
xls), and from there the file goes the one way PDFs go (layouts, checks, metadata).
"""

from __future__ import annotations

from pathlib import Path

from extractors.office_docx import read_docx_pages
from extractors.office_legacy import converted
from extractors.office_xls import read_xls_pages
from extractors.office_xlsx import read_xlsx_pages
from extractors.page import PageContent

OFFICE_KINDS = ("docx", "xlsx", "doc", "xls")
WORD_KINDS = ("docx", "doc")


def read_office_pages(path: Path, kind: str) -> list[PageContent]:
    """The pages of an Office file of a sniffed `kind`; raises OfficeFileError for bad input."""
    if kind == "docx":
        return read_docx_pages(path)
    if kind == "xlsx":
        return read_xlsx_pages(path)
    if kind == "xls":
        return read_xls_pages(path)
    if kind == "doc":
        with converted(path, "doc") as docx_path:
            return read_docx_pages(docx_path, source="doc")
    raise ValueError(f"not an Office kind: {kind}")
