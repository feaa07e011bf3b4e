"""The registry index: a built registry kept on disk answers exactly as a fresh build of the same files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from normalizers.units import DATA_DIR, Registry, RegistryError
from pipeline.registry_cache import load_registry_indexed, registry_fingerprint
from tests.conftest import loaded_twice

LCI = "Lào Cai"
# read from the 2016 decision's printed names (as tests/test_units.py's EXPECTED_2016)
NAMES_2016 = {
    "Sở Lao động - TBXH": "lci.so_ldtbxh",
    "Sở Thông tin và Truyền thông": "lci.so_tttt",
    "Sở Tài chính": "lci.so_tai_chinh",
}


@pytest.fixture()
def registry_copy(tmp_path: Path) -> Path:
    target = tmp_path / "registry"
    (target / "units").mkdir(parents=True)
    for path in (DATA_DIR / "units").glob("*.yaml"):
        shutil.copy(path, target / "units" / path.name)
    return target


def _index_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("registry-*.pkl"))


def test_fingerprint_without_building_is_the_registrys_own(registry_copy):
    assert registry_fingerprint(registry_copy) == Registry.load(registry_copy).fingerprint()
    assert registry_fingerprint(None) == Registry.load().fingerprint()


def test_second_load_comes_from_the_index_and_matches_the_same(registry_copy, tmp_path):
    built, again = loaded_twice(
        lambda: load_registry_indexed(registry_copy, tmp_path / "index"), tmp_path / "index", "registry"
    )
    assert again.directory == registry_copy and again.read_only is False
    for name, unit_id in NAMES_2016.items():
        assert again.match(name, LCI, 2016).unit_id == unit_id == built.match(name, LCI, 2016).unit_id
    assert again.fingerprint() == built.fingerprint()
    assert again.units_frame().equals(Registry.load(registry_copy).units_frame())


def test_an_edited_file_is_read_again(registry_copy, tmp_path):
    index = tmp_path / "index"
    load_registry_indexed(registry_copy, index)
    reg = load_registry_indexed(registry_copy, index)
    assert reg.match("Sở TT-TT tỉnh LC", LCI, 2023).unit_id is None
    reg.add_alias("lci.so_tttt", "Sở TT-TT tỉnh LC")
    fresh = load_registry_indexed(registry_copy, index)
    assert fresh.match("Sở TT-TT tỉnh LC", LCI, 2023).unit_id == "lci.so_tttt"
    assert len(_index_files(index)) == 2  # one per content


def test_a_broken_file_is_an_error_even_with_an_index(registry_copy, tmp_path):
    index = tmp_path / "index"
    load_registry_indexed(registry_copy, index)
    (registry_copy / "units" / "lao-cai.yaml").write_text("province: [unclosed\n", encoding="utf-8")
    with pytest.raises(RegistryError):
        load_registry_indexed(registry_copy, index)


def test_a_damaged_index_is_rebuilt(registry_copy, tmp_path):
    index = tmp_path / "index"
    load_registry_indexed(registry_copy, index)
    _index_files(index)[0].write_bytes(b"not a pickle")
    reg = load_registry_indexed(registry_copy, index)
    assert reg.match("Sở Tài chính", LCI, 2016).unit_id == "lci.so_tai_chinh"
