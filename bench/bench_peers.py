"""dti against the bare libraries it is built on, as whole processes, in one run.

Each row runs dti and its bare peer alternately (A B A B ...), N times each, and prints the
medians of wall seconds, CPU seconds (user + sys of the process and the children it
waited for) and peak resident memory (the largest single process), with the ratio dti/peer.
Ratios are what to quote: absolute times move with the machine.

    python bench/bench_peers.py [-n 5] [--rows text,process,help,scan,nochange]

Rows:
- text: `dti run` on the 5-page 2024 decision alone, cold (empty curated and cache), against a
  bare pdfplumber `extract_tables` script and bare camelot lattice on the same file; then the
  same run without the registry index either (the first run on a machine, see
  pipeline/registry_cache.py) against pdfplumber;
- process: `pipeline.process.process_file` on it (no CLI, no publish) against pdfplumber;
- help: `dti --help` against `python -c "import click; click.echo('x')"`;
- scan: `dti run` on the 4-page 300 dpi scan of the 2017 decision, cold, against `tesseract
  page.png - -l vie` on the same 4 pages rendered at 300 dpi, one after the other, one thread;
- nochange: a no-change re-run of the shipped `raw/` samples against their cold run.
Nothing is written outside a temporary folder (the registry index goes to one too, DTI_CACHE_DIR),
except our sources' bytecode, which the README's install writes too (`compileall`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = ROOT / "tests/fixtures/raw/laocai-2024-dti2023.pdf"
SCAN = ROOT / "tests/fixtures/raw/laocai-2017-qd512-ict2016-scan.pdf"
SAMPLES = ROOT / "raw"
PY = sys.executable
PACKAGES = ["pipeline", "extractors", "normalizers", "schemas"]
DTI = [PY, "-c", "from pipeline.cli import main; main()"]


@dataclass
class Measure:
    wall: float
    cpu: float
    peak_mb: float


# Measures from a small launcher process, not from this one: a child's ru_maxrss starts at the
# high-water mark of the process it was forked from (vfork shares it until exec), and this one
# grows to ~100 MB once it has rendered the scan's pages.
LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, _, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    out.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss / 1024}")
"""


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Measure:
    """One whole process: wall time, CPU of it and its reaped children, peak RSS (largest single process)."""
    with tempfile.NamedTemporaryFile("r", suffix=".measure") as result:
        subprocess.run([PY, "-c", LAUNCHER, result.name, *cmd], env=env, cwd=cwd, check=False)
        wall, cpu, peak = (float(v) for v in Path(result.name).read_text().split())
    return Measure(wall, cpu, peak)


def median(values: list[Measure]) -> Measure:
    return Measure(*(statistics.median([getattr(v, f) for v in values]) for f in ("wall", "cpu", "peak_mb")))


def _fmt(m: Measure) -> str:
    return f"{m.wall:6.2f} s wall {m.cpu:6.2f} s cpu {m.peak_mb:6.0f} MB"


def compare(title: str, ours: Callable[[], Measure], peers: dict[str, Callable[[], Measure]], n: int) -> None:
    results: dict[str, list[Measure]] = {"dti": [], **{name: [] for name in peers}}
    ours()  # warm-up: the page cache
    for peer in peers.values():
        peer()
    for _ in range(n):
        results["dti"].append(ours())
        for name, peer in peers.items():
            results[name].append(peer())
    a = median(results["dti"])
    print(f"\n{title}\n  dti            {_fmt(a)}")
    for name in peers:
        b = median(results[name])
        print(
            f"  {name:14} {_fmt(b)}   ratio wall {a.wall / b.wall:5.2f}  cpu {a.cpu / b.cpu:5.2f}  "
            f"memory {a.peak_mb / b.peak_mb:4.2f}"
        )


def _cold_run(files: list[Path], tmp: Path, no_index: bool = False) -> Callable[[], Measure]:
    """`dti run` on `files` in a new folder; `no_index`: with an empty registry index too."""

    def once() -> Measure:
        work = Path(tempfile.mkdtemp(dir=tmp))
        (work / "raw").mkdir()
        for f in files:
            shutil.copy(f, work / "raw" / f.name)
        env = os.environ | {"DTI_CACHE_DIR": str(work / "index")} if no_index else None
        measure = run([*DTI, "run", "--raw", str(work / "raw"), "--curated", str(work / "curated")], env=env)
        shutil.rmtree(work)
        return measure

    return once


