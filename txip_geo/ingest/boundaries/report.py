"""What a boundary import found (:class:`BoundaryReport`), how a rejection is raised, and the report as Chinese lines
(the headline, the success message, :func:`report_lines` for the CLI and the page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from txip_geo.errors import ImportRejected
from txip_geo.ingest.boundaries.messages import BY_DRAWN, LAYER_LABEL, clauses, listing, msg, series
from txip_geo.ingest.boundaries.vocabulary import LAYERS
from txip_geo.ingest.report import ImportReport


@dataclass
class BoundaryReport(ImportReport):
    """What a boundary import found; every list holds plain dicts so ``to_dict()`` is JSON-ready for the UI and CLI."""

    layer: str = "townships"
    dry_run: bool = False
    needs_datum: bool = False  # rejected only because the file has no CRS: ask the user which one
    source_layer: str = ""  # layer (or file in a zip) that was read
    source_crs: str = ""  # CRS the file declares ('' = none)
    crs_used: str = ""  # CRS or datum the coordinates were read in
    crs_note: str = ""  # why, when the user chose it
    encoding: str = ""  # DBF text encoding and how it was found
    features_read: int = 0
    code_field: str = ""
    name_field: str = ""
    matched: list = field(default_factory=list)  # [{code, name, features, by, area_km2, published_km2}]
    unmatched: list = field(default_factory=list)  # [{feature, code, name, reason}]
    missing: list = field(default_factory=list)  # [{code, name}]
    others_ignored: int = 0  # features of other areas (other counties) filtered out
    others: list = field(default_factory=list)  # their labels (up to 20)
    non_polygon: int = 0  # points, lines and empty geometries ignored
    repaired: list = field(default_factory=list)  # [{feature, name, reason}]
    far: list = field(default_factory=list)  # [{feature, name, distance_km}]
    overlaps: list = field(default_factory=list)  # [{a, b, a_name, b_name, km2}]
    # {outline_km2, union_km2, uncovered_km2, outside_km2, slivers, slivers_km2}
    gaps: dict = field(default_factory=dict)
    # townships: {overlaps_km2, overlap_limit_km2, uncovered_km2, uncovered_limit_km2, outline_km2, refused,
    # accepted, problems: [{kind: overlap|uncovered, km2, units}]} (coverage.check_coverage)
    coverage: dict = field(default_factory=dict)
    problem_map: dict = field(default_factory=dict)  # the problem areas as GeoJSON (lon/lat), when over a tolerance
    gcj_suspected: str = ""  # the GCJ-02 hint, when the layer fits the outline much better read as GCJ-02
    kept: list = field(default_factory=list)  # parks not in the file: [{code, name, official}]
    reassigned: dict = field(default_factory=dict)  # {records (with coordinates), changed}


def new_report(layer: str, file_name: str, as_of: str | None) -> BoundaryReport:
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {LAYERS}, not {layer!r}")
    return BoundaryReport(
        file_name=file_name,
        kind="boundaries" if layer == "townships" else "parks",
        layer=layer,
        as_of=as_of or date.today().isoformat(),
    )


def reject(report: BoundaryReport, message: str) -> ImportRejected:
    """The report marked rejected with `message`, as the exception to raise (the store is left untouched)."""
    report.status, report.message = "rejected", message
    return ImportRejected(report)


def problems_message(report: BoundaryReport, problems: list[str]) -> str:
    return "\n".join([msg("not_imported", file=report.file_name)] + [f"- {p}" for p in problems])


# -- lines -------------------------------------------------------------------------------------------------------------


def headline(report: BoundaryReport, checked: bool = False) -> str:
    what = LAYER_LABEL[report.layer]
    if report.matched and report.matched[0].get("by") == BY_DRAWN:
        return msg("headline_drawn", park=report.matched[0]["name"], km2=report.matched[0]["area_km2"])
    return msg(
        "headline_checked" if checked else "headline_imported",
        what=what,
        file=report.file_name,
        n=len(report.matched),
        features=report.features_read,
    )


def success_message(report: BoundaryReport) -> str:
    lines = [headline(report)]
    r = report.reassigned
    if r:
        lines.append(msg("reassigned", records=r["records"], changed=r["changed"]))
    return "\n".join([lines[0]] + [f"  {x}" for x in lines[1:] + report_lines(report)])


def _crs_line(r: dict, drawn: bool) -> str:
    crs = r.get("crs_used") or "—"
    return (
        msg("line_crs", crs=crs)
        + (msg("paren", text=r["crs_note"]) if r.get("crs_note") else "")
        + ("" if r.get("source_crs") or r.get("crs_note") or drawn else msg("line_crs_undeclared"))
    )


def _matched_line(matched: list, what: str) -> str:
    by: dict[str, int] = {}
    for m in matched:
        by[m["by"]] = by.get(m["by"], 0) + 1
    merged = [msg("merged_item", name=m["name"], n=m["features"]) for m in matched if m["features"] > 1]
    counts = clauses(msg("by_count", by=k, n=v) for k, v in by.items())
    return msg("line_matched", n=len(matched), what=what, by=counts) + (
        msg("line_merged", items=listing(merged)) if merged else ""
    )


def _checks_lines(r: dict) -> list[str]:
    """Repaired rings, overlaps and (townships) gaps: always said, also when there are none."""
    rep = r.get("repaired") or []
    items = series(msg("repaired_item", name=x["name"], feature=x["feature"], reason=x["reason"]) for x in rep[:10])
    lines = [msg("line_repaired", n=len(rep)) + (msg("repaired_items", items=items) if rep else "")]
    ov = r.get("overlaps") or []
    lines.append(msg("line_overlaps", n=len(ov)) + (msg("overlaps_total", km2=sum(o["km2"] for o in ov)) if ov else ""))
    g = r.get("gaps") or {}
    if g:
        lines.append(
            msg(
                "line_gaps",
                union_km2=g["union_km2"],
                outline_km2=g["outline_km2"],
                uncovered_km2=g["uncovered_km2"],
                outside_km2=g["outside_km2"],
                slivers=len(g["slivers"]),
            )
            + (msg("slivers_total", km2=g["slivers_km2"]) if g["slivers"] else "")
        )
    return lines


def report_lines(report: BoundaryReport | dict) -> list[str]:
    """The report as short Chinese lines (CLI output, the page's summary); warnings are separate."""
    r = report if isinstance(report, dict) else report.to_dict()
    what = LAYER_LABEL.get(r.get("layer", "townships"), LAYER_LABEL["townships"])
    lines = []
    if r.get("source_layer"):
        lines.append(msg("line_layer", layer=r["source_layer"]))
    drawn = any(m.get("by") == BY_DRAWN for m in r.get("matched") or [])
    lines.append(_crs_line(r, drawn))
    if r.get("encoding"):
        lines.append(msg("line_encoding", encoding=r["encoding"]))
    if r.get("code_field") or r.get("name_field"):
        lines.append(
            msg("line_fields", code=r.get("code_field") or msg("none"), name=r.get("name_field") or msg("none"))
        )
    matched = r.get("matched") or []
    if matched and not drawn:
        lines.append(_matched_line(matched, what))
    if r.get("others_ignored"):
        lines.append(msg("line_others", n=r["others_ignored"]))
    if r.get("non_polygon"):
        lines.append(msg("line_non_polygon", n=r["non_polygon"]))
    lines += _checks_lines(r)
    kept = r.get("kept") or []
    if kept:
        lines.append(
            msg(
                "line_kept",
                parks=listing(
                    msg("kept_item", name=k["name"], status=msg("kept_official" if k["official"] else "kept_schematic"))
                    for k in kept
                ),
            )
        )
    return lines
