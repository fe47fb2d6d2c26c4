"""The area layers as TopoJSON (txip_geo/areas/topology.py, folium_map.Topology): decoded -- in Python and by the
vendored topojson-client under node -- they give back the polygons within the quantisation error, with each shared
border sent once."""

from __future__ import annotations

import json
import shutil
import subprocess

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box, shape

from benchmarks import generate
from txip_geo.areas import boundaries, simplify, topology
from txip_geo.present import mapspec
from txip_geo.render import folium_map as maps
from txip_geo.render.offline import VENDOR_DIR

Q = 1e-5
CLIENT = VENDOR_DIR / "topojson-client@3.1.0" / "dist" / "topojson-client.min.js"
MAX_ERR = Q / 2 * 2**0.5 + 1e-12  # a vertex moves at most half a grid step in x and in y


def fc(geoms, **props):
    gdf = gpd.GeoDataFrame({k: v for k, v in props.items()}, geometry=list(geoms), crs=4326)
    return json.loads(json.dumps(gdf.__geo_interface__))


def decoded(topo, name):
    arcs = topology.decode_arcs(topo)
    return [
        None if (g := topology.decode_geometry(x, arcs)) is None else shape(g)
        for x in topo["objects"][name]["geometries"]
    ]


def test_townships_come_back_within_the_grid_and_each_inner_border_is_sent_once():
    """The 17 units with surveyed-looking borders (benchmarks/generate.py), simplified as the map shows them."""
    towns = simplify.for_display(generate.detailed_coverage(boundaries.bundled_townships(), 300))
    layer = fc(towns.geometry, code=list(towns["code"]), name=list(towns["name"]))
    topo = topology.encode({"t": layer}, Q)
    back = decoded(topo, "t")
    for a, b in zip(towns.geometry, back):
        assert b.is_valid and a.hausdorff_distance(b) <= MAX_ERR
        assert abs(a.area - b.area) / a.area < 5e-4  # perimeter × half a metre
    assert shapely.coverage_is_valid(np.array(back))  # still no gaps, no overlaps
    arc_points = sum(len(a) for a in topo["arcs"])
    ring_points = simplify.vertex_count(towns.geometry)
    assert arc_points < 0.65 * ring_points  # the inner borders once, not twice
    # ids and properties as the features had them
    gs = topo["objects"]["t"]["geometries"]
    assert [g["id"] for g in gs] == [f["id"] for f in layer["features"]]
    assert [g["properties"]["name"] for g in gs] == list(towns["name"])


def test_an_island_and_the_hole_around_it_share_one_arc():
    outer = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)], [[(0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6)]])
    island = box(0.4, 0.4, 0.6, 0.6)
    topo = topology.encode({"x": fc([outer, island])}, 1e-3)
    assert len(topo["arcs"]) == 2  # the outer ring and the hole/island ring, once
    a, b = decoded(topo, "x")
    assert a.symmetric_difference(outer).area < 1e-12 and b.symmetric_difference(island).area < 1e-12


def test_multipolygons_empty_geometries_and_empty_layers():
    mp = shapely.MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)])
    tiny = box(5, 5, 5.0000001, 5.0000001)  # less than a grid step: nothing left to draw
    topo = topology.encode({"x": fc([mp, tiny, None]), "empty": {"type": "FeatureCollection", "features": []}}, Q)
    a, b, c = decoded(topo, "x")
    assert a.hausdorff_distance(mp) < 1e-9 and len(a.geoms) == 2 and b is None and c is None
    assert topo["objects"]["empty"]["geometries"] == []
    assert topology.encode({}, Q)["arcs"] == []


def test_adjacent_squares_share_their_border_and_a_three_way_junction_splits_it():
    a, b, c = box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 2, 2)
    topo = topology.encode({"x": fc([a, b, c])}, 1e-3)
    back = decoded(topo, "x")
    assert all(g.symmetric_difference(h).area < 1e-12 for g, h in zip(back, (a, b, c)))
    refs = [abs(i if i >= 0 else ~i) for g in topo["objects"]["x"]["geometries"] for ring in g["arcs"] for i in ring]
    assert len(refs) > len(set(refs))  # some arcs are used by two squares
    # every arc's coordinates are whole grid steps, written as differences after the first point
    assert all(isinstance(v, int) for arc in topo["arcs"] for p in arc for v in p)


