"""The selection outline drawn onto a live map, sent apart from the map itself.

A click on a township used to change the map element's arguments (streamlit-folium's `feature_group`), so Streamlit
re-sent the whole map (up to 1.5 MB of script with every layer on) and the browser decoded and compared it on every
click. Now the map element stays byte-identical while the user clicks around: Streamlit's message cache then sends
only a reference to it, and the outline travels in this small component (an `st.components.v2` component: its
JavaScript runs in the app page, no iframe), which draws it with the map's own Leaflet inside the map's frame.

The component finds the map in its own column (the streamlit-folium frame above it, in an enclosing block), keeps one outline layer on it,
and re-adds the outline when the map is redrawn (the user ticked a layer, the page was rerun).
"""

from __future__ import annotations

import streamlit as st

# Runs in the app page. `data` is {"geojson": ..., "style": {...}} or null (nothing selected).
_JS = r"""
export default function (component) {
  const { data, parentElement } = component;
  const host = parentElement.host || parentElement;
  const FRAME = 'iframe[title="streamlit_folium.st_folium"]';
  // Streamlit calls this function again with each new `data` and the returned cleanup only on unmount: one state
  // (the current outline, one timer) per mounted component, kept on its host element.
  const state = host.__txipOutline || (host.__txipOutline = { data: null, timer: null });
  state.data = data;

  function mapFrame() {
    // The map in this component's column: the nearest enclosing block that holds a map frame.
    for (let el = host; el && el !== document.body; el = el.parentElement) {
      const f = el.querySelector && el.querySelector(FRAME);
      if (f) return f;
    }
    return null;
  }

  function clear(w) {
    try {
      if (w && w.__txipOutline) w.__txipOutline.remove();
    } catch (e) { /* the map was replaced */ }
    if (w) { w.__txipOutline = null; w.__txipOutlineOn = null; w.__txipOutlineKey = undefined; }
  }

  function sync() {
    const f = mapFrame();
    const w = f && f.contentWindow;
    if (!w || !w.L || !w.map_div) return;
    const d = state.data;
    const key = d ? d.id + JSON.stringify(d.style) : null;
    if (w.__txipOutlineKey === key && w.__txipOutlineOn === w.map_div) return;  // drawn on this very map
    clear(w);
    w.__txipOutlineKey = key;
    w.__txipOutlineOn = w.map_div;
    if (d) w.__txipOutline = w.L.geoJSON(d.geojson, { style: () => d.style, interactive: false }).addTo(w.map_div);
  }

  state.sync = sync;
  sync();
  // The map may not be drawn yet, or be redrawn later (a layer ticked, a rerun): look a few times a second.
  if (!state.timer) state.timer = setInterval(() => state.sync(), 150);
  return () => {
    clearInterval(state.timer);
    state.timer = null;
    const f = mapFrame();
    clear(f && f.contentWindow);
    host.__txipOutline = null;
  };
}
"""

_component = st.components.v2.component("txip_map_outline", js=_JS)


def show(outline: dict | None, *, key: str) -> None:
    """Put the outline component below the map, inside the map's column (it draws on the nearest map frame among its
    enclosing blocks); as the last element of a block its empty element adds no gap. `outline` is
    `maps.outline_spec(...)` or None."""
    _component(key=key, data=outline, height=0)
