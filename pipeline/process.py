"""One file to its rows: sniff the kind, read pages, extract, normalize, check.

Plain functions, callable from a notebook: ``process_file(Path("raw/x.pdf"))``. Failures
raise :class:`DocumentError` subclasses whose message is one line a data officer can act
on; the batch runner turns them into a quarantined documents row.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from extractors.encodings import decode_pages, document_encoding
from extractors.evidence import evidence_text, is_vietnamese, judge_document, no_ranking_message
from extractors.html_page import HtmlPageError, read_html_page
from extractors.layouts import LayoutError, extract_tables
from extractors.metadata import decision_wording, read_metadata, stated_maxima, stated_tier_rules
from extractors.national import as_national, is_ministry, province_of, scores_province
from extractors.news import (
    NewsFormatError,
    is_news_html,
    looks_like_unit,
    prose_maxima,
    read_news_page,
    reported_facts,
    second_reading,
)
from extractors.office_container import OfficeFileError, is_office, office_kind
from extractors.page import PageContent
from extractors.parent_death import die_with_parent
from extractors.text_pdf import MIN_GOOD_RATIO, has_text_layer, read_text_page, text_layer_quality
from extractors.weekly import WeeklyReportError, extract_weekly, is_weekly_report
from normalizers.checks import CheckTally, run_checks
from normalizers.frameworks import Knowledge
from normalizers.knowledge import KnowledgeBundle, bundle_or_default, knowledge_as_default
from normalizers.scores import normalize_ranking
from pipeline.discovery import sha256_file
from pipeline.document_result import DocumentResult
from pipeline.fingerprint import PIPELINE_VERSION  # noqa: F401 - re-exported
from pipeline.parsing_report import table_report
from pipeline.progress import page_read
from schemas.issue_codes import IssueCode
from schemas.issues import Issue
from schemas.raw import RawDocument


class DocumentError(Exception):
    """A file that cannot be processed; the message is shown to data officers as is.

    `table_evidence` carries the per-table verdicts of a document whose tables were read but
    not taken, so its quarantined documents row still says why.
    """

    def __init__(self, message: str, table_evidence: str | None = None) -> None:
        super().__init__(message)
        self.table_evidence = table_evidence


class NotADocumentError(DocumentError):
    pass


class UnreadablePdfError(DocumentError):
    pass


class NoRankingTableError(DocumentError):
    pass


class UnreadableOfficeError(DocumentError):
    """A Word or Excel file that is damaged, protected, hostile or cannot be converted."""


_OTHER_KINDS = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG", "a PNG image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
)


def sniff(path: Path) -> str:
    """The file's kind from its bytes: "pdf", "html", or an Office kind ("docx", "xlsx", "doc", "xls")."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head:
        raise NotADocumentError("the file is empty (0 bytes); copy the document again")
    if head.lstrip().startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if is_news_html(head):
        return "html"
    if is_office(head):
        try:
            return office_kind(path, head)
        except OfficeFileError as exc:
            raise UnreadableOfficeError(str(exc)) from exc
    for magic, kind in _OTHER_KINDS:
        if head.startswith(magic):
            raise NotADocumentError(
                f"the file is {kind}, not a PDF, Word, Excel or HTML document; "
                "save the original document under this name"
            )
    raise NotADocumentError(
        "the file is neither a PDF, a Word or Excel file nor an HTML page (unknown content); "
        "check what was saved under this name"
    )


_DAMAGED = (
    PdfminerException,
    PSException,
    PDFSyntaxError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    EOFError,
)


def _unreadable(exc: Exception, what: str) -> UnreadablePdfError:
    """pdfplumber wraps pdfminer's errors; the cause decides the message."""
    cause = (
        exc.args[0] if isinstance(exc, PdfminerException) and exc.args and isinstance(exc.args[0], Exception) else exc
    )
    if isinstance(cause, PDFPasswordIncorrect):
        return UnreadablePdfError("the PDF is password-protected; ask the sender for an unprotected copy")
    if isinstance(cause, PDFEncryptionError):
        return UnreadablePdfError(
            f"the PDF is encrypted in a way that cannot be read ({' '.join(str(cause).split())[:80] or type(cause).__name__}); ask the sender for an unprotected copy"
        )
    detail = " ".join(str(cause).split())[:80] or type(cause).__name__
    return UnreadablePdfError(f"the PDF is damaged or truncated and {what} ({detail}); get a fresh copy")


