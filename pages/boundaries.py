"""边界: the township and park layers in use (示意/正式, source file, import date), importing an official boundary file
with a check before and the report after (a township layer refused for its coverage shows its problem areas on a map,
and an admin may accept it explicitly), and drawing a park's boundary on the map."""

from ui.boot import ensure_app

ensure_app()  # first: a deep link on a fresh server must go through app.py

import hashlib
import json
import tempfile

import folium
import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from folium.plugins import Draw

from txip_geo.areas import boundaries
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.errors import ImportRejected
from txip_geo.ingest.boundaries import (
    LAYER_LABEL,
    check_boundaries,
    import_boundaries,
    layer_status,
    report_lines,
    save_drawn_park,
    stage_files,
)
from txip_geo.present import records as progress
from txip_geo.present.mapspec import PARK_COLOR
from txip_geo.strings import t
from ui import auth as ui_auth
from ui import folium_view, header, state, uploader

gaz = load_gazetteer()
store = state.store()
fs = state.figures()
version = state.store_version(store)
me = ui_auth.user()
editable = me.can("edit_boundaries")

st.title(t("boundaries.title"))
header.show(fs)
st.caption(t("boundaries.intro"))

STATUS = {"official": t("boundaries.status_official"), "schematic": t("boundaries.status_schematic")}


# -- current layers -----------------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=8)
def _status(path: str, version: tuple) -> list[dict]:
    return layer_status(store)


st.subheader(t("boundaries.current"))
status = _status(str(store.path), version)
cols = st.columns(len(status))
for col, s in zip(cols, status):
    with col:
        label = t(f"boundaries.layer_{s['layer']}")
        text = STATUS.get(s["status"]) or t("boundaries.status_partial", official=s["official"], count=s["count"])
        (st.success if s["status"] == "official" else st.warning)(t("boundaries.status_line", layer=label, status=text))
        if s["files"]:
            for f in s["files"]:
                st.caption(
                    t(
                        "boundaries.file_line",
                        file=f["file_name"],
                        at=progress.local_time(f["imported_at"]),
                        by=f["imported_by"],
                    )
                )
        if s["official"] == 0:
            st.caption(t("boundaries.source_builtin"))
        elif s["official"] < s["count"]:
            st.caption(t("boundaries.source_schematic"))
with st.expander(t("boundaries.features"), expanded=False):
    rows = [
        {
            t("boundaries.col_layer"): t(f"boundaries.layer_{s['layer']}"),
            t("boundaries.col_code"): f["code"],
            t("boundaries.col_name"): f["name"],
            t("boundaries.col_status"): STATUS["official" if f["official"] else "schematic"],
            t("boundaries.col_source"): f["source"],
            t("boundaries.col_imported_at"): progress.local_time(f["imported_at"]),
            t("boundaries.col_by"): f["imported_by"],
            t("boundaries.col_area"): f["area_km2"],
        }
        for s in status
        for f in s["features"]
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="features_table")


# -- reports ------------------------------------------------------------------------------------------------------
def show_report(d: dict, title: str) -> None:
    """An import report (the dict of a BoundaryReport), before or after importing."""
    st.markdown(f"**{title}**")
    first, *rest = (d.get("message") or "").splitlines()
    if d.get("needs_datum"):  # not a failure: a question (the datum select is above)
        st.info(d["message"])
        return
    if d["status"] == "rejected":
        st.error(t("boundaries.rejected") + "\n\n" + "\n\n".join([first, *rest]))
        if not d.get("matched"):
            return
    elif d["status"] == "checked":
        st.info(first)
    else:
        st.success(first if d["status"] != "imported" or not rest else first + "\n\n" + rest[0].strip())
    st.markdown("\n".join(f"- {line}" for line in report_lines(d)))
    if d.get("warnings"):
        st.warning(t("boundaries.warnings") + "\n\n" + "\n".join(f"- {w}" for w in d["warnings"]))
    if d.get("matched"):
        table = pd.DataFrame(
            [
                {
                    t("boundaries.col_code"): m["code"],
                    t("boundaries.col_name"): m["name"],
                    t("boundaries.col_features"): m["features"],
                    t("boundaries.col_by_field"): m["by"],
                    t("boundaries.col_area"): m.get("area_km2"),
                    t("boundaries.col_published"): m.get("published_km2"),
                }
                for m in d["matched"]
            ]
        )
        if table[t("boundaries.col_published")].isna().all():  # parks: no published area
            table = table.drop(columns=[t("boundaries.col_published")])
        st.dataframe(table, hide_index=True, key=f"matched_{title}")


# -- import a file ------------------------------------------------------------------------------------------------
st.subheader(t("boundaries.upload"))
if not editable:
    st.info(t("boundaries.read_only"))
    st.stop()
