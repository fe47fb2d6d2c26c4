"""Geodetic datums for Taixing's layers: WGS84, CGCS2000 and GCJ-02 (高德/腾讯), vectorised with numpy."""

from __future__ import annotations

import re
import tomllib
import unicodedata

import numpy as np

from txip_geo.paths import DATA_DIR
from txip_geo.strings import t

__all__ = [
    "CHINA_LAT",
    "CHINA_LON",
    "DATUMS",
    "DISPLAY_DATUM",
    "EPSG_BY_DATUM",
    "gcj02_to_wgs84",
    "in_china",
    "normalise_datum",
    "to_display",
    "transform_geometry",
    "wgs84_to_gcj02",
]

#: The datum every layer is shown in (the map's EPSG:4326).
DISPLAY_DATUM = "WGS84"

#: The datums this module knows.
#:
#: * ``WGS84``    -- GPS, EPSG:4326, OpenStreetMap.
#: * ``CGCS2000`` -- 2000国家大地坐标系, EPSG:4490: 天地图 and the official files of the
#:   自然资源和规划局.  Its ellipsoid differs from WGS84's only in the flattening
#:   (a 0.1 mm difference in the semi-minor axis) and its frame agrees with
#:   ITRF/WGS84 to a few centimetres; at map scale the two are **treated as the
#:   same datum** here (no shift is applied).  A centimetre matters to cadastral
#:   survey, not to a township map or to point-in-polygon on a generalised outline.
#: * ``GCJ02``    -- 国测局 / "火星坐标": 高德 (AMap), 腾讯 (Tencent), Google China;
#:   WGS84 shifted by an obfuscation formula, about 500 m at Taixing.
#:
#: BD-09 (百度) is deliberately not supported (see :func:`normalise_datum`).
DATUMS = ("WGS84", "CGCS2000", "GCJ02")

#: EPSG code of each datum's geographic CRS (GCJ-02 has none).
EPSG_BY_DATUM = {"WGS84": 4326, "CGCS2000": 4490, "GCJ02": None}

# Krasovsky 1940 ellipsoid, used by the GCJ-02 formula.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323

#: China's lon/lat box, in degrees: coordinates outside it are not a place in China (a typo, swapped or projected
#: values). The importer's coordinate check and the locator both use it.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)

# The customary rough "inside China" box of the GCJ-02 formula (not the one above): outside it GCJ-02 equals WGS84.
_GCJ_LON = (72.004, 137.8347)
_GCJ_LAT = (0.8293, 55.8271)

_INVERSE_TOL_DEG = 1e-10  # stop the inverse when the forward image is this close
_INVERSE_MAX_ITER = 30


# --------------------------------------------------------------------------- GCJ-02


def _as_arrays(lon, lat):
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return lon_a, lat_a, scalar


def _out(lon, lat, scalar):
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def in_china(lon, lat):
    """True where (lon, lat) is inside the rough box in which GCJ-02 applies (NaN -> False)."""
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    mask = (lon_a >= _GCJ_LON[0]) & (lon_a <= _GCJ_LON[1]) & (lat_a >= _GCJ_LAT[0]) & (lat_a <= _GCJ_LAT[1])
    return bool(mask) if scalar else mask


def _gcj_offset(lon, lat):
    """GCJ-02 minus WGS84 in degrees (dlon, dlat), evaluated at WGS84 (lon, lat)."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    pi = np.pi
    dlat_m = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_abs_x
        + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    )
    dlon_m = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_abs_x
        + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    )
    rad_lat = np.radians(lat)
    magic = 1.0 - _GCJ_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat_m * 180.0 / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * pi)
    dlon = dlon_m * 180.0 / (_GCJ_A / sqrt_magic * np.cos(rad_lat) * pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat):
    """WGS84 (or CGCS2000) -> GCJ-02.  Scalars give a (lon, lat) tuple of floats, arrays give arrays.

    Points outside China (the usual rough box) are returned unchanged.
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    inside = in_china(lon_a, lat_a)
    dlon, dlat = _gcj_offset(lon_a, lat_a)
    out_lon = np.where(inside, lon_a + dlon, lon_a)
    out_lat = np.where(inside, lat_a + dlat, lat_a)
    return _out(out_lon, out_lat, scalar)


