"""Unit tests of the curated contract's validation (schemas/curated.py; issue 15, item 7).

tests/test_docs.py checks that CONTRACT.md documents every column; this file checks that the
schemas enforce what the column list says. Each table gets one minimal valid row (the values of
the Lào Cai 2024 DTI decision, tests/fixtures/truth/laocai-2024-dti2023.*, and its real file
hash); then every constraint of every column (its type, nullability, allowed values, pattern)
is broken on its own and must be rejected by a pandera error naming that column, and
`validate` must turn it into a one-line ContractError naming table and column.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pandas as pd
import pandera.pandas as pa
import pyarrow.parquet as pq
import pytest

from normalizers.frameworks import load_knowledge
from schemas.curated import (
    CONTRACT_METADATA_KEY,
    CONTRACT_VERSION,
    FRAMEWORKS,
    TABLES,
    TIER_CODES,
    Col,
    ContractError,
    arrow_schema,
    conform,
    pandera_schema,
    to_arrow,
    validate,
)
from schemas.issue_codes import IssueCode
from tests.truth import RAW, truth_csv

SHA = hashlib.sha256((RAW / "laocai-2024-dti2023.pdf").read_bytes()).hexdigest()
DOC_ID = SHA[:16]  # pipeline.discovery: a document's id is its hash's first 16 digits
_TRUTH = truth_csv("laocai-2024-dti2023", "scores").iloc[4]  # tthc rank 5: Sở Tài chính, 686.07, 68.60 %
UNIT = _TRUTH["unit_name"]

VALID: dict[str, dict[str, object]] = {
    "documents": {
        "doc_id": DOC_ID,
        "file_name": "laocai-2024-dti2023.pdf",
        "sha256": SHA,
        "status": "ok",
        "source_kind": "decision",
        "province": "Lào Cai",
        "issuer": "UBND tỉnh Lào Cai",
        "decision_date": None,  # left blank in the published decision
        "assessment_year": 2023,
        "framework": "dti",
        "text_source": "text_layer",
        "text_encoding": "unicode",
    },
    "scores": {
        "doc_id": DOC_ID,
        "province": "Lào Cai",
        "assessment_year": 2023,
        "framework": "dti",
        "group_code": _TRUTH["group_code"],
        "group_title": _TRUTH["group_title"],
        "rank": int(_TRUTH["rank"]),
        "unit_name_raw": UNIT,
        "evaluated": True,
        "total_score": float(_TRUTH["total_score"]),
        "max_score": float(_TRUTH["max_score"]),
        "score_pct": 68.607,
        "score_pct_printed": float(_TRUTH["score_pct"]),
        "tier": "nang_cao",
        "tier_printed": _TRUTH["tier"],
        "tier_source": "printed",
        "source_page": 3,
        "confidence": 1.0,
        "value_source": "printed",
    },
    "components": {
        "doc_id": "5d1c0b6e2f0a9c41",
        "group_code": "so_ban_nganh",
        "unit_name_raw": "Sở Tài chính",
        "component_code": "nhan_luc_so",
        "component_name": "Nhân lực số",
        "component_max": 150.0,
        "score": 112.3,  # Cao Bằng 2022, tests/fixtures/truth/caobang-2023-qd943-dti2022.components.csv
        "value_source": "printed",
    },
    "issues": {
        "doc_id": DOC_ID,
        "group_code": "tthc",
        "unit_name_raw": UNIT,
        "field": "score_pct_printed",
        "code": "pct_mismatch",
        "severity": "warning",
        "message": f"{UNIT} is printed at 68.61% but 686.07/1000 is 68.60% (truncated, as the document does elsewhere).",
        "printed": "68.61",
        "expected": "68.60",
        "issue_id": "0123456789ab",
        "file_name": "laocai-2024-dti2023.pdf",
        "source_page": 3,
        "status": "open",
    },
    "tables": {
        "doc_id": DOC_ID,
        "page": 3,
        "table_index": 0,
        "group_code": "tthc",
        "group_title": _TRUTH["group_title"],
        "layout": "text_grid/tier_column",
        "rows": 18,
        "columns": 6,
        "checks_run": 71,
        "checks_passed": 71,
        "mean_confidence": 1.0,
    },
    "units": {
        "unit_id": "laocai:so_tai_chinh",
        "province": "Lào Cai",
        "name": UNIT,
        "unit_type": "department_agency",
        "aliases": ["STC"],
    },
    "unit_lineage": {
        "from_unit_id": "laocai:so_giao_thong_van_tai",
        "to_unit_id": "laocai:so_giao_thong_van_tai_xay_dung",
        "event": "merge",
        "effective_year": 2020,
        "approximate": False,
    },
    "weekly_indicators": {
        "doc_id": DOC_ID,
        "province": "Lào Cai",
        "period_start": dt.date(2025, 1, 27),
        "period_end": dt.date(2025, 2, 2),
        "table_code": "dvc",
        "column_label": "Tỷ lệ hồ sơ trực tuyến",
        "value_raw": "107/135",
        "value": 79.26,
        "numerator": 107.0,
        "denominator": 135.0,
    },
}
VALID["readings"] = VALID["scores"] | {"chosen": True}
VALID["component_readings"] = VALID["components"] | {"chosen": False}


def _valid(table: str) -> pd.DataFrame:
    """One valid row in the contract's dtypes (columns not given are null)."""
    return conform(pd.DataFrame([VALID[table]]), table)


