"""One file to its rows: sniff the kind, read pages, extract, normalize, check.

Plain functions, callable from a notebook: ``process_file(Path("raw/x.pdf"))``. Failures
raise :class:`DocumentError` subclasses whose message is one line a data officer can act
on; the batch runner turns them into a quarantined documents row.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from extractors.layouts import LayoutError, extract_tables
from extractors.metadata import read_metadata, stated_maxima, stated_tier_rules
from extractors.news import NewsFormatError, is_news_html, read_news_html
from extractors.page import PageContent
from extractors.raw import RawDocument
from extractors.text_pdf import has_text_layer, read_text_page
from extractors.weekly import WeeklyReportError, extract_weekly, is_weekly_report
from normalizers.frameworks import Knowledge, load_knowledge
from pipeline.progress import page_read
from normalizers.scores import AVERAGE_COLUMNS, COMPONENT_COLUMNS, SCORE_COLUMNS, normalize_ranking
from schemas.checks import run_checks
from schemas.issues import Issue

PIPELINE_VERSION = "0.1.0"


class DocumentError(Exception):
    """A file that cannot be processed; the message is shown to data officers as is."""


class NotADocumentError(DocumentError):
    pass


class UnreadablePdfError(DocumentError):
    pass


class NoRankingTableError(DocumentError):
    pass


@dataclass
class DocumentResult:
    """Everything one document contributes to curated/."""

    document: dict
    scores: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SCORE_COLUMNS))
    components: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COMPONENT_COLUMNS))
    averages: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=AVERAGE_COLUMNS))
    weekly: pd.DataFrame | None = None
    issues: list[Issue] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_OTHER_KINDS = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG", "a PNG image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive (or a Word/Excel file)"),
    (b"\xd0\xcf\x11\xe0", "an old Word/Excel file"),
)


def sniff(path: Path) -> str:
    """The file's kind from its bytes: "pdf" or "html"."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head:
        raise NotADocumentError("the file is empty (0 bytes); copy the document again")
    if head.lstrip().startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if is_news_html(head):
        return "html"
    for magic, kind in _OTHER_KINDS:
        if head.startswith(magic):
            raise NotADocumentError(f"the file is {kind}, not a PDF or HTML page; save the original document under this name")
    raise NotADocumentError("the file is neither a PDF nor an HTML page (unknown content); check what was saved under this name")


_DAMAGED = (PdfminerException, PSException, PDFSyntaxError, ValueError, KeyError, TypeError, AttributeError, IndexError, EOFError)


def _unreadable(exc: Exception, what: str) -> UnreadablePdfError:
    """pdfplumber wraps pdfminer's errors; the cause decides the message."""
    cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args and isinstance(exc.args[0], Exception) else exc
    if isinstance(cause, PDFPasswordIncorrect):
        return UnreadablePdfError("the PDF is password-protected; ask the sender for an unprotected copy")
    if isinstance(cause, PDFEncryptionError):
        return UnreadablePdfError(f"the PDF is encrypted in a way that cannot be read ({' '.join(str(cause).split())[:80] or type(cause).__name__}); ask the sender for an unprotected copy")
    detail = " ".join(str(cause).split())[:80] or type(cause).__name__
    return UnreadablePdfError(f"the PDF is damaged or truncated and {what} ({detail}); get a fresh copy")


def _is_empty_page(page) -> bool:
    """Nothing drawn at all: no characters, images, lines or shapes. Skipped without OCR."""
    return not (page.chars or page.images or page.lines or page.rects or page.curves)


def _empty_page(page, source: str) -> PageContent:
    return PageContent(page.page_number, float(page.width), float(page.height), source)


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Linux: this process is killed when its parent dies (a batch run killed with -9 must not
    leave workers or OCR helpers running). Elsewhere a no-op; the batch timeout still applies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _read_scan_pages(path: Path, indexes: list[int], workers: int, on_page=None) -> list[PageContent | None]:
    from extractors.scanned import read_scanned_pages  # OpenCV and tesseract load only for scans

    return read_scanned_pages(path, indexes, workers, skip_blank=True, initializer=die_with_parent,
                              initargs=(os.getpid(),), on_page=on_page)


def read_pdf_pages(path: Path, ocr_workers: int = 1) -> tuple[list[PageContent], int]:
    """Every page as PageContent: the text layer where usable, OCR where not.

    A page with nothing drawn on it is skipped cheaply, and an image page that holds no
    text (a blank sheet in a scan) becomes an empty page; only a document with no
    readable text anywhere is an error (raised by the caller).
    """
    try:
        pdf = pdfplumber.open(path)
    except PDFPasswordIncorrect as exc:
        raise UnreadablePdfError("the PDF is password-protected; ask the sender for an unprotected copy") from exc
    except _DAMAGED as exc:
        raise _unreadable(exc, "cannot be opened") from exc
    with pdf:
        try:
            n_pages = len(pdf.pages)
        except _DAMAGED as exc:
            raise _unreadable(exc, "its pages cannot be listed") from exc
        if n_pages == 0:
            raise UnreadablePdfError("the PDF has no pages; get a fresh copy")
        pages: list[PageContent] = []
        scan_indexes: list[int] = []
        for index, page in enumerate(pdf.pages):
            try:
                if _is_empty_page(page):
                    pages.append(_empty_page(page, "text_layer"))
                elif has_text_layer(page):
                    pages.append(read_text_page(page))
                else:
                    scan_indexes.append(index)
                    pages.append(_empty_page(page, "ocr"))
            except _DAMAGED as exc:
                raise _unreadable(exc, f"page {index + 1} cannot be read") from exc
            finally:
                page.close()  # drop the parsed layout: a long document must not pile up in memory
            if not scan_indexes or scan_indexes[-1] != index:
                page_read(index + 1 - len(scan_indexes), n_pages)  # text pages count as read now, scans once OCR'd
    if scan_indexes:
        ocr_done = iter(range(n_pages - len(scan_indexes) + 1, n_pages + 1))
        scanned = _read_scan_pages(path, scan_indexes, ocr_workers, on_page=lambda: page_read(next(ocr_done), n_pages))
        for index, content in zip(scan_indexes, scanned):
            if content is not None:
                pages[index] = content
    return pages, n_pages


