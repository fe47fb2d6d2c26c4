"""Points and polygons: the township and park layers prepared once, and what a record's coordinates say.

A point is first checked against China's lon/lat box and its datum, converted to the display datum, then tested
against the city's outline, the township layer and the park layer (a point on an edge is inside; on a shared edge it
takes the lowest polygon index): by :func:`find_in_layers`, or by a finder with the same answers that a store offers
(store.postgis: the same test in PostGIS). The result is a :class:`Point`: its state (one of the PT_* below) and the codes it found."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from txip_geo.areas.datum import CHINA_LAT, CHINA_LON, normalise_datum, to_display

__all__ = [
    "Layer",
    "Point",
    "prepare_layer",
    "prepare_outline",
    "datum_of",
    "locate_points",
    "find_in_layers",
    "point_one",
    "PT_NONE",
    "PT_BAD",
    "PT_BAD_DATUM",
    "PT_OUTSIDE",
    "PT_UNIT",
    "PT_NO_UNIT",
    "PT_NO_LAYER",
]

# --------------------------------------------------------------------------- layers


@dataclass
class Layer:
    codes: np.ndarray  # object array of codes, one per polygon
    geoms: np.ndarray  # shapely geometries in WGS84 lon/lat
    schematic: np.ndarray  # bool per polygon: not an official boundary
    tree: object = None

    def __post_init__(self):
        import shapely

        # Copies of the caller's polygons (a layer cached for every session), prepared for this layer alone: a GEOS
        # prepared geometry builds its edge index on first use, which two threads must not do at once.
        self.geoms = shapely.from_wkb(shapely.to_wkb(self.geoms))
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)


def prepare_layer(layer) -> Layer | None:
    """A GeoDataFrame/GeoSeries with a `code` column -> polygons in EPSG:4326 (None for None or empty)."""
    if layer is None:
        return None
    import geopandas as gpd

    if isinstance(layer, gpd.GeoSeries):
        layer = gpd.GeoDataFrame({"code": [str(i) for i in layer.index]}, geometry=layer.values, crs=layer.crs)
    if len(layer) == 0:
        return None
    if layer.crs is not None and layer.crs.to_epsg() not in (4326, 4490):
        layer = layer.to_crs(4326)
    layer = layer[layer.geometry.notna() & ~layer.geometry.is_empty]
    codes = (
        layer["code"].astype(str).to_numpy(dtype=object)
        if "code" in layer.columns
        else np.array([""] * len(layer), dtype=object)
    )
    if "official" in layer.columns:
        schematic = ~layer["official"].fillna(0).astype(bool).to_numpy()
    elif "schematic" in layer.columns:
        schematic = layer["schematic"].fillna(False).astype(bool).to_numpy()
    else:
        schematic = np.zeros(len(layer), dtype=bool)
    return Layer(codes, np.asarray(layer.geometry.values, dtype=object), schematic)


def prepare_outline(outline):
    """Outline layer (GeoDataFrame/GeoSeries/geometry) -> one prepared shapely geometry, or None."""
    if outline is None:
        return None
    import shapely

    if isinstance(outline, shapely.Geometry):
        geom = outline
    else:
        if len(outline) == 0:
            return None
        if outline.crs is not None and outline.crs.to_epsg() not in (4326, 4490):
            outline = outline.to_crs(4326)
        geom = shapely.union_all(
            np.asarray(outline.geometry.values if hasattr(outline, "geometry") else outline.values)
        )
    shapely.prepare(geom)
    return geom


# --------------------------------------------------------------------------- points

# Point states (what the coordinates say).
PT_NONE, PT_BAD, PT_BAD_DATUM, PT_OUTSIDE, PT_UNIT, PT_NO_UNIT, PT_NO_LAYER = range(7)


@dataclass(frozen=True)
class Point:
    state: int = PT_NONE
    unit: str = ""  # township code from the layer
    park: str = ""  # park code from the park layer
    schematic: bool = False  # the township layer is not an official boundary
    datum: str = ""  # normalised datum, or the raw text when unknown
    park_schematic: bool = False


def datum_of(text: str) -> tuple[str, bool]:
    """('WGS84'|'CGCS2000'|'GCJ02', True) or (raw text, False) when unknown."""
    if not text:
        return "WGS84", True
    try:
        return normalise_datum(text), True
    except ValueError:
        return text, False


def locate_points(
    lon: np.ndarray,
    lat: np.ndarray,
    datum_codes: np.ndarray,
    datum_texts: list[str],
    towns: Layer | None,
    parks: Layer | None,
    outline,
    finder=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised: per row (state, township polygon index or -1, park polygon index or -1). `finder`: what places
    the points in the layers, :func:`find_in_layers` (the default) or one with its signature and answers."""
    n = len(lon)
    state = np.full(n, PT_NONE, dtype=np.int8)
    t_idx = np.full(n, -1, dtype=np.int64)
    p_idx = np.full(n, -1, dtype=np.int64)
    has = np.isfinite(lon) & np.isfinite(lat)
    if not has.any():
        return state, t_idx, p_idx
    in_box = has & (lon >= CHINA_LON[0]) & (lon <= CHINA_LON[1]) & (lat >= CHINA_LAT[0]) & (lat <= CHINA_LAT[1])
    state[has & ~in_box] = PT_BAD
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    for k, text in enumerate(datum_texts):
        sel = in_box & (datum_codes == k)
        if not sel.any():
            continue
        datum, ok = datum_of(text)
        if not ok:
            state[sel] = PT_BAD_DATUM
            continue
        x[sel], y[sel] = to_display(lon[sel], lat[sel], datum)
    ok = in_box & (state == PT_NONE)
    if not ok.any():
        return state, t_idx, p_idx
    rows = np.flatnonzero(ok)
    inside, t_hit, p_hit = (finder or find_in_layers)(x[rows], y[rows], towns, parks, outline)
    state[rows[~inside]] = PT_OUTSIDE
    rows, t_hit, p_hit = rows[inside], t_hit[inside], p_hit[inside]
    if not len(rows):
        return state, t_idx, p_idx
    if towns is not None:
        t_idx[rows] = t_hit
        state[rows] = np.where(t_hit >= 0, PT_UNIT, PT_NO_UNIT)
    else:
        state[rows] = PT_NO_LAYER
    if parks is not None:
        p_idx[rows] = p_hit
    return state, t_idx, p_idx


