"""The national unit registry: any province, any year, across the 2025 reorganisation.

Expected ids are written from reading the names (and, for Yên Bái and Hà Giang, from a list
of districts typed from knowledge, independent of the vietnamadminunits package), not from
the matcher.
"""

from __future__ import annotations

import pandas as pd
import pytest

from normalizers.admin_units import load_admin_map
from normalizers.units import Registry

YBI, HGG, HTH, DTP = "Yên Bái", "Hà Giang", "Hà Tĩnh", "Đồng Tháp"
ND45 = "Nghị định 45/2025/NĐ-CP (28/02/2025)"
NQ202 = "Nghị quyết 202/2025/QH15 (12/06/2025)"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load()


def _ids(registry: Registry, names: dict[str, str], province: str, year: int | None) -> dict[str, str | None]:
    got = {name: registry.match(name, province, year).unit_id for name in names}
    return {name: uid for name, uid in got.items() if uid != names[name]}


# --- districts from the package, and from an independent list -----------------------------------


@pytest.mark.parametrize("province", [YBI, HGG, HTH, DTP, "Hà Nội", "Bà Rịa - Vũng Tàu", "Đắk Lắk"])
def test_every_district_of_the_package_resolves(registry, province):
    legacy = next(p for p in load_admin_map().legacy if p.name == province)
    assert len(legacy.districts) >= 7
    seen = set()
    for d in legacy.districts:
        for printed in (d.name, d.name[0].lower() + d.name[1:], f"UBND {d.name[0].lower() + d.name[1:]}"):
            m = registry.match(printed, province, 2023)
            assert m.unit_id is not None, (printed, m.reason)
            unit = registry.unit(m.unit_id)
            assert (unit.name, unit.unit_type, unit.province) == (d.name, "district_locality", province)
        seen.add(m.unit_id)
    assert len(seen) == len(legacy.districts)


YEN_BAI_DISTRICTS = {  # typed from knowledge: the 9 district-level units of Yên Bái before 2025
    "Thành phố Yên Bái": "ybi.tp_yen_bai",
    "Thị xã Nghĩa Lộ": "ybi.tx_nghia_lo",
    "Huyện Lục Yên": "ybi.huyen_luc_yen",
    "Huyện Văn Yên": "ybi.huyen_van_yen",
    "Huyện Mù Cang Chải": "ybi.huyen_mu_cang_chai",
    "Huyện Trấn Yên": "ybi.huyen_tran_yen",
    "Huyện Trạm Tấu": "ybi.huyen_tram_tau",
    "Huyện Văn Chấn": "ybi.huyen_van_chan",
    "Huyện Yên Bình": "ybi.huyen_yen_binh",
    "TP Yên Bái": "ybi.tp_yen_bai",
    "TX Nghĩa Lộ": "ybi.tx_nghia_lo",
    "UBND huyện Mù Cang Chải": "ybi.huyen_mu_cang_chai",
    "Huyện ủy Văn Chấn": "ybi.huyen_uy_van_chan",
    "Thành ủy Yên Bái": "ybi.thanh_uy_yen_bai",
    "Thị ủy Nghĩa Lộ": "ybi.thi_uy_nghia_lo",
}
HA_GIANG_DISTRICTS = {  # typed from knowledge: the 11 of Hà Giang
    "Thành phố Hà Giang": "hgg.tp_ha_giang",
    "Huyện Đồng Văn": "hgg.huyen_dong_van",
    "Huyện Mèo Vạc": "hgg.huyen_meo_vac",
    "Huyện Yên Minh": "hgg.huyen_yen_minh",
    "Huyện Quản Bạ": "hgg.huyen_quan_ba",
    "Huyện Vị Xuyên": "hgg.huyen_vi_xuyen",
    "Huyện Bắc Mê": "hgg.huyen_bac_me",
    "Huyện Hoàng Su Phì": "hgg.huyen_hoang_su_phi",
    "Huyện Xín Mần": "hgg.huyen_xin_man",
    "Huyện Bắc Quang": "hgg.huyen_bac_quang",
    "Huyện Quang Bình": "hgg.huyen_quang_binh",
}


