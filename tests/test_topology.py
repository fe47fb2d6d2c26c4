"""The area layers as TopoJSON (txip_geo/areas/topology.py, folium_map.Topology): decoded -- in Python and by the
vendored topojson-client under node -- they give back the polygons within the quantisation error, with each shared
border sent once."""

from __future__ import annotations

import json
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box, shape

from benchmarks import generate
from txip_geo.areas import boundaries, simplify, topology
from txip_geo.render import folium_map as maps
from txip_geo.render.offline import VENDOR_DIR

Q = 1e-5
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
    from txip_geo.present import mapspec

    spec = mapspec.MapSpec(
        areas=towns.assign(value=np.arange(len(towns), dtype=float)), label="专利总量", unit="件", breaks=[5, 10]
    )
    m = maps.build_map(spec)
    topo_el = next(e for e in m._children.values() if isinstance(e, maps.Topology))
    layer = next(e for e in m._children.values() if isinstance(e, maps.TopoGeoJson) and e.layer_name == "专利总量")
    (tmp_path / "topo.json").write_text(topo_el.json, encoding="utf-8")
    client = VENDOR_DIR / "topojson-client@3.1.0" / "dist" / "topojson-client.min.js"
    script = (
        f"const t = require({str(client)!r}); const fs = require('fs');"
        f"const topo = JSON.parse(fs.readFileSync({str(tmp_path / 'topo.json')!r}, 'utf8'));"
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
    from txip_geo.present import mapspec

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
