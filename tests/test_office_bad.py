"""Bad and hostile Word/Excel input (issue 16): each file quarantined with its own reason, the
rest of the batch processed. Every bad file is made here in a temporary folder, except the
password-protected workbook (``fixtures/bad/``, made by ``make_office_variants.py``).
"""

from __future__ import annotations

import http.server
import shutil
import threading
import zipfile
from pathlib import Path
from typing import ClassVar

import docx
import olefile
import openpyxl
import pytest

from extractors import office_legacy
from extractors.office_container import MAX_PART_BYTES
from pipeline.process import UnreadableOfficeError, process_file
from pipeline.run import run_pipeline
from tests.conftest import Curated
from tests.truth import FIXTURES, RAW, score_mismatches

DOCX = RAW / "laocai-2024-dti2023.docx"
XLSX = RAW / "laocai-2017-qd512-ict2016-annex.xlsx"
DOC = FIXTURES / "variants" / "laocai-2024-dti2023.doc"
SECRET = "dti-secret-7f3a"

EXPECTED = {
    "truncated.docx": "the file is a ZIP package (Word/Excel) that is damaged or truncated (File is not a zip file); "
    "get a fresh copy",
    "crc.xlsx": "the Excel file is damaged or truncated: its part xl/worksheets/sheet1.xml cannot be read "
    "(Error -3 while decompressing data: invalid distance too far back); get a fresh copy",
    "password.xlsx": "the Office file is password-protected (encrypted); ask the sender for an unprotected copy",
    "empty.xlsx": "the workbook has no filled cells on any visible sheet; check that the right file was saved",
    "no-table.docx": "the Word file holds no table, only running text; a ranking decision prints its results as a "
    "table (check that the appendix is in this file)",
    "broken.doc": "LibreOffice could not convert this old Word (.doc) file (Error: source file could not be loaded); "
    "it may be damaged or protected — open it in Word and save it as .docx",
    "bomb.docx": "the Word file's word/document.xml would inflate past 64 MB per part or 256 MB in all "
    "(a zip bomb or an unusually large file); refused",
    "xxe.docx": "the Word file's XML part word/document.xml declares a DTD or entities, which Office never writes "
    "(an XML external-entity attack); refused",
    "xxe.xlsx": "the Excel file's XML part xl/worksheets/sheet1.xml declares a DTD or entities, which Office never "
    "writes (an XML external-entity attack); refused",
    "archive.docx": "the file is a ZIP archive that holds no Word or Excel document; "
    "unpack it and put the documents in raw/",
}


