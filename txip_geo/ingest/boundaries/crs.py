"""A boundary file's coordinates to the display datum (EPSG:4326 lon/lat in WGS-84).

The file's own CRS is used; a file without one is refused with a question (never a guess), and so is a file whose
coordinates contradict its CRS (projected metres under a geographic ``.prj``, a Gauss-Krüger zone prefix 40xxxxxx
under EPSG:4549 or none under EPSG:4528 …). The user may declare the datum (``WGS84``, ``CGCS2000``, ``GCJ02`` for
高德/腾讯 lon/lat, or any EPSG code such as ``EPSG:4549``); the coordinates' look gives hints in messages only."""

from __future__ import annotations

import re

import geopandas as gpd
from pyproj import CRS

from txip_geo.areas import boundaries
from txip_geo.areas import datum as _datum
from txip_geo.ingest.boundaries.messages import msg
from txip_geo.ingest.boundaries.report import BoundaryReport, reject


def _looks(bounds) -> str:
    """'lonlat', 'gk' (Gauss-Krüger metres, no zone prefix), 'gk_zone' (with prefix) or 'other'."""
    minx, miny, maxx, maxy = bounds
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        return "lonlat"
    if 1.0e6 <= miny <= maxy <= 6.5e6:
        if 1.0e5 <= minx <= maxx <= 1.0e6:
            return "gk"
        if 1.3e7 <= minx <= maxx < 4.6e7 and int(minx // 1e6) == int(maxx // 1e6):
            return "gk_zone"
    return "other"


def _guess(bounds) -> str | None:
    """The EPSG code the coordinates suggest (a hint in messages, never applied)."""
    minx, _, maxx, _ = bounds
    kind = _looks(bounds)
    if kind == "gk_zone":
        zone = int(minx // 1e6)
        if 25 <= zone <= 45:
            return f"EPSG:{4488 + zone}"  # CGCS2000 3-degree GK zone 25..45 = EPSG:4513..4533
        if 13 <= zone <= 23:
            return f"EPSG:{4478 + zone}"  # CGCS2000 6-degree GK zone 13..23 = EPSG:4491..4501
    if kind == "gk":
        if minx >= 3.5e5 and maxx <= 6.5e5:
            return "EPSG:4549"  # 3-degree, CM 120E: Taixing's own zone
        if minx >= 7.0e5 and maxx <= 9.0e5:
            return "EPSG:4509"  # 6-degree, CM 117E
    if kind == "lonlat":
        return "CGCS2000"
    return None


def crs_label(crs: CRS | None) -> str:
    if crs is None:
        return ""
    epsg = crs.to_epsg(min_confidence=70)
    return msg("crs_label", epsg=epsg, name=crs.name) if epsg else crs.name


def _false_easting(crs: CRS) -> float:
    op = crs.coordinate_operation
    for param in op.params if op is not None else []:
        if param.name.lower() == "false easting":
            return float(param.value)
    return 0.0


def _bounds_text(bounds) -> str:
    minx, miny, maxx, maxy = bounds
    key = "bounds_lonlat" if _looks(bounds) == "lonlat" else "bounds_xy"
    return msg(key, minx=minx, maxx=maxx, miny=miny, maxy=maxy)


def _contradiction(crs: CRS, bounds, who: str) -> str | None:
    """Why coordinates cannot be in `crs` (None when they can)."""
    kind = _looks(bounds)
    guess = _guess(bounds)
    hint = msg("looks_like", guess=guess) if guess and guess.startswith("EPSG") else ""
    coords = msg("paren", text=_bounds_text(bounds))
    if crs.is_geographic and kind in ("gk", "gk_zone"):
        return msg("projected_under_geographic", bounds=_bounds_text(bounds), who=who, crs=crs_label(crs), hint=hint)
    if crs.is_projected and kind == "lonlat":
        return msg("lonlat_under_projected", coords=coords, who=who, crs=crs_label(crs))
    if crs.is_projected and kind in ("gk", "gk_zone"):
        prefixed_crs = _false_easting(crs) >= 1e6
        if prefixed_crs != (kind == "gk_zone"):
            have = msg("zone_with", zone=int(bounds[0] // 1e6)) if kind == "gk_zone" else msg("zone_without")
            want = msg("zone_want_with") if prefixed_crs else msg("zone_want_without")
            return msg("zone_mismatch", have=have, coords=coords, who=who, crs=crs_label(crs), want=want, hint=hint)
    return None


def _refuse_contradiction(crs: CRS, bounds, who: str, report: BoundaryReport) -> None:
    bad = _contradiction(crs, bounds, who)
    if bad:
        raise reject(report, msg("file_problem", file=report.file_name, problem=bad))


def _lonlat(gdf: gpd.GeoDataFrame, dname: str) -> gpd.GeoDataFrame:
    out = _datum.transform_geometry(gdf.set_crs(None, allow_override=True), dname, _datum.DISPLAY_DATUM)
    return out.set_crs(boundaries.DISPLAY_CRS, allow_override=True)


def _no_crs(bounds, report: BoundaryReport):
    """The question asked of a file without a CRS (the rejection to raise)."""
    guess = _guess(bounds)
    bounds_text = _bounds_text(bounds)
    seen = msg("seen_guess", bounds=bounds_text, guess=guess) if guess else msg("seen", bounds=bounds_text)
    report.needs_datum = True
    command = "boundaries" if report.layer == "townships" else "parks"
    return reject(report, msg("no_crs", file=report.file_name, seen=seen, command=command, datum=guess or "CGCS2000"))


def _as_declared(gdf: gpd.GeoDataFrame, declared: CRS | None, bounds, report: BoundaryReport) -> gpd.GeoDataFrame:
    """No datum given: the file's own CRS, which must exist and fit the coordinates."""
    if declared is None:
        raise _no_crs(bounds, report)
    _refuse_contradiction(declared, bounds, msg("who_declared"), report)
    report.crs_used = crs_label(declared)
    if declared.is_projected:
        return gdf.to_crs(boundaries.DISPLAY_CRS)
    if declared.equals(CRS.from_epsg(4490), ignore_axis_order=True) or "2000" in declared.name:
        return _lonlat(gdf, "CGCS2000")
    if declared.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return _lonlat(gdf, "WGS84")
    return gdf.to_crs(boundaries.DISPLAY_CRS)


def _parse_datum(datum: str, report: BoundaryReport) -> tuple[str | None, CRS | None]:
    """What the user says the coordinates are: (datum name, None) or (None, CRS); "4549", "EPSG 4549" and
    "epsg：4549" mean EPSG:4549."""
    bare = re.fullmatch(r"(?:EPSG)?[\s:：]*(\d{4,6})", str(datum).strip().upper())
    if bare and bare.group(1) not in ("4326", "4490"):
        datum = f"EPSG:{bare.group(1)}"
    try:
        return _datum.normalise_datum(datum), None
    except ValueError as err:
        try:
            return None, CRS.from_user_input(datum)
        except Exception:  # noqa: BLE001 - neither a datum name nor a CRS
            raise reject(report, msg("unknown_datum", datum=datum, error=err)) from None


def _as_datum(
    gdf: gpd.GeoDataFrame, declared: CRS | None, dname: str, bounds, report: BoundaryReport
) -> gpd.GeoDataFrame:
    """The user names a lon/lat datum: a projected file keeps its CRS (the datum is its base); lon/lat are read in
    that datum."""
    name = report.file_name
    if declared is not None and declared.is_projected:
        if dname == "GCJ02":
            raise reject(report, msg("projected_not_gcj", file=name, crs=crs_label(declared)))
        _refuse_contradiction(declared, bounds, msg("who_declared"), report)
        report.crs_used = crs_label(declared)
        report.crs_note = msg("note_projected", datum=dname)
        return gdf.to_crs(boundaries.DISPLAY_CRS)
    if _looks(bounds) != "lonlat":
        guess = _guess(bounds)
        raise reject(
            report,
            msg("not_lonlat", file=name, bounds=_bounds_text(bounds), datum=dname)
            + (msg("looks_like", guess=guess) if guess else ""),
        )
    report.crs_used = {"GCJ02": msg("used_gcj02"), "WGS84": "WGS84", "CGCS2000": "CGCS2000"}[dname]
    if declared is not None and dname == "GCJ02":
        report.crs_note = msg("note_user_gcj", crs=crs_label(declared))
    elif declared is None:
        report.crs_note = msg("note_user_no_crs")
    return _lonlat(gdf, dname)


def _as_user_crs(
    gdf: gpd.GeoDataFrame, declared: CRS | None, user_crs: CRS, bounds, report: BoundaryReport
) -> gpd.GeoDataFrame:
    """The user names a CRS: it replaces the file's (it must fit the coordinates)."""
    _refuse_contradiction(user_crs, bounds, msg("who_user"), report)
    report.crs_used = crs_label(user_crs)
    if declared is None:
        report.crs_note = msg("note_user_no_crs")
    elif not declared.equals(user_crs, ignore_axis_order=True):
        report.crs_note = msg("note_user_crs", crs=crs_label(declared))
    return gdf.set_crs(user_crs, allow_override=True).to_crs(boundaries.DISPLAY_CRS)


def to_display(
    gdf: gpd.GeoDataFrame, declared: CRS | None, datum: str | None, report: BoundaryReport
) -> gpd.GeoDataFrame:
    """Coordinates of `gdf` (raw, as read) -> EPSG:4326 in the display datum; every refusal is a clear message."""
    bounds = gdf.total_bounds
    if not datum:
        return _as_declared(gdf, declared, bounds, report)
    dname, user_crs = _parse_datum(datum, report)
    if dname is not None:
        return _as_datum(gdf, declared, dname, bounds, report)
    return _as_user_crs(gdf, declared, user_crs, bounds, report)
