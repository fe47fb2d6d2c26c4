"""Area layers made light for the browser: simplified to what the screen can show, coordinates rounded, properties
trimmed -- with shared borders kept shared (no gaps, no overlaps, no slivers).

How much detail the screen can show: Leaflet draws in Web Mercator, where one CSS pixel at zoom ``z`` spans
``360 / (256 * 2**z)`` degrees of longitude and, along the meridian, the same amount of *Mercator* latitude. So the
layer is simplified in a Mercator-y frame (longitude unchanged, latitude mapped to Mercator degrees), where a pixel is
the same size in both directions, with a tolerance of a fraction of a pixel at the zoom the layer is looked at:

* the zoom that fits the layer into the map component (:func:`fit_zoom`, as Leaflet's ``fitBounds`` computes it for a
  typical viewport), plus ``headroom`` zoom levels so that zooming in a few steps still shows no visible
  simplification;
* polygon layers that tile an area (townships) are simplified together with ``shapely.coverage_simplify``
  (Visvalingam-Whyatt on each shared edge once: both neighbours get the very same edge). Layers whose polygons
  overlap (a layer that is not a coverage) are simplified one polygon at a time, topology-preserving.

Coordinates are then rounded to ``decimals`` (5 decimals = 1.1 m north-south, 0.94 m east-west at Taixing), which is
far below a pixel at any zoom the map allows; vertices are only rounded (never moved apart), so shared vertices stay
identical. If rounding made a polygon invalid (it never does for the bundled layers), that layer keeps one more
decimal, and failing that, its unrounded coordinates.

Two budgets: a layer of at most ``LIGHT_VERTICES`` vertices (the bundled schematic layers) is sent exactly, as it is;
a layer that would still have more than ``MAX_VERTICES`` vertices with the headroom (1,300 township-level units of a
province) gets less headroom, down to the detail of its own fit zoom.

Used by :func:`txip_geo.present.map_view.map_spec`: what the map draws (and what a click is matched against) is the simplified
layer. Nothing here is used for areas, figures or locating records, which always use the stored geometry.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import shapely

__all__ = [
    "View",
    "DEFAULT_VIEW",
    "meters_per_pixel",
    "degrees_per_pixel",
    "fit_zoom",
    "display_zoom",
    "to_mercator_y",
    "from_mercator_y",
    "simplify_layer",
    "round_coordinates",
    "for_display",
    "vertex_count",
    "geojson_bytes",
]

TILE_PX = 256
EARTH_RADIUS_M = 6_378_137.0  # Web Mercator sphere
EQUATOR_M_PER_PX_Z0 = 2 * math.pi * EARTH_RADIUS_M / TILE_PX  # 156,543.03 m at zoom 0


@dataclass(frozen=True)
class View:
    """The map component the layer is drawn in (CSS pixels) and how Leaflet fits it (see maps.build_map)."""

    width_px: int = 800  # the map column of the page on a 1,280-1,600 px wide screen
    height_px: int = 620
    padding_px: tuple[int, int] = (50, 40)  # fit_bounds padding: top-left + bottom-right, x and y
    zoom_snap: float = 0.25
    min_zoom: float = 0.0
    max_zoom: float = 18.0


DEFAULT_VIEW = View()
# A layer with no more vertices than this is sent as it is (about 40 KB as GeoJSON at full precision).
LIGHT_VERTICES = 1_000
# Most vertices a layer is sent with, if a lower zoom can give that (about 1.2 MB as GeoJSON).
MAX_VERTICES = 40_000


def meters_per_pixel(lat: float, zoom: float) -> float:
    """Ground metres per CSS pixel at a latitude and zoom (Web Mercator)."""
    return EQUATOR_M_PER_PX_Z0 * math.cos(math.radians(lat)) / 2.0**zoom


def degrees_per_pixel(zoom: float) -> float:
    """Degrees of longitude (= Mercator degrees of latitude) per CSS pixel at a zoom."""
    return 360.0 / (TILE_PX * 2.0**zoom)


def to_mercator_y(lat):
    """Latitude (degrees) -> Mercator y expressed in degrees (equal to longitude degrees in scale)."""
    lat = np.clip(np.asarray(lat, dtype=float), -85.0511, 85.0511)
    return np.degrees(np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)))


def from_mercator_y(y):
    return np.degrees(2 * np.arctan(np.exp(np.radians(np.asarray(y, dtype=float)))) - np.pi / 2)


def fit_zoom(bounds, view: View = DEFAULT_VIEW) -> float:
    """The zoom Leaflet's fitBounds picks for lon/lat bounds (minx, miny, maxx, maxy) in the view."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    w = max(view.width_px - view.padding_px[0], 1)
    h = max(view.height_px - view.padding_px[1], 1)
    dx = max(maxx - minx, 1e-9) / 360.0 * TILE_PX  # size at zoom 0, pixels
    y0, y1 = to_mercator_y([miny, maxy])
    dy = max(float(y1 - y0), 1e-9) / 360.0 * TILE_PX
    z = math.log2(min(w / dx, h / dy))
    if view.zoom_snap:
        z = math.floor(z / view.zoom_snap) * view.zoom_snap
    return float(min(max(z, view.min_zoom), view.max_zoom))