def test_independent_district_lists_resolve(registry):
    assert _ids(registry, YEN_BAI_DISTRICTS, YBI, 2022) == {}
    assert _ids(registry, HA_GIANG_DISTRICTS, HGG, 2019) == {}
    package = {d.name for p in load_admin_map().legacy if p.name == HGG for d in p.districts}
    assert package == {n for n in HA_GIANG_DISTRICTS}


def test_confusable_localities_are_kept_apart(registry):
    expected = {
        "Thành phố Hồng Ngự": "dtp.tp_hong_ngu",
        "Huyện Hồng Ngự": "dtp.huyen_hong_ngu",
        "Thanh pho Hong Ngu": "dtp.tp_hong_ngu",
        "Huyen Hong Ngu": "dtp.huyen_hong_ngu",
        "TP Cao Lãnh": "dtp.tp_cao_lanh",
        "huyện Cao Lãnh": "dtp.huyen_cao_lanh",
    }
    assert _ids(registry, expected, DTP, 2023) == {}
    ky_anh = {"Thị xã Kỳ Anh": "hth.tx_ky_anh", "Huyện Kỳ Anh": "hth.huyen_ky_anh"}
    assert _ids(registry, ky_anh, HTH, 2023) == {}
    unknown = (("Hồng Ngự", DTP), ("Kỳ Anh", HTH), ("Huyện Bảo Thắng", YBI), ("Quận Hồng Ngự", DTP))
    for name, province in unknown:
        assert registry.match(name, province, 2023).unit_id is None, name
    assert registry.match("Huyện Bảo Thắng", "Lào Cai", 2023).unit_id == "lci.huyen_bao_thang"
    assert registry.match("Huyện Bảo Yên", "Lào Cai", 2023).unit_id == "lci.huyen_bao_yen"


# --- departments and organisations of a province without a registry file -------------------------

