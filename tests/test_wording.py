"""The domain words in normalizers/data/ drive the code: the shipped files load, an edited copy
(read into a knowledge bundle, as ``--knowledge-dir`` does) changes the answer, and a broken file
fails the bundle with one line naming the file and the key."""

import copy
import unicodedata
from importlib import resources
from pathlib import Path

import pytest
import yaml

from extractors.encodings import text_scores, vni_french_pairs
from extractors.grid import Cell, Grid
from extractors.layouts import table_header_words
from extractors.metadata import (
    decision_wording,
    find_province,
    read_metadata,
    stated_maxima,
    stated_tier_rules,
    years_in,
)
from extractors.rank_index import SplitHeaders, split_rank_index
from normalizers.admin_units import admin_unit_words
from normalizers.frameworks import load_knowledge
from normalizers.knowledge import KnowledgeBundle, KnowledgeError, knowledge_as_default, load_knowledge_bundle
from normalizers.national_units import province_key
from normalizers.numbers import Convention, NumberFormatError, is_missing, missing_marks, parse_number
from normalizers.text import phrases_pattern


def _shipped(name: str) -> dict:
    return yaml.safe_load(resources.files("normalizers").joinpath(f"data/{name}").read_text(encoding="utf-8"))


def _edited(name: str, path: str, value) -> dict:
    """A copy of a shipped file with one key set (`value` None: the key removed)."""
    data = copy.deepcopy(_shipped(name))
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return data


def _bundle(folder: Path, name: str, path: str, value) -> KnowledgeBundle:
    """The knowledge bundle read from ``folder`` holding an edited copy of one shipped file."""
    text = yaml.safe_dump(_edited(name, path, value), allow_unicode=True, sort_keys=False)
    (folder / name).write_text(text, encoding="utf-8")
    return load_knowledge_bundle(folder)


def _problems(folder: Path, name: str, path: str, value) -> list[str]:
    with pytest.raises(KnowledgeError) as err:
        _bundle(folder, name, path, value)
    return err.value.problems


# -- decision_wording.yaml -------------------------------------------------------------------

_HEAD = [
    "ỦY BAN NHÂN DÂN",
    "TỈNH YÊN BÁI",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Số: 123/QĐ-UBND",
    "Yên Bái, ngày 16 tháng 02 năm 2017",
    "QUYẾT ĐỊNH",
    "Về việc công bố kết quả xếp hạng mức độ ứng dụng CNTT năm 2016",
    "CHỦ TỊCH UBND TỈNH YÊN BÁI",
]


def test_shipped_decision_wording_reads_a_decision_head():
    meta = read_metadata(_HEAD, _HEAD, load_knowledge())
    assert (meta.province, meta.issuer, meta.decision_number) == ("Yên Bái", "UBND tỉnh Yên Bái", "123/QĐ-UBND")
    assert (meta.decision_date, meta.assessment_year) == ("2017-02-16", 2016)
    assert meta.title == "Về việc công bố kết quả xếp hạng mức độ ứng dụng CNTT năm 2016"
    number = decision_wording().number
    assert number.search("S6: 45/QĐ–UBND").groups() == ("45", "QĐ–UBND")  # OCR's "6" for "ố"
    assert decision_wording().blank_number.search("Số:     /QĐ-UBND")


def test_decision_wording_edits_change_what_is_read(tmp_path):
    lines = [*_HEAD[:4], "Yên Bái, hôm 16 tháng 02 năm 2017", *_HEAD[5:]]
    assert read_metadata(lines, lines, load_knowledge()).decision_date is None
    wording = decision_wording(_bundle(tmp_path, "decision_wording.yaml", "date_words.day", "hôm"))
    assert read_metadata(lines, lines, load_knowledge(), wording).decision_date == "2017-02-16"

    edited = _bundle(tmp_path, "decision_wording.yaml", "issuer", "Ủy ban nhân dân tỉnh {province}")
    issuer = decision_wording(edited)
    assert read_metadata(_HEAD, _HEAD, load_knowledge(), issuer).issuer == "Ủy ban nhân dân tỉnh Yên Bái"

    rule = "Mức tốt: vượt quá 75%; Mức khá: lớn hơn 50% và không quá 75%."
    assert [(r.label, r.pct_gt, r.pct_le) for r in stated_tier_rules(rule)] == [("khá", 50.0, 75.0)]
    above = decision_wording(_bundle(tmp_path, "decision_wording.yaml", "tier_rules.above", ["vượt quá", "lớn hơn"]))
    assert [(r.label, r.pct_gt) for r in stated_tier_rules(rule, above)] == [("tốt", 75.0), ("khá", 50.0)]


