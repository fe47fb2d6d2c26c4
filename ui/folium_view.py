"""Folium maps on a page, rendered once per cached map.

A map is rendered once (`render`: folium's jinja over every element, then streamlit-folium's regular expressions over
the result, ≈0.4 s for the township map with 5,000 points) into an immutable `RenderedMap`, cached with the map.
Each run only passes it on, unchanged, so Streamlit re-sends only a reference to a map the browser already has (the
selection outline is drawn by ui/map_overlay.py, not through the map's arguments).

`show` puts it on the page in one of two ways:

* **inline** (every map that reports at most a click: 地图, 网络覆盖, 联席会议): an `st.components.v2` component
  whose JavaScript runs in the app page itself. Leaflet and its plugins are loaded once per page from the vendored
  assets, the map is drawn inside the component's shadow root (Streamlit's styles stay out of it, Leaflet's stay
  in), and a click on a township is reported at once as a trigger. No iframe: streamlit-folium's frame used to load
  its own 225 KB bundle, wait until Streamlit had measured the column, and receive the map script through
  `postMessage` — ≈0.4 s of a first render on a 2-core machine (docs/performance.md).
* **in streamlit-folium's frame** (the 边界 page's drawing map, which returns the drawn shapes): the arguments
  st_folium itself would compute, so its Draw tools report as they do there.

Tied to streamlit-folium's internals (pinned in requirements.txt); tests/test_folium_view.py checks that the
arguments equal those st_folium computes for the same map, so an upgrade that changes them fails there first.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import branca
import folium
import folium.elements
import streamlit as st
import streamlit_folium as sf

from txip_geo.render.offline import DEFAULT_URL_BASE, localise_map
from txip_geo.strings import t


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
    inline_script: str = ""  # the script with its map created on `map_el` (the inline component)

    def defaults(self, returned_objects: Iterable[str] | None) -> dict:
        """The component's value before the user touched the map (as st_folium's `_defaults`)."""
        (s, w), (n, e) = self.bounds
        base = {
            "last_clicked": None,
            "last_object_clicked": None,
            "last_object_clicked_count": None,
            "last_object_clicked_tooltip": None,
            "last_object_clicked_popup": None,
            "all_drawings": None,
            "last_active_drawing": None,
            "bounds": {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}},
            "zoom": self.zoom,
            "last_circle_radius": None,
            "last_circle_polygon": None,
            "selected_layers": None,
            "selected_tags": None,
            "last_geocoder_result": None,
        }
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
    script = sf._get_map_string(fmap)
    try:
        bounds = fmap.get_bounds()
    except AttributeError:
        bounds = [[None, None], [None, None]]
    css, js = _links(fmap)
    return RenderedMap(
        script=script,
        header=header,
        html=html,
        map_id=sf.get_full_id(fmap),
        css_links=tuple(css),
        js_links=tuple(js),
        bounds=tuple(tuple(b) for b in bounds),
        zoom=fmap.options.get("zoom") if hasattr(fmap, "options") else {},
        digest=hashlib.sha256(script.encode()).hexdigest(),
        inline_script=inline_script(script),
    )


_MAP_CREATE = re.compile(r'L\.map\(\s*"map_div"')


def inline_script(script: str) -> str:
    """streamlit-folium's map script with its map created on the element `map_el` instead of the element whose id is
    "map_div" (which `document.getElementById` would not find inside a shadow root). Run as the body of a function
    of `map_el`, every `var` of the script stays local to it."""
    out, n = _MAP_CREATE.subn("L.map(map_el", script, count=1)
    if n != 1:
        raise ValueError('folium map script without L.map("map_div", ...): streamlit-folium changed its output')
    return out


# Runs in the app page (an ES module, its default export called with each new `data`). `data`: the rendered map's
# parts, its height, whether to report clicks, and the text shown should the map's scripts not load.
INLINE_JS = r"""
const assets = (window.__txipMapAssets = window.__txipMapAssets || {});

function loadScript(url) {
  // Once per page, in the order given (async=false keeps the order of dynamically added scripts).
  if (!assets[url]) assets[url] = new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = url; s.async = false;
    s.onload = resolve; s.onerror = () => reject(new Error(url));
    document.head.appendChild(s);
  });
  return assets[url];
}

function loadCss(parent, url) {
  return new Promise((resolve) => {
    const l = document.createElement('link');
    l.rel = 'stylesheet'; l.href = url; l.onload = l.onerror = resolve;
    parent.appendChild(l);
  });
}

