"""What the map page shows, as data: indicator values per area, point layers, a township's detail panel."""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter

import geopandas as gpd
import numpy as np
import pandas as pd

from txip_geo.areas import simplify
from txip_geo.areas.datum import to_display
from txip_geo.areas.gazetteer import CITY_CODE, load_gazetteer
from txip_geo.figures.compute import METRICS, POPULATION_BASES, FigureSet, population_measure
from txip_geo.figures.ranks import MORE_IS_WORSE, ranks
from txip_geo.ingest.patent_numbers import PATENT_TYPE_LABELS
from txip_geo.plan import goal_table
from txip_geo.present import industry_view
from txip_geo.present import mapspec as maps
from txip_geo.present.mapspec import POINT_STYLES, MapSpec, PointLayer
from txip_geo.strings import t

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
]
# The map page also colours by each industry's patents (counted when first shown; not in the exports yet).
MAP_INDICATORS = [*INDICATORS, *industry_view.INDICATORS]
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


def _case_kinds() -> dict[str, str]:
    return {"enforcement": t("map.case_enforcement"), "dispute": t("map.case_dispute")}


def _enterprise_tags(e: pd.DataFrame):
    return np.where(e["high_tech"] == 1, t("map.enterprise_high_tech"), t("map.enterprise_above_scale"))


indicator_label, ready = industry_view.indicator_label, industry_view.ready  # an industry's too


