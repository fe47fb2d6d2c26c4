"""地图: townships (or parks) coloured by an indicator; click or pick a township to see its panel."""

from ui.boot import ensure_app

ensure_app()  # first: a deep link on a fresh server must go through app.py

import streamlit as st

from txip_geo.areas import boundaries
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.figures import goals
from txip_geo.figures.baseline import AREA_METRICS
from txip_geo.ingest.patent_numbers import PATENT_TYPE_LABELS
from txip_geo.present import industry_view, mapspec
from txip_geo.present import map_view as views
from txip_geo.render import folium_map as maps
from txip_geo.strings import t
from ui import basemap as basemaps
from ui import change as change_ui
from ui import folium_view, header, map_overlay, state, tables

gaz = load_gazetteer()
store = state.store()
ref = state.figures()  # unfiltered: class breaks and year range come from here

# -- URL → state (once per session, so a shared link opens the same view) -----------------------------------------
if "map_init" not in st.session_state:
    st.session_state.map_init = True
    ind = state.query("ind")
    st.session_state.indicator = ind if ind in views.MAP_INDICATORS else "patents"
    st.session_state.view = "parks" if state.query("view") == "parks" else "units"
    code = state.query("unit")
    st.session_state.unit_pick = code if code in gaz.by_code or code in gaz.park_by_code else ""

# -- sidebar filters ----------------------------------------------------------------------------------------------
# Their values are read from the session first and the widgets drawn after the map (`sidebar_filters`, at the end):
# the map's element then reaches the browser before the sidebar's eleven widgets, whose rendering (and, in a fresh
# browser, the fetching of their modules) no longer delays the map's first render (docs/performance.md). Where they
# show is unchanged: the sidebar keeps its elements in the order they were sent to it.
years = ref.patent_years()  # (first, last) application year, from the counts
FILTER_DEFAULTS = {"ptypes": [], "pstatus": [], "lyr_ws": True, "lyr_cases": False, "lyr_ent": False, "lyr_zero": False}
if years and years[0] < years[1]:
    FILTER_DEFAULTS["years"] = years
for _key, _value in FILTER_DEFAULTS.items():
    st.session_state.setdefault(_key, _value)
changed = change_ui.mode_value()  # 当前值 / 变化（基期→当前） (ui/change.py)
year_range = st.session_state.years if years and years[0] < years[1] else None
types, status = st.session_state.ptypes, st.session_state.pstatus
show_ws, show_cases = st.session_state.lyr_ws, st.session_state.lyr_cases
show_ent, zero_only = st.session_state.lyr_ent, st.session_state.lyr_zero


def sidebar_filters() -> None:
    """The sidebar's filters and layers (their values were read above, from the session)."""
    with st.sidebar:
        st.subheader(t("map.filters"))
        st.selectbox(
            t("map.indicator"),
            views.MAP_INDICATORS,
            key="indicator",
            format_func=lambda k: views.indicator_label(k)[0],
        )
        st.radio(
            t("map.view"),
            ["units", "parks"],
            key="view",
            horizontal=True,
            format_func=lambda v: t("map.view_units") if v == "units" else t("map.view_parks"),
        )
        change_ui.mode_control()
        if years and years[0] < years[1]:
            st.slider(t("map.year_range"), years[0], years[1], key="years")
        elif years:  # one application year: a slider needs two ends, so the year is stated instead
            st.caption(t("map.year_single", year=years[0]))
        st.multiselect(
            t("map.patent_types"),
            ["invention", "utility", "design"],
            key="ptypes",
            placeholder=t("map.all"),
            format_func=PATENT_TYPE_LABELS.get,
        )
        st.multiselect(
            t("map.patent_status"),
            ["valid", "pending", "invalid"],
            key="pstatus",
            placeholder=t("map.all"),
            format_func=lambda s: t(f"page_map.status_{s}"),
        )
        st.caption(t("map.layers"))
        st.checkbox(t("map.layer_workstations"), key="lyr_ws")
        st.checkbox(t("map.layer_cases"), key="lyr_cases")
        st.checkbox(t("map.layer_enterprises"), key="lyr_ent")
        st.checkbox(t("map.layer_zero_only"), key="lyr_zero", disabled=not show_ent)


filters = {}
if year_range and (year_range[0] > years[0] or year_range[1] < years[1]):
    filters.update(year_from=year_range[0], year_to=year_range[1])
