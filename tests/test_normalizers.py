"""Numbers, text keys, tiers: the conventions of Vietnamese documents."""

import pytest

from normalizers.frameworks import load_knowledge
from normalizers.numbers import Convention, NumberFormatError, detect_convention, parse_number, parse_ratio
from normalizers.text import clean_printed, text_key


@pytest.mark.parametrize(
    "text,convention,expected",
    [
        ("731,61", Convention.DECIMAL_COMMA, 731.61),
        ("1.000", Convention.DECIMAL_COMMA, 1000.0),
        ("1.277", Convention.DECIMAL_COMMA, 1277.0),
        ("73,16%", Convention.DECIMAL_COMMA, 73.16),
        ("91.5", Convention.DECIMAL_POINT, 91.5),
        ("1000.0", Convention.DECIMAL_POINT, 1000.0),
        ("1.277", Convention.MIXED, 1277.0),
        ("95.56%", Convention.MIXED, 95.56),
        ("79,6%", Convention.MIXED, 79.6),
        ("52697", Convention.MIXED, 52697.0),
        ("-", Convention.DECIMAL_COMMA, None),
        ("", Convention.DECIMAL_POINT, None),
    ],
)
def test_parse_number(text, convention, expected):
    assert parse_number(text, convention) == expected


def test_garbage_is_an_error_not_a_guess():
    with pytest.raises(NumberFormatError):
        parse_number("7l2,5", Convention.DECIMAL_COMMA)
    with pytest.raises(NumberFormatError):
        parse_number("91.5", Convention.DECIMAL_COMMA)


def test_ratio():
    assert parse_ratio("38.000/50.000", Convention.MIXED) == (38000.0, 50000.0)
    assert parse_ratio("66/58", Convention.MIXED) == (66.0, 58.0)


def test_convention_is_decided_from_the_whole_document():
    assert detect_convention(["731,61", "1.000", "73,16%"]) is Convention.DECIMAL_COMMA
    assert detect_convention(["12", "10.5", "91.5", "100"]) is Convention.DECIMAL_POINT
    assert detect_convention(["1.277", "79,6%", "95.56%"]) is Convention.MIXED


@pytest.mark.parametrize(
    "a,b",
    [("Tỉnh uỷ", "Tỉnh ủy"), ("Văn hoá", "Văn hóa"), ("Sở Văn hoá, Thể thao", "SỞ VĂN HÓA THỂ THAO"), ("Thuỷ lợi", "Thủy lợi"),
     ("Sở Lao động – Thương binh", "Sở Lao động - Thương binh")],
)
def test_text_key_folds_spelling_variants(a, b):
    assert text_key(a) == text_key(b)


def test_text_key_keeps_different_words_apart():
    assert text_key("Sở Nội vụ") != text_key("Sở Ngoại vụ")
    assert text_key("Huyện Bảo Yên") != text_key("Huyện Bảo Thắng")


def test_clean_printed_is_nfc_and_collapsed():
    decomposed = "KE\u0302\u0301T QUA\u0309\n  XE\u0302\u0301P"
    assert clean_printed(decomposed) == "KẾT QUẢ XẾP"


def test_tier_labels_map_to_contract_codes():
    k = load_knowledge()
    dti, ict = k.frameworks["dti"], k.frameworks["ict_index"]
    assert dti.tier_for_label("Nâng cao").code == "nang_cao"
    assert dti.tier_for_label("Dẫn dắt").code == "dan_dat"
    assert dti.tier_for_label("Hoàn thành").code == "hinh_thanh"  # published misprint
    assert ict.tier_for_label("MỨC TỐT").code == "tot"
    assert ict.tier_for_label("MỨC KHÁ").code == "kha"
    assert dti.tier_for_pct(75.0).code == "nang_cao"
    assert dti.tier_for_pct(75.01).code == "dan_dat"
    assert dti.tier_for_pct(25.0).code == "khoi_dong"


def test_group_codes_from_headings():
    k = load_knowledge()
    assert k.group_code("2.2. Nhóm các cơ quan, đơn vị không có thủ tục hành chính") == "khong_tthc"
    assert k.group_code("2.1. Nhóm các cơ quan, đơn vị có thủ tục hành chính") == "tthc"
    assert k.group_code("II. UBND các huyện, thành phố:") == "huyen"
    assert k.group_code("CHỈ SỐ CHUYỂN ĐỔI SỐ CỦA CÁC SỞ, BAN, NGÀNH NĂM 2022") == "so_ban_nganh"
