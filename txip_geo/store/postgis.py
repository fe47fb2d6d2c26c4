"""Point-in-polygon on PostGIS: a finder for txip_geo.locate (the signature and answers of
``locate.points.find_in_layers``) that places a chunk's points in the township and park layers inside PostgreSQL.

The layers a Locator was given (the very polygons, in their order) are loaded once per server connection into a
temporary table with a GiST index (``pg_temp.txip_polygons``, keyed by a digest of their WKB), the points come in
by binary COPY, and one query gives, per point, whether the outline covers it and the lowest township and park
polygon index that does (``ST_Intersects``: a point on an edge is in, as shapely's ``intersects`` says; the lowest
index on a shared edge, as the Python path takes). The answer comes back by binary COPY too.

Whether a store uses it (:func:`finder_for`): ``TXIP_POSTGIS_LOCATE`` = ``1`` on a PostgreSQL store with the postgis
extension, else the Python path. Off by default: measured slower than the Python path on the same machine, for the
bundled layers and for dense official-like ones (docs/performance.md, *Point-in-polygon on PostGIS*); it is kept, and
tested to give the same answers (tests/test_postgis_locate.py), for a database server with cores of its own.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

from txip_geo.store import backend_pg

ENV = "TXIP_POSTGIS_LOCATE"
_OUTLINE, _TOWNS, _PARKS = 0, 1, 2

# A binary COPY row of txip_points (i, pt): each field its length then its value (network byte order); the point as
# EWKB (little-endian, type 1 with the SRID flag, SRID 4326, x, y): the float8 values exactly as given.
_POINT_ROW = np.dtype(
    [
        ("n", ">i2"),
        ("li", ">i4"),
        ("i", ">i4"),
        ("lg", ">i4"),
        ("order", "u1"),
        ("type", "<u4"),
        ("srid", "<u4"),
        ("x", "<f8"),
        ("y", "<f8"),
    ]
)
# A binary COPY row of the answer: a point and a polygon that covers it (i, layer, index in its layer).
_PAIR_ROW = np.dtype(
    [("n", ">i2"), ("li", ">i4"), ("i", ">i4"), ("ll", ">i4"), ("layer", ">i2"), ("lx", ">i4"), ("idx", ">i4")]
)
_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # signature, flags, no header extension
_TRAILER = b"\xff\xff"

# Each polygon in turn looks up the points in its box (the points' GiST index) and tests them: the same polygon over
# and over, which PostGIS prepares once (its point-in-polygon cache), as shapely's tree query does.
_QUERY = """COPY (
SELECT p.i, g.layer, g.idx FROM pg_temp.txip_polygons g JOIN pg_temp.txip_points p ON ST_Intersects(g.geom, p.pt)
) TO STDOUT (FORMAT binary)"""


def available(target: backend_pg.Target) -> bool:
    """Whether the server has the postgis extension in this database."""
    con = target.connect()
    try:
        return con.raw.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone() is not None
    finally:
        con.close()


def finder_for(store) -> PostgisFinder | None:
    """The store's PostGIS finder when TXIP_POSTGIS_LOCATE=1 and the store is on PostgreSQL with PostGIS, else None
    (the Python path)."""
    if os.environ.get(ENV, "").strip() != "1" or store.pg is None or not available(store.pg):
        return None
    return PostgisFinder(store.pg)


class PostgisFinder:
    """``find_in_layers`` on the PostgreSQL server of `target` (picklable: an import's worker process uses it too)."""

    def __init__(self, target: backend_pg.Target):
        self.target = target
        self._digests: dict = {}

    def __getstate__(self):
        return {"target": self.target}

    def __setstate__(self, state):
        self.target, self._digests = state["target"], {}

    def __call__(self, x: np.ndarray, y: np.ndarray, towns, parks, outline):
        n = len(x)
        inside = np.full(n, outline is None)
        t_hit = np.full(n, -1, dtype=np.int64)
        p_hit = np.full(n, -1, dtype=np.int64)
        if not n:
            return inside, t_hit, p_hit
        pairs = self._pairs(x, y, towns, parks, outline)
        layer, i, idx = pairs["layer"], pairs["i"].astype(np.int64), pairs["idx"].astype(np.int64)
        inside[i[layer == _OUTLINE]] = True
        big = np.iinfo(np.int64).max
        for code, hit in ((_TOWNS, t_hit), (_PARKS, p_hit)):
            sel = layer == code
            low = np.full(n, big)
            np.minimum.at(low, i[sel], idx[sel])  # the lowest polygon index when on a shared edge
            found = (low < big) & inside  # indexes for the points inside the outline only, as find_in_layers
            hit[found] = low[found]
        return inside, t_hit, p_hit

    def _pairs(self, x: np.ndarray, y: np.ndarray, towns, parks, outline) -> np.ndarray:
        """(i, layer, idx) for every point i and polygon that covers it, from the server."""
        rows = np.zeros(len(x), dtype=_POINT_ROW)
        rows["n"], rows["li"], rows["lg"] = 2, 4, 25
        rows["order"], rows["type"], rows["srid"] = 1, 1 | 0x20000000, 4326
        rows["i"], rows["x"], rows["y"] = np.arange(len(x)), x, y
        con = self.target.connect()
        raw = con.raw
        out = bytearray()
        try:
            self._polygons(raw, towns, parks, outline)
            with raw.transaction():
                raw.execute("CREATE TEMP TABLE txip_points (i int4, pt geometry) ON COMMIT DROP")
                with raw.cursor() as cur, cur.copy("COPY pg_temp.txip_points FROM STDIN (FORMAT binary)") as copy:
                    copy.write(_HEADER + rows.tobytes() + _TRAILER)
                raw.execute("CREATE INDEX ON pg_temp.txip_points USING gist (pt)")
                raw.execute("ANALYZE pg_temp.txip_points")
                with raw.cursor() as cur, cur.copy(_QUERY) as copy:
                    for block in copy:
                        out += block
        finally:
            con.close()
        return np.frombuffer(bytes(out[len(_HEADER) : len(out) - len(_TRAILER)]), dtype=_PAIR_ROW)

    def _polygons(self, raw, towns, parks, outline) -> None:
        """The layers in pg_temp.txip_polygons (layer, index in its Layer, geometry), GiST-indexed; loaded again
        only when this connection holds other ones."""
        import shapely

        key = (id(towns), id(parks), id(outline))
        layers = [(_OUTLINE, [outline] if outline is not None else [])]
        layers += [
            (code, list(lay.geoms) if lay is not None else []) for code, lay in ((_TOWNS, towns), (_PARKS, parks))
        ]
        if key not in self._digests:
            h = hashlib.sha1()
            for code, geoms in layers:
                h.update(f"|{code}:{len(geoms)}|".encode())
                for g in geoms:
                    h.update(shapely.to_wkb(g))
            self._digests = {key: h.hexdigest()}  # one set of layers per Locator: keep the last
        digest = self._digests[key]
        if raw.execute("SELECT to_regclass('pg_temp.txip_polygons_key')").fetchone()[0] is not None:
            have = raw.execute("SELECT digest FROM pg_temp.txip_polygons_key").fetchone()
            if have and have[0] == digest:
                return
        with raw.transaction():
            raw.execute("DROP TABLE IF EXISTS pg_temp.txip_polygons, pg_temp.txip_polygons_key")
            raw.execute("CREATE TEMP TABLE txip_polygons (layer int2, idx int4, geom geometry)")
            raw.execute("CREATE TEMP TABLE txip_polygons_key (digest text)")
            with raw.cursor() as cur:
                cur.executemany(
                    "INSERT INTO pg_temp.txip_polygons VALUES (%s, %s, ST_SetSRID(ST_GeomFromWKB(%s), 4326))",
                    [(code, i, shapely.to_wkb(g)) for code, geoms in layers for i, g in enumerate(geoms)],
                )
            raw.execute("CREATE INDEX ON pg_temp.txip_polygons USING gist (geom)")
            raw.execute("ANALYZE pg_temp.txip_polygons")
            raw.execute("INSERT INTO pg_temp.txip_polygons_key VALUES (%s)", (digest,))