def decimals_for(key: str) -> int:
    return 2 if key == "invention_per_10k" else 0


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
                    + kind.map(_case_kinds())
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
            tags = _enterprise_tags(e)
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
    breaks = maps.class_breaks(
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


# The panel tables' columns: identifier -> strings key of the name shown (pages find a column by identifier).
RANKING_COLUMNS = {"rank": "map.col_rank", "name": "map.col_name", "value": "map.col_value"}
PANEL_COLUMNS = {"metric": "panel.col_metric", "value": "panel.col_value", "rank": "panel.col_rank"}


def columns(table: dict[str, str], *ids: str) -> tuple[str, ...]:
    """The shown names of the columns `ids` of a panel table (`RANKING_COLUMNS` or `PANEL_COLUMNS`)."""
    return tuple(t(table[i]) for i in ids)


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


# -- the township panel -----------------------------------------------------------------------------------------

PANEL_METRICS = [
    "patents",
    "invention_patents_valid",
    "invention_patents_long",
    "invention_per_10k",
    "trademarks",
    "workstations",
    "enforcement_cases",
    "enforcement_rate",
    "disputes",
    "mediation_rate",
    "above_scale",
    "high_tech",
    "zero_patent_above_scale",
    "zero_patent_high_tech",
    "area_km2",
    "population",
]


def park_figures(row: pd.Series) -> pd.DataFrame:
    """A park's panel (`row`: its row of FigureSet.parks): metric, value of `PANEL_COLUMNS`; no population of its own."""
    metric, value = columns(PANEL_COLUMNS, "metric", "value")
    return pd.DataFrame(
        [
            {metric: METRICS[m][0], value: maps.format_value(row[m], METRICS[m][1])}
            for m in PANEL_METRICS
            if m in row.index and m != "population"
        ]
    )


@dataclass
class UnitDetail:
    code: str
    name: str
    figures: pd.DataFrame  # metric, value, rank of PANEL_COLUMNS
    trend: pd.DataFrame  # index app_year, columns 发明/实用新型/外观设计
    workstations: pd.DataFrame
    zero_enterprises: pd.DataFrame
    cases: pd.DataFrame
    goal_shares: pd.DataFrame
    network: dict


def rank_of(fs: FigureSet, code: str, metric: str, units: pd.DataFrame | None = None) -> int | None:
    """Rank among the 17 (1 = best; for 'more is worse' metrics 1 = fewest); None when the value is missing."""
    s = (units if units is not None else fs.units.set_index("code"))[metric]
    if pd.isna(s.get(code)):
        return None
    return int(ranks(s, metric)[code])


def unit_detail(fs: FigureSet, code: str, personal: bool = True) -> UnitDetail:
    gaz = load_gazetteer()
    units = fs.units.set_index("code")
    row = units.loc[code]
    figs = []
    metric, value, rank_col = columns(PANEL_COLUMNS, "metric", "value", "rank")
    for m in PANEL_METRICS:
        label, unit = METRICS[m]
        rank = rank_of(fs, code, m, units) if m not in ("area_km2", "population") else None
        figs.append({metric: label, value: maps.format_value(row[m], unit), rank_col: f"{rank}/17" if rank else ""})
    p = fs.patents  # counts (FigureSet.patents), not records
    p = p[p["unit_code"] == code] if len(p) else p
    if len(p):
        kind = t("panel.trend_type")
        trend = (
            p.assign(**{kind: p["patent_type"].map(PATENT_TYPE_LABELS)})
            .groupby(["app_year", kind])["n"]
            .sum()
            .unstack(fill_value=0)
        )
        trend.index = trend.index.astype(int).astype(str)
        # A continuous year axis, the same for every township (the city's first to last year shown): a year without
        # patents is a row of zeros, so 2001 and 2005 are never drawn as neighbours.
        first, last = fs.patent_years() or (int(trend.index.min()), int(trend.index.max()))
        trend = trend.reindex(
            index=[str(y) for y in range(first, last + 1)],
            columns=[c for c in PATENT_TYPE_LABELS.values() if c in trend.columns],
            fill_value=0,
        )
    else:
        trend = pd.DataFrame()
    w = fs.records["workstations"]
    w = w[(w["unit_code"] == code) & (w["active"] == 1)] if len(w) else w
    ws = (
        w[["name", "station_type", "host", "established"]].rename(
            columns={
                "name": t("panel.ws_name"),
                "station_type": t("panel.ws_type"),
                "host": t("panel.ws_host"),
                "established": t("panel.ws_established"),
            }
        )
        if len(w)
        else pd.DataFrame()
    )
    e = fs.records["enterprises"]
    e = (
        e[(e["unit_code"] == code) & (e["patents_held"] == 0) & ((e["above_scale"] == 1) | (e["high_tech"] == 1))]
        if len(e)
        else e
    )
    ze = (
        pd.DataFrame(
            {
                t("panel.ze_name"): e["name"],
                t("panel.ze_class"): _enterprise_tags(e),
                t("panel.ze_trademarks"): e["trademarks_held"],
                t("panel.ze_industry"): e["industry"],
            }
        )
        if len(e)
        else pd.DataFrame()
    )
    c = fs.records["cases"]
    c = c[c["unit_code"] == code] if len(c) else c
    if len(c):
        cases = pd.DataFrame(
            {
                t("panel.case_no"): c["case_no"],
                t("panel.case_class"): c["kind_code"].map(_case_kinds()),
                t("panel.case_type"): c["ip_type"],
                t("panel.case_cause"): c["cause"],
                t("panel.case_date"): c["accepted_date"],
                t("panel.case_status"): c["status"],
                t("panel.case_outcome"): c["outcome"],
            }
        )
        if personal:
            cases.insert(4, t("panel.case_party"), c["party"].to_numpy())
        cases = cases.sort_values(t("panel.case_date"), ascending=False)
    else:
        cases = pd.DataFrame()
    net = {k: row.get(k) for k in ("has_office", "staff", "fund_wan")}
    return UnitDetail(code, gaz.name_of(code), pd.DataFrame(figs), trend, ws, ze, cases, goal_shares(fs, code), net)


# Goals that are counts a township contributes to (its share = target × its population ÷ the city's).
SHARE_GOALS = {
    "G01": "invention_patents_valid",
    "G02": "invention_patents_long",
    "G04": "trademarks",
    "G16": "training_attendees",
}
# Goals that are rates: the township's own rate is compared with the target itself.
RATE_GOALS = {"G03": "invention_per_10k", "G07": None, "G13": "enforcement_rate", "G14": "mediation_rate"}


def goal_shares(fs: FigureSet, code: str) -> pd.DataFrame:
    """Per goal: the township's value, its share of the target, the gap and the status. Values are display text
    ('—' when missing); 说明 says in Chinese why a value is missing (no population for the unit or for the city on or
    before the view's date, no high-tech enterprises, no cases)."""
    from txip_geo.figures.compute import base_date, pick_base
    from txip_geo.present.formatting import fmt_number

    goals = goal_table().set_index("id")
    row = fs.units.set_index("code").loc[code]
    day = base_date(fs.settings, fs.as_of)
    city = pick_base(
        fs.population,
        CITY_CODE,
        (population_measure(fs.settings.population_base), population_measure(POPULATION_BASES[0])),
        day,
    )
    city_pop = city.value
    out = []
    for gid, metric in {**SHARE_GOALS, **RATE_GOALS}.items():
        g = goals.loc[gid]
        if gid == "G07":
            value = (row["high_tech_gb_filed"] / row["high_tech"] * 100) if row["high_tech"] else np.nan
        else:
            value = row[metric]
        if gid in SHARE_GOALS:
            if pd.isna(row["population"]):
                target, note = np.nan, t("goals.share_no_unit_population", date=day)
            elif not city_pop:
                target, note = (
                    np.nan,
                    t("goals.share_no_city_population", base=fs.settings.population_base, why=city.missing),
                )
            else:
                target = round(g["target"] * row["population"] / city_pop, 1)
                note = t("goals.share_note_count", target=g["target"], share=row["population"] / city_pop)
        else:
            target, note = g["target"], t("goals.share_note_rate")
            if pd.isna(value):  # why the rate cannot be computed for this township
                note = {"G03": t("goals.share_no_unit_population", date=day), "G07": t("goals.share_no_high_tech")}.get(
                    gid, t("goals.share_no_cases")
                )
        if pd.isna(value) or pd.isna(target):
            status, gap = t("goal_status.no_data"), np.nan
        else:
            met = value > target if g["comparator"] == ">" else value >= target
            status, gap = (
                t("goal_status.met" if met else "goal_status.not_met"),
                (0.0 if met else round(target - value, 2)),
            )
        out.append(
            {
                t("goals.col_id"): gid,
                t("goals.col_name"): g["name"],
                t("goals.col_share_value"): fmt_number(value),
                t("goals.col_share_target"): fmt_number(target),
                t("goals.col_gap"): fmt_number(gap),
                t("goals.col_status"): status,
                t("goals.col_note"): note,
            }
        )
    return pd.DataFrame(out)
