"""Map payload: bytes the browser gets for the township map's area layers, against what a competent folium user
would send for the same picture.

Two township layers are measured: the bundled schematic one (182 vertices: sent as it is) and an "official-like" one,
the same 17 units with surveyed-looking borders (about 2,000 vertices per unit, as the official file of the
自然资源和规划局 will have; benchmarks/generate.detailed_coverage), with parks detailed the same way.

* This app: the township and park layers as the map page draws them (views.map_spec → simplify.for_display →
  maps.build_map), sent as TopoJSON (txip_geo/areas/topology.py: each shared border once, coordinates on a 1e-5°
  grid, delta-encoded), packed (each layer's property names once, arcs as flat lists; unpacked by a few lines of
  script in the page, maps.UNPACK_JS, whose size the note gives) and decoded in the page by topojson-client.
* Fair baseline (`fair_layers`): one ``shapely.coverage_simplify`` call on the townships (``shapely.simplify`` on the
  parks, which overlap them) with the same tolerance -- half a CSS pixel at the zoom the app simplifies for, so the
  same on-screen error -- coordinates rounded to 5 decimals (the app's grid), the very properties the app sends
  (the tooltip's name and value text, and the unit code; since 2026-12-07 no longer the number itself, which no
  script in the page reads: styles are picked by feature id in folium's script, on both sides), embedded by
  ``folium.GeoJson`` as folium writes it. Checked: its polygons are
  the app's (Hausdorff distance between the two, in pixels at that zoom, in the note).
* Before (history): ``folium.GeoJson(layer)`` with its defaults, every property and coordinate as stored.
"""

from __future__ import annotations

import time
from pathlib import Path

import shapely
from jinja2.utils import htmlsafe_json_dumps

from . import generate
from .common import Row, gain_lower_is_better


def embedded_bytes(data) -> int:
    """What folium writes into the page for a GeoJson element: ``{{ this.data|tojson }}``."""
    return len(str(htmlsafe_json_dumps(data)).encode("utf-8"))


def default_geojson_bytes(gdf) -> int:
    """folium.GeoJson(gdf) with its defaults: every property, every coordinate as stored."""
    import folium

    return embedded_bytes(folium.GeoJson(gdf).data)


def app_layer_bytes(m, names) -> int:
    """Bytes the page gets for the map's area layers with the given names: the topology of those layers alone (as
    the map builds it: maps.Topology's encoder and JSON text), or a plain GeoJson layer's embedded GeoJSON."""
    import folium

    from txip_geo.render import folium_map as maps

    topo_layers, plain = {}, 0
    for e in m._children.values():
        if getattr(e, "layer_name", None) not in names:
            continue
        if isinstance(e, maps.TopoGeoJson):
            topo_layers[e.object_key] = e.data
        elif isinstance(e, folium.GeoJson):
            plain += embedded_bytes(e.data)
    if topo_layers:
        plain += len(maps.topology_json(topo_layers, maps.TOPOLOGY_QUANTUM).encode("utf-8"))
    return plain


def app_layers(m, names) -> dict:
    """The GeoJSON (as built, before encoding) of the map's layers with these names, by layer name."""
    import folium

    return {
        e.layer_name: e.data
        for e in m._children.values()
        if isinstance(e, folium.GeoJson) and getattr(e, "layer_name", None) in names
    }


def fair_layers(towns, parks, app_data: dict, zoom: float) -> tuple[int, list]:
    """The fair baseline: one coverage_simplify call at the app's tolerance (½ px at `zoom`, in the same Mercator-y
    frame), 5 decimals, the properties the app's layers carry (`app_data`: their GeoJSON by layer, the same text for
    tooltips and styles), as folium.GeoJson embeds it. Returns (bytes, township shapes)."""
    import folium
    import geopandas as gpd
    import numpy as np
    import shapely

    from txip_geo.areas import simplify

    tol = 0.5 * simplify.degrees_per_pixel(zoom)

    def shown(gdf, coverage: bool):
        merc = simplify._mercator(gdf.geometry.to_numpy())
        out = shapely.coverage_simplify(merc, tol) if coverage else shapely.simplify(merc, tol, preserve_topology=True)
        return list(shapely.transform(simplify._geographic(out), lambda c: np.round(c, 5)))

    def layer(gdf, data, coverage):
        props = {f["properties"]["code"]: f["properties"] for f in data["features"]}
        rows = [props[c] for c in gdf["code"]]
        geoms = shown(gdf, coverage)
        return gpd.GeoDataFrame(rows, geometry=geoms, crs=gdf.crs), geoms

    (tdata, pdata) = app_data
    t, tgeo = layer(towns, tdata, True)
    p, _ = layer(parks, pdata, False)
    return embedded_bytes(folium.GeoJson(t).data) + embedded_bytes(folium.GeoJson(p).data), tgeo


