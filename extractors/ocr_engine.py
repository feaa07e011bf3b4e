"""Tesseract in process: one engine per language, kept alive for the life of the worker.

Starting the ``tesseract`` program costs ~0.15 s of model loading per call, and a scanned
page takes a dozen calls (cell mosaics, re-reads from the grey page, free text). Through
its C API (tesserocr) the model loads once per process and every later call costs only
the recognition itself. pytesseract, which starts the program per call, remains the
fallback where the binding is not installed; :func:`engine_name` says which one ran so the
run summary can report it.

Both paths return the same thing: tesseract's TSV rendering as a dict of columns (the
shape ``pytesseract.image_to_data(..., output_type=DICT)`` returns), so callers do not
care which engine read the image.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import numpy as np

# Tesseract's OpenMP threads fight each other on a small box; parallelism comes from pages
# in separate processes instead. Set before the library is loaded.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

_TSV_INT_COLUMNS = (
    "level",
    "page_num",
    "block_num",
    "par_num",
    "line_num",
    "word_num",
    "left",
    "top",
    "width",
    "height",
)


class OcrEngineError(RuntimeError):
    """Tesseract is missing or cannot read with the requested language."""


@functools.cache
def _tessdata_dirs() -> tuple[str, ...]:
    """Where Debian's (and upstream's default) traineddata live; TESSDATA_PREFIX wins."""
    candidates = [os.environ.get("TESSDATA_PREFIX", "")]
    candidates += sorted(str(p) for p in Path("/usr/share/tesseract-ocr").glob("*/tessdata"))
    candidates += ["/usr/share/tessdata", "/usr/local/share/tessdata"]
    return tuple(c for c in candidates if c and Path(c).is_dir())


@functools.cache
def _binding() -> tuple[object, str] | None:
    """The tesserocr module and the tessdata folder it reads, or None (then pytesseract)."""
    try:
        import tesserocr
    except ImportError:
        return None
    for folder in _tessdata_dirs():
        path = folder.rstrip("/") + "/"
        _, langs = tesserocr.get_languages(path)
        if langs:
            return tesserocr, path
    return None


def engine_name() -> str:
    """``tesserocr`` (in process) or ``pytesseract`` (a tesseract process per call)."""
    return "tesserocr" if _binding() is not None else "pytesseract"


@functools.cache
def languages() -> frozenset[str]:
    """The installed traineddata names (``vie``, ``eng``, ``osd`` ...)."""
    binding = _binding()
    if binding is not None:
        tesserocr, path = binding
        return frozenset(tesserocr.get_languages(path)[1])  # type: ignore[attr-defined]
    import pytesseract

    try:
        return frozenset(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError):
        return frozenset()


def _parse_config(config: str) -> tuple[int, dict[str, str]]:
    """``--psm 6 -c name=value`` as the page segmentation mode and the variables."""
    psm, variables = 3, {}
    words = shlex.split(config)
    for i, word in enumerate(words):
        if word == "--psm" and i + 1 < len(words):
            psm = int(words[i + 1])
        elif word == "-c" and i + 1 < len(words) and "=" in words[i + 1]:
            name, value = words[i + 1].split("=", 1)
            variables[name] = value
    return psm, variables


class _Engines(threading.local):
    """One initialised API per language, per thread (the API is not thread-safe)."""

    def __init__(self) -> None:
        self.apis: dict[str, object] = {}


_ENGINES = _Engines()


def _api(lang: str) -> object:
    api = _ENGINES.apis.get(lang)
    if api is None:
        binding = _binding()
        assert binding is not None
        tesserocr, path = binding
        try:
            api = tesserocr.PyTessBaseAPI(path=path, lang=lang)  # type: ignore[attr-defined]
        except RuntimeError as exc:
            raise OcrEngineError(f"tesseract cannot load language {lang!r} from {path} ({exc})") from exc
        _ENGINES.apis[lang] = api
    return api


def preload(langs: Sequence[str]) -> None:
    """Load the engines for `langs` now, in this process, so processes forked from it inherit them.

    Loading one costs ~0.3 s of CPU (almost all of it tesseract building its table of
    ambiguous characters), once per process and language; pages read in forked processes then
    pay it once per document instead of once per page process.
    """
    if _binding() is None:
        return
    for lang in langs:
        if lang in languages():
            _api(lang)


@contextmanager
def _configured(api: object, psm: int, variables: dict[str, str]) -> Iterator[None]:
    """Variables set for one call and reset after, so the next call starts as the CLI would."""
    previous = {name: api.GetVariableAsString(name) for name in variables}  # type: ignore[attr-defined]
    api.SetPageSegMode(psm)  # type: ignore[attr-defined]
    for name, value in variables.items():
        api.SetVariable(name, value)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for name, value in previous.items():
            api.SetVariable(name, value or "")  # type: ignore[attr-defined]
        api.Clear()  # type: ignore[attr-defined]


def _tsv_to_dict(tsv: str) -> dict[str, list]:
    data: dict[str, list] = {name: [] for name in (*_TSV_INT_COLUMNS, "conf", "text")}
    for line in tsv.splitlines():
        parts = line.split("\t")
        if len(parts) < 12:
            parts += [""] * (12 - len(parts))
        for name, value in zip(_TSV_INT_COLUMNS, parts[:10]):
            data[name].append(int(value))
        data["conf"].append(float(parts[10]))
        data["text"].append(parts[11])
    return data


class TsvWord(NamedTuple):
    """One row of tesseract's TSV: a word (or an empty layout row) with its box and line numbers."""

    text: str  # stripped
    conf: float  # 0..100, -1 for rows that are not words
    left: int
    top: int
    width: int
    height: int
    block: int
    par: int
    line: int


