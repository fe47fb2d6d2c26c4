"""Checking the matched features' geometry (:func:`check_geometry`): invalid rings are repaired with
``shapely.make_valid`` and counted; a matched feature whose representative point is more than 5 km outside the county
outline rejects the file (a wrong-CRS hint); overlaps between units and gaps (slivers between neighbours, area of the
county not covered) are warnings with km² measured in EPSG:4549 -- up to the tolerances of ``coverage``, beyond which a
township layer is refused; a park mostly outside its host township is a warning too."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from txip_geo.areas import boundaries
from txip_geo.areas import datum as _datum
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.ingest.boundaries.coverage import check_coverage
from txip_geo.ingest.boundaries.messages import listing, msg, series
from txip_geo.ingest.boundaries.report import BoundaryReport, problems_message, reject
from txip_geo.ingest.boundaries.vocabulary import GEOS_REASONS

MAX_OUTSIDE_KM = 5.0  # a matched feature whose representative point lies farther than this outside the outline rejects
OVERLAP_MIN_KM2 = 0.001  # overlaps between two units smaller than this (1000 m²) are digitising noise, not reported
SLIVER_MIN_KM2 = 0.001  # holes in the union of the units smaller than this are not reported
GAP_WARN_KM2 = 5.0  # uncovered county area (or area outside the outline) above this is a warning


def distance_outside_km(points: np.ndarray) -> np.ndarray:
    """Distance (km, EPSG:4549) of each lon/lat point from the county outline (0 inside)."""
    outline = boundaries.county_outline().to_crs(boundaries.AREA_CRS).union_all()
    pts = gpd.GeoSeries(points, crs=boundaries.DISPLAY_CRS).to_crs(boundaries.AREA_CRS).to_numpy()
    return np.asarray(shapely.distance(pts, outline), dtype=float) / 1000.0


def polygonal(geom):
    """The polygonal part of a geometry (make_valid may add lines or points); None when there is none."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def reason_zh(reason: str) -> str:
    """GEOS's reason for an invalid geometry, in Chinese when it is a known one."""
    head = reason.split("[", 1)[0].strip()
    return msg(f"reason_{GEOS_REASONS[head]}") if head in GEOS_REASONS else head


def _repair(gdf: gpd.GeoDataFrame, report: BoundaryReport) -> gpd.GeoDataFrame:
    geoms = gdf.geometry.to_numpy().copy()
    valid = shapely.is_valid(geoms)
    for i in np.flatnonzero(~valid):
        reason = reason_zh(shapely.is_valid_reason(geoms[i]))
        fixed = polygonal(shapely.make_valid(geoms[i]))
        report.repaired.append(
            {"feature": int(gdf["feature"].iloc[i]), "name": str(gdf["name"].iloc[i]), "reason": reason}
        )
        geoms[i] = fixed
    out = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
    keep = out.geometry.notna() & ~out.geometry.is_empty
    return out[keep]


def _far_features(gdf: gpd.GeoDataFrame, report: BoundaryReport) -> list[str]:
    dist = distance_outside_km(gdf.geometry.representative_point().to_numpy())
    far = np.flatnonzero(dist > MAX_OUTSIDE_KM)
    report.far = [
        {
            "feature": int(gdf["feature"].iloc[i]),
            "name": str(gdf["name"].iloc[i]),
            "distance_km": round(float(dist[i]), 1),
        }
        for i in far
    ]
    if not report.far:
        return []
    items = series(msg("far_item", feature=f["feature"], name=f["name"], km=f["distance_km"]) for f in report.far[:20])
    return [msg("far", n=len(report.far), max_km=MAX_OUTSIDE_KM, items=items)]


