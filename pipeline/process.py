"""One file to its rows: sniff the kind, read pages, extract, normalize, check.

Plain functions, callable from a notebook: ``process_file(Path("raw/x.pdf"))``. Failures
raise :class:`DocumentError` subclasses whose message is one line a data officer can act
on; the batch runner turns them into a quarantined documents row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError

from extractors.layouts import LayoutError, extract_tables
from extractors.metadata import read_metadata, stated_maxima, stated_tier_rules
from extractors.page import PageContent
from extractors.raw import RawDocument
from extractors.text_pdf import has_text_layer, read_text_page
from normalizers.frameworks import Knowledge, load_knowledge
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


def sniff(path: Path) -> str:
    """The file's kind from its bytes: "pdf" or "html"."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head:
        raise NotADocumentError("the file is empty (0 bytes); copy the document again")
    if head.lstrip().startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    low = head.lower()
    if b"<html" in low or b"<!doctype html" in low or b"<article" in low:
        return "html"
    raise NotADocumentError("the file is neither a PDF nor an HTML page (unknown content); check what was saved under this name")


def read_pdf_pages(path: Path, ocr_workers: int = 1) -> tuple[list[PageContent], int]:
    """Every page as PageContent: the text layer where usable, OCR where not."""
    try:
        pdf = pdfplumber.open(path)
    except PDFPasswordIncorrect as exc:
        raise UnreadablePdfError("the PDF is password-protected; ask the sender for an unprotected copy") from exc
    except (PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        raise UnreadablePdfError(f"the PDF is damaged or truncated and cannot be opened ({type(exc).__name__}); get a fresh copy") from exc
    with pdf:
        try:
            n_pages = len(pdf.pages)
        except (PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
            raise UnreadablePdfError(f"the PDF's page tree is damaged ({type(exc).__name__}); get a fresh copy") from exc
        if n_pages == 0:
            raise UnreadablePdfError("the PDF has no pages; get a fresh copy")
        pages: list[PageContent] = []
        scan_indexes: list[int] = []
        for index, page in enumerate(pdf.pages):
            if has_text_layer(page):
                pages.append(read_text_page(page))
                page.flush_cache()
            else:
                scan_indexes.append(index)
                pages.append(None)  # type: ignore[arg-type]
    if scan_indexes:
        from extractors.scanned import read_scanned_pages

        for index, content in zip(scan_indexes, read_scanned_pages(path, scan_indexes, workers=ocr_workers)):
            pages[index] = content
    return pages, n_pages


def text_source(pages: list[PageContent]) -> str:
    kinds = {p.text_source for p in pages}
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
        from extractors.news import read_news_html

        raw = read_news_html(path.read_bytes())
        return ranking_result(raw, doc_id, knowledge)
    pages, n_pages = read_pdf_pages(path, ocr_workers)
    if not any(p.lines or p.grids for p in pages):
        raise NoRankingTableError("no text could be read on any page (blank pages or an unreadable scan); rescan at 300 dpi")
    try:
        from extractors.weekly import extract_weekly, is_weekly_report
    except ImportError:
        is_weekly_report = None
    if is_weekly_report is not None and is_weekly_report(pages):
        return weekly_result(pages, n_pages, doc_id)
    raw = raw_decision(pages, knowledge)
    return ranking_result(raw, doc_id, knowledge)


def weekly_result(pages: list[PageContent], n_pages: int, doc_id: str) -> DocumentResult:
    from extractors.weekly import extract_weekly

    report = extract_weekly(pages)
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
    return DocumentResult(row, weekly=frame)
