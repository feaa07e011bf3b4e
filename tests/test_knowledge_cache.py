"""The knowledge index: a bundle kept on disk is exactly what validating the same files gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from normalizers.knowledge import DATA_DIR, KnowledgeError, load_knowledge_bundle
from pipeline.knowledge_cache import load_knowledge_indexed
from tests.conftest import loaded_twice

MARKS = "missing_marks.yaml"


def _index_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("knowledge-*.pkl"))


@pytest.fixture()
def officer_copy(tmp_path: Path) -> Path:
    """A --knowledge-dir holding one edited-to-be copy; every other file is the packaged one."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    shutil.copy(DATA_DIR / MARKS, folder / MARKS)
    return folder


def test_second_load_comes_from_the_index_and_is_the_validated_bundle(officer_copy, tmp_path):
    first, again = loaded_twice(
        lambda: load_knowledge_indexed(officer_copy, tmp_path / "index"), tmp_path / "index", "knowledge"
    )
    fresh = load_knowledge_bundle(officer_copy)
    assert again.digest() == fresh.digest() == first.digest()
    assert again.data_dir == officer_copy and again.registry is None
    assert "kđg" in again.missing_marks.marks
    dti = again.frameworks.frameworks["dti"]  # the 1,000-point DTI of the Lào Cai and Cao Bằng decisions
    assert dti.default_max == 1000 and [t.code for t in dti.tiers] == ["dan_dat", "nang_cao", "hinh_thanh", "khoi_dong"]


def test_an_edited_file_is_validated_again(officer_copy, tmp_path):
    index = tmp_path / "index"
    assert "n/a" not in load_knowledge_indexed(officer_copy, index).missing_marks.marks
    text = (officer_copy / MARKS).read_text(encoding="utf-8")
    (officer_copy / MARKS).write_text(text.replace("không đánh giá]", "không đánh giá, n/a]"), encoding="utf-8")
    assert "n/a" in load_knowledge_indexed(officer_copy, index).missing_marks.marks
    assert len(_index_files(index)) == 2


def test_a_broken_file_raises_though_its_good_version_is_indexed(officer_copy, tmp_path):
    index = tmp_path / "index"
    load_knowledge_indexed(officer_copy, index)
    (officer_copy / MARKS).write_text("marks: [x]\nmarkz: [y]\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"missing_marks\.yaml: markz"):
        load_knowledge_indexed(officer_copy, index)
    assert len(_index_files(index)) == 1  # what failed is never indexed


def test_a_damaged_index_is_rebuilt(officer_copy, tmp_path):
    index = tmp_path / "index"
    load_knowledge_indexed(officer_copy, index)
    _index_files(index)[0].write_bytes(b"not a pickle")
    assert load_knowledge_indexed(officer_copy, index).digest() == load_knowledge_bundle(officer_copy).digest()