HELD_OUT = [  # (province, year, printed, expected id or None)
    (HGG, 2016, "Sở Kế hoạch và Đầu tư", "hgg.so_khdt"),
    (HGG, 2016, "Sở KH&ĐT", "hgg.so_khdt"),
    (HGG, 2017, "Sở Khoa học và Công nghệ", "hgg.so_khcn"),
    (HGG, 2018, "Sở TN&MT", "hgg.so_tnmt"),
    (HGG, 2019, "Sở TT&TT", "hgg.so_tttt"),
    (HGG, 2020, "Sở Thông tin - Truyền thông tỉnh Hà Giang", "hgg.so_tttt"),
    (HGG, 2021, "Sở NN&PTNT", "hgg.so_nnptnt"),
    (HGG, 2022, "Sở LĐ-TB&XH", "hgg.so_ldtbxh"),
    (HGG, 2022, "Sở Lao động Thương binh và Xã hội", "hgg.so_ldtbxh"),
    (HGG, 2023, "Sở VHTT&DL", "hgg.so_vhttdl"),
    (HGG, 2023, "Sở Văn hoá, Thể thao và Du lịch", "hgg.so_vhttdl"),
    (HGG, 2023, "Văn phòng UBND tỉnh Hà Giang", "hgg.vp_ubnd"),
    (HGG, 2023, "Thanh tra tỉnh", "hgg.thanh_tra"),
    (HGG, 2023, "Ban Quản lý Khu kinh tế tỉnh", "hgg.bql_kkt"),
    (HGG, 2023, "Đài PT-TH tỉnh", "hgg.dai_ptth"),
    (HGG, 2023, "Văn phòng Tỉnh uỷ", "hgg.van_phong_tinh_uy"),
    (HGG, 2023, "Ủy ban MTTQ tỉnh", "hgg.mttq"),
    (HGG, 2023, "Tỉnh Đoàn", "hgg.tinh_doan"),
    (HGG, 2023, "Hội LHPN tỉnh", "hgg.hoi_lhpn"),
    (HGG, 2023, "Hội Nông dân tỉnh Hà Giang", "hgg.hoi_nong_dan"),
    (HGG, 2023, "Hội CCB tỉnh", "hgg.hoi_ccb"),
    (HGG, 2023, "LĐLĐ tỉnh", "hgg.ldld"),
    (HGG, 2023, "Công an tỉnh Hà Giang", "hgg.cong_an_tinh"),
    (HGG, 2023, "Bộ CHQS tỉnh", "hgg.bch_quan_su"),
    (HGG, 2024, "Sở Ngoai vụ", "hgg.so_ngoai_vu"),  # diacritic slip, still not Nội vụ
    (HGG, 2024, "Sở Nội vụ", "hgg.so_noi_vu"),
    (HGG, 2024, "Sở Xây dựng", "hgg.so_xay_dung"),
    (HGG, 2025, "Sở Nông nghiệp và Môi trường", "hgg.so_nnmt"),
    (HGG, 2025, "Sở Dân tộc và Tôn giáo", "hgg.so_dan_toc_ton_giao"),
    (HGG, 2025, "Ban Tuyên giáo và Dân vận Tỉnh ủy", "hgg.ban_tgdv_tu"),
    (HGG, 2025, "Sở Giao thông vận tải", "hgg.so_gtvt"),  # until the merger during 2025
    # a province that continues after 2025 (Hà Tĩnh is unchanged): old names end, new ones go on
    (HTH, 2026, "Sở Nông nghiệp và Môi trường", "hth.so_nnmt"),
    (HTH, 2026, "Sở Khoa học và Công nghệ", "hth.so_khcn"),
    (HTH, 2026, "Sở Thông tin và Truyền thông", None),
    (HTH, 2026, "Sở Tài nguyên và Môi trường", None),
    (HTH, 2024, "Sở Nông nghiệp và Môi trường", None),
    (HTH, 2026, "Huyện Kỳ Anh", None),
    # a centrally governed city prints "thành phố", not "tỉnh"
    ("Hà Nội", 2023, "Sở Y tế thành phố Hà Nội", "hni.so_y_te"),
    ("Hà Nội", 2023, "Văn phòng UBND Thành phố", "hni.vp_ubnd"),
    ("Hà Nội", 2023, "Sở Quy hoạch - Kiến trúc", "hni.so_qhkt"),
    # confusable and unknown: never guessed
    (HGG, 2023, "Sở Giao thông vận tải - Xây dựng", None),
    (HGG, 2023, "Sở Ngoại giao", None),
    (HGG, 2023, "Công ty Điện lực Hà Giang", None),
    (HGG, 2023, "Sở Công an", None),
    (HGG, 2023, "Ban Kinh tế - Ngân sách HĐND tỉnh", None),
    (YBI, 2023, "Trường Cao đẳng Lào Cai", None),
    ("Lào Cai", 2023, "Sở Giao thông vận tải - Xây dựng", "lci.so_gtvt_xd"),
    ("Lào Cai", 2016, "Sở Xây dựng", "lci.so_xay_dung"),
    ("Lào Cai", 2026, "Sở Nông nghiệp và Môi trường", "lci.so_nnmt"),
    ("Lào Cai", 2026, "Sở Thông tin và Truyền thông", None),
    ("Lào Cai", 2026, "Sở Khoa học và Công nghệ", "lci.so_khcn"),
]


@pytest.mark.parametrize(("province", "year", "printed", "expected"), HELD_OUT)
def test_held_out_spellings_across_years(registry, province, year, printed, expected):
    m = registry.match(printed, province, year)
    assert m.unit_id == expected, m.reason
    if expected is None:
        assert m.method == "unresolved" and m.reason


