"""Map payload: bytes the browser gets for the township map, against folium's default GeoJSON of the same layer.

Two township layers are measured: the bundled schematic one (182 vertices: sent as it is) and an "official-like" one,
the same 17 units with surveyed-looking borders (about 2,000 vertices per unit, as the official file of the
自然资源和规划局 will have; benchmarks/generate.detailed_coverage), with parks detailed the same way.
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
    """Bytes of the map's GeoJson elements with the given layer names, as embedded."""
    import folium

    return sum(
        embedded_bytes(e.data)
        for e in m._children.values()
        if isinstance(e, folium.GeoJson) and getattr(e, "layer_name", None) in names
    )


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
    from txip_geo.store.database import Store

    work.mkdir(parents=True, exist_ok=True)
    fs = compute(Store(demo_store))
    info = {}
    for label, towns, parks, file_towns, file_parks in layers(work):
        base_layer = default_geojson_bytes(file_towns) + default_geojson_bytes(file_parks)
        m, spec, secs = township_map(fs, towns, parks)
        app_layer = app_layer_bytes(m, {spec.label, "园区范围"})
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
        log(
            f"  {label}: layer {base_layer / 1024:.0f} KB -> {app_layer / 1024:.0f} KB, map HTML {html0 / 1024:.0f} KB "
            f"-> {html / 1024:.0f} KB, vertices {v0:,} -> {v1:,}, coverage valid {coverage_ok}"
        )
        note = (
            f"vertices {v0:,} → {v1:,}"
            + (
                f"; simplified for zoom {zoom:g} (fit zoom + 2), ½ px, 5 decimals"
                if zoom
                else "; light enough to be sent exactly"
            )
            + f"; coverage valid (no gaps/overlaps): {'yes' if coverage_ok else 'NO'}"
        )
        results.add(
            Row(
                "Map payload",
                f"{label}: 17 units + 4 parks as sent",
                app_layer / 1024,
                "KB",
                base_layer / 1024,
                gain_lower_is_better(app_layer, base_layer),
                target="< 300 KB",
                met=app_layer < 300 * 1024,
                note="baseline: folium.GeoJson(layer) defaults, all properties; " + note,
            ),
            Row(
                "Map payload",
                f"{label}: whole township map HTML (no point layers)",
                html / 1024,
                "KB",
                html0 / 1024,
                gain_lower_is_better(html, html0),
                note=f"baseline: the same map without simplify.py; area of union changed by {gap:.2e} of the county",
            ),
        )
        info[label] = {
            "base_layer": base_layer,
            "app_layer": app_layer,
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