def text_source(pages: list[PageContent]) -> str:
    """How the text was read, judged by the pages that had any (blank pages do not count)."""
    kinds = {p.text_source for p in pages if p.lines or p.grids} or {p.text_source for p in pages}
    return "text_layer" if kinds == {"text_layer"} else "ocr" if kinds == {"ocr"} else "mixed"


def raw_decision(pages: list[PageContent], knowledge: Knowledge) -> RawDocument:
    """A ranking decision's raw frames from its pages."""
    first = [ln.text for ln in pages[0].lines] if pages else []
    lines = [ln.text for p in pages for ln in p.lines]
    meta = read_metadata(first, lines, knowledge)
    try:
        tables = extract_tables(pages, knowledge)
    except LayoutError as exc:
        raise NoRankingTableError(f"{exc}; if this is a ranking decision, its tables may be unruled or unreadable") from exc
    text = " ".join(lines)
    return RawDocument(
        source_kind="decision", province=meta.province, issuer=meta.issuer,
        decision_number=meta.decision_number, decision_date=meta.decision_date,
        assessment_year=meta.assessment_year, framework=meta.framework,
        pages=len(pages), text_source=text_source(pages), tables=tables,
        group_maxima=stated_maxima(text, knowledge), tier_rules=stated_tier_rules(text), text=text,
    )


def document_row(raw: RawDocument) -> dict:
    return {
        "source_kind": raw.source_kind, "province": raw.province, "issuer": raw.issuer,
        "decision_number": raw.decision_number, "decision_date": raw.decision_date,
        "assessment_year": raw.assessment_year, "framework": raw.framework,
        "pages": raw.pages, "text_source": raw.text_source,
    }


def ranking_result(raw: RawDocument, doc_id: str, knowledge: Knowledge) -> DocumentResult:
    norm = normalize_ranking(raw, doc_id, knowledge)
    issues = norm.issues + run_checks(doc_id, norm, knowledge)
    issues += [Issue(doc_id, "source_contradiction", "warning", note) for note in raw.notes]
    row = document_row(raw)
    if row["framework"] is None and len(norm.scores):
        row["framework"] = norm.scores["framework"].iloc[0]
    return DocumentResult(row, norm.scores, norm.components, norm.averages, None, issues)


def process_file(path: Path, doc_id: str | None = None, knowledge: Knowledge | None = None, ocr_workers: int = 1) -> DocumentResult:
    """Extract, normalize and check one file. Raises DocumentError for bad input."""
    knowledge = knowledge or load_knowledge()
    doc_id = doc_id or sha256_file(path)[:16]
    kind = sniff(path)
    if kind == "html":
        try:
            raw = read_news_html(path.read_bytes())
        except NewsFormatError as exc:
            raise NoRankingTableError(f"the HTML page holds no ranking news article ({exc})") from exc
        return ranking_result(raw, doc_id, knowledge)
    pages, n_pages = read_pdf_pages(path, ocr_workers)
    if not any(p.lines or p.grids for p in pages):
        raise NoRankingTableError("no text could be read on any page (blank pages or an unreadable scan); rescan at 300 dpi")
    if is_weekly_report(pages):
        return weekly_result(pages, n_pages, doc_id)
    raw = raw_decision(pages, knowledge)
    return ranking_result(raw, doc_id, knowledge)


def weekly_result(pages: list[PageContent], n_pages: int, doc_id: str) -> DocumentResult:
    try:
        report = extract_weekly(pages)
    except WeeklyReportError as exc:
        raise NoRankingTableError(f"it reads as a weekly report but none of its tables is known ({exc})") from exc
    frame = report.indicators.copy()
    frame.insert(0, "doc_id", doc_id)
    frame.insert(1, "province", report.province)
    frame.insert(2, "period_start", report.period_start)
    frame.insert(3, "period_end", report.period_end)
    row = {
        "source_kind": "weekly_report", "province": report.province, "issuer": report.issuer,
        "decision_number": None, "decision_date": None, "assessment_year": report.assessment_year,
        "framework": None, "pages": n_pages, "text_source": text_source(pages),
    }
    # skipped tables and doubtful OCR cells: the weekly table has no confidence column
    issues = [
        Issue(doc_id, doubt.code, doubt.severity, doubt.message, doubt.table_code or None, doubt.row_label,
              doubt.column_label, doubt.printed)
        for doubt in report.issues
    ]
    return DocumentResult(row, weekly=frame, issues=issues)
