"""Folium maps: areas coloured by an indicator (true zero and missing styled apart), labels, notices, point layers.

The only module that knows folium. Everything it draws comes in as data frames; nothing here reads the store.

Length: every folium element the app's maps use (controls, legend, the area layers' packed topology and its page
script, point layers) stays in this one module, the only one that knows folium and Leaflet.
"""

from __future__ import annotations

import html
import inspect
import json

import folium
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from txip_geo.areas import topology as topo
from txip_geo.present.mapspec import (
    MISSING_COLOR,
    OUTLINE_COLOR,
    PARK_COLOR,
    SELECTED_COLOR,
    ChangeScale,
    MapSpec,
    PointLayer,
    area_style,
    area_texts,
    classify,
    legend_notes,
    point_legend,
    spec_legend_entries,
    spec_legend_title,
    text_html,
)
from txip_geo.strings import t


def _escaped_names(gdf):
    """GeoJsonTooltip inserts property values as HTML: names go in escaped."""
    return gdf.assign(name=gdf["name"].map(lambda v: text_html(v) if isinstance(v, str) else v))


def _notice_html(spec: MapSpec) -> str:
    badges = []
    if spec.schematic:
        text = spec.schematic_text or t("app.schematic_notice")
        badges.append(f'<div class="txip-badge txip-schematic">{html.escape(text)}</div>')
    if spec.sample:
        badges.append(f'<div class="txip-badge txip-sample">{html.escape(t("app.sample_short"))}</div>')
    if spec.as_of:
        badges.append(f'<div class="txip-badge txip-asof">{html.escape(t("app.as_of", date=spec.as_of))}</div>')
    return '<div class="txip-notices">' + "".join(badges) + "</div>"


def _legend_html(spec: MapSpec, classes: bool = True) -> str:
    """The legend box: title, classes, points, notes; `classes=False`: the points alone ('' when there are none)."""

    hatched = isinstance(spec.breaks, ChangeScale)  # a change map hatches its areas with no baseline

    def row(c, lbl, cls="txip-swatch"):
        dashed = "border:1px dashed #636363;" if c == MISSING_COLOR else ""
        if hatched and c == MISSING_COLOR and cls == "txip-swatch":
            dashed += HATCH_CSS
        return (
            f'<div class="txip-lg-row"><span class="{cls}" style="background:{c};{dashed}"></span>'
            f"{html.escape(lbl)}</div>"
        )

    pts = point_legend(spec.points)
    dots = "".join(row(c, lbl, "txip-dot") for c, lbl in pts)
    if not classes:
        return (
            (
                f'<div class="txip-legend"><div class="txip-lg-title">{html.escape(t("map.legend_points"))}</div>'
                f"{dots}</div>"
            )
            if pts
            else ""
        )
    rows = "".join(row(c, lbl) for c, lbl in spec_legend_entries(spec))
    if pts:
        rows += f'<div class="txip-lg-sub">{html.escape(t("map.legend_points"))}</div>' + dots
    extra = "".join(f'<div class="txip-lg-note">{html.escape(x)}</div>' for x in legend_notes(spec))
    title = html.escape(spec_legend_title(spec))
    return f'<div class="txip-legend"><div class="txip-lg-title">{title}</div>{rows}{extra}</div>'


# The right-hand column of the web map (layer switcher, notices, legend, scale bar): its width in CSS pixels.
# `build_map` fits the county into the map less this column, so at the first view nothing covers the county.
COLUMN_PX = 232
CONTROL_MARGIN_PX = 10  # Leaflet's margin around a control
ZOOM_CONTROL_PX = 34 + CONTROL_MARGIN_PX  # the zoom buttons, top left
FIT_PADDING_TOP_LEFT = (ZOOM_CONTROL_PX + 6, 10)
FIT_PADDING_BOTTOM_RIGHT = (COLUMN_PX + 2 * CONTROL_MARGIN_PX, 10)


