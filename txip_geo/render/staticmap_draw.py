"""The map itself, for the static maps (matplotlib): the areas in the web map's classes and colours, the parks, the
county outline, the neighbours and the points, drawn in EPSG:4549; the sizes of each layout (`Style`) and the CJK font.

Part of the static maps: `staticmap` is their entry (render, figure, save); `staticmap_placement` places the names and
the map furniture on a map drawn here, `staticmap_layout` puts the page around it.

It draws a `maps.MapSpec` — the very object the web map is built from — so the class breaks, the colours, the zero
and "无数据" styles are the web map's (`maps.area_style`). Coordinates are projected to CGCS2000 / 3-degree
Gauss-Krüger CM 120°E (EPSG:4549, metres), so the scale bar is true and grid north is true north to within a fraction
of a degree over Taixing (119.9–120.4°E).

Fonts: the CJK font comes from `fonts.find_cjk_font()` and is registered with matplotlib; PDFs embed it as TrueType
(``pdf.fonttype = 42``: selectable, searchable text, no tofu in any viewer).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display; set before anything imports pyplot

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from txip_geo.present import mapspec as maps  # noqa: E402
from txip_geo.present.mapspec import PARK_COLOR, MapSpec, PointLayer  # noqa: E402
from txip_geo.render.fonts import find_cjk_font  # noqa: E402
from txip_geo.strings import t  # noqa: E402

PROJECTED_CRS = "EPSG:4549"

NEIGHBOUR_FACE, NEIGHBOUR_EDGE = "#f7f7f7", "#bdbdbd"
FOCUS_FACE = "#deebf7"

RENDER_LOCK = threading.Lock()  # rcParams are global: one render at a time


@dataclass(frozen=True)
class Style:
    """Sizes (points) of one layout."""

    title: float
    subtitle: float
    label: float
    value: float
    legend: float
    legend_title: float
    note: float
    footer: float
    badge: float
    halo: float


PRINT_STYLE = Style(
    title=20, subtitle=12, label=8.5, value=8, legend=10, legend_title=11.5, note=8.5, footer=8, badge=10, halo=2.6
)
SLIDE_STYLE = Style(
    title=22, subtitle=14, label=12.5, value=12, legend=13, legend_title=14, note=11.5, footer=10, badge=12, halo=3.2
)


@dataclass(frozen=True)
class FontInfo:
    family: str
    path: str


_font: FontInfo | None = None


def register_font() -> FontInfo:
    """Register the CJK font with matplotlib once; its family name is then used for every text."""
    global _font
    if _font is None:
        f = find_cjk_font()
        font_manager.fontManager.addfont(str(f.path))
        name = font_manager.FontProperties(fname=str(f.path)).get_name()
        _font = FontInfo(family=name, path=str(f.path))
    return _font


def font_used() -> FontInfo:
    return register_font()


def rc_params() -> dict:
    """matplotlib's settings for a static map (the CJK font, TrueType in the PDF); used inside RENDER_LOCK."""
    fam = register_font().family
    return {
        "font.family": [fam, "DejaVu Sans"],
        "font.sans-serif": [fam, "DejaVu Sans"],
        "pdf.fonttype": 42,  # embed TrueType: real text in the PDF
        "ps.fonttype": 42,
        "axes.unicode_minus": False,
        "svg.fonttype": "path",
        "hatch.linewidth": 0.6,
        "hatch.color": "#9e9e9e",
    }


# -- geometry helpers -------------------------------------------------------------------------------------------------


def project(gdf):
    """A layer in EPSG:4549 (a layer without a CRS is taken as lon/lat); None for no layer or an empty one."""
    if gdf is None or len(gdf) == 0:
        return None
    g = gdf if gdf.crs is not None else gdf.set_crs("EPSG:4326")
    return g.to_crs(PROJECTED_CRS)


