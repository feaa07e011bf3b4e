"""Other forms of a text PDF: unruled tables, sideways pages, TCVN3 and VNI text layers.

Every file renders a decision whose truth is in ``fixtures/truth``: every field must come out
exactly as for the ruled Unicode PDF, and the detected encoding is recorded on the document.
"""

from collections import Counter
from pathlib import Path

import pytest

from tests.truth import FIXTURES, RAW, component_mismatches, document_mismatches, score_mismatches

VARIANTS = FIXTURES / "variants"
FORMS = [
    (RAW / "laocai-2017-qd512-ict2016-unruled.pdf", "laocai-2017-qd512-ict2016", "unicode"),
    (RAW / "laocai-2017-qd512-ict2016-tcvn3.pdf", "laocai-2017-qd512-ict2016", "tcvn3"),
    (VARIANTS / "laocai-2017-qd512-ict2016-vni.pdf", "laocai-2017-qd512-ict2016", "vni"),
    (VARIANTS / "laocai-2017-qd512-ict2016-drawn-sideways.pdf", "laocai-2017-qd512-ict2016", "unicode"),
    (VARIANTS / "laocai-2024-dti2023-unruled.pdf", "laocai-2024-dti2023", "unicode"),
    (VARIANTS / "laocai-2024-dti2023-rotate90.pdf", "laocai-2024-dti2023", "unicode"),
    (VARIANTS / "laocai-2024-dti2023-rotate270.pdf", "laocai-2024-dti2023", "unicode"),
]


@pytest.fixture(scope="module")
def forms_run(tmp_path_factory):
    from tests.conftest import run_on

    return run_on(tmp_path_factory.mktemp("forms"), [path for path, _, _ in FORMS])


@pytest.mark.parametrize("path,truth_id,encoding", FORMS, ids=[p.name for p, _, _ in FORMS])
@pytest.mark.slow
def test_every_form_matches_truth(forms_run, path, truth_id, encoding):
    doc = forms_run.doc(path.name)
    assert doc["status"] == "ok", doc["error"]
    assert doc["text_source"] == "text_layer"
    assert doc["text_encoding"] == encoding
    assert document_mismatches(doc, truth_id) == []
    assert score_mismatches(forms_run.rows("scores", path.name), truth_id) == []
    if truth_id == "laocai-2017-qd512-ict2016":
        assert component_mismatches(forms_run.rows("components", path.name), truth_id) == []


def test_unicode_documents_record_unicode(text_run):
    docs = text_run.table("documents")
    assert list(docs["text_encoding"]) == ["unicode"] * len(docs)


def _grid_rows(path: Path) -> Counter:
    from pipeline.process import read_pdf_pages

    pages, _ = read_pdf_pages(path)
    return Counter(tuple(row) for page in pages for grid in page.grids for row in grid.text_matrix())


@pytest.mark.parametrize(
    "ruled,unruled",
    [
        (RAW / "laocai-2017-qd512-ict2016.pdf", RAW / "laocai-2017-qd512-ict2016-unruled.pdf"),
        (RAW / "laocai-2024-dti2023.pdf", VARIANTS / "laocai-2024-dti2023-unruled.pdf"),
    ],
)
def test_unruled_grids_have_the_spans_the_borders_give(ruled, unruled):
    """Row for row the same cells as the ruled copy: None marks a position a span covers, so the
    spanning "Điểm thành phần (điểm tối đa)", the two-row "STT" and the full-width "MỨC TỐT" agree."""
    assert _grid_rows(unruled) == _grid_rows(ruled)


def test_unruled_header_and_tier_spans():
    from pipeline.process import read_pdf_pages

    pages, _ = read_pdf_pages(RAW / "laocai-2017-qd512-ict2016-unruled.pdf")
    assert pages[0].grids == []  # the short rules under the header block are not a table
    grid = pages[1].grids[0]
    spans = {c.text.replace("\n", " "): (c.row, c.col, c.rowspan, c.colspan) for c in grid.cells if c.text}
    assert spans["Điểm thành phần (điểm tối đa)"] == (0, 2, 1, 6)
    assert spans["STT"] == (0, 0, 2, 1)
    assert spans["Tổng điểm đạt được (100)"] == (0, 8, 2, 1)
    assert spans["Hạ tầng kỹ thuật CNTT (12)"] == (1, 2, 1, 1)
    assert spans["MỨC TỐT"] == (2, 0, 1, 9)


def test_sideways_pages_are_read_upright():
    from pipeline.process import read_pdf_pages

    pages, _ = read_pdf_pages(VARIANTS / "laocai-2024-dti2023-rotate90.pdf")
    # displayed landscape with the text sideways; read as the portrait page the text stands on
    assert [(p.width < p.height) for p in pages] == [True] * 5
    first_row = ["1", "Sở Lao động - Thương binh và Xã hội", "731,61", "73,16%", "Nâng cao"]
    assert pages[2].grids[0].text_matrix()[1] == first_row


