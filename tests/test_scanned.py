"""Scanned decisions read by OCR, checked value by value against the truth CSVs.

Each fixture page is OCR'd once per session (module-scoped fixtures, two processes).
The accuracy asserted is the raw OCR level, before any arithmetic repair downstream.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pytest

from extractors.grid import Cell, Grid
from extractors.image_cleanup import ScanError
from extractors.page import PageContent
from extractors.scanned import ocr_page_image, prepare, read_scanned_pages, render_page
from extractors.text_pdf import read_text_page
from normalizers.text import contains_words, text_key

FIXTURES = Path(__file__).parent / "fixtures"
LAOCAI = "laocai-2017-qd512-ict2016"
CAOBANG = "caobang-2023-qd943-dti2022"
_NUMBER = re.compile(r"\d+(\.\d+)?")


def _scan(doc: str) -> Path:
    return FIXTURES / "raw" / f"{doc}-scan.pdf"


@pytest.fixture(scope="module")
def laocai_pages() -> list[PageContent]:
    return read_scanned_pages(_scan(LAOCAI), range(4), workers=2)


@pytest.fixture(scope="module")
def caobang_pages() -> list[PageContent]:
    return read_scanned_pages(_scan(CAOBANG), range(4), workers=2)


def _truth(doc: str) -> list[dict]:
    """Truth units with their expected cells in printed column order."""
    with open(FIXTURES / "truth" / f"{doc}.scores.csv", encoding="utf-8") as fh:
        scores = list(csv.DictReader(fh))
    components: dict[str, list[float]] = defaultdict(list)
    with open(FIXTURES / "truth" / f"{doc}.components.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            components[row["unit_name"]].append(float(row["score"]))
    units = []
    for row in scores:
        name = row["unit_name"]
        if row["evaluated"] != "true":
            units.append({"name": name, "values": None})
            continue
        rank, total = float(row["rank"]), float(row["total_score"])
        if doc == LAOCAI:  # STT (= rank), components, total
            values = [rank, *components[name], total]
        else:  # STT, Xếp hạng, Tổng điểm, pillars
            values = [rank, rank, total, *components[name]]
        units.append({"name": name, "values": values})
    return units


def _squash(text: str) -> str:
    return text_key(text).replace(" ", "")


def _body_rows(pages: list[PageContent]) -> list[tuple[Cell, list[Cell]]]:
    """(name cell, other cells left to right) for every grid row with a wordy cell."""
    rows = []
    for page in pages:
        for grid in page.grids:
            for r in range(grid.n_rows):
                cells = grid.row_cells(r)
                name = max(cells, key=lambda c: sum(ch.isalpha() for ch in c.text))
                if sum(ch.isalpha() for ch in name.text) >= 3:
                    rows.append((name, [c for c in cells if c is not name]))
    return rows


def _score(doc: str, pages: list[PageContent]) -> tuple[int, int, list[str]]:
    rows = _body_rows(pages)
    keys = [_squash(name.text) for name, _ in rows]
    hits = total = 0
    misses: list[str] = []
    for unit in _truth(doc):
        want = _squash(unit["name"])
        close = difflib.get_close_matches(want, keys, n=1, cutoff=0.8)
        found = rows[keys.index(close[0])] if close else None
        total += 1
        if found is not None and text_key(found[0].text.replace("\n", " ")) == text_key(unit["name"]):
            hits += 1
        else:
            misses.append(f"name {unit['name']!r}: {found[0].text if found else None!r}")
        if unit["values"] is None:
            total += 1
            if found is not None and any(text_key(c.text) == "không đánh giá" for c in found[1]):
                hits += 1
            else:
                misses.append(f"{unit['name']}: no 'Không đánh giá' cell")
            continue
        others = found[1] if found else []
        for i, value in enumerate(unit["values"]):
            total += 1
            text = others[i].text if i < len(others) else None
            if text is not None and _NUMBER.fullmatch(text) and float(text) == value:
                hits += 1
            else:
                misses.append(f"{unit['name']} #{i}: {text!r} != {value}")
    return hits, total, misses


@pytest.mark.parametrize("doc", [LAOCAI, CAOBANG])
@pytest.mark.ocr
def test_cells_match_truth(doc: str, request: pytest.FixtureRequest) -> None:
    pages = request.getfixturevalue("laocai_pages" if doc == LAOCAI else "caobang_pages")
    hits, total, misses = _score(doc, pages)
    rate = hits / total
    print(f"\n{doc}: {hits}/{total} cells exact ({rate:.1%}); misses: {misses}")
    assert rate >= 0.97, misses


@pytest.mark.ocr
def test_laocai_grids_have_the_text_twin_shape(laocai_pages: list[PageContent]) -> None:
    with pdfplumber.open(FIXTURES / "raw" / f"{LAOCAI}.pdf") as pdf:
        twins = [read_text_page(page) for page in pdf.pages]
    assert [[(g.n_rows, g.n_cols) for g in p.grids] for p in laocai_pages] == [
        [(g.n_rows, g.n_cols) for g in p.grids] for p in twins
    ]


def _spans_row(grid: Grid, label: str) -> bool:
    return any(c.colspan == grid.n_cols and text_key(c.text) == text_key(label) for c in grid.cells)


@pytest.mark.ocr
def test_laocai_tier_rows_and_spanning_header(laocai_pages: list[PageContent]) -> None:
    first = laocai_pages[1].grids[0]
    assert _spans_row(first, "MỨC TỐT")
    assert any(_spans_row(g, "MỨC KHÁ") for p in laocai_pages for g in p.grids)
    header = first.anchored(0, 2)
    assert header is not None and header.colspan == 6
    assert contains_words(header.text, "Điểm thành phần")
    assert first.anchored(0, 0).rowspan == 2


@pytest.mark.ocr
def test_caobang_not_evaluated_spans_the_scores(caobang_pages: list[PageContent]) -> None:
    grid = caobang_pages[3].grids[0]
    cell = next(c for c in grid.cells if text_key(c.text) == "không đánh giá")
    assert cell.col == 2 and cell.colspan == grid.n_cols - 2


@pytest.mark.ocr
def test_laocai_heading_lines(laocai_pages: list[PageContent]) -> None:
    first = laocai_pages[0].text
    assert "512/QĐ-UBND" in first
    assert contains_words(first, "ngày 16 tháng 02 năm 2017")
    assert contains_words(first, "QUYẾT ĐỊNH")
    assert contains_words(laocai_pages[1].text, "Các cơ quan, đơn vị cấp tỉnh")
    assert contains_words(laocai_pages[2].text, "UBND các huyện, thành phố")
    assert all(p.text_source == "ocr" for p in laocai_pages)


@pytest.mark.ocr
def test_caobang_heading_lines(caobang_pages: list[PageContent]) -> None:
    assert "943/QĐ-UBND" in caobang_pages[0].text
    assert "2023" in caobang_pages[0].text
    assert contains_words(caobang_pages[1].text, "CHỈ SỐ CHUYỂN ĐỔI SỐ CỦA CÁC SỞ, BAN, NGÀNH NĂM 2022")
    assert contains_words(caobang_pages[3].text, "CÁC HUYỆN, THÀNH PHỐ NĂM 2022")


@pytest.mark.ocr
def test_cells_carry_confidence(caobang_pages: list[PageContent]) -> None:
    cells = [c for g in caobang_pages[1].grids for c in g.cells if c.text]
    assert cells and all(0.0 <= c.confidence <= 1.0 for c in cells)
    assert sum(c.confidence for c in cells) / len(cells) > 0.7


def _degrade(image: np.ndarray) -> np.ndarray:
    """A worse scan of the same page: sideways, skewed 2.5°, 150 dpi, noisy."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    gray = cv2.rotate(gray, cv2.ROTATE_90_COUNTERCLOCKWISE)
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 2.5, 1.0)
    gray = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=235)
    gray = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    noise = np.random.default_rng(7).normal(0, 12, gray.shape)
    return np.clip(gray.astype(np.float64) + noise, 0, 255).astype(np.uint8)