CSS = """
<style>
.txip-notices{display:flex;flex-direction:column;align-items:flex-end;gap:3px;pointer-events:none;width:{W}px}
.leaflet-interactive:focus{outline:none}
.txip-badge{font:12px/1.35 'WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC',sans-serif;padding:2px 7px;border-radius:4px;
 background:rgba(255,255,255,.92);border:1px solid #969696;color:#252525}
.txip-schematic{border-color:#d94801;color:#a63603;font-weight:bold}
.txip-sample{background:#fff5eb;border-color:#fd8d3c;color:#a63603}
.txip-legend{background:rgba(255,255,255,.94);padding:6px 9px;box-sizing:border-box;width:{W}px;
 border:1px solid #bdbdbd;border-radius:4px;font:12px/1.4 'WenQuanYi Micro Hei','Microsoft YaHei',sans-serif}
.txip-lg-title{font-weight:bold;margin-bottom:3px}
.txip-swatch{display:inline-block;width:18px;height:11px;margin-right:6px;vertical-align:middle;border:1px solid #969696}
.txip-dot{display:inline-block;width:10px;height:10px;margin:0 10px 0 4px;vertical-align:middle;border-radius:50%;
 border:1px solid #fff;box-shadow:0 0 0 1px #bdbdbd}
.txip-lg-sub{margin-top:4px;color:#525252}
.txip-lg-note{margin-top:3px;color:#525252;font-size:11.5px}
.txip-control{clear:both}
.leaflet-right .leaflet-control-layers,.leaflet-right .leaflet-control-scale{box-sizing:border-box;max-width:{W}px}
.txip-label{display:inline-block;font:12px/1.1 'WenQuanYi Micro Hei','Microsoft YaHei',sans-serif;color:#252525;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;
 white-space:nowrap;transform:translate(-50%,-50%);pointer-events:none;text-align:center}
.txip-label b{font-size:11px;color:#08306b}
</style>
""".replace("{W}", str(COLUMN_PX))


class LabelDeclutter(MacroElement):
    """Keeps area labels from overlapping, again after every zoom or move: larger areas' labels go first
    (`data-prio`); a label that would overlap one already shown first tries moving 0.4 of its height up or down,
    0.4 of its width left or right, or both (its area's point still lies within the label, so it stays with its
    area), else it hides until the user zooms in. Not while the map is detached or has no size (every label box
    would be empty: none would seem to overlap); again when the map's size changes (ResizeObserver)."""

    _template = Template(
        "{% macro script(this, kwargs) %}(function(){var map={{ this._parent.get_name() }};"
        "function hits(r,shown){return shown.some(function(q){return r.left<q.right+2&&r.right+2>q.left&&"
        "r.top<q.bottom&&r.bottom>q.top;});}"
        "function declutter(){var box=map.getContainer();if(!box.isConnected||!box.offsetWidth)return;"
        "var els=Array.prototype.slice.call(box.querySelectorAll('.txip-label'));"
        "els.sort(function(a,b){return (+b.dataset.prio)-(+a.dataset.prio);});var shown=[];"
        "els.forEach(function(el){el.style.visibility='visible';el.style.transform='';var r=el.getBoundingClientRect();"
        "var h=r.height*0.4,w=r.width*0.4,ok=null;[[0,0],[0,-h],[0,h],[-w,0],[w,0],[-w,-h],[w,-h],[-w,h],[w,h]]"
        ".some(function(d){var q={left:r.left+d[0],right:r.right+d[0],top:r.top+d[1],bottom:r.bottom+d[1]};"
        "if(!hits(q,shown)){ok=[d,q];return true;}return false;});"
        "if(ok===null){el.style.visibility='hidden';}else{if(ok[0][0]||ok[0][1]){el.style.transform="
        "'translate(calc(-50% + '+ok[0][0]+'px),calc(-50% + '+ok[0][1]+'px))';}shown.push(ok[1]);}});}"
        "map.on('zoomend moveend resize',declutter);map.whenReady(function(){setTimeout(declutter,0);});"
        "if(window.ResizeObserver){new ResizeObserver(function(){declutter();}).observe(map.getContainer());}"
        "setTimeout(declutter,300);})();{% endmacro %}"
    )

    def __init__(self):
        super().__init__()
        self._name = "LabelDeclutter"


class MapControl(MacroElement):
    """A Leaflet control holding fixed HTML (legend, notices): part of the map script, so it survives any embedding."""

    # Class-level template: folium elements must survive copy.deepcopy (st_folium is handed a copy).
    _template = Template(
        "{% macro script(this, kwargs) %}(function(){var c=L.control({position:{{ this.position_json }}});"
        "c.onAdd=function(){var d=L.DomUtil.create('div','txip-control');d.innerHTML={{ this.html_json }};"
        "L.DomEvent.disableClickPropagation(d);return d;};c.addTo({{ this._parent.get_name() }});})();"
        "{% endmacro %}"
    )

    def __init__(self, html_text: str, position: str):
        super().__init__()
        self._name = "TxipControl"
        self.position_json = json.dumps(position)
        self.html_json = json.dumps(html_text, ensure_ascii=False).replace("</", "<\\/")


