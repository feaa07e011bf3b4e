"""Every form of the same decisions: seconds and peak memory per document, PDF beside Word/Excel.

The same two decisions as a text PDF, a .docx, a .doc (LibreOffice converts it first), an
.xlsx and an .xls, each processed end to end (``process_file``) in a fresh subprocess so peak
RSS is its own; LibreOffice's peak is its own column (a child process). Usage:
    python bench/bench_forms.py [FILE ...]   (default: the fixtures of every form)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW, VARIANTS = ROOT / "tests/fixtures/raw", ROOT / "tests/fixtures/variants"
DEFAULT = [
    RAW / "laocai-2024-dti2023.pdf",
    RAW / "laocai-2024-dti2023.docx",
    VARIANTS / "laocai-2024-dti2023.doc",
    VARIANTS / "laocai-2024-dti2023-mixed.xlsx",
    RAW / "laocai-2017-qd512-ict2016.pdf",
    VARIANTS / "laocai-2017-qd512-ict2016-merged.docx",
    RAW / "laocai-2017-qd512-ict2016-annex.xlsx",
    VARIANTS / "laocai-2017-qd512-ict2016-annex.xls",
]

PROBE = r"""
import json, resource, sys, time
from pathlib import Path
from pipeline.process import process_file
path = Path(sys.argv[1])
start = time.perf_counter()
result = process_file(path)
seconds = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": own, "child_mb": child, "rows": len(result.scores),
                  "form": result.document["text_source"]}))
"""


def measure(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, str(path)], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(paths: list[Path]) -> None:
    print(f"{'document':44} {'form':>10} {'rows':>5} {'seconds':>8} {'peak MB':>8} {'LibreOffice MB':>14}")
    for path in paths:
        m = measure(path)
        child = f"{m['child_mb']:14.0f}" if m["form"] in ("doc",) or m["child_mb"] > 1 else f"{'-':>14}"
        print(f"{path.name[:44]:44} {m['form']:>10} {m['rows']:5d} {m['seconds']:8.2f} {m['peak_mb']:8.0f} {child}")
    print("seconds: process_file end to end after imports; peak MB: the Python process (ru_maxrss);")
    print("LibreOffice MB: the largest child process (the .doc conversion; a fresh profile each time)")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or DEFAULT)
