"""Where the static map's names and furniture go: the scale bar and the north arrow in a corner clear of the mapped
area, the areas' names (and values) and the neighbours' names where they overlap nothing and the frame cuts none.

Part of the static maps (`staticmap` is their entry): works on a map drawn by `staticmap_draw.draw_map`.
"""

from __future__ import annotations

import math

import matplotlib.text
from matplotlib import patheffects
from matplotlib.patches import Polygon, Rectangle

from txip_geo.present.mapspec import MapSpec
from txip_geo.render.staticmap_draw import Drawn, Style, label_point, value_text
from txip_geo.strings import t


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


def place_furniture(ax, style: Style, keep_clear, *, tries: int = 6) -> list:
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


def place_labels(
    ax, spec: MapSpec, style: Style, drawn: Drawn, obstacles: list, *, focus, show_values, neutral
) -> None:
    """The areas' names (and values), larger areas first, clear of each other and of the map furniture."""
    areas = drawn.areas
    view = _view_box(ax)
    order = areas.assign(_a=areas.geometry.area).sort_values("_a", ascending=False)
    for _, r in order.iterrows():
        p = label_point(r.geometry)
        if not view.contains(p):
            continue
        sel = r["code"] == (focus or spec.selected)
        txt = str(r["name"])
        if show_values and not neutral:
            txt += "\n" + value_text(r["value"], spec)
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


def place_neighbour_names(ax, style: Style, drawn: Drawn, obstacles: list) -> None:
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
            placed = _place_text(ax, text, piece, label_point(piece), obstacles, view, sizes=(1.0,))
            if placed is None:
                continue
            if placed and piece.buffer(view.length * 0.002).contains(_data_box(ax, text)):
                ok = True
                break
            obstacles.pop()
        if not ok:
            text.remove()
