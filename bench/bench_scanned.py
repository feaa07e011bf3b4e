"""Seconds per scanned page: read_scanned_page against bare whole-page tesseract.

Bare `tesseract <page> - -l vie` is the floor any OCR reader pays; the ratio says what
clean-up, ruling detection and per-cell passes cost on top. Then the same pages with
`read_scanned_pages` on 1 and 2 worker processes.

Usage: python bench/bench_scanned.py [pdf ...]   (defaults to the two scanned fixtures)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import pypdfium2 as pdfium

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractors.scanned import read_scanned_page, read_scanned_pages, render_page

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "raw"
DEFAULT = [FIXTURES / "laocai-2017-qd512-ict2016-scan.pdf", FIXTURES / "caobang-2023-qd943-dti2022-scan.pdf"]


def _page_count(pdf: Path) -> int:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return len(doc)
    finally:
        doc.close()


def _bare_tesseract(image_path: Path) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    start = time.perf_counter()
    subprocess.run(["tesseract", str(image_path), "-", "-l", "vie"], check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main(pdfs: list[Path]) -> None:
    ours: list[float] = []
    bare: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for pdf in pdfs:
            for index in range(_page_count(pdf)):
                image_path = Path(tmp) / f"{pdf.stem}-{index}.png"
                cv2.imwrite(str(image_path), render_page(pdf, index))
                start = time.perf_counter()
                page = read_scanned_page(pdf, index)
                ours.append(time.perf_counter() - start)
                bare.append(_bare_tesseract(image_path))
                cells = sum(1 for g in page.grids for c in g.cells if c.text)
                print(
                    f"{pdf.name} p{index + 1}: read_scanned_page {ours[-1]:5.2f} s"
                    f"  bare tesseract {bare[-1]:5.2f} s  ratio {ours[-1] / bare[-1]:4.2f}"
                    f"  ({len(page.grids)} grids, {cells} cells with text)"
                )
    n = len(ours)
    print(
        f"\nmean per page: read_scanned_page {sum(ours) / n:.2f} s, bare tesseract {sum(bare) / n:.2f} s, "
        f"ratio {sum(ours) / sum(bare):.2f}"
    )

    timings = {}
    for workers in (1, 2):
        start = time.perf_counter()
        for pdf in pdfs:
            read_scanned_pages(pdf, range(_page_count(pdf)), workers=workers)
        timings[workers] = time.perf_counter() - start
        print(
            f"read_scanned_pages, {workers} worker(s): {timings[workers]:.2f} s for {n} pages "
            f"({timings[workers] / n:.2f} s/page)"
        )
    print(f"speed-up of 2 workers over 1: {timings[1] / timings[2]:.2f}x (cpus: {os.cpu_count()})")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or DEFAULT)