def test_turn_from_character_direction():
    from extractors.page_frame import char_turn, page_frame

    up = {"text": "a", "matrix": (0, 1, -1, 0, 0, 0)}  # baseline up the screen
    down = {"text": "a", "matrix": (0, -1, 1, 0, 0, 0)}
    assert (char_turn(up["matrix"]), char_turn(down["matrix"]), char_turn((1, 0, 0, 1, 0, 0))) == (270, 90, 0)
    assert page_frame([up] * 9 + [down], 842, 595).turn == 90
    assert page_frame([down] * 9, 842, 595).turn == 270
    assert page_frame([up] * 5 + [down] * 5, 842, 595).turn == 0  # no direction dominates


# ------------------------------------------------------------------ encodings on plain strings


def test_tcvn3_strings_decode():
    from extractors.encodings import decode

    # examples given in the fixture notes: ư is U+00AD, capitals with a tone mark use lower-case codes
    assert decode("QuyÕt ®Þnh", "tcvn3") == "Quyết định"
    assert decode("n¨m 2006", "tcvn3") == "năm 2006"
    assert decode("Th\u00ad¬ng", "tcvn3") == "Thương"
    assert decode("MøC TèT", "tcvn3") == "MỨC TỐT"
    assert decode("QUYÕT §ÞNH", "tcvn3") == "QUYẾT ĐỊNH"
    assert decode("ñY BAN NH¢N D¢N\nSë Tµi chÝnh", "tcvn3") == "ỦY BAN NHÂN DÂN\nSở Tài chính"
    assert decode("¡ ¢ £ ¤ ¥ ¦ §", "tcvn3") == "Ă Â Ê Ô Ơ Ư Đ"
    # a cell or sentence opening with a capital TCVN3 cannot write; a wrapped line keeps its case
    assert decode("ñy ban MTTQ tØnh", "tcvn3", starts_sentence=True) == "Ủy ban MTTQ tỉnh"
    assert decode("Ban chØ ®¹o\nøng dông. ñy ban", "tcvn3", starts_sentence=True) == "Ban chỉ đạo\nứng dụng. Ủy ban"


def test_vni_strings_decode():
    from extractors.encodings import decode

    assert decode("Quyeát ñònh soá 512/QÑ-UBND", "vni") == "Quyết định số 512/QĐ-UBND"
    assert decode("COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM", "vni") == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert decode("Sôû Taøi nguyeân vaø Moâi tröôøng", "vni") == "Sở Tài nguyên và Môi trường"


def test_tables_round_trip_every_letter():
    """Each table maps back onto itself: encoding a letter with it and decoding gives the letter."""
    import unicodedata

    from extractors.encodings import decode, load_encodings

    for code, enc in load_encodings().items():
        assert len(enc.letters) == (134 if code == "vni" else 74)
        for key, letter in enc.letters.items():
            assert decode(key, code) == letter
            assert unicodedata.is_normalized("NFC", letter)


def test_detection_by_font_name_and_by_characters():
    from extractors.encodings import detect_encoding, font_encoding

    assert font_encoding("ABCDEF+.VnTime") == "tcvn3" and font_encoding(".VnTimeH,Bold") == "tcvn3"
    assert font_encoding("VNI-Times-Bold") == "vni"
    assert font_encoding("CAAAAA+LiberationSerif") is None and font_encoding("Verdana") is None
    assert detect_encoding(["1 2 3"], [".VnArial"]) == "tcvn3"
    tcvn3 = "C¨n cø LuËt chÝnh quyÒn ®Þa ph\u00ad¬ng ngµy 19/6/2005; XÐt ®Ò nghÞ cña Gi¸m ®èc Së Th«ng tin"
    vni = "Caên cöù Luaät chính quyeàn ñòa phöông ngaøy 19/6/2005; Xeùt ñeà nghò cuûa Giaùm ñoác Sôû Thoâng tin"
    assert detect_encoding([tcvn3]) == "tcvn3"
    assert detect_encoding([vni]) == "vni"


def test_detection_never_fires_on_unicode_or_foreign_text():
    from extractors.encodings import detect_encoding
    from pipeline.process import read_pdf_pages
    from tests.truth import truth_csv

    names = " ".join(truth_csv("laocai-2017-qd512-ict2016", "scores")["unit_name"])
    assert detect_encoding([names]) == "unicode"
    pages, _ = read_pdf_pages(RAW / "laocai-2025-w05-weekly.pdf")
    assert detect_encoding([ln.text for p in pages for ln in p.lines]) == "unicode"
    french = (
        "Le président a déclaré mercredi que le gouvernement où siègent les ministres présentera « un "
        "projet » à l'Assemblée. La naïveté n'a pas sa place : le goût du café, la crème brûlée et "
        "l'ambiguïté des élections régionales ont été évoqués; Noël approche, les musées où l'on "
        "découvre des œuvres célèbres sont ouverts."
    )
    german = "Die Straße führt über die Brücke zum Schloß; Mädchen und Jungen spielen Fußball am Öresund."
    english = "Scores ® and © are registered · page 3 · « quoted » 5 µm, ¼ inch, 45° ±2 — £100 or ¥200 §4."
    for text in (french, german, english):
        assert detect_encoding([text] * 4) == "unicode", text
