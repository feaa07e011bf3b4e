"""The in-process engine (tesserocr) and the fallback (pytesseract) read the same words.

Both drive the same tesseract library with the same traineddata, so on the same image they
must agree word for word; the fallback is what runs where the binding is not installed.
"""

import numpy as np
import pytest

import extractors.ocr_engine as engine
from extractors.scanned import prepare, render_page
from tests.truth import RAW


@pytest.fixture(scope="module")
def header_strip() -> np.ndarray:
    page = prepare(render_page(RAW / "laocai-2017-qd512-ict2016-scan.pdf", 0))
    h = page.shape[0]
    return np.ascontiguousarray(page[: h // 6])


def _words(data: dict) -> list[str]:
    return [t for t, c in zip(data["text"], data["conf"]) if t.strip() and float(c) >= 0]


def test_binding_is_in_use_here():
    assert engine.engine_name() == "tesserocr"
    assert {"vie", "eng"} <= engine.languages()


@pytest.mark.ocr
def test_binding_and_fallback_read_the_same_words(header_strip, monkeypatch):
    ours = _words(engine.image_to_data(header_strip, "vie", "--psm 6"))
    monkeypatch.setattr(engine, "_binding", lambda: None)
    assert engine.engine_name() == "pytesseract"
    theirs = _words(engine.image_to_data(header_strip, "vie", "--psm 6"))
    assert ours == theirs
    assert "NHÂN" in ours and "VIỆT" in ours  # "ỦY BAN NHÂN DÂN ... CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


@pytest.mark.ocr
def test_a_whitelist_set_for_one_call_does_not_leak_into_the_next(header_strip):
    digits = _words(engine.image_to_data(header_strip, "vie", "--psm 6 -c tessedit_char_whitelist=0123456789"))
    assert all(ch.isdigit() for word in digits for ch in word)
    again = _words(engine.image_to_data(header_strip, "vie", "--psm 6"))
    assert any(ch.isalpha() for word in again for ch in word)


def _engine_loaded_here(lang: str, answer) -> None:
    answer.send(lang in engine._ENGINES.apis)


def test_engines_preloaded_before_a_fork_are_the_page_processes_own():
    """Page processes fork from the document's: an engine it preloaded is there without loading again."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")

    def loaded_in_a_fork() -> bool:
        mine, theirs = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_engine_loaded_here, args=("eng", theirs))
        child.start()
        child.join()
        return mine.recv()

    engine._ENGINES.apis.pop("eng", None)
    assert not loaded_in_a_fork()
    engine.preload(["eng", "no-such-model"])  # a language not installed is left to fail where it is used
    assert loaded_in_a_fork()
    assert "no-such-model" not in engine._ENGINES.apis
