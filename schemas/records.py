"""Plain records: the rows a document's reading stages build, check and hand back, one dict per row.

A document worker reads, normalizes and checks without pandas: importing it costs every worker
half a second before its first page. Frames are made from the records where frames are wanted
(assembly, notebooks, tests), with the same constructor the stages once called, so their columns
and dtypes are what they were.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    import pandas as pd

Record = dict[str, Any]
Records = tuple[Record, ...]


def as_frame(records: Iterable[Mapping[str, Any]], columns: list[str]) -> pd.DataFrame:
    """The records as a frame of exactly `columns` (a key a record lacks is missing there)."""
    import pandas as pd

    return pd.DataFrame(list(records), columns=columns)


def is_null(value: Any) -> bool:
    """No value: None, or NaN as a frame's float column holds it."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: Any) -> float:
    """A record's number as a float, NaN where it has none: comparisons with it are false, as in a frame."""
    return math.nan if is_null(value) else float(value)


class FrameOf:
    """A read-only attribute: the records kept in attribute `field` as a frame of `columns`.

    Built on every read, so it is never out of step with the records (which are what is pickled);
    None where the records are None.
    """

    def __init__(self, field: str, columns: list[str]) -> None:
        self.field, self.columns = field, columns

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> FrameOf: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> pd.DataFrame: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> FrameOf | pd.DataFrame:
        if obj is None:
            return self
        records = getattr(obj, self.field)
        return None if records is None else as_frame(records, self.columns)
