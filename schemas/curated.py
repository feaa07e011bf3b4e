"""The curated tables of CONTRACT.md, as pandera schemas and Arrow schemas from one spec.

One column list per table drives both the validation (pandera) and the Parquet types
(pyarrow), so the files cannot drift from the checks. Change CONTRACT.md in the same commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
import pyarrow as arrow

from schemas.issue_codes import SEVERITIES, IssueCode

# unit_type of units.parquet (normalizers.unit_model.UNIT_TYPES names the same values)
UNIT_TYPES = frozenset({"department_agency", "party_mass_org", "district_locality", "province", "ministry", "other"})
CONTRACT_VERSION = "4"  # CONTRACT.md "Changes"; written into every Parquet file's key-value metadata
CONTRACT_METADATA_KEY = b"dti.contract_version"
VALUE_SOURCES = frozenset({"printed", "ocr_corrected", "officer_corrected"})
ISSUE_STATUSES = frozenset({"open", "reviewed", "corrected"})

FRAMEWORKS = frozenset({"ict_index", "dti", "dti_province", "ict_province", "dti_ministry", "ict_ministry"})
TIER_CODES = {"dan_dat", "nang_cao", "hinh_thanh", "khoi_dong", "tot", "kha", "trung_binh", "yeu"}


@dataclass(frozen=True)
class Col:
    name: str
    kind: str  # string, int16, float64, bool, date, list
    nullable: bool = True
    isin: frozenset | None = None
    pattern: str | None = None


def _spec(*cols: Col) -> tuple[Col, ...]:
    return cols


TABLES: dict[str, tuple[Col, ...]] = {
    "documents": _spec(
        Col("doc_id", "string", False, pattern=r"^[0-9a-f]{16}$"),
        Col("file_name", "string", False),
        Col("sha256", "string", False, pattern=r"^[0-9a-f]{64}$"),
        Col("status", "string", False, frozenset({"ok", "quarantined", "duplicate"})),
        Col("error", "string"),
        Col("duplicate_of", "string"),
        Col("source_kind", "string", isin=frozenset({"decision", "news_article", "weekly_report", "web_table"})),
        Col("province", "string"),
        Col("issuer", "string"),
        Col("decision_number", "string"),
        Col("decision_date", "date"),
        Col("assessment_year", "int16"),
        Col("framework", "string", isin=FRAMEWORKS),
        Col("pages", "int16"),
        Col(
            "text_source",
            "string",
            isin=frozenset({"text_layer", "ocr", "mixed", "html", "docx", "doc", "xlsx", "xls"}),
        ),
        Col("text_encoding", "string", isin=frozenset({"unicode", "tcvn3", "vni"})),
        Col("table_evidence", "string"),
    ),
    "scores": _spec(
        Col("doc_id", "string", False),
        Col("province", "string"),
        Col("assessment_year", "int16", False),
        Col("framework", "string", False, FRAMEWORKS),
        Col("group_code", "string", False, pattern=r"^[a-z0-9_]+$"),
        Col("group_title", "string", False),
        Col("rank", "int16"),
        Col("unit_name_raw", "string", False),
        Col("unit_id", "string"),
        Col("unit_name", "string"),
        Col("evaluated", "bool", False),
        Col("total_score", "float64"),
        Col("max_score", "float64", False),
        Col("score_pct", "float64"),
        Col("score_pct_printed", "float64"),
        Col("tier", "string", isin=frozenset(TIER_CODES)),
        Col("tier_printed", "string"),
        Col("tier_source", "string", isin=frozenset({"printed", "derived"})),
        Col("source_page", "int16"),
        Col("confidence", "float64", False),
        Col("value_source", "string", False, VALUE_SOURCES),
    ),
    "components": _spec(
        Col("doc_id", "string", False),
        Col("group_code", "string", False),
        Col("unit_name_raw", "string", False),
        Col("unit_id", "string"),
        Col("component_code", "string", False, pattern=r"^[a-z0-9_]+$"),
        Col("component_name", "string", False),
        Col("component_max", "float64"),
        Col("score", "float64"),
        Col("value_source", "string", False, VALUE_SOURCES),
    ),
    "issues": _spec(
        Col("doc_id", "string", False),
        Col("group_code", "string"),
        Col("unit_name_raw", "string"),
        Col("field", "string"),
        Col("code", "string", False, frozenset(str(c) for c in IssueCode)),
        Col("severity", "string", False, frozenset(SEVERITIES)),
        Col("message", "string", False),
        Col("printed", "string"),
        Col("expected", "string"),
        Col("issue_id", "string", False, pattern=r"^[0-9a-f]{12}$"),
        Col("file_name", "string"),
        Col("source_page", "int16"),
        Col("status", "string", False, ISSUE_STATUSES),
        Col("corrected_value", "string"),
        Col("reviewed_by", "string"),
        Col("reviewed_at", "string"),
        Col("review_reason", "string"),
    ),
    "tables": _spec(
        Col("doc_id", "string", False),
        Col("page", "int16"),
        Col("table_index", "int16", False),
        Col("group_code", "string"),
        Col("group_title", "string"),
        Col("layout", "string", False),
        Col("rows", "int16", False),
        Col("columns", "int16", False),
        Col("checks_run", "int16", False),
        Col("checks_passed", "int16", False),
        Col("mean_confidence", "float64"),
    ),
    "units": _spec(
        Col("unit_id", "string", False),
        Col("province", "string", False),
        Col("name", "string", False),
        Col("unit_type", "string", False, UNIT_TYPES),
        Col("unit_type_code", "string"),
        Col("valid_from_year", "int16"),
        Col("valid_to_year", "int16"),
        Col("aliases", "list", False),
    ),
    "unit_lineage": _spec(
        Col("from_unit_id", "string", False),
        Col("to_unit_id", "string", False),
        Col("event", "string", False, frozenset({"rename", "merge", "split"})),
        Col("effective_year", "int16"),
        Col("approximate", "bool", False),
        Col("legal_basis", "string"),
    ),
    "weekly_indicators": _spec(
        Col("doc_id", "string", False),
        Col("province", "string"),
        Col("period_start", "date"),
        Col("period_end", "date"),
        Col("table_code", "string", False),
        Col("row_label", "string"),
        Col("unit_id", "string"),
        Col("column_label", "string", False),
        Col("value_raw", "string"),
        Col("value", "float64"),
        Col("numerator", "float64"),
        Col("denominator", "float64"),
        Col("unit_of_measure", "string"),
    ),
}

# Every document's reading of the same facts, whether or not it is the one published (see pipeline.readings)
TABLES["readings"] = TABLES["scores"] + (Col("chosen", "bool", False),)
TABLES["component_readings"] = TABLES["components"] + (Col("chosen", "bool", False),)

_PANDAS = {
    "string": "string",
    "int16": "Int16",
    "float64": "float64",
    "bool": "bool",
    "date": "object",
    "list": "object",
}
_ARROW = {
    "string": arrow.string(),
    "int16": arrow.int16(),
    "float64": arrow.float64(),
    "bool": arrow.bool_(),
    "date": arrow.date32(),
    "list": arrow.list_(arrow.string()),
}


class ContractError(ValueError):
    """A curated table does not meet the contract; the message names the table and the failing checks."""


def _checks(col: Col) -> list[pa.Check]:
    checks = []
    if col.isin is not None:
        checks.append(pa.Check.isin(sorted(col.isin)))
    if col.pattern is not None:
        checks.append(pa.Check.str_matches(col.pattern))
    if col.kind == "date":
        checks.append(
            pa.Check(lambda s: s.map(lambda v: v is None or isinstance(v, dt.date)), element_wise=False, name="is_date")
        )
    if col.kind == "list":
        checks.append(pa.Check(lambda s: s.map(lambda v: isinstance(v, list)), element_wise=False, name="is_list"))
    return checks


# pandera 0.35 checks the string dtype value by value and formats the (empty) failure cases of every
# string column it passes, a third of a run's validation; the dtype is one fact about the column.
_IS_STRING = pa.Check(lambda s: isinstance(s.dtype, pd.StringDtype), name="dtype('string')")


def _column(col: Col) -> pa.Column:
    if col.kind == "string":
        return pa.Column(None, checks=[_IS_STRING, *_checks(col)], nullable=col.nullable)
    return pa.Column(_PANDAS[col.kind], checks=_checks(col), nullable=col.nullable)


def pandera_schema(table: str) -> pa.DataFrameSchema:
    cols = TABLES[table]
    return pa.DataFrameSchema(
        {c.name: _column(c) for c in cols},
        strict=True,
        ordered=True,
        name=table,
    )


def arrow_schema(table: str) -> arrow.Schema:
    return arrow.schema([arrow.field(c.name, _ARROW[c.kind], nullable=c.nullable) for c in TABLES[table]])


def _to_date(value):
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Contract column order and dtypes (nullable where the contract allows nulls)."""
    frame = frame.reset_index(drop=True)
    columns = {}
    for col in TABLES[table]:
        series = frame[col.name] if col.name in frame.columns else pd.Series([None] * len(frame))
        try:
            columns[col.name] = _conform_column(series, col)
        except (OverflowError, ValueError, TypeError) as exc:  # a value the type cannot hold (rank 55108 in int16)
            raise ContractError(
                f"{table}.{col.name}: a value cannot be stored as {col.kind} ({' '.join(str(exc).split())[:160]})"
            ) from exc
    return pd.DataFrame(columns, index=range(len(frame)))  # at once: inserting column by column copies blocks