if types:
    filters["patent_types"] = tuple(types)
if status:
    filters["patent_status"] = tuple(status)
fs = state.figures(**filters)
indicator, view = st.session_state.indicator, st.session_state.view
views.ready(fs, indicator)  # an industry's indicator is counted from the records when first shown
changed = changed and indicator in AREA_METRICS  # compared since the 基期 (no industry, no G05/G07 rate there)
state.set_query(ind=indicator, view=view if view == "parks" else None)

st.title(t("app.title"))
header.show(fs)


@state.cache_resource(show_spinner=False, max_entries=16)
def base_map(version, settings, view, indicator, layer_flags, _basemap, basemap_id, change=None):
    """The map without the selection highlight (stable while the user clicks around), rendered once for the
    component, and the area layer as drawn. `change`: the 基期 date of a map of the change since then."""
    f = state.figures(**{k: v for k, v in settings.items()})
    r = state.figures()
    layer = store.layer("townships" if view == "units" else "parks")
    points = views.point_layers(
        f, workstations=layer_flags[0], cases=layer_flags[1], enterprises=layer_flags[2], zero_only=layer_flags[3]
    )
    spec = views.map_spec(
        f,
        r,
        layer,
        view=view,
        indicator=indicator,
        outline=boundaries.county_outline(),
        neighbours=boundaries.neighbours(),
        parks_layer=store.layer("parks"),
        points=points,
        basemap=_basemap,
    )
    if change:  # 变化（基期→当前）: the same map coloured by the change since the 基期 (ui/change.py)
        spec = change_ui.change_spec(spec, settings, view, indicator)
    return folium_view.render(maps.build_map(spec)), spec.areas


def pick_clicked(value: dict, layer) -> None:
    """A click on the map (callback, before the rerun): the township or park under it becomes the selection."""
    click = value.get("last_object_clicked")
    if click:
        code = views.unit_at(layer, click["lng"], click["lat"])  # the layer as drawn (same datum as the click)
        if code:
            st.session_state.unit_pick = code


@st.fragment
def map_and_panel():
    basemap = basemaps.current()
    rendered, layer = base_map(
        state.store_version(store),
        filters,
        view,
        indicator,
        (show_ws, show_cases, show_ent, zero_only),
        basemap,
        basemaps.cache_id(basemap),
        state.baseline() if changed else None,
    )
    left, right = st.columns([5, 3], gap="medium")
    # The panel first: after a click its heading and figures reach the browser before the (large) map element.
    with right:
        codes = [""] + list(layer["code"])
        st.selectbox(
            t("map.pick_unit" if view == "units" else "map.pick_park"),
            codes,
            key="unit_pick",
            format_func=lambda c: gaz.name_of(c) if c else t("map.pick_none"),
        )
        code = st.session_state.get("unit_pick") or ""
        state.set_query(unit=code or None)
        if code:
            panel(code)
        else:
            city_panel()
    with left:
        # The map element stays the same while the user clicks around (Streamlit then re-sends only a reference to
        # it); the selection outline is drawn onto it by a small component of its own.
        folium_view.show(
            rendered,
            key="map",
            height=640,
            returned_objects=["last_object_clicked"],
            on_change=lambda value: pick_clicked(value, layer),
        )
        picked = layer[layer["code"] == code] if code else layer.iloc[0:0]
        hint, tiles = st.columns([3, 2], vertical_alignment="top")
        with hint:
            st.caption(t("map.click_hint" if view == "units" else "map.click_hint_parks"))
            # Last in its column, so its empty element adds no gap under the map; it finds the map in this column.
            map_overlay.show(maps.outline_spec(picked, code) if len(picked) else None, key="map_outline")
        with tiles:
            basemaps.control()


def city_panel():
    """No area picked: the city's figure and the areas ranked on the indicator."""
    if changed:  # 变化（基期→当前）: the city then and now, the areas ranked on the change (ui/change.py)
        change_ui.city_panel(view, indicator, filters)
        return
    label, unit = views.indicator_label(indicator)
    st.subheader(t("map.city_heading"))
    st.metric(label, mapspec.format_value(goals.city_value(fs, indicator), unit))
    st.caption(
        t("map.city_ranking_units" if view == "units" else "map.city_ranking_parks", label=label)
        + (t("map.ranking_fewest_first") if indicator in views.MORE_IS_WORSE else "")
    )
    st.html(
        tables.panel_table(
            views.ranking(fs, view, indicator), numeric=views.columns(views.RANKING_COLUMNS, "rank", "value")
        )
    )
    st.caption(t("map.city_hint" if view == "units" else "map.city_hint_parks"))