def _is_empty_page(page) -> bool:
    """Nothing drawn at all: no characters, images, lines or shapes. Skipped without OCR."""
    return not (page.chars or page.images or page.lines or page.rects or page.curves)


def _empty_page(page, source: str) -> PageContent:
    return PageContent(page.page_number, float(page.width), float(page.height), source)


def _read_scan_pages(path: Path, indexes: list[int], workers: int, on_page=None) -> list[PageContent | None]:
    from extractors.scanned import read_scanned_pages  # OpenCV and tesseract load only for scans

    return read_scanned_pages(
        path, indexes, workers, skip_blank=True, initializer=die_with_parent, initargs=(os.getpid(),), on_page=on_page
    )


def _read_pages(path: Path, ocr_workers: int, bundle: KnowledgeBundle | None = None) -> tuple[list[PageContent], int]:
    """The pages pdfplumber lists (none where pdfminer finds no page tree), read or OCR'd."""
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
        pages: list[PageContent] = []
        scan_indexes: list[int] = []
        for index, page in enumerate(pdf.pages):
            try:
                if _is_empty_page(page):
                    pages.append(_empty_page(page, "text_layer"))
                elif has_text_layer(page):
                    pages.append(read_text_page(page, path, bundle))
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
    return decode_pages(pages, bundle), n_pages


def pypdf_page_count(path: Path) -> int:
    """Pages as pypdf counts them; it reads page trees pdfminer gives up on (a page without /Type)."""
    from pypdf import PdfReader  # only for the rare PDF pdfminer lists no pages of

    try:
        return len(PdfReader(path, strict=False).pages)
    except Exception:
        return 0


@contextlib.contextmanager
def listable_pdf(path: Path) -> Iterator[Path]:
    """The PDF itself, or pypdf's re-saved copy where pdfminer lists no pages but pypdf does.

    pypdf reads page trees pdfminer gives up on (a page without /Type, a broken xref); its copy
    is written with a clean page tree. The copy is removed on exit.
    """
    try:
        with pdfplumber.open(path) as pdf:
            listed = len(pdf.pages)
    except Exception:
        listed = 1
    if listed:
        yield path
        return
    counted = pypdf_page_count(path)
    if not counted:
        raise UnreadablePdfError("the PDF has no pages (neither pdfminer nor pypdf finds one); get a fresh copy")
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    with tempfile.TemporaryDirectory(prefix="dti-") as tmp:
        copy = Path(tmp) / "resaved.pdf"
        try:
            writer = PdfWriter()
            for page in PdfReader(path, strict=False).pages:
                page[NameObject("/Type")] = NameObject("/Page")  # what pypdf inferred, written out
                writer.add_page(page)
            with open(copy, "wb") as fh:
                writer.write(fh)
        except Exception as exc:
            raise UnreadablePdfError(
                f"pypdf finds {counted} pages but pdfminer cannot read the page tree, and re-saving "
                f"it failed ({type(exc).__name__}); re-save the PDF from its source"
            ) from exc
        yield copy


def read_pdf_pages(
    path: Path, ocr_workers: int = 1, bundle: KnowledgeBundle | None = None
) -> tuple[list[PageContent], int]:
    """Every page as PageContent: the text layer where usable, OCR where not.

    A page with nothing drawn on it is skipped cheaply, and an image page that holds no
    text (a blank sheet in a scan) becomes an empty page; only a document with no
    readable text anywhere is an error (raised by the caller). A PDF whose page tree
    pdfminer cannot walk but pypdf can is read from pypdf's re-saved copy.
    """
    pages, n_pages = _read_pages(path, ocr_workers, bundle)
    if n_pages:
        return pages, n_pages
    with listable_pdf(path) as readable:
        pages, n_pages = _read_pages(readable, ocr_workers, bundle)
    if not n_pages:
        raise UnreadablePdfError(
            "pypdf finds pages but pdfminer cannot list them, even re-saved; re-save the PDF from its source"
        )
    return pages, n_pages


