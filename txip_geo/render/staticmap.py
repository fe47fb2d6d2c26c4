"""Static maps for print and slides (matplotlib): the same classes and colours as the web map, drawn in EPSG:4549.

The entry of the static maps: `figure` makes a map as a matplotlib Figure in one of three layouts, `render` gives its
PNG or PDF bytes, `save` and `save_pdf` write figures. It draws a `maps.MapSpec` — the very object the web map is built
from — so the class breaks, the colours, the zero and "无数据" styles and the legend wording are the web map's
(`maps.area_style`, `maps.legend_entries`). Around the map: title, legend, scale bar, north arrow, unit labels with a
halo, the as-of date, the source line, the "示意边界" notice when the boundaries are schematic, "样例数据" for sample
data, and the "内部资料" marking unless `internal=False`. No basemap is drawn; when a caller adds one it passes its
attribution and map approval number (审图号), which are then printed on the map.

The work is in three modules: `staticmap_draw` (the map itself, the styles, the projection and the font),
`staticmap_placement` (names and furniture placed where they cover nothing) and `staticmap_layout` (the pages around
the map).
"""

from __future__ import annotations

import io

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from txip_geo.present.mapspec import MapSpec
from txip_geo.render.staticmap_draw import PRINT_STYLE, RENDER_LOCK, SLIDE_STYLE, font_used, rc_params
from txip_geo.render.staticmap_layout import column_layout, inset_layout
from txip_geo.render.staticmap_placement import nice_scale_length
from txip_geo.strings import t

__all__ = [
    "A4_LANDSCAPE",
    "LAYOUTS",
    "PRINT_DPI",
    "figure",
    "font_used",
    "nice_scale_length",
    "render",
    "save",
    "save_pdf",
]

A4_LANDSCAPE = (11.69, 8.27)  # inches
PRINT_DPI = 300


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
    with RENDER_LOCK, matplotlib.rc_context(rc_params()):
        kw = {"metadata": {"Creator": "txip-geo"}} if fmt == "pdf" else {"pil_kwargs": {"compress_level": 3}}
        fig.savefig(buf, format=fmt, dpi=dpi, facecolor="white", **kw)
    return buf.getvalue()


def save_pdf(figs: list[Figure]) -> bytes:
    """Several figures as the pages of one PDF."""
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    with RENDER_LOCK, matplotlib.rc_context(rc_params()), PdfPages(buf, metadata={"Creator": "txip-geo"}) as pdf:
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
    with RENDER_LOCK, matplotlib.rc_context(rc_params()):
        fig = Figure(figsize=figsize or default)
        FigureCanvasAgg(fig)
        kw = dict(
            focus=focus, show_values=show_values, neutral=neutral, basemap=_basemap_text(attribution, approval_no)
        )
        if layout == "inset":
            inset_layout(fig, spec, style, internal=internal, **kw)
        else:
            column_layout(
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
