"""What travels with every published version beside the Parquet files: the contract, the
DuckDB database and the HTML report, all built from the same validated frames."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.database import DATABASE_FILE, build_database
from pipeline.report import REPORT_FILE, render_report
from schemas.contract_doc import contract_json, contract_text


def write_companions(staged: Path, frames: dict[str, pd.DataFrame], run: dict) -> None:
    (staged / "CONTRACT.md").write_text(contract_text(), encoding="utf-8")
    (staged / "contract.json").write_text(json.dumps(contract_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    build_database(staged / DATABASE_FILE, frames)
    (staged / REPORT_FILE).write_text(render_report(frames, run), encoding="utf-8")