def _rewrite(source: Path, target: Path, part: str, change) -> None:
    """A copy of an OOXML package with one part's bytes changed."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, change(data) if info.filename == part else data)


def _xxe(data: bytes, url: str) -> bytes:
    """Declare an external entity before the root element and use it in the first text."""
    head, _, body = data.partition(b"?>")
    root = body.lstrip()[1:].split(b" ", 1)[0].decode()
    doctype = f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{url}">]>'.encode()
    body = body.replace(b"<w:t>", b"<w:t>&xxe;", 1).replace(b"<t>", b"<t>&xxe;", 1)
    return head + b"?>" + doctype + body


def make_bad(raw: Path, secret_url: str) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    data = DOCX.read_bytes()
    (raw / "truncated.docx").write_bytes(data[: len(data) // 2])
    with zipfile.ZipFile(XLSX) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    damaged = bytearray(XLSX.read_bytes())
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    damaged[middle : middle + 8] = bytes(8)
    (raw / "crc.xlsx").write_bytes(bytes(damaged))
    shutil.copyfile(FIXTURES / "bad" / "laocai-2017-qd512-ict2016-annex-password.xlsx", raw / "password.xlsx")
    empty = openpyxl.Workbook()
    empty.create_sheet("Sheet2")
    empty.save(raw / "empty.xlsx")
    prose = docx.Document()
    prose.add_paragraph("UBND TỈNH LÀO CAI")
    prose.add_paragraph("Thông báo kết quả chuyển đổi số năm 2023 sẽ được công bố sau.")
    prose.save(raw / "no-table.docx")
    shutil.copyfile(DOC, raw / "broken.doc")
    with olefile.OleFileIO(str(raw / "broken.doc"), write_mode=True) as ole:
        ole.write_stream("WordDocument", bytes(ole.get_size("WordDocument")))
    with zipfile.ZipFile(raw / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as bomb:
        with zipfile.ZipFile(DOCX) as z:
            for info in z.infolist():
                if info.filename != "word/document.xml":
                    bomb.writestr(info.filename, z.read(info))
        bomb.writestr("word/document.xml", b"<w:document>" + b" " * (MAX_PART_BYTES + 1024) + b"</w:document>")
    _rewrite(DOCX, raw / "xxe.docx", "word/document.xml", lambda d: _xxe(d, secret_url))
    _rewrite(XLSX, raw / "xxe.xlsx", "xl/worksheets/sheet1.xml", lambda d: _xxe(d, secret_url))
    with zipfile.ZipFile(raw / "archive.docx", "w") as archive:
        archive.writestr("notes.txt", "not a document")
    shutil.copyfile(DOCX, raw / "good.docx")


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory, secret_file):
    tmp = tmp_path_factory.mktemp("office-bad")
    make_bad(tmp / "raw", secret_file.as_uri())
    summary = run_pipeline(tmp / "raw", tmp / "curated")
    return summary, Curated(tmp / "curated")


@pytest.mark.slow
def test_each_bad_office_file_is_quarantined_with_its_reason(bad_run):
    summary, cur = bad_run
    docs = cur.table("documents").set_index("file_name")
    for name, reason in EXPECTED.items():
        assert (name, docs.at[name, "status"], docs.at[name, "error"]) == (name, "quarantined", reason)
    assert dict(summary.quarantined) == EXPECTED
    assert all("\n" not in e and len(e) < 250 for e in EXPECTED.values())


@pytest.mark.slow
def test_the_rest_of_the_batch_goes_on(bad_run):
    _, cur = bad_run
    assert cur.doc("good.docx")["status"] == "ok"
    assert score_mismatches(cur.rows("scores", "good.docx"), "laocai-2024-dti2023") == []


@pytest.mark.slow
def test_no_secret_leaks_into_any_output(bad_run):
    _, cur = bad_run
    for name in ("documents", "scores", "issues"):
        frame = cur.table(name)
        assert not frame.astype(str).apply(lambda col: col.str.contains(SECRET)).any().any()


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        _Counting.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(SECRET.encode())

    def log_message(self, *args):
        pass


@pytest.fixture()
def http_entity():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Counting.hits = []
    yield f"http://127.0.0.1:{server.server_port}/entity"
    server.shutdown()


def test_the_libraries_themselves_never_resolve_external_entities(tmp_path, secret_file, http_entity):
    """Beneath the package check: python-docx (lxml, resolve_entities off) and openpyxl (defusedxml)
    neither read a local file nor fetch a URL named by an entity."""
    for url in (secret_file.as_uri(), http_entity):
        _rewrite(DOCX, tmp_path / "x.docx", "word/document.xml", lambda d, url=url: _xxe(d, url))
        text = "\n".join(p.text for p in docx.Document(str(tmp_path / "x.docx")).paragraphs)
        assert SECRET not in text
        _rewrite(XLSX, tmp_path / "x.xlsx", "xl/worksheets/sheet1.xml", lambda d, url=url: _xxe(d, url))
        try:
            wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
            cells = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
        except Exception as exc:
            cells = str(exc)
        assert SECRET not in cells
    assert _Counting.hits == []


def test_without_libreoffice_a_doc_is_quarantined_saying_what_to_install(monkeypatch):
    monkeypatch.setattr(office_legacy, "soffice", lambda: None)
    with pytest.raises(UnreadableOfficeError) as err:
        process_file(DOC)
    assert str(err.value) == (
        "reading an old Word (.doc) file needs LibreOffice, which is not installed; "
        "install it (apt-get install libreoffice-writer-nogui) or save the file as .docx"
    )