def no_text_reason(path: Path) -> str:
    """Why no page gave any text, from what the pages hold: a text layer, images, drawings, nothing."""
    chars = upright = images = drawn = n_pages = 0
    quality: list[float] = []
    try:
        with listable_pdf(path) as readable, pdfplumber.open(readable) as pdf:
            for page in pdf.pages:
                n_pages += 1
                found = page.chars
                chars += len(found)
                upright += sum(1 for c in found if c.get("upright", True))
                if found:
                    quality.append(text_layer_quality(found))
                images += len(page.images)
                drawn += bool(page.lines or page.rects or page.curves)
                page.close()
    except Exception:
        pass
    if chars:
        details = []
        if upright < chars:
            details.append(f"{chars - upright} of them are printed sideways or skewed")
        if quality and min(quality) < MIN_GOOD_RATIO:
            details.append("some fonts cannot be decoded to letters")
        if upright and len(details) < 2:
            details.append(f"{'the other' if upright < chars else 'its'} {upright} are too few to hold a ranking table")
        return (
            f"the PDF has a text layer ({chars} characters on {n_pages} pages) but no ranking in it: "
            f"{'; '.join(details)}; it is not a ranking decision (if it is, export it again as PDF from its source)"
        )
    if images:
        return "no text could be read on any page (blank pages or an unreadable scan); rescan at 300 dpi"
    if drawn:
        return (
            "the PDF's pages hold drawings but no text and no images (text drawn as outlines cannot be read); "
            "get a copy with a text layer, or a scan"
        )
    if n_pages == 1:
        return "the PDF's only page is blank (nothing is drawn on it); get a complete copy of the document"
    return f"all {n_pages} pages of the PDF are blank (nothing is drawn on them); get a complete copy of the document"


def text_source(pages: list[PageContent]) -> str:
    """How the text was read, judged by the pages that had any (blank pages do not count)."""
    kinds = {p.text_source for p in pages if p.lines or p.grids} or {p.text_source for p in pages}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def raw_decision(pages: list[PageContent], knowledge: Knowledge, bundle: KnowledgeBundle | None = None) -> RawDocument:
    """A ranking decision's raw frames from its pages (``bundle``: the run's knowledge files, None the default)."""
    first = [ln.text for ln in pages[0].lines] if pages else []
    lines = [ln.text for p in pages for ln in p.lines]
    wording = decision_wording(bundle)
    meta = read_metadata(first, lines, knowledge, wording, bundle)
    try:
        tables = extract_tables(pages, knowledge, bundle=bundle)
    except LayoutError as exc:
        if not is_vietnamese(" ".join(lines)):
            opening = " ".join(" ".join(lines).split()[:8])
            said = f"it begins {opening!r}" if opening else "it has no running text outside its tables"
            raise NoRankingTableError(
                f"not a ranking decision: no table of unit names and scores, and its text is not Vietnamese ({said})"
            ) from exc
        raise NoRankingTableError(
            f"no ranking table found: its text ({len(lines)} lines) holds no table of unit names with scores, ruled or "
            "unruled; it is not a ranking decision (if it is, get the copy with the results appendix)"
        ) from exc
    text = " ".join(lines)
    return RawDocument(
        source_kind="decision",
        province=meta.province,
        issuer=meta.issuer,
        decision_number=meta.decision_number,
        decision_date=meta.decision_date,
        assessment_year=meta.assessment_year,
        framework=meta.framework,
        pages=len(pages),
        text_source=text_source(pages),
        text_encoding=document_encoding(pages),
        tables=tables,
        group_maxima=stated_maxima(text, knowledge, wording),
        tier_rules=stated_tier_rules(text, wording),
        text=text,
    )


def _ranks_public_units(table, bundle: KnowledgeBundle | None) -> bool:
    """Most rows name a public body, a province or a ministry (a price list or a menu does not)."""
    names = [r.name for r in table.rows]
    units = sum(
        looks_like_unit(n, bundle) or province_of(n, bundle) is not None or is_ministry(n, bundle) for n in names
    )
    return bool(names) and units * 2 > len(names)


