"""Batch runs: cold run vs no-change re-run on the shipped raw/ samples, and the peak memory of
`dti run` on a 400-page PDF (the 2024 decision's 5 pages, then 395 blank or unrelated text pages).

Every `dti run` is a fresh subprocess started by a small wrapper that reports its children's
peak resident memory (ru_maxrss: the largest single process, i.e. the run or its document
worker) and the peak of the whole process tree sampled from /proc every 20 ms. Usage:
    python bench/bench_batch.py [--skip-text-pages]
Nothing is written outside a temporary folder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DECISION = ROOT / "tests/fixtures/raw/laocai-2024-dti2023.pdf"
UNRELATED = ROOT / "tests/fixtures/raw/laocai-2017-qd512-ict2016.pdf"

WRAPPER = r"""
import json, os, resource, subprocess, sys, threading, time
from pathlib import Path

def tree_rss_mb(root):
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append((int(entry.name), int(fields[21])))
            except (OSError, IndexError, ValueError):
                pass
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        for child, rss_pages in children.get(pid, []):
            total += rss_pages
            todo.append(child)
    try:
        total += int((Path(f"/proc/{root}/stat").read_text().rsplit(")", 1)[1].split())[21])
    except (OSError, IndexError, ValueError):
        pass
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20

start = time.perf_counter()
proc = subprocess.Popen([sys.executable, "-c", "from pipeline.cli import main; main()", *sys.argv[1:]],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
peak = 0.0
def sample():
    global peak
    while proc.poll() is None:
        peak = max(peak, tree_rss_mb(proc.pid))
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()
out = proc.communicate()[0]
seconds = time.perf_counter() - start
largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"exit": proc.returncode, "seconds": seconds, "largest_process_mb": largest, "tree_peak_mb": peak, "out": out}))
"""


def dti(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", WRAPPER, *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def long_pdf(path: Path, filler: str) -> None:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(str(DECISION))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    box = reader.pages[0].mediabox
    other = PdfReader(str(UNRELATED)).pages[0]
    for _ in range(400 - len(reader.pages)):
        if filler == "blank":
            writer.add_blank_page(width=box.width, height=box.height)
        else:
            writer.add_page(other)
    with open(path, "wb") as fh:
        writer.write(fh)


def rows_match(curated: Path) -> bool:
    sys.path.insert(0, str(ROOT))
    from tests.conftest import Curated
    from tests.truth import score_mismatches

    cur = Curated(curated)
    return score_mismatches(cur.rows("scores", "long.pdf"), "laocai-2024-dti2023") == []


def main(skip_text_pages: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        raw = tmp / "raw"
        shutil.copytree(ROOT / "raw", raw, ignore=shutil.ignore_patterns(".*"))
        for path in raw.iterdir():
            path.chmod(0o644)
        n = len(list(raw.iterdir()))
        cold = dti("run", "--raw", str(raw), "--curated", str(tmp / "curated"))
        warm = dti("run", "--raw", str(raw), "--curated", str(tmp / "curated"))
        print(f"shipped raw/ ({n} files), default options (2 workers):")
        print(
            f"  cold run            {cold['seconds']:7.2f} s   exit {cold['exit']}   largest process {cold['largest_process_mb']:5.0f} MB   tree peak {cold['tree_peak_mb']:5.0f} MB"
        )
        print(
            f"  no-change re-run    {warm['seconds']:7.2f} s   exit {warm['exit']}   largest process {warm['largest_process_mb']:5.0f} MB"
        )
        print(f"  ratio cold / re-run {cold['seconds'] / warm['seconds']:7.1f}x")
        for line in warm["out"].splitlines():
            if line.startswith(("documents:", "extracted")):
                print(f"    re-run: {line}")

        for filler in ("blank",) if skip_text_pages else ("blank", "text"):
            long_raw = tmp / f"long-{filler}" / "raw"
            long_raw.mkdir(parents=True)
            long_pdf(long_raw / "long.pdf", filler)
            curated = long_raw.parent / "curated"
            res = dti("run", "--raw", str(long_raw), "--curated", str(curated), "--workers", "1")
            ok = res["exit"] == 0 and rows_match(curated)
            print(
                f"400-page PDF (5 decision pages + 395 {filler} pages): {res['seconds']:.1f} s, exit {res['exit']}, "
                f"largest process {res['largest_process_mb']:.0f} MB, tree peak {res['tree_peak_mb']:.0f} MB, "
                f"rows as the 5-page decision: {'yes' if ok else 'NO'}  (budget 400 MB)"
            )


if __name__ == "__main__":
    main("--skip-text-pages" in sys.argv[1:])
