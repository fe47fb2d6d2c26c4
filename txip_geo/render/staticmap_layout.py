"""The pages around a static map: the title band, the markings (内部资料, 样例数据), the legend, the notices and the
source line of an A4 print page or a slide picture (`column_layout`), or a locator map with its legend underneath
(`inset_layout`).

Part of the static maps (`staticmap` is their entry): each layout draws its map with `staticmap_draw.draw_map` and
places its names and furniture with `staticmap_placement`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from txip_geo.present import mapspec as maps
from txip_geo.present.area_panel import layer_of
from txip_geo.present.mapspec import PARK_COLOR, MapSpec
from txip_geo.render.staticmap_draw import Style, draw_map
from txip_geo.render.staticmap_placement import place_furniture, place_labels, place_neighbour_names
from txip_geo.strings import t

INTERNAL_COLOR = "#b10026"
SAMPLE_EDGE, SAMPLE_FACE, SAMPLE_TEXT = "#fd8d3c", "#fff5eb", "#a63603"
SCHEMATIC_EDGE = "#d94801"


def legend_handles(spec: MapSpec, classes: bool = True):
    """(handle, label) of the legend: the classes (unless `classes` is False), the parks, the selection, the points."""
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
        this = t("staticmap.this_park") if layer_of(spec.selected) == "parks" else t("staticmap.this_unit")
        handles.append((Line2D([], [], color=maps.SELECTED_COLOR, linewidth=2.5), this))
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
    line is left with a character or two (matplotlib cannot wrap CJK text, which has no spaces). A run of ASCII
    characters (a date, a number) is never broken, and no line starts with a closing mark."""
    words = re.findall(r"[!-~]+|.", text, flags=re.S)
    cols = [sum(1 if ch.isascii() else 2 for ch in w) for w in words]
    total = sum(cols)
    if total <= width * 2:
        return text
    n = -(-total // (width * 2))
    lines = []
    for target in range(-(-total // n), width * 2 + 1):  # the narrowest balance that needs no more lines
        lines = _fill(words, cols, target)
        if len(lines) <= n:
            break
    return "\n".join(lines)


def _fill(words: list[str], cols: list[int], target: int) -> list[str]:
    """Words into lines of about `target` columns (a word wider than that gets a line of its own)."""
    lines, cur, w = [], "", 0
    for word, cw in zip(words, cols):
        if w + cw > target and cur and word[0] not in "，。、；：）」』”！？,.;:)":
            lines.append(cur.rstrip())
            cur, w = "", 0
            if word == " ":
                continue
        cur += word
        w += cw
    if cur:
        lines.append(cur)
    return lines


def _fit_title(fig, text: str, size: float, width_in: float) -> str:
    """A legend's title broken into lines no wider than `width_in` at `size` pt, at its natural breaks: after a
    full-width colon and at spaces ('→' stays with what follows it), so a change map's title reads
    '有效发明专利变化（件）：' / '基期 2023-12-31' / '→ 2026-10-31'. A part wider than the width keeps a line of its own."""
    words = [w for w in re.split(r"(?<=：)|(?<!→) ", text) if w]
    if len(words) < 2:
        return text
    renderer = fig.canvas.get_renderer()

    def width(line: str) -> float:
        probe = fig.text(0, 0, line, fontsize=size)
        w = probe.get_window_extent(renderer).width / fig.dpi
        probe.remove()
        return w

    if width(text) <= width_in:
        return text
    lines = [words[0]]
    for w in words[1:]:
        joined = lines[-1] + ("" if lines[-1].endswith("：") else " ") + w
        if width(joined) <= width_in:
            lines[-1] = joined
        else:
            lines.append(w)
    return "\n".join(lines)


def _chars(width_in: float, size_pt: float) -> int:
    """How many CJK characters of `size_pt` fit in `width_in` inches."""
    return max(4, int(width_in * 72 / size_pt))


def _map_axes(fig, spec, style, rect_in, *, focus, show_values, neutral, basemap):
    W, H = fig.get_size_inches()
    x, y, w, h = rect_in
    ax = fig.add_axes((x / W, y / H, w / W, h / H))
    drawn = draw_map(ax, spec, style, focus=focus, show_values=show_values, neutral=neutral)
    if focus is not None and (drawn.areas["code"] == focus).any():  # a locator map: keep the township clear
        keep_clear = drawn.areas.loc[drawn.areas["code"] == focus].union_all()
    else:
        keep_clear = (drawn.outline if drawn.outline is not None else drawn.areas).union_all()
    obstacles = place_furniture(ax, style, keep_clear)
    if spec.labels:
        place_labels(ax, spec, style, drawn, obstacles, focus=focus, show_values=show_values, neutral=neutral)
    place_neighbour_names(ax, style, drawn, obstacles)
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


def column_layout(
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
    floor = foot / H  # the column ends where the map does
    for shrink in COLUMN_SHRINK:  # a long legend (a change map's classes): smaller type until the column fits
        drawn, bottom = _column(
            fig,
            spec,
            _smaller(style, shrink),
            x=cx,
            top=top,
            col=col,
            notices=notices,
            internal=internal and not printed,
            neutral=neutral,
        )
        if bottom >= floor or shrink == COLUMN_SHRINK[-1]:
            break
        for artist in drawn:
            artist.remove()
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


def inset_layout(fig, spec, style, *, internal, focus, show_values, neutral, basemap) -> None:
    """The map on top; under it the legend in two columns and one line of notices (示意边界 · 样例数据 · 内部资料)."""
    W, H = fig.get_size_inches()
    m = 0.04
    handles = legend_handles(spec, classes=not neutral)
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


# The sizes the legend column's type is tried at, largest first, until the column fits beside the map.
COLUMN_SHRINK = (1.0, 0.92, 0.85, 0.78)


def _smaller(style: Style, factor: float) -> Style:
    """The style with the legend column's type (legend, its title, notes) `factor` times its size."""
    if factor == 1:
        return style
    return replace(
        style, legend=style.legend * factor, legend_title=style.legend_title * factor, note=style.note * factor
    )


def _column(fig, spec, style, *, x, top, col, notices, internal, neutral) -> tuple[list, float]:
    """The column beside the map, from `top` down: the legend, the notices (示意边界, 样例数据), 内部资料 when
    `internal`, the legend's notes. Returns its artists and the figure y of its lower edge."""
    W, H = fig.get_size_inches()
    lg = _legend(fig, spec, style, x=x, y=top, width=col, classes=not neutral)
    drawn = [lg]
    y = _below(fig, lg) - 0.18 / H
    chars = _chars(col - 0.2, style.note * 1.1)
    for text, color, face in notices:
        b = _badge(fig, x + 0.05 / W, y, _wrap(text, chars), size=style.note * 1.1, color=color, face=face)
        drawn.append(b)
        y = _below(fig, b) - 0.16 / H
    if internal:
        b = _badge(fig, x + 0.05 / W, y, t("report.internal"), size=style.note * 1.25, color=INTERNAL_COLOR, bold=True)
        drawn.append(b)
        y = _below(fig, b) - 0.16 / H
    for note in maps.legend_notes(spec):  # less 样例数据: the marking says it already
        txt = fig.text(
            x + 0.02 / W,
            y,
            _wrap(note, _chars(col - 0.1, style.note)),
            fontsize=style.note,
            va="top",
            color="#525252",
            linespacing=1.3,
        )
        drawn.append(txt)
        y = _below(fig, txt) - 0.1 / H
    return drawn, y + 0.1 / H


def _below(fig, artist) -> float:
    """The figure y (0–1) of an artist's lower edge."""
    bb = artist.get_window_extent(fig.canvas.get_renderer())
    return fig.transFigure.inverted().transform((0, bb.y0))[1]


def _legend(fig, spec: MapSpec, style: Style, *, x: float, y: float, width: float, classes: bool = True):
    """The legend at (x, y) (figure fractions, its top left corner), its title broken to fit `width` inches."""
    handles = legend_handles(spec, classes=classes)
    pad = 2 * 0.7 * style.legend / 72  # the frame's padding (borderpad, in legend font sizes) on both sides
    title = _fit_title(fig, maps.spec_legend_title(spec), style.legend_title, width - pad) if classes else None
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
    parts = [maps.spec_legend_title(spec)]
    if spec.as_of and not spec.baseline:  # a change map's title names both dates
        parts.append(t("app.as_of", date=spec.as_of))
    return "　".join(parts)