def _column(table: str, name: str) -> Col:
    return next(c for c in TABLES[table] if c.name == name)


def _cases(test: str) -> list[tuple[str, str]]:
    """(table, column) pairs a constraint applies to."""
    wanted = {
        "not_null": lambda c: not c.nullable,
        "isin": lambda c: c.isin is not None,
        "pattern": lambda c: c.pattern is not None,
        "dtype": lambda c: True,
    }[test]
    return [(t, c.name) for t, cols in TABLES.items() for c in cols if wanted(c)]


def _ids(cases: list[tuple[str, str]]) -> list[str]:
    return [f"{t}.{c}" for t, c in cases]


def _rejected(frame: pd.DataFrame, table: str) -> set[str]:
    """The columns pandera names when it rejects a frame (empty if it passes)."""
    try:
        pandera_schema(table).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return set(exc.failure_cases["column"].dropna())
    return set()


def test_every_curated_table_has_a_valid_row_here():
    assert set(VALID) == set(TABLES)
    for table, row in VALID.items():
        assert set(row) <= {c.name for c in TABLES[table]}, table


@pytest.mark.parametrize("table", sorted(TABLES))
def test_a_minimal_valid_row_passes(table):
    frame = _valid(table)
    assert _rejected(frame, table) == set()
    out = validate(pd.DataFrame([VALID[table]]), table)
    assert list(out.columns) == [c.name for c in TABLES[table]]
    for name, value in VALID[table].items():
        assert out.at[0, name] == value, name  # validation keeps every value as given


@pytest.mark.parametrize("table", sorted(TABLES))
def test_an_empty_table_passes(table):
    assert len(validate(pd.DataFrame(columns=[c.name for c in TABLES[table]]), table)) == 0


@pytest.mark.parametrize("table,column", _cases("not_null"), ids=_ids(_cases("not_null")))
def test_a_null_in_a_required_column_is_rejected(table, column):
    frame = _valid(table)
    dtype = "object" if frame[column].dtype == bool else frame[column].dtype  # numpy bool holds no null
    frame[column] = pd.Series([None], dtype=dtype)
    assert _rejected(frame, table) == {column}


@pytest.mark.parametrize("table,column", _cases("isin"), ids=_ids(_cases("isin")))
def test_a_value_outside_the_allowed_set_is_rejected(table, column):
    assert "not_a_value" not in _column(table, column).isin
    row = VALID[table] | {column: "not_a_value"}
    assert _rejected(conform(pd.DataFrame([row]), table), table) == {column}
    with pytest.raises(ContractError, match=rf"^{table}: 1 contract violations.*'column': '{column}'.*not_a_value"):
        validate(pd.DataFrame([row]), table)


@pytest.mark.parametrize("table,column", _cases("pattern"), ids=_ids(_cases("pattern")))
def test_a_value_not_matching_the_pattern_is_rejected(table, column):
    row = VALID[table] | {column: "Nhóm 2.1"}  # upper case, a space, a point: no code or hash looks like this
    assert _rejected(conform(pd.DataFrame([row]), table), table) == {column}
    with pytest.raises(ContractError, match=rf"'column': '{column}', 'check': \"str_matches"):
        validate(pd.DataFrame([row]), table)


