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
    [
        ("Tỉnh uỷ", "Tỉnh ủy"),
        ("Văn hoá", "Văn hóa"),
        ("Sở Văn hoá, Thể thao", "SỞ VĂN HÓA THỂ THAO"),
        ("Thuỷ lợi", "Thủy lợi"),
        ("Sở Lao động – Thương binh", "Sở Lao động - Thương binh"),
    ],
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


def test_percent_rule_is_decided_from_all_rows():
    from normalizers.numbers import expected_percent, percent_rule

    # the 2024 Lào Cai decision: 686,07/1000 is printed 68,60% (truncated), 731,61 -> 73,16%
    pairs = [(68.607, 68.60), (73.161, 73.16), (71.77, 71.77)]
    assert percent_rule(pairs, 2) == "truncated"
    assert percent_rule([(68.607, 68.61), (73.161, 73.16)], 2) == "rounded"
    assert expected_percent(68.607, 2, "truncated") == 68.60
    assert expected_percent(68.607, 2, "rounded") == 68.61


def test_a_half_rounds_up_as_a_document_prints_it():
    """801,25/1000 is printed 80,13% and 601,05/1000 60,11%: the float 80.12499999999999 is not a reason to doubt them."""
    from normalizers.numbers import expected_percent, percent_rule

    computed = [801.25 / 1000 * 100, 601.05 / 1000 * 100, 856.40 / 1000 * 100]
    assert round(computed[0], 2) == 80.12  # Python's binary rounding, which no document uses
    assert [expected_percent(c, 2, "rounded") for c in computed] == [80.13, 60.11, 85.64]
    assert percent_rule(zip(computed, [80.13, 60.11, 85.64]), 2) == "rounded"
    assert expected_percent(801.25 / 1000 * 100, 2, "truncated") == 80.12


def test_decimals_and_ranks():
    from normalizers.numbers import decimals, parse_rank

    assert decimals([100.0, 12.0]) == 0 and decimals([10.5, 91.5, 80.0]) == 1 and decimals([731.61]) == 2
    assert (parse_rank("3"), parse_rank("12."), parse_rank("l2"), parse_rank(None)) == (3, 12, None, None)