def gcj02_to_wgs84(lon, lat):
    """GCJ-02 -> WGS84, exact inverse of :func:`wgs84_to_gcj02` (fixed-point iteration).

    The single-step approximation ``2*gcj - forward(gcj)`` is off by about a metre;
    here the estimate is refined until its forward image matches the input to
    better than 1e-10 degrees (a few iterations).  Points outside China unchanged.
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    inside = in_china(lon_a, lat_a)
    dlon, dlat = _gcj_offset(lon_a, lat_a)
    w_lon = lon_a - dlon
    w_lat = lat_a - dlat
    for _ in range(_INVERSE_MAX_ITER):
        f_lon, f_lat = _gcj_offset(w_lon, w_lat)
        err_lon = w_lon + f_lon - lon_a
        err_lat = w_lat + f_lat - lat_a
        w_lon = w_lon - err_lon
        w_lat = w_lat - err_lat
        err = np.maximum(np.abs(err_lon), np.abs(err_lat))
        if not np.any(err[inside] > _INVERSE_TOL_DEG):  # NaN never exceeds: fine
            break
    out_lon = np.where(inside, w_lon, lon_a)
    out_lat = np.where(inside, w_lat, lat_a)
    return _out(out_lon, out_lat, scalar)


# --------------------------------------------------------------------------- names


def _names() -> dict:
    with open(DATA_DIR / "datum_names.toml", "rb") as f:
        return tomllib.load(f)


_NAMES = _names()  # data/datum_names.toml: how users write each datum
_LOOKUP = {alias: datum for datum, aliases in _NAMES["aliases"].items() for alias in aliases}
_BAIDU = tuple(_NAMES["baidu"]["names"])
_BAIDU_CONTAINS = tuple(_NAMES["baidu"]["contains"])


def _key(text: str) -> str:
    # NFKC folds full-width letters/digits/punctuation (ＧＣＪ－０２) to ASCII.
    folded = unicodedata.normalize("NFKC", text).upper()
    return re.sub(r"[\s\-_:：.,，/（）()'\"]+", "", folded)


def normalise_datum(text) -> str:
    """Map a datum name as users write it to ``'WGS84'``, ``'CGCS2000'`` or ``'GCJ02'``.

    Accepts e.g. ``'wgs84'``, ``'WGS-84'``, ``'EPSG:4326'``, ``'CGCS2000'``, ``'EPSG:4490'``,
    ``'2000国家大地坐标系'``, ``'gcj02'``, ``'GCJ-02'``, ``'火星坐标'``, ``'国测局'``, ``'高德'``,
    ``'amap'``, ``'tencent'``, ``'腾讯'`` and combinations such as ``'tencent/腾讯'``.
    Raises ``ValueError`` (Chinese message) for BD-09/百度 and for anything unknown.
    Projected CRSs (EPSG:4549 etc.) are not datums of lon/lat data: read such files with
    :func:`txip_geo.areas.boundaries.read_layer`, which reprojects them.
    """
    if not isinstance(text, str):
        raise ValueError(t("areas.datum_not_text", text=repr(text)))
    raw = text.strip()
    key = _key(raw)
    if not key:
        raise ValueError(t("areas.datum_empty"))
    if key in _LOOKUP:
        return _LOOKUP[key]
    if key in _BAIDU or key.startswith("BD09") or any(w in key for w in _BAIDU_CONTAINS):
        raise ValueError(t("areas.datum_baidu", text=repr(raw)))
    # combinations such as "tencent/腾讯" or "GCJ-02（高德）": every part must agree
    parts = [_key(p) for p in re.split(r"[\s/、,，;；|()（）]+", unicodedata.normalize("NFKC", raw))]
    found = {_LOOKUP[p] for p in parts if p in _LOOKUP}
    unknown = [p for p in parts if p and p not in _LOOKUP]
    if len(found) == 1 and not unknown:
        return found.pop()
    raise ValueError(t("areas.datum_unknown", text=repr(raw)))


def _same_frame(a: str, b: str) -> bool:
    """WGS84 and CGCS2000 are the same at map scale."""
    grid = {"WGS84": "WGS", "CGCS2000": "WGS", "GCJ02": "GCJ"}
    return grid[a] == grid[b]


def _convert(lon, lat, from_datum: str, to_datum: str):
    if _same_frame(from_datum, to_datum):
        return lon, lat
    if from_datum == "GCJ02":
        return gcj02_to_wgs84(lon, lat)
    return wgs84_to_gcj02(lon, lat)


# --------------------------------------------------------------------------- display


def to_display(lon, lat, datum, display: str = DISPLAY_DATUM):
    """Convert lon/lat arrays given in ``datum`` to the display datum; returns two float arrays.

    ``datum`` and ``display`` accept anything :func:`normalise_datum` accepts.
    WGS84 <-> CGCS2000 is the identity (see :data:`DATUMS`).
    """
    src = normalise_datum(datum)
    dst = normalise_datum(display)
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    out_lon, out_lat = _convert(lon_a.copy(), lat_a.copy(), src, dst)
    return np.asarray(out_lon, dtype=float), np.asarray(out_lat, dtype=float)


def _coords_func(src: str, dst: str):
    def func(coords):
        lon, lat = _convert(coords[:, 0], coords[:, 1], src, dst)
        out = coords.copy()
        out[:, 0] = lon
        out[:, 1] = lat
        return out

    return func


def transform_geometry(geom_or_geoseries, from_datum, to_datum):
    """Move geometries between datums with ``shapely.transform`` (Z values are kept).

    Accepts a shapely geometry, an array of geometries, a ``GeoSeries`` or a
    ``GeoDataFrame`` and returns the same kind.  A GeoSeries/GeoDataFrame keeps its
    index; its CRS becomes EPSG:4326/EPSG:4490 for WGS84/CGCS2000 and ``None`` for GCJ-02
    (which has no EPSG code).
    """
    src = normalise_datum(from_datum)
    dst = normalise_datum(to_datum)
    func = _coords_func(src, dst)

    def apply(values):
        if _same_frame(src, dst):
            return values
        import shapely  # here: reading a datum name or converting points needs no shapely

        return shapely.transform(values, func, include_z=None)

    try:  # geopandas is optional for this module
        import geopandas as gpd
    except ImportError:  # pragma: no cover
        gpd = None

    if gpd is not None and isinstance(geom_or_geoseries, (gpd.GeoSeries, gpd.GeoDataFrame)):
        obj = geom_or_geoseries.copy()
        epsg = EPSG_BY_DATUM[dst]
        if isinstance(obj, gpd.GeoDataFrame):
            geoms = apply(obj.geometry.values.to_numpy())
            col = obj.geometry.name
            obj[col] = gpd.GeoSeries(geoms, index=obj.index)
            obj = obj.set_geometry(col)
        else:
            obj = gpd.GeoSeries(apply(obj.values.to_numpy()), index=obj.index, name=obj.name)
        if epsg is None:
            return obj.set_crs(None, allow_override=True)
        return obj.set_crs(epsg, allow_override=True)
    return apply(geom_or_geoseries)