def _geom_path(geom) -> MplPath | None:
    """A matplotlib Path of a (multi)polygon, holes included."""
    if geom is None or geom.is_empty:
        return None
    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom] if geom.geom_type == "Polygon" else []
    verts, codes = [], []
    for p in polys:
        for ring in [p.exterior, *p.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) < 3:
                continue
            verts.append(xy)
            c = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            c[0], c[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            codes.append(c)
    if not verts:
        return None
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _collection(ax, geoms, *, zorder, **kw) -> None:
    """Polygons as one PathCollection (one artist; the axes limits are set by hand, not grown per patch)."""
    paths = [_geom_path(g) for g in geoms]
    keep = [i for i, p in enumerate(paths) if p is not None]
    if not keep:
        return
    for k in ("facecolors", "edgecolors", "linewidths", "linestyles"):
        if isinstance(kw.get(k), list) and len(kw[k]) == len(paths):
            kw[k] = [kw[k][i] for i in keep]
    hatch = kw.pop("hatch", None)
    coll = PathCollection([paths[i] for i in keep], zorder=zorder, **kw)
    if hatch:
        coll.set_hatch(hatch)
    ax.add_collection(coll, autolim=False)


def _lw(px) -> float:
    """Leaflet weights are CSS pixels; matplotlib linewidths are points."""
    return float(px) * 0.75


def _dash(style: dict):
    return (0, (4, 3)) if style.get("dashArray") else "solid"


# -- the map ----------------------------------------------------------------------------------------------------------


def _extent(spec: MapSpec, areas, outline, focus: str | None, aspect: float) -> tuple[float, float, float, float]:
    if focus is not None and (areas["code"] == focus).any():
        minx, miny, maxx, maxy = areas[areas["code"] == focus].total_bounds
        pad = 0.08
    else:
        src = outline if outline is not None else areas
        minx, miny, maxx, maxy = src.total_bounds
        pad = 0.04
    w, h = maxx - minx, maxy - miny
    minx, maxx, miny, maxy = minx - w * pad, maxx + w * pad, miny - h * pad, maxy + h * pad
    # Fill the axes' aspect ratio (width / height) around the centre.
    cx, cy, w, h = (minx + maxx) / 2, (miny + maxy) / 2, maxx - minx, maxy - miny
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2


def draw_map(ax, spec: MapSpec, style: Style, *, focus: str | None, show_values: bool, neutral: bool) -> Drawn:
    """`neutral`: no classes — the focus area in a light tint, the others blank (a locator map for the points)."""
    areas = project(spec.areas)
    outline = project(spec.outline)
    neighbours = project(spec.neighbours)
    parks = project(spec.parks)
    bbox = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    aspect = (bbox.width * fig_w) / (bbox.height * fig_h)
    x0, x1, y0, y1 = _extent(spec, areas, outline, focus, aspect)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#ffffff")
    for s in ax.spines.values():
        s.set_linewidth(0.8)
        s.set_color("#525252")

    if neighbours is not None:
        _collection(
            ax, neighbours.geometry, zorder=1, facecolors=NEIGHBOUR_FACE, edgecolors=NEIGHBOUR_EDGE, linewidths=0.6
        )

    # Areas: fill and edge from maps.area_style (the web map's styles); the focus area's edge on top.
    sel_code = focus or spec.selected
    fills, hatched, edges, top_edges = [], [], [], []
    for _, r in areas.iterrows():
        sel = r["code"] == sel_code
        st = maps.area_style(
            r["value"], spec.breaks, selected=sel, zero_good=spec.zero_good, less_is_better=spec.less_is_better
        )
        missing = maps.classify(r["value"], spec.breaks) == "missing" and not neutral
        face, alpha = st["fillColor"], st.get("fillOpacity", 0.85)
        if neutral:
            face, alpha = (FOCUS_FACE, 1.0) if sel else ("#ffffff", 1.0)
            st = {**st, "dashArray": None} if sel else {"color": "#737373", "weight": 1.2}
        elif focus is not None and not sel:
            alpha *= 0.55
        (hatched if missing else fills).append((r.geometry, matplotlib.colors.to_rgba(face, alpha)))
        (top_edges if sel else edges).append((r.geometry, st["color"], _lw(st["weight"]), _dash(st)))
    if fills:
        _collection(ax, [g for g, _ in fills], zorder=3, facecolors=[c for _, c in fills], edgecolors="none")
    if hatched:
        _collection(
            ax,
            [g for g, _ in hatched],
            zorder=3,
            facecolors=[c for _, c in hatched],
            edgecolors="#9e9e9e",
            linewidths=0,
            hatch="////",
        )
    for z, group in ((4, edges), (7.5, top_edges)):  # the focus edge above the city outline
        if group:
            _collection(
                ax,
                [g for g, *_ in group],
                zorder=z,
                facecolors="none",
                edgecolors=[e[1] for e in group],
                linewidths=[e[2] for e in group],
                linestyles=[e[3] for e in group],
            )

    if parks is not None:
        _collection(
            ax,
            parks.geometry,
            zorder=6,
            facecolors="none",
            edgecolors=PARK_COLOR,
            linewidths=1.4,
            linestyles=[(0, (3, 2))],
        )
    if outline is not None:
        _collection(ax, outline.geometry, zorder=7, facecolors="none", edgecolors=maps.OUTLINE_COLOR, linewidths=1.9)

    for layer in spec.points:
        _draw_points(ax, layer)

    return Drawn(areas=areas, outline=outline, neighbours=neighbours)


@dataclass
class Drawn:
    """The projected layers of a drawn map (what the placement of labels and map furniture looks at)."""

    areas: object
    outline: object
    neighbours: object


def label_point(geom):
    """Where an area's label goes: the point farthest from its edges (clear of the borders), else any inner point."""
    from shapely.ops import polylabel

    try:
        g = max(geom.geoms, key=lambda x: x.area) if geom.geom_type == "MultiPolygon" else geom
        return polylabel(g, tolerance=20.0)
    except Exception:
        return geom.representative_point()


def value_text(value, spec: MapSpec) -> str:
    if isinstance(spec.breaks, maps.ChangeScale):  # a change map: the signed change, 无基期数据 when not known
        sc = spec.breaks
        return maps.format_change(value, spec.unit, sc.decimals, sc.missing_label)
    if value is None or pd.isna(value):
        return t("map.legend_missing")
    if spec.unit == "%":
        return f"{value:.1f}%"
    d = spec.decimals
    return (f"{value:,.{d}f}" if d else f"{value:,.0f}") + f" {spec.unit}"


def _draw_points(ax, layer: PointLayer) -> None:
    # Points arrive in the display datum (WGS-84 lon/lat), as for the web map.
    pts = layer.points.dropna(subset=["lon", "lat"])
    if pts.empty:
        return
    g = gpd.GeoSeries(gpd.points_from_xy(pts["lon"], pts["lat"]), crs="EPSG:4326").to_crs(PROJECTED_CRS)
    radius = pts["radius"].astype(float).to_numpy() if "radius" in pts else np.full(len(pts), 6.0)
    ax.scatter(g.x, g.y, s=(radius * 1.1) ** 2, c=list(pts["color"]), edgecolors="white", linewidths=0.7, zorder=8)