def test_json_text_is_safe_in_a_script_tag():
    layer = fc([box(0, 0, 1, 1)], name=["</script><img src=x onerror=alert(1)>&'"])
    text = topology.to_json(topology.encode({"x": layer}, Q))
    assert "<" not in text and ">" not in text and "&" not in text and "'" not in text
    assert json.loads(text)["objects"]["x"]["geometries"][0]["properties"]["name"].startswith("</script>")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_vendored_topojson_client_decodes_the_map_layers_as_python_does(tmp_path):
    """What the browser runs: topojson-client's `feature` on the topology of a built map gives every township with
    its id and properties, and coordinates within the grid error of the map's GeoJSON."""
    towns = boundaries.bundled_townships()
    spec = mapspec.MapSpec(
        areas=towns.assign(value=np.arange(len(towns), dtype=float)), label="专利总量", unit="件", breaks=[5, 10]
    )
    m = maps.build_map(spec)
    topo_el = next(e for e in m._children.values() if isinstance(e, maps.Topology))
    layer = next(e for e in m._children.values() if isinstance(e, maps.TopoGeoJson) and e.layer_name == "专利总量")
    (tmp_path / "topo.json").write_text(topo_el.json, encoding="utf-8")
    script = (
        f"const t = require({str(CLIENT)!r}); const fs = require('fs');"
        f"const topo = ({maps.UNPACK_JS})(JSON.parse(fs.readFileSync({str(tmp_path / 'topo.json')!r}, 'utf8')));"
        f"process.stdout.write(JSON.stringify(t.feature(topo, topo.objects[{layer.object_key!r}])));"
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60, check=True)
    got = json.loads(out.stdout)["features"]
    want = layer.data["features"]
    assert [f["id"] for f in got] == [f["id"] for f in want]
    assert [f["properties"] for f in got] == [f["properties"] for f in want]
    for f, g in zip(got, want):
        assert shape(f["geometry"]).hausdorff_distance(shape(g["geometry"])) <= MAX_ERR


def test_the_map_page_gets_the_layers_as_one_topology_before_the_layers_use_it():
    towns = boundaries.bundled_townships()
    parks = boundaries.bundled_parks()
    spec = mapspec.MapSpec(
        areas=towns.assign(value=1.0),
        label="专利总量",
        unit="件",
        breaks=[5, 10],
        parks=parks,
        outline=boundaries.county_outline(),
    )
    m = maps.build_map(spec)
    html = maps.render_html(m)
    topo_el = next(e for e in m._children.values() if isinstance(e, maps.Topology))
    name = topo_el.get_name()
    assert html.index(f"var {name} = ") < html.index(f"topojson.feature({name}, ")
    assert html.count(f"topojson.feature({name}, ") == 3  # townships, parks, outline
    assert '"coordinates"' not in html  # no polygon sent as GeoJSON
    assert maps.sent_layer_bytes(m, {"专利总量"}) == len(topo_el.json.encode())
    assert f"var {name} = ({maps.UNPACK_JS})({topo_el.json});" in html  # unpacked in the page, before any layer


# -- the packed form the page gets ------------------------------------------------------------------------------------


