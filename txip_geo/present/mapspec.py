"""What a map shows, as data: the MapSpec (areas, classes, legend, notices, points), class breaks and labels, the
colours of classes and points. Both the web map (render.folium_map) and the static maps (render.staticmap) draw it.

A map of a change (基期 → 当前) carries diverging classes (ChangeScale) in MapSpec.breaks: area_style, classify and
spec_legend_entries, which every renderer calls, colour and word them as such."""

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


def classify(value, breaks: list[float] | ChangeScale) -> str | int:
    """'missing', 'zero', or the class index (values above the last break go into the last class); for a change
    (ChangeScale) the signed class index (change_class)."""
    if isinstance(breaks, ChangeScale):
        return change_class(value, breaks)
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
    value,
    breaks: list[float] | ChangeScale,
    selected: bool = False,
    zero_good: bool = False,
    less_is_better: bool = False,
) -> dict:
    """`zero_good`: a zero is good news (calm colour, no alarm border) rather than a gap; `less_is_better` implies it
    and colours the classes warm. A change map's classes (ChangeScale) carry their own direction (change_style)."""
    if isinstance(breaks, ChangeScale):
        return change_style(value, breaks, selected)
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
    breaks: list[float] | ChangeScale  # a change map (基期→当前): its diverging classes
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
    baseline: str | None = None  # a change map: the 基期 date (as_of: the current one); areas also carry
    # baseline and current, value is the change


def spec_legend_entries(spec: MapSpec) -> list[tuple[str, str]]:
    """The class rows of a spec's legend (the web map's and the static maps')."""
    if isinstance(spec.breaks, ChangeScale):
        return change_legend_entries(spec.breaks)
    return legend_entries(spec.breaks, spec.unit, spec.decimals, spec.zero_label, spec.zero_good, spec.less_is_better)


def legend_notes(spec: MapSpec) -> list[str]:
    """The lines under the legend. 样例数据 is not one of them: the notice beside the map says it."""
    return list(spec.extra_lines)


def spec_legend_title(spec: MapSpec) -> str:
    """The legend's title: the indicator and its unit; for a change map also 基期 date → current date."""
    if spec.baseline:
        return t("change.legend_title", label=spec.label, unit=spec.unit, baseline=spec.baseline, current=spec.as_of)
    return t("map.legend_title", label=spec.label, unit=spec.unit)


def area_texts(spec: MapSpec) -> tuple[list[str], list[str]]:
    """What each area of spec.areas says (plain text): in its tooltip and under its name. A value; for a change map
    the change, and in the tooltip also the baseline and current values."""
    values = spec.areas["value"]
    if not isinstance(spec.breaks, ChangeScale):
        texts = [format_value(v, spec.unit) for v in values]
        return texts, texts
    sc = spec.breaks
    labels = [format_change(v, spec.unit, sc.decimals, sc.missing_label) for v in values]
    tips = [
        lbl
        if pd.isna(v)
        else t("change.tooltip", change=lbl, baseline=format_value(b, spec.unit), current=format_value(c, spec.unit))
        for lbl, v, b, c in zip(labels, values, spec.areas["baseline"], spec.areas["current"])
    ]
    return tips, labels


# -- a change (基期 → 当前): diverging classes ----------------------------------------------------------------------

# ColorBrewer RdBu (colour-blind safe), light to dark with the size of the change: blue where the indicator got better,
# red where it got worse -- for a "less is better" indicator a decrease is blue. A change of 0 is a neutral light
# grey; an area with no baseline gets the hatched "no data" style (MISSING_COLOR), never the colour of 0.
BETTER_PALETTE = ["#92c5de", "#4393c3", "#2166ac", "#053061"]


WORSE_PALETTE = ["#f4a582", "#d6604d", "#b2182b", "#67001f"]


NO_CHANGE_COLOR = "#d9d9d9"


CHANGE_CLASSES = 4  # classes on each side of 0


@dataclass(frozen=True)
class ChangeScale:
    """The classes of a change map, in MapSpec.breaks in place of a list of bounds (area_style, classify and
    spec_legend_entries, which every renderer calls, draw them as such): `bounds` are the upper bounds of the classes
    on each side of 0, the same for increases and decreases (symmetric around 0; whole numbers for counts).
    `less_is_better`: a decrease is the good direction. `missing_label`: what an area without a change reads
    (无基期数据 when the indicator has no baseline, else 无数据). `ups`/`downs`: whether any area increased /
    decreased -- the legend lists only the side that occurs (the classes stay symmetric)."""

    bounds: tuple[float, ...]
    decimals: int = 0
    less_is_better: bool = False
    missing_label: str = ""
    ups: bool = True
    downs: bool = True