def tsv_words(data: dict[str, list]) -> Iterator[TsvWord]:
    """The columns :func:`image_to_data` returns, row by row: the one reader of tesseract's TSV."""
    for text, conf, left, top, w, h, block, par, line in zip(
        data["text"],
        data["conf"],
        data["left"],
        data["top"],
        data["width"],
        data["height"],
        data["block_num"],
        data["par_num"],
        data["line_num"],
    ):
        yield TsvWord(
            str(text).strip(), float(conf), int(left), int(top), int(w), int(h), int(block), int(par), int(line)
        )


def image_to_data(image: np.ndarray, lang: str, config: str = "") -> dict[str, list]:
    """Words with their boxes, confidences (0..100, -1 for non-words) and line numbers."""
    binding = _binding()
    if binding is None:
        import pytesseract

        return pytesseract.image_to_data(image, lang=lang, config=config, output_type=pytesseract.Output.DICT)
    from PIL import Image

    api = _api(lang)
    psm, variables = _parse_config(config)
    with _configured(api, psm, variables):
        api.SetImage(Image.fromarray(image))  # type: ignore[attr-defined]
        api.Recognize()  # type: ignore[attr-defined]
        tsv = api.GetTSVText(0) or ""  # type: ignore[attr-defined]
    return _tsv_to_dict(tsv)


_ROTATE = re.compile(r"Rotate: (\d+)")


def orientation_rotation(image: np.ndarray) -> int | None:
    """Tesseract's orientation detection: degrees to rotate the image upright, or None."""
    binding = _binding()
    if binding is None:
        import pytesseract

        try:
            osd = pytesseract.image_to_osd(image, config="--psm 0")
        except pytesseract.TesseractError:
            return None
        found = _ROTATE.search(osd)
        return int(found.group(1)) if found else None
    from PIL import Image

    api = _api("osd")
    with _configured(api, 0, {}):
        api.SetImage(Image.fromarray(image))  # type: ignore[attr-defined]
        try:
            result = api.DetectOrientationScript()  # type: ignore[attr-defined]
        except RuntimeError:
            return None
    if not result:
        return None
    # tesserocr gives the orientation of the text in degrees; the CLI's "Rotate" undoes it
    return (360 - int(result["orient_deg"])) % 360