@pytest.mark.ocr
def test_rotated_skewed_low_resolution_page_keeps_its_grid(laocai_pages: list[PageContent]) -> None:
    degraded = _degrade(render_page(_scan(LAOCAI), 1))
    page = ocr_page_image(degraded, 2)
    assert [(g.n_rows, g.n_cols) for g in page.grids] == [(g.n_rows, g.n_cols) for g in laocai_pages[1].grids]
    names = [text_key(g.cell_at(r, 1).text) for g in page.grids for r in range(3, g.n_rows)]
    assert "sở tài chính" in names
    assert page.width > page.height  # the landscape page turned back upright


@pytest.mark.ocr
def test_upside_down_page_is_told_by_its_reading_and_read_upright(laocai_pages: list[PageContent]) -> None:
    """An upright page skips orientation detection; one upside down reads as garbage, is turned, and reads the same."""
    page = ocr_page_image(cv2.rotate(render_page(_scan(LAOCAI), 1), cv2.ROTATE_180), 2)
    assert [(g.n_rows, g.n_cols) for g in page.grids] == [(g.n_rows, g.n_cols) for g in laocai_pages[1].grids]
    names = [text_key(g.cell_at(r, 1).text) for g in page.grids for r in range(3, g.n_rows)]
    upright = [text_key(g.cell_at(r, 1).text) for g in laocai_pages[1].grids for r in range(3, g.n_rows)]
    assert "sở tài chính" in names and names == upright


def test_render_page_uses_the_scanner_image() -> None:
    image = render_page(_scan(LAOCAI), 1)
    assert image.shape[:2] == (2481, 3508)


def test_blank_page_is_a_scan_error() -> None:
    with pytest.raises(ScanError):
        prepare(np.full((1000, 700), 250, np.uint8))
    with pytest.raises(ScanError):
        render_page(_scan(LAOCAI), 9)


def test_render_page_turns_a_rotated_scan_like_pdfium(tmp_path: Path) -> None:
    import io

    import pypdfium2 as pdfium

    image = np.full((300, 200), 255, np.uint8)
    cv2.putText(image, "A", (20, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, 0, 4)
    jpeg = cv2.imencode(".jpg", image)[1].tobytes()
    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(144, 216)
    obj = pdfium.PdfImage.new(pdf)
    obj.load_jpeg(io.BytesIO(jpeg))
    obj.set_matrix(pdfium.PdfMatrix().scale(144, 216))
    page.insert_obj(obj)
    page.gen_content()
    page.set_rotation(90)
    path = tmp_path / "rotated-scan.pdf"
    pdf.save(path)
    ours = render_page(path, 0)
    reference = pdfium.PdfDocument(path)[0].render(scale=100 / 72).to_numpy()[:, :, 0]
    assert ours.shape == (200, 300)
    assert np.abs(ours.astype(int) - reference.astype(int)).mean() < 2


@pytest.mark.ocr
def test_vector_page_with_rotate_is_rendered_upright() -> None:
    rotated = FIXTURES / "variants" / f"{LAOCAI}-rotated.pdf"
    page = ocr_page_image(render_page(rotated, 3, dpi=300), 4)
    with pdfplumber.open(FIXTURES / "raw" / f"{LAOCAI}.pdf") as pdf:
        twin = read_text_page(pdf.pages[3])
    assert [(g.n_rows, g.n_cols) for g in page.grids] == [(g.n_rows, g.n_cols) for g in twin.grids]
    assert page.width > page.height
