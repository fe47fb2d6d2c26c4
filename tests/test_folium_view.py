"""ui/folium_view: a map rendered once hands the component exactly what st_folium would, and is not altered."""

import json

import geopandas as gpd
import pandas as pd
import pytest
import streamlit_folium as sf
from shapely.geometry import box

from txip_geo.present import mapspec
from txip_geo.render import folium_map as maps
from txip_geo.render.offline import localise_map
from ui import folium_view


def township_map(points: int = 0):
    geoms = [box(120 + i * 0.1, 32, 120.09 + i * 0.1, 32.09) for i in range(3)]
    areas = gpd.GeoDataFrame(
        {"code": ["U0", "U1", "U2"], "name": ["甲镇", "乙镇", "丙街道"], "value": [0, 5, 40]}, geometry=geoms, crs=4326
    )
    layers = []
    if points:
        pts = pd.DataFrame(
            {
                "lon": [120.01 + i * 0.0005 for i in range(points)],
                "lat": [32.05] * points,
                "color": "#08519c",
                "radius": 6,
                "tooltip": [f"工作站{i}（样例）" for i in range(points)],
            }
        )
        layers = [mapspec.PointLayer(name="知识产权工作站", points=pts, cluster=True)]
    spec = mapspec.MapSpec(
        areas=areas, label="专利总量", unit="件", breaks=mapspec.class_breaks([0, 5, 40]), points=layers
    )
    return maps.build_map(spec), areas  # as the pages hand it over: folium_view.render localises it


def st_folium_args(m, **kw):
    """The arguments st_folium itself hands its component for `m` (its component function swapped for a recorder)."""
    seen = {}
    orig = sf._component_func
    sf._component_func = lambda **args: seen.update(args) or args["default"]
    try:
        sf.st_folium(m, **kw)
    finally:
        sf._component_func = orig
    return seen


@pytest.mark.parametrize("points", [0, 40])
def test_rendered_map_carries_exactly_what_st_folium_sends(points):
    m, _ = township_map(points)
    rendered = folium_view.render(m)
    ref = st_folium_args(
        localise_map(_copy(m)),
        key="map",
        height=640,
        use_container_width=True,
        returned_objects=["last_object_clicked"],
    )
    assert rendered.script == ref["script"]
    assert rendered.header == ref["header"]
    assert rendered.html == ref["html"]
    assert rendered.map_id == ref["id"]
    assert list(rendered.js_links) == ref["js_links"] and list(rendered.css_links) == ref["css_links"]
    assert rendered.defaults(["last_object_clicked"]) == ref["default"]
    assert all(link.startswith("/app/static/") for link in rendered.js_links + rendered.css_links)


def _copy(m):
    import copy

    return copy.deepcopy(m)


def test_rendering_leaves_the_cached_map_as_it_was():
    m, _ = township_map(10)
    before = maps.render_html(_copy(m))
    first = folium_view.render(m)
    second = folium_view.render(m)
    assert first.script == second.script  # the same map renders the same, however often
    assert maps.render_html(_copy(m)) == before


def test_component_key_changes_with_the_map_and_the_user_key():
    a = folium_view.render(township_map(0)[0])
    b = folium_view.render(township_map(5)[0])
    assert a.component_key("map") == folium_view.render(township_map(0)[0]).component_key("map")
    assert a.component_key("map") != b.component_key("map")
    assert a.component_key("map") != a.component_key("other")


def test_selection_outline_is_the_picked_areas_geometry_only():
    _, areas = township_map()
    spec = maps.outline_spec(areas[areas["code"] == "U1"], "U1")
    assert spec["id"] == "U1" and spec["style"] == {"fill": False, "color": mapspec.SELECTED_COLOR, "weight": 4}
    xs = [x for ring in spec["geojson"]["coordinates"] for x, _ in ring]
    assert min(xs) >= 120.1 and max(xs) == pytest.approx(120.19)  # the outline of U1 (x from 120.1 to 120.19)
    json.dumps(spec)  # goes to the browser as JSON


def test_assets_are_linked_behind_the_servers_base_url_path():
    from streamlit import config

    m, _ = township_map(5)
    config.set_option("server.baseUrlPath", "txip")
    try:
        rendered = folium_view.render(m)
    finally:
        config.set_option("server.baseUrlPath", "")
    links = rendered.js_links + rendered.css_links
    assert links and all(link.startswith("/txip/app/static/vendor/") for link in links)
    assert "/txip/app/static/vendor/" in rendered.script  # Leaflet's marker image path too
    assert folium_view.render(m).js_links[0].startswith("/app/static/vendor/")


def test_inline_script_creates_the_map_on_the_given_element_and_is_otherwise_st_folium_s():
    rendered = folium_view.render(township_map(40)[0])
    assert rendered.inline_script.count("L.map(map_el") == 1 and '"map_div"' not in rendered.inline_script
    assert rendered.inline_script == rendered.script.replace('L.map(\n                "map_div"', "L.map(map_el", 1)
    with pytest.raises(ValueError, match="streamlit-folium changed"):
        folium_view.inline_script("var m = L.map('elsewhere');")


def test_inline_map_data_has_only_local_links_and_a_chinese_error_text():
    rendered = folium_view.render(township_map(40)[0])
    data = folium_view.inline_data(rendered, height=640, clicks=True)
    assert data["script"] == rendered.inline_script and data["digest"] == rendered.digest
    assert data["js_links"] and all(u.startswith("/app/static/vendor/") for u in data["js_links"] + data["css_links"])
    assert data["report_clicks"] is True and data["height"] == 640 and "地图" in data["failed"]
    json.dumps(data)


def test_maps_that_return_drawings_stay_in_streamlit_folium_s_frame(monkeypatch):
    rendered = folium_view.render(township_map(0)[0])
    seen = []
    monkeypatch.setattr(folium_view, "_show_inline", lambda *a, **k: seen.append(("inline", k["clicks"])) or {})
    monkeypatch.setattr(folium_view, "_show_framed", lambda *a, **k: seen.append(("framed", k["returned"])) or {})
    folium_view.show(rendered, key="a", height=100)
    folium_view.show(rendered, key="b", height=100, returned_objects=["last_object_clicked"])
    folium_view.show(rendered, key="c", height=100, returned_objects=["all_drawings", "last_active_drawing"])
    folium_view.show(rendered, key="d", height=100, returned_objects=None)  # everything st_folium returns
    assert seen == [
        ("inline", False),
        ("inline", True),
        ("framed", ["all_drawings", "last_active_drawing"]),
        ("framed", None),
    ]
