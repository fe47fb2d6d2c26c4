"""A localised folium map renders in a real browser with every request to the internet blocked."""

from __future__ import annotations

import json
from pathlib import Path

import branca.colormap
import folium
import pytest
from folium import plugins

from txip_geo.render.offline import external_urls, load_manifest, localise_map, missing_assets

REPO = Path(__file__).resolve().parents[2]
DEMO_APP = REPO / "tests" / "browser" / "offline_demo_app.py"
SCREENSHOT = REPO / "test-output" / "offline_map.png"
VENDOR_URL = "/app/static/vendor/"


def _map_with_every_vendored_plugin() -> folium.Map:
    m = folium.Map(location=(32.16, 120.01), zoom_start=11, tiles=None)
    m.options.update(max_zoom=18)
    folium.GeoJson(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"n": "a"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[120, 32], [120.1, 32], [120.1, 32.1], [120, 32]]],
                    },
                }
            ],
        },
        tooltip=folium.GeoJsonTooltip(["n"]),
    ).add_to(m)
    cluster = plugins.MarkerCluster().add_to(m)
    folium.Marker((32.1, 120.05), icon=folium.Icon(icon="info-sign")).add_to(cluster)
    folium.Marker((32.1, 120.06), icon=folium.Icon(icon="house", prefix="fa")).add_to(m)
    plugins.FastMarkerCluster([(32.0, 120.0)]).add_to(m)
    plugins.HeatMap([(32.0, 120.0, 1.0)]).add_to(m)
    branca.colormap.LinearColormap(["red", "blue"], vmin=0, vmax=1, caption="x").add_to(m)
    plugins.Draw().add_to(m)
    plugins.Fullscreen().add_to(m)
    plugins.MiniMap(tile_layer=folium.TileLayer(tiles="/tiles/{z}/{x}/{y}.png", attr="local")).add_to(m)
    plugins.MeasureControl().add_to(m)
    return m


def test_manifest_files_present_and_unchanged():
    assert missing_assets(verify_hashes=True) == []
    urls = set(load_manifest()["assets"])
    assert "https://d3js.org/d3.v4.min.js" in urls  # hard-coded by streamlit-folium
    assert "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js" in urls


def test_localise_map_leaves_no_internet_url_and_no_shared_state():
    before = (list(folium.Map.default_js), list(folium.Map.default_css), list(plugins.Draw.default_js))
    unlocalised = _map_with_every_vendored_plugin().get_root().render()
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in external_urls(unlocalised)

    m = localise_map(_map_with_every_vendored_plugin())
    assert localise_map(m) is m  # idempotent
    html = m.get_root().render()
    assert external_urls(html) == []
    assert '<script src="/app/static/vendor/d3@3.5.5/d3.min.js"></script>' in html
    assert 'L.Icon.Default.imagePath = "/app/static/vendor/leaflet@1.9.3/dist/images/"' in html

    # folium keeps default_js/default_css on the class: other maps must still get the CDN links
    assert (list(folium.Map.default_js), list(folium.Map.default_css), list(plugins.Draw.default_js)) == before
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in external_urls(
        _map_with_every_vendored_plugin().get_root().render()
    )


def test_maps_without_icon_markers_load_no_jquery_bootstrap_or_icon_fonts():
    plain = localise_map(folium.Map(tiles=None))
    folium.CircleMarker([32.1, 120.1], radius=5).add_to(plain)
    folium.Marker([32.1, 120.1], icon=folium.DivIcon(html="<b>label</b>")).add_to(plain)
    html = plain.get_root().render()
    for lib in ("jquery", "bootstrap", "awesome-markers", "fontawesome", "glyphicons", "awesome.rotate"):
        assert lib not in html, lib
    assert "/app/static/vendor/leaflet@1.9.3/dist/leaflet.js" in html
    # A folium.Icon marker draws with those libraries: its map keeps them (local copies).
    iconic = folium.Map(tiles=None)
    folium.Marker([32.1, 120.1], icon=folium.Icon(icon="home")).add_to(iconic)
    html = localise_map(iconic).get_root().render()
    assert "awesome-markers" in html and "bootstrap" in html and external_urls(html) == []
    assert [n for n, _ in folium.Map.default_js] == ["leaflet", "jquery", "bootstrap", "awesome_markers"]


def test_choropleth_legend_stays_attached_to_the_map():
    pd = pytest.importorskip("pandas")
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"k": k},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[x, 32.0], [x + 0.1, 32.0], [x + 0.1, 32.1], [x, 32.0]]],
                },
            }
            for k, x in (("a", 120.0), ("b", 120.2))
        ],
    }
    m = folium.Map(location=(32.0, 120.1), tiles=None)
    folium.Choropleth(
        geo, data=pd.Series({"a": 1.0, "b": 2.0}), key_on="feature.properties.k", legend_name="cp"
    ).add_to(m)
    html = localise_map(m).get_root().render()
    assert external_urls(html) == []
    assert f".legend.addTo({m.get_name()})" in html


