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


def mode_value() -> bool:
    """The map's display choice (当前值 / 变化（基期→当前）), kept in the URL as mode=change; True for 变化. Read before
    `mode_control` draws its widget (pages/map.py draws the sidebar after the map)."""
    if "map_mode" not in st.session_state:
        st.session_state.map_mode = "change" if state.query("mode") == "change" else "current"
    on = st.session_state.map_mode == "change"
    state.set_query(mode="change" if on else None)
    return on


def mode_control() -> bool:
    """The widget of the map's display choice (after `mode_value`, or alone); True for 变化."""
    on = mode_value()
    st.radio(
        t("change.mode"),
        MODES,
        key="map_mode",
        horizontal=True,
        format_func=lambda m: t(f"change.mode_{m}"),
        help=t("change.mode_help"),
    )
    return on


def change_spec(spec, filters: dict, view: str, indicator: str):
    """The current-value map `spec` coloured by the change since the 基期 (same filters)."""
    return change_view.change_map_spec(state.comparison(**filters), spec, view=view, indicator=indicator)


def headline(code: str, indicator: str, filters: dict) -> None:
    """Under the indicator's current value: its 基期 value, the change and the rank then → now."""
    d = change_view.indicator_change(state.comparison(**filters), code, indicator)
    if d is not None:
        st.html(_headline_html(d, indicator))


HEADLINE_CSS = """<style>
.stApp .txip-change-line {display:flex; flex-wrap:wrap; gap:4px 18px; margin:2px 0 6px 0}
.stApp .txip-change-line div {white-space:nowrap}
.stApp .txip-change-line small {display:block; color:#616161; font-size:0.78rem}
.stApp .txip-change-line span {font-size:1.05rem}
</style>"""


def _headline_html(d: dict, indicator: str) -> str:
    """基期 / 当前 / 变化 (coloured: blue better, red worse, as the map) / 排名, each with its small label."""
    v = d["value"]
    good = None if not v else (v > 0) != (indicator in MORE_IS_WORSE)
    color = {True: "#2166ac", False: "#b2182b", None: "#424242"}[good]
    said = d["method"] and d["method"] != d["baseline"]  # 无基期数据 is said once, as the value
    method = t("change.headline_method", method=d["method"]) if said else ""
    cells = [
        (t("change.col_baseline") + method, d["baseline"], ""),
        (t("change.col_current"), d["current"], ""),
        (t("change.col_change"), d["change"], f' style="color:{color};font-weight:600"'),
    ]
    if "rank" in d:
        cells.append((t("change.col_rank"), d["rank"], ""))
    body = "".join(
        f"<div><small>{html.escape(k)}</small><span{style}>{html.escape(v)}</span></div>" for k, v, style in cells
    )
    return f'{HEADLINE_CSS}<div class="txip-change-line">{body}</div>'


FIGURES_CSS = """<style>
.stApp .txp-panel-table small.txip-method {display:block; color:#757575; font-size:0.75rem; line-height:1.2}
.stApp .txp-panel-table.txip-figures th:first-child {width:9em}
.stApp .txp-panel-table td.num.txip-wrap {white-space:normal}
.stApp .txp-panel-table td.txip-wrap span {white-space:nowrap}
</style>"""


def _spaced(text: str) -> str:
    """A cell's text that may break at its spaces only ("+13.9 个百分点", "第13 → 第12"), escaped."""
    return " ".join(f"<span>{html.escape(w)}</span>" for w in str(text).split(" "))


def figures_html(code: str, filters: dict) -> str:
    """A township's or park's figures then and now as the panel's table: 指标 (with how its baseline was read, where
    not a snapshot: 推算 / 无基期数据 / 累计起点 / 基期年度, in small type under it), 基期, 当前, 变化, 排名 — five
    columns, so it fits the panel."""
    df = change_view.area_changes(state.comparison(**filters), code)
    metric, method = t("change.col_metric"), t("change.col_method")
    wrap = (t("change.col_change"), t("change.col_rank"))
    numeric = [t(f"change.col_{k}") for k in ("baseline", "current", "change", "rank")]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in (metric, *numeric))
    rows = []
    for r in df.to_dict("records"):
        note = f'<small class="txip-method">{html.escape(r[method])}</small>' if r[method] else ""
        cells = "".join(  # a change and a rank may break at their spaces on a narrow screen; numbers stay whole
            f'<td class="num txip-wrap">{_spaced(r[c])}</td>'
            if c in wrap
            else f'<td class="num">{html.escape(r[c])}</td>'
            for c in numeric
        )
        rows.append(f"<tr><td>{html.escape(r[metric])}{note}</td>{cells}</tr>")
    table = f'<table class="txp-panel-table txip-figures"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    return tables.PANEL_CSS + FIGURES_CSS + f'<div class="txp-panel-wrap">{table}</div>'


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
    with st.columns([3, 2])[0]:
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
    shown = changes.drop(columns=["code", "events"])
    if not network_view.has_baseline(comp):  # office, staff, funds not known then: their columns would be all "— →"
        shown = shown.drop(columns=[t("network.col_office"), t("network.col_staff"), t("network.col_fund")])
    st.html(tables.panel_table(shown))
