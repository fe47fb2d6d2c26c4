"""Static maps for print and slides (matplotlib): the same classes and colours as the web map, drawn in EPSG:4549.

The only module that knows matplotlib. It draws a `maps.MapSpec` — the very object the web map is built from — so
the class breaks, the colours, the zero and "无数据" styles and the legend wording are the web map's
(`maps.area_style`, `maps.legend_entries`). Around the map: title, legend, scale bar, north arrow, unit labels with a
halo, the as-of date, the source line, the "示意边界" notice when the boundaries are schematic, "样例数据" for sample
data, and the "内部资料" marking unless `internal=False`. No basemap is drawn; when a caller adds one it passes its
attribution and map approval number (审图号), which are then printed on the map.

Coordinates are projected to CGCS2000 / 3-degree Gauss-Krüger CM 120°E (EPSG:4549, metres), so the scale bar is
true and grid north is true north to within a fraction of a degree over Taixing (119.9–120.4°E).

Fonts: the CJK font comes from `fonts.find_cjk_font()` and is registered with matplotlib; PDFs embed it as TrueType
(``pdf.fonttype = 42``: selectable, searchable text, no tofu in any viewer).

Length: the one module that knows matplotlib -- the map itself, the furniture and labels placed where they cover
nothing, and the page layouts around them. The placement and the layouts share the style, the projection and the
drawn map's geometry; splitting them (placement apart from layout) is the next step, not yet done.
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display; set before anything imports pyplot

import geopandas as gpd  # noqa: E402
import matplotlib.text  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager, patheffects  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Polygon, Rectangle  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from txip_geo.present import mapspec as maps  # noqa: E402
from txip_geo.present.mapspec import PARK_COLOR, MapSpec, PointLayer  # noqa: E402
from txip_geo.render.fonts import find_cjk_font  # noqa: E402
from txip_geo.strings import t  # noqa: E402

PROJECTED_CRS = "EPSG:4549"
A4_LANDSCAPE = (11.69, 8.27)  # inches
PRINT_DPI = 300

INTERNAL_COLOR = "#b10026"
SAMPLE_EDGE, SAMPLE_FACE, SAMPLE_TEXT = "#fd8d3c", "#fff5eb", "#a63603"
SCHEMATIC_EDGE = "#d94801"
NEIGHBOUR_FACE, NEIGHBOUR_EDGE = "#f7f7f7", "#bdbdbd"
FOCUS_FACE = "#deebf7"

# Point colours of maps.POINT_STYLES → legend wording (the web map's).
POINT_LABELS = maps.POINT_LABELS

_lock = threading.Lock()  # rcParams are global: one render at a time


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


def _rc() -> dict:
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


def _project(gdf):
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


def nice_scale_length(width_m: float) -> float:
    """A round scale-bar length of about a fifth of the map width (1, 2 or 5 × 10^k metres)."""
    target = width_m / 5
    exp = math.floor(math.log10(target))
    best = 10**exp
    for m in (1, 2, 5, 10):
        if m * 10**exp <= target:
            best = m * 10**exp
    return float(best)


def _halo(width: float):
    return [patheffects.withStroke(linewidth=width, foreground="white")]


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


def _draw_map(ax, spec: MapSpec, style: Style, *, focus: str | None, show_values: bool, neutral: bool) -> _Drawn:
    """`neutral`: no classes — the focus area in a light tint, the others blank (a locator map for the points)."""
    areas = _project(spec.areas)
    outline = _project(spec.outline)
    neighbours = _project(spec.neighbours)
    parks = _project(spec.parks)
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

    return _Drawn(areas=areas, outline=outline, neighbours=neighbours)


@dataclass
class _Drawn:
    """The projected layers of a drawn map (what the placement of labels and map furniture looks at)."""

    areas: object
    outline: object
    neighbours: object


def _label_point(geom):
    """Where an area's label goes: the point farthest from its edges (clear of the borders), else any inner point."""
    from shapely.ops import polylabel

    try:
        g = max(geom.geoms, key=lambda x: x.area) if geom.geom_type == "MultiPolygon" else geom
        return polylabel(g, tolerance=20.0)
    except Exception:
        return geom.representative_point()


def _value_text(value, spec: MapSpec) -> str:
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