_WRONG = {
    "string": pd.Series([1.5], dtype="float64"),
    "int16": pd.Series(["3"], dtype="object"),
    "float64": pd.Series(["686,07"], dtype="object"),
    "bool": pd.Series(["true"], dtype="object"),
    "date": pd.Series(["2024-04-01"], dtype="object"),  # a string, not a date
    "list": pd.Series(["STC"], dtype="object"),  # a string, not a list of strings
}


@pytest.mark.parametrize("table,column", _cases("dtype"), ids=_ids(_cases("dtype")))
def test_a_value_of_the_wrong_type_is_rejected(table, column):
    frame = _valid(table)
    frame[column] = _WRONG[_column(table, column).kind]
    assert _rejected(frame, table) == {column}


@pytest.mark.parametrize(
    "table,column,value",
    [
        ("scores", "rank", 55108),  # beyond int16
        ("scores", "total_score", "686,07"),  # a printed number, never typed
        ("tables", "rows", "18 rows"),
        ("units", "valid_from_year", 2023.5),
    ],
)
def test_a_value_the_column_type_cannot_hold_is_a_one_line_contract_error(table, column, value):
    row = VALID[table] | {column: value}
    with pytest.raises(ContractError, match=rf"^{table}\.{column}: a value cannot be stored as ") as info:
        validate(pd.DataFrame([row]), table)
    assert "\n" not in str(info.value)


def test_issue_codes_are_the_catalogues():
    assert _column("issues", "code").isin == frozenset(str(c) for c in IssueCode)
    frame = pd.DataFrame([VALID["issues"] | {"code": str(c), "severity": c.severity} for c in IssueCode])
    assert len(validate(frame, "issues")) == len(IssueCode)
    bad = pd.DataFrame([VALID["issues"] | {"code": "pct mismatch"}])  # a free string, as codes used to be
    with pytest.raises(ContractError, match="'column': 'code'"):
        validate(bad, "issues")


def test_tier_and_framework_codes_are_the_knowledge_files():
    knowledge = load_knowledge()
    assert set(knowledge.frameworks) == FRAMEWORKS
    assert {t.code for f in knowledge.frameworks.values() for t in f.tiers} == TIER_CODES
    assert _column("scores", "tier").isin == frozenset(TIER_CODES)


def test_a_column_outside_the_contract_or_out_of_order_is_rejected():
    frame = _valid("scores")
    with pytest.raises(pa.errors.SchemaErrors, match="unit_code"):
        pandera_schema("scores").validate(frame.assign(unit_code="x"), lazy=True)
    swapped = frame[["province", "doc_id", *frame.columns[2:]]]
    with pytest.raises(pa.errors.SchemaErrors, match="column_ordered"):
        pandera_schema("scores").validate(swapped, lazy=True)
    assert list(conform(swapped, "scores").columns) == list(frame.columns)  # conform puts them in order


def test_conform_types_values_without_changing_them():
    row = VALID["scores"] | {"rank": "5", "total_score": "686.07", "unit_id": float("nan")}
    out = conform(pd.DataFrame([row]), "scores")
    assert out.at[0, "rank"] == 5 and out.at[0, "total_score"] == 686.07 and out.at[0, "unit_id"] is pd.NA
    assert out["rank"].dtype == "Int16" and out["unit_name_raw"].dtype == "string"
    docs = conform(pd.DataFrame([VALID["documents"] | {"decision_date": "2024-04-15"}]), "documents")
    assert docs.at[0, "decision_date"] == dt.date(2024, 4, 15)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_arrow_schema_has_the_contract_columns_types_and_version(table):
    schema = arrow_schema(table)
    assert schema.names == [c.name for c in TABLES[table]]
    assert [f.nullable for f in schema] == [c.nullable for c in TABLES[table]]
    buffer = io.BytesIO()
    pq.write_table(to_arrow(validate(pd.DataFrame([VALID[table]]), table), table), buffer)
    read = pq.read_table(io.BytesIO(buffer.getvalue()))
    assert read.schema.metadata[CONTRACT_METADATA_KEY] == CONTRACT_VERSION.encode()
    assert read.schema.remove_metadata() == schema
    for name, value in VALID[table].items():
        assert read.column(name)[0].as_py() == value, name