def test_decision_wording_words_compare_as_keys_and_typed_nfd(tmp_path):
    # an officer's editor may save decomposed letters or the old tone placement ("hoá")
    decomposed = unicodedata.normalize("NFD", "thành phố")
    wording = decision_wording(_bundle(tmp_path, "decision_wording.yaml", "province_words", [decomposed]))
    assert find_province("THÀNH PHỐ HÀ NỘI", wording=wording) == "Hà Nội"
    assert find_province("TỈNH YÊN BÁI", wording=wording) is None
    assert years_in("ngày 1 tháng 2 năm 2020, năm 2021") == [2020, 2021]

    groups = [{"code": "khong_tthc", "words": ["chuyên môn hoá"]}]
    wording = decision_wording(_bundle(tmp_path, "decision_wording.yaml", "procedure_groups", groups))
    text = "Thang điểm tối đa cho nhóm chuyên môn hóa: 800 điểm"
    assert stated_maxima(text, load_knowledge(), wording) == {"khong_tthc": "800"}
    assert stated_maxima(text, load_knowledge()) != {"khong_tthc": "800"}


@pytest.mark.parametrize(
    "path,value,message",
    [
        ("title.heading", None, "decision_wording.yaml: title.heading: required field missing"),
        ("number", r"\bSố\s*(\d+)", "decision_wording.yaml: number: expected 2 bracketed groups, got 1"),
        (
            "issuer_header",
            "(ỦY",
            "decision_wording.yaml: issuer_header: not a valid regular expression"
            " (missing ), unterminated subpattern at position 0)",
        ),
        ("issuer", "UBND tỉnh", "decision_wording.yaml: issuer: expected the place holder {province} in 'UBND tỉnh'"),
        ("tier_rules.above", "lớn hơn", "decision_wording.yaml: tier_rules.above: expected a list, not 'lớn hơn'"),
        ("tier_rules.up_to", ["đến", " "], "decision_wording.yaml: tier_rules.up_to.1: must not be blank"),
        ("procedure_groups.0.code", None, "decision_wording.yaml: procedure_groups.0.code: required field missing"),
    ],
)
def test_broken_decision_wording_names_the_key(tmp_path, path, value, message):
    assert _problems(tmp_path, "decision_wording.yaml", path, value) == [message]


# -- admin_unit_words.yaml -------------------------------------------------------------------


def test_shipped_admin_unit_words():
    words = admin_unit_words()
    assert province_key("TP. Đà Nẵng") == province_key("Tỉnh Đà Nẵng") == "đà nẵng"
    assert words.is_district_name("TP.Vinh") and words.is_district_name("Thị xã Nghĩa Lộ")
    assert not words.is_district_name("Sở Thông tin và Truyền thông")
    assert words.district_kinds["Huyện"].party_committee == "Huyện ủy"


def test_admin_unit_words_edits_change_the_answer(tmp_path):
    words = admin_unit_words(_bundle(tmp_path, "admin_unit_words.yaml", "province_prefixes", ["tỉnh", "thủ đô"]))
    assert words.without_province_prefix("thủ đô hà nội") == "hà nội"
    assert admin_unit_words().without_province_prefix("thủ đô hà nội") == "thủ đô hà nội"
    words = admin_unit_words(_bundle(tmp_path, "admin_unit_words.yaml", "district_name_prefixes", ["quận"]))
    assert words.is_district_name("Quận Ba Đình") and not words.is_district_name("Huyện Lục Yên")


@pytest.mark.parametrize(
    "path,value,message",
    [
        ("province_prefixes", None, "admin_unit_words.yaml: province_prefixes: required field missing"),
        (
            "district_kinds.Huyện.id_prefix",
            "Huyện",
            "admin_unit_words.yaml: district_kinds.Huyện.id_prefix:"
            " an id prefix is lower-case ASCII letters, digits and _, not 'Huyện'",
        ),
        (
            "district_kinds.Quận.party_committee",
            None,
            "admin_unit_words.yaml: district_kinds.Quận.party_committee: required field missing",
        ),
        ("nation_names", "Việt Nam", "admin_unit_words.yaml: nation_names: expected a list, not 'Việt Nam'"),
    ],
)
def test_broken_admin_unit_words_name_the_key(tmp_path, path, value, message):
    assert _problems(tmp_path, "admin_unit_words.yaml", path, value) == [message]


# -- missing_marks.yaml ------------------------------------------------------------------------


def test_missing_marks_drive_parse_number(tmp_path):
    assert is_missing("KĐG") and is_missing(" - ") and is_missing("")
    assert parse_number("Không đánh giá", Convention.DECIMAL_COMMA) is None
    assert not is_missing("vắng")
    marks = missing_marks(_bundle(tmp_path, "missing_marks.yaml", "marks", ["-", "Vắng"]))
    assert is_missing("vắng", marks) and not is_missing("kđg", marks) and is_missing("", marks)


