"""What the map page shows, as data: indicator values per area, point layers, the ranking (an area's panel:
present.area_panel)."""

from __future__ import annotations

from string import Formatter

import geopandas as gpd
import numpy as np
import pandas as pd

from txip_geo.areas import simplify
from txip_geo.areas.datum import to_display
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.figures.compute import FigureSet
from txip_geo.figures.ranks import MORE_IS_WORSE, ranks
from txip_geo.present import area_panel, industry_view
from txip_geo.present import mapspec as maps
from txip_geo.present.mapspec import POINT_STYLES, MapSpec, PointLayer
from txip_geo.strings import t

# The panel of a township or park (present.area_panel), re-exported: the pages and tests read it here.
PANEL_COLUMNS, PANEL_METRICS, RANKING_COLUMNS = (
    area_panel.PANEL_COLUMNS,
    area_panel.PANEL_METRICS,
    area_panel.RANKING_COLUMNS,
)
UnitDetail, unit_detail, park_figures, goal_shares = (
    area_panel.UnitDetail,
    area_panel.unit_detail,
    area_panel.park_figures,
    area_panel.goal_shares,
)
columns, rank_of, case_kinds, enterprise_tags = (
    area_panel.columns,
    area_panel.rank_of,
    area_panel.case_kinds,
    area_panel.enterprise_tags,
)

# Indicators the map, the 联席会议 views, the deck and the print maps colour by (per-area columns of METRICS).
INDICATORS = [
    "patents",
    "invention_patents",
    "invention_patents_valid",
    "invention_per_10k",
    "trademarks",
    "workstations",
    "cases",
    "zero_patent_above_scale",
    "zero_patent_high_tech",
    # the enterprise tier per area (G05, G07–G11)
    "trademarks_per_10k_entities",
    "gb_filed_rate",
    "gb_passed",
    "advantage_national",
    "ip_intensive",
    "patent_standard",
]
# The map page also colours by each industry's patents (counted when first shown; not in the exports yet).
MAP_INDICATORS = [*INDICATORS, *industry_view.INDICATORS]
# Percentages classed on a fixed scale whose last bounds are the goal's (G07: more than 90 %), not on quantiles.
FIXED_BREAKS = {"gb_filed_rate": [50.0, 70.0, 80.0, 90.0, 100.0]}
# How the zero class of a "less is better" indicator reads (strings key; default map.legend_zero_none "0（无）").
ZERO_LABELS = {"zero_patent_above_scale": "map.legend_zero_no_gap", "zero_patent_high_tech": "map.legend_zero_no_gap"}


def _fill(key: str, **values):
    """t(key, **values) for columns: the template's text and the values (Series, arrays or str) joined with +, left to
    right, as pandas joins them (a missing value stays missing)."""
    out = None
    for text, field, _, _ in Formatter().parse(t(key)):
        for part in ([text] if text else []) + ([values[field]] if field is not None else []):
            out = part if out is None else out + part
    return out


indicator_label, ready = industry_view.indicator_label, industry_view.ready  # an industry's too


def decimals_for(key: str) -> int:
    return {"invention_per_10k": 2, "trademarks_per_10k_entities": 1, "gb_filed_rate": 1}.get(key, 0)


def area_values(fs: FigureSet, view: str, indicator: str) -> pd.DataFrame:
    ready(fs, indicator)
    table = fs.units if view == "units" else fs.parks
    return table[["code", "name", indicator]].rename(columns={indicator: "value"})


def area_frame(fs: FigureSet, layer: gpd.GeoDataFrame, view: str, indicator: str) -> gpd.GeoDataFrame:
    vals = area_values(fs, view, indicator)
    g = layer[["code", "geometry"]].merge(vals, on="code", how="left")
    return gpd.GeoDataFrame(g, geometry="geometry", crs=layer.crs)


def _display_points(df: pd.DataFrame) -> pd.DataFrame:
    """lon/lat converted from each record's datum to the display datum; rows without coordinates dropped."""
    df = df[df["lon"].notna() & df["lat"].notna()].copy()
    if df.empty:
        return df.assign(dlon=[], dlat=[])
    df["dlon"], df["dlat"] = np.nan, np.nan
    for datum, part in df.groupby(df["datum"].fillna("").replace("", "WGS84")):
        lon, lat = to_display(part["lon"].to_numpy(float), part["lat"].to_numpy(float), datum)
        df.loc[part.index, "dlon"], df.loc[part.index, "dlat"] = lon, lat
    return df


