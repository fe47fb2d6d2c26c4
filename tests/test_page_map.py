"""The 地图 page in Streamlit's AppTest: the map component, picking or clicking a township, deep links."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import click_internals, click_map, inline_maps, map_data

from txip_geo.figures.compute import compute
from txip_geo.store.database import Store

HQ = "321283100"  # 黄桥镇
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def page(demo_db, monkeypatch):
    monkeypatch.setenv("TXIP_DB", str(demo_db))
    import streamlit as st

    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "map.py"), default_timeout=90)
    return at


def html_blocks(at) -> list[str]:
    """What the page shows as Markdown and as HTML (st.html: the badges, the panel's tables)."""
    return [m.value for m in at.markdown] + [h.value for h in at.get("html")]


def markdown(at) -> str:
    return " ".join(html_blocks(at))


def component(at):
    """The page's map (ui/folium_view's inline component)."""
    (m,) = inline_maps(at)
    return m


def test_map_component_carries_every_township_and_only_local_links(page):
    page.run()
    assert not page.exception
    args = map_data(component(page))
    for name in ("黄桥镇", "根思乡", "延令街道"):
        assert name in args["script"] or json.dumps(name)[1:-1] in args["script"]
    assert all(link.startswith("/app/static/") for link in args["js_links"] + args["css_links"])


def test_picking_a_township_shows_its_panel_with_the_core_figures(page, demo_db):
    page.run()
    page.selectbox(key="unit_pick").set_value(HQ).run()
    assert not page.exception
    fs = compute(Store(demo_db))
    patents = int(fs.units.set_index("code").loc[HQ, "patents"])
    assert page.subheader[0].value == "黄桥镇"
    assert page.metric[0].value == f"{patents:,} 件"
    assert page.query_params["unit"] == [HQ] or page.query_params["unit"] == HQ


def test_clicking_on_the_map_selects_the_township_under_the_click(page):
    page.run()
    click_map(page, component(page), 32.23504, 120.2657)  # 黄桥镇
    assert not page.exception
    assert page.session_state["unit_pick"] == HQ and page.subheader[0].value == "黄桥镇"


def test_the_apptest_internals_click_map_uses_are_there(page):
    """click_map (tests/support.py) triggers the map's click through AppTest internals: this fails first, naming what
    changed, when a Streamlit upgrade moves them."""
    page.run()
    widget_states, run, trigger_id = click_internals(page)
    assert hasattr(widget_states(), "widgets") and callable(run)
    assert component(page).id in trigger_id(component(page).id, "events")


def test_deep_link_opens_the_indicator_and_township(page):
    page.query_params["ind"] = "trademarks"
    page.query_params["unit"] = "321283104"  # 元竹镇: the sample has no trademark there
    page.run()
    assert not page.exception
    assert page.selectbox(key="indicator").value == "trademarks"
    assert page.subheader[0].value == "元竹镇" and page.metric[0].value == "0 件"


def test_sample_badge_and_schematic_notice_are_shown(page):
    page.run()
    md = markdown(page)
    assert "样例数据" in md and "示意边界" in md


def test_panel_sends_only_the_open_tab_and_opens_another_on_request(page):
    page.query_params["unit"] = HQ
    page.run()
    assert not page.exception
    assert len(page.dataframe) == 0  # 主要数字 (an HTML table) only: the workstations and cases lists are not sent
    assert "<th>指标</th>" in markdown(page) and "<th>依托单位</th>" not in markdown(page)
    page.session_state["panel_tab"] = "工作站"
    page.run()
    assert not page.exception
    assert len(page.dataframe) == 1 and "依托单位" in page.dataframe[0].value.columns


def test_with_no_township_picked_the_panel_shows_the_city_and_the_ranking(page, demo_db):
    page.run()
    assert not page.exception
    fs = compute(Store(demo_db))
    assert page.subheader[0].value == "泰兴市（全市）"
    assert page.metric[0].value == f"{int(fs.city['patents']):,} 件"
    table = next(m for m in html_blocks(page) if "txp-panel-table" in m)
    best = fs.units.sort_values("patents", ascending=False).iloc[0]
    assert table.count("<tr>") == 18  # header + 17 townships
    first = table.split("<tbody>")[1].split("</tr>")[0]
    assert f"<td>{best['name']}</td>" in first and '<td class="num">1</td>' in first


def outline(at):
    el = next(
        e
        for e in at.main
        if type(e).__name__ == "UnknownElement"
        and e.type == "bidi_component"
        and e.component_name == "txip_map_outline"
    )
    return json.loads(el.json) if el.json else None


def test_a_click_leaves_the_map_element_unchanged_and_outlines_the_township_apart(page):
    """The map's arguments are byte-identical before and after a click (so the browser gets only a reference to the
    map it has); the selection outline goes to its own component, with the clicked township's geometry."""
    page.run()
    before = component(page).json
    assert outline(page) is None
    click_map(page, component(page), 32.23504, 120.2657)
    assert not page.exception and page.session_state["unit_pick"] == HQ
    assert component(page).json == before
    spec = outline(page)
    assert (
        spec["id"] == HQ and spec["style"]["fill"] is False and spec["geojson"]["type"] in ("Polygon", "MultiPolygon")
    )
    xs = [
        p[0]
        for ring in (
            spec["geojson"]["coordinates"]
            if spec["geojson"]["type"] == "Polygon"
            else [r for poly in spec["geojson"]["coordinates"] for r in poly]
        )
        for p in ring
    ]
    assert min(xs) < 120.2657 < max(xs)  # the outline surrounds the click
    page.selectbox(key="unit_pick").set_value("").run()
    assert outline(page) is None and component(page).json == before


def test_the_basemap_is_picked_under_the_map_and_a_key_asked_for_when_needed(page):
    page.run()
    args = map_data(component(page))
    assert "tileLayer" not in args["script"]  # the default: no tiles, nothing fetched
    page.selectbox(key="basemap_pick").set_value("amap").run()
    assert not page.exception and page.session_state["basemap"] == "amap"
    assert "autonavi.com" in map_data(component(page))["script"]
    page.selectbox(key="basemap_pick").set_value("tianditu").run()  # needs a key: none given, no tiles yet
    assert not page.exception and "tianditu" not in map_data(component(page))["script"]
    page.text_input(key="basemap_tk_input").input("abc123").run()
    assert "tk=abc123" in map_data(component(page))["script"]


def test_local_tiles_are_linked_behind_the_base_url_path(page):
    from streamlit import config

    page.session_state["basemap"] = "local"
    config.set_option("server.baseUrlPath", "txip")
    try:
        page.run()
    finally:
        config.set_option("server.baseUrlPath", "")
    assert not page.exception
    assert "/txip/app/static/tiles/{z}/{x}/{y}.png" in map_data(component(page))["script"]


def test_the_park_view_speaks_of_parks(page):
    """In the 园区 view the picker, the click hint and the city hint name parks, not 镇街."""
    page.query_params["view"] = "parks"
    page.run()
    assert not page.exception
    pick = page.selectbox(key="unit_pick")
    assert pick.label == "选择园区" and "镇街" not in " ".join(c.value for c in page.caption)
    assert set(pick.options[1:]) == {"泰兴经济开发区", "黄桥经济开发区", "虹桥工业园区", "泰兴高新技术产业开发区"}
    page.radio(key="view").set_value("units").run()
    assert page.selectbox(key="unit_pick").label == "选择镇街"