def township_map(fs, towns, parks, *, simplified: bool = True):
    """The app's township map (no point layers): (folium map, spec, build seconds)."""
    from txip_geo.areas import boundaries
    from txip_geo.present import map_view as views
    from txip_geo.render import folium_map as maps
    from txip_geo.render.offline import localise_map

    t = time.perf_counter()
    original = views.simplify.for_display
    if not simplified:
        views.simplify.for_display = lambda gdf, **kw: gdf
    try:
        spec = views.map_spec(
            fs,
            fs,
            towns,
            view="units",
            indicator="patents",
            outline=boundaries.county_outline(),
            neighbours=boundaries.neighbours(),
            parks_layer=parks,
        )
    finally:
        views.simplify.for_display = original
    m = localise_map(maps.build_map(spec))
    return m, spec, time.perf_counter() - t


def boundaries_fit_zoom() -> float:
    """The zoom that fits the county into the map (the app simplifies for this + 2)."""
    from txip_geo.areas import boundaries, simplify

    return simplify.fit_zoom(boundaries.county_outline().total_bounds)


def decoded_townships(m, label: str) -> list:
    """The map's township polygons as the browser gets them: its topology decoded (txip_geo/areas/topology.py's
    decoder, which tests/test_topology.py checks against topojson-client)."""
    from shapely.geometry import shape

    from txip_geo.areas import topology
    from txip_geo.render import folium_map as maps

    layer = next(e for e in m._children.values() if isinstance(e, maps.TopoGeoJson) and e.layer_name == label)
    topo = topology.encode({"t": layer.data}, maps.TOPOLOGY_QUANTUM)
    arcs = topology.decode_arcs(topo)
    return [shape(topology.decode_geometry(g, arcs)) for g in topo["objects"]["t"]["geometries"]]


def layers(work: Path):
    """(name, townships, parks): the bundled schematic layers and the official-like detailed ones."""
    from txip_geo.areas import boundaries
    from txip_geo.store.database import Store

    towns = boundaries.bundled_townships()
    parks = boundaries.bundled_parks()
    # What an official import stores: the attributes of the file, as Store.layer returns them plus the file's own.
    store = Store(work / "payload.sqlite")
    det = generate.detailed_coverage(towns, vertices_per_unit=2000)
    det_parks = generate.detailed_polygons(parks, vertices_per_unit=500)
    det.to_file(work / "official_like_townships.geojson", driver="GeoJSON")
    det_parks.to_file(work / "official_like_parks.geojson", driver="GeoJSON")
    return [
        ("bundled schematic layer", store.layer("townships"), store.layer("parks"), towns, parks),
        ("official-like layer (~2,000 vertices per unit)", det, det_parks, det, det_parks),
    ]