def points_legend_control(spec: MapSpec) -> MapControl | None:
    """The legend of the spec's points alone (for a view that drops the class legend), at the foot of the right-hand
    column; None when no points are drawn."""
    text = _legend_html(spec, classes=False)
    return MapControl(text, "bottomright") if text else None


HATCH_ID = "txip-hatch"
# The legend swatch of the hatched class (the areas' own pattern: HatchPattern).
HATCH_CSS = "background-image:repeating-linear-gradient(45deg,#9e9e9e 0 1px,transparent 1px 5px);"


class HatchPattern(MacroElement):
    """A diagonal hatch (SVG pattern HATCH_ID) in the map's SVG, for areas filled with `url(#txip-hatch) colour`
    (the colour stays as the fallback): the change map's areas with no baseline."""

    _template = Template(
        "{% macro script(this, kwargs) %}(function(){var map={{ this._parent.get_name() }};"
        "function add(){var svg=map.getPanes().overlayPane.querySelector('svg');"
        "if(!svg||svg.querySelector('#" + HATCH_ID + "'))return;var ns='http://www.w3.org/2000/svg';"
        "var defs=document.createElementNS(ns,'defs'),p=document.createElementNS(ns,'pattern');"
        "p.setAttribute('id','" + HATCH_ID + "');p.setAttribute('patternUnits','userSpaceOnUse');"
        "p.setAttribute('width','7');p.setAttribute('height','7');p.setAttribute('patternTransform','rotate(45)');"
        "var r=document.createElementNS(ns,'rect');r.setAttribute('width','7');r.setAttribute('height','7');"
        "r.setAttribute('fill','" + MISSING_COLOR + "');var l=document.createElementNS(ns,'line');"
        "l.setAttribute('x1','0');l.setAttribute('y1','0');l.setAttribute('x2','0');l.setAttribute('y2','7');"
        "l.setAttribute('stroke','#9e9e9e');l.setAttribute('stroke-width','2');p.appendChild(r);p.appendChild(l);"
        "defs.appendChild(p);svg.insertBefore(defs,svg.firstChild);}"
        "add();map.whenReady(add);map.on('layeradd',add);})();{% endmacro %}"
    )

    def __init__(self):
        super().__init__()
        self._name = "HatchPattern"


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (folium's `control_scale` adds miles and feet)."""

    _template = Template(
        "{% macro script(this, kwargs) %}L.control.scale({metric: true, imperial: false, maxWidth: {{ this.max_width }},"
        " position: {{ this.position_json }}}).addTo({{ this._parent.get_name() }});{% endmacro %}"
    )

    def __init__(self, position: str = "bottomright", max_width: int = 120):
        super().__init__()
        self._name = "MetricScale"
        self.position_json = json.dumps(position)
        self.max_width = int(max_width)


# -- area layers as one TopoJSON topology (txip_geo/areas/topology.py) -------------------------------------------------

# topojson-client, vendored (static/vendor/manifest.json; offline.localise_map points the map at the local copy).
TOPOJSON_CLIENT_URL = "https://cdn.jsdelivr.net/npm/topojson-client@3.1.0/dist/topojson-client.min.js"
# Grid step of the topology's coordinates, degrees: the 5 decimals simplify.for_display rounds to (≈1 m; a CSS pixel
# is ≈25 m at the township map's zoom + 2, ≈400 m on the province's).
TOPOLOGY_QUANTUM = 1e-5


class _RawScript(Element):
    """Script text added to the page as it is (not parsed as a jinja template, as folium does with every script)."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs):
        return self.text


# The page's unpacking of topo.pack's form into the TopoJSON topology topo.encode made (topo.unpack in Python;
# tests/test_topology.py runs this text under node against it): geometry type from the nesting of its arc indices,
# ids from the positions unless listed, each layer's property lists back into one object per feature, arcs in pairs.
UNPACK_JS = (
    "function(p){var o={};Object.keys(p.o).forEach(function(k){var L=p.o[k],c=L.p,n=c?Object.keys(c):[];"
    "o[k]={type:'GeometryCollection',geometries:L.g.map(function(a,i){var g=a===null?{type:null}:"
    "{type:typeof a[0][0]==='number'?'Polygon':'MultiPolygon',arcs:a},d=L.i?L.i[i]:String(i);"
    "if(d!==null)g.id=d;if(L.P){if(L.P[i]&&Object.keys(L.P[i]).length)g.properties=L.P[i];}"
    "else if(n.length){g.properties={};n.forEach(function(m){g.properties[m]=c[m][i];});}return g;})};});"
    "return{type:'Topology',transform:{scale:p.k,translate:p.t},objects:o,arcs:p.a.map(function(a){"
    "var r=[];for(var j=0;j<a.length;j+=2)r.push([a[j],a[j+1]]);return r;})};}"
)


def topology_json(layers: dict[str, dict], quantum: float = TOPOLOGY_QUANTUM) -> str:
    """The text the page gets for these GeoJSON layers: their topology (topo.encode), packed (topo.pack)."""
    return topo.to_json(topo.pack(topo.encode(layers, quantum)))


class Topology(JSCSSMixin):
    """The map's polygon layers (TopoGeoJson) as one TopoJSON topology, in a page variable: every shared border
    is sent once, quantised and delta-encoded (txip_geo/areas/topology.py), packed (names of properties once per
    layer, arcs as flat lists; unpacked in the page by UNPACK_JS) and turned back into GeoJSON in the browser by
    topojson-client. Added to the map before its layers (it is their data)."""

    default_js = [("topojson_client", TOPOJSON_CLIENT_URL)]
    # streamlit-folium builds its script from this macro; `render` (a whole page) writes the same text.
    _template = Template("{% macro script(this, kwargs) %}{{ this.script_text }}{% endmacro %}")

    def __init__(self, quantum: float = TOPOLOGY_QUANTUM):
        super().__init__()
        self._name = "Topology"
        self.quantum = quantum
        self.layers: list[TopoGeoJson] = []
        self._json: str | None = None

    @property
    def json(self) -> str:
        """The packed topology as compact JSON, computed once from the layers' GeoJSON (the map does not change
        after it is built)."""
        if self._json is None:
            self._json = topology_json({lyr.object_key: lyr.data for lyr in self.layers}, self.quantum)
        return self._json

    @property
    def script_text(self) -> str:
        """The page's variable: the packed topology, unpacked (UNPACK_JS) into TopoJSON as the page loads."""
        return f"var {self.get_name()} = ({UNPACK_JS})({self.json});"

    def render(self, **kwargs):
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(folium.JavascriptLink(url), name=name)
        figure.script.add_child(_RawScript(self.script_text), name=self.get_name())


