"""What one document contributes to curated/: the shape a worker hands back (and the cache keeps).

Its own module, apart from :mod:`pipeline.process`, so the process that assembles and publishes
can read workers' results without loading the parsers (pdfplumber, pdfminer) the workers used.
Rows are plain records (:mod:`schemas.records`): a worker builds and pickles them without pandas,
and the frames are made where they are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from normalizers.scores import AVERAGE_COLUMNS, COMPONENT_COLUMNS, SCORE_COLUMNS
from pipeline.parsing_report import TABLE_COLUMNS
from schemas.issues import Issue
from schemas.records import FrameOf, Records

if TYPE_CHECKING:
    import pandas as pd

# every value is as printed until assembly marks OCR repairs and officers' corrections
RESULT_SCORE_COLUMNS = [*SCORE_COLUMNS, "value_source"]
RESULT_COMPONENT_COLUMNS = [*COMPONENT_COLUMNS, "value_source"]


@dataclass
class DocumentResult:
    """Everything one document contributes to curated/."""

    document: dict
    score_rows: Records = ()
    component_rows: Records = ()
    average_rows: Records = ()
    weekly: pd.DataFrame | None = None  # a weekly report's long-form records, typed by its reader
    issues: list[Issue] = field(default_factory=list)
    table_rows: Records | None = None  # the parsing report per ranking table (pipeline.parsing_report)

    scores = FrameOf("score_rows", RESULT_SCORE_COLUMNS)
    components = FrameOf("component_rows", RESULT_COMPONENT_COLUMNS)
    averages = FrameOf("average_rows", AVERAGE_COLUMNS)
    tables = FrameOf("table_rows", TABLE_COLUMNS)  # None where the document has no ranking tables
