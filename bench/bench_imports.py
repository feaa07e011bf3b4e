"""Import time of each `dti` command: what a command pays before it does any work.

Each line is a fresh interpreter that imports the CLI and then exactly the modules that
command imports when it runs (the CLI imports them lazily), timed with `-X importtime`
(the sum of the top-level imports, in seconds). `dti run` is three lines: what its process
loads before it starts the document workers, what it loads while they read (the publishing
stack: pandas, pandera, pyarrow, the registry code), and what a worker reading a text PDF
loads (pdfplumber, the extractors; not pandas). Our sources' bytecode is written first, as the
README's install does (`compileall`). Usage: python bench/bench_imports.py
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["pipeline", "extractors", "normalizers", "schemas"]
COMMANDS = {
    "dti --help": [],
    "dti run (until workers start)": [
        "pipeline.run",
        "pipeline.knowledge_cache",
        "pipeline.registry_cache",
        "normalizers.unit_files",
        "pipeline.shrink_guard",
    ],
    "dti run (while they read)": [
        "pipeline.run",
        "normalizers.unit_files",
        "pipeline.assemble",
        "pipeline.version_files",
        "pipeline.registry_cache",
    ],
    "dti run (a text PDF's worker)": ["pipeline.process"],
    "dti run (nothing changed)": ["pipeline.manifest"],
    "dti status": ["pipeline.status"],
    "dti versions / rollback": ["pipeline.publish"],
    "dti units match / accept": ["normalizers.units"],
    "dti report": ["pipeline.report"],
    "dti export": ["pipeline.export"],
    "dti issues / review": ["pipeline.issue_list", "pipeline.review"],
    "pipeline.process (a notebook)": ["pipeline.process"],
}
_TOP = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \| (\S+)$")


def import_seconds(modules: list[str]) -> float:
    code = "; ".join(["import pipeline.cli", *[f"import {m}" for m in modules]])
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    ).stderr
    return sum(int(m.group(1)) for line in err.splitlines() if (m := _TOP.match(line))) / 1e6


def main() -> None:
    subprocess.run([sys.executable, "-m", "compileall", "-q", *PACKAGES], cwd=ROOT, check=True)
    for name, modules in COMMANDS.items():
        runs = [import_seconds(modules) for _ in range(5)]
        print(f"{name:32} {statistics.median(runs):6.3f} s  (median of 5)")


if __name__ == "__main__":
    main()