def _topo_template() -> Template:
    """folium.GeoJson's template with the layer's data taken from the topology instead of embedded as GeoJSON
    (everything else -- style, highlight, tooltip, events -- as folium.GeoJson draws it)."""
    src = inspect.getsource(folium.GeoJson)
    start = src.index('_template = Template(\n        """') + len('_template = Template(\n        """')
    text = src[start : src.index('"""', start)]
    embed = "{{ this.data|tojson }}"
    if text.count(embed) != 1:
        raise RuntimeError("folium.GeoJson's template changed: TopoGeoJson cannot take its data from a topology")
    return Template(
        text.replace(
            embed,
            "topojson.feature({{ this.topology.get_name() }}, "
            "{{ this.topology.get_name() }}.objects[{{ this.object_key|tojson }}])",
        )
    )


class TopoGeoJson(folium.GeoJson):
    """A folium.GeoJson whose features reach the browser through a Topology: the same features (ids, properties),
    styles, tooltips and events, far fewer bytes. In Python `data` stays the GeoJSON (styles, bounds, tooltips)."""

    _template = _topo_template()

    def __init__(self, data, topology: Topology, **kwargs):
        super().__init__(data, **kwargs)
        self.topology = topology
        self.object_key = f"o{len(topology.layers)}"
        topology.layers.append(self)


def sent_layer_bytes(m, names) -> int:
    """Bytes the page gets for the map's area layers with these names: their share of the topology (all of it, if
    any of them is in it) or, for a plain GeoJson layer, its embedded GeoJSON."""
    from jinja2.utils import htmlsafe_json_dumps

    total, topologies = 0, {}
    for e in m._children.values():
        if isinstance(e, TopoGeoJson) and getattr(e, "layer_name", None) in names:
            topologies[id(e.topology)] = e.topology
        elif isinstance(e, folium.GeoJson) and getattr(e, "layer_name", None) in names:
            total += len(str(htmlsafe_json_dumps(e.data)).encode("utf-8"))
    return total + sum(len(t.json.encode("utf-8")) for t in topologies.values())


