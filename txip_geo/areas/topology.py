"""Polygon layers as one TopoJSON topology: each shared border sent once, coordinates quantised and delta-encoded.

The map's area layers are polygon coverages (townships tile the county: every inner border belongs to two units,
with the very same vertices after ``simplify.for_display``, whose ``coverage_simplify`` keeps shared edges shared).
GeoJSON sends each such border twice, as ``[120.12345, 32.12345]`` pairs; TopoJSON
(https://github.com/topojson/topojson-specification) sends it once, as an *arc* that both polygons reference, and
writes its points as small integers: positions on a grid of ``quantum`` degrees (``transform``), each point as its
difference from the previous one. The browser turns it back into GeoJSON with topojson-client (vendored, see
static/vendor/manifest.json) before Leaflet draws it, so what is drawn is the same polygons, with every vertex moved
by at most half a grid step (``quantum / 2`` in each direction).

How the arcs are found (as topojson-server does, for a layer whose shared borders share their vertices):

1. every ring is quantised; consecutive points that fall on the same grid point are merged;
2. a point is a *junction* where rings passing through it do not all have the same two neighbours there (three
   units meet, a shared border ends, a ring touches itself);
3. each ring is cut at its junctions into arcs; a ring with no junction (an island, the hole around it) is one arc
   starting at its smallest point, so the island and its hole give the same arc;
4. an arc already seen, in either direction, is referenced again (``~i`` for the reverse of arc ``i``).

What the page gets is the topology *packed* (``pack``): the same numbers and texts without what TopoJSON repeats
for every feature -- each arc as one flat list ``[x0, y0, dx1, dy1, …]`` instead of a list of pairs, each layer's
properties as one list per property name (the names written once, not once per feature), ids left out when they
are the features' positions ("0", "1", …), a geometry's type told by its nesting (rings of arc indices: Polygon;
polygons of them: MultiPolygon; null: no geometry). A few lines of script in the page (render/folium_map.py,
``UNPACK_JS``; ``unpack`` here is the same in Python) turn it back into the very TopoJSON topology ``encode``
made, before topojson-client reads it: the features, their ids and properties are exactly those encoded.

Pure: numpy and the geometries' coordinates; nothing here knows folium or the browser.
"""

from __future__ import annotations

import json
import math

import numpy as np

__all__ = ["encode", "pack", "unpack", "decode_arcs", "decode_geometry", "to_json"]


def _rings(geometry: dict | None) -> list[list[list[list[float]]]]:
    """A GeoJSON Polygon/MultiPolygon's polygons, each a list of rings (lists of [x, y]); none for no geometry."""
    if not geometry:
        return []
    kind = geometry["type"]
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"topology: only polygons are encoded, not {kind}")


def _quantise(ring, x0: float, y0: float, quantum: float) -> list[tuple[int, int]]:
    """A ring's points on the grid, consecutive repeats merged, open (the closing point dropped)."""
    a = np.asarray(ring, dtype=float)[:, :2]
    q = np.rint((a - (x0, y0)) / quantum).astype(np.int64)
    if len(q) > 1:
        keep = np.ones(len(q), dtype=bool)
        keep[1:] = (q[1:] != q[:-1]).any(axis=1)
        q = q[keep]
    pts = [(int(x), int(y)) for x, y in q]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    return pts


def _junctions(rings: list[list[tuple[int, int]]]) -> set[tuple[int, int]]:
    seen: dict[tuple[int, int], frozenset] = {}
    junctions: set[tuple[int, int]] = set()
    for ring in rings:
        n = len(ring)
        for i, p in enumerate(ring):
            pair = frozenset((ring[i - 1], ring[(i + 1) % n]))
            old = seen.get(p)
            if old is None:
                seen[p] = pair
            elif old != pair:  # the same two neighbours in every ring through it: inside a shared border
                junctions.add(p)
        # a point met twice in one ring (the ring touches itself) is a junction
        if len(set(ring)) != n:
            counts: dict[tuple[int, int], int] = {}
            for p in ring:
                counts[p] = counts.get(p, 0) + 1
            junctions.update(p for p, c in counts.items() if c > 1)
    return junctions


