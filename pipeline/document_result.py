"""What one document contributes to curated/: the shape a worker hands back (and the cache keeps).

Its own module, apart from :mod:`pipeline.process`, so the process that assembles and publishes
can read workers' results without loading the parsers (pdfplumber, pdfminer) the workers used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from normalizers.scores import AVERAGE_COLUMNS, COMPONENT_COLUMNS, SCORE_COLUMNS
from schemas.issues import Issue


@dataclass
class DocumentResult:
    """Everything one document contributes to curated/."""

    document: dict
    scores: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SCORE_COLUMNS))
    components: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COMPONENT_COLUMNS))
    averages: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=AVERAGE_COLUMNS))
    weekly: pd.DataFrame | None = None
    issues: list[Issue] = field(default_factory=list)
    tables: pd.DataFrame | None = None  # the parsing report per ranking table (pipeline.parsing_report)
