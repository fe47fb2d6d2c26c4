"""The 地图 page's industry indicators and the panel's industry mix (issue #18), in Streamlit's AppTest."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from txip_geo.figures import industries
from txip_geo.figures.compute import compute
from txip_geo.store.database import Store

HQ = "321283100"  # 黄桥镇
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def page(demo_db, monkeypatch):
    monkeypatch.setenv("TXIP_DB", str(demo_db))
    import streamlit as st

    st.cache_resource.clear()
    return AppTest.from_file(str(ROOT / "pages" / "map.py"), default_timeout=90)


def test_an_industry_indicator_colours_the_map_and_the_panel_shows_the_mix(page, demo_db):
    page.query_params["ind"] = "industry_biomed"
    page.query_params["unit"] = HQ
    page.run()
    assert not page.exception
    fig = industries.industry_figures(compute(Store(demo_db)))
    want = int(fig.units.loc[(HQ, "biomed"), "patents"])
    assert page.session_state["indicator"] == "industry_biomed"
    assert page.metric[0].label == "生物医药及新型医疗器械专利"
    assert page.metric[0].value == f"{want:,} 件"
    panel = " ".join(h.value for h in page.get("html"))
    assert "产业构成" in " ".join(c.value for c in page.caption)
    for ind in industries.INDUSTRIES:  # every industry's row, with its count
        n = int(fig.units.loc[(HQ, ind), "patents"])
        assert industries.label(ind) in panel and f">{n}<" in panel.replace(",", "")


def test_a_park_panel_shows_its_industry_mix(page, demo_db):
    page.query_params["ind"] = "industry_fine_chem"
    page.query_params["view"] = "parks"
    page.query_params["unit"] = "P01"
    page.run()
    assert not page.exception
    fig = industries.industry_figures(compute(Store(demo_db)))
    n = int(fig.parks.loc[("P01", "fine_chem"), "patents"])
    panel = " ".join(h.value for h in page.get("html"))
    assert "精细化工及新材料" in panel and f">{n}<" in panel.replace(",", "")
