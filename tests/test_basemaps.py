"""Basemaps: nothing fetched unless one is picked; GCJ-02 tiles get every layer shifted onto them."""

import numpy as np
import pytest

from txip_geo.areas import boundaries
from txip_geo.areas.datum import wgs84_to_gcj02
from txip_geo.figures.compute import compute
from txip_geo.present import map_view as views
from txip_geo.render import folium_map as maps
from txip_geo.render.basemaps import load_basemaps, resolve
from txip_geo.render.offline import external_urls, localise_map
from txip_geo.store.database import Store


@pytest.fixture(scope="module")
def fs_and_layer(demo_db):
    s = Store(demo_db)
    return compute(s), s.layer("townships")


def build(fs, layer, basemap):
    spec = views.map_spec(
        fs, fs, layer, view="units", indicator="patents", outline=boundaries.county_outline(), basemap=basemap
    )
    return spec, maps.render_html(localise_map(maps.build_map(spec)))


def test_default_basemap_is_none_and_fetches_nothing(fs_and_layer):
    fs, layer = fs_and_layer
    spec, html = build(fs, layer, resolve(None))
    assert external_urls(html) == []
    assert spec.areas.geometry.iloc[0].equals(layer.geometry.iloc[0])


def test_online_basemap_is_the_only_network_url(fs_and_layer):
    fs, layer = fs_and_layer
    _, html = build(fs, layer, resolve("osm"))
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html  # tiles: the only thing from the network
    assert external_urls(html) == []  # (external_urls leaves tile templates out)


def test_amap_basemap_shifts_every_layer_to_gcj02(fs_and_layer):
    fs, layer = fs_and_layer
    spec, _ = build(fs, layer, resolve("amap"))
    assert spec.basemap.datum == "GCJ02"
    p = layer.geometry.iloc[0].exterior.coords[0]
    q = spec.areas.geometry.iloc[0].exterior.coords[0]
    exp = wgs84_to_gcj02(p[0], p[1])
    assert np.allclose(q, exp, atol=1e-9)
    shift = (
        spec.outline.to_crs(4549)
        .geometry.iloc[0]
        .centroid.distance(boundaries.county_outline().to_crs(4549).geometry.iloc[0].centroid)
    )
    assert 400 < shift < 600


def test_tianditu_needs_a_key_and_falls_back_to_none_without_one():
    assert resolve("tianditu").key == "none"
    b = resolve("tianditu", "abc123")
    assert b.key == "tianditu" and "tk=abc123" in b.url and "tk=abc123" in b.overlay and b.datum == "CGCS2000"


def test_every_basemap_names_its_datum_and_credit():
    for b in load_basemaps().values():
        assert b.datum in ("WGS84", "CGCS2000", "GCJ02")
        if b.url:
            assert "审图号" in b.credit()


def test_a_deployment_sets_the_default_basemap_in_the_toml(tmp_path, monkeypatch):
    from txip_geo.render import basemaps

    assert basemaps.default_key() == "none"  # as shipped: nothing fetched
    src = (basemaps.DATA_DIR / "basemaps.toml").read_text(encoding="utf-8")
    for value, expected in (('"local"', "local"), ('"no-such-basemap"', "none")):
        (tmp_path / "basemaps.toml").write_text(src.replace('default = "none"', f"default = {value}"), encoding="utf-8")
        monkeypatch.setattr(basemaps, "DATA_DIR", tmp_path)
        basemaps.load_basemaps.cache_clear(), basemaps.default_key.cache_clear()
        try:
            assert basemaps.default_key() == expected
            assert "default" not in basemaps.load_basemaps()  # the key is not a basemap
        finally:
            monkeypatch.undo()
            basemaps.load_basemaps.cache_clear(), basemaps.default_key.cache_clear()


def test_gap_map_takes_the_basemap_too_shifted_to_gcj02_for_amap(fs_and_layer):
    """The 网络覆盖 page's map of gaps: no tiles by default; with 高德 every layer moves onto GCJ-02 and the
    tiles' credit is in the legend."""
    from txip_geo.present import network_view as network

    fs, layer = fs_and_layer

    def gap(basemap):
        spec = network.gap_map_spec(
            fs,
            layer,
            view="units",
            outline=boundaries.county_outline(),
            neighbours=boundaries.neighbours(),
            basemap=basemap,
        )
        return spec, maps.render_html(localise_map(maps.build_map(spec)))

    spec, html = gap(resolve(None))
    assert external_urls(html) == [] and "tileLayer" not in html
    assert spec.areas.geometry.iloc[0].equals(layer.geometry.iloc[0])
    spec, html = gap(resolve("amap"))
    assert "autonavi.com" in html and spec.basemap.datum == "GCJ02"
    p = layer.geometry.iloc[0].exterior.coords[0]
    assert np.allclose(spec.areas.geometry.iloc[0].exterior.coords[0], wgs84_to_gcj02(p[0], p[1]), atol=1e-9)
    for part, original in ((spec.outline, boundaries.county_outline()), (spec.neighbours, boundaries.neighbours())):
        moved = part.to_crs(4549).geometry.iloc[0].centroid.distance(original.to_crs(4549).geometry.iloc[0].centroid)
        assert 400 < moved < 600  # metres: the GCJ-02 offset here
    assert any(resolve("amap").credit() in line for line in spec.extra_lines)
