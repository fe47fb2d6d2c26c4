"""The selection outline drawn onto a live map, sent apart from the map itself.

A click on a township used to change the map element's arguments (streamlit-folium's `feature_group`), so Streamlit
re-sent the whole map (up to 1.5 MB of script with every layer on) and the browser decoded and compared it on every
click. Now the map element stays byte-identical while the user clicks around: Streamlit's message cache then sends
only a reference to it, and the outline travels in this small component (an `st.components.v2` component: its
JavaScript runs in the app page, no iframe), which draws it with Leaflet on the map of ui/folium_view.py's inline
component.

The component finds the map in its own column (the map component above it, in an enclosing block), keeps one outline
layer on it, and re-adds the outline when the map is redrawn (the user ticked a layer, the page was rerun).
"""

from __future__ import annotations

import streamlit as st

# Runs in the app page. `data` is {"geojson": ..., "style": {...}} or null (nothing selected).
_JS = r"""
export default function (component) {
  const { data, parentElement } = component;
  const host = parentElement.host || parentElement;
  // Streamlit calls this function again with each new `data` and the returned cleanup only on unmount: one state
  // (the current outline, one listener) per mounted component, kept on its host element.
  const state = host.__txipOutline || (host.__txipOutline = { data: null, onReady: null, layer: null, on: null, key: undefined });
  state.data = data;

  function liveMap() {
    // The map in this component's column: the nearest enclosing block that holds an inline map component.
    for (let el = host.parentElement; el && el !== document.body; el = el.parentElement) {
      const m = el.querySelector('[data-txip-map]');
      if (m) return m.__txipMap || null;
    }
    return null;
  }

  function clear() {
    try {
      if (state.layer) state.layer.remove();
    } catch (e) { /* the map was replaced */ }
    state.layer = null; state.on = null; state.key = undefined;
  }

  function sync() {
    const map = liveMap();
    if (!map || !window.L) return;
    const d = state.data;
    const key = d ? d.id + JSON.stringify(d.style) : null;
    if (state.key === key && state.on === map) return;  // drawn on this very map
    clear();
    state.key = key;
    state.on = map;
    if (d) state.layer = window.L.geoJSON(d.geojson, { style: () => d.style, interactive: false }).addTo(map);
  }

  state.sync = sync;
  sync();
  // The map may not be drawn yet, or be redrawn later (a layer ticked, a rerun): ui/folium_view.py's component
  // announces every map it has drawn.
  if (!state.onReady) {
    state.onReady = () => state.sync();
    document.addEventListener('txip-map-ready', state.onReady);
  }
  return () => {
    document.removeEventListener('txip-map-ready', state.onReady);
    state.onReady = null;
    clear();
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