def change_scale(values, decimals: int = 0, less_is_better: bool = False, missing_label: str = "", k: int = 4):
    """Symmetric classes for changes: class_breaks of the sizes of the non-zero changes (whole-number classes when
    `decimals` is 0), on both sides of 0."""
    known = [float(v) for v in values if v is not None and not pd.isna(v) and v != 0]
    bounds = class_breaks([abs(v) for v in known], k=k, integer=decimals == 0)
    ups, downs = any(v > 0 for v in known), any(v < 0 for v in known)
    return ChangeScale(tuple(bounds), decimals, less_is_better, missing_label or t("change.no_baseline"), ups, downs)


def change_class(value, scale: ChangeScale) -> str | int:
    """'missing' (no change known), 'zero', or the class: +1 … +n for increases, -1 … -n for decreases (1 = smallest)."""
    if value is None or pd.isna(value):
        return "missing"
    if value == 0:
        return "zero"
    size = abs(float(value))
    i = next((i for i, b in enumerate(scale.bounds) if size <= b + 1e-9), len(scale.bounds) - 1)
    return (i + 1) if value > 0 else -(i + 1)


def change_better(cls: int, scale: ChangeScale) -> bool:
    """Whether a class of changes is the good direction (an increase, or a decrease when less is better)."""
    return (cls > 0) != scale.less_is_better


def change_color(cls, scale: ChangeScale) -> str:
    if cls == "missing":
        return MISSING_COLOR
    if cls == "zero":
        return NO_CHANGE_COLOR
    palette = BETTER_PALETTE if change_better(cls, scale) else WORSE_PALETTE
    n, i = len(scale.bounds), abs(cls) - 1
    idx = (1 if n == 1 else round(i * (len(palette) - 1) / (n - 1))) if n < len(palette) else i
    return palette[min(idx, len(palette) - 1)]


def change_style(value, scale: ChangeScale, selected: bool = False) -> dict:
    """The style of an area on a change map: no alarm border (a change of 0 is no gap); no baseline dashed, as 无数据."""
    cls = change_class(value, scale)
    style = {
        "fillColor": change_color(cls, scale),
        "fillOpacity": 0.85 if cls != "missing" else 0.6,
        "color": SELECTED_COLOR if selected else "#636363",
        "weight": 4 if selected else 1,
        "dashArray": "6 4" if cls == "missing" else None,
    }
    return {k: v for k, v in style.items() if v is not None}


def change_legend_entries(scale: ChangeScale) -> list[tuple[str, str]]:
    """(colour, label) of every class, largest increase first, then 无变化, the decreases, and the areas with no
    change known last; each class says in words what it means ("增加 3–5（向好）"). A side no area falls on is left
    out (a map where nothing decreased lists no decreases)."""
    ranges = class_labels(list(scale.bounds), scale.decimals)
    n = len(scale.bounds)

    def word(cls):
        return t("change.better" if change_better(cls, scale) else "change.worse")

    ups = [
        (change_color(i, scale), t("change.legend_up", range=ranges[i - 1], meaning=word(i))) for i in range(n, 0, -1)
    ]
    downs = [
        (change_color(-i, scale), t("change.legend_down", range=ranges[i - 1], meaning=word(-i)))
        for i in range(1, n + 1)
    ]
    ups, downs = (ups if scale.ups else []), (downs if scale.downs else [])
    return [*ups, (NO_CHANGE_COLOR, t("change.legend_zero")), *downs, (MISSING_COLOR, scale.missing_label)]


def format_change(value, unit: str, decimals: int = 0, missing: str = "") -> str:
    """A change with its sign: "+1,020 件", "-3 件", "0 件"; rates in percentage points ("+13.9 个百分点");
    `missing` (default 无数据) when the change is not known."""
    if value is None or pd.isna(value):
        return missing or t("map.legend_missing")
    v = float(value)
    if unit == "%":
        return t("change.points", value="0" if v == 0 else f"{v:+.1f}")
    if v == 0:
        return f"0 {unit}"
    if v.is_integer() and decimals == 0:
        return f"{int(v):+,} {unit}"
    return f"{v:+,.{max(decimals, 2)}f} {unit}"