def find_in_layers(
    x: np.ndarray, y: np.ndarray, towns: Layer | None, parks: Layer | None, outline
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where points (display-datum lon/lat) fall: (inside the outline — all when there is none, township polygon
    index or -1, park polygon index or -1). A point on an edge is inside (intersects: the boundary counts); on a
    shared edge it takes the lowest polygon index. Indexes are given for the points inside the outline only (-1 for
    the others). The Python path; a store on PostGIS offers the same as a finder (store.postgis)."""
    import shapely

    n = len(x)
    inside = np.ones(n, dtype=bool) if outline is None else shapely.intersects_xy(outline, x, y)
    t_hit = np.full(n, -1, dtype=np.int64)
    p_hit = np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero(inside)
    if not len(rows):
        return inside, t_hit, p_hit
    xs, ys = x[rows], y[rows]
    pts = shapely.points(xs, ys)

    def first_hit(layer: Layer) -> np.ndarray:
        out = np.full(len(rows), -1, dtype=np.int64)
        src, poly = layer.tree.query(pts)  # the polygons whose box holds each point
        hit = np.zeros(len(src), dtype=bool)
        # Each polygon tests its candidates at once, prepared (its edges indexed): the cost hardly grows with the
        # vertices of an official boundary, as testing each point against the bare polygon's every edge does.
        for k in np.unique(poly):
            sel = poly == k
            hit[sel] = shapely.intersects_xy(layer.geoms[k], xs[src[sel]], ys[src[sel]])  # boundary points count
        src, poly = src[hit], poly[hit]
        if len(src):
            order = np.lexsort((poly, src))  # lowest polygon index first when on a shared edge
            src, poly = src[order], poly[order]
            first = np.r_[True, src[1:] != src[:-1]]
            out[src[first]] = poly[first]
        return out

    if towns is not None:
        t_hit[rows] = first_hit(towns)
    if parks is not None:
        p_hit[rows] = first_hit(parks)
    return inside, t_hit, p_hit


def point_one(lon, lat, datum_text: str, towns: Layer | None, parks: Layer | None, outline) -> Point:
    """The coordinates of one record, without the vectorised machinery (used by txip_geo.locate.frame.locate_one)."""
    import shapely

    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        return Point()
    if not (math.isfinite(x) and math.isfinite(y)):
        return Point()
    if not (CHINA_LON[0] <= x <= CHINA_LON[1] and CHINA_LAT[0] <= y <= CHINA_LAT[1]):
        return Point(PT_BAD)
    datum, ok = datum_of(datum_text)
    if not ok:
        return Point(PT_BAD_DATUM, datum=datum)
    gx, gy = to_display(np.array([x]), np.array([y]), datum)
    p = shapely.Point(float(gx[0]), float(gy[0]))
    if outline is not None and not shapely.intersects(outline, p):
        return Point(PT_OUTSIDE)

    def first(layer: Layer | None) -> int:
        if layer is None:
            return -1
        for i, g in enumerate(layer.geoms):
            if shapely.intersects(g, p):
                return i
        return -1

    pk = first(parks)
    park = parks.codes[pk] if pk >= 0 else ""
    psch = bool(parks.schematic[pk]) if pk >= 0 else False
    if towns is None:
        return Point(PT_NO_LAYER, park=park, park_schematic=psch)
    t = first(towns)
    if t < 0:
        return Point(PT_NO_UNIT, park=park, park_schematic=psch)
    return Point(PT_UNIT, towns.codes[t], park, bool(towns.schematic[t]), datum, psch)