def display_zoom(bounds, view: View = DEFAULT_VIEW, headroom: float = 2.0) -> float:
    """The zoom a layer is simplified for: the one that shows it whole, plus `headroom` levels of zooming in."""
    return min(fit_zoom(bounds, view) + headroom, view.max_zoom)


def _mercator(geoms):
    return shapely.transform(geoms, lambda c: np.column_stack((c[:, 0], to_mercator_y(c[:, 1]))))


def _geographic(geoms):
    return shapely.transform(geoms, lambda c: np.column_stack((c[:, 0], from_mercator_y(c[:, 1]))))


def simplify_layer(geoms, zoom: float, pixels: float = 0.5) -> np.ndarray:
    """Lon/lat polygons simplified to `pixels` CSS pixels at `zoom`; a coverage keeps its shared edges shared."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return geoms
    tol = pixels * degrees_per_pixel(zoom)
    merc = _mercator(geoms)
    polygonal = all(g is not None and g.geom_type in ("Polygon", "MultiPolygon") for g in merc)
    if polygonal and bool(shapely.coverage_is_valid(merc)):
        out = shapely.coverage_simplify(merc, tol)
        bad = shapely.is_empty(out) | ~shapely.is_valid(out)
        if bad.any():  # never seen: GEOS keeps every ring at least a triangle. Redo it finer rather than break it.
            out = shapely.coverage_simplify(merc, tol / 4)
            if (shapely.is_empty(out) | ~shapely.is_valid(out)).any():
                out = merc
    else:
        out = shapely.simplify(merc, tol, preserve_topology=True)
    return _geographic(out)


def round_coordinates(geoms, decimals: int = 5) -> np.ndarray:
    """Coordinates rounded to `decimals` (each vertex on its own: shared vertices stay shared), repeated vertices
    dropped. Falls back to one more decimal, then to the input, if a polygon would become invalid or empty."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return geoms
    for d in (decimals, decimals + 1):
        out = shapely.remove_repeated_points(shapely.transform(geoms, lambda c, d=d: np.round(c, d)))
        if (shapely.is_valid(out) & ~shapely.is_empty(out)).all():
            return out
    return geoms


def for_display(
    gdf,
    *,
    zoom: float | None = None,
    view: View = DEFAULT_VIEW,
    headroom: float = 2.0,
    pixels: float = 0.5,
    decimals: int = 5,
    keep=None,
    bounds=None,
    light_vertices: int = LIGHT_VERTICES,
    max_vertices: int = MAX_VERTICES,
):
    """A copy of a lon/lat GeoDataFrame ready to be drawn: simplified for `zoom` (default: :func:`display_zoom` of
    `bounds`, or of the layer itself), coordinates rounded, only the `keep` columns (default: all) plus geometry.

    Without an explicit `zoom`, the headroom is lowered a level at a time (down to none) while the result still has
    more than `max_vertices` vertices: a layer of many small units (a province) gets the detail of its own zoom level.
    A layer of at most `light_vertices` vertices is already lighter than the screen budget and keeps its exact
    geometry (the bundled schematic layers: a few hundred vertices). Returns None or an empty layer unchanged."""
    if gdf is None or not len(gdf):
        return gdf
    import geopandas as gpd

    raw = gdf.geometry.to_numpy()
    if vertex_count(raw) <= light_vertices:
        return gdf if keep is None else gdf[[c for c in gdf.columns if c in keep or c == gdf.geometry.name]]
    fit_bounds = bounds if bounds is not None else gdf.total_bounds
    levels = (
        [zoom]
        if zoom is not None
        else [display_zoom(fit_bounds, view, float(h)) for h in np.arange(headroom, -0.5, -1.0).clip(0)]
    )
    for zoom in levels:
        simplified = simplify_layer(raw, zoom, pixels)
        if vertex_count(simplified) <= max_vertices:
            break
    geom_col = gdf.geometry.name
    cols = [c for c in (keep if keep is not None else gdf.columns) if c in gdf.columns and c != geom_col]
    geoms = round_coordinates(simplified, decimals)
    out = gpd.GeoDataFrame(gdf[cols].copy(), geometry=list(geoms), crs=gdf.crs, index=gdf.index)
    if geom_col != "geometry" and geom_col in out.columns:
        out = out.drop(columns=[geom_col])
    out.attrs = dict(gdf.attrs)
    out.attrs["display_zoom"] = zoom
    return out


def vertex_count(geoms) -> int:
    return int(shapely.get_num_coordinates(np.asarray(geoms, dtype=object)).sum())


def geojson_bytes(gdf, columns=None) -> int:
    """Size of the layer as GeoJSON text (UTF-8), as a browser would receive it embedded in the map."""
    g = gdf if columns is None else gdf[[*columns, gdf.geometry.name]]
    return len(json.dumps(g.__geo_interface__, ensure_ascii=False).encode("utf-8"))