# -- map furniture and labels, placed where they cover nothing ---------------------------------------------------------
#
# The north arrow and the scale bar go into a corner of the frame that is clear of the mapped area (the county
# outline; for a township's locator map, the township): the first free corner of a preference list; when no corner is
# free the view is widened until one is. Labels are then placed largest area first, each at the first of a few
# positions inside its area that overlaps no label, arrow or scale bar already placed (else a smaller size, else the
# least crowded position). Neighbours' names go last, inside the frame and off the county, or not at all.
# Every placed artist carries a gid ("scalebar", "northarrow", "label:<code>", "neighbour:<name>") for the tests.

CORNERS = {"upper right": (1, 1), "upper left": (0, 1), "lower left": (0, 0), "lower right": (1, 0)}


def _renderer(ax):
    return ax.figure.canvas.get_renderer()


def _data_box(ax, artist, pad_px: float = 0.0):
    """An artist's extent on the canvas as a shapely box in data coordinates."""
    from shapely.geometry import box

    bb = artist.get_window_extent(_renderer(ax)).expanded(1, 1)
    inv = ax.transData.inverted()
    (ax0, ay0), (ax1, ay1) = inv.transform([(bb.x0 - pad_px, bb.y0 - pad_px), (bb.x1 + pad_px, bb.y1 + pad_px)])
    return box(min(ax0, ax1), min(ay0, ay1), max(ax0, ax1), max(ay0, ay1))


def _view_box(ax):
    from shapely.geometry import box

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return box(x0, y0, x1, y1)


def _scale_bar_box(ax, style: Style):
    """The scale bar (alternating black and white, in kilometres) as an offset box in data units."""
    from matplotlib.offsetbox import AuxTransformBox

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_scale_length(x1 - x0)
    h = (y1 - y0) * 0.012
    half = length / 2
    b = AuxTransformBox(ax.transData)
    for i, c in enumerate(("#252525", "#ffffff", "#252525", "#ffffff")):
        b.add_artist(Rectangle((i * length / 4, 0), length / 4, h, facecolor=c, edgecolor="#252525", linewidth=0.6))
    for x, m in ((0.0, 0.0), (half, half), (length, length)):
        b.add_artist(matplotlib.text.Text(x, h * 1.8, f"{m / 1000:g}", fontsize=style.note, ha="center", va="bottom"))
    b.add_artist(
        matplotlib.text.Text(
            length + (x1 - x0) * 0.012, h / 2, t("staticmap.km"), fontsize=style.note, ha="left", va="center"
        )
    )
    return b


def _north_arrow_box(ax, style: Style):
    from matplotlib.offsetbox import AuxTransformBox

    y0, y1 = ax.get_ylim()
    size = (y1 - y0) * 0.07
    half = size * 0.32
    b = AuxTransformBox(ax.transData)
    b.add_artist(
        Polygon(
            [(0, 0), (-half, -size), (0, -size * 0.72)],
            closed=True,
            facecolor="#252525",
            edgecolor="#252525",
            linewidth=0.8,
        )
    )
    b.add_artist(
        Polygon(
            [(0, 0), (half, -size), (0, -size * 0.72)],
            closed=True,
            facecolor="#ffffff",
            edgecolor="#252525",
            linewidth=0.8,
        )
    )
    b.add_artist(
        matplotlib.text.Text(
            0, (y1 - y0) * 0.006, t("staticmap.north"), fontsize=style.legend_title, ha="center", va="bottom"
        )
    )
    return b


def _anchored(ax, child, loc: str, gid: str, background: bool):
    from matplotlib.offsetbox import AnchoredOffsetbox

    a = AnchoredOffsetbox(
        loc=loc,
        child=child,
        pad=0.35,
        borderpad=0.6,
        frameon=background,
        bbox_transform=ax.transAxes,
        bbox_to_anchor=(0, 0, 1, 1),
    )
    if background:
        a.patch.set(facecolor="white", edgecolor="none", alpha=0.85)
    a.set_zorder(10)
    a.set_gid(gid)
    ax.add_artist(a)
    return a