def raw_web_page(data: bytes, knowledge: Knowledge, bundle: KnowledgeBundle | None = None) -> RawDocument:
    """A web page's raw frames: its ranking tables where it has any (the prose a second reading), else its prose.

    Tables go through the same layouts, checks and metadata as a PDF's (:func:`raw_decision`);
    a table of provinces or ministries is a national ranking (`web_table`).
    """
    try:
        page = read_html_page(data, knowledge=bundle)
    except HtmlPageError as exc:
        raise NoRankingTableError(str(exc)) from exc
    content = page.content
    table_reason = None
    if content.grids:
        try:
            raw = raw_decision([content], knowledge, bundle)
        except NoRankingTableError:
            table_reason = (
                f"its {len(content.grids)} table(s) are not ranking tables (no column of unit names with scores)"
            )
        else:
            raw = dataclasses.replace(raw, tables=[t for t in raw.tables if _ranks_public_units(t, bundle)])
        if content.grids and table_reason is None and not raw.tables:
            table_reason = f"its {len(content.grids)} table(s) are not ranking tables (their rows are not public units)"
        if table_reason is None:
            raw = dataclasses.replace(
                reported_facts(page, raw, bundle),
                pages=None,
                text_source="html",
                group_maxima={**raw.group_maxima, **prose_maxima(page.text, bundle)},
            )  # web prose words maxima (and the decision it posts) more freely
            raw = as_national(raw, knowledge, "web_table", bundle) or raw
            raw = dataclasses.replace(
                raw, doubts=[*raw.doubts, *((IssueCode.TABLE_CUT, cut) for cut in page.cut_tables)]
            )
            return dataclasses.replace(raw, notes=[*raw.notes, *second_reading(page, raw, bundle)])
    try:
        return read_news_page(page, bundle)
    except NewsFormatError as exc:
        if table_reason:
            raise NoRankingTableError(
                f"the HTML page holds no ranking: {table_reason} and its text states no unit's score"
            ) from exc
        raise NoRankingTableError(f"the HTML page holds no ranking table or ranking news article ({exc})") from exc


def document_row(raw: RawDocument) -> dict:
    return {
        "source_kind": raw.source_kind,
        "province": raw.province,
        "issuer": raw.issuer,
        "decision_number": raw.decision_number,
        "decision_date": raw.decision_date,
        "assessment_year": raw.assessment_year,
        "framework": raw.framework,
        "pages": raw.pages,
        "text_source": raw.text_source,
        "text_encoding": raw.text_encoding,
    }


def taken_tables(
    raw: RawDocument, knowledge: Knowledge, bundle: KnowledgeBundle | None = None
) -> tuple[RawDocument, str | None]:
    """Only the tables whose evidence says they rank Vietnamese units, and why (documents.table_evidence)."""
    verdicts = judge_document(raw, knowledge, bundle=bundle)
    evidence = evidence_text(verdicts)
    if raw.tables and not any(v.taken for v in verdicts):
        raise NoRankingTableError(no_ranking_message(verdicts), evidence)
    return dataclasses.replace(raw, tables=[t for t, v in zip(raw.tables, verdicts) if v.taken]), evidence


def ranking_result(
    raw: RawDocument, doc_id: str, knowledge: Knowledge, bundle: KnowledgeBundle | None = None
) -> DocumentResult:
    mentions = knowledge.index_mentions(raw.text)
    if mentions.another_index:
        raise NoRankingTableError(mentions.another_index)
    raw, evidence = taken_tables(raw, knowledge, bundle)
    if mentions.none_of_ours:  # tables shaped like a ranking, of something else
        raise NoRankingTableError(mentions.none_of_ours, evidence)
    norm = normalize_ranking(raw, doc_id, knowledge, bundle)
    norm = dataclasses.replace(norm, score_rows=scores_province(norm.score_rows, raw, bundle))
    tally = CheckTally()
    issues = norm.issues + run_checks(doc_id, norm, knowledge, tally)
    issues += [
        Issue(doc_id=doc_id, code=IssueCode.SOURCE_CONTRADICTION, severity="warning", message=note)
        for note in raw.notes
    ]
    issues += [Issue(doc_id=doc_id, code=code, severity="warning", message=message) for code, message in raw.doubts]
    row = document_row(raw) | {"table_evidence": evidence}
    if row["framework"] is None and norm.score_rows:
        row["framework"] = norm.score_rows[0]["framework"]
    # every value is as printed until assembly marks OCR repairs and officers' corrections
    printed = {"value_source": "printed"}
    return DocumentResult(
        row,
        tuple(r | printed for r in norm.score_rows),
        tuple(c | printed for c in norm.component_rows),
        norm.average_rows,
        None,
        issues,
        table_report(dataclasses.replace(raw, tables=norm.tables), norm, tally, doc_id),
    )


