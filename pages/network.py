"""网络覆盖: the three-tier network per township and park — scorecard, a map of gaps, the gap list with its lead units
and an Excel download. All figures come from txip_geo.figures.network."""

from ui.boot import ensure_app

ensure_app()  # first: a deep link on a fresh server must go through app.py


import streamlit as st

from txip_geo.areas import boundaries
from txip_geo.figures import network
from txip_geo.present import network_view
from txip_geo.render import folium_map as maps
from txip_geo.render import xlsx
from txip_geo.strings import t
from ui import basemap as basemaps
from ui import change as change_ui
from ui import folium_view, header, state

store = state.store()
fs = state.figures()

st.title(t("network.title"))
header.show(fs)
st.caption(t("network.intro"))

card = network.scorecard(fs)
gaps = network.gap_list(fs)

# -- coverage summary ---------------------------------------------------------------------------------------------------
cov = network.coverage(card)
cols = st.columns(4)
for col, key in zip(cols, ("office", "staff", "fund", "ws")):
    have, no, unknown = cov[key]
    col.metric(
        t(f"network.summary_{key}"),
        f"{have} / {len(card)}",
        help=t("network.summary_help", total=len(card), unknown=unknown),
    )

# -- baseline → now (ui/change.py) ---------------------------------------------------------------------------------------
change_ui.network_section(card)

# -- scorecard ----------------------------------------------------------------------------------------------------------
st.subheader(t("network.scorecard"))
st.caption(t("network.scorecard_help"))
C = {
    k: t(f"network.{k}")
    for k in (
        "col_code",
        "col_area",
        "col_kind",
        "col_office",
        "col_staff",
        "col_fund",
        "col_ws",
        "col_patents",
        "col_tm",
        "col_zero",
        "col_gaps",
    )
}
st.dataframe(
    network_view.scorecard_styler(card),
    hide_index=True,
    width="stretch",
    height=35 * (len(card) + 1) + 3,
    key="network_scorecard",
    column_order=[
        C[k]
        for k in (
            "col_area",
            "col_kind",
            "col_office",
            "col_staff",
            "col_fund",
            "col_ws",
            "col_patents",
            "col_tm",
            "col_zero",
            "col_gaps",
        )
    ],
    column_config={
        C["col_area"]: st.column_config.TextColumn(width=170),
        C["col_kind"]: st.column_config.TextColumn(width=60),
        C["col_office"]: st.column_config.TextColumn(width=80),
        C["col_staff"]: st.column_config.TextColumn(width=110),
        C["col_fund"]: st.column_config.TextColumn(width=120),
        C["col_ws"]: st.column_config.TextColumn(width=70),
        C["col_patents"]: st.column_config.TextColumn(width=70),
        C["col_tm"]: st.column_config.TextColumn(width=70),
        C["col_zero"]: st.column_config.TextColumn(width=130),
        C["col_gaps"]: st.column_config.NumberColumn(width=70),
    },
)

# -- map of gaps --------------------------------------------------------------------------------------------------------
st.subheader(t("network.gap_map"))
view = st.radio(
    t("network.gap_map_view"),
    ["units", "parks"],
    key="network_view",
    horizontal=True,
    format_func=lambda v: t("map.view_units") if v == "units" else t("map.view_parks"),
)


@st.cache_resource(show_spinner=False, max_entries=8)
def gap_map(version, settings, view, _basemap, basemap_id):
    f = state.figures()
    layer = store.layer("townships" if view == "units" else "parks")
    spec = network_view.gap_map_spec(
        f,
        layer,
        view=view,
        outline=boundaries.county_outline(),
        neighbours=boundaries.neighbours(),
        parks_layer=store.layer("parks"),
        basemap=_basemap,
    )
    return folium_view.render(maps.build_map(spec))


basemap = basemaps.current()
folium_view.show(
    gap_map(state.store_version(store), fs.settings, view, basemap, basemaps.cache_id(basemap)),
    key=f"network_map_{view}",
    height=560,
)
with st.columns([3, 2])[1]:  # under the map, on the right (as on the 地图 page)
    basemaps.control()

# -- gap list -----------------------------------------------------------------------------------------------------------
st.subheader(t("network.gap_list"))
G = {
    k: t(f"network.{k}")
    for k in ("col_code", "col_area", "col_gap", "col_count", "col_basis", "col_lead", "col_coop", "col_kind")
}
areas = list(dict.fromkeys(card[C["col_area"]]))
bases = network_view.basis_options(gaps)
f1, f2 = st.columns(2)
pick_areas = f1.multiselect(t("network.filter_area"), areas, key="network_areas", placeholder=t("network.filter_all"))
pick_bases = f2.multiselect(t("network.filter_basis"), bases, key="network_bases", placeholder=t("network.filter_all"))
shown = gaps
if pick_areas:
    shown = shown[shown[G["col_area"]].isin(pick_areas)]
if pick_bases:
    shown = shown[shown[G["col_basis"]].isin(pick_bases)]
shown = shown.reset_index(drop=True)
st.caption(t("network.gap_rows", n=len(shown), total=len(gaps)))
if shown.empty:
    st.success(t("network.no_gaps"))
else:
    st.dataframe(
        network_view.gap_display(shown, screen=True),
        hide_index=True,
        width="stretch",
        key="network_gaps",
        height=35 * (min(len(shown), 15) + 1) + 3,
        column_order=[
            G[k] for k in ("col_area", "col_kind", "col_gap", "col_count", "col_basis", "col_lead", "col_coop")
        ],
        column_config={
            G["col_area"]: st.column_config.TextColumn(width=150),
            G["col_kind"]: st.column_config.TextColumn(width=60),
            G["col_gap"]: st.column_config.TextColumn(width=210),
            G["col_count"]: st.column_config.TextColumn(width=60),
            G["col_basis"]: st.column_config.TextColumn(width=110),
            G["col_lead"]: st.column_config.TextColumn(width=270),
            G["col_coop"]: st.column_config.TextColumn(width=330),
        },
    )
st.download_button(
    t("network.download"),
    data=xlsx.gap_workbook(fs, shown),
    file_name=t("network.download_file", date=fs.as_of or ""),
    mime=xlsx.XLSX_MIME,
    key="network_download",
)
