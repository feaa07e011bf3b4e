"""Text-layer path: seconds per page and peak memory, beside a bare camelot lattice read, then
each other form of a text PDF (unruled tables, sideways pages, TCVN3/VNI text layers) beside the
ruled Unicode PDF of the same decision.

Each measurement runs in a fresh subprocess so peak RSS is its own. Usage:
    python bench/bench_text.py [PDF ...]   (default: the text-layer fixtures and the forms)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = [
    ROOT / "tests/fixtures/raw/laocai-2024-dti2023.pdf",
    ROOT / "tests/fixtures/raw/laocai-2017-qd512-ict2016.pdf",
]
_RAW, _VAR = ROOT / "tests/fixtures/raw", ROOT / "tests/fixtures/variants"
# (form, file, the ruled Unicode PDF of the same decision)
FORMS = [
    ("unruled", _RAW / "laocai-2017-qd512-ict2016-unruled.pdf", _RAW / "laocai-2017-qd512-ict2016.pdf"),
    ("unruled", _VAR / "laocai-2024-dti2023-unruled.pdf", _RAW / "laocai-2024-dti2023.pdf"),
    ("sideways /Rotate 90", _VAR / "laocai-2024-dti2023-rotate90.pdf", _RAW / "laocai-2024-dti2023.pdf"),
    ("sideways drawn", _VAR / "laocai-2017-qd512-ict2016-drawn-sideways.pdf", _RAW / "laocai-2017-qd512-ict2016.pdf"),
    ("tcvn3", _RAW / "laocai-2017-qd512-ict2016-tcvn3.pdf", _RAW / "laocai-2017-qd512-ict2016.pdf"),
    ("vni", _VAR / "laocai-2017-qd512-ict2016-vni.pdf", _RAW / "laocai-2017-qd512-ict2016.pdf"),
]

PROBE = r"""
import json, resource, sys, time
from pathlib import Path
path, mode = Path(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
if mode == "dti":
    from pipeline.process import process_file
    result = process_file(path)
    rows = len(result.scores)
    import pdfplumber
    pages = len(pdfplumber.open(path).pages)
else:
    import camelot
    tables = camelot.read_pdf(str(path), flavor="lattice", pages="all")
    rows = sum(len(t.df) for t in tables)
    import pdfplumber
    pages = len(pdfplumber.open(path).pages)
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "pages": pages, "peak_mb": peak_mb, "rows": rows}))
"""


def measure(path: Path, mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), mode], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(paths: list[Path]) -> None:
    print(f"{'document':40} {'dti s/page':>10} {'camelot s/page':>14} {'ratio':>6} {'dti MB':>7} {'camelot MB':>10}")
    for path in paths:
        ours, theirs = measure(path, "dti"), measure(path, "camelot")
        a, b = ours["seconds"] / ours["pages"], theirs["seconds"] / theirs["pages"]
        print(f"{path.name[:40]:40} {a:10.3f} {b:14.3f} {a / b:6.2f} {ours['peak_mb']:7.0f} {theirs['peak_mb']:10.0f}")
    print("ratio = dti seconds per page / camelot lattice seconds per page (includes interpreter start-up of imports)")


def forms() -> None:
    print()
    print(
        f"{'form':20} {'document':46} {'s/page':>7} {'ruled s/page':>12} {'ratio':>6} {'MB':>5} {'ruled MB':>8} "
        f"{'rows':>5}"
    )
    ruled_cache: dict[Path, dict] = {}
    for form, path, ruled in FORMS:
        ours = measure(path, "dti")
        base = ruled_cache.setdefault(ruled, measure(ruled, "dti"))
        a, b = ours["seconds"] / ours["pages"], base["seconds"] / base["pages"]
        print(
            f"{form:20} {path.name[:46]:46} {a:7.3f} {b:12.3f} {a / b:6.2f} {ours['peak_mb']:5.0f} "
            f"{base['peak_mb']:8.0f} {ours['rows']:5d}"
        )
    print("ruled = the ruled Unicode PDF of the same decision through the same pipeline; rows = score rows read")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or DEFAULT)
    if len(sys.argv) == 1:
        forms()
