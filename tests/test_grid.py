"""The Grid builder: spans from missing borders, words into cells."""

from extractors.grid import Segment, Word, build_grids


def _box(x0, y0, x1, y1):
    return [
        Segment(True, y0, x0, x1),
        Segment(True, y1, x0, x1),
        Segment(False, x0, y0, y1),
        Segment(False, x1, y0, y1),
    ]


def test_merged_header_and_section_row():
    # 3 columns at x=0,50,100,150; rows at y=0,10,20,30,40
    segs = [Segment(True, y, 0, 150) for y in (0, 20, 30, 40)]
    segs.append(Segment(True, 10, 50, 150))  # the header's second row exists only under "Scores"
    segs += [Segment(False, 0, 0, 40), Segment(False, 150, 0, 40)]
    segs += [Segment(False, 50, 0, 20), Segment(False, 50, 30, 40)]  # no border in the section row
    segs += [Segment(False, 100, 10, 20), Segment(False, 100, 30, 40)]
    words = [
        Word("Name", 5, 2, 30, 8),
        Word("Scores", 80, 2, 120, 8),
        Word("A", 70, 12, 75, 18),
        Word("B", 120, 12, 125, 18),
        Word("MỨC", 5, 22, 25, 28),
        Word("TỐT", 27, 22, 45, 28),
        Word("Sở", 5, 32, 15, 38),
        Word("Y", 16, 32, 20, 38),
        Word("12", 70, 32, 80, 38),
        Word("9", 120, 32, 125, 38),
    ]
    [grid] = build_grids(segs, words, page=1)
    assert (grid.n_rows, grid.n_cols) == (4, 3)
    assert grid.text_matrix() == [
        ["Name", "Scores", None],
        [None, "A", "B"],
        ["MỨC TỐT", None, None],
        ["Sở Y", "12", "9"],
    ]
    assert grid.cell_at(1, 0).rowspan == 2
    assert grid.cell_at(2, 2).colspan == 3


def test_two_tables_on_a_page_are_two_grids():
    segs = _box(0, 0, 100, 50) + [Segment(True, 25, 0, 100), Segment(False, 50, 0, 50)]
    segs += _box(0, 100, 100, 150) + [Segment(False, 50, 100, 150)]
    grids = build_grids(segs, [Word("x", 10, 110, 20, 120)], page=3)
    assert [(g.n_rows, g.n_cols) for g in grids] == [(2, 2), (1, 2)]
    assert grids[1].text_matrix() == [["x", ""]]


def test_wrapped_words_join_by_line():
    segs = _box(0, 0, 100, 40)
    words = [Word("Sở Nông nghiệp và", 2, 2, 90, 10), Word("PTNT", 2, 14, 30, 22)]
    [grid] = build_grids(segs, words, page=1)
    assert grid.text_matrix() == [["Sở Nông nghiệp và\nPTNT"]]
