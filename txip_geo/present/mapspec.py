"""What a map shows, as data: the MapSpec (areas, classes, legend, notices, points), class breaks and labels, the
colours of classes and points. Both the web map (render.folium_map) and the static maps (render.staticmap) draw it."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from txip_geo.strings import t

# Sequential classes for positive values (ColorBrewer Blues, colour-blind safe), a loud colour for a true zero and a
# neutral hatched grey for "no data": the two must never be confused.
PALETTE = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]


# Classes of an indicator where less is better (零专利企业, cases, gaps): warmer as the value grows (ColorBrewer OrRd),
# a zero being the calm "none" class.
WARM_PALETTE = ["#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"]


ZERO_COLOR = "#fd8d3c"


# A zero that is good news (no gaps, no zero-patent enterprises): a calm green with no alarm border.
ZERO_GOOD_COLOR = "#a1d99b"


MISSING_COLOR = "#f0f0f0"


OUTLINE_COLOR = "#252525"


SELECTED_COLOR = "#e31a1c"

# The parks' outlines, on every map that draws them (web, static, the boundary editor).
PARK_COLOR = "#54278f"


# The station types the plan names, as a workstation's 类型 is written: identifier -> name (strings [station_type]).
STATION_TYPES = {k: t(f"station_type.{k}") for k in ("ip", "brand", "rights", "navigation")}

POINT_STYLES = {
    # workstation types (STATION_TYPES), and any other type
    "station_ip": "#1b9e77",
    "station_brand": "#d95f02",
    "station_rights": "#7570b3",
    "station_navigation": "#e7298a",
    "station_other": "#66a61e",
    # cases
    "enforcement": "#b2182b",
    "dispute": "#2166ac",
    # enterprises
    "enterprise": "#525252",
    "zero_patent": "#e31a1c",
}
_STATION_BY_NAME = {name: f"station_{k}" for k, name in STATION_TYPES.items()}


def station_color(station_type) -> str:
    """A workstation's point colour by its 类型 as written (a type the plan does not name: `station_other`'s)."""
    return POINT_STYLES[_STATION_BY_NAME.get(station_type, "station_other")]


# Point colour → legend wording (the station types name themselves).
POINT_LABELS = {
    POINT_STYLES["enforcement"]: t("map.point_enforcement"),
    POINT_STYLES["dispute"]: t("map.point_dispute"),
    POINT_STYLES["enterprise"]: t("map.point_enterprise"),
    POINT_STYLES["zero_patent"]: t("map.point_zero_patent"),
    POINT_STYLES["station_other"]: t("map.point_other_station"),
    **{POINT_STYLES[f"station_{k}"]: name for k, name in STATION_TYPES.items()},
}


def text_html(value) -> str:
    """Record text as inert HTML, also inside a JavaScript template literal (folium writes a Tooltip's text into a
    `…` literal, where ${…}, back-ticks and backslash escapes would otherwise be evaluated)."""
    return html.escape(str(value)).replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def nice_number(x: float) -> float:
    """Round up to 1, 2, 2.5 or 5 × 10^k (legend-friendly)."""
    if x <= 0:
        return 0.0
    exp = math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if x <= m * 10**exp + 1e-9:
            return float(m * 10**exp)
    return float(10 ** (exp + 1))


def _is_integral(v: np.ndarray) -> bool:
    return bool(np.all(np.abs(v - np.round(v)) < 1e-9))


def class_breaks(values, k: int = 5, integer: bool | None = None) -> list[float]:
    """Upper bounds of up to k classes for the positive values (rounded quantiles, strictly increasing).

    `integer` (default: whether every value is a whole number): the values are counts, so the bounds are whole
    numbers and a class is an integer range (1, 2, 3–5, 6–10 …; see `legend_entries`).
    Compute them from the unfiltered figures and keep them while filters change, so a colour keeps its meaning.
    """
    v = np.asarray([x for x in values if x is not None and not pd.isna(x) and x > 0], dtype=float)
    if v.size == 0:
        return [1.0]
    if integer is None:
        integer = _is_integral(v)
    qs = np.quantile(v, np.linspace(0, 1, k + 1)[1:])
    out: list[float] = []
    for q in qs:
        b = _nice_count(q) if integer else nice_number(q)
        if not out or b > out[-1]:
            out.append(b)
    if out[-1] < v.max():
        out.append(_nice_count(v.max()) if integer else nice_number(v.max()))
    return out


def _nice_count(x: float) -> float:
    """A whole-number class bound at or above x: the number itself below 10, else a nice number (15 → 20, 480 → 500)."""
    return float(math.ceil(x - 1e-9)) if x < 10 else nice_number(x)


def classify(value, breaks: list[float]) -> str | int:
    """'missing', 'zero', or the class index (values above the last break go into the last class)."""
    if value is None or pd.isna(value):
        return "missing"
    if value == 0:
        return "zero"
    for i, b in enumerate(breaks):
        if value <= b:
            return i
    return len(breaks) - 1


def class_color(cls, n_classes: int, zero_good: bool = False, less_is_better: bool = False) -> str:
    """`less_is_better`: the indicator's direction — its zero is good news and its classes grow warmer."""
    if cls == "missing":
        return MISSING_COLOR
    if cls == "zero":
        return ZERO_GOOD_COLOR if (zero_good or less_is_better) else ZERO_COLOR
    palette = WARM_PALETTE if less_is_better else PALETTE
    # Spread the classes over the palette.
    idx = cls if n_classes >= len(palette) else round(cls * (len(palette) - 1) / max(n_classes - 1, 1))
    return palette[min(idx, len(palette) - 1)]


