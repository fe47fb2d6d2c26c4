"""st_folium with the rendering done once per cached map.

`streamlit_folium.st_folium` renders the whole folium map to HTML and JavaScript on every script run (jinja over every
element, then regular expressions over the result: ≈0.4 s for the township map with 5,000 points), and it alters the
map it is given, so the pages used to hand it a deep copy of their cached map each time. Here a map is rendered once,
into the exact arguments st_folium would hand its component (`RenderedMap`, immutable, cached with the map), and each
run only passes those on, unchanged, so Streamlit re-sends only a reference to a map the browser already has (the
selection outline is drawn by ui/map_overlay.py, not through the map's arguments). A click on the map is reported
at once (`INSTANT_CLICK_JS`).

Tied to streamlit-folium's internals (pinned in requirements.txt); tests/test_folium_view.py checks that the
arguments equal those st_folium computes for the same map, so an upgrade that changes them fails there first.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import branca
import folium
import folium.elements
import streamlit as st
import streamlit_folium as sf

from txip_geo.offline import DEFAULT_URL_BASE, localise_map


# The component reports a click only after a 250 ms debounce (it waits for the map to stop moving). A click on a
# township is no move: this handler, run after the component's own layer handlers have recorded the clicked object,
# sends the value at once. The debounced report that follows finds the same value and sends nothing. It acts only
# on maps that return nothing but `last_object_clicked` (the 地图 page's).
INSTANT_CLICK_JS = """
(function () {
  map_div.on('click', function () {
    var d = window.__GLOBAL_DATA__;
    if (!d || !d.last_object_clicked || !window.Streamlit) return;
    if (!d.returned_objects || d.returned_objects.length !== 1 || d.returned_objects[0] !== 'last_object_clicked') return;
    var value = {last_object_clicked: d.last_object_clicked};
    if (JSON.stringify(d.previous_data) !== JSON.stringify(value)) {
      d.previous_data = value;
      window.Streamlit.setComponentValue(value);
    }
  });
})();
"""


@dataclass(frozen=True)
class RenderedMap:
    """What st_folium sends its component for one map, computed once."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: tuple
    zoom: float | int | None
    digest: str  # sha256 of the script

    def defaults(self, returned_objects: Iterable[str] | None) -> dict:
        """The component's value before the user touched the map (as st_folium's `_defaults`)."""
        (s, w), (n, e) = self.bounds
        base = {"last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
                "last_object_clicked_tooltip": None, "last_object_clicked_popup": None, "all_drawings": None,
                "last_active_drawing": None,
                "bounds": {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}},
                "zoom": self.zoom, "last_circle_radius": None, "last_circle_polygon": None,
                "selected_layers": None, "selected_tags": None, "last_geocoder_result": None}
        return {k: v for k, v in base.items() if returned_objects is None or k in returned_objects}

    def component_key(self, key: str | None) -> str:
        """The component's own key: changes with the script (a changed map is a new component) and the user key."""
        return hashlib.sha256(f"{self.digest}|{key}".encode()).hexdigest()


def _links(fmap: folium.Map) -> tuple[list[str], list[str]]:
    """The JS/CSS links st_folium collects from the map's elements (its `walk`)."""
    css, js = [], []

    def walk(el):
        if isinstance(el, branca.colormap.ColorMap):
            yield el
        if isinstance(el, folium.elements.JSCSSMixin):
            yield el
        for child in getattr(el, "_children", {}).values():
            yield from walk(child)

    for el in walk(fmap):
        if isinstance(el, branca.colormap.ColorMap):
            js.insert(0, "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js")
            js.insert(0, "https://d3js.org/d3.v4.min.js")
        css.extend(href for _, href in getattr(el, "default_css", []))
        js.extend(src for _, src in getattr(el, "default_js", []))
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


def url_base() -> str:
    """Where the browser finds the vendored map assets: /app/static/vendor/, behind `server.baseUrlPath` if set."""
    prefix = (st.get_option("server.baseUrlPath") or "").strip("/")
    return (f"/{prefix}" if prefix else "") + DEFAULT_URL_BASE


def app_url(url: str) -> str:
    """A root-absolute URL of this app (such as the local tiles' /app/static/tiles/...) behind `server.baseUrlPath`;
    other URLs (online tiles, '') as they are."""
    prefix = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{prefix}{url}" if prefix and url.startswith("/") and not url.startswith("//") else url


def render(m: folium.Map) -> RenderedMap:
    """Point the map at the local assets (offline.localise_map) and render it the way st_folium does; `m` itself
    is left as it was."""
    fmap = localise_map(copy.deepcopy(m), url_base=url_base())  # rendering renames the map's elements
    fmap.get_root().render()
    fmap.render()
    html = sf._get_html(fmap)
    header = sf._get_header(fmap)
    script = sf._get_map_string(fmap) + INSTANT_CLICK_JS
    try:
        bounds = fmap.get_bounds()
    except AttributeError:
        bounds = [[None, None], [None, None]]
    css, js = _links(fmap)
    return RenderedMap(script=script, header=header, html=html, map_id=sf.get_full_id(fmap), css_links=tuple(css),
                       js_links=tuple(js), bounds=tuple(tuple(b) for b in bounds),
                       zoom=fmap.options.get("zoom") if hasattr(fmap, "options") else {},
                       digest=hashlib.sha256(script.encode()).hexdigest())


def show(rendered: RenderedMap, *, key: str, height: int, returned_objects: Iterable[str] | None = (),
         on_change: Callable[[dict], None] | None = None) -> dict:
    """Put the rendered map on the page (full width); returns the component's value (as st_folium).

    `on_change(value)` runs as a callback, before the script reruns, when the user changed something the map
    returns (a click): whatever it puts in session_state is there for the whole rerun, so one run shows its effect.
    """
    returned = list(returned_objects) if returned_objects is not None else None
    ckey = rendered.component_key(key)

    def _changed():
        value = st.session_state.get(ckey) or {}
        st.session_state[key] = value
        if on_change is not None:
            on_change(value)

    return sf._component_func(
        script=rendered.script, header=rendered.header, html=rendered.html, id=rendered.map_id, key=ckey,
        height=height, width=None, returned_objects=returned, default=rendered.defaults(returned), zoom=None,
        center=None, feature_group=None, return_on_hover=False, layer_control=None, pixelated=False,
        css_links=list(rendered.css_links), js_links=list(rendered.js_links), on_change=_changed,
        wrap_longitude=False)
