"""The 网络覆盖 page on the bundled sample, run headless with Streamlit's AppTest."""

import json
import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import inline_maps, map_data, page_text

from txip_geo.figures import network
from txip_geo.figures.compute import compute
from txip_geo.render import folium_map as maps
from txip_geo.store.database import Store

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def store_env(db):
    """TXIP_DB set to `db` while the block runs."""
    old = os.environ.get("TXIP_DB")
    os.environ["TXIP_DB"] = str(db)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TXIP_DB", None)
        else:
            os.environ["TXIP_DB"] = old


@pytest.fixture(scope="module")
def page(demo_db):
    with store_env(demo_db):
        at = AppTest.from_file(str(ROOT / "pages" / "network.py"), default_timeout=120)
        at.run()
        yield at


@pytest.fixture(scope="module")
def fs(demo_db):
    return compute(Store(demo_db))


def test_no_exception_and_title(page):
    assert not page.exception
    assert page.title[0].value == "三级网络覆盖"
    assert "样例数据" in page_text(page)  # the header's sample badge


def test_scorecard_has_21_rows(page):
    card = page.dataframe[0].value
    assert len(card) == 21
    assert {"管理机构", "专（兼）职人员", "缺口数"} <= set(card.columns)


def test_gap_list_matches_gap_list_of_the_sample(page, fs):
    expected = network.gap_list(fs)
    shown = page.dataframe[1].value
    assert len(shown) == len(expected) > 0
    assert list(shown["缺口"]) == list(expected["缺口"])
    assert page.caption and any(f"共 {len(expected)} 项缺口" in c.value for c in page.caption)


def test_map_component_present(page):
    comps = inline_maps(page)
    assert len(comps) == 1
    raw = comps[0].json
    args = json.loads(raw)
    script = args.get("script", "")
    assert maps.UNPACK_JS in script and "topojson.feature(" in script  # the townships, as one (packed) topology
    drawn = args.get("html", "") + args.get("script", "")  # the legend is map HTML or a Leaflet control's script
    assert "txip-legend" in drawn and "0（无缺口）" in drawn and "缺口数（项）" in drawn  # 0 means "no gap"
    assert "cdn.jsdelivr.net" not in raw  # localised: the app has no internet


def test_filters_narrow_the_gap_list(page, fs):
    page.multiselect(key="network_bases").set_value(["任务5"]).run()
    shown = page.dataframe[1].value
    expected = network.gap_list(fs)
    assert len(shown) == (expected["依据"] == "任务5").sum()
    assert set(shown["依据"]) == {"任务5"}
    page.multiselect(key="network_bases").set_value([]).run()
    assert len(page.dataframe[1].value) == len(expected)


def test_download_button_present(page):
    assert page.get("download_button")


def _map_args(at) -> dict:
    (comp,) = inline_maps(at)
    return map_data(comp)


def test_second_session_gets_the_same_map(page):
    """The map is cached across sessions; st_folium alters any map it is given, so it must get a copy: rendering the
    cached object again would add its header parts a second time (and the browser then draws an empty map)."""
    again = AppTest.from_file(str(ROOT / "pages" / "network.py"), default_timeout=120)
    again.run()
    assert not again.exception
    for at in (page, again):
        assert _map_args(at)["header"].count('name="viewport"') == 1


def test_the_basemap_is_picked_under_the_gap_map_and_follows_from_the_map_page(demo_db):
    with store_env(demo_db):
        at = AppTest.from_file(str(ROOT / "pages" / "network.py"), default_timeout=120)
        at.run()
        assert "tileLayer" not in _map_args(at)["script"]  # the default: no tiles, nothing fetched
        at.selectbox(key="basemap_pick").set_value("osm").run()
        assert not at.exception and at.session_state["basemap"] == "osm"
        assert "tile.openstreetmap.org" in _map_args(at)["script"]
        again = AppTest.from_file(str(ROOT / "pages" / "network.py"), default_timeout=120)
        again.session_state["basemap"] = "amap"  # picked earlier on the 地图 page: the same session key
        again.run()
        assert not again.exception and again.selectbox(key="basemap_pick").value == "amap"
        assert "autonavi.com" in _map_args(again)["script"]