def area_style(
    value, breaks: list[float], selected: bool = False, zero_good: bool = False, less_is_better: bool = False
) -> dict:
    """`zero_good`: a zero is good news (calm colour, no alarm border) rather than a gap; `less_is_better` implies it
    and colours the classes warm."""
    cls = classify(value, breaks)
    alarm = cls == "zero" and not (zero_good or less_is_better)
    style = {
        "fillColor": class_color(cls, len(breaks), zero_good, less_is_better),
        "fillOpacity": 0.85 if cls != "missing" else 0.6,
        "color": SELECTED_COLOR if selected else ("#bd0026" if alarm else "#636363"),
        "weight": 4 if selected else (2.5 if alarm else 1),
        "dashArray": "6 4" if cls == "missing" else None,
    }
    return {k: v for k, v in style.items() if v is not None}


def format_value(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return t("map.legend_missing")
    if unit in ("%",):
        return f"{value:.1f}%"
    if float(value).is_integer():
        return f"{int(value):,} {unit}"
    return f"{value:,.2f} {unit}"


def class_labels(breaks: list[float], decimals: int = 0) -> list[str]:
    """The wording of the positive classes. Counts (`decimals` 0, whole-number bounds) read as integer ranges that
    neither overlap nor leave gaps: "1", "2", "3–5", "6–10" (a class (a, b] of whole numbers is a+1 … b). Rates keep
    their decimals: "＞0–0.50", "0.50–1.00" (each class includes its upper bound)."""
    if decimals == 0 and all(float(b).is_integer() for b in breaks):
        out, lo = [], 1
        for b in breaks:
            hi = int(b)
            out.append(f"{hi:,}" if hi == lo else f"{lo:,}–{hi:,}")
            lo = hi + 1
        return out
    fmt = (lambda x: f"{x:g}") if decimals == 0 else (lambda x: f"{x:.{decimals}f}")
    out, lo = [], 0.0
    for i, b in enumerate(breaks):
        out.append(f"{fmt(lo)}–{fmt(b)}" if i else t("map.class_first", hi=fmt(b)))
        lo = b
    return out


def legend_entries(
    breaks: list[float],
    unit: str,
    decimals: int = 0,
    zero_label: str | None = None,
    zero_good: bool = False,
    less_is_better: bool = False,
) -> list[tuple[str, str]]:
    """(colour, label) pairs, zero and missing first. `zero_label` replaces the default wording of the zero class."""
    calm = zero_good or less_is_better
    rows = [
        (
            ZERO_GOOD_COLOR if calm else ZERO_COLOR,
            zero_label or t("map.legend_zero_none" if calm else "map.legend_zero"),
        ),
        (MISSING_COLOR, t("map.legend_missing")),
    ]
    for i, label in enumerate(class_labels(breaks, decimals)):
        rows.append((class_color(i, len(breaks), less_is_better=less_is_better), label))
    return rows


def point_legend(layers: list[PointLayer]) -> list[tuple[str, str]]:
    """(colour, label) of every kind of point drawn, in the order they first appear (one row per colour)."""
    rows: dict[str, str] = {}
    for layer in layers:
        if not len(layer.points) or "color" not in layer.points:
            continue
        for c in dict.fromkeys(layer.points["color"].astype(str)):
            rows.setdefault(c, POINT_LABELS.get(c, layer.name))
    return list(rows.items())


@dataclass
class PointLayer:
    name: str  # Chinese layer name shown in the layer control
    points: pd.DataFrame  # lon, lat (display datum), color, tooltip (plain text), optional radius
    cluster: bool = False
    show: bool = True


@dataclass
class MapSpec:
    areas: pd.DataFrame  # GeoDataFrame: code, name, value, geometry (display datum)
    label: str
    unit: str
    breaks: list[float]
    outline: pd.DataFrame | None = None
    neighbours: pd.DataFrame | None = None
    parks: pd.DataFrame | None = None  # drawn as outlines on top (when the areas are the townships)
    points: list[PointLayer] = field(default_factory=list)
    selected: str | None = None
    schematic: bool = True
    schematic_text: str = ""  # the notice's wording ('' = the default for townships and parks)
    sample: bool = False
    as_of: str | None = None
    labels: bool = True
    extra_lines: list[str] = field(default_factory=list)  # e.g. the unassigned-records note under the legend
    decimals: int = 0
    height: int = 620
    basemap: object | None = None  # basemaps.Basemap; None or no url = a clean canvas with no tiles
    zero_label: str | None = None  # legend wording of the zero class (default: map.legend_zero)
    zero_good: bool = False  # a zero is good news (e.g. no gaps): calm colour instead of the alarm style
    less_is_better: bool = False  # the indicator's direction: zero calm, classes warmer as the value grows


def spec_legend_entries(spec: MapSpec) -> list[tuple[str, str]]:
    """The class rows of a spec's legend (the web map's and the static maps')."""
    return legend_entries(spec.breaks, spec.unit, spec.decimals, spec.zero_label, spec.zero_good, spec.less_is_better)


def legend_notes(spec: MapSpec) -> list[str]:
    """The lines under the legend. 样例数据 is not one of them: the notice beside the map says it."""
    return list(spec.extra_lines)