def point_layers(
    fs: FigureSet, *, workstations=True, cases=True, enterprises=False, zero_only=False, cluster_threshold: int = 100
) -> list[PointLayer]:
    gaz = load_gazetteer()
    layers = []
    if workstations:
        w = _display_points(fs.records["workstations"])
        w = w[w["active"] == 1] if len(w) else w
        if len(w):
            pts = pd.DataFrame(
                {
                    "lon": w["dlon"],
                    "lat": w["dlat"],
                    "color": w["station_type"].map(maps.station_color),
                    "tooltip": _fill(
                        "map.tip_workstation",
                        name=w["name"],
                        type=w["station_type"],
                        where=w["unit_code"].map(gaz.name_of).map(lambda n: f" · {n}" if n else ""),
                    ),
                    "radius": 7,
                }
            )
            layers.append(PointLayer(t("map.layer_workstations"), pts))
    if cases:
        c = _display_points(fs.records["cases"])
        if len(c):
            kind = c["kind_code"].fillna("enforcement")
            pts = pd.DataFrame(
                {
                    "lon": c["dlon"],
                    "lat": c["dlat"],
                    "color": kind.map(POINT_STYLES),
                    "tooltip": c["case_no"]
                    + " "
                    + kind.map(case_kinds())
                    + " "
                    + c["ip_type"].fillna("")
                    + " "
                    + c["status"].fillna(""),
                    "radius": 5,
                }
            )
            layers.append(PointLayer(t("map.layer_cases"), pts, cluster=len(pts) > cluster_threshold))
    if enterprises:
        e = _display_points(fs.records["enterprises"])
        if len(e):
            e = e[(e["above_scale"] == 1) | (e["high_tech"] == 1)]
            zero = e["patents_held"] == 0
            if zero_only:
                e, zero = e[zero], zero[zero]
            tags = enterprise_tags(e)
            pts = pd.DataFrame(
                {
                    "lon": e["dlon"],
                    "lat": e["dlat"],
                    "color": np.where(zero, POINT_STYLES["zero_patent"], POINT_STYLES["enterprise"]),
                    "tooltip": _fill(
                        "map.tip_enterprise",
                        name=e["name"],
                        tag=tags,
                        n=e["patents_held"].fillna(-1).astype(int).astype(str).replace("-1", t("map.patents_unknown")),
                    ),
                    "radius": np.where(zero, 6, 4),
                }
            )
            layers.append(PointLayer(t("map.layer_enterprises"), pts, cluster=len(pts) > cluster_threshold * 3))
    return layers


def to_datum(gdf, datum: str):
    """A display-datum (WGS84) layer converted for a basemap in another datum (GCJ-02); unchanged otherwise."""
    if gdf is None or datum != "GCJ02" or not len(gdf):
        return gdf
    from txip_geo.areas.datum import transform_geometry

    out = transform_geometry(gdf, "WGS84", "GCJ02")
    return out.set_crs(4326, allow_override=True) if hasattr(out, "set_crs") else out


def points_to_datum(layers: list[PointLayer], datum: str) -> list[PointLayer]:
    if datum != "GCJ02":
        return list(layers)
    from txip_geo.areas.datum import wgs84_to_gcj02

    out = []
    for layer in layers:
        p = layer.points.copy()
        if len(p):
            p["lon"], p["lat"] = wgs84_to_gcj02(p["lon"].to_numpy(float), p["lat"].to_numpy(float))
        out.append(PointLayer(layer.name, p, layer.cluster, layer.show))
    return out


def tile_datum(basemap) -> tuple[str, list[str]]:
    """The datum a map's layers are drawn in under `basemap` (its tiles' datum; WGS84 with no tiles) and the legend
    lines the tiles need (their credit)."""
    if basemap is None or not basemap.url:
        return "WGS84", []
    return basemap.datum, [basemap.credit()]


