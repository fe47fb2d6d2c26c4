"""The 地图 page's 变化（基期→当前） view: the display choice in the sidebar, the map coloured by the change since the
基期, and the panel's figures then and now (txip_geo.present.change_view, from ui.state.comparison)."""

from __future__ import annotations

import html

import streamlit as st

from txip_geo.figures.ranks import MORE_IS_WORSE
from txip_geo.present import change_view
from txip_geo.strings import t

from . import state, tables

MODES = ("current", "change")


def mode_control() -> bool:
    """The map's display choice (当前值 / 变化（基期→当前）), kept in the URL as mode=change; True for 变化."""
    if "map_mode" not in st.session_state:
        st.session_state.map_mode = "change" if state.query("mode") == "change" else "current"
    st.radio(
        t("change.mode"),
        MODES,
        key="map_mode",
        horizontal=True,
        format_func=lambda m: t(f"change.mode_{m}"),
        help=t("change.mode_help"),
    )
    on = st.session_state.map_mode == "change"
    state.set_query(mode="change" if on else None)
    return on


def change_spec(spec, filters: dict, view: str, indicator: str):
    """The current-value map `spec` coloured by the change since the 基期 (same filters)."""
    return change_view.change_map_spec(state.comparison(**filters), spec, view=view, indicator=indicator)


def headline(code: str, indicator: str, filters: dict) -> None:
    """Under the indicator's current value: its 基期 value, the change and the rank then → now."""
    d = change_view.indicator_change(state.comparison(**filters), code, indicator)
    if d is not None:
        st.html(_headline_html(d, indicator))


def _headline_html(d: dict, indicator: str) -> str:
    v = d["value"]
    good = None if not v else (v > 0) != (indicator in MORE_IS_WORSE)
    color = {True: "#2166ac", False: "#b2182b", None: "#424242"}[good]
    method = f"（{html.escape(d['method'])}）" if d["method"] else ""
    parts = [
        t("change.headline_baseline", value=html.escape(d["baseline"]), method=method),
        t("change.headline_current", value=html.escape(d["current"])),
        t("change.headline_change", value=f'<b style="color:{color}">{html.escape(d["change"])}</b>'),
    ]
    if "rank" in d:
        parts.append(t("change.headline_rank", rank=html.escape(d["rank"])))
    return f'<div class="txip-change-line" style="font-size:0.9rem;line-height:1.6">{"　".join(parts)}</div>'


def figures_html(code: str, filters: dict) -> str:
    """A township's or park's figures then and now (基期, 当前, 变化, 排名, 基期说明) as the panel's table."""
    df = change_view.area_changes(state.comparison(**filters), code)
    numeric = tuple(t(f"change.col_{k}") for k in ("baseline", "current", "change", "rank"))
    return tables.panel_table(df, numeric=numeric)


def city_panel(view: str, indicator: str, filters: dict) -> None:
    """No area picked: the city then and now, and the areas ranked on the change."""
    comp = state.comparison(**filters)
    d = change_view.city_change(comp, indicator)
    st.subheader(t("map.city_heading"))
    st.caption(t("change.period", baseline=comp.baseline, current=comp.current))
    st.html(_headline_html(d, indicator))
    st.caption(t("change.city_ranking_units" if view == "units" else "change.city_ranking_parks", label=d["label"]))
    df = change_view.change_ranking(comp, view, indicator)
    numeric = tuple(t(f"change.col_{k}") for k in ("baseline", "current", "change", "rank"))
    st.html(tables.panel_table(df, numeric=numeric))
    for note in change_view.change_notes(comp, indicator):
        st.caption(note)


def network_section(card) -> None:
    """The 网络覆盖 page's baseline → now: how many townships and parks had an office, staff, funds, a workstation
    then and now, and which gained or lost one (present.network_view, from Comparison.network)."""
    from txip_geo.present import network_view

    comp = state.comparison()
    st.subheader(t("change.net_title", baseline=comp.baseline, current=comp.current))
    if not network_view.has_baseline(comp):
        st.info(t("change.net_no_baseline", date=comp.baseline))
    cov = network_view.coverage_change(comp.network)
    numeric = tuple(t(f"change.net_col_{k}") for k in ("then", "now", "change"))
    st.html(tables.panel_table(network_view.coverage_change_display(cov), numeric=numeric))
    st.caption(t("goal_basis.rule_sep").join(network_view.baseline_notes(comp)))
    kinds = dict(zip(card[t("network.col_code")], card[t("network.col_kind")]))
    changes = network_view.network_changes(comp.network, kinds)
    st.markdown(f"**{t('change.net_changes')}**")
    if changes.empty:
        known = network_view.has_baseline(comp) or network_view.has_baseline(comp, "workstations")
        st.write(t("change.net_no_changes") if known else t("change.no_baseline"))
        return
    st.caption(t("change.net_changes_rows", n=len(changes)))
    st.html(tables.panel_table(changes.drop(columns=["code", "events"])))
