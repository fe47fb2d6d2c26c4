"""底图 under a map: which tiles (if any) lie under it, shared by the pages that draw an interactive map.

The pick is kept in the session as `basemap` (and a 天地图 key as `basemap_tk`), so it follows the user from the 地图
page to the 网络覆盖 page; the default comes from data/basemaps.toml (`default`, "none" unless a deployment sets it).
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from txip_geo.render.basemaps import load_basemaps
from txip_geo.render.basemaps import resolve as resolve_basemap
from txip_geo.strings import t
from ui import folium_view


def current():
    """The basemap picked (`basemaps.Basemap`), local tile URLs behind `server.baseUrlPath`."""
    b = resolve_basemap(st.session_state.get("basemap"), st.session_state.get("basemap_tk", ""))
    return replace(b, url=folium_view.app_url(b.url), overlay=folium_view.app_url(b.overlay))


def cache_id(b) -> tuple:
    """What a cached map drawn over basemap `b` is keyed on (the pages hand the Basemap itself to their cached map
    builders unhashed)."""
    return b.key, b.url, b.overlay


def control() -> None:
    """The 底图 select (and the 天地图 key when needed). Its own widget keys, synced to `basemap` / `basemap_tk`,
    which outlive the page (a widget's key is dropped when the user opens another page)."""
    options = load_basemaps()
    if st.session_state.get("basemap") not in options:
        st.session_state.basemap = "none"
    st.session_state.basemap_pick = st.session_state.basemap
    st.selectbox(
        t("settings.basemap"),
        list(options),
        key="basemap_pick",
        format_func=lambda k: options[k].label,
        help=t("settings.basemap_help"),
        on_change=lambda: st.session_state.update(basemap=st.session_state.basemap_pick),
    )
    if options[st.session_state.basemap].needs_key:
        st.session_state.basemap_tk_input = st.session_state.get("basemap_tk", "")
        st.text_input(
            t("settings.basemap_key"),
            key="basemap_tk_input",
            type="password",
            on_change=lambda: st.session_state.update(basemap_tk=st.session_state.basemap_tk_input),
        )
        if not st.session_state.get("basemap_tk", "").strip():
            st.caption(t("settings.basemap_missing_key"))