def test_a_type_is_comparable_across_provinces(registry):
    frame = registry.units_frame()
    finance = frame[frame["unit_type_code"] == "so_tai_chinh"]
    assert len(finance) == 63 and finance["province"].nunique() == 63
    assert {"lci.so_tai_chinh", "cbg.so_tai_chinh", "ybi.so_tai_chinh", "hgg.so_tai_chinh"} <= set(finance["unit_id"])
    assert set(finance["name"]) == {"Sở Tài chính"}
    # Lào Cai's own units keep their ids and are typed by the catalogue
    typed = frame.set_index("unit_id")["unit_type_code"]
    assert typed["lci.so_tttt"] == "so_tttt" and typed["lci.so_xay_dung_2024"] == "so_xay_dung"
    assert pd.isna(typed["lci.vqg_hoang_lien"])


# --- provinces and ministries as units -----------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "year", "expected"),
    [
        ("TP. Đà Nẵng", 2023, "vn.da_nang"),
        ("Thừa Thiên - Huế", 2022, "vn.hue"),
        ("Thừa Thiên Huế", 2016, "vn.hue"),
        ("Bà Rịa - Vũng Tàu", 2023, "vn.ba_ria_vung_tau"),
        ("Tỉnh Bà Rịa-Vũng Tàu", 2023, "vn.ba_ria_vung_tau"),
        ("TP.HCM", 2023, "vn.ho_chi_minh"),
        ("Thành phố Hồ Chí Minh", 2026, "vn.ho_chi_minh_2025"),
        ("Lào Cai", 2024, "vn.lao_cai"),
        ("Lào Cai", 2025, "vn.lao_cai_2025"),
        ("Yên Bái", 2024, "vn.yen_bai"),
        ("Yên Bái", 2025, None),
        ("Cao Bằng", 2016, "vn.cao_bang"),
        ("Tỉnh Cao Bằng", 2026, "vn.cao_bang"),
        ("Đăk Lăk", 2023, "vn.dak_lak"),
        ("Bộ Thông tin và Truyền thông", 2023, None),
        ("Atlantis", 2023, None),
    ],
)
def test_resolve_province(registry, printed, year, expected):
    assert registry.resolve_province(printed, year).unit_id == expected


def test_63_provinces_become_34(registry):
    frame = registry.units_frame()
    provinces = frame[frame["unit_type"] == "province"]

    def valid(year: int) -> int:
        start, end = provinces["valid_from_year"].fillna(0), provinces["valid_to_year"].fillna(9999)
        return int(((start <= year) & (end >= year)).sum())

    assert (valid(2016), valid(2024), valid(2025), valid(2030)) == (63, 63, 34, 34)
    assert registry.match("Bộ Thông tin và Truyền thông", "Việt Nam", 2024).unit_id == "vn.bo_tttt"
    assert registry.match("Bộ Khoa học và Công nghệ", "Việt Nam", 2026).unit_id == "vn.bo_khcn"


# --- the 2025 reorganisation in the lineage -------------------------------------------------------


def _event(registry: Registry, from_id: str, to_id: str):
    found = [e for e in registry.events if from_id in e.from_ids and to_id in e.to_ids]
    assert len(found) == 1, (from_id, to_id, found)
    return found[0]