def test_a_runs_bundle_drives_the_wording_read_without_one_passed(tmp_path):
    # `dti run --knowledge-dir` makes its bundle the default while it runs: parse_number deep in
    # assembly then reads the edited marks although nothing hands it the bundle
    edited = _bundle(tmp_path, "missing_marks.yaml", "marks", ["-", "Vắng"])
    with pytest.raises(NumberFormatError):
        parse_number("Vắng", Convention.DECIMAL_COMMA)
    with knowledge_as_default(edited):
        assert is_missing("vắng") and not is_missing("kđg")
        assert parse_number("Vắng", Convention.DECIMAL_COMMA) is None
    assert is_missing("kđg") and not is_missing("vắng")


def test_broken_missing_marks_name_the_entry(tmp_path):
    # unquoted `no` is read by YAML as false, not as the word
    (tmp_path / "missing_marks.yaml").write_text("marks: ['-', no]\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge_bundle(tmp_path)
    assert err.value.problems == ["missing_marks.yaml: marks.1: expected text, not False"]


# -- table_headers.yaml ------------------------------------------------------------------------


def _rank_index_grid() -> Grid:
    texts = [["Tỉnh", "ICT Index"], ["Hà Nội", "01 (0,727)"], ["Đà Nẵng", "02 (0,700)"]]
    cells = [Cell(r, c, 1, 1, c, r, c + 1, r + 1, t) for r, row in enumerate(texts) for c, t in enumerate(row)]
    return Grid(1, 3, 2, cells, (0, 0, 2, 3), [0, 1, 2], [0, 1, 2, 3])


def test_split_headers_are_what_the_split_columns_are_called():
    knowledge = load_knowledge()
    shipped = table_header_words().split
    # the shipped headers must be read back as the roles they stand for (frameworks.yaml columns)
    assert knowledge.column_role(shipped.rank, role="rank") and knowledge.column_role(shipped.index, role="total")
    grid = split_rank_index(_rank_index_grid(), knowledge, shipped)
    assert [grid.anchored(0, c).text for c in range(3)] == ["Tỉnh", "Xếp hạng", "Chỉ số tổng hợp"]
    assert [grid.anchored(1, c).text for c in range(3)] == ["Hà Nội", "01", "0,727"]
    renamed = split_rank_index(_rank_index_grid(), knowledge, SplitHeaders("Thứ hạng", "Tổng điểm"))
    assert [renamed.anchored(0, c).text for c in (1, 2)] == ["Thứ hạng", "Tổng điểm"]


def test_maximum_in_header_words(tmp_path):
    shipped = table_header_words().maximum_in_header
    assert shipped.search("Hạ tầng (tối đa 10 điểm)").group(1) == "10"
    assert shipped.search("Nhân lực CNTT (7)").group(1) == "7"
    assert shipped.search("Hạ tầng (max 10 pts)") is None
    edited = _edited("table_headers.yaml", "maximum_in_header.before", ["tối đa", "max"])
    edited["maximum_in_header"]["after"] = ["điểm", "pts"]
    text = yaml.safe_dump(edited, allow_unicode=True, sort_keys=False)
    (tmp_path / "table_headers.yaml").write_text(text, encoding="utf-8")
    maximum = table_header_words(load_knowledge_bundle(tmp_path)).maximum_in_header
    assert maximum.search("Hạ tầng (max 10 pts)").group(1) == "10"


def test_broken_table_headers_name_the_key(tmp_path):
    assert _problems(tmp_path, "table_headers.yaml", "split_rank_index.index", None) == [
        "table_headers.yaml: split_rank_index.index: required field missing"
    ]
    assert _problems(tmp_path, "table_headers.yaml", "maximum_in_header.after", []) == [
        "table_headers.yaml: maximum_in_header.after: must not be empty"
    ]


# -- vni_french_pairs.yaml ---------------------------------------------------------------------


def test_french_pairs_are_not_vni_evidence():
    french = ["Où est la gare où nous allons, et où est le café ?"] * 3
    assert "où" in vni_french_pairs()
    assert text_scores(french)["vni"] == 0.0
    assert text_scores(french, french_pairs=frozenset())["vni"] > 0.0


def test_broken_french_pairs_name_the_entry(tmp_path):
    assert _problems(tmp_path, "vni_french_pairs.yaml", "pairs", ["où", "o"]) == [
        "vni_french_pairs.yaml: pairs.1: expected two characters, not 'o'"
    ]
    # typed decomposed ("o" + combining grave) it is still the two letters of "où"
    edited = _bundle(tmp_path, "vni_french_pairs.yaml", "pairs", [unicodedata.normalize("NFD", "où")])
    assert vni_french_pairs(edited) == frozenset({"où"})


def test_phrases_pattern_keeps_the_order_typed():
    assert phrases_pattern(["nhỏ hơn hoặc bằng", "đến"]) == r"(?:nhỏ\s+hơn\s+hoặc\s+bằng|đến)"
