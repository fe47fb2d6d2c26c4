"""Whether an official township layer covers the county as a township layer must: each piece of Taixing in exactly one
township. A layer whose overlaps or uncovered area exceed the tolerances below is **refused** with its report and the
problem areas (listed with km² and the townships concerned, and as a small GeoJSON map the 边界 page draws), unless
an admin accepts it explicitly (``--accept-coverage-problems``, the page's checkbox; the import then writes
``boundaries_override`` to the audit log). Below the tolerances, overlaps and gaps stay warnings (``geometry``).

The tolerances, and why:

* **overlaps: 1 km² in total** (0.09 % of the county's 1,168 km²). The bureau's township layer comes from the land
  survey (三调), whose polygons are topologically clean: two townships never share land. Taixing's internal borders
  are about 230 km long, so 1 km² is a band of about 4 m along every one of them -- far beyond digitising or datum
  noise (sub-metre), far below what a broken file gives (the issue's file: 153 km²).
* **uncovered: 1 % of the county** (11.7 km²), gaps between townships included. The outline it is measured against is
  天地图's generalised county boundary, which departs from the surveyed one by up to a few hundred metres in places;
  1 % is a band of 65 m along the whole 178 km perimeter, more than such local departures add up to, while a third
  of the smallest township (宣堡镇, 33 km²) missing exceeds it (the issue's file: 404 km², 35 %).

Both are module constants: change them here, with the reasoning, if a real delivery needs it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from txip_geo.areas import boundaries
from txip_geo.ingest.boundaries.messages import listing, series
from txip_geo.ingest.boundaries.report import BoundaryReport, problems_message, reject
from txip_geo.strings import t

OVERLAP_LIMIT_KM2 = 1.0
UNCOVERED_LIMIT_SHARE = 0.01
PROBLEM_MIN_KM2 = 0.01  # an uncovered piece smaller than this is neither listed nor drawn (its area still counts)
NEAR_M = 100.0  # a township within this distance of an uncovered piece is named with it
LISTED = 10  # problem areas of each kind named in the message
MAPPED = 60  # problem areas of each kind drawn on the map
SIMPLIFY_M = 20.0  # the map's geometry, simplified (it shows where, not the exact line)


def _c(key: str, **params) -> str:
    return t(f"boundary_coverage.{key}", **params)


def _uncovered_pieces(units: gpd.GeoDataFrame) -> list[dict]:
    """The county's area in no township, piece by piece (largest first): km², the townships next to it, geometry."""
    proj = units.to_crs(boundaries.AREA_CRS)
    geoms = proj.geometry.to_numpy()
    outline = boundaries.county_outline().to_crs(boundaries.AREA_CRS).union_all()
    rest = outline.difference(shapely.union_all(geoms))
    out = []
    for piece in getattr(rest, "geoms", [rest]):
        km2 = piece.area / 1e6
        if piece.is_empty or km2 < PROBLEM_MIN_KM2:
            continue
        near = [str(units["name"].iloc[k]) for k in np.flatnonzero(shapely.distance(geoms, piece) < NEAR_M)]
        out.append({"kind": "uncovered", "km2": round(km2, 3), "units": near, "geometry": piece})
    return sorted(out, key=lambda p: -p["km2"])


def _overlap_pieces(units: gpd.GeoDataFrame, report: BoundaryReport) -> list[dict]:
    geoms = units.to_crs(boundaries.AREA_CRS).set_index("code").geometry
    out = [
        {
            "kind": "overlap",
            "km2": o["km2"],
            "units": [o["a_name"], o["b_name"]],
            "geometry": shapely.intersection(geoms[o["a"]], geoms[o["b"]]),
        }
        for o in report.overlaps
    ]
    return sorted(out, key=lambda p: -p["km2"])


def problem_map(pieces: list[dict]) -> dict:
    """The problem areas as a GeoJSON FeatureCollection in lon/lat (simplified, 1e-5° precision: about 1 m)."""
    if not pieces:
        return {}
    geoms = [shapely.simplify(p["geometry"], SIMPLIFY_M, preserve_topology=True) for p in pieces]
    wgs = gpd.GeoSeries(geoms, crs=boundaries.AREA_CRS).to_crs(boundaries.DISPLAY_CRS)
    features = [
        {
            "type": "Feature",
            "properties": {
                "kind": p["kind"],
                "label": _c(f"kind_{p['kind']}"),
                "units": listing(p["units"]),
                "km2": p["km2"],
            },
            "geometry": shapely.geometry.mapping(shapely.set_precision(g, 1e-5)),
        }
        for p, g in zip(pieces, wgs)
        if g is not None and not g.is_empty
    ]
    return {"type": "FeatureCollection", "features": features}


