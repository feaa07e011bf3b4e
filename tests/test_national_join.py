"""National rankings as published: every province and ministry row resolves to its national unit,
and a ranking of ministries (which has no province) keeps all its rows in scores.parquet."""

import pytest

from tests.conftest import run_on
from tests.truth import RAW, score_mismatches

pytestmark = pytest.mark.slow

PROVINCES = "national-2023-dti2022-provinces.html"
MINISTRIES = "national-2020-ict2019-ministries-test.html"


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    return run_on(tmp_path_factory.mktemp("national"), [RAW / PROVINCES, RAW / MINISTRIES])


def test_every_national_row_is_published_and_exact(national):
    assert score_mismatches(national.published("scores", PROVINCES), "national-2023-dti2022") == []
    assert score_mismatches(national.published("scores", MINISTRIES), "national-2020-ict2019-ministries-test") == []


def test_provinces_and_ministries_resolve_to_national_units(national):
    scores = national.table("scores")
    assert scores["unit_id"].notna().all()
    ids = dict(zip(scores["unit_name_raw"], scores["unit_id"]))
    assert ids["TP. Đà Nẵng"] == "vn.da_nang" and ids["Thừa Thiên - Huế"] == "vn.hue"
    assert ids["Bộ Tài chính"].startswith("vn.") and ids["Ngân hàng Nhà nước Việt Nam"].startswith("vn.")
    issues = national.table("issues")
    assert not (issues["code"] == "unresolved_unit").any()
