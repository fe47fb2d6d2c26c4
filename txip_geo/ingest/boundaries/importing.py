"""Checking and importing a boundary file: read → match → check geometry (:func:`check_boundaries` stops there, the
page's preview), then one transaction writes the layer and re-assigns every record (:func:`import_boundaries`; the
report counts the records with coordinates whose township or park changed). Any rejection leaves the store untouched.
A park file replaces the parks it holds: the others keep their boundary and status."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd

from txip_geo.areas import boundaries
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.errors import ImportRejected
from txip_geo.ingest.boundaries.coverage import audit_detail
from txip_geo.ingest.boundaries.geometry import check_geometry, host_warnings
from txip_geo.ingest.boundaries.match import match_features
from txip_geo.ingest.boundaries.messages import LAYER_LABEL, msg
from txip_geo.ingest.boundaries.read import read_boundary_file
from txip_geo.ingest.boundaries.report import BoundaryReport, headline, new_report, reject, success_message


def _prepare(
    layer: str,
    path: Path,
    datum: str | None,
    source_layer: str | None,
    report: BoundaryReport,
    store=None,
    accept_coverage: bool = False,
) -> gpd.GeoDataFrame:
    gdf = read_boundary_file(path, datum, report, source_layer=source_layer)
    gdf = match_features(gdf, layer, report)
    units = check_geometry(gdf, layer, report, accept_coverage=accept_coverage)
    if layer == "parks" and store is not None:
        host_warnings(units, store.layer("townships"), report)
        current = store.layer("parks")
        report.kept = [
            {"code": r.code, "name": r.name, "official": bool(r.official)}
            for r in current.itertuples()
            if r.code not in set(units["code"])
        ]
    report.rows_read = report.features_read
    report.rows_imported = len(units)
    return units


def merged_parks(store, new: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The stored park layer with the features of `new` swapped in (or added)."""
    cur = store.layer("parks")[["code", "name", "geometry"]]
    cur = cur[~cur["code"].isin(set(new["code"]))]
    out = pd.concat([cur, new[["code", "name", "geometry"]]], ignore_index=True).sort_values("code")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=boundaries.DISPLAY_CRS).reset_index(drop=True)


def _assignments(con) -> dict:
    from txip_geo import schema

    out = {}
    for kind in schema.KINDS.values():
        if not kind.located:
            continue
        for rid, unit, park in con.execute(
            f'SELECT rowid, unit_code, park_code FROM "rec_{kind.name}" WHERE lon IS NOT NULL AND lat IS NOT NULL'
        ):
            out[(kind.name, rid)] = (unit, park)
    return out


def write_layer(
    store, layer: str, full: gpd.GeoDataFrame, *, file_path: Path, report: BoundaryReport, user: str, codes=None
) -> int:
    """Store the layer and re-assign every record, in one transaction; fills report.reassigned."""
    from txip_geo.locate.frame import locate_frame

    towns = full if layer == "townships" else store.layer("townships")
    parks = full if layer == "parks" else store.layer("parks")
    if layer == "townships":
        towns = towns.assign(official=1)
    else:
        official = set(codes) if codes is not None else set(full["code"])
        stored = dict(zip(parks["code"], parks["official"])) if "official" in parks.columns else {}
        parks = parks.assign(official=[1 if c in official else int(stored.get(c, 0) or 0) for c in parks["code"]])

    def relocate(con):
        before = _assignments(con)
        outline = boundaries.county_outline()
        store.relocate_all(
            con,
            lambda df: locate_frame(
                df, load_gazetteer(), townships=towns, parks=parks, outline=outline, finder=store.point_finder()
            ),
        )
        after = _assignments(con)
        report.reassigned = {"records": len(after), "changed": sum(1 for k, v in after.items() if before.get(k) != v)}
        if report.coverage.get("accepted"):  # an admin accepted a layer that failed the coverage check
            store.write_audit(con, user, "boundaries_override", audit_detail(report, LAYER_LABEL[layer]))
        report.status = "imported"
        report.message = success_message(report)
        # the import row was written before the re-assignment: store the final report
        con.execute(
            "UPDATE imports SET report = ? WHERE id = (SELECT MAX(id) FROM imports)",
            (json.dumps(report.to_dict(), ensure_ascii=False, default=str),),
        )

    try:
        return store.replace_layer(
            layer,
            full[["code", "name", "geometry"]],
            file_path=file_path,
            as_of=report.as_of,
            user=user,
            report=report.to_dict(),
            relocate=relocate,
            codes=codes,
        )
    except sqlite3.IntegrityError:
        report.reassigned = {}
        raise reject(report, msg("replaced_since", file=report.file_name, as_of=report.as_of)) from None


def _unchanged(store, layer: str, path: Path, report: BoundaryReport) -> bool:
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    import_id = store.find_import(f"boundaries:{layer}", sha, report.as_of)
    if import_id is None:
        return False
    current = store.layer(layer)
    if len(current) and (current["import_id"] == import_id).any():
        report.import_id = int(import_id)
        report.status = "unchanged"
        report.message = msg(
            "unchanged", file=report.file_name, as_of=report.as_of, import_id=import_id, what=LAYER_LABEL[layer]
        )
        return True
    return False


def check_boundaries(
    layer: str,
    path: str | Path,
    *,
    datum: str | None = None,
    source_layer: str | None = None,
    store=None,
    as_of: str | None = None,
    accept_coverage_problems: bool = False,
) -> BoundaryReport:
    """Everything :func:`import_boundaries` checks, without writing (the page's preview). Raises ImportRejected."""
    path = Path(path)
    report = new_report(layer, path.name, as_of)
    report.dry_run = True
    _prepare(layer, path, datum, source_layer, report, store, accept_coverage_problems)
    report.status = "checked"
    report.message = headline(report, checked=True)
    return report


def _audit_refusal(store, report: BoundaryReport, path: Path, user: str) -> None:
    """A refused boundary file in the audit log (who, the file, its SHA-256, the layer, the first reason), in its own
    short transaction: nothing of the layers changed (pipeline.audit_refusal, as for record files)."""
    from txip_geo.ingest.pipeline import audit_refusal

    try:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        sha = ""
    audit_refusal(store, report, user=user, sha=sha)


def import_boundaries(
    store,
    layer: str,
    path: str | Path,
    *,
    datum: str | None = None,
    as_of: str | None = None,
    user: str = "cli",
    source_layer: str | None = None,
    accept_coverage_problems: bool = False,
) -> BoundaryReport:
    """Import an official township (``layer='townships'``) or park (``'parks'``) boundary file into the store.

    Raises :class:`ImportRejected` (store unchanged) with a Chinese message; returns the report otherwise.
    A park file replaces the parks it holds; the others keep their boundary and status. A township layer whose
    overlaps or uncovered area exceed the tolerances (``coverage``) is refused unless `accept_coverage_problems` (an
    admin's explicit choice, written to the audit log as ``boundaries_override``).
    """
    path = Path(path)
    report = new_report(layer, path.name, as_of)
    try:
        units = _prepare(layer, path, datum, source_layer, report, store, accept_coverage_problems)
    except ImportRejected:
        _audit_refusal(store, report, path, user)
        raise
    if _unchanged(store, layer, path, report):
        return report
    if layer == "townships":
        full, codes = units, None
    else:
        full, codes = merged_parks(store, units), set(units["code"])
    report.import_id = write_layer(store, layer, full, file_path=path, report=report, user=user, codes=codes)
    return report