function runScripts(from) {
  from.querySelectorAll('script').forEach((s) => { if (!s.src) new Function(s.textContent)(); });
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement;            // the shadow root
  const host = root.host || root;        // the component's element in the page
  const state = host.__txipMapState || (host.__txipMapState = { digest: null, map: null, build: 0 });
  host.setAttribute('data-txip-map', '');
  // Never faded as "stale" while its fragment reruns: the fade would repaint the map's thousands of elements on every
  // click on a township, which reruns that fragment and leaves the map as it is.
  const box = host.closest('[data-testid="stElementContainer"]');
  if (box) { box.style.setProperty('opacity', '1', 'important'); box.style.setProperty('transition', 'none', 'important'); }
  state.report = data.report_clicks ? setTriggerValue : null;
  if (state.digest === data.digest && state.height === data.height) return state.cleanup;
  state.digest = data.digest; state.height = data.height;
  const build = ++state.build;
  if (state.map) { state.map.remove(); state.map = null; }

  const wrap = document.createElement('div');
  wrap.className = 'txip-map-wrap';
  // Laid out and painted apart from the page: a panel redrawn beside the map does not make the browser look
  // through the map's thousands of elements again (as the iframe did by being a document of its own).
  wrap.style.cssText = 'position:relative;width:100%;contain:strict;height:' + data.height + 'px';
  const header = document.createElement('template');
  header.innerHTML = data.header;
  header.content.querySelectorAll('style').forEach((s) => wrap.appendChild(s.cloneNode(true)));
  const el = document.createElement('div');
  el.className = 'folium-map'; el.id = 'map_div';
  el.style.cssText = 'position:relative;width:100%;height:' + data.height + 'px';
  wrap.appendChild(el);
  const html = document.createElement('div');
  html.innerHTML = data.html;
  wrap.appendChild(html);
  root.replaceChildren(wrap);

  const css = Promise.all(data.css_links.map((u) => loadCss(root, u)));
  Promise.all([css, ...data.js_links.map(loadScript)]).then(() => {
    if (build !== state.build) return;   // a newer map arrived meanwhile
    runScripts(header.content);
    const map = new Function('map_el', data.script + '\n;return map_div;')(el);
    state.map = map;
    host.__txipMap = map;
    let last = null;
    const onClick = (e) => {
      // A township's polygon, its layer group and the map may all fire for one click: report it once.
      if (!state.report || !e.latlng || (e.originalEvent && e.originalEvent === last)) return;
      last = e.originalEvent;
      state.report('click', { lat: e.latlng.lat, lng: e.latlng.lng });
    };
    map.eachLayer((layer) => { if (layer && typeof layer.on === 'function') layer.on('click', onClick); });
    // And the map's own: a click whose element was redrawn between press and release (a hovered area brought to
    // the front) reaches the browser as a click on the layer's parent, which Leaflet reports as the map's.
    map.on('click', onClick);
    host.dispatchEvent(new CustomEvent('txip-map-ready', { bubbles: true }));
  }).catch((err) => {
    console.error('txip-geo map:', err);
    if (build !== state.build) return;
    const p = document.createElement('p');
    p.setAttribute('role', 'alert');
    p.style.cssText = 'padding:1rem;color:#a63603';
    p.textContent = data.failed + ' (' + (err && err.message || err) + ')';
    root.replaceChildren(p);
  });
  state.cleanup = () => {
    state.build++;   // a map still loading is not drawn after the component went away
    if (state.map) state.map.remove();
    state.map = null; state.digest = null; host.__txipMap = null;
  };
  return state.cleanup;
}
"""

_inline = st.components.v2.component("txip_map", js=INLINE_JS)
INLINE_RETURNS = {"last_object_clicked"}  # what an inline map can report


def show(
    rendered: RenderedMap,
    *,
    key: str,
    height: int,
    returned_objects: Iterable[str] | None = (),
    on_change: Callable[[dict], None] | None = None,
) -> dict:
    """Put the rendered map on the page (full width); returns the map's value: `{"last_object_clicked": {"lat",
    "lng"}}` after a click on one of its layers (as st_folium), else {}.

    `on_change(value)` runs as a callback, before the script reruns, when the user changed something the map
    returns (a click): whatever it puts in session_state is there for the whole rerun, so one run shows its effect.
    A map that returns no more than `last_object_clicked` is drawn inline (module docstring); any other, in
    streamlit-folium's frame.
    """
    returned = list(returned_objects) if returned_objects is not None else None
    if returned is not None and set(returned) <= INLINE_RETURNS:
        return _show_inline(
            rendered, key=key, height=height, clicks="last_object_clicked" in returned, on_change=on_change
        )
    return _show_framed(rendered, key=key, height=height, returned=returned, on_change=on_change)


def inline_data(rendered: RenderedMap, *, height: int, clicks: bool) -> dict:
    """What the inline component is given for a map."""
    return {
        "script": rendered.inline_script,
        "header": rendered.header,
        "html": rendered.html,
        "css_links": list(rendered.css_links),
        "js_links": list(rendered.js_links),
        "height": height,
        "digest": rendered.digest,
        "report_clicks": clicks,
        "failed": t("map.load_failed"),
    }


def _show_inline(
    rendered: RenderedMap, *, key: str, height: int, clicks: bool, on_change: Callable[[dict], None] | None
) -> dict:
    def _clicked():
        click = (st.session_state.get(key) or {}).get("click")
        if click and on_change is not None:
            on_change({"last_object_clicked": click})

    result = _inline(
        key=key,
        data=inline_data(rendered, height=height, clicks=clicks),
        height=height,
        on_click_change=_clicked if clicks else None,
    )
    click = result.get("click") if clicks and result is not None else None
    return {"last_object_clicked": click} if click else {}


def _show_framed(
    rendered: RenderedMap,
    *,
    key: str,
    height: int,
    returned: list[str] | None,
    on_change: Callable[[dict], None] | None,
) -> dict:
    ckey = rendered.component_key(key)

    def _changed():
        value = st.session_state.get(ckey) or {}
        st.session_state[key] = value
        if on_change is not None:
            on_change(value)

    return sf._component_func(
        script=rendered.script,
        header=rendered.header,
        html=rendered.html,
        id=rendered.map_id,
        key=ckey,
        height=height,
        width=None,
        returned_objects=returned,
        default=rendered.defaults(returned),
        zoom=None,
        center=None,
        feature_group=None,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(rendered.css_links),
        js_links=list(rendered.js_links),
        on_change=_changed,
        wrap_longitude=False,
    )