def test_external_urls_ignores_links_and_tile_templates():
    html = """<script src="https://cdn.example.org/a.js"></script><link rel="stylesheet" href="//cdn.example.org/b.css"/>
    <script>
    // see https://github.com/x/y/issues/1
    L.tileLayer("https://{s}.tile.example.org/{z}/{x}/{y}.png", {"attribution": "<a href=\\"https://example.org/copyright\\">x</a>"});
    </script><svg xmlns="http://www.w3.org/2000/svg"></svg>"""
    assert external_urls(html) == ["//cdn.example.org/b.css", "https://cdn.example.org/a.js"]


def test_st_folium_is_handed_only_local_links():
    """streamlit-folium's own d3 links for branca legends do not reach the component either."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(DEMO_APP), default_timeout=60).run()
    assert not at.exception
    (component,) = at.get("component_instance")
    args = json.loads(component.json_args)
    links = args["js_links"] + args["css_links"]
    assert links and all(link.startswith(VENDOR_URL) for link in links), links
    assert "d3@3.5.5/d3.min.js" in " ".join(args["js_links"])
    for link in links:
        assert (REPO / "static" / link.removeprefix("/app/static/")).is_file(), link
    assert "legend.addTo(map_div)" in args["script"]


@pytest.mark.browser
def test_offline_map_renders_without_internet(streamlit_server, page, browser_log, external_requests):
    assert missing_assets() == [], "static/vendor is incomplete: run scripts/vendor_map_assets.py"

    server = streamlit_server(DEMO_APP)
    page.goto(server.url, wait_until="domcontentloaded")

    # A map whose assets fail stays hidden at height 0, so wait for the iframe to be attached, not visible.
    iframe = page.wait_for_selector('iframe[title="streamlit_folium.st_folium"]', state="attached", timeout=90_000)
    frame = iframe.content_frame()
    assert frame is not None
    frame.wait_for_selector("path.leaflet-interactive", timeout=60_000)
    frame.wait_for_selector(".marker-cluster", state="visible", timeout=30_000)
    frame.wait_for_selector("img.leaflet-marker-icon", state="visible", timeout=30_000)
    frame.wait_for_selector(".legend.leaflet-control svg rect", state="attached", timeout=30_000)
    try:
        page.wait_for_load_state("networkidle", timeout=10_000)
    except Exception:  # Streamlit keeps a websocket open; settle on a short pause instead
        page.wait_for_timeout(1_500)

    # polygon with its tooltip layer, clusters, single markers with Leaflet's default icon
    assert frame.locator("path.leaflet-interactive").first.is_visible()
    assert frame.locator(".marker-cluster").count() >= 1
    assert frame.locator(".marker-cluster").first.is_visible()
    assert frame.locator(".awesome-marker i.fa-house").is_visible()
    assert frame.locator(".awesome-marker i.glyphicon-info-sign").is_visible()
    icon_widths = frame.eval_on_selector_all("img.leaflet-marker-icon", "els => els.map(e => e.naturalWidth)")
    assert icon_widths and all(w > 0 for w in icon_widths), f"default marker icons did not load: {icon_widths}"

    # branca legend drawn by the local d3
    assert frame.locator(".legend.leaflet-control svg rect").count() > 10
    assert frame.locator(".legend.leaflet-control text.caption").text_content() == "demo value"

    # Draw and Fullscreen controls, with their CSS sprites/icons from static/vendor
    assert frame.locator(".leaflet-draw-toolbar a").first.is_visible()
    assert frame.locator(".leaflet-control-zoom-fullscreen").is_visible()

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    assert external_requests == [], f"requests to the internet were attempted: {external_requests}"
    assert browser_log.failed_responses == [], f"local requests failed: {browser_log.failed_responses}"

    fetched = {
        url.split(VENDOR_URL, 1)[1]
        for status, url in browser_log.local_responses
        if status == 200 and VENDOR_URL in url
    }
    for expected in (
        "leaflet@1.9.3/dist/leaflet.js",
        "leaflet.markercluster@1.1.0/dist/leaflet.markercluster.js",
        "d3@3.5.5/d3.min.js",
        "leaflet-draw@1.0.2/dist/leaflet.draw.js",
        "leaflet-draw@1.0.2/dist/images/spritesheet.svg",
        "leaflet.fullscreen@3.0.0/Control.FullScreen.js",
        "leaflet@1.9.3/dist/images/marker-icon.png",
        "drmonty-leaflet-awesome-markers@2.0.2/css/images/markers-soft.png",
        "fontawesome-free@6.2.0/webfonts/fa-solid-900.woff2",
    ):
        assert expected in fetched, f"{expected} was not served from {VENDOR_URL}; got {sorted(fetched)}"