st.caption(t("boundaries.upload_help"))
st.session_state.setdefault("bnd_upload_n", 0)
layer = st.radio(
    t("boundaries.upload_layer"),
    list(LAYER_LABEL),
    key="bnd_layer",
    horizontal=True,
    format_func=lambda k: t(f"boundaries.layer_{k}"),
)
files = uploader.file_uploader(
    t("boundaries.uploader"),
    accept_multiple_files=True,
    key=f"bnd_files_{st.session_state.bnd_upload_n}",
    type=["zip", "gpkg", "geojson", "json", "kml", "kmz", "shp", "shx", "dbf", "prj", "cpg"],
)

DATUMS = {
    "CGCS2000": "datum_cgcs2000",
    "WGS84": "datum_wgs84",
    "GCJ02": "datum_gcj02",
    "EPSG:4549": "datum_4549",
    "EPSG:4528": "datum_4528",
    "other": "datum_other",
}


@st.cache_data(show_spinner=False, max_entries=16)
def _check(digest: str, path: str, layer: str, datum: str | None) -> dict:
    try:
        return check_boundaries(layer, path, datum=datum, store=store).to_dict()
    except ImportRejected as e:
        return e.report.to_dict()


@st.cache_resource(show_spinner=False, max_entries=4)
def problem_map_view(problems_json: str):
    """The problem areas of a layer refused for its coverage (red: overlaps, orange: uncovered) on the county
    outline."""
    outline = boundaries.county_outline()
    minx, miny, maxx, maxy = outline.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=10, tiles=None, control_scale=True)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    folium.GeoJson(
        outline[["geometry"]].__geo_interface__,
        interactive=False,
        style_function=lambda f: {"fill": False, "color": "#252525", "weight": 2.5},
    ).add_to(m)
    folium.GeoJson(
        json.loads(problems_json),
        style_function=lambda f: {
            "fillColor": "#e31a1c" if f["properties"]["kind"] == "overlap" else "#fd8d3c",
            "color": "#e31a1c" if f["properties"]["kind"] == "overlap" else "#d94801",
            "fillOpacity": 0.6,
            "weight": 1,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["label", "units", "km2"],
            aliases=["", t("boundary_coverage.map_tooltip_units"), t("boundary_coverage.map_tooltip_km2")],
        ),
    ).add_to(m)
    return folium_view.render(m)


def coverage_override(check: dict) -> bool:
    """For a layer refused only for its coverage: the problem areas on a map, and (admins) the explicit acceptance;
    True when an admin ticked it."""
    if check["status"] != "rejected" or not (check.get("coverage") or {}).get("refused"):
        return False
    if check.get("problem_map"):
        st.markdown(f"**{t('boundary_coverage.map_title')}**")
        folium_view.show(problem_map_view(json.dumps(check["problem_map"])), key="bnd_problems", height=420)
    if not me.can("manage_users"):
        st.info(t("boundary_coverage.accept_admin_only"))
        return False
    return st.checkbox(t("boundary_coverage.accept_checkbox"), key="bnd_accept_coverage")


if files:
    if st.session_state.get("bnd_result_n") != st.session_state.bnd_upload_n:
        st.session_state.pop("bnd_result", None)  # a new file: the last result is history
    blobs = [(f.name, f.getvalue()) for f in files]
    digest = hashlib.sha256(b"".join(n.encode() + b"\0" + data for n, data in sorted(blobs))).hexdigest()
    folder = tempfile.mkdtemp(prefix="txip-upload-")
    try:
        path = stage_files(blobs, folder)
    except ValueError:
        st.error(t("boundaries.parts_error"))
        st.stop()
    first = _check(digest, str(path), layer, None)
    needs = bool(first.get("needs_datum"))
    if needs:
        st.warning(t("boundaries.datum_question"))
    empty = t("boundaries.datum_none") if needs else t("boundaries.datum_from_file", crs=first.get("source_crs") or "—")
    pick = st.selectbox(
        t("boundaries.datum"),
        [""] + list(DATUMS),
        key="bnd_datum",
        format_func=lambda k: t(f"boundaries.{DATUMS[k]}") if k else empty,
    )
    chosen = st.text_input(t("boundaries.datum_epsg"), key="bnd_epsg").strip() if pick == "other" else pick
    if needs and not chosen:
        show_report(first, t("boundaries.check_title"))
    else:
        check = first if not chosen else _check(digest, str(path), layer, chosen)
        show_report(check, t("boundaries.check_title"))
        accepted = coverage_override(check)
        if (check["status"] == "checked" or accepted) and st.button(
            t("boundaries.import_button", layer=LAYER_LABEL[layer]), type="primary", key="bnd_import"
        ):
            try:
                rep = import_boundaries(
                    store, layer, path, datum=chosen or None, user=me.username, accept_coverage_problems=accepted
                )
                st.session_state.bnd_result = rep.to_dict()
                st.session_state.bnd_upload_n += 1  # a fresh uploader: the file is in
                st.session_state.bnd_result_n = st.session_state.bnd_upload_n
            except ImportRejected as e:
                st.session_state.bnd_result = e.report.to_dict()
                st.session_state.bnd_result_n = st.session_state.bnd_upload_n
            st.rerun()

