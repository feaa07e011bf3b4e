"""Unit registry: every printed name in the fixtures resolves, and nothing is guessed."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from normalizers.units import DATA_DIR, Registry, RegistryError, UnitMatch, UnknownUnitError

TRUTH = Path(__file__).parent / "fixtures" / "truth"
LCI, CBG = "Lào Cai", "Cao Bằng"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load()


@pytest.fixture()
def registry_copy(tmp_path: Path) -> Path:
    """A private copy of the registry files that a test may edit."""
    target = tmp_path / "registry"
    (target / "units").mkdir(parents=True)
    for name in ("abbreviations.yaml", "confusables.yaml"):
        shutil.copy(DATA_DIR / name, target / name)
    for path in (DATA_DIR / "units").glob("*.yaml"):
        shutil.copy(path, target / "units" / path.name)
    return target


# Expected ids per document, written from reading the names (not from the matcher).
EXPECTED_2016 = {  # laocai-2017-qd512-ict2016 (assesses 2016)
    "Sở Thông tin và Truyền thông": "lci.so_tttt",
    "Sở Tài chính": "lci.so_tai_chinh",
    "Văn phòng UBND tỉnh": "lci.vp_ubnd",
    "Sở Văn hóa, Thể thao và Du lịch": "lci.so_vhttdl",
    "Sở Nội vụ": "lci.so_noi_vu",
    "Sở Tài nguyên và Môi trường": "lci.so_tnmt",
    "Văn phòng HĐND tỉnh": "lci.vp_hdnd",
    "Sở Kế hoạch và Đầu tư": "lci.so_khdt",
    "Sở Khoa học - Công nghệ": "lci.so_khcn",
    "Sở Công thương": "lci.so_cong_thuong",
    "Sở Giáo dục và Đào tạo": "lci.so_gddt",
    "Sở Nông nghiệp và PTNT": "lci.so_nnptnt",
    "Sở Xây dựng": "lci.so_xay_dung",
    "Thanh tra tỉnh": "lci.thanh_tra",
    "Ban Dân tộc": "lci.ban_dan_toc",
    "Sở Tư pháp": "lci.so_tu_phap",
    "Sở Lao động - TBXH": "lci.so_ldtbxh",
    "Sở Giao thông Vận tải": "lci.so_gtvt",
    "Ban Quản lý khu kinh tế Lào Cai": "lci.bql_kkt",
    "Sở Ngoại vụ": "lci.so_ngoai_vu",
    "Sở Y tế": "lci.so_y_te",
    "Vườn Quốc gia Hoàng Liên": "lci.vqg_hoang_lien",
    "Huyện Sa Pa": "lci.huyen_sa_pa",
    "TP Lào Cai": "lci.tp_lao_cai",
    "Huyện Bảo Yên": "lci.huyen_bao_yen",
    "Huyện Si Ma Cai": "lci.huyen_si_ma_cai",
    "Huyện Bảo Thắng": "lci.huyen_bao_thang",
    "Huyện Bát Xát": "lci.huyen_bat_xat",
    "Huyện Văn Bàn": "lci.huyen_van_ban",
    "Huyện Bắc Hà": "lci.huyen_bac_ha",
    "Huyện Mường Khương": "lci.huyen_muong_khuong",
}

EXPECTED_NEWS_2022 = {  # laocai-2023-news-dti2022
    "Sở Giáo dục và Đào tạo": "lci.so_gddt",
    "Sở Tài Chính": "lci.so_tai_chinh",
    "Sở Thông tin và Truyền thông": "lci.so_tttt",
    "Sở Nội vụ": "lci.so_noi_vu",
    "Sở Kế hoạch và Đầu tư": "lci.so_khdt",
    "Ban Quản lý khu kinh tế": "lci.bql_kkt",
    "Sở Lao động - Thương binh và Xã hội": "lci.so_ldtbxh",
    "Sở Nông nghiệp và Phát triển nông thôn": "lci.so_nnptnt",
    "Ban Dân tộc": "lci.ban_dan_toc",
    "Sở Khoa học và Công nghệ": "lci.so_khcn",
    "Sở Du lịch": "lci.so_du_lich",
    "Văn phòng UBND tỉnh": "lci.vp_ubnd",
    "Ban Tuyên giáo Tỉnh uỷ": "lci.ban_tuyen_giao_tu",
    "Đài Phát thanh - Truyền hình": "lci.dai_ptth",
    "Đảng uỷ Công ty Apatit": "lci.dang_uy_apatit",
    "thành phố Lào Cai": "lci.tp_lao_cai",
    "huyện Bắc Hà": "lci.huyen_bac_ha",
    "huyện Bát Xát": "lci.huyen_bat_xat",
    "huyện Văn Bàn": "lci.huyen_van_ban",
}

EXPECTED_2023 = {  # laocai-2024-dti2023
    "Sở Lao động - Thương binh và Xã hội": "lci.so_ldtbxh",
    "Sở Y tế": "lci.so_y_te",
    "Sở Thông tin và Truyền thông": "lci.so_tttt",
    "Sở Giáo dục và Đào tạo": "lci.so_gddt",
    "Sở Tài chính": "lci.so_tai_chinh",
    "Sở Nội vụ": "lci.so_noi_vu",
    "Sở Kế hoạch và Đầu tư": "lci.so_khdt",
    "Sở Nông nghiệp và Phát triển nông thôn": "lci.so_nnptnt",
    "Ban Quản lý Khu kinh tế tỉnh": "lci.bql_kkt",
    "Sở Công Thương": "lci.so_cong_thuong",
    "Sở Tư pháp": "lci.so_tu_phap",
    "Sở Khoa học và Công nghệ": "lci.so_khcn",
    "Ban Dân tộc": "lci.ban_dan_toc",
    "Sở Ngoại vụ": "lci.so_ngoai_vu",
    "Sở Du lịch": "lci.so_du_lich",
    "Sở Văn hóa và Thể thao": "lci.so_vhtt",
    "Sở Giao thông vận tải - Xây dựng": "lci.so_gtvt_xd",
    "Sở Tài nguyên và Môi trường": "lci.so_tnmt",
    "Văn phòng Tỉnh uỷ": "lci.van_phong_tinh_uy",
    "Đài Phát thanh - Truyền hình tỉnh": "lci.dai_ptth",
    "Ban Tổ chức Tỉnh uỷ": "lci.ban_to_chuc_tu",
    "Ban Tuyên giáo Tỉnh uỷ": "lci.ban_tuyen_giao_tu",
    "Tỉnh đoàn": "lci.tinh_doan",
    "Văn phòng UBND tỉnh": "lci.vp_ubnd",
    "Trường Chính trị": "lci.truong_chinh_tri",
    "Văn phòng Đoàn ĐBQH và HĐND tỉnh": "lci.vp_doan_dbqh_hdnd",
    "Hội Cựu chiến binh tỉnh": "lci.hoi_ccb",
    "Uỷ ban Kiểm tra Tỉnh uỷ": "lci.ubkt_tu",
    "Thanh tra tỉnh": "lci.thanh_tra",
    "Hội nông dân tỉnh": "lci.hoi_nong_dan",
    "Mặt trận Tổ quốc Việt Nam tỉnh": "lci.mttq",
    "Đảng uỷ Khối Cơ quan - Doanh nghiệp": "lci.dang_uy_khoi_cqdn",
    "Hội Liên hiệp Phụ nữ tỉnh": "lci.hoi_lhpn",
    "Trường Cao đẳng Lào Cai": "lci.truong_cd_lao_cai",
    "Báo Lào Cai": "lci.bao_lao_cai",
    "Liên đoàn Lao động tỉnh": "lci.ldld",
    "Ban Nội chính Tỉnh ủy": "lci.ban_noi_chinh_tu",
    "Ban Dân vận Tỉnh ủy": "lci.ban_dan_van_tu",
    "Vườn Quốc gia Hoàng Liên": "lci.vqg_hoang_lien",
    "Thành phố Lào Cai": "lci.tp_lao_cai",
    "Huyện Bắc Hà": "lci.huyen_bac_ha",
    "Huyện Văn Bàn": "lci.huyen_van_ban",
    "Huyện Bảo Thắng": "lci.huyen_bao_thang",
    "Huyện Si Ma Cai": "lci.huyen_si_ma_cai",
    "Huyện Bảo Yên": "lci.huyen_bao_yen",
    "Huyện Bát Xát": "lci.huyen_bat_xat",
    "Huyện Mường Khương": "lci.huyen_muong_khuong",
    "Thị xã Sa Pa": "lci.tx_sa_pa",
}

EXPECTED_WEEKLY_2025 = {  # laocai-2025-w05-weekly: pl_cap_tinh, pl_huyen, pl_van_ban
    "Văn phòng Tỉnh ủy (khối đảng, MTTQ và các đoàn thể tỉnh)": "lci.van_phong_tinh_uy",
    "Ban Dân tộc": "lci.ban_dan_toc",
    "Sở Lao động Thương binh và Xã hội": "lci.so_ldtbxh",
    "Sở Khoa học và Công nghệ": "lci.so_khcn",
    "Sở Kế hoạch và Đầu tư": "lci.so_khdt",
    "Sở Giao thông vận tải": "lci.so_gtvt_2024",
    "Sở Xây dựng": "lci.so_xay_dung_2024",
    "Ban quản lý khu kinh tế": "lci.bql_kkt",
    "Sở Nội vụ": "lci.so_noi_vu",
    "Sở Nông nghiệp và PTNT": "lci.so_nnptnt",
    "Sở Y tế": "lci.so_y_te",
    "Sở Giáo dục và Đào tạo": "lci.so_gddt",
    "Sở Ngoại vụ": "lci.so_ngoai_vu",
    "Trường cao đẳng Lào Cai": "lci.truong_cd_lao_cai",
    "Sở Tài chính": "lci.so_tai_chinh",
    "Vườn Quốc gia Hoàng Liên": "lci.vqg_hoang_lien",
    "VP Đoàn ĐBQH và HĐND tỉnh": "lci.vp_doan_dbqh_hdnd",
    "Sở Tư pháp": "lci.so_tu_phap",
    "Sở Công Thương": "lci.so_cong_thuong",
    "Công an tỉnh": "lci.cong_an_tinh",
    "Sở Văn hóa và Thể thao": "lci.so_vhtt",
    "Sở Tài nguyên và Môi trường": "lci.so_tnmt",
    "Sở Du lịch": "lci.so_du_lich",
    "Thanh tra tỉnh": "lci.thanh_tra",
    "Văn phòng UBND tỉnh": "lci.vp_ubnd",
    "Đài Phát thanh Truyền hình tỉnh": "lci.dai_ptth",
    "Sở Thông tin và Truyền thông": "lci.so_tttt",
    "UBND huyện Si Ma Cai": "lci.huyen_si_ma_cai",
    "UBND huyện Văn Bàn": "lci.huyen_van_ban",
    "UBND thành phố Lào Cai": "lci.tp_lao_cai",
    "UBND thị xã Sa Pa": "lci.tx_sa_pa",
    "UBND huyện Bắc Hà": "lci.huyen_bac_ha",
    "UBND huyện Bảo Yên": "lci.huyen_bao_yen",
    "UBND huyện Bảo Thắng": "lci.huyen_bao_thang",
    "UBND huyện Mường Khương": "lci.huyen_muong_khuong",
    "UBND huyện Bát Xát": "lci.huyen_bat_xat",
    "Ủy ban Kiểm tra Tỉnh ủy": "lci.ubkt_tu",
    "Ban Tuyên giáo Tỉnh ủy": "lci.ban_tuyen_giao_tu",
    "Ban Tổ chức Tỉnh ủy": "lci.ban_to_chuc_tu",
    "Ban Dân vận Tỉnh ủy": "lci.ban_dan_van_tu",
    "Ban Nội chính Tỉnh ủy": "lci.ban_noi_chinh_tu",
    "Văn phòng Tỉnh ủy": "lci.van_phong_tinh_uy",
    "Huyện uỷ Mường Khương": "lci.huyen_uy_muong_khuong",
    "Huyện ủy Bắc Hà": "lci.huyen_uy_bac_ha",
    "Thị ủy Sa Pa": "lci.thi_uy_sa_pa",
    "Huyện uỷ Bảo Yên": "lci.huyen_uy_bao_yen",
    "Huyện ủy Bát Xát": "lci.huyen_uy_bat_xat",
    "Huyện ủy Bảo Thắng": "lci.huyen_uy_bao_thang",
    "Huyện ủy Văn Bàn": "lci.huyen_uy_van_ban",
    "Thành ủy Lào Cai": "lci.thanh_uy_lao_cai",
    "Huyện ủy Si Ma Cai": "lci.huyen_uy_si_ma_cai",
    "Tỉnh Đoàn": "lci.tinh_doan",
    "Ủy ban Mặt trận Tổ quốc tỉnh": "lci.mttq",
    "Hội Cựu chiến binh tỉnh": "lci.hoi_ccb",
    "Trường Chính trị tỉnh": "lci.truong_chinh_tri",
    "Hội Liên hiệp Phụ nữ tỉnh": "lci.hoi_lhpn",
    "Hội Nông dân tỉnh Lào Cai": "lci.hoi_nong_dan",
    "Đảng ủy Khối CQ - DN tỉnh": "lci.dang_uy_khoi_cqdn",
    "Liên đoàn Lao động tỉnh": "lci.ldld",
    "Báo Lào Cai": "lci.bao_lao_cai",
    "Hội Chữ thập đỏ tỉnh": "lci.hoi_chu_thap_do",
}

EXPECTED_CAOBANG_2022 = {  # caobang-2023-qd943-dti2022
    "Sở Công Thương": "cbg.so_cong_thuong",
    "Sở Tài chính": "cbg.so_tai_chinh",
    "Ban Dân tộc": "cbg.ban_dan_toc",
    "Sở Thông tin và Truyền thông": "cbg.so_tttt",
    "Sở Khoa học và Công nghệ": "cbg.so_khcn",
    "Sở Nội vụ": "cbg.so_noi_vu",
    "Sở Lao động, Thương binh và Xã hội": "cbg.so_ldtbxh",
    "Văn phòng UBND tỉnh": "cbg.vp_ubnd",
    "Sở Giáo dục và Đào tạo": "cbg.so_gddt",
    "Sở Nông nghiệp và Phát triển nông thôn": "cbg.so_nnptnt",
    "Thanh tra tỉnh": "cbg.thanh_tra",
    "Ban Quản lý khu kinh tế tỉnh": "cbg.bql_kkt",
    "Sở Văn hoá, Thể thao và Du lịch": "cbg.so_vhttdl",
    "Sở Tài nguyên và Môi trường": "cbg.so_tnmt",
    "Sở Y tế": "cbg.so_y_te",
    "Sở Ngoại vụ": "cbg.so_ngoai_vu",
    "Sở Kế hoạch và Đầu tư": "cbg.so_khdt",
    "Sở Tư pháp": "cbg.so_tu_phap",
    "Sở Giao thông Vận tải": "cbg.so_gtvt",
    "Sở Xây dựng": "cbg.so_xay_dung",
    "Thành phố Cao Bằng": "cbg.tp_cao_bang",
    "Huyện Bảo Lạc": "cbg.huyen_bao_lac",
    "Huyện Nguyên Bình": "cbg.huyen_nguyen_binh",
    "Huyện Hòa An": "cbg.huyen_hoa_an",
    "Huyện Hà Quảng": "cbg.huyen_ha_quang",
    "Huyện Bảo Lâm": "cbg.huyen_bao_lam",
    "Huyện Thạch An": "cbg.huyen_thach_an",
    "Huyện Trùng Khánh": "cbg.huyen_trung_khanh",
    "Huyện Hạ Lang": "cbg.huyen_ha_lang",
    "Huyện Quảng Hòa": "cbg.huyen_quang_hoa",
}

DOCUMENTS = [
    # (truth id, province, assessment year, expected ids)
    ("laocai-2017-qd512-ict2016", LCI, 2016, EXPECTED_2016),
    ("laocai-2023-news-dti2022", LCI, 2022, EXPECTED_NEWS_2022),
    ("laocai-2024-dti2023", LCI, 2023, EXPECTED_2023),
    ("caobang-2023-qd943-dti2022", CBG, 2022, EXPECTED_CAOBANG_2022),
]


def _fixture_names(doc: str) -> list[str]:
    names = list(pd.read_csv(TRUTH / f"{doc}.scores.csv")["unit_name"])
    components = TRUTH / f"{doc}.components.csv"
    if components.exists():
        names += list(pd.read_csv(components)["unit_name"])
    return list(dict.fromkeys(names))


def _weekly_names() -> list[str]:
    rows = pd.read_csv(TRUTH / "laocai-2025-w05-weekly.indicators.csv")
    unit_tables = rows[rows["table_code"].isin(["pl_cap_tinh", "pl_huyen", "pl_van_ban"])]
    return list(dict.fromkeys(unit_tables["row_label"]))


# --- every printed name of the fixtures --------------------------------------------------


@pytest.mark.parametrize(("doc", "province", "year", "expected"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_every_fixture_name_resolves(registry, doc, province, year, expected):
    names = _fixture_names(doc)
    assert set(names) == set(expected), "the expected table must cover exactly the printed names"
    got = {n: registry.match(n, province, year).unit_id for n in names}
    assert got == expected


def test_every_weekly_unit_row_resolves(registry):
    names = _weekly_names()
    assert set(names) == set(EXPECTED_WEEKLY_2025)
    got = {n: registry.match(n, LCI, 2025).unit_id for n in names}
    assert got == EXPECTED_WEEKLY_2025


def test_resolved_fixture_names_report_canonical_names(registry):
    m = registry.match("Sở Lao động - TBXH", LCI, 2016)
    assert (m.unit_id, m.unit_name, m.method, m.score) == (
        "lci.so_ldtbxh",
        "Sở Lao động - Thương binh và Xã hội",
        "alias",
        100.0,
    )
    assert registry.match("Sở Công thương", LCI, 2016).method == "exact"  # case is not spelling
    assert registry.match("UBND huyện Bắc Hà", LCI, 2025).method == "abbreviation"


# --- registry integrity -------------------------------------------------------------------


def test_unit_ids_are_unique_and_prefixed(registry):
    frame = registry.units_frame()
    assert frame["unit_id"].is_unique
    assert set(frame.loc[frame["province"] == LCI, "unit_id"].str[:4]) == {"lci."}
    assert set(frame.loc[frame["province"] == CBG, "unit_id"].str[:4]) == {"cbg."}


def test_distinct_fixture_names_of_one_document_never_share_a_unit(registry):
    for doc, province, year, _ in DOCUMENTS:
        ids = {}
        for group, name in pd.read_csv(TRUTH / f"{doc}.scores.csv")[["group_code", "unit_name"]].itertuples(
            index=False
        ):
            uid = registry.match(name, province, year).unit_id
            assert uid not in ids, f"{doc}: {name!r} and {ids.get(uid)!r} both resolve to {uid}"
            ids[uid] = name


def test_units_frame_has_contract_columns(registry):
    frame = registry.units_frame()
    assert list(frame.columns) == [
        "unit_id",
        "province",
        "name",
        "unit_type",
        "unit_type_code",
        "valid_from_year",
        "valid_to_year",
        "aliases",
    ]
    row = frame.set_index("unit_id").loc["lci.so_gtvt_xd"]
    assert (row["name"], row["unit_type"], row["valid_from_year"], row["valid_to_year"]) == (
        "Sở Giao thông vận tải - Xây dựng",
        "department_agency",
        2018,
        2023,
    )
    assert frame.set_index("unit_id").loc["lci.tp_lao_cai", "aliases"] == ["TP Lào Cai"]
    assert set(frame["unit_type"]) <= {
        "department_agency",
        "party_mass_org",
        "district_locality",
        "province",
        "ministry",
        "other",
    }
    # the merged department is Lào Cai's own, the 2024 Sở Giao thông vận tải an instance of the national type
    assert pd.isna(frame.set_index("unit_id").loc["lci.so_gtvt_xd", "unit_type_code"])
    assert frame.set_index("unit_id").loc["lci.so_gtvt_2024", "unit_type_code"] == "so_gtvt"


def test_lineage_frame_one_row_per_pair(registry):
    frame = registry.lineage_frame()
    assert list(frame.columns) == [
        "from_unit_id",
        "to_unit_id",
        "event",
        "effective_year",
        "approximate",
        "legal_basis",
    ]
    merge = frame[frame["to_unit_id"] == "lci.so_gtvt_xd"]
    assert sorted(merge["from_unit_id"]) == ["lci.so_gtvt", "lci.so_xay_dung"]
    assert set(merge["event"]) == {"merge"} and set(merge["effective_year"]) == {2018}
    split = frame[frame["from_unit_id"] == "lci.so_vhttdl"]
    assert sorted(split["to_unit_id"]) == ["lci.so_du_lich", "lci.so_vhtt"]
    assert set(split["event"]) == {"split"} and set(split["effective_year"]) == {2022}
    sapa = frame[frame["from_unit_id"] == "lci.huyen_sa_pa"]
    assert list(sapa["to_unit_id"]) == ["lci.tx_sa_pa"] and list(sapa["event"]) == ["rename"]


def test_transport_and_construction_2016_lead_to_the_merged_department(registry):
    gtvt = registry.match("Sở Giao thông Vận tải", LCI, 2016).unit_id
    xd = registry.match("Sở Xây dựng", LCI, 2016).unit_id
    merged = registry.match("Sở Giao thông vận tải - Xây dựng", LCI, 2023).unit_id
    assert merged == "lci.so_gtvt_xd"
    assert merged in registry.descendants(gtvt)
    assert merged in registry.descendants(xd)
    assert registry.successors(gtvt) == (("lci.so_gtvt_xd", "merge", 2018),)


def test_other_lineage_facts(registry):
    assert registry.descendants("lci.so_vhttdl") == ("lci.so_vhtt", "lci.so_du_lich")
    # the town became part of the province when the district level ended in 2025
    assert registry.descendants("lci.huyen_sa_pa") == ("lci.tx_sa_pa", "vn.lao_cai_2025")
    assert "lci.vp_doan_dbqh_hdnd" in registry.descendants("lci.vp_hdnd")
    assert registry.descendants("lci.so_y_te") == ()
    approx = {(e.from_ids, e.approximate) for e in registry.events}
    assert (("lci.huyen_sa_pa",), True) in approx
    assert (("lci.so_gtvt", "lci.so_xay_dung"), False) in approx
    merge = next(e for e in registry.events if e.to_ids == ("lci.so_gtvt_xd",))
    assert merge.legal_basis == "15/NQ-HĐND"


def test_unit_lookup(registry):
    unit = registry.unit("cbg.so_cong_thuong")
    assert (unit.name, unit.province, unit.unit_type) == ("Sở Công Thương", CBG, "department_agency")
    with pytest.raises(UnknownUnitError, match="lci.no_such_unit"):
        registry.unit("lci.no_such_unit")


# --- matching rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "year", "unit_id"),
    [
        ("Sở LĐ-TB&XH", 2023, "lci.so_ldtbxh"),
        ("Sở LĐTBXH", 2023, "lci.so_ldtbxh"),
        ("Sở Tài nguyên & Môi trường tỉnh Lào Cai", 2023, "lci.so_tnmt"),
        ("Sở TN&MT", 2023, "lci.so_tnmt"),
        ("Sở Y tế tỉnh Lào Cai", 2023, "lci.so_y_te"),
        ("Sở KH&CN", 2023, "lci.so_khcn"),
        ("Sở KH&ĐT", 2023, "lci.so_khdt"),
        ("Sở TT&TT", 2023, "lci.so_tttt"),
        ("Sở GTVT-XD", 2019, "lci.so_gtvt_xd"),
        ("Sở GTVT", 2016, "lci.so_gtvt"),
        ("Sở VH-TT-DL", 2016, "lci.so_vhttdl"),
        ("Sở NN&PTNT", 2023, "lci.so_nnptnt"),
        ("BQL KKT tỉnh Lào Cai", 2023, "lci.bql_kkt"),
        ("UBND TP Lào Cai", 2023, "lci.tp_lao_cai"),
        ("UBND TX Sa Pa", 2023, "lci.tx_sa_pa"),
        ("Ủy ban MTTQ tỉnh", 2023, "lci.mttq"),
        ("Văn phòng Đoàn ĐBQH và HĐND tỉnh Lào Cai", 2023, "lci.vp_doan_dbqh_hdnd"),
        ("Đảng ủy Khối CQ-DN", 2023, "lci.dang_uy_khoi_cqdn"),
        ("Đài PT-TH tỉnh", 2023, "lci.dai_ptth"),
    ],
)
def test_abbreviations_and_province_suffix(registry, name, year, unit_id):
    m = registry.match(name, LCI, year)
    assert (m.unit_id, m.method) == (unit_id, "abbreviation"), m.reason


def test_tone_mark_styles_are_the_same_name(registry):
    a = registry.match("Văn phòng Tỉnh ủy", LCI, 2023)
    b = registry.match("Văn phòng Tỉnh uỷ", LCI, 2023)
    assert a.unit_id == b.unit_id == "lci.van_phong_tinh_uy"
    assert a.method == b.method == "exact"
    assert registry.match("Sở Văn hoá và Thể thao", LCI, 2023).unit_id == "lci.so_vhtt"


def test_typo_resolves_fuzzily_with_evidence(registry):
    m = registry.match("Sở Giáo dục và Đào tao", LCI, 2023)
    assert (m.unit_id, m.method) == ("lci.so_gddt", "fuzzy")
    assert m.score >= 88 and m.runner_up is not None and m.score - m.runner_up_score >= 6
    assert m.candidates[0][:2] == ("lci.so_gddt", "Sở Giáo dục và Đào tạo")
    assert len(m.candidates) == 3 and m.candidates[0][2] >= m.candidates[1][2] >= m.candidates[2][2]


@pytest.mark.parametrize(
    ("name", "unit_id"),
    [
        ("Sở Truyền thông và Thông tin", "lci.so_tttt"),
        ("Sở Đầu tư và Kế hoạch", "lci.so_khdt"),
        ("Sở Thể thao và Văn hóa", "lci.so_vhtt"),
        ("Tỉnh ủy Ban Tổ chức", "lci.ban_to_chuc_tu"),
    ],
)
def test_reordered_words(registry, name, unit_id):
    m = registry.match(name, LCI, 2023)
    assert (m.unit_id, m.method) == (unit_id, "fuzzy"), m.reason


def test_diacritics_lost_in_scans(registry):
    assert registry.match("So Ngoai vu", LCI, 2023).unit_id == "lci.so_ngoai_vu"
    assert registry.match("Ban Dan toc", LCI, 2023).unit_id == "lci.ban_dan_toc"
    assert registry.match("Huyen Bao Yen", LCI, 2023).unit_id == "lci.huyen_bao_yen"


@pytest.mark.parametrize(
    "name", ["Sở Ngoai vụ", "Sở Ngoại vu", "So Ngoai vu", "Sở Ngọai vụ", "Sở Ngi vụ", "Sở Ngoại giao"]
)
def test_foreign_affairs_never_becomes_home_affairs(registry, name):
    for year in (2016, 2023, None):
        m = registry.match(name, LCI, year)
        assert m.unit_id in (None, "lci.so_ngoai_vu"), f"{name!r} → {m.unit_id}: {m.reason}"


@pytest.mark.parametrize(
    ("name", "forbidden"),
    [
        ("Sở Noi vụ", "lci.so_ngoai_vu"),
        ("Ban Dân vận", "lci.ban_dan_toc"),
        ("Ban Dân tọc Tỉnh ủy", "lci.ban_dan_van_tu"),
        ("Ban Tổ chức Tỉnh ủy ", "lci.ban_tuyen_giao_tu"),
        ("Ban Tuyen giao Tỉnh ủy", "lci.ban_to_chuc_tu"),
        ("Huyện Bảo Yến", "lci.huyen_bao_thang"),
        ("Huyện Bảo Thắg", "lci.huyen_bao_yen"),
        ("Huyện Bảo Thắg", "lci.huyen_bao_thang"),  # the distinguishing word is unreadable: not guessed
        ("Sở Tài chín", "lci.so_tu_phap"),
        ("Sở Tư phap", "lci.so_tai_chinh"),
        ("Sở Tài nguyên", "lci.so_tai_chinh"),
        ("Huyện ủy Bắc Ha", "lci.huyen_bac_ha"),
        ("Huyện Bắc Hà ủy", "lci.huyen_bac_ha"),
        ("Thị uy Sa Pa", "lci.tx_sa_pa"),
        ("Văn phòng HĐND", "lci.vp_ubnd"),
    ],
)
def test_confusable_pairs_stay_apart(registry, name, forbidden):
    m = registry.match(name, LCI, 2023)
    assert m.unit_id != forbidden, m.reason


@pytest.mark.parametrize(
    ("name", "province"),
    [
        ("Sở Ngoại giao", LCI),
        ("Công ty ABC", LCI),
        ("Huyện Bảo Lâm", LCI),
        ("Sở Du lịch", CBG),  # Cao Bằng still has Sở Văn hóa, Thể thao và Du lịch
        ("Sở Công an", LCI),
        ("UBND tỉnh", LCI),
        ("", LCI),
        ("Sở Y tế", "Tỉnh Atlantis"),  # no such province
    ],
)
def test_names_that_must_not_resolve(registry, name, province):
    m = registry.match(name, province, 2023)
    assert m.unit_id is None and m.unit_name is None and m.method == "unresolved"
    assert m.reason


def test_unresolved_keeps_candidates_for_review(registry):
    m = registry.match("Huyện Bảo Lâm", LCI, 2023)
    assert m.unit_id is None
    assert 1 <= len(m.candidates) <= 3
    assert all(uid.startswith("lci.huyen") for uid, _, _ in m.candidates)
    assert m.score == m.candidates[0][2] < 88
    assert "lci." in m.candidates_text()


def test_validity_years_are_respected(registry):
    # Sở Văn hóa, Thể thao và Du lịch was split in 2022: not a 2023 unit any more.
    assert registry.match("Sở Văn hóa, Thể thao và Du lịch", LCI, 2021).unit_id == "lci.so_vhttdl"
    m = registry.match("Sở Văn hóa, Thể thao và Du lịch", LCI, 2023)
    assert m.unit_id is None and "lci.so_vhttdl" in m.reason
    assert registry.match("Huyện Sa Pa", LCI, 2019).unit_id == "lci.huyen_sa_pa"
    assert registry.match("Huyện Sa Pa", LCI, 2023).unit_id is None
    assert registry.match("Thị xã Sa Pa", LCI, 2016).unit_id is None
    # the same printed name, two departments of different periods
    assert registry.match("Sở Giao thông vận tải", LCI, 2016).unit_id == "lci.so_gtvt"
    assert registry.match("Sở Giao thông vận tải", LCI, 2025).unit_id == "lci.so_gtvt_2024"
    assert registry.match("Sở Giao thông vận tải", LCI, 2020).unit_id is None
    ambiguous = registry.match("Sở Giao thông vận tải", LCI, None)
    assert ambiguous.unit_id is None and {c[0] for c in ambiguous.candidates} == {"lci.so_gtvt", "lci.so_gtvt_2024"}
    assert registry.match("Sở Y tế", LCI, None).unit_id == "lci.so_y_te"


def test_same_name_in_two_provinces_is_two_units(registry):
    for name in ("Sở Nội vụ", "Sở Y tế", "Ban Dân tộc", "Văn phòng UBND tỉnh", "Sở Xây dựng"):
        a = registry.match(name, LCI, 2025 if name == "Sở Xây dựng" else 2022)
        b = registry.match(name, CBG, 2022)
        assert a.unit_id.startswith("lci.") and b.unit_id.startswith("cbg.")
        assert a.unit_id != b.unit_id
    assert registry.match("Sở Y tế", "tỉnh Cao Bằng", 2022).unit_id == "cbg.so_y_te"
    assert registry.match("CAO BẰNG", "Cao Bằng", 2022).unit_id is None


def test_match_is_cached_and_returns_unitmatch(registry):
    a = registry.match("Sở Giáo dục và Đào tao", LCI, 2023)
    assert isinstance(a, UnitMatch)
    assert registry.match("Sở Giáo dục và Đào tao", LCI, 2023) is a
    d = a.as_dict()
    assert set(d) >= {"unit_id", "unit_name", "method", "score", "runner_up", "runner_up_score", "candidates", "reason"}


# --- editing and validation -----------------------------------------------------------------


def test_add_alias_round_trips(registry_copy):
    reg = Registry.load(registry_copy)
    before = reg.fingerprint()
    assert reg.match("Sở Thông tin - Truyền thông tỉnh LC", LCI, 2023).unit_id is None
    assert reg.add_alias("lci.so_tttt", "  Sở Thông tin - Truyền thông tỉnh LC ") is True
    assert reg.fingerprint() != before
    m = reg.match("Sở Thông tin - Truyền thông tỉnh LC", LCI, 2023)
    assert (m.unit_id, m.method) == ("lci.so_tttt", "alias")

    reloaded = Registry.load(registry_copy)
    assert reloaded.unit("lci.so_tttt").aliases == ("Sở Thông tin - Truyền thông tỉnh LC",)
    assert reloaded.fingerprint() == reg.fingerprint()
    # a second time is a no-op and leaves the file byte for byte
    text = (registry_copy / "units" / "lao-cai.yaml").read_text(encoding="utf-8")
    assert reloaded.add_alias("lci.so_tttt", "Sở Thông tin - Truyền thông tỉnh LC") is False
    assert (registry_copy / "units" / "lao-cai.yaml").read_text(encoding="utf-8") == text
    # the file stays readable: header kept, the alias on its own line under its unit
    assert text.startswith("# Unit registry: Lào Cai")
    block = text.split("- unit_id: lci.so_tttt\n", 1)[1].split("  - unit_id:", 1)[0]
    assert "      - Sở Thông tin - Truyền thông tỉnh LC\n" in block
    # the packaged registry is untouched
    assert Registry.load().unit("lci.so_tttt").aliases == ()


def test_add_alias_only_changes_one_line(registry_copy):
    path = registry_copy / "units" / "cao-bang.yaml"
    before = path.read_text(encoding="utf-8").splitlines()
    Registry.load(registry_copy).add_alias("cbg.so_y_te", "Sở Y tế Cao Bằng")
    after = path.read_text(encoding="utf-8").splitlines()
    diff = [
        d
        for d in difflib.unified_diff(before, after, lineterm="", n=0)
        if d[:1] in "+-" and d[:3] not in ("+++", "---")
    ]
    assert diff == ["-    aliases: []", "+    aliases:", "+      - Sở Y tế Cao Bằng"]


def test_add_alias_refuses_a_name_of_another_unit(registry_copy):
    reg = Registry.load(registry_copy)
    path = registry_copy / "units" / "lao-cai.yaml"
    text = path.read_text(encoding="utf-8")
    with pytest.raises(RegistryError, match="lci.so_noi_vu"):
        reg.add_alias("lci.so_noi_vu", "Sở Ngoại vụ")
    assert path.read_text(encoding="utf-8") == text
    with pytest.raises(UnknownUnitError):
        reg.add_alias("lci.nope", "Sở Gì đó")


def _edit(registry_dir: Path, file: str, change) -> None:
    path = registry_dir / "units" / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["units"].append(dict(d["units"][0])), r"lao-cai\.yaml, unit lci\.vp_ubnd: duplicate unit_id"),
        (lambda d: d["events"][0]["from"].append("lci.ghost"), r"lao-cai\.yaml.*unknown unit id lci\.ghost"),
        (lambda d: d["units"][0].update(unit_type="galaxy"), r"lao-cai\.yaml, unit lci\.vp_ubnd: unit_type"),
        (lambda d: d["units"][0].update(unit_id="cbg.vp_ubnd"), r"lao-cai\.yaml.*province code 'lci\.'"),
        (lambda d: d["units"][0].update(unit_id="lci.Văn phòng"), r"ASCII slug"),
        (lambda d: d["units"][0].update(valid_from_year=2020, valid_to_year=2010), r"after valid_to_year"),
        (lambda d: d["units"][0].update(aliases=["Sở Y tế"]), r"lci\.vp_ubnd.*lci\.so_y_te|lci\.so_y_te.*lci\.vp_ubnd"),
        (lambda d: d["events"][0].update(event="absorb"), r"event must be one of"),
        (lambda d: d["events"][0].update(effective_year=2010), r"lci\.so_gtvt must end"),
        (lambda d: d["units"][0].update(colour="red"), r"unit lci\.vp_ubnd: unknown field"),
    ],
)
def test_validation_names_file_and_unit(registry_copy, change, message):
    _edit(registry_copy, "lao-cai.yaml", change)
    with pytest.raises(RegistryError, match=message):
        Registry.load(registry_copy)


def test_a_province_or_code_defined_twice_is_refused(registry_copy):
    units = registry_copy / "units"
    shutil.copy(units / "lao-cai.yaml", units / "lao-cai-copy.yaml")
    with pytest.raises(RegistryError, match=r"lao-cai.*\.yaml: province Lào Cai is also defined in lao-cai.*\.yaml"):
        Registry.load(registry_copy)
    (units / "lao-cai-copy.yaml").unlink()
    _edit(registry_copy, "cao-bang.yaml", lambda d: d.update(code="lci", units=[]))
    with pytest.raises(RegistryError, match=r"code 'lci' is also used by"):
        Registry.load(registry_copy)


def test_broken_yaml_is_reported_with_the_file(registry_copy):
    (registry_copy / "units" / "lao-cai.yaml").write_text("units: [\n  - unit_id: x\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"lao-cai\.yaml: not valid YAML"):
        Registry.load(registry_copy)


def test_2025_reorganisation_is_data_only(registry_copy):
    """Mergers of departments and of provinces are more units and events, no code change."""

    def reorganise_lao_cai(d):
        for u in d["units"]:
            if u["unit_id"] in ("lci.so_tttt", "lci.so_gtvt_2024", "lci.so_xay_dung_2024"):
                u["valid_to_year"] = 2025
        d["units"].append(
            {
                "unit_id": "lci.so_xay_dung_2025",
                "name": "Sở Xây dựng",
                "unit_type": "department_agency",
                "valid_from_year": 2025,
                "valid_to_year": None,
                "aliases": [],
            }
        )
        d["events"] += [
            {
                "event": "merge",
                "from": ["lci.so_tttt"],
                "to": ["lci.so_khcn"],
                "effective_year": 2025,
                "approximate": False,
                "legal_basis": None,
            },
            {
                "event": "merge",
                "from": ["lci.so_gtvt_2024", "lci.so_xay_dung_2024", "ybi.so_xay_dung"],
                "to": ["lci.so_xay_dung_2025"],
                "effective_year": 2025,
                "approximate": False,
                "legal_basis": None,
            },
        ]

    (registry_copy / "units" / "yen-bai.yaml").write_text(
        "province: Yên Bái\ncode: ybi\nunits:\n"
        "  - {unit_id: ybi.so_xay_dung, name: Sở Xây dựng, unit_type: department_agency,"
        " valid_from_year: null, valid_to_year: 2025, aliases: []}\nevents: []\n",
        encoding="utf-8",
    )
    _edit(registry_copy, "lao-cai.yaml", reorganise_lao_cai)
    reg = Registry.load(registry_copy)
    assert reg.match("Sở Xây dựng", LCI, 2026).unit_id == "lci.so_xay_dung_2025"
    assert reg.match("Sở Xây dựng", "Yên Bái", 2024).unit_id == "ybi.so_xay_dung"
    assert reg.match("Sở Thông tin và Truyền thông", LCI, 2026).unit_id is None
    # years are the registry's grain: in the year of the merger the name is ambiguous, not guessed
    handover = reg.match("Sở Xây dựng", LCI, 2025)
    assert handover.unit_id is None
    assert {c[0] for c in handover.candidates} == {"lci.so_xay_dung_2024", "lci.so_xay_dung_2025"}
    assert "lci.so_khcn" in reg.descendants("lci.so_tttt")
    assert "lci.so_xay_dung_2025" in reg.descendants("lci.so_gtvt")
    assert "lci.so_xay_dung_2025" in reg.descendants("ybi.so_xay_dung")


def test_fingerprint_is_stable_and_sensitive(registry_copy):
    a = Registry.load(registry_copy).fingerprint()
    assert a == Registry.load(registry_copy).fingerprint() and len(a) == 64
    path = registry_copy / "abbreviations.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert Registry.load(registry_copy).fingerprint() != a


def test_alias_of_a_unit_in_year_wins_over_a_name_of_another_period(registry_copy):
    """An officer may record the short name used between 2018 and 2023 for the merged department."""
    reg = Registry.load(registry_copy)
    assert reg.match("Sở Giao thông vận tải", LCI, 2020).unit_id is None
    reg.add_alias("lci.so_gtvt_xd", "Sở Giao thông vận tải")
    m = reg.match("Sở Giao thông vận tải", LCI, 2020)
    assert (m.unit_id, m.method) == ("lci.so_gtvt_xd", "alias")
    assert reg.match("Sở Giao thông vận tải", LCI, 2016).unit_id == "lci.so_gtvt"
    assert reg.match("Sở Giao thông vận tải", LCI, 2025).unit_id == "lci.so_gtvt_2024"


def test_missing_values_from_frames_do_not_crash(registry):
    assert registry.match(float("nan"), LCI, 2023).method == "unresolved"
    assert registry.match("Sở Y tế", LCI, pd.NA).unit_id == "lci.so_y_te"
    assert registry.match("Sở Y tế", LCI, pd.array([2023], dtype="Int16")[0]).unit_id == "lci.so_y_te"
