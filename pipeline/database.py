"""`dti.duckdb`: the curated tables in one DuckDB file, with the views analysts ask for.

Built beside the Parquet files of every published version. `panel` is one row per unit ×
assessment year × framework, with the unit's current successor through lineage; when several
readings of one ranking exist (a decision and its news article, a scan and a text copy) the
best one is chosen deterministically: a decision before a news article, then the higher
confidence, a text layer before OCR, then the document id.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as arrow

from schemas.curated import to_arrow

DATABASE_FILE = "dti.duckdb"


def current_units(units: pd.DataFrame, lineage: pd.DataFrame) -> pd.DataFrame:
    """Each unit's current successor: renames and merges followed to their end (a split keeps the unit)."""
    # .tolist(): iterating an Arrow-backed string column yields one scalar at a time, 30x slower
    successor: dict[str, str] = {}
    for frm, to, event in zip(
        lineage["from_unit_id"].tolist(), lineage["to_unit_id"].tolist(), lineage["event"].tolist()
    ):
        if event in ("rename", "merge"):
            successor[frm] = to
    unit_ids = units["unit_id"].tolist()
    names = dict(zip(unit_ids, units["name"].tolist()))
    rows = []
    for unit_id in unit_ids:
        current, seen = unit_id, {unit_id}
        while current in successor and successor[current] not in seen:
            current = successor[current]
            seen.add(current)
        rows.append({"unit_id": unit_id, "current_unit_id": current, "current_unit_name": names.get(current)})
    return pd.DataFrame(rows, columns=["unit_id", "current_unit_id", "current_unit_name"])


_VIEWS = """
CREATE VIEW panel AS
WITH counted AS (
    -- how many documents read this fact (readings.parquet keeps every document's reading)
    SELECT unit_id, assessment_year, framework, COUNT(DISTINCT doc_id) AS n
    FROM readings WHERE unit_id IS NOT NULL GROUP BY unit_id, assessment_year, framework
), ranked AS (
    SELECT s.*, d.file_name, d.source_kind AS source, d.text_source,
           COALESCE(c.current_unit_id, s.unit_id) AS current_unit_id,
           COALESCE(c.current_unit_name, s.unit_name) AS current_unit_name,
           COALESCE(k.n, 1) AS readings,
           ROW_NUMBER() OVER (
               PARTITION BY s.unit_id, s.assessment_year, s.framework
               ORDER BY (d.source_kind = 'decision') DESC, s.evaluated DESC, s.confidence DESC,
                        (d.text_source = 'text_layer') DESC, s.doc_id, s.group_code
           ) AS reading_rank
    FROM scores s JOIN documents d USING (doc_id) LEFT JOIN unit_current c USING (unit_id)
    LEFT JOIN counted k ON k.unit_id = s.unit_id AND k.assessment_year = s.assessment_year AND k.framework = s.framework
    WHERE s.unit_id IS NOT NULL
)
SELECT unit_id, unit_name, current_unit_id, current_unit_name, province, assessment_year, framework,
       group_code, rank, total_score, max_score, score_pct, tier, tier_source, evaluated, confidence,
       value_source, source, text_source, doc_id, file_name, source_page, readings
FROM ranked WHERE reading_rank = 1;

CREATE VIEW unit_history AS
SELECT current_unit_id, current_unit_name, assessment_year, framework, unit_id, unit_name, group_code,
       rank, score_pct, tier, confidence, source, doc_id
FROM panel
ORDER BY current_unit_id, assessment_year, framework, unit_id;

CREATE VIEW open_issues AS
SELECT issue_id, file_name, source_page, severity, code, group_code, unit_name_raw, field, message, printed, expected, doc_id
FROM issues WHERE status = 'open';
"""


def build_database(path: Path, frames: dict[str, pd.DataFrame], tables: dict[str, arrow.Table] | None = None) -> Path:
    """Write the DuckDB file at `path` (replacing one there) from the validated curated frames.

    `tables`: the frames already as Arrow tables (:func:`schemas.curated.to_arrow`), as the run has
    them for its Parquet files; a frame without one is converted here.
    """
    import duckdb  # loaded only where a database is built: it reserves a lot of address space

    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        for name, frame in frames.items():
            con.register("_frame", tables[name] if tables and name in tables else to_arrow(frame, name))
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _frame')
            con.unregister("_frame")
        current = arrow.Table.from_pandas(current_units(frames["units"], frames["unit_lineage"]), preserve_index=False)
        con.register("_frame", current)
        con.execute("CREATE TABLE unit_current AS SELECT * FROM _frame")
        con.unregister("_frame")
        con.execute(_VIEWS)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path