@pytest.mark.parametrize(
    ("from_id", "to_id", "event", "basis", "approximate"),
    [
        # Decree 45/2025: in every province, dated approximately (each province decided its day)
        ("ybi.so_khdt", "ybi.so_tai_chinh", "merge", ND45, True),
        ("ybi.so_gtvt", "ybi.so_xay_dung", "merge", ND45, True),
        ("ybi.so_tnmt", "ybi.so_nnmt", "merge", ND45, True),
        ("ybi.so_nnptnt", "ybi.so_nnmt", "merge", ND45, True),
        ("ybi.so_tttt", "ybi.so_khcn", "merge", ND45, True),
        ("ybi.so_ldtbxh", "ybi.so_noi_vu", "merge", ND45, True),
        ("ybi.ban_dan_toc", "ybi.so_dan_toc_ton_giao", "rename", ND45, True),
        ("hth.so_tttt", "hth.so_khcn", "merge", ND45, True),
        # ... applied to a province's own file too, on its own units
        ("lci.so_tttt", "lci.so_khcn", "merge", ND45, True),
        ("lci.so_gtvt_2024", "lci.so_xay_dung_2024", "merge", ND45, True),
        ("cbg.so_ldtbxh", "cbg.so_noi_vu", "merge", ND45, True),
        ("lci.ban_dan_toc", "lci.so_dan_toc_ton_giao", "rename", ND45, True),
        # the Party boards
        ("ybi.ban_dan_van_tu", "ybi.ban_tgdv_tu", "merge", "Kết luận 121-KL/TW (24/01/2025)", True),
        # the ministries
        ("vn.bo_tttt", "vn.bo_khcn", "merge", "Nghị quyết 176/2025/QH15 (18/02/2025)", False),
        # Resolution 202/2025: provinces, the absorbed province's departments, the districts
        ("vn.yen_bai", "vn.lao_cai_2025", "merge", NQ202, False),
        ("vn.lao_cai", "vn.lao_cai_2025", "merge", NQ202, False),
        ("vn.ha_giang", "vn.tuyen_quang_2025", "merge", NQ202, False),
        ("ybi.so_tai_chinh", "lci.so_tai_chinh", "merge", NQ202, False),
        ("ybi.so_khcn", "lci.so_khcn", "merge", NQ202, False),
        ("ybi.so_nnmt", "lci.so_nnmt", "merge", NQ202, False),
        ("ybi.huyen_luc_yen", "vn.lao_cai_2025", "merge", NQ202, False),
        ("lci.huyen_bao_thang", "vn.lao_cai_2025", "merge", NQ202, False),
        ("cbg.huyen_bao_lam", "vn.cao_bang", "merge", NQ202, False),
    ],
)
def test_each_2025_event_is_in_the_lineage(registry, from_id, to_id, event, basis, approximate):
    e = _event(registry, from_id, to_id)
    assert (e.event, e.effective_year, e.approximate) == (event, 2025, approximate)
    assert e.legal_basis.startswith(basis)
    lineage = registry.lineage_frame()
    row = lineage[(lineage["from_unit_id"] == from_id) & (lineage["to_unit_id"] == to_id)]
    assert len(row) == 1
    assert row["legal_basis"].iloc[0].startswith(basis) and bool(row["approximate"].iloc[0]) is approximate
    assert registry.unit(from_id).valid_to_year in (2024, 2025)


def test_every_catalogue_event_reaches_the_lineage(registry):
    tags = {e.note.rsplit("[", 1)[1].rstrip("]") for e in registry.events if e.note and e.note.endswith("]")}
    assert tags == {
        "nd45_khdt_into_tai_chinh",
        "nd45_gtvt_into_xay_dung",
        "nd45_tnmt_nnptnt_into_nnmt",
        "nd45_tttt_into_khcn",
        "nd45_ldtbxh_into_noi_vu",
        "nd45_ban_dan_toc_into_so_dan_toc_ton_giao",
        "kl121_tuyen_giao_dan_van",
        "nq176_bo_tttt_into_bo_khcn",
        "nq176_bo_khdt_into_bo_tai_chinh",
        "nq176_bo_gtvt_into_bo_xay_dung",
        "nq176_bo_tnmt_bo_nnptnt_into_bo_nnmt",
        "nq176_bo_ldtbxh_into_bo_noi_vu",
        "nq176_uy_ban_dan_toc_into_bo_dan_toc_ton_giao",
    }
    provinces = [
        e
        for e in registry.events
        if e.to_ids[0].startswith("vn.")
        and e.to_ids[0].endswith("_2025")
        and all(f.count(".") == 1 and f.startswith("vn.") for f in e.from_ids)
    ]
    assert len(provinces) == 34 - 11  # 11 provinces were left unchanged