def _item(p: dict) -> str:
    if p["kind"] == "overlap":
        return _c("overlap_item", a=p["units"][0], b=p["units"][1], km2=p["km2"])
    if not p["units"]:
        return _c("uncovered_item_alone", km2=p["km2"])
    return _c("uncovered_item", units=listing(p["units"]), km2=p["km2"])


def _items(pieces: list[dict]) -> str:
    text = series(_item(p) for p in pieces[:LISTED])
    return text + (_c("more", n=len(pieces) - LISTED) if len(pieces) > LISTED else "")


def _lines(report: BoundaryReport, overlaps: list[dict], uncovered: list[dict]) -> list[str]:
    c = report.coverage
    lines = []
    if c["overlaps_km2"] > OVERLAP_LIMIT_KM2:
        lines.append(
            _c("overlaps_over", km2=c["overlaps_km2"], limit=OVERLAP_LIMIT_KM2, n=len(overlaps), items=_items(overlaps))
        )
    if c["uncovered_km2"] > c["uncovered_limit_km2"]:
        lines.append(
            _c(
                "uncovered_over",
                km2=c["uncovered_km2"],
                share=c["uncovered_km2"] / c["outline_km2"],
                limit_share=UNCOVERED_LIMIT_SHARE,
                limit=c["uncovered_limit_km2"],
                items=_items(uncovered) if uncovered else _c("scattered"),
            )
        )
    if report.repaired:
        lines.append(_c("repaired_cause", n=len(report.repaired)))
    return lines


def check_coverage(units: gpd.GeoDataFrame, report: BoundaryReport, *, accept: bool = False) -> None:
    """Refuse a township layer (after ``geometry.overlaps`` and its gaps are in `report`) whose overlaps or uncovered
    area exceed the tolerances, with the problem areas; with `accept` (an admin's explicit choice), keep them as
    warnings and mark the report ``coverage['accepted']`` (the import audits it)."""
    g = report.gaps
    outline_km2 = float(g.get("outline_km2") or 0.0)
    report.coverage = {
        "overlaps_km2": round(sum(o["km2"] for o in report.overlaps), 3),
        "overlap_limit_km2": OVERLAP_LIMIT_KM2,
        "uncovered_km2": float(g.get("uncovered_km2") or 0.0),
        "uncovered_limit_km2": round(outline_km2 * UNCOVERED_LIMIT_SHARE, 2),
        "outline_km2": outline_km2,
        "refused": False,
        "accepted": False,
        "problems": [],
    }
    c = report.coverage
    if c["overlaps_km2"] <= OVERLAP_LIMIT_KM2 and c["uncovered_km2"] <= c["uncovered_limit_km2"]:
        return
    overlaps = _overlap_pieces(units, report)
    uncovered = _uncovered_pieces(units)
    shown = overlaps[:MAPPED] + uncovered[:MAPPED]
    c["problems"] = [{k: p[k] for k in ("kind", "km2", "units")} for p in shown]
    report.problem_map = problem_map(shown)
    lines = _lines(report, overlaps, uncovered)
    if report.gcj_suspected:
        lines.append(report.gcj_suspected)
    if accept:
        c["accepted"] = True
        report.warnings.append(_c("accepted", overlaps=c["overlaps_km2"], uncovered=c["uncovered_km2"]))
        return
    c["refused"] = True
    raise reject(report, problems_message(report, lines + [_c("how_to_accept")]))


def audit_detail(report: BoundaryReport, what: str) -> str:
    """The audit log's words for an accepted layer that failed the coverage check."""
    c = report.coverage
    return _c(
        "audit_override",
        what=what,
        file=report.file_name,
        overlaps=c["overlaps_km2"],
        overlap_limit=c["overlap_limit_km2"],
        uncovered=c["uncovered_km2"],
        uncovered_limit=c["uncovered_limit_km2"],
    )


__all__ = ["OVERLAP_LIMIT_KM2", "UNCOVERED_LIMIT_SHARE", "audit_detail", "check_coverage", "problem_map"]
