"""Layout recognition on synthetic grids: the structures other renderings may use."""

from extractors.grid import Segment, Word, build_grids
from extractors.layouts import extract_tables
from extractors.page import PageContent, TextLine
from normalizers.frameworks import load_knowledge

W = 60.0  # column width
H = 20.0  # row height


def ruled_page(rows: list[list[str | None]], heading: str | None = None, number: int = 1) -> PageContent:
    """A page with one fully ruled table; None in a row continues the cell to its left (a span)."""
    n_cols = len(rows[0])
    top = 100.0
    segs = [Segment(False, 0, top, top + H * len(rows)), Segment(False, n_cols * W, top, top + H * len(rows))]
    words = []
    for r, row in enumerate(rows):
        y = top + r * H
        segs.append(Segment(True, y, 0, n_cols * W))
        for c, text in enumerate(row):
            if c > 0 and text is not None:
                segs.append(Segment(False, c * W, y, y + H))
            if text:
                words.append(Word(text, c * W + 2, y + 5, c * W + 2 + 5 * len(text), y + 15))
    segs.append(Segment(True, top + H * len(rows), 0, n_cols * W))
    lines = [TextLine(heading, 0, 60, 300, 75)] if heading else []
    return PageContent(number, 800, 600, "text_layer", lines, build_grids(segs, words, number))


def test_group_headings_printed_as_rows_inside_one_table():
    page = ruled_page(
        [
            ["TT", "Tên cơ quan", "Tổng điểm", "Tỷ lệ", "Mức độ"],
            ["2.1. Nhóm các cơ quan, đơn vị có thủ tục hành chính", None, None, None, None],
            ["1", "Sở Y tế", "717,70", "71,77%", "Nâng cao"],
            ["2", "Sở Tư pháp", "619,38", "61,93%", "Nâng cao"],
            ["2.2. Nhóm các cơ quan, đơn vị không có thủ tục hành chính", None, None, None, None],
            ["1", "Văn phòng Tỉnh uỷ", "494,41", "61,80%", "Nâng cao"],
        ],
        heading="Phụ lục",
    )
    tables = extract_tables([page], load_knowledge())
    assert [(t.group_code, len(t.rows)) for t in tables] == [("tthc", 2), ("khong_tthc", 1)]
    assert tables[1].group_title == "2.2. Nhóm các cơ quan, đơn vị không có thủ tục hành chính"
    assert tables[1].rows[0].name == "Văn phòng Tỉnh uỷ" and tables[1].rows[0].tier == "Nâng cao"


def test_tier_section_rows_and_continuation_without_header():
    first = ruled_page(
        [
            ["STT", "Tên đơn vị", "Tổng điểm"],
            ["MỨC TỐT", None, None],
            ["1", "Sở Tài chính", "95"],
        ],
        heading="I. Các cơ quan, đơn vị cấp tỉnh:",
        number=2,
    )
    second = ruled_page(
        [
            ["2", "Sở Nội vụ", "91.5"],
            ["MỨC KHÁ", None, None],
            ["3", "Sở Y tế", "74.5"],
        ],
        number=3,
    )
    [table] = extract_tables([first, second], load_knowledge())
    assert [(r.rank, r.name, r.total, r.tier, r.page) for r in table.rows] == [
        ("1", "Sở Tài chính", "95", "MỨC TỐT", 2),
        ("2", "Sở Nội vụ", "91.5", "MỨC TỐT", 3),
        ("3", "Sở Y tế", "74.5", "MỨC KHÁ", 3),
    ]


def test_not_evaluated_and_maxima_row():
    page = ruled_page(
        [
            ["STT", "Tên đơn vị", "Xếp hạng", "Tổng điểm", "Nhận thức số", "Xã hội số"],
            [None, None, None, "1000.0", "100.0", "150.0"],
            ["1", "Thành phố Cao Bằng", "1", "678.8", "50.0", "67.5"],
            ["2", "Huyện Quảng Hòa", "Không đánh giá", None, None, None],
        ],
        heading="CHỈ SỐ CHUYỂN ĐỔI SỐ CỦA CÁC HUYỆN, THÀNH PHỐ NĂM 2022",
    )
    [table] = extract_tables([page], load_knowledge())
    assert table.max_raw == "1000.0"
    assert [(c.name, c.max_raw) for c in table.components] == [("Nhận thức số", "100.0"), ("Xã hội số", "150.0")]
    qh = table.rows[1]
    assert (qh.name, qh.evaluated, qh.rank, qh.total, qh.components) == (
        "Huyện Quảng Hòa",
        False,
        None,
        None,
        (None, None),
    )
    assert table.rows[0].rank == "1" and table.rows[0].components == ("50.0", "67.5")