def map_spec(
    fs: FigureSet,
    ref: FigureSet,
    layer: gpd.GeoDataFrame,
    *,
    view: str,
    indicator: str,
    outline=None,
    neighbours=None,
    parks_layer=None,
    points=(),
    selected=None,
    basemap=None,
) -> MapSpec:
    """`ref` is the unfiltered figure set: the class breaks come from it, so colours keep their meaning under filters.

    With a basemap in GCJ-02 (高德) every layer is shifted to GCJ-02 so it sits right on the tiles."""
    ready(ref, indicator)
    label, unit = indicator_label(indicator)
    breaks = FIXED_BREAKS.get(indicator) or maps.class_breaks(
        pd.concat([ref.units[indicator], ref.parks[indicator]]).to_numpy(), k=5, integer=decimals_for(indicator) == 0
    )
    areas = area_frame(fs, layer, view, indicator)
    # Only the detail the screen can show at the zoom that fits the county (shared borders stay shared; simplify.py).
    fit = outline.total_bounds if outline is not None and len(outline) else areas.total_bounds
    areas = simplify.for_display(areas, bounds=fit)
    parks_layer = simplify.for_display(parks_layer, bounds=fit) if view == "units" else parks_layer
    extra = []
    if view == "units":
        n_un = unassigned_for(fs, indicator)
        if n_un:
            extra.append(t("map.unassigned_records", n=n_un))
    less = indicator in MORE_IS_WORSE
    if less:
        extra.append(t("map.legend_less_is_better"))
    d, credit = tile_datum(basemap)
    extra += credit
    return MapSpec(
        areas=to_datum(areas, d),
        label=label,
        unit=unit,
        breaks=breaks,
        outline=to_datum(outline, d),
        neighbours=to_datum(neighbours, d),
        parks=to_datum(parks_layer, d) if view == "units" else None,
        points=points_to_datum(list(points), d),
        selected=selected,
        schematic=bool(fs.schematic_notice),
        schematic_text=fs.schematic_notice,
        sample=fs.is_sample,
        as_of=fs.as_of,
        extra_lines=extra,
        decimals=decimals_for(indicator),
        basemap=basemap,
        less_is_better=less,
        zero_label=t(ZERO_LABELS.get(indicator, "map.legend_zero_none")) if less else None,
    )


_KIND_OF = {
    "patents": "patents",
    "invention_patents": "patents",
    "invention_patents_valid": "patents",
    "invention_per_10k": "patents",
    "trademarks": "trademarks",
    "workstations": "workstations",
    "cases": "cases",
    "zero_patent_above_scale": "enterprises",
    "zero_patent_high_tech": "enterprises",
    "trademarks_per_10k_entities": "trademarks",
    **dict.fromkeys(
        ("gb_filed_rate", "gb_passed", "advantage_national", "ip_intensive", "patent_standard"), "enterprises"
    ),
}


def unassigned_for(fs: FigureSet, indicator: str) -> int:
    """How many records of the indicator's kind could not be placed in a township (the map's and the panel's note);
    0 for an indicator not counted from located records."""
    kind = _KIND_OF.get(indicator)
    return fs.no_unit_count(kind) if kind else 0


def unit_at(layer: gpd.GeoDataFrame, lon: float, lat: float) -> str | None:
    """The code of the polygon containing the clicked point (None outside every polygon)."""
    from shapely.geometry import Point

    p = Point(lon, lat)
    hit = layer[layer.geometry.contains(p) | layer.geometry.touches(p)]
    return None if hit.empty else str(hit["code"].iloc[0])


def ranking(fs: FigureSet, view: str, indicator: str) -> pd.DataFrame:
    """The areas ranked on an indicator (1 = best; for 'more is worse' indicators 1 = fewest), missing values last:
    columns rank, name, value of `RANKING_COLUMNS` (formatted with the indicator's unit)."""
    _, unit = indicator_label(indicator)
    fs = ready(fs, indicator)
    table = (fs.units if view == "units" else fs.parks)[["code", "name", indicator]]
    rank, name, value = columns(RANKING_COLUMNS, "rank", "name", "value")
    out = pd.DataFrame(
        {
            rank: ranks(table[indicator], indicator).astype("Int64"),
            name: table["name"],
            value: [maps.format_value(v, unit) for v in table[indicator]],
        }
    )
    return out.sort_values([rank, name], na_position="last", kind="stable").reset_index(drop=True)