def _place_furniture(ax, style: Style, keep_clear, *, tries: int = 6) -> list:
    """The scale bar and the north arrow, each in a free corner (module comment above); returns their boxes (data
    coordinates). `keep_clear`: the geometry (data coordinates) they must not cover."""
    order = (
        ("scalebar", _scale_bar_box, True, ["lower left", "lower right", "upper left", "upper right"]),
        ("northarrow", _north_arrow_box, False, ["upper right", "upper left", "lower right", "lower left"]),
    )
    for _ in range(tries):
        placed, boxes = [], []
        for gid, make, bg, prefs in order:
            for loc in prefs:
                if loc in [p.txip_corner for p in placed]:
                    continue
                a = _anchored(ax, make(ax, style), loc, gid, bg)
                a.txip_corner = loc
                bx = _data_box(ax, a)
                if (keep_clear is None or not bx.intersects(keep_clear)) and not any(bx.intersects(o) for o in boxes):
                    placed.append(a)
                    boxes.append(bx)
                    break
                a.remove()
        if len(placed) == len(order):
            return boxes
        for a in placed:
            a.remove()
        # No free corner: widen the view by a tenth around its centre and try again.
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * 1.1, (y1 - y0) * 1.1
        ax.set_xlim(cx - w / 2, cx + w / 2)
        ax.set_ylim(cy - h / 2, cy + h / 2)
    # Still none (a shape filling every corner): the preferred corners, on a white ground.
    boxes = []
    for gid, make, _bg, prefs in order:
        boxes.append(_data_box(ax, _anchored(ax, make(ax, style), prefs[0], gid, True)))
    return boxes


def _candidates(geom, p, w: float, h: float):
    """Where a label of size w × h may go in `geom`: its label point first, then nudged by half or a whole label
    height or width (nearest first), as long as the label's centre stays inside the area."""
    from shapely.geometry import Point

    steps = [(0, 0)] + sorted(
        ((dx, dy) for dx in (-1, -0.5, 0, 0.5, 1) for dy in (-1, -0.5, 0, 0.5, 1) if (dx, dy) != (0, 0)),
        key=lambda d: (abs(d[0]) + abs(d[1]), abs(d[0])),
    )
    for dx, dy in steps:
        q = Point(p.x + dx * w, p.y + dy * h)
        if (dx, dy) == (0, 0) or geom.contains(q):
            yield q


def _place_text(ax, text, geom, p, obstacles: list, view, *, sizes=(1.0, 0.85)) -> bool:
    """Move `text` to the first candidate position where it overlaps no obstacle and stays inside the frame; try a
    smaller size if none; else leave it at its least crowded position. Returns True (a free position), False (the
    least crowded one) — the text's box then appended to `obstacles` — or None: no position inside the frame."""
    base = text.get_fontsize()
    best = None
    inner = view.buffer(-view.length * 0.002)
    for k in sizes:
        text.set_fontsize(base * k)
        text.set_position((p.x, p.y))
        b0 = _data_box(ax, text)
        w, h = b0.bounds[2] - b0.bounds[0], b0.bounds[3] - b0.bounds[1]
        for q in _candidates(geom, p, w, h):
            text.set_position((q.x, q.y))
            bx = _data_box(ax, text, pad_px=1.5)
            if not inner.contains(bx):
                continue
            overlap = sum(bx.intersection(o).area for o in obstacles)
            if overlap == 0:
                obstacles.append(bx)
                return True
            if best is None or overlap < best[0]:
                best = (overlap, k, q)
    if best is None:  # no position inside the frame: the caller drops the text (or keeps it cut)
        text.set_fontsize(base)
        text.set_position((p.x, p.y))
        return None
    text.set_fontsize(base * best[1])
    text.set_position((best[2].x, best[2].y))
    obstacles.append(_data_box(ax, text, pad_px=1.5))
    return False


def _place_labels(
    ax, spec: MapSpec, style: Style, drawn: _Drawn, obstacles: list, *, focus, show_values, neutral
) -> None:
    """The areas' names (and values), larger areas first, clear of each other and of the map furniture."""
    areas = drawn.areas
    view = _view_box(ax)
    order = areas.assign(_a=areas.geometry.area).sort_values("_a", ascending=False)
    for _, r in order.iterrows():
        p = _label_point(r.geometry)
        if not view.contains(p):
            continue
        sel = r["code"] == (focus or spec.selected)
        txt = str(r["name"])
        if show_values and not neutral:
            txt += "\n" + _value_text(r["value"], spec)
        text = ax.text(
            p.x,
            p.y,
            txt,
            fontsize=style.label * (1.25 if sel and focus else 1),
            ha="center",
            va="center",
            color="#08306b" if not sel else "#67000d",
            zorder=9,
            linespacing=1.15,
            path_effects=_halo(style.halo),
            clip_on=True,
            gid=f"label:{r['code']}",
        )
        placed = _place_text(ax, text, r.geometry.intersection(view), p, obstacles, view)
        context = focus is not None and not sel  # a neighbouring township on a locator map
        if placed is None and not sel or placed is False and context:
            text.remove()  # rather no name than one the frame cuts, or (around a locator map's township) a crowded one
            if placed is False:
                obstacles.pop()