def test_average_row_is_not_a_unit():
    page = ruled_page(
        [
            ["TT", "Địa phương", "Tổng điểm", "Tỷ lệ", "Mức độ"],
            ["1", "Thành phố Lào Cai", "760,39", "76,03%", "Dẫn dắt"],
            ["Điểm trung bình", None, "760,39", "", ""],
        ],
        heading="2.3. Nhóm các huyện, thị xã, thành phố",
    )
    [table] = extract_tables([page], load_knowledge())
    assert [r.name for r in table.rows] == ["Thành phố Lào Cai"]
    assert [(a.label, a.total) for a in table.averages] == [("Điểm trung bình", "760,39")]


def test_a_self_assessment_column_is_neither_the_total_nor_a_component():
    """'Điểm tự đánh giá' beside 'Điểm thẩm định': the verified score is the total, the unit's own claim is left out
    (it used to become a component whose 'sum' disagreed with every total)."""
    page = ruled_page(
        [
            ["STT", "Tên đơn vị", "Điểm tự đánh giá", "Điểm thẩm định", "Tăng/giảm", "Xếp hạng"],
            ["1", "Sở Nội vụ", "901,5", "842,15", "+3", "1"],
            ["2", "Sở Tài chính", "880,0", "815,30", "-1", "2"],
        ],
        heading="Kết quả xếp hạng các sở, ban, ngành",
    )
    (table,) = extract_tables([page], load_knowledge())
    assert [(r.name, r.total, r.rank, tuple(r.components)) for r in table.rows] == [
        ("Sở Nội vụ", "842,15", "1", ()),
        ("Sở Tài chính", "815,30", "2", ()),
    ]
    assert table.components == ()


def test_last_years_column_is_a_comparison_not_the_total():
    """'Điểm năm 2023' beside 'Điểm năm 2022', in either order: the latest year's column is the total, the earlier
    one is left out, and neither year is read as a maximum (the 2022 scores used to be published as 2023's)."""
    for first, second in (("Điểm năm 2023", "Điểm năm 2022"), ("Điểm năm 2022", "Điểm năm 2023")):
        now, before = ("842,15", "790,5"), ("815,30", "801,0")
        rows = [["STT", "Tên đơn vị", first, second, "Xếp hạng"]]
        for i, (name, (a, b)) in enumerate((("Sở Nội vụ", now), ("Sở Tư pháp", before)), 1):
            rows.append([str(i), name, *((a, b) if first.endswith("2023") else (b, a)), str(i)])
        (table,) = extract_tables([ruled_page(rows, heading="Kết quả xếp hạng các sở, ban, ngành")], load_knowledge())
        assert [(r.name, r.total) for r in table.rows] == [("Sở Nội vụ", "842,15"), ("Sở Tư pháp", "815,30")]
        assert table.components == () and table.max_raw is None


def test_a_sum_row_is_not_a_unit():
    """'Tổng cộng' adds the units up: it was published as a unit with 2458 points (and spoiled the average check);
    'Tổng cục Thuế' is still a unit, the label is compared whole."""
    page = ruled_page(
        [
            ["STT", "Tên đơn vị", "Tổng điểm", "Xếp hạng"],
            ["1", "Sở Nội vụ", "842,15", "1"],
            ["2", "Tổng cục Thuế", "815,30", "2"],
            ["", "Tổng cộng", "1.657,45", ""],
            ["", "Bình quân", "828,73", ""],
        ],
        heading="Kết quả xếp hạng các cơ quan, đơn vị",
    )
    (table,) = extract_tables([page], load_knowledge())
    assert [(r.name, r.total) for r in table.rows] == [("Sở Nội vụ", "842,15"), ("Tổng cục Thuế", "815,30")]
    assert [(a.label, a.total) for a in table.averages] == [("Bình quân", "828,73")]
