"""A park's boundary drawn on the map and saved as its official one (:func:`save_drawn_park`)."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import shapely

from txip_geo.areas import boundaries
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.ingest.boundaries.geometry import host_warnings, overlaps, polygonal, reason_zh
from txip_geo.ingest.boundaries.importing import merged_parks, write_layer
from txip_geo.ingest.boundaries.messages import BY_DRAWN, listing, msg
from txip_geo.ingest.boundaries.report import BoundaryReport, new_report, reject

DRAW_TOLERANCE_KM = 1.0  # a drawn park may extend this far beyond the (generalised) county outline
MIN_PARK_KM2 = 0.01  # a drawn park smaller than this is a slip of the mouse


def _drawn_geometry(geojson) -> shapely.Geometry:
    """A GeoJSON geometry, Feature, FeatureCollection or list of Features (st_folium's all_drawings) -> one geometry."""
    if isinstance(geojson, str):
        geojson = json.loads(geojson)
    if isinstance(geojson, (list, tuple)):
        feats = list(geojson)
    elif isinstance(geojson, dict) and geojson.get("type") == "FeatureCollection":
        feats = geojson.get("features") or []
    else:
        feats = [geojson]
    geoms = []
    for f in feats:
        g = f.get("geometry") if isinstance(f, dict) and f.get("type") == "Feature" else f
        if not g:
            continue
        geoms.append(shapely.geometry.shape(g))
    if not geoms:
        return shapely.GeometryCollection()
    return geoms[0] if len(geoms) == 1 else shapely.GeometryCollection(geoms)


def _drawn_polygon(geojson_geometry, name: str, report: BoundaryReport):
    """The drawing as one valid (Multi)Polygon: a self-intersecting ring is repaired and counted. Rejects others."""
    try:
        geom = _drawn_geometry(geojson_geometry)
    except Exception as e:  # noqa: BLE001 - malformed GeoJSON from the browser
        raise reject(report, msg("drawn_unreadable", error=type(e).__name__)) from None
    geom = shapely.force_2d(geom)
    poly = polygonal(geom) if geom.geom_type == "GeometryCollection" else geom
    if poly is None or poly.is_empty or poly.geom_type not in ("Polygon", "MultiPolygon"):
        got = geom.geom_type if not geom.is_empty else msg("empty_shape")
        raise reject(report, msg("drawn_not_polygon", park=name, got=got))
    report.features_read = len(getattr(poly, "geoms", [poly]))
    if not poly.is_valid:
        report.repaired.append({"feature": 1, "name": name, "reason": reason_zh(shapely.is_valid_reason(poly))})
        poly = polygonal(shapely.make_valid(poly))
        if poly is None:
            raise reject(report, msg("drawn_invalid", park=name))
    if len(getattr(geom, "geoms", [])) > 1 and poly.geom_type == "MultiPolygon":
        poly = polygonal(shapely.union_all(list(poly.geoms))) or poly
    return poly


def _drawn_area_km2(gdf: gpd.GeoDataFrame, name: str, report: BoundaryReport) -> float:
    """The park's area; rejects a slip of the mouse and a drawing beyond the county outline (with tolerance)."""
    proj = gdf.to_crs(boundaries.AREA_CRS).geometry.iloc[0]
    km2 = proj.area / 1e6
    if km2 < MIN_PARK_KM2:
        raise reject(report, msg("drawn_too_small", park=name, km2=km2, min_km2=MIN_PARK_KM2))
    outline = boundaries.county_outline().to_crs(boundaries.AREA_CRS).union_all()
    outside = proj.difference(outline.buffer(DRAW_TOLERANCE_KM * 1000)).area / 1e6
    if outside > 1e-6:
        raise reject(report, msg("drawn_outside", park=name, km2=outside, tolerance_km=DRAW_TOLERANCE_KM))
    return km2


def save_drawn_park(store, park_code: str, geojson_geometry, user: str, *, as_of: str | None = None) -> BoundaryReport:
    """Save a polygon drawn on the map as the official boundary of one park (P01–P04).

    The polygon (lon/lat in the display datum, as Leaflet gives it; several polygons form one park) must be a valid
    area of at least 0.01 km² lying inside the county outline (with 1 km tolerance: the outline is generalised);
    a self-intersecting ring is repaired and counted. The other parks keep their boundary and status; records are
    re-assigned. Raises ImportRejected (store unchanged).
    """
    gaz = load_gazetteer()
    stamp = datetime.now()
    report = new_report("parks", msg("drawn_file", code=park_code, stamp=stamp), as_of)
    if park_code not in gaz.park_by_code:
        raise reject(report, msg("no_park", code=park_code, parks=listing(p.code + " " + p.name for p in gaz.parks)))
    name = gaz.name_of(park_code)
    poly = _drawn_polygon(geojson_geometry, name, report)
    gdf = gpd.GeoDataFrame({"code": [park_code], "name": [name]}, geometry=[poly], crs=boundaries.DISPLAY_CRS)
    km2 = _drawn_area_km2(gdf, name, report)
    host_warnings(gdf, store.layer("townships"), report)
    report.matched = [
        {
            "code": park_code,
            "name": name,
            "features": report.features_read,
            "by": BY_DRAWN,
            "area_km2": round(km2, 2),
            "published_km2": None,
        }
    ]
    full = merged_parks(store, gdf)
    scratch = new_report("parks", report.file_name, as_of)
    overlaps(full, scratch)
    for o, w in zip(scratch.overlaps, scratch.warnings):
        if park_code in (o["a"], o["b"]):
            report.overlaps.append(o)
            report.warnings.append(w)
    report.kept = [
        {"code": r.code, "name": r.name, "official": bool(r.official)}
        for r in store.layer("parks").itertuples()
        if r.code != park_code
    ]
    report.rows_read = report.rows_imported = 1
    report.crs_used = msg("used_drawn")
    with tempfile.TemporaryDirectory(prefix="txip-draw-") as tmp:
        path = Path(tmp) / report.file_name
        path.write_text(
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "geometry": shapely.geometry.mapping(poly),
                            "properties": {
                                "code": park_code,
                                "name": name,
                                "drawn_by": user,
                                "drawn_at": stamp.isoformat(timespec="seconds"),
                            },
                        }
                    ],
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        report.import_id = write_layer(
            store, "parks", full, file_path=path, report=report, user=user, codes={park_code}
        )
    return report