def _cut(ring: list[tuple[int, int]], junctions: set[tuple[int, int]]) -> list[tuple[tuple[int, int], ...]]:
    """A ring's arcs (tuples of points, each closed at both ends by a junction or, with none, by itself)."""
    starts = [i for i, p in enumerate(ring) if p in junctions]
    if not starts:
        i = min(range(len(ring)), key=ring.__getitem__)
        r = ring[i:] + ring[:i]
        return [(*r, r[0])]
    r = ring[starts[0] :] + ring[: starts[0]]
    cuts = [i - starts[0] for i in starts] + [len(ring)]
    r = r + [r[0]]
    return [tuple(r[a : b + 1]) for a, b in zip(cuts[:-1], cuts[1:])]


def _origin(feats, quantum: float) -> tuple[float, float]:
    """The grid's corner: the layers' lower-left bound, on the grid."""
    xs, ys = [], []
    for _, f in feats:
        for poly in _rings(f["geometry"]):
            a = np.asarray(poly[0], dtype=float)  # the exterior bounds the holes
            xs.append(a[:, 0].min())
            ys.append(a[:, 1].min())
    if not xs:
        return 0.0, 0.0
    # rounded: a multiple of the grid step written without float noise (119.39523, not 119.39523000000001)
    return (
        round(math.floor(min(xs) / quantum) * quantum, 12),
        round(math.floor(min(ys) / quantum) * quantum, 12),
    )


def _quantised_polygons(geometry, x0: float, y0: float, quantum: float) -> list[list[list[tuple[int, int]]]]:
    polys = []
    for poly in _rings(geometry):
        rings = [_quantise(r, x0, y0, quantum) for r in poly]
        if len(rings[0]) >= 3:  # an exterior the grid reduced to a point or a line: nothing to draw
            polys.append([r for r in rings if len(r) >= 3])
    return polys


def _geometry(feature: dict, refs: list) -> dict:
    if (feature["geometry"] or {}).get("type") == "Polygon" and len(refs) == 1:
        geom: dict = {"type": "Polygon", "arcs": refs[0]}
    elif refs:
        geom = {"type": "MultiPolygon", "arcs": refs}
    else:
        geom = {"type": None}
    if feature.get("id") is not None:
        geom["id"] = feature["id"]
    if feature.get("properties"):
        geom["properties"] = feature["properties"]
    return geom


def encode(layers: dict[str, dict], quantum: float = 1e-5) -> dict:
    """One TopoJSON topology of several GeoJSON FeatureCollections of (Multi)Polygons (lon/lat), one object per
    layer (a GeometryCollection named as the key), each feature's ``id`` and ``properties`` kept. ``quantum``:
    the grid step in degrees (1e-5: the ≈1 m of coordinates rounded to 5 decimals). A ring that the grid reduces
    to fewer than 3 points is left out (a polygon with no exterior left is then empty, drawn as nothing)."""
    feats = [(name, f) for name, fc in layers.items() for f in fc["features"]]
    x0, y0 = _origin(feats, quantum)
    quantised = [_quantised_polygons(f["geometry"], x0, y0, quantum) for _, f in feats]
    junctions = _junctions([r for polys in quantised for poly in polys for r in poly])

    index: dict[tuple, int] = {}
    arcs: list[tuple] = []

    def ref(arc: tuple) -> int:
        i = index.get(arc)
        if i is not None:
            return i
        i = index.get(arc[::-1])
        if i is not None:
            return ~i
        index[arc] = len(arcs)
        arcs.append(arc)
        return len(arcs) - 1

    objects: dict[str, dict] = {name: {"type": "GeometryCollection", "geometries": []} for name in layers}
    for (name, f), polys in zip(feats, quantised):
        refs = [[[ref(a) for a in _cut(r, junctions)] for r in poly] for poly in polys]
        objects[name]["geometries"].append(_geometry(f, refs))

    encoded = []
    for arc in arcs:
        a = np.asarray(arc, dtype=np.int64)
        encoded.append(np.vstack((a[:1], np.diff(a, axis=0))).tolist())
    return {
        "type": "Topology",
        "transform": {"scale": [quantum, quantum], "translate": [x0, y0]},
        "objects": objects,
        "arcs": encoded,
    }