PDFPLUMBER = (
    "import pdfplumber, sys\nwith pdfplumber.open(sys.argv[1]) as pdf:\n    [p.extract_tables() for p in pdf.pages]"
)
CAMELOT = "import camelot, sys\ncamelot.read_pdf(sys.argv[1], pages='all', flavor='lattice')"
PROCESS = (
    "import sys\nfrom pathlib import Path\nfrom pipeline.process import process_file\nprocess_file(Path(sys.argv[1]))"
)


def row_text(n: int, tmp: Path) -> None:
    compare(
        "5-page text decision, `dti run` on it alone, cold",
        _cold_run([TEXT], tmp),
        {
            "pdfplumber": lambda: run([PY, "-c", PDFPLUMBER, str(TEXT)]),
            "camelot": lambda: run([PY, "-c", CAMELOT, str(TEXT)]),
        },
        n,
    )
    compare(
        "the same, and no registry index yet (the first run on a machine)",
        _cold_run([TEXT], tmp, no_index=True),
        {
            "pdfplumber": lambda: run([PY, "-c", PDFPLUMBER, str(TEXT)]),
        },
        n,
    )


def row_process(n: int, tmp: Path) -> None:
    compare(
        "the same through pipeline.process.process_file",
        lambda: run([PY, "-c", PROCESS, str(TEXT)]),
        {
            "pdfplumber": lambda: run([PY, "-c", PDFPLUMBER, str(TEXT)]),
        },
        n,
    )


def row_help(n: int, tmp: Path) -> None:
    compare(
        "`dti --help`",
        lambda: run([*DTI, "--help"]),
        {
            "click": lambda: run([PY, "-c", "import click; click.echo('x')"]),
        },
        n,
    )


def _rendered_pages(tmp: Path) -> list[Path]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(SCAN))
    paths = []
    for i in range(len(pdf)):
        path = tmp / f"page{i + 1}.png"
        pdf[i].render(scale=300 / 72).to_pil().save(path)
        paths.append(path)
    pdf.close()
    return paths


def row_scan(n: int, tmp: Path) -> None:
    pages = _rendered_pages(tmp)
    env = os.environ | {"OMP_THREAD_LIMIT": "1"}
    script = (
        "import subprocess, sys\nfor p in sys.argv[1:]:\n    subprocess.run(['tesseract', p, '-', '-l', 'vie'], "
        "check=True, capture_output=True)"
    )
    compare(
        "4-page 300 dpi scan, `dti run` on it alone, cold",
        _cold_run([SCAN], tmp),
        {
            "tesseract": lambda: run([PY, "-c", script, *map(str, pages)], env=env),
        },
        n,
    )


def row_nochange(n: int, tmp: Path) -> None:
    work = tmp / "nochange"
    shutil.copytree(SAMPLES, work / "raw")
    curated = work / "curated"
    cmd = [*DTI, "run", "--raw", str(work / "raw"), "--curated", str(curated)]
    run(cmd)  # the published set the re-runs compare against
    compare(
        "no-change re-run of the shipped samples (peer: their cold run)",
        lambda: run(cmd),
        {
            "cold run": _cold_run(sorted(p for p in SAMPLES.iterdir() if p.is_file()), tmp),
        },
        max(1, n // 2),
    )


ROWS = {"text": row_text, "process": row_process, "help": row_help, "scan": row_scan, "nochange": row_nochange}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, help="counted runs of each command (after one warm-up)")
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated: " + ", ".join(ROWS))
    args = parser.parse_args()
    # as the README's install does: with PYTHONDONTWRITEBYTECODE set, nothing else writes our bytecode
    subprocess.run([PY, "-m", "compileall", "-q", *PACKAGES], cwd=ROOT, check=True)
    print(f"{os.cpu_count()} CPUs, python {sys.version.split()[0]}, medians of {args.n} runs")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DTI_CACHE_DIR"] = str(Path(tmp) / "registry-index")  # kept across runs, as a user's is
        for name in args.rows.split(","):
            ROWS[name](args.n, Path(tmp))


if __name__ == "__main__":
    main()
