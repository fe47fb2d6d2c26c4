"""The network's gaps and scorecard as they are shown: display tables with Chinese headers, cell styles, the gap map's
spec (figures.network computes them)."""

from __future__ import annotations

import pandas as pd

from txip_geo.figures.compute import FigureSet
from txip_geo.figures.network import GAP_KINDS, GapKind, basis_label, scorecard
from txip_geo.present import mapspec as maps
from txip_geo.present.mapspec import MapSpec
from txip_geo.strings import t


def basis_options(gaps: pd.DataFrame) -> list[str]:
    """The 依据 values present in a gap list, in plan order: 保障措施 first, then tasks by number (the task filter)."""
    order = sorted(
        {(g.basis.startswith("measure"), g.basis) for g in GAP_KINDS},
        key=lambda x: (not x[0], x[1] if x[0] else int(x[1])),
    )
    labels = [basis_label(GapKind("", b, "")) for _, b in order]
    present = set(gaps[t("network.col_basis")])
    return [b for b in labels if b in present]


def gap_display(gaps: pd.DataFrame, screen: bool = False) -> pd.DataFrame:
    """The gap list without its machine keys (what the table and the Excel file show). `screen`: the count as text,
    blank where a gap has no count (a table widget would print "None")."""
    out = gaps.drop(columns=["gap_key", "task"], errors="ignore")
    if screen:
        col = t("network.col_count")
        out = out.assign(**{col: ["" if pd.isna(v) else f"{v:g}" for v in out[col]]})
    return out


def gap_count_frame(fs: FigureSet, view: str) -> pd.DataFrame:
    """code, name, value (缺口数) for 'units' (17 townships) or 'parks' (4): the values of the gap map."""
    card = scorecard(fs)
    is_park = card[t("network.col_kind")] == t("network.kind_park")
    card = card[is_park] if view == "parks" else card[~is_park]
    return pd.DataFrame(
        {
            "code": card[t("network.col_code")].to_numpy(),
            "name": card[t("network.col_area")].to_numpy(),
            "value": card[t("network.col_gaps")].astype(float).to_numpy(),
        }
    )


def gap_map_spec(
    fs: FigureSet, layer, *, view: str, outline=None, neighbours=None, parks_layer=None, basemap=None
) -> MapSpec:
    """A MapSpec colouring townships (or parks) by their number of gaps; 0 (no gap) in a calm colour, said in the legend.

    With a basemap in GCJ-02 (高德) every layer is shifted to GCJ-02 so it sits right on the tiles (as views.map_spec)."""
    import geopandas as gpd

    from txip_geo.present.map_view import tile_datum, to_datum

    vals = gap_count_frame(fs, view)
    both = pd.concat([gap_count_frame(fs, "units")["value"], gap_count_frame(fs, "parks")["value"]])
    breaks = maps.class_breaks(both.to_numpy(), k=5)
    g = layer[["code", "geometry"]].merge(vals, on="code", how="left")
    areas = gpd.GeoDataFrame(g, geometry="geometry", crs=layer.crs)
    extra = [t("network.gap_map_note")]  # not 样例数据: the notice beside the map says it
    d, credit = tile_datum(basemap)
    extra += credit
    return MapSpec(
        areas=to_datum(areas, d),
        label=t("network.col_gaps"),
        unit=t("network.gap_unit"),
        breaks=breaks,
        outline=to_datum(outline, d),
        neighbours=to_datum(neighbours, d),
        parks=to_datum(parks_layer, d) if view == "units" else None,
        schematic=bool(fs.schematic_notice),
        schematic_text=fs.schematic_notice,
        sample=fs.is_sample,
        as_of=fs.as_of,
        extra_lines=extra,
        zero_label=t("network.gap_map_zero"),
        zero_good=True,
        less_is_better=True,
        basemap=basemap,
    )


def scorecard_export(fs: FigureSet) -> pd.DataFrame:
    """The scorecard with missing numbers written out as 未填报 / 无数据 (a blank cell would read as "nothing")."""
    card = scorecard(fs).astype(object)
    for col, label in NUMERIC_NA.items():
        card[t(col)] = card[t(col)].where(card[t(col)].notna(), t(label))
    return card


# Numeric scorecard columns and how a missing value reads: network facts are reported by the area (未填报); the
# workstation and enterprise counts come from imported records (无数据: that kind was never imported).
NUMERIC_NA = {
    "network.col_staff": "network.unknown",
    "network.col_fund": "network.unknown",
    "network.col_ws": "network.no_data",
    "network.col_zero": "network.no_data",
}


# Cell styles of the scorecard: a confirmed "no" in red, "not reported / no data" in amber italics, "yes" in green.
CSS_NO = "background-color:#fde0dd;color:#a50f15;font-weight:600"


CSS_UNKNOWN = "background-color:#fff3cd;color:#7a5a00;font-style:italic"


CSS_YES = "color:#1a7f37"


def state_css(label) -> str:
    """CSS of a 有/无/未填报/无数据 cell."""
    if label == t("network.no"):
        return CSS_NO
    if label in (t("network.unknown"), t("network.no_data")):
        return CSS_UNKNOWN
    if label == t("network.yes"):
        return CSS_YES
    return ""


def count_css(text: str, zero_is_gap: bool = True) -> str:
    """CSS of a count cell of `scorecard_display`: 未填报/无数据 → amber italics; "0" → red when zero is a gap
    (staff, fund, workstations), green when it is good news (zero-patent enterprises); other numbers plain or red."""
    if text in (t("network.unknown"), t("network.no_data")):
        return CSS_UNKNOWN
    if text == "0":
        return CSS_NO if zero_is_gap else CSS_YES
    return "" if zero_is_gap else "color:#a50f15;font-weight:600"


def scorecard_display(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard as text for the screen: counts without decimals, missing ones written as 未填报 / 无数据."""
    out = card.copy()
    for col, label in NUMERIC_NA.items():
        out[t(col)] = [t(label) if pd.isna(v) else f"{v:g}" for v in card[t(col)]]
    return out


def scorecard_styler(card: pd.DataFrame):
    """A pandas Styler of `scorecard_display(card)` with the colours above (no, not reported and yes look different)."""
    labels = [t("network.col_office"), t("network.col_patents"), t("network.col_tm")]
    zero_is_gap = [t("network.col_staff"), t("network.col_fund"), t("network.col_ws")]
    st = scorecard_display(card).style.map(state_css, subset=labels).map(count_css, subset=zero_is_gap)
    st = st.map(lambda v: count_css(v, zero_is_gap=False), subset=[t("network.col_zero")])
    return st.map(lambda v: "font-weight:700;color:#a50f15" if v > 0 else CSS_YES, subset=[t("network.col_gaps")])


def title_lines(fs: FigureSet) -> list[str]:
    """Heading lines of the Excel export: title, sample note, as-of date, schematic-boundary note."""
    from txip_geo.present.records import heading_lines

    return heading_lines(fs, t("network.export_title"))
