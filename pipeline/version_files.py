"""What travels with every published version beside the Parquet files: the contract, the
DuckDB database and the HTML report, all built from the same validated frames.

The database is built in a short-lived forked process: DuckDB reserves hundreds of MB of address
space that it keeps after closing, and the run's later document workers (forked from this
process under a RLIMIT_AS memory limit) would inherit it, so a long-lived process (a notebook,
a scheduler, the test session) would see scans quarantined for memory after a few runs. It is
started as soon as the frames are validated (:func:`start_database`), so that it is built while
this process writes the Parquet files, the contract and the report (the two cores overlap).
"""

from __future__ import annotations

import json
import multiprocessing
import os
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

import pandas as pd
import pyarrow as arrow

from normalizers.knowledge import KnowledgeBundle
from pipeline.database import DATABASE_FILE, build_database
from pipeline.report import REPORT_FILE, render_report
from schemas.contract_doc import contract_json, contract_text


class CompanionError(RuntimeError):
    """The report, database or contract of a version could not be written."""


@dataclass
class PendingDatabase:
    """A database being built by a child process into `path`, moved into the version once done."""

    process: BaseProcess
    path: Path

    def discard(self) -> None:
        """Wait for the builder and remove its file if it was not moved into a version (a failed run)."""
        self.process.join()
        self.path.unlink(missing_ok=True)


def start_database(
    frames: dict[str, pd.DataFrame], folder: Path, tables: dict[str, arrow.Table] | None = None
) -> PendingDatabase:
    """Start building `dti.duckdb` from the validated frames into a temporary file of `folder`.

    `folder` must be on the file system of the version folders (the file is renamed into one);
    the run's state folder is (runs hold its lock). A run that fails before the file is moved
    leaves it there, and the next run's start removes it.
    """
    path = folder / "dti.duckdb.partial"
    path.unlink(missing_ok=True)
    child = multiprocessing.get_context("fork").Process(
        target=build_database, args=(path, frames, tables), name="dti-database"
    )
    child.start()
    return PendingDatabase(child, path)


def write_companions(
    staged: Path,
    frames: dict[str, pd.DataFrame],
    run: dict,
    database: PendingDatabase | None = None,
    knowledge: KnowledgeBundle | None = None,
) -> None:
    """CONTRACT.md, contract.json and report.html into `staged`, and the database `database` is building."""
    database = database or start_database(frames, staged)
    try:
        (staged / "CONTRACT.md").write_text(contract_text(), encoding="utf-8")
        (staged / "contract.json").write_text(
            json.dumps(contract_json(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (staged / REPORT_FILE).write_text(render_report(frames, run, knowledge), encoding="utf-8")
    except Exception as exc:
        database.discard()
        raise CompanionError(
            f"the report or contract of {staged.name} could not be written ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:160]})"
        ) from exc
    database.process.join()
    if database.process.exitcode != 0 or not database.path.exists():
        database.discard()
        raise CompanionError(
            f"the database of {staged.name} could not be written (exit {database.process.exitcode}); see the log above"
        )
    os.replace(database.path, staged / DATABASE_FILE)