if st.session_state.get("bnd_result"):
    show_report(st.session_state.bnd_result, t("boundaries.result_title"))


# -- draw a park --------------------------------------------------------------------------------------------------
st.subheader(t("boundaries.draw"))
st.caption(t("boundaries.draw_help"))
park_codes = [p.code for p in gaz.parks]
park = st.selectbox(
    t("boundaries.draw_park"), park_codes, key="draw_park", format_func=lambda c: f"{c} {gaz.name_of(c)}"
)


@st.cache_resource(show_spinner=False, max_entries=8)
def draw_map(version: tuple, park: str):
    towns, parks, outline = store.layer("townships"), store.layer("parks"), boundaries.county_outline()
    minx, miny, maxx, maxy = outline.total_bounds
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=10,
        tiles=None,
        max_zoom=18,
        min_zoom=8,
        control_scale=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    m.options.update(max_zoom=18, min_zoom=8)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    folium.GeoJson(
        towns[["code", "name", "geometry"]].__geo_interface__,
        name=t("boundaries.layer_townships"),
        style_function=lambda f: {"fillColor": "#f7f7f7", "fillOpacity": 1, "color": "#969696", "weight": 1},
        tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=[""], labels=False),
    ).add_to(m)
    folium.GeoJson(
        outline[["geometry"]].__geo_interface__,
        interactive=False,
        style_function=lambda f: {"fill": False, "color": "#252525", "weight": 2.5},
    ).add_to(m)
    folium.GeoJson(
        parks[["code", "name", "geometry"]].__geo_interface__,
        name=t("boundaries.layer_parks"),
        style_function=lambda f: {
            "fillColor": PARK_COLOR,
            "fillOpacity": 0.25 if f["properties"]["code"] == park else 0.05,
            "color": "#e31a1c" if f["properties"]["code"] == park else PARK_COLOR,
            "weight": 3 if f["properties"]["code"] == park else 1.5,
            "dashArray": "4 3",
        },
        tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=[""], labels=False),
    ).add_to(m)
    for r in towns.itertuples():
        p = r.geometry.representative_point()
        folium.Marker(
            [p.y, p.x],
            interactive=False,
            icon=folium.DivIcon(
                html=f'<div style="font:12px sans-serif;color:#525252;white-space:nowrap;transform:translate(-50%,-50%)">'
                f"{r.name}</div>",
                icon_size=(0, 0),
            ),
        ).add_to(m)
    Draw(
        export=False,
        position="topleft",
        show_geometry_on_click=False,
        draw_options={
            "polyline": False,
            "circle": False,
            "marker": False,
            "circlemarker": False,
            "polygon": {"allowIntersection": False, "showArea": True},
            "rectangle": {"showArea": True},
        },
        edit_options={"poly": {"allowIntersection": False}},
    ).add_to(m)
    return folium_view.render(m)


current = store.layer("parks").set_index("code")
if park in current.index:
    km2 = float(boundaries.area_km2(current.loc[[park]]).iloc[0])
    st.caption(
        t(
            "boundaries.park_current",
            status=STATUS["official" if current.loc[park, "official"] else "schematic"],
            km2=f"{km2:.2f}",
        )
    )
out = folium_view.show(
    draw_map(version, park), key="park_draw", height=560, returned_objects=["all_drawings", "last_active_drawing"]
)
drawings = [
    d
    for d in ((out or {}).get("all_drawings") or [])
    if (d or {}).get("geometry", {}).get("type") in ("Polygon", "MultiPolygon")
]
if not drawings and (out or {}).get("last_active_drawing"):
    drawings = [out["last_active_drawing"]]
if drawings:
    try:
        km2 = float(
            boundaries.area_km2(
                gpd.GeoSeries([shapely.geometry.shape(d["geometry"]) for d in drawings], crs=boundaries.DISPLAY_CRS)
            ).sum()
        )
    except Exception:  # noqa: BLE001 - a malformed drawing: save_drawn_park says why
        km2 = None
    st.info(t("boundaries.draw_count", n=len(drawings), km2=f"{km2:.2f}" if km2 is not None else "—"))
    if st.button(t("boundaries.draw_save", park=gaz.name_of(park)), type="primary", key="draw_save"):
        try:
            rep = save_drawn_park(store, park, drawings, me.username)
            st.session_state.draw_result = rep.to_dict()
        except ImportRejected as e:
            st.session_state.draw_result = e.report.to_dict()
        st.rerun()
else:
    st.caption(t("boundaries.draw_none"))

if st.session_state.get("draw_result"):
    show_report(st.session_state.draw_result, t("boundaries.draw_result"))
