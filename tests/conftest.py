import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd
import pytest

from pipeline.run import run_pipeline
from tests.truth import RAW

# The built-registry index goes to the project's pytest cache, not the user's ~/.cache/dti.
os.environ.setdefault("DTI_CACHE_DIR", str(Path(__file__).resolve().parents[1] / ".pytest_cache" / "dti"))

TEXT_FIXTURES = ["laocai-2024-dti2023.pdf", "laocai-2017-qd512-ict2016.pdf"]


class Curated:
    def __init__(self, path: Path):
        self.path = path

    def table(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.path / f"{name}.parquet")

    def doc(self, file_name: str) -> pd.Series:
        docs = self.table("documents")
        return docs[docs["file_name"] == file_name].iloc[0]

    def rows(self, name: str, file_name: str) -> pd.DataFrame:
        """One document's own rows of a table: for scores and components, its reading, published or not.

        scores/components hold one row per fact, from the best reading when several documents carry
        the same decision; what each document read is in readings/component_readings.
        """
        source = {"scores": "readings", "components": "component_readings"}.get(name, name)
        frame = self.table(source)
        frame = frame[frame["doc_id"] == self.doc(file_name)["doc_id"]].reset_index(drop=True)
        return frame.drop(columns=["chosen"]) if source != name else frame

    def published(self, name: str, file_name: str) -> pd.DataFrame:
        """One document's rows as published in the table itself (officers' corrections applied)."""
        frame = self.table(name)
        return frame[frame["doc_id"] == self.doc(file_name)["doc_id"]].reset_index(drop=True)


def run_on(tmp: Path, files: list[Path]) -> Curated:
    raw = tmp / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(f, raw / f.name)
    run_pipeline(raw, tmp / "curated")
    return Curated(tmp / "curated")


@pytest.fixture(scope="session")
def text_run(tmp_path_factory) -> Curated:
    """One pipeline run over the text-layer decisions, shared by the tests that read it."""
    return run_on(tmp_path_factory.mktemp("text"), [RAW / f for f in TEXT_FIXTURES])


T = TypeVar("T")


def loaded_twice(load: Callable[[], T], index: Path, kind: str) -> tuple[T, T]:
    """`load` run twice: the first writes one `kind` entry in `index`, the second reads it (not rewritten)."""
    first = load()
    entries = sorted(index.glob(f"{kind}-*.pkl"))
    assert len(entries) == 1
    stamp = entries[0].stat().st_mtime_ns
    again = load()
    assert entries[0].stat().st_mtime_ns == stamp  # read, not built and written again
    assert again is not first
    return first, again
