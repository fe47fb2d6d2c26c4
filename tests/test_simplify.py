"""Display simplification (txip_geo.areas.simplify): shared borders stay shared, nothing slips, the payload fits."""

import json

import numpy as np
import pytest
import shapely

from benchmarks import generate
from txip_geo.areas import boundaries, simplify
from txip_geo.figures.compute import compute
from txip_geo.present import map_view as views
from txip_geo.render import folium_map as maps
from txip_geo.store.database import Store


@pytest.fixture(scope="module")
def detailed():
    """The 17 units with surveyed-looking borders (~2,000 vertices each) and the 4 parks (~500 each)."""
    return generate.detailed_coverage(boundaries.bundled_townships(), 2000), generate.detailed_polygons(
        boundaries.bundled_parks(), 500
    )


@pytest.fixture(scope="module")
def shown(detailed):
    towns, parks = detailed
    fit = boundaries.county_outline().total_bounds
    return simplify.for_display(towns, bounds=fit), simplify.for_display(parks, bounds=fit)


def test_the_generated_layer_is_a_detailed_valid_coverage(detailed):
    towns, _ = detailed
    geoms = towns.geometry.to_numpy()
    assert len(towns) == 17 and simplify.vertex_count(geoms) > 17 * 1500
    assert shapely.coverage_is_valid(geoms) and shapely.is_valid(geoms).all()


def test_shared_borders_stay_shared_no_gaps_no_overlaps(detailed, shown):
    towns, _ = detailed
    out = shown[0].geometry.to_numpy()
    assert shapely.coverage_is_valid(out)  # no overlaps, every shared edge has the same vertices on both sides
    assert all(e is None or e.is_empty for e in shapely.coverage_invalid_edges(out))
    # No slivers: the units' areas add up to the area of their union (no overlap) ...
    union = shapely.union_all(out)
    assert shapely.area(out).sum() == pytest.approx(union.area, rel=1e-9)
    # ... and the union is one polygon without holes (no gap), close to the unsimplified outline: within the
    # simplification tolerance along its length.
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
    before = shapely.union_all(towns.geometry.to_numpy())
    tol = 0.5 * simplify.degrees_per_pixel(shown[0].attrs["display_zoom"])
    assert shapely.area(shapely.symmetric_difference(before, union)) < tol * before.length
    assert shapely.hausdorff_distance(before.exterior, union.exterior) < 20 * tol


def test_no_gap_opens_between_neighbours_anywhere(shown):
    """Every unit still touches each neighbour along a line (not a point), as in the input."""
    out = shown[0]
    tree = shapely.STRtree(out.geometry.to_numpy())
    for g in out.geometry:
        for j in tree.query(g, predicate="touches"):
            shared = shapely.intersection(g, out.geometry.iloc[j])
            assert shared.length > 0 or shared.geom_type == "Point"


def test_vertices_drop_and_every_unit_stays_valid_and_non_empty(detailed, shown):
    for before, after in zip(detailed, shown):
        assert simplify.vertex_count(after.geometry) < simplify.vertex_count(before.geometry) / 3
        assert shapely.is_valid(after.geometry.to_numpy()).all()
        assert not shapely.is_empty(after.geometry.to_numpy()).any()
        assert list(after["code"]) == list(before["code"])
        # each unit keeps about its area
        ratio = shapely.area(after.geometry.to_numpy()) / shapely.area(before.geometry.to_numpy())
        assert np.all(np.abs(ratio - 1) < 0.01)


def test_coordinates_are_rounded_to_five_decimals(shown):
    xy = shapely.get_coordinates(shown[0].geometry.to_numpy())
    assert np.allclose(xy, np.round(xy, 5), atol=1e-12)


def test_payload_of_17_units_and_parks_is_under_300_kb(shown, detailed):
    towns, parks = shown
    size = simplify.geojson_bytes(towns, ["code", "name"]) + simplify.geojson_bytes(parks, ["code", "name"])
    assert size < 300 * 1024
    raw = sum(len(json.dumps(g.__geo_interface__).encode()) for g in detailed)
    assert raw > 4 * size


def test_the_map_page_sends_the_simplified_layer(demo_db, detailed):
    """views.map_spec simplifies the township and park layers; the built map embeds less than 300 KB of them."""
    towns, parks = detailed
    fs = compute(Store(demo_db))
    spec = views.map_spec(
        fs, fs, towns, view="units", indicator="patents", outline=boundaries.county_outline(), parks_layer=parks
    )
    assert simplify.vertex_count(spec.areas.geometry) < simplify.vertex_count(towns.geometry) / 3
    assert shapely.coverage_is_valid(spec.areas.geometry.to_numpy())
    m = maps.build_map(spec)
    import folium
    from jinja2.utils import htmlsafe_json_dumps

    sent = sum(
        len(str(htmlsafe_json_dumps(e.data)).encode())
        for e in m._children.values()
        if isinstance(e, folium.GeoJson) and e.layer_name in (spec.label, "园区范围")
    )
    assert 0 < sent < 300 * 1024
    # A click is matched against the layer as drawn: a point well inside 黄桥镇 is still in 黄桥镇.
    assert views.unit_at(spec.areas, 120.2657, 32.23504) == "321283100"


def test_light_layers_are_sent_exactly():
    towns = boundaries.bundled_townships()
    out = simplify.for_display(towns)
    assert all(a.equals_exact(b, 0) for a, b in zip(out.geometry, towns.geometry))


def test_zoom_and_tolerance_follow_the_screen():
    bounds = boundaries.county_outline().total_bounds
    z = simplify.fit_zoom(bounds)
    assert 9.5 <= z <= 11.5  # the county in a ~800 x 620 px map
    assert simplify.fit_zoom(bounds, simplify.View(width_px=1600, height_px=1240)) == pytest.approx(z + 1, abs=0.25)
    assert simplify.meters_per_pixel(32.16, 12) == pytest.approx(32.4, rel=0.01)  # Web Mercator at Taixing
    assert simplify.degrees_per_pixel(z + 1) == pytest.approx(simplify.degrees_per_pixel(z) / 2)
    y = simplify.to_mercator_y(np.array([31.9, 32.4]))
    assert np.allclose(simplify.from_mercator_y(y), [31.9, 32.4])


def test_many_small_units_get_the_detail_of_their_own_zoom():
    """A province-sized layer: the headroom is lowered until the layer fits the vertex budget, still a coverage."""
    units, _ = generate.province_coverage(120, vertices_per_unit=400)
    out = simplify.for_display(units, max_vertices=15_000)
    assert simplify.vertex_count(out.geometry) <= 15_000
    assert shapely.coverage_is_valid(out.geometry.to_numpy()) and shapely.is_valid(out.geometry.to_numpy()).all()
    assert out.attrs["display_zoom"] < simplify.display_zoom(units.total_bounds)


def test_overlapping_polygons_are_simplified_one_by_one():
    a = shapely.buffer(shapely.Point(120.0, 32.0), 0.05, quad_segs=256)
    b = shapely.buffer(shapely.Point(120.04, 32.0), 0.05, quad_segs=256)
    out = simplify.simplify_layer(np.array([a, b]), zoom=10)
    assert shapely.is_valid(out).all() and simplify.vertex_count(out) < simplify.vertex_count([a, b])