def process_file(
    path: Path,
    doc_id: str | None = None,
    knowledge: KnowledgeBundle | Knowledge | None = None,
    ocr_workers: int = 1,
) -> DocumentResult:
    """Extract, normalize and check one file. Raises DocumentError for bad input.

    ``knowledge`` is the run's validated bundle (None: the default one; a bare frameworks
    object, as notebooks pass, is used with the default bundle's other files).
    """
    bundle = knowledge if isinstance(knowledge, KnowledgeBundle) else bundle_or_default(None)
    frameworks = knowledge if isinstance(knowledge, Knowledge) else bundle.frameworks
    with knowledge_as_default(bundle):  # helpers the bundle is not passed down to read the same files
        return _process(path, doc_id or sha256_file(path)[:16], frameworks, bundle, ocr_workers)


def _process(
    path: Path, doc_id: str, knowledge: Knowledge, bundle: KnowledgeBundle, ocr_workers: int
) -> DocumentResult:
    kind = sniff(path)
    if kind == "html":
        return ranking_result(raw_web_page(path.read_bytes(), knowledge, bundle), doc_id, knowledge, bundle)
    if kind != "pdf":  # sniff's only other answers are the Office kinds
        return office_result(path, kind, doc_id, knowledge, bundle)
    pages, n_pages = read_pdf_pages(path, ocr_workers, bundle)
    if not any(p.lines or p.grids for p in pages):
        raise NoRankingTableError(no_text_reason(path))
    if is_weekly_report(pages, bundle):
        return weekly_result(pages, n_pages, doc_id, bundle)
    raw = raw_decision(pages, knowledge, bundle)
    return ranking_result(raw, doc_id, knowledge, bundle)


def office_result(
    path: Path, kind: str, doc_id: str, knowledge: Knowledge, bundle: KnowledgeBundle | None = None
) -> DocumentResult:
    """A Word or Excel file: its pages go the PDF's way. A Word file or workbook stores no
    pagination, so `pages` is null (rows' source_page is the stored-break page or the sheet)."""
    from extractors.office import WORD_KINDS, read_office_pages  # openpyxl, xlrd, python-docx: Office files only

    app = "Word" if kind in WORD_KINDS else "Excel"
    try:
        pages = read_office_pages(path, kind)
    except OfficeFileError as exc:
        raise UnreadableOfficeError(str(exc)) from exc
    if not any(p.lines or p.grids for p in pages):
        if kind == "doc":
            raise UnreadableOfficeError(
                "LibreOffice read no text from this old Word (.doc) file; it may be damaged — "
                "open it in Word and save it as .docx"
            )
        raise NoRankingTableError(f"the {app} file holds no text; check that the right file was saved")
    if is_weekly_report(pages, bundle):
        return weekly_result(pages, None, doc_id, bundle)
    if kind in WORD_KINDS and not any(p.grids for p in pages):
        raise NoRankingTableError(
            "the Word file holds no table, only running text; a ranking decision prints its results as a table "
            "(check that the appendix is in this file)"
        )
    try:
        raw = raw_decision(pages, knowledge, bundle)
    except NoRankingTableError as exc:
        raise NoRankingTableError(
            f"the {app} file holds no ranking table (no table with unit names and scores)"
        ) from exc
    return ranking_result(dataclasses.replace(raw, pages=None), doc_id, knowledge, bundle)


def weekly_result(
    pages: list[PageContent], n_pages: int | None, doc_id: str, bundle: KnowledgeBundle | None = None
) -> DocumentResult:
    try:
        report = extract_weekly(pages, bundle)
    except WeeklyReportError as exc:
        raise NoRankingTableError(f"it reads as a weekly report but none of its tables is known ({exc})") from exc
    frame = report.indicators.copy()
    frame.insert(0, "doc_id", doc_id)
    frame.insert(1, "province", report.province)
    frame.insert(2, "period_start", report.period_start)
    frame.insert(3, "period_end", report.period_end)
    row = {
        "source_kind": "weekly_report",
        "province": report.province,
        "issuer": report.issuer,
        "decision_number": None,
        "decision_date": None,
        "assessment_year": report.assessment_year,
        "framework": None,
        "pages": n_pages,
        "text_source": text_source(pages),
        "text_encoding": document_encoding(pages),
    }
    # skipped tables and doubtful OCR cells: the weekly table has no confidence column
    issues = [
        Issue(
            doc_id=doc_id,
            code=doubt.code,
            severity=doubt.severity,
            message=doubt.message,
            group_code=doubt.table_code or None,
            unit_name_raw=doubt.row_label,
            field=doubt.column_label,
            printed=doubt.printed,
        )
        for doubt in report.issues
    ]
    return DocumentResult(row, weekly=frame, issues=issues)
