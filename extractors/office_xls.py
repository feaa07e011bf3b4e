"""Old Excel workbooks (.xls, BIFF) to PageContent, with xlrd.

xlrd reads BIFF2-8 directly, number formats, fonts and merged ranges included
(``formatting_info``), so no conversion is needed; LibreOffice is the fallback for files
xlrd cannot parse (see :mod:`extractors.office_legacy`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlrd

from extractors.office_container import EncryptedOfficeFileError
from extractors.office_legacy import converted
from extractors.office_sheet import Merge, Sheet, SheetValue
from extractors.office_xlsx import read_xlsx_sheets, workbook_pages
from extractors.page import PageContent


class XlsReadError(ValueError):
    """xlrd could not parse the file (the LibreOffice fallback may still read it)."""


def _value(book: xlrd.book.Book, sheet: xlrd.sheet.Sheet, r: int, c: int) -> SheetValue | None:
    cell = sheet.cell(r, c)
    kind = cell.ctype
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    xf = book.xf_list[cell.xf_index] if cell.xf_index is not None else None
    number_format = (
        book.format_map[xf.format_key].format_str if xf is not None and xf.format_key in book.format_map else None
    )
    font = book.font_list[xf.font_index] if xf is not None and xf.font_index < len(book.font_list) else None
    value: object = cell.value
    if kind == xlrd.XL_CELL_DATE:
        try:
            value = xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
        except (xlrd.xldate.XLDateError, OverflowError, ValueError):
            value = cell.value
        if isinstance(value, dt.datetime) and value.time() == dt.time(0):
            value = value.date()
    elif kind == xlrd.XL_CELL_BOOLEAN:
        value = bool(cell.value)
    elif kind == xlrd.XL_CELL_ERROR:
        value = xlrd.error_text_from_code.get(cell.value, "#ERR")
    return SheetValue(r, c, value, number_format, font.name if font else None, bool(font and font.bold))


def read_xls_sheets(path: Path) -> list[Sheet]:
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise EncryptedOfficeFileError(
                "the Excel (.xls) file is password-protected; ask the sender for an unprotected copy"
            ) from exc
        raise XlsReadError(str(exc)) from exc
    except (AssertionError, IndexError, KeyError, ValueError, TypeError, EOFError, OSError, UnicodeDecodeError) as exc:
        raise XlsReadError(f"{type(exc).__name__}: {exc}") from exc
    try:
        sheets: list[Sheet] = []
        for index in range(book.nsheets):
            ws = book.sheet_by_index(index)
            if ws.visibility != 0:
                continue  # hidden sheets are not printed
            sheet = Sheet(ws.name, index + 1)
            for r in range(ws.nrows):
                for c in range(ws.ncols):
                    if (value := _value(book, ws, r, c)) is not None:
                        sheet.values.append(value)
            sheet.merges = [Merge(rlo, clo, rhi - 1, chi - 1) for rlo, rhi, clo, chi in ws.merged_cells]
            sheets.append(sheet)
    except (
        xlrd.XLRDError,
        AssertionError,
        IndexError,
        KeyError,
        ValueError,
        TypeError,
        EOFError,
        UnicodeDecodeError,
    ) as exc:
        raise XlsReadError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        book.release_resources()
    return sheets


def read_xls_pages(path: Path) -> list[PageContent]:
    """An .xls workbook's pages: xlrd where it can, otherwise LibreOffice's .xlsx of it."""
    try:
        sheets = read_xls_sheets(path)
    except XlsReadError:
        with converted(path, "xls") as xlsx:
            sheets = read_xlsx_sheets(xlsx)
    return workbook_pages(sheets, "xls")