def run(size, work: Path, results, demo_store: Path, log=print) -> dict:
    from txip_geo.areas import simplify
    from txip_geo.figures.compute import compute
    from txip_geo.render import folium_map as maps
    from txip_geo.store.database import Store

    work.mkdir(parents=True, exist_ok=True)
    fs = compute(Store(demo_store))
    info = {}
    for label, towns, parks, file_towns, file_parks in layers(work):
        before_layer = default_geojson_bytes(file_towns) + default_geojson_bytes(file_parks)
        m, spec, secs = township_map(fs, towns, parks)
        names = {spec.label, "园区范围"}
        app_layer = app_layer_bytes(m, names)
        html = len(m.get_root().render().encode("utf-8"))
        m0, _, secs0 = township_map(fs, towns, parks, simplified=False)
        html0 = len(m0.get_root().render().encode("utf-8"))
        v0 = simplify.vertex_count(towns.geometry) + simplify.vertex_count(parks.geometry)
        v1 = simplify.vertex_count(spec.areas.geometry) + simplify.vertex_count(spec.parks.geometry)
        geoms = spec.areas.geometry.to_numpy()
        coverage_ok = bool(shapely.coverage_is_valid(geoms)) and bool(shapely.is_valid(geoms).all())
        union0 = shapely.union_all(towns.geometry.to_numpy())
        union1 = shapely.union_all(geoms)
        gap = float(shapely.area(shapely.symmetric_difference(union0, union1)) / union0.area)
        zoom = spec.areas.attrs.get("display_zoom")
        fit = boundaries_fit_zoom()
        data = app_layers(m, names)
        fair_bytes, fair_geoms = fair_layers(
            towns, parks, (data[spec.label], data["园区范围"]), zoom if zoom else fit + 2.0
        )
        # Same answer: the app's polygons as the browser decodes them against the fair baseline's.
        px = simplify.degrees_per_pixel(zoom if zoom else fit + 2.0)
        decoded = decoded_townships(m, spec.label)
        apart = max(float(shapely.hausdorff_distance(a, b)) for a, b in zip(decoded, fair_geoms)) / px
        log(
            f"  {label}: layer before {before_layer / 1024:.0f} KB, fair {fair_bytes / 1024:.0f} KB, app "
            f"{app_layer / 1024:.0f} KB ({fair_bytes / max(app_layer, 1):.1f}x); map HTML {html0 / 1024:.0f} KB "
            f"-> {html / 1024:.0f} KB; vertices {v0:,} -> {v1:,}; coverage valid {coverage_ok}; app vs fair "
            f"polygons {apart:.2f} px apart"
        )
        note = (
            f"vertices {v0:,} → {v1:,}"
            + (
                f"; simplified for zoom {zoom:g} (fit zoom + 2), ½ px; TopoJSON on a 1e-5° grid"
                if zoom
                else "; light enough to be sent exactly (TopoJSON on a 1e-5° grid)"
            )
            + f"; coverage valid (no gaps/overlaps): {'yes' if coverage_ok else 'NO'}"
        )
        results.add(
            Row(
                "Map payload",
                f"{label}: 17 units + 4 parks as sent",
                app_layer / 1024,
                "KB",
                fair_bytes / 1024,
                gain_lower_is_better(app_layer, fair_bytes),
                target="≥ 2× smaller than the fair baseline",
                met=fair_bytes >= 2 * app_layer,
                note="fair baseline: one shapely.coverage_simplify call at the same tolerance (½ px at that zoom), "
                "5 decimals, the same properties (code, name, tooltip text), as folium.GeoJson embeds it; its polygons "
                f"and the app's decoded ones are {apart:.2f} px apart at most; app: TopoJSON packed (property names "
                f"once per layer, flat arcs), plus a {len(maps.UNPACK_JS) / 1024:.1f} KB unpacking script once per "
                f"page (not counted, as folium's and topojson-client's scripts are not); before (folium.GeoJson "
                f"defaults, every property): {before_layer / 1024:,.0f} KB; " + note,
            ),
            Row(
                "Map payload",
                f"{label}: whole township map HTML (no point layers)",
                html / 1024,
                "KB",
                html0 / 1024,
                gain_lower_is_better(html, html0),
                note="baseline (history): the same map without simplify.py; area of union changed by "
                f"{gap:.2e} of the county",
            ),
        )
        info[label] = {
            "base_layer": before_layer,
            "fair_layer": fair_bytes,
            "app_layer": app_layer,
            "apart_px": apart,
            "html": html,
            "html0": html0,
            "v0": v0,
            "v1": v1,
            "coverage_ok": coverage_ok,
            "union_change": gap,
            "zoom": zoom,
            "build_s": secs,
            "build0_s": secs0,
        }
    results.info["payload"] = info
    return info