def test_packing_gives_back_the_very_topology_in_fewer_bytes():
    """Polygons and multipolygons, an empty geometry, ids that are not positions, features with different property
    names, a layer without properties and an empty layer: unpack(pack(t)) is t, and pack(t) is smaller."""
    towns = simplify.for_display(generate.detailed_coverage(boundaries.bundled_townships(), 300))
    layers = {
        "t": fc(towns.geometry, code=list(towns["code"]), name=list(towns["name"])),
        "x": fc([shapely.MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)]), box(5, 5, 6, 6), None]),
        "o": fc([box(120, 32, 120.1, 32.1)]),
        "empty": {"type": "FeatureCollection", "features": []},
    }
    layers["x"]["features"][0]["id"] = "甲"
    layers["x"]["features"][1]["properties"] = {"n": "乙", "v": None}
    layers["x"]["features"][2]["id"] = None
    layers["o"]["features"][0]["properties"] = {}
    t = topology.encode(layers, Q)
    packed = topology.pack(t)
    assert topology.unpack(json.loads(topology.to_json(packed))) == json.loads(topology.to_json(t))
    assert "i" not in packed["o"]["t"] and packed["o"]["x"]["i"] == ["甲", "1", None]  # ids only where needed
    assert packed["o"]["t"]["p"]["name"] == list(towns["name"])  # one list per property, its name once
    assert len(topology.to_json(packed)) < 0.8 * len(topology.to_json(t))
    assert topology.pack(topology.encode({}, Q)) == {"k": [Q, Q], "t": [0.0, 0.0], "o": {}, "a": []}


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_page_script_unpacks_as_python_does(tmp_path):
    """UNPACK_JS (what the page runs) against topology.unpack, on the awkward cases above."""
    layers = {
        "x": fc([shapely.MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)]), box(1, 0, 2, 1), None], n=["a", "b", "c"]),
        "y": fc([box(0, 1, 1, 2), box(1, 1, 2, 2)]),
    }
    layers["y"]["features"][0]["properties"] = {"n": "</script>&'"}
    layers["y"]["features"][1]["id"] = 7
    packed = topology.to_json(topology.pack(topology.encode(layers, 1e-3)))
    (tmp_path / "p.json").write_text(packed, encoding="utf-8")
    script = (
        f"const fs = require('fs'); const p = JSON.parse(fs.readFileSync({str(tmp_path / 'p.json')!r}, 'utf8'));"
        f"process.stdout.write(JSON.stringify(({maps.UNPACK_JS})(p)));"
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(out.stdout) == topology.unpack(json.loads(packed))


def _previous_area_properties(spec) -> dict:
    """What the map sent for each township before the packing (2026-12-07 morning), by code: built here from the
    spec, as build_map built it then (escaped name, the value, the escaped tooltip text)."""
    tips, _ = mapspec.area_texts(spec)
    return {
        c: {
            "code": c,
            "name": mapspec.text_html(n),
            "value": None if v != v else float(v),
            "value_text": mapspec.text_html(tip),
        }
        for c, n, v, tip in zip(spec.areas["code"], spec.areas["name"], spec.areas["value"], tips)
    }


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_sample_map_decoded_in_the_page_shows_the_same_tooltips_and_styles_as_before(demo_fs, tmp_path):
    """The sample's township map: the page's own topology script, run under node with the vendored topojson-client,
    gives every township the tooltip texts, id and style it had before the packing (the number itself, which no
    script of the page reads, is no longer sent); parks and neighbours keep their names."""
    from txip_geo.present import map_view as views

    spec = views.map_spec(
        demo_fs,
        demo_fs,
        boundaries.bundled_townships(),
        view="units",
        indicator="patents",
        outline=boundaries.county_outline(),
        neighbours=boundaries.neighbours(),
        parks_layer=boundaries.bundled_parks(),
    )
    m = maps.build_map(spec)
    html = maps.render_html(m)
    name = next(e for e in m._children.values() if isinstance(e, maps.Topology)).get_name()
    start = html.index(f"var {name} = ")
    (tmp_path / "page.js").write_text(
        f"const topojson = require({str(CLIENT)!r});\n{html[start : html.index(chr(10), start)]}\n"
        f"const out = {{}}; for (const k of Object.keys({name}.objects)) out[k] = topojson.feature({name}, "
        f"{name}.objects[k]).features; process.stdout.write(JSON.stringify(out));",
        encoding="utf-8",
    )
    out = subprocess.run(["node", str(tmp_path / "page.js")], capture_output=True, text=True, timeout=60, check=True)
    got = json.loads(out.stdout)
    layers = {e.layer_name: e for e in m._children.values() if isinstance(e, maps.TopoGeoJson)}
    areas = layers[spec.label]
    feats = got[areas.object_key]

    before = _previous_area_properties(spec)
    assert len(feats) == len(before) == 17
    for f in feats:
        p = f["properties"]
        assert p == {k: v for k, v in before[p["code"]].items() if k != "value"}
    tooltip = next(c for c in areas._children.values() if isinstance(c, folium.GeoJsonTooltip))
    assert set(tooltip.fields) == {"name", "value_text"}  # what the tooltip shows
    assert {f["properties"]["value_text"] for f in feats} == {mapspec.text_html(x) for x in mapspec.area_texts(spec)[0]}
    assert "properties.value" not in html.replace("properties.value_text", "")  # no script reads the number

    # Styles: folium's style switch is keyed by the feature's id; the id each township gets in the page must
    # select the style of that township's value and class.
    # (folium's switch: a case per style with its ids; the most common style under `default`)
    cases = {i: json.loads(key) for key, ids in areas.style_map.items() if key != "default" for i in ids}
    style_of = {f["id"]: cases.get(f["id"], json.loads(areas.style_map["default"])) for f in feats}
    values = dict(zip(spec.areas["code"], spec.areas["value"]))
    for f in feats:
        c = f["properties"]["code"]
        want = mapspec.area_style(values[c], spec.breaks, c == spec.selected, spec.zero_good, spec.less_is_better)
        assert style_of[f["id"]] == want, c
    assert len({json.dumps(style_of[f["id"]], sort_keys=True) for f in feats}) > 1  # the classes differ

    # Parks and neighbours: the names in their tooltips; every layer's geometry within the grid of the GeoJSON built.
    for label, layer in layers.items():
        want = layer.data["features"]
        assert [f.get("properties", {}) for f in got[layer.object_key]] == [f["properties"] for f in want], label
        for f, g in zip(got[layer.object_key], want):
            assert shape(f["geometry"]).hausdorff_distance(shape(g["geometry"])) <= MAX_ERR, label