def _place_neighbour_names(ax, style: Style, drawn: _Drawn, obstacles: list) -> None:
    """Neighbours' names inside the frame, off the county and clear of every other text; a name with no such place
    is left out (never cut by the frame)."""
    nb = drawn.neighbours
    if nb is None:
        return
    view = _view_box(ax)
    county = drawn.outline.union_all() if drawn.outline is not None else drawn.areas.union_all()
    inner = view.buffer(-view.length * 0.004)
    for _, r in nb.iterrows():
        part = r.geometry.intersection(inner).difference(county)
        if part.is_empty or part.area < view.area * 0.01:
            continue
        pieces = sorted(getattr(part, "geoms", [part]), key=lambda g: g.area, reverse=True)
        text = ax.text(
            0,
            0,
            str(r["name"]),
            fontsize=style.label,
            color="#969696",
            ha="center",
            va="center",
            zorder=2,
            clip_on=True,
            gid=f"neighbour:{r['name']}",
        )
        ok = False
        for piece in pieces[:2]:
            if piece.geom_type != "Polygon" or piece.area < view.area * 0.005:
                continue
            # A name must fit inside its own neighbour's visible part (so off the county and inside the frame).
            placed = _place_text(ax, text, piece, _label_point(piece), obstacles, view, sizes=(1.0,))
            if placed is None:
                continue
            if placed and piece.buffer(view.length * 0.002).contains(_data_box(ax, text)):
                ok = True
                break
            obstacles.pop()
        if not ok:
            text.remove()


def _legend_handles(spec: MapSpec, classes: bool = True):
    handles = []
    entries = maps.spec_legend_entries(spec)
    for i, (color, label) in enumerate(entries if classes else ()):
        missing = color == maps.MISSING_COLOR
        zero = i == 0  # legend_entries: the zero class first
        alarm = zero and not (spec.zero_good or spec.less_is_better)
        edge = "#bd0026" if alarm else "#636363"
        handles.append(
            (
                Patch(
                    facecolor=color,
                    edgecolor=edge,
                    hatch="////" if missing else None,
                    linestyle="--" if missing else "-",
                    linewidth=1.4 if alarm else 0.8,
                ),
                label,
            )
        )
    if spec.parks is not None and len(spec.parks):
        handles.append(
            (Line2D([], [], color=PARK_COLOR, linestyle=(0, (3, 2)), linewidth=1.4), t("staticmap.parks_schematic"))
        )
    if spec.selected:
        handles.append((Line2D([], [], color=maps.SELECTED_COLOR, linewidth=2.5), t("staticmap.this_unit")))
    for c, label in maps.point_legend(spec.points):
        handles.append(
            (
                Line2D([], [], marker="o", linestyle="none", markerfacecolor=c, markeredgecolor="white", markersize=8),
                label,
            )
        )
    return handles


def _bold(color: str, width: float = 0.7):
    """WenQuanYi Micro Hei has no bold face: thicken the glyphs with a stroke of their own colour."""
    return [patheffects.withStroke(linewidth=width, foreground=color)]


def _badge(fig, x, y, text, *, size, color, face="#ffffff", ha="left", va="top", bold=False, transform=None):
    kw = {} if transform is None else {"transform": transform}
    return fig.text(
        x,
        y,
        text,
        fontsize=size,
        color=color,
        ha=ha,
        va=va,
        zorder=30,
        path_effects=_bold(color, 0.5) if bold else None,
        bbox=dict(boxstyle="round,pad=0.35", facecolor=face, edgecolor=color, linewidth=1.1),
        **kw,
    )


