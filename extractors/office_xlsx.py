"""Excel workbooks (.xlsx, .xlsm) to PageContent, with openpyxl.

Cached values are read (``data_only``): a formula cell shows what Excel last computed, as
printed. The workbook is loaded in full rather than read-only because merged ranges (the
spans of header and tier rows) exist only in full mode; :func:`check_package` has bounded every
part's size before openpyxl inflates it, and openpyxl parses through defusedxml.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from extractors.office_container import DamagedOfficeFileError, EncryptedOfficeFileError, check_package
from extractors.office_sheet import Merge, Sheet, SheetValue, sheets_to_pages
from extractors.page import PageContent


class EmptyWorkbookError(DamagedOfficeFileError):
    pass


def _sheet(ws, number: int) -> Sheet:
    sheet = Sheet(ws.title, number)
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None or getattr(cell, "coordinate", None) is None:
                continue
            font = cell.font
            sheet.values.append(
                SheetValue(
                    cell.row - 1,
                    cell.column - 1,
                    cell.value,
                    cell.number_format,
                    font.name if font is not None else None,
                    bool(font is not None and font.b),
                )
            )
    for rng in ws.merged_cells.ranges:
        sheet.merges.append(Merge(rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1))
    return sheet


def read_xlsx_sheets(path: Path) -> list[Sheet]:
    check_package(path, "Excel")
    try:
        with open(path, "rb") as fh:
            workbook = openpyxl.load_workbook(fh, data_only=True, read_only=False)
            # hidden sheets are not printed; chartsheets hold no cells
            sheets = [_sheet(ws, i + 1) for i, ws in enumerate(workbook.worksheets) if ws.sheet_state == "visible"]
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        SyntaxError,
    ) as exc:
        if "defused" in type(exc).__module__:
            raise DamagedOfficeFileError(
                "the Excel file's XML declares entities, which Office never writes; refused"
            ) from exc
        detail = " ".join(str(exc).split())[:80] or type(exc).__name__
        raise DamagedOfficeFileError(
            f"the Excel file is damaged and cannot be read ({detail}); get a fresh copy"
        ) from exc
    return sheets


def workbook_pages(sheets: list[Sheet], source: str) -> list[PageContent]:
    """Pages of a workbook's sheets; a workbook with nothing on any visible sheet is an error."""
    pages = sheets_to_pages(sheets, source)
    if not pages:
        raise EmptyWorkbookError(
            "the workbook has no filled cells on any visible sheet; check that the right file was saved"
        )
    return pages


def read_xlsx_pages(path: Path, source: str = "xlsx") -> list[PageContent]:
    """Every visible sheet with content as a page (`source`: xlsx, or xls where LibreOffice converted it)."""
    return workbook_pages(read_xlsx_sheets(path), source)


__all__ = ["EmptyWorkbookError", "EncryptedOfficeFileError", "read_xlsx_pages", "workbook_pages"]