def _dissolve(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rows = []
    for code, part in gdf.groupby("code", sort=False):
        geoms = part.geometry.to_numpy()
        geom = geoms[0] if len(geoms) == 1 else polygonal(shapely.union_all(geoms))
        rows.append({"code": code, "name": part["name"].iloc[0], "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=gdf.crs)


def overlaps(units: gpd.GeoDataFrame, report: BoundaryReport) -> None:
    """Overlaps between two units (of at least OVERLAP_MIN_KM2): ``report.overlaps`` and a warning each."""
    proj = units.to_crs(boundaries.AREA_CRS)
    geoms = proj.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left, right):
        if i >= j:
            continue
        km2 = shapely.intersection(geoms[i], geoms[j]).area / 1e6
        if km2 >= OVERLAP_MIN_KM2:
            a, b = units.iloc[i], units.iloc[j]
            report.overlaps.append(
                {"a": a["code"], "b": b["code"], "a_name": a["name"], "b_name": b["name"], "km2": round(km2, 3)}
            )
            report.warnings.append(msg("overlap", a=a["name"], b=b["name"], km2=km2))


def _gaps(units: gpd.GeoDataFrame, report: BoundaryReport) -> None:
    proj = units.to_crs(boundaries.AREA_CRS)
    geoms = proj.geometry.to_numpy()
    union = shapely.union_all(geoms)
    outline = boundaries.county_outline().to_crs(boundaries.AREA_CRS).union_all()
    holes = [shapely.Polygon(r) for poly in getattr(union, "geoms", [union]) for r in poly.interiors]
    slivers = []
    for h in holes:
        if h.area / 1e6 < SLIVER_MIN_KM2:
            continue
        near = [str(units["name"].iloc[k]) for k in np.flatnonzero(shapely.distance(geoms, h) < 1.0)]
        slivers.append({"km2": round(h.area / 1e6, 3), "units": near})
    slivers.sort(key=lambda s: -s["km2"])
    uncovered = outline.difference(union).area / 1e6
    outside = union.difference(outline).area / 1e6
    report.gaps = {
        "outline_km2": round(outline.area / 1e6, 2),
        "union_km2": round(union.area / 1e6, 2),
        "uncovered_km2": round(uncovered, 3),
        "outside_km2": round(outside, 3),
        "slivers": slivers,
        "slivers_km2": round(sum(s["km2"] for s in slivers), 3),
    }
    for s in slivers[:10]:
        report.warnings.append(msg("sliver", units=listing(s["units"]), km2=s["km2"]))
    if len(slivers) > 10:
        report.warnings.append(msg("slivers_more", n=len(slivers), km2=report.gaps["slivers_km2"]))
    edge = uncovered - sum(s["km2"] for s in slivers)
    if edge > GAP_WARN_KM2:
        report.warnings.append(msg("uncovered", km2=edge))
    if outside > GAP_WARN_KM2:
        report.warnings.append(msg("outside", km2=outside))


def _gcj_hint(units: gpd.GeoDataFrame, report: BoundaryReport) -> None:
    """A lon/lat file that fits the outline much better once read as GCJ-02 probably is GCJ-02 (高德/腾讯)."""
    if "GCJ" in report.crs_used or not report.gaps:
        return
    before = report.gaps["uncovered_km2"] + report.gaps["outside_km2"]
    if before < 3.0:
        return
    moved = _datum.transform_geometry(units, "GCJ02", "WGS84").set_crs(boundaries.DISPLAY_CRS, allow_override=True)
    union = shapely.union_all(moved.to_crs(boundaries.AREA_CRS).geometry.to_numpy())
    outline = boundaries.county_outline().to_crs(boundaries.AREA_CRS).union_all()
    after = (outline.symmetric_difference(union)).area / 1e6
    if after < 0.5 * before:
        report.gcj_suspected = msg("gcj_hint", before=before, after=after)
        report.warnings.append(report.gcj_suspected)


def host_warnings(parks: gpd.GeoDataFrame, towns: gpd.GeoDataFrame, report: BoundaryReport) -> None:
    """A park lying mostly outside its (sourced) host township is probably drawn or coded in the wrong place."""
    gaz = load_gazetteer()
    t = towns.to_crs(boundaries.AREA_CRS).set_index("code").geometry
    for code, geom in zip(parks["code"], parks.to_crs(boundaries.AREA_CRS).geometry):
        host = gaz.park_by_code[code].host_code if code in gaz.park_by_code else ""
        if not host or host not in t.index or geom.area <= 0:
            continue
        share = geom.intersection(t[host]).area / geom.area
        if share < 0.5:
            report.warnings.append(msg("host_outside", park=gaz.name_of(code), share=share, host=gaz.name_of(host)))


def check_geometry(
    gdf: gpd.GeoDataFrame, layer: str, report: BoundaryReport, *, accept_coverage: bool = False
) -> gpd.GeoDataFrame:
    """Repair invalid rings (counted), reject features far outside the county, dissolve features of one unit, report
    overlaps and (townships) gaps, and refuse a township layer whose overlaps or uncovered area exceed the tolerances
    (``coverage``; `accept_coverage`: an admin accepted them). Returns one row per unit: ``code``, ``name``,
    ``geometry``."""
    gdf = _repair(gdf, report)
    problems = _far_features(gdf, report)
    if problems:
        raise reject(report, problems_message(report, problems))
    units = _dissolve(gdf)
    overlaps(units, report)
    if layer == "townships":
        _gaps(units, report)
        _gcj_hint(units, report)
    gaz = load_gazetteer()
    areas = boundaries.area_km2(units)
    for m in report.matched:
        m["area_km2"] = round(float(areas[units["code"] == m["code"]].iloc[0]), 2)
        pub = gaz.areas.get(m["code"])
        m["published_km2"] = pub["area_km2"] if pub else None
    if layer == "townships":
        check_coverage(units, report, accept=accept_coverage)
    return units[["code", "name", "geometry"]]
