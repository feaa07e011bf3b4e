"""Numeric spreadsheet cells as the sheet prints them.

A workbook stores 10.5 as a float and its look as a number format (``General``, ``0.00``,
``#,##0``, ``0.00%``). The layouts and normalizers read numbers as printed text, with one
number convention per document, so a numeric cell is rendered the way the sheet shows it,
with the separators the document's own text cells use ("731,61" beside numeric cells gives
"10,5", a sheet with no such text gives "10.5"). Integers print without decimals.
"""

from __future__ import annotations

import datetime as dt
import math
import re

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
_DATE_CODES = re.compile(r"[dmyhs]", re.IGNORECASE)
GENERAL_DIGITS = 15  # Excel keeps 15 significant digits; float noise beyond them is not printed


def _first_section(number_format: str) -> str:
    return re.split(r';(?=(?:[^"]*"[^"]*")*[^"]*$)', number_format)[0]


def _general(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.{GENERAL_DIGITS}g}"
    if "e" in text and 1e-9 <= abs(value) < 1e15:
        text = f"{value:.{GENERAL_DIGITS}f}".rstrip("0").rstrip(".")
    return text


def _with_separators(text: str, decimal_comma: bool) -> str:
    if not decimal_comma:
        return text
    return text.translate(str.maketrans(".,", ",."))


def format_date(value: dt.date | dt.datetime) -> str:
    """Dates as Vietnamese documents print them: day/month/year."""
    return value.strftime("%d/%m/%Y")


def printed_number(value: float | int, number_format: str | None, decimal_comma: bool) -> str:
    """The text a numeric cell shows under its number format, in the document's convention."""
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return ""
    fmt = (number_format or "General").strip()
    negative = value < 0
    section = _QUOTED.sub("", _first_section(fmt))
    if (
        fmt.lower() in ("general", "@", "")
        or not any(ch in section for ch in "0#?")
        or "E" in section.upper()
        and "0E" in section.upper()
    ):
        return _with_separators(_general(value), decimal_comma)
    if _DATE_CODES.search(section) and not re.search(r"[0#?]", section):
        return _with_separators(_general(value), decimal_comma)
    percent = "%" in section
    shown = abs(value) * (100 if percent else 1)
    sign = "-" if negative else ""  # a negative section's brackets or colours are dropped: the value keeps its sign
    integer, _, fraction = section.partition(".")
    places = sum(ch in "0#?" for ch in fraction.split("%")[0])
    grouping = "," in integer.strip(",")
    body = f"{shown:,.{places}f}" if grouping else f"{shown:.{places}f}"
    if places and set(fraction) <= set("#%") and "0" not in fraction:
        body = body.rstrip("0").rstrip(".")  # "#.##" drops trailing zeros
    text = sign + body + ("%" if percent else "")
    if text.lstrip("-") in ("0", "-0"):
        text = "0"
    return _with_separators(text, decimal_comma)