def build_map(spec: MapSpec):
    """A folium.Map with no tiles (a clean canvas) unless a basemap is added by the caller."""
    areas = spec.areas
    b = spec.basemap
    bounds_src = spec.outline if spec.outline is not None and len(spec.outline) else areas
    minx, miny, maxx, maxy = bounds_src.total_bounds
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=10,
        tiles=None,
        max_zoom=18,
        min_zoom=8,
        control_scale=False,
        prefer_canvas=False,
        zoom_control=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    m.options.update(max_zoom=18, min_zoom=8)  # folium drops them with tiles=None; MarkerCluster needs max_zoom
    # The county fits beside the right-hand column (layers, notices, legend, scale) and clear of the zoom buttons:
    # at the first view no control covers an area or its label.
    m.fit_bounds(
        [[miny, minx], [maxy, maxx]],
        padding_top_left=FIT_PADDING_TOP_LEFT,
        padding_bottom_right=FIT_PADDING_BOTTOM_RIGHT,
    )
    m.get_root().header.add_child(Element(CSS))
    if b is not None and b.url:
        opts = {"subdomains": b.subdomains} if b.subdomains else {}
        folium.TileLayer(
            tiles=b.url, attr=b.credit() or b.label, name=b.label, max_zoom=b.max_zoom, control=False, **opts
        ).add_to(m)
        if b.overlay:
            folium.TileLayer(
                tiles=b.overlay,
                attr=b.credit(),
                name=t("map.tiles_labels", name=b.label),
                overlay=True,
                control=False,
                max_zoom=b.max_zoom,
                **opts,
            ).add_to(m)

    topology = Topology().add_to(m)  # the polygon layers' data: before them in the page
    if spec.neighbours is not None and len(spec.neighbours):
        TopoGeoJson(
            _escaped_names(spec.neighbours[["name", "geometry"]]).__geo_interface__,
            topology,
            name=t("map.layer_neighbours"),
            control=False,
            style_function=(lambda f: {"fillColor": "#f7f7f7", "fillOpacity": 1, "color": "#bdbdbd", "weight": 1})
            if not (b is not None and b.url)
            else (lambda f: {"fill": False, "color": "#969696", "weight": 1}),
            tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=[""], labels=False),
        ).add_to(m)

    feats = areas[["code", "name", "value", "geometry"]].copy()
    tips, values = area_texts(spec)
    feats["value_text"] = [text_html(v) for v in tips]
    feats = _escaped_names(feats)
    styles = {
        c: area_style(v, spec.breaks, c == spec.selected, spec.zero_good, spec.less_is_better)
        for c, v in zip(feats["code"], feats["value"])
    }
    if isinstance(spec.breaks, ChangeScale):  # no baseline: hatched, never the colour of "no change"
        for c, v in zip(feats["code"], feats["value"]):
            if classify(v, spec.breaks) == "missing":
                styles[c]["fillColor"] = f"url(#{HATCH_ID}) {styles[c]['fillColor']}"
        HatchPattern().add_to(m)
    if b is not None and b.url:  # let the tiles show through
        for st_ in styles.values():
            st_["fillOpacity"] = round(st_.get("fillOpacity", 0.85) * 0.6, 2)
    # The page reads the tooltip's texts (name, value_text) and, for styles, the feature's id (folium's style switch);
    # `code` stays as the areas' key (tests and page scripts find a township by it); the number itself is not sent.
    feats = feats.drop(columns="value")
    TopoGeoJson(
        feats.__geo_interface__,
        topology,
        name=spec.label,
        control=False,
        style_function=lambda f: styles[f["properties"]["code"]],
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "value_text"], aliases=["", spec.label], labels=True, sticky=False
        ),
    ).add_to(m)

    if spec.parks is not None and len(spec.parks):
        TopoGeoJson(
            _escaped_names(spec.parks[["code", "name", "geometry"]]).__geo_interface__,
            topology,
            name=t("map.layer_park_outlines"),
            style_function=lambda f: {"fill": False, "color": PARK_COLOR, "weight": 2, "dashArray": "4 3"},
            tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=[t("map.park_tooltip")], labels=True),
        ).add_to(m)

    if spec.outline is not None and len(spec.outline):
        TopoGeoJson(
            spec.outline[["geometry"]].__geo_interface__,
            topology,
            name=t("map.layer_outline"),
            control=False,
            style_function=lambda f: {"fill": False, "color": OUTLINE_COLOR, "weight": 2.5},
            interactive=False,
        ).add_to(m)

    if spec.labels:
        pts = areas.geometry.representative_point()
        # Larger areas first: where labels would overlap, the smaller area's gives way until the user zooms in.
        prio = pd.Series(shapely.area(areas.geometry.to_numpy())).rank(method="first").astype(int)  # order only
        for (_, row), p, rank, val in zip(areas.iterrows(), pts, prio, values):
            folium.Marker(
                [p.y, p.x],
                interactive=False,
                icon=folium.DivIcon(
                    html=f'<div class="txip-label" data-prio="{rank}">{html.escape(str(row["name"]))}'
                    f"<br><b>{html.escape(val)}</b></div>",
                    icon_size=(0, 0),
                ),
            ).add_to(m)
        LabelDeclutter().add_to(m)

    for layer in spec.points:
        _add_points(m, layer)
    if spec.points:
        folium.LayerControl(collapsed=False, position="topright").add_to(m)

    # One column on the right, bottom up (Leaflet stacks a bottom corner's later controls above the earlier ones):
    # the scale bar, the legend, the notices; the layer switcher at its top.
    MetricScale("bottomright").add_to(m)
    MapControl(_legend_html(spec), "bottomright").add_to(m)
    MapControl(_notice_html(spec), "bottomright").add_to(m)
    return m


