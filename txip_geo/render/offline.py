"""Point folium/streamlit-folium maps at the JS/CSS copies in static/vendor/ so they work with no internet."""

from __future__ import annotations

import functools
import json
import re
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import folium
from branca.colormap import ColorMap
from branca.element import Element, Figure, JavascriptLink, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from txip_geo.paths import ROOT

# Where the vendored files live relative to the app root, as Streamlit serves them
# (``server.enableStaticServing = true`` serves ``./static/*`` at ``/app/static/*``).
LOCAL_PREFIX = "app/static/vendor/"

# streamlit-folium's component is an iframe served from /component/<name>/index.html,
# so a relative "app/static/..." link resolves under /component/... and 404s there
# (checked in a browser, see tests/browser/test_offline_map.py). The links handed
# to the component are therefore root-absolute. Behind server.baseUrlPath, pass
# url_base="/<baseUrlPath>/app/static/vendor/" to localise_map().
DEFAULT_URL_BASE = "/" + LOCAL_PREFIX

STATIC_DIR = ROOT / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
MANIFEST_PATH = VENDOR_DIR / "manifest.json"

_D3_V3 = "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js"
_LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"


@functools.cache
def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, Any]:
    """The manifest written by scripts/vendor_map_assets.py (cached; ``load_manifest.cache_clear()``)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def url_map(url_base: str = DEFAULT_URL_BASE) -> dict[str, str]:
    """CDN URL -> local URL for every asset in the manifest."""
    base = url_base if url_base.endswith("/") else url_base + "/"
    return {url: base + entry["path"] for url, entry in load_manifest()["assets"].items()}


def local_url(cdn_url: str, url_base: str = DEFAULT_URL_BASE) -> str:
    """Local URL of one vendored CDN URL (KeyError when it is not vendored)."""
    return url_map(url_base)[cdn_url]


# --------------------------------------------------------------------------------------
# Helper elements
# --------------------------------------------------------------------------------------


class _LocalColorMap(JSCSSMixin):
    """Stand-in for a branca ColorMap legend that loads d3 from the local copy.

    streamlit-folium inserts two CDN d3 URLs for every element that *is a*
    ``branca.colormap.ColorMap``; this wrapper is not one, renders the very same
    legend script (attributes are read through from the wrapped colormap) and
    declares the local d3 3.5.5 the legend template needs as its ``default_js``.
    """

    def __init__(self, colormap: ColorMap, d3_url: str):
        super().__init__()
        self._colormap = colormap
        self._name = colormap._name
        self._id = colormap._id
        self._template = colormap._template
        self.default_js = [("d3", d3_url)]
        self.default_css = []

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes the wrapper lacks: color_range, caption, width ...
        colormap = self.__dict__.get("_colormap")
        if colormap is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(colormap, name)

    def render(self, **kwargs: Any) -> None:
        colormap = self._colormap
        colormap._parent = self._parent
        colormap._id = self._id
        colormap.render(**kwargs)  # computes color_range/tick_labels, adds the legend script
        figure = self.get_root()
        if isinstance(figure, Figure):
            # same name "d3": replaces the CDN link ColorMap.render() just added
            for name, url in self.default_js:
                figure.header.add_child(JavascriptLink(url), name=name)


class _LeafletImagePath(MacroElement):
    """Sets ``L.Icon.Default.imagePath`` to the local Leaflet images.

    Leaflet otherwise guesses it from leaflet.css, which streamlit-folium attaches
    only as the map script starts; before the CSS applies Leaflet falls back to the
    <link> href minus "leaflet.css" and one more character (".../dist"), and asks
    for ".../distmarker-icon.png" (404, seen in the browser test without this).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.Icon.Default.imagePath = {{ this.image_path|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, image_path: str):
        super().__init__()
        self._name = "LeafletImagePath"
        self.image_path = image_path


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def _walk(root: Element) -> Iterator[tuple[Element | None, str | None, Element]]:
    """(parent, key in parent._children, element) for root and every descendant."""
    stack: list[tuple[Element | None, str | None, Element]] = [(None, None, root)]
    seen: set[int] = set()
    while stack:
        parent, key, elem = stack.pop()
        if id(elem) in seen:
            continue
        seen.add(id(elem))
        yield parent, key, elem
        children = getattr(elem, "_children", None) or {}
        stack.extend((elem, k, c) for k, c in reversed(list(children.items())))
        for attr in ("m1", "m2"):  # folium.plugins.DualMap
            sub = getattr(elem, attr, None)
            if isinstance(sub, folium.Map):
                stack.append((None, None, sub))


def _nearest_map(elem: Element | None) -> folium.Map | None:
    while elem is not None and not isinstance(elem, folium.Map):
        elem = elem._parent
    return elem


# folium.Map loads these for every map, but only folium.Icon markers (Leaflet.awesome-markers, drawn with Bootstrap
# glyphicons or Font Awesome) use them; nothing else folium draws needs jQuery or Bootstrap. Left out, a map loads
# 3 scripts fewer, one after the other (jQuery, Bootstrap, awesome-markers: 170 KB) and 440 KB less CSS.
ICON_ONLY_ASSETS = frozenset(
    {
        "jquery",
        "bootstrap",
        "awesome_markers",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)


def drop_unused_assets(m: folium.Map) -> folium.Map:
    """Leave out of ``m`` (and any map inside it) folium's default assets that only icon markers use, unless the
    map has a ``folium.Icon``; returns ``m``. Set per instance, as in :func:`localise_map`."""
    elems = [e for _, _, e in _walk(m)]
    if any(isinstance(e, folium.Icon) for e in elems):
        return m
    for fmap in (e for e in elems if isinstance(e, folium.Map)):
        for attr in ("default_js", "default_css"):
            setattr(fmap, attr, [(name, url) for name, url in getattr(fmap, attr) if name not in ICON_ONLY_ASSETS])
    return m


def localise_map(m: folium.Map, *, url_base: str = DEFAULT_URL_BASE) -> folium.Map:
    """Rewrite every vendored CDN link of ``m`` and its descendants to the local copy; returns ``m``.

    Links are set per instance (``elem.default_js = [...]``): folium keeps these
    lists on the class, shared by every map, and they are left untouched. Call it
    after the last element was added and before ``st_folium`` / ``m.save``; it is
    idempotent. Links that are not vendored stay as they are --
    :func:`external_urls` on the rendered HTML lists them. Assets no element of the map uses are left out
    (:func:`drop_unused_assets`).
    """
    drop_unused_assets(m)
    urls = url_map(url_base)
    for parent, key, elem in list(_walk(m)):
        if isinstance(elem, ColorMap) and parent is not None and key is not None:
            proxy = _LocalColorMap(elem, urls[_D3_V3])
            # The legend is a map control: like folium.Choropleth.render() does for its
            # colour scale, point it at the nearest map even when nested deeper.
            proxy._parent = _nearest_map(parent) or parent
            parent._children[key] = proxy
            elem = proxy
        for attr in ("default_js", "default_css"):
            links = getattr(elem, attr, None)
            if links:
                setattr(elem, attr, [(name, urls.get(url, url)) for name, url in links])

    maps = [e for _, _, e in _walk(m) if isinstance(e, folium.Map)]
    image_path = urls[_LEAFLET_JS].rsplit("/", 1)[0] + "/images/"
    for fmap in maps:
        if not any(isinstance(c, _LeafletImagePath) for c in fmap._children.values()):
            el = _LeafletImagePath(image_path)
            el._parent = fmap
            fmap._children = OrderedDict([(el.get_name(), el), *fmap._children.items()])
    return m


_URL_RE = re.compile(r"""https?://[^\s"'<>()\\`]+""")
_PROTOCOL_RELATIVE_RE = re.compile(r"""(?:src|href)\s*=\s*\\?["'](//[^"'\\\s]+)""", re.I)
_TILE_RE = re.compile(r"\{-?[sxyzr]\}")


def external_urls(html: str) -> list[str]:
    """Every http(s) (or protocol-relative src/href) URL a rendered map's HTML still refers to, except tile templates.

    Also left out, since a browser fetches nothing for them: ``<a href>`` links
    (tile attributions), XML namespace names (``http://www.w3.org/...``) and URLs
    in ``//`` comments of the inline script.
    """
    found: set[str] = set()
    for line in html.splitlines():
        for mt in _URL_RE.finditer(line):
            url = mt.group(0).rstrip(".,;")
            before = line[: mt.start()]
            if _TILE_RE.search(url):
                continue
            if url.startswith(("http://www.w3.org/", "https://www.w3.org/")):
                continue
            if re.search(r"<a\s[^>]*href=\\?[\"']?$", before, re.I):
                continue
            if re.match(r"^\s*//", line) or re.search(r"(^|[\s;{}])//[^\"']*$", before):
                continue
            found.add(url)
        for mt in _PROTOCOL_RELATIVE_RE.finditer(line):  # src="//host/..." loads over the network too
            if not _TILE_RE.search(mt.group(1)):
                found.add(mt.group(1))
    return sorted(found)


def missing_assets(*, verify_hashes: bool = False) -> list[dict[str, Any]]:
    """Manifest entries (URL assets and the files they pull in) whose files are absent from static/vendor/."""
    manifest = load_manifest()
    missing: list[dict[str, Any]] = []
    for url, entry in manifest["assets"].items():
        path = VENDOR_DIR / entry["path"]
        if not path.is_file():
            missing.append({"url": url, **entry})
    asset_paths = {e["path"] for e in manifest["assets"].values()}
    for rel, info in manifest["files"].items():
        if rel in asset_paths:
            continue
        path = VENDOR_DIR / rel
        if not path.is_file():
            missing.append({"url": None, "path": rel, **info})
    if verify_hashes:
        import hashlib

        for rel, info in manifest["files"].items():
            path = VENDOR_DIR / rel
            if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() != info["sha256"]:
                missing.append({"url": None, "path": rel, "modified": True, **info})
    return missing
