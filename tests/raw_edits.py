"""Edits of frozen raw frames for tests: a document with one row or table changed, as a new document.

Raw frames are immutable (schemas/raw.py), so a test plants an OCR misreading by building
the document it needs instead of writing into the one a fixture returned.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from schemas.raw import RawDocument, RawRow, RawTable


def replace_table(doc: RawDocument, group: str, change: Callable[[RawTable], RawTable]) -> RawDocument:
    """The document with the table of `group` replaced by `change(table)`."""
    return dataclasses.replace(doc, tables=[change(t) if t.group_code == group else t for t in doc.tables])


def replace_rows(doc: RawDocument, change: Callable[[RawRow], RawRow]) -> RawDocument:
    """The document with every row of every table replaced by `change(row)`."""
    return dataclasses.replace(
        doc, tables=[dataclasses.replace(t, rows=[change(r) for r in t.rows]) for t in doc.tables]
    )


def replace_row(doc: RawDocument, group: str, unit: str, change: Callable[[RawRow], RawRow]) -> RawDocument:
    """The document with the row of `unit` in the table of `group` replaced by `change(row)`."""
    return replace_table(
        doc, group, lambda t: dataclasses.replace(t, rows=[change(r) if r.name == unit else r for r in t.rows])
    )


def doubted(row: RawRow, field: str, text: str | None, index: int | None, low: float) -> RawRow:
    """The row with one cell read by OCR as `text` (as printed when None) with confidence `low`.

    The row's confidence becomes its least confident cell's, as the layout sets it.
    """
    key = field if index is None else f"component:{index}"
    changes: dict = {"confidence": min(row.confidence, low), "cell_confidence": {**row.cell_confidence, key: low}}
    if text is not None and index is None:
        changes[field] = text
    elif text is not None:
        assert index is not None
        changes["components"] = [text if i == index else c for i, c in enumerate(row.components)]
    return dataclasses.replace(row, **changes)