def to_json(topology: dict) -> str:
    """Compact JSON text of a topology, safe inside an HTML <script> (as jinja's ``tojson``), names as UTF-8."""
    text = json.dumps(topology, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")


# -- the packed form the page gets (see the module's docstring) -----------------------------------------------------


def _pack_object(obj: dict) -> dict:
    geoms = obj["geometries"]
    out: dict = {"g": [g.get("arcs") for g in geoms]}
    ids = [g.get("id") for g in geoms]
    if ids != [str(i) for i in range(len(ids))]:
        out["i"] = ids
    props = [g.get("properties") or {} for g in geoms]
    keys = list(props[0]) if props else []
    if all(list(p) == keys for p in props):
        if keys:  # one list per property name, the name once
            out["p"] = {k: [p[k] for p in props] for k in keys}
    else:  # features with different property names: each feature's own (empty: none)
        out["P"] = props
    return out


def pack(topology: dict) -> dict:
    """The topology as the page gets it: the same arcs, geometries, ids and properties in fewer bytes (the module's
    docstring); ``unpack`` (and the page's ``UNPACK_JS``) gives back ``topology`` itself."""
    tr = topology["transform"]
    return {
        "k": tr["scale"],
        "t": tr["translate"],
        "o": {name: _pack_object(obj) for name, obj in topology["objects"].items()},
        "a": [[v for point in arc for v in point] for arc in topology["arcs"]],
    }


def _unpack_geometry(arcs, i: int, packed: dict) -> dict:
    if arcs is None:
        geom: dict = {"type": None}
    else:
        geom = {"type": "Polygon" if isinstance(arcs[0][0], int) else "MultiPolygon", "arcs": arcs}
    ident = packed["i"][i] if "i" in packed else str(i)
    if ident is not None:
        geom["id"] = ident
    if "P" in packed:
        if packed["P"][i]:
            geom["properties"] = packed["P"][i]
    elif "p" in packed:
        geom["properties"] = {k: v[i] for k, v in packed["p"].items()}
    return geom


def unpack(packed: dict) -> dict:
    """The TopoJSON topology back from its packed form (what the page's ``UNPACK_JS`` does)."""
    return {
        "type": "Topology",
        "transform": {"scale": packed["k"], "translate": packed["t"]},
        "objects": {
            name: {
                "type": "GeometryCollection",
                "geometries": [_unpack_geometry(g, i, obj) for i, g in enumerate(obj["g"])],
            }
            for name, obj in packed["o"].items()
        },
        "arcs": [[list(p) for p in zip(a[0::2], a[1::2])] for a in packed["a"]],
    }


# -- decoding (what topojson-client does in the browser; used by the tests and the benchmark's checks) -------------


def decode_arcs(topology: dict) -> list[np.ndarray]:
    """Every arc as an (n, 2) array of lon/lat."""
    (kx, ky), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    out = []
    for arc in topology["arcs"]:
        a = np.cumsum(np.asarray(arc, dtype=np.int64), axis=0).astype(float)
        out.append(np.column_stack((a[:, 0] * kx + tx, a[:, 1] * ky + ty)))
    return out


def _ring(refs: list[int], arcs: list[np.ndarray]) -> list[list[float]]:
    pts: list[np.ndarray] = []
    for i in refs:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.append(a if not pts else a[1:])  # consecutive arcs share their joining point
    return np.vstack(pts).tolist()


def decode_geometry(geometry: dict, arcs: list[np.ndarray]) -> dict | None:
    """A topology geometry back as a GeoJSON geometry (None for an empty one)."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(r, arcs) for r in geometry["arcs"]]}
    if kind == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [[_ring(r, arcs) for r in p] for p in geometry["arcs"]]}
    return None