def panel(code: str):
    """The panel of a township or a park: the same tabs for both (a park ranked among the parks)."""
    st.subheader(gaz.name_of(code))  # first: the heading shows while the rest is computed
    label, unit = views.indicator_label(indicator)
    is_park = code in gaz.park_by_code
    if is_park:
        park = gaz.park_by_code[code]
        st.caption(t("page_map.park_caption", level=park.level, host=gaz.name_of(park.host_code) or park.host_note))
    d = state.unit_detail(code, **filters)
    rank = views.rank_of(fs, code, indicator)
    value = (fs.parks if is_park else fs.units).set_index("code").loc[code, indicator]
    of = t("area_panel.rank_of_parks", n=len(fs.parks), rank=rank) if is_park else t("map.label_rank", rank=rank)
    st.metric(label, mapspec.format_value(value, unit), help=of if rank else None)
    if rank:
        st.caption(of + t("page_map.rank_of_metric", label=label))
    if changed:  # 变化（基期→当前）: the indicator then and now, its rank then → now (ui/change.py)
        change_ui.headline(code, indicator, filters)
    # Only the open tab is computed and sent (a tab change reruns this fragment): a click shows its answer at once.
    tabs = st.tabs(
        [
            t("panel.figures"),
            t("panel.trend"),
            t("panel.workstations"),
            t("panel.zero_enterprises"),
            t("area_panel.tab_flagged"),
            t("panel.cases"),
            t("panel.goal_share"),
        ],
        key="panel_tab",
        on_change="rerun",
    )
    with tabs[0]:
        if tabs[0].open:
            figures_tab(code, d)
    with tabs[1]:
        if tabs[1].open:
            if d.trend.empty:
                st.write(t("panel.none"))
            else:
                st.bar_chart(d.trend, height=260)
    with tabs[2]:
        if tabs[2].open:
            listing(
                d.workstations, t("area_panel.no_workstation_park" if is_park else "panel.no_workstation"), "warning"
            )
    with tabs[3]:
        if tabs[3].open:
            listing(d.zero_enterprises, t("panel.no_zero"), "success")
    with tabs[4]:
        if tabs[4].open:
            st.caption(t("area_panel.flagged_caption"))
            listing(d.flagged, t("area_panel.no_flagged"), "write")
    with tabs[5]:
        if tabs[5].open:
            listing(d.cases, t("panel.no_cases"), "write", height=300)
    with tabs[6]:
        if tabs[6].open:
            st.dataframe(d.goal_shares, hide_index=True, width="stretch")
            st.caption(t("area_panel.share_note_park" if is_park else "panel.share_note"))


def figures_tab(code: str, d) -> None:
    """主要数字: the area's figures and ranks (or, in 变化 mode, then and now), its network line, its industry mix."""
    st.html(
        tables.panel_table(d.figures, numeric=views.columns(views.PANEL_COLUMNS, "value", "rank"))
        if not changed
        else change_ui.figures_html(code, filters)
    )  # 变化: each figure then and now (ui/change.py)
    net = d.network
    office = {1.0: "yes", 0.0: "no"}.get(net["has_office"], "unknown")
    st.caption(
        t(
            "page_map.network_line",
            office=t(f"network.{office}"),
            staff=mapspec.format_value(net["staff"], t("metric_units.staff")),
            fund=mapspec.format_value(net["fund_wan"], t("metric_units.fund_wan")),
        )
    )
    industry_mix(code, d.layer)


def listing(df, empty: str, how: str, height: int | None = None) -> None:
    """A panel tab's list, or what it says when the area has none."""
    if df is None or df.empty:
        getattr(st, how)(empty)
    elif height:
        st.dataframe(df, hide_index=True, width="stretch", height=height)
    else:
        st.dataframe(df, hide_index=True, width="stretch")


def industry_mix(code: str, layer: str):
    """The area's patents by the six featured industries (figures.industries; a patent may count in several)."""
    st.caption(t("industries.mix_title"))
    mix = industry_view.industry_mix(fs, layer, code)
    st.html(tables.panel_table(mix, numeric=tuple(mix.columns[1:])))


map_and_panel()
sidebar_filters()
