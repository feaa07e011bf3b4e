"""A run starts reading documents before it loads the libraries only publishing needs.

The document workers are forked from the run; what the run has loaded by then is loaded
before any page is read, on the critical path. pandas, pandera and pyarrow are for
assembling and publishing, and load in the run while the workers read.
"""

import subprocess
import sys
from pathlib import Path

from tests.truth import RAW

PROBE = """
import sys
from pathlib import Path
import pipeline.run as run

seen = []
real = run.process_all

def process_all(*args, **kwargs):
    seen.extend(m for m in ("pandas", "pandera", "pyarrow", "duckdb") if m in sys.modules)
    return real(*args, **kwargs)

run.process_all = process_all
summary = run.run_pipeline(Path(sys.argv[1]), Path(sys.argv[2]))
print("loaded before the workers:", ",".join(seen) or "none")
print("documents:", summary.documents)
"""


def test_workers_start_before_pandas_loads(tmp_path: Path, monkeypatch) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "laocai-2024-dti2023.pdf").write_bytes((RAW / "laocai-2024-dti2023.pdf").read_bytes())
    monkeypatch.setenv("DTI_CACHE_DIR", str(tmp_path / "index"))
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(raw), str(tmp_path / "curated")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout
    assert "loaded before the workers: none" in out
    assert "documents: {'ok': 1}" in out