def _conform_column(series: pd.Series, col: Col):
    """One column in its contract dtype; raises where a value cannot be held by it."""
    if col.kind == "date":
        return pd.Series([_to_date(v) for v in series], dtype="object")
    if col.kind == "list":
        return pd.Series([list(v) if v is not None else [] for v in series], dtype="object")
    if col.kind == "float64":
        return pd.to_numeric(series, errors="raise").astype("float64")
    if col.kind == "int16":
        return pd.array(series.astype("object").where(series.notna(), None), dtype="Int16")
    if col.kind == "bool":
        return series.astype("bool")
    return series.astype("string")  # None, NaN and NA all become <NA>: a third of the time of the object round trip


def validate(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Conform and validate one curated table; raise ContractError listing what failed."""
    conformed = conform(frame, table)
    try:
        return pandera_schema(table).validate(conformed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases[["column", "check", "failure_case"]].head(5).to_dict("records")
        raise ContractError(f"{table}: {len(exc.failure_cases)} contract violations, e.g. {cases}") from exc


def to_arrow(frame: pd.DataFrame, table: str) -> arrow.Table:
    """The Arrow table, carrying the contract version in its key-value metadata (not pandas')."""
    schema = arrow_schema(table).with_metadata({CONTRACT_METADATA_KEY: CONTRACT_VERSION.encode()})
    return arrow.Table.from_pandas(frame, schema=schema, preserve_index=False)