def test_a_department_and_a_district_across_the_reorganisation(registry):
    """The README's panel: 2016 → 2025 for Lào Cai's Sở TT&TT and a district."""
    assert registry.match("Sở Thông tin và Truyền thông", "Lào Cai", 2016).unit_id == "lci.so_tttt"
    assert registry.descendants("lci.so_tttt") == ("lci.so_khcn",)
    assert registry.descendants("lci.huyen_bac_ha") == ("vn.lao_cai_2025",)
    assert registry.descendants("ybi.so_tttt") == ("ybi.so_khcn", "lci.so_khcn")


def test_existing_unit_ids_do_not_change(registry):
    for uid in (
        "lci.so_gtvt_xd",
        "lci.so_gtvt",
        "lci.so_xay_dung",
        "lci.tp_lao_cai",
        "lci.tx_sa_pa",
        "lci.huyen_sa_pa",
        "lci.thanh_uy_lao_cai",
        "lci.huyen_uy_bao_yen",
        "cbg.huyen_quang_hoa",
        "cbg.so_vhttdl",
        "cbg.tp_cao_bang",
    ):
        assert registry.unit(uid).source_file.endswith(".yaml"), uid


# --- acceptance: a decision of a province that has no registry file ------------------------------


@pytest.fixture(scope="module")
def yen_bai_run(tmp_path_factory):
    from tests.conftest import run_on
    from tests.truth import FIXTURES

    return run_on(tmp_path_factory.mktemp("yenbai"), [FIXTURES / "variants" / "yenbai-2024-dti2023.pdf"])


@pytest.mark.slow
def test_new_province_decision_rows_are_exact(yen_bai_run):
    from tests.truth import score_mismatches

    doc = yen_bai_run.doc("yenbai-2024-dti2023.pdf")
    assert (doc["status"], doc["province"], doc["assessment_year"]) == ("ok", YBI, 2023)
    assert score_mismatches(yen_bai_run.rows("scores", "yenbai-2024-dti2023.pdf"), "yenbai-2024-dti2023") == []


@pytest.mark.slow
def test_new_province_decision_every_unit_resolves_right(yen_bai_run):
    from tests.truth import truth_csv

    scores = yen_bai_run.rows("scores", "yenbai-2024-dti2023.pdf")
    rows = zip(scores["group_code"], scores["unit_name_raw"], scores["unit_id"])
    got = {(g, n): (None if pd.isna(u) else u) for g, n, u in rows}
    truth = truth_csv("yenbai-2024-dti2023", "unit_ids")
    expected = {(t.group_code, t.unit_name): t.unit_id for t in truth.itertuples()}
    assert got == expected
    issues = yen_bai_run.rows("issues", "yenbai-2024-dti2023.pdf")
    assert "unresolved_unit" not in set(issues["code"])
    units = yen_bai_run.table("units").set_index("unit_id")
    assert units.loc["ybi.so_tttt", "unit_type_code"] == "so_tttt"
    lineage = yen_bai_run.table("unit_lineage")
    assert {"approximate", "legal_basis"} <= set(lineage.columns)
    after = lineage[lineage["from_unit_id"] == "ybi.so_tttt"]
    assert list(after["to_unit_id"]) == ["ybi.so_khcn"] and after["legal_basis"].iloc[0].startswith(ND45)


def test_the_contract_knows_every_unit_type(registry):
    from normalizers.unit_model import UNIT_TYPES
    from schemas.curated import UNIT_TYPES as CONTRACT_UNIT_TYPES

    assert set(UNIT_TYPES) == CONTRACT_UNIT_TYPES
    assert set(registry.units_frame()["unit_type"]) == CONTRACT_UNIT_TYPES