class _SharedData(dict):
    """GeoJSON data that rendering only reads: copy.deepcopy shares it instead of copying thousands of features
    (pages/map.py hands st_folium a deep copy of the cached map on every rerun)."""

    def __deepcopy__(self, memo):
        return self


def _add_points(m, layer: PointLayer) -> None:
    import folium
    from folium.plugins import MarkerCluster
    from folium.utilities import JsCode

    group = folium.FeatureGroup(name=layer.name, show=layer.show)
    target = MarkerCluster(name=layer.name, disableClusteringAtZoom=14).add_to(group) if layer.cluster else group
    pts = layer.points.dropna(subset=["lon", "lat"])
    # All the points as one GeoJSON layer of circle markers: a folium element per point costs seconds to build, copy
    # and render for thousands of points (stack-facts: 3.8 s for 5,000; one GeoJson layer: 0.5 s). Each marker gets
    # its colour, radius and tooltip (escaped text) from its feature; tooltips are bound marker by marker, so they
    # also work inside a marker cluster. Coordinates to 5 decimals (about 1 m).
    radius = pts["radius"].fillna(6).replace(0, 6) if "radius" in pts.columns else pd.Series(6, index=pts.index)
    rows = zip(pts["lon"], pts["lat"], pts["color"], radius, pts["tooltip"])
    features = [
        {
            "type": "Feature",
            "id": i,
            "geometry": {"type": "Point", "coordinates": [round(float(x), 5), round(float(y), 5)]},
            "properties": {"c": str(c), "r": float(r), "t": text_html(t)},
        }
        for i, (x, y, c, r, t) in enumerate(rows)
    ]
    folium.GeoJson(
        _SharedData({"type": "FeatureCollection", "features": features}),
        name=layer.name,
        control=False,
        marker=folium.CircleMarker(radius=6, color="#ffffff", weight=1, fill=True, fill_opacity=0.95),
        on_each_feature=JsCode(
            "function(f, l) { l.setStyle({fillColor: f.properties.c}); l.setRadius(f.properties.r);"
            " l.bindTooltip(f.properties.t); }"
        ),
    ).add_to(target)
    group.add_to(m)


def outline_spec(areas, ident: str) -> dict:
    """The selection outline of `areas` (thick, no fill, not clickable) as data for the page's outline component:
    the areas' GeoJSON as drawn (already simplified and rounded) and its Leaflet style. `ident` names the selection."""
    geojson = json.loads(shapely.to_geojson(shapely.union_all(areas.geometry.values)))
    return {"id": ident, "geojson": geojson, "style": {"fill": False, "color": SELECTED_COLOR, "weight": 4}}


def render_html(m) -> str:
    return m.get_root().render()
