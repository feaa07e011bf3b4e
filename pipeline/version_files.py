"""What travels with every published version beside the Parquet files: the contract, the
DuckDB database and the HTML report, all built from the same validated frames.

They are built in a short-lived forked process: DuckDB reserves hundreds of MB of address
space that it keeps after closing, and the run's later document workers (forked from this
process under a RLIMIT_AS memory limit) would inherit it, so a long-lived process (a notebook,
a scheduler, the test session) would see scans quarantined for memory after a few runs.
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pandas as pd

from pipeline.database import DATABASE_FILE, build_database
from pipeline.report import REPORT_FILE, render_report
from schemas.contract_doc import contract_json, contract_text


class CompanionError(RuntimeError):
    """The report, database or contract of a version could not be written."""


def _write(staged: Path, frames: dict[str, pd.DataFrame], run: dict) -> None:
    (staged / "CONTRACT.md").write_text(contract_text(), encoding="utf-8")
    (staged / "contract.json").write_text(json.dumps(contract_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    build_database(staged / DATABASE_FILE, frames)
    (staged / REPORT_FILE).write_text(render_report(frames, run), encoding="utf-8")


def write_companions(staged: Path, frames: dict[str, pd.DataFrame], run: dict) -> None:
    child = multiprocessing.get_context("fork").Process(
        target=_write, args=(staged, frames, run), name="dti-companions"
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise CompanionError(
            f"the report, database or contract of {staged.name} could not be written (exit {child.exitcode}); see the log above"
        )