def _notices(spec: MapSpec) -> list[tuple[str, str, str]]:
    """(text, colour, face) of the notices printed beside the map: schematic boundaries, sample data."""
    out = []
    if spec.schematic:
        out.append((spec.schematic_text or t("app.schematic_notice"), SCHEMATIC_EDGE, "#ffffff"))
    if spec.sample:
        out.append((t("report.sample_notice"), SAMPLE_TEXT, SAMPLE_FACE))
    return out


def _wrap(text: str, width: int) -> str:
    """Break text into lines of at most `width` CJK characters (an ASCII character counts half), balanced so that no
    line is left with a character or two (matplotlib cannot wrap CJK text, which has no spaces)."""
    cols = [1 if ch.isascii() else 2 for ch in text]
    total = sum(cols)
    if total <= width * 2:
        return text
    n = -(-total // (width * 2))
    target = -(-total // n)
    lines, cur, w = [], "", 0
    for ch, cw in zip(text, cols):
        if w + cw > target and cur and ch not in "，。、；：）」』”！？,.;:)":  # no line starts with a closing mark
            lines.append(cur)
            cur, w = "", 0
        cur += ch
        w += cw
    if cur:
        lines.append(cur)
    return "\n".join(lines)


def _chars(width_in: float, size_pt: float) -> int:
    """How many CJK characters of `size_pt` fit in `width_in` inches."""
    return max(4, int(width_in * 72 / size_pt))


def render(
    spec: MapSpec,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    source: str = "",
    internal: bool = True,
    layout: str = "print",
    fmt: str = "png",
    dpi: int | None = None,
    figsize: tuple[float, float] | None = None,
    focus: str | None = None,
    show_values: bool = True,
    neutral: bool = False,
    attribution: str | None = None,
    approval_no: str | None = None,
) -> bytes:
    """The map as PNG or PDF bytes (see `figure` for the parameters)."""
    fig = figure(
        spec,
        title=title,
        subtitle=subtitle,
        source=source,
        internal=internal,
        layout=layout,
        figsize=figsize,
        focus=focus,
        show_values=show_values,
        neutral=neutral,
        attribution=attribution,
        approval_no=approval_no,
    )
    return save(fig, fmt=fmt, dpi=dpi or (PRINT_DPI if layout == "print" else 150))


def save(fig: Figure, *, fmt: str, dpi: int = PRINT_DPI) -> bytes:
    """PNG or PDF bytes of a figure made by `figure` (PDF: vector, the CJK font embedded as TrueType)."""
    if fmt not in ("png", "pdf"):
        raise ValueError(f"fmt must be 'png' or 'pdf', not {fmt!r}")
    buf = io.BytesIO()
    with _lock, matplotlib.rc_context(_rc()):
        kw = {"metadata": {"Creator": "txip-geo"}} if fmt == "pdf" else {"pil_kwargs": {"compress_level": 3}}
        fig.savefig(buf, format=fmt, dpi=dpi, facecolor="white", **kw)
    return buf.getvalue()


def save_pdf(figs: list[Figure]) -> bytes:
    """Several figures as the pages of one PDF."""
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    with _lock, matplotlib.rc_context(_rc()), PdfPages(buf, metadata={"Creator": "txip-geo"}) as pdf:
        for fig in figs:
            pdf.savefig(fig, facecolor="white")
    return buf.getvalue()


LAYOUTS = ("print", "slide", "inset")


def figure(
    spec: MapSpec,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    source: str = "",
    internal: bool = True,
    layout: str = "print",
    figsize: tuple[float, float] | None = None,
    focus: str | None = None,
    show_values: bool = True,
    neutral: bool = False,
    attribution: str | None = None,
    approval_no: str | None = None,
) -> Figure:
    """The map as a matplotlib Figure.

    layout 'print': an A4 landscape page — title band (title, subtitle, 内部资料 and 样例数据 markings), the map, a
    column on the right with the legend and the notices, a footer with the source line. layout 'slide': a picture for
    a slide, which carries its own title and footer — the map, with the legend, notices and markings beside it.
    layout 'inset': the map alone, with a small legend and the notices inside its frame (a township's locator map).
    `focus`: the code of an area to zoom to and outline. `show_values`: the value under each area's name.
    `neutral`: no classes (a locator map: the focus area tinted, its points on top).
    `attribution` / `approval_no` (审图号): printed on the map whenever a basemap is drawn under it.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    style = PRINT_STYLE if layout == "print" else SLIDE_STYLE
    default = {"print": A4_LANDSCAPE, "slide": (8.4, 5.9), "inset": (4.4, 5.0)}[layout]
    with _lock, matplotlib.rc_context(_rc()):
        fig = Figure(figsize=figsize or default)
        FigureCanvasAgg(fig)
        kw = dict(
            focus=focus, show_values=show_values, neutral=neutral, basemap=_basemap_text(attribution, approval_no)
        )
        if layout == "inset":
            _inset_layout(fig, spec, style, internal=internal, **kw)
        else:
            _column_layout(
                fig,
                spec,
                style,
                printed=layout == "print",
                title=title,
                subtitle=subtitle,
                source=source,
                internal=internal,
                **kw,
            )
    return fig


def _basemap_text(attribution, approval_no) -> str:
    parts = [x for x in (attribution, t("staticmap.approval_no", no=approval_no) if approval_no else None) if x]
    return t("staticmap.basemap", parts=t("staticmap.basemap_sep").join(parts)) if parts else ""


def _map_axes(fig, spec, style, rect_in, *, focus, show_values, neutral, basemap):
    W, H = fig.get_size_inches()
    x, y, w, h = rect_in
    ax = fig.add_axes((x / W, y / H, w / W, h / H))
    drawn = _draw_map(ax, spec, style, focus=focus, show_values=show_values, neutral=neutral)
    if focus is not None and (drawn.areas["code"] == focus).any():  # a locator map: keep the township clear
        keep_clear = drawn.areas.loc[drawn.areas["code"] == focus].union_all()
    else:
        keep_clear = (drawn.outline if drawn.outline is not None else drawn.areas).union_all()
    obstacles = _place_furniture(ax, style, keep_clear)
    if spec.labels:
        _place_labels(ax, spec, style, drawn, obstacles, focus=focus, show_values=show_values, neutral=neutral)
    _place_neighbour_names(ax, style, drawn, obstacles)
    if basemap:  # on the map itself, as basemap licences ask
        ax.text(
            0.995,
            0.005,
            basemap,
            transform=ax.transAxes,
            fontsize=style.footer,
            ha="right",
            va="bottom",
            zorder=30,
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1.5),
        )
    return ax


def _column_layout(
    fig, spec, style, *, printed, title, subtitle, source, internal, focus, show_values, neutral, basemap
) -> None:
    W, H = fig.get_size_inches()
    margin = 0.3 if printed else 0.06
    band = 1.05 if printed else 0.0  # title band
    foot = 0.62 if printed else margin  # footer
    col = min(3.1 if printed else 2.55, W * 0.36)  # legend column
    gap = 0.2 if printed else 0.12
    mw, mh = W - col - 2 * margin - gap, H - band - foot - (0 if printed else margin)
    _map_axes(
        fig, spec, style, (margin, foot, mw, mh), focus=focus, show_values=show_values, neutral=neutral, basemap=basemap
    )

    cx = (margin + mw + gap) / W  # left edge of the column
    top = (foot + mh) / H
    notices = _notices(spec)
    if printed:
        fig.text(
            margin / W,
            1 - 0.25 / H,
            title or spec.label,
            fontsize=style.title,
            va="top",
            color="#08306b",
            path_effects=_bold("#08306b"),
        )
        sub = subtitle if subtitle is not None else _default_subtitle(spec)
        if sub:
            fig.text(margin / W, 1 - 0.7 / H, sub, fontsize=style.subtitle, va="top", color="#252525")
        # Markings, top right: 内部资料 above 样例数据 (the sample notice then needs no repeat in the column).
        y = 1 - 0.22 / H
        if internal:
            b = _badge(
                fig,
                1 - margin / W,
                y,
                t("report.internal"),
                size=style.badge * 1.35,
                color=INTERNAL_COLOR,
                ha="right",
                bold=True,
            )
            y = _below(fig, b) - 0.12 / H
        if spec.sample:
            _badge(
                fig,
                1 - margin / W,
                y,
                t("report.sample_notice"),
                size=style.badge,
                color=SAMPLE_TEXT,
                face=SAMPLE_FACE,
                ha="right",
                bold=True,
            )
            notices = [n for n in notices if n[0] != t("report.sample_notice")]
    lg = _legend(fig, spec, style, x=cx, y=top, classes=not neutral)
    y = _below(fig, lg) - 0.18 / H
    chars = _chars(col - 0.2, style.note * 1.1)
    for text, color, face in notices:
        b = _badge(fig, cx + 0.05 / W, y, _wrap(text, chars), size=style.note * 1.1, color=color, face=face)
        y = _below(fig, b) - 0.16 / H
    if not printed and internal:
        b = _badge(fig, cx + 0.05 / W, y, t("report.internal"), size=style.note * 1.25, color=INTERNAL_COLOR, bold=True)
        y = _below(fig, b) - 0.16 / H
    for note in maps.legend_notes(spec):  # less 样例数据: the marking says it already
        txt = fig.text(
            cx + 0.02 / W,
            y,
            _wrap(note, _chars(col - 0.1, style.note)),
            fontsize=style.note,
            va="top",
            color="#525252",
            linespacing=1.3,
        )
        y = _below(fig, txt) - 0.1 / H
    if printed and source:
        fig.text(
            margin / W,
            (foot - 0.2) / H,
            _wrap(source, _chars(W - 2 * margin, style.footer) - 2),
            fontsize=style.footer,
            va="top",
            color="#252525",
            linespacing=1.4,
        )


def _inset_layout(fig, spec, style, *, internal, focus, show_values, neutral, basemap) -> None:
    """The map on top; under it the legend in two columns and one line of notices (示意边界 · 样例数据 · 内部资料)."""
    W, H = fig.get_size_inches()
    m = 0.04
    handles = _legend_handles(spec, classes=not neutral)
    rows = (len(handles) + 1) // 2
    marks = [(text, color) for text, color, _ in _notices(spec)]
    if internal:
        marks.append((t("report.internal"), INTERNAL_COLOR))
    note_h = style.note * 1.9 / 72 if marks else 0
    leg_h = (rows * style.note * 1.75 + style.note * 0.8) / 72 if handles else 0
    _map_axes(
        fig,
        spec,
        style,
        (m, m + leg_h + note_h, W - 2 * m, H - 2 * m - leg_h - note_h),
        focus=focus,
        show_values=show_values,
        neutral=neutral,
        basemap=basemap,
    )
    if handles:
        lg = fig.legend(
            [h for h, _ in handles],
            [lbl for _, lbl in handles],
            loc="lower left",
            bbox_to_anchor=(m / W, (m + note_h) / H, 1 - 2 * m / W, leg_h / H),
            mode="expand",
            ncol=2,
            fontsize=style.note,
            frameon=False,
            handlelength=1.4,
            borderpad=0.3,
            labelspacing=0.4,
            borderaxespad=0,
            columnspacing=1.0,
        )
        lg.set_zorder(25)
    x = m / W
    for text, color in marks:
        short = {t("app.schematic_notice"): t("app.schematic_short")}.get(text, text)
        b = _badge(fig, x + 0.03 / W, (m + 0.04) / H, short, size=style.note * 0.95, color=color, va="bottom")
        bb = b.get_window_extent(fig.canvas.get_renderer())
        x = fig.transFigure.inverted().transform((bb.x1, 0))[0] + 0.1 / W


def _below(fig, artist) -> float:
    """The figure y (0–1) of an artist's lower edge."""
    bb = artist.get_window_extent(fig.canvas.get_renderer())
    return fig.transFigure.inverted().transform((0, bb.y0))[1]


def _legend(fig, spec: MapSpec, style: Style, *, x: float, y: float, classes: bool = True):
    handles = _legend_handles(spec, classes=classes)
    title = t("map.legend_title", label=spec.label, unit=spec.unit) if classes else None
    lg = fig.legend(
        [h for h, _ in handles],
        [lbl for _, lbl in handles],
        loc="upper left",
        bbox_to_anchor=(x, y),
        fontsize=style.legend,
        title=title,
        title_fontsize=style.legend_title,
        frameon=True,
        framealpha=1,
        edgecolor="#bdbdbd",
        fancybox=False,
        handlelength=1.8,
        handleheight=1.1,
        borderpad=0.7,
        labelspacing=0.45,
        alignment="left",
        borderaxespad=0,
    )
    lg.set_zorder(20)
    return lg


def _default_subtitle(spec: MapSpec) -> str:
    parts = [t("map.legend_title", label=spec.label, unit=spec.unit)]
    if spec.as_of:
        parts.append(t("app.as_of", date=spec.as_of))
    return "　".join(parts)
