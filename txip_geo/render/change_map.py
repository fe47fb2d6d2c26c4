"""The change map (基期→当前) as a slide picture: the static map's machinery (render.staticmap: frame, labels placed
clear of each other, legend, notices, scale bar) drawing a `present.baseline_view.ChangeMap`, its areas and legend rows
then coloured by the map's diverging classes, and each township's change written with its sign.

The static maps colour by sequential classes only; until they draw a diverging spec of their own, this module repaints
the three things a diverging map changes -- the area fills, the legend rows, the value under each name -- on the
figure `staticmap.figure` returns. It checks that it found them (a change in staticmap's drawing fails loudly here,
never as a wrongly coloured map)."""

from __future__ import annotations

import matplotlib.colors

from txip_geo.present import mapspec as maps
from txip_geo.present.baseline_view import ChangeMap, change_color
from txip_geo.present.formatting import fmt_change, is_missing
from txip_geo.strings import t

FILL_ALPHA = 0.85  # maps.area_style's fill opacity


def figure(cm: ChangeMap, *, internal: bool = False, layout: str = "slide", **kw):
    """The matplotlib figure of a change map (staticmap.figure, repainted)."""
    from txip_geo.render import staticmap

    fig = staticmap.figure(cm.spec, layout=layout, internal=internal, **kw)
    _repaint_areas(fig, cm)
    _repaint_legend(fig, cm)
    _signed_labels(fig, cm)
    return fig


def render(cm: ChangeMap, *, internal: bool = False, dpi: int = 150, fmt: str = "png", **kw) -> bytes:
    from txip_geo.render import staticmap

    return staticmap.save(figure(cm, internal=internal, **kw), fmt=fmt, dpi=dpi)


def area_colors(cm: ChangeMap) -> list[str]:
    """The fill of each area with a change, in the order of the spec's areas (the order staticmap draws them)."""
    return [
        change_color(v, cm.classes)
        for v, g in zip(cm.spec.areas["value"], cm.spec.areas.geometry)
        if not is_missing(v) and g is not None and not g.is_empty
    ]


def _repaint_areas(fig, cm: ChangeMap) -> None:
    from matplotlib.collections import PathCollection

    ax = fig.axes[0]
    fills = [c for c in ax.collections if isinstance(c, PathCollection) and c.get_zorder() == 3 and not c.get_hatch()]
    colors = area_colors(cm)
    if not colors:
        return
    if len(fills) != 1 or len(fills[0].get_paths()) != len(colors):
        raise RuntimeError("change map: the areas' fill layer was not found as expected in the static map")
    fills[0].set_facecolor([matplotlib.colors.to_rgba(c, FILL_ALPHA) for c in colors])


def legend_rows(cm: ChangeMap) -> list[tuple[str, str]]:
    """(colour, label) of the legend: the classes from the largest increase down, then 无基期数据."""
    rows = [(c.color, c.label) for c in reversed(cm.classes)]
    return rows + [(maps.MISSING_COLOR, t("baseline_view.class_missing"))]


def _repaint_legend(fig, cm: ChangeMap) -> None:
    """staticmap's legend has one row per class of the spec (the zero row, the missing row, one per break): as many
    rows as the change classes and 无基期数据; they are restyled in place, so the layout around them stands."""
    lg = fig.legends[0]
    rows = legend_rows(cm)
    handles, texts = lg.legend_handles[: len(rows)], lg.get_texts()[: len(rows)]
    if len(handles) != len(rows):
        raise RuntimeError("change map: the legend has fewer rows than the change classes")
    for i, (h, txt, (color, label)) in enumerate(zip(handles, texts, rows)):
        missing = i == len(rows) - 1
        h.set_facecolor(color)
        h.set_edgecolor("#636363")
        h.set_linewidth(0.8)
        h.set_hatch("////" if missing else None)
        h.set_linestyle("--" if missing else "-")
        txt.set_text(label)


def _signed_labels(fig, cm: ChangeMap) -> None:
    """The value under each township's name with its sign (+82 件, −3 件, 0 件), or 无基期数据 as the legend says."""
    ax = fig.axes[0]
    areas = cm.spec.areas.set_index("code")
    for txt in ax.texts:
        gid = txt.get_gid() or ""
        if not gid.startswith("label:"):
            continue
        code = gid.split(":", 1)[1]
        lines = txt.get_text().split("\n")
        v = areas["value"].get(code)
        if len(lines) != 2:
            continue
        if is_missing(v):
            txt.set_text(f"{lines[0]}\n{t('baseline_view.class_missing')}")
        else:
            unit = "" if cm.spec.unit == "%" else f" {cm.spec.unit}"
            txt.set_text(f"{lines[0]}\n{fmt_change(v, cm.spec.decimals or 2)}{unit}")
