"""The map page's panel of one area -- a township or a park, the same views for both: its figures with their rank,
the patent trend, workstations, zero-patent enterprises, the flagged enterprises (G07–G11), cases and its part of
the goals. A park is counted from the records placed in it (figures.compute.area_table by park_code) and ranked
among the parks; it has no population of its own, so the goals shared by population are not shared out to it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from txip_geo.areas.gazetteer import CITY_CODE, load_gazetteer
from txip_geo.figures.compute import FLAG_METRICS, METRICS, POPULATION_BASES, FigureSet, population_measure
from txip_geo.figures.ranks import ranks
from txip_geo.ingest.patent_numbers import PATENT_TYPE_LABELS
from txip_geo.plan import goal_table
from txip_geo.present import mapspec as maps
from txip_geo.strings import t

# The panel tables' columns: identifier -> strings key of the name shown (pages find a column by identifier).
RANKING_COLUMNS = {"rank": "map.col_rank", "name": "map.col_name", "value": "map.col_value"}
PANEL_COLUMNS = {"metric": "panel.col_metric", "value": "panel.col_value", "rank": "panel.col_rank"}


def columns(table: dict[str, str], *ids: str) -> tuple[str, ...]:
    """The shown names of the columns `ids` of a panel table (`RANKING_COLUMNS` or `PANEL_COLUMNS`)."""
    return tuple(t(table[i]) for i in ids)


def case_kinds() -> dict[str, str]:
    return {"enforcement": t("map.case_enforcement"), "dispute": t("map.case_dispute")}


def enterprise_tags(e: pd.DataFrame):
    return np.where(e["high_tech"] == 1, t("map.enterprise_high_tech"), t("map.enterprise_above_scale"))


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
# The enterprise tier's per-area figures of the goals G05, G07–G11 (the panel's and the 联席会议's).
ENTERPRISE_METRICS = [
    "trademarks_per_10k_entities",
    "market_entities",
    "gb_filed_rate",
    "gb_passed",
    "advantage_national",
    "ip_intensive",
    "patent_standard",
]
# Not ranked: sizes and bases, not achievements.
UNRANKED = {"area_km2", "population", "market_entities"}
# A park has no population of its own: the figures divided by one are not shown for it.
NOT_FOR_PARKS = {"population", "invention_per_10k"}
# The flags of the panel's list of flagged enterprises (records' columns, strings keys of their short names).
FLAGS = ("above_scale", "high_tech", "gb_filed", "gb_passed", "ip_intensive", "patent_standard")


def layer_of(code: str) -> str:
    """'parks' for a park's code, else 'units'."""
    return "parks" if code in load_gazetteer().park_by_code else "units"


def _by(layer: str) -> str:
    return "park_code" if layer == "parks" else "unit_code"


def _table(fs: FigureSet, layer: str) -> pd.DataFrame:
    return (fs.parks if layer == "parks" else fs.units).set_index("code")


def panel_metrics(layer: str) -> list[str]:
    """The figures of an area's panel: the core ones then the enterprise tier's (a park's without population)."""
    core = [m for m in PANEL_METRICS if m not in UNRANKED]
    sizes = [m for m in PANEL_METRICS if m in UNRANKED]
    return [m for m in [*core, *ENTERPRISE_METRICS, *sizes] if layer == "units" or m not in NOT_FOR_PARKS]


def rank_of(fs: FigureSet, code: str, metric: str, units: pd.DataFrame | None = None) -> int | None:
    """Rank among the areas of its layer (17 townships or the parks; 1 = best, for 'more is worse' metrics 1 =
    fewest); None when the value is missing."""
    s = (units if units is not None else _table(fs, layer_of(code)))[metric]
    if pd.isna(s.get(code)):
        return None
    return int(ranks(s, metric)[code])


def figures_table(fs: FigureSet, code: str, metrics: list[str] | None = None) -> pd.DataFrame:
    """metric, value, rank (of PANEL_COLUMNS) of an area's figures; the rank reads 'r/17' (or 'r/4' for a park)."""
    layer = layer_of(code)
    table = _table(fs, layer)
    row = table.loc[code]
    metric, value, rank_col = columns(PANEL_COLUMNS, "metric", "value", "rank")
    out = []
    for m in metrics or panel_metrics(layer):
        label, unit = METRICS[m]
        rank = rank_of(fs, code, m, table) if m not in UNRANKED else None
        out.append(
            {metric: label, value: maps.format_value(row[m], unit), rank_col: f"{rank}/{len(table)}" if rank else ""}
        )
    return pd.DataFrame(out)


def park_figures(row: pd.Series) -> pd.DataFrame:
    """A park's figures (`row`: its row of FigureSet.parks): metric, value of `PANEL_COLUMNS`; no population."""
    metric, value = columns(PANEL_COLUMNS, "metric", "value")
    return pd.DataFrame(
        [
            {metric: METRICS[m][0], value: maps.format_value(row[m], METRICS[m][1])}
            for m in panel_metrics("parks")
            if m in row.index
        ]
    )


@dataclass
class UnitDetail:
    """The panel of a township or a park."""

    code: str
    name: str
    figures: pd.DataFrame  # metric, value, rank of PANEL_COLUMNS
    trend: pd.DataFrame  # index app_year, columns 发明/实用新型/外观设计
    workstations: pd.DataFrame
    zero_enterprises: pd.DataFrame
    cases: pd.DataFrame
    goal_shares: pd.DataFrame
    network: dict
    flagged: pd.DataFrame = None  # the enterprises with a flag of G07–G11 (贯标, 优势/示范, 密集型, 标准融合)
    layer: str = "units"


def _trend(fs: FigureSet, by: str, code: str) -> pd.DataFrame:
    p = fs.patents  # counts (FigureSet.patents), not records
    p = p[p[by] == code] if len(p) else p
    if not len(p):
        return pd.DataFrame()
    kind = t("panel.trend_type")
    trend = (
        p.assign(**{kind: p["patent_type"].map(PATENT_TYPE_LABELS)})
        .groupby(["app_year", kind])["n"]
        .sum()
        .unstack(fill_value=0)
    )
    trend.index = trend.index.astype(int).astype(str)
    # A continuous year axis, the same for every area (the city's first to last year shown): a year without
    # patents is a row of zeros, so 2001 and 2005 are never drawn as neighbours.
    first, last = fs.patent_years() or (int(trend.index.min()), int(trend.index.max()))
    return trend.reindex(
        index=[str(y) for y in range(first, last + 1)],
        columns=[c for c in PATENT_TYPE_LABELS.values() if c in trend.columns],
        fill_value=0,
    )


def _workstations(fs: FigureSet, by: str, code: str) -> pd.DataFrame:
    w = fs.records["workstations"]
    w = w[(w[by] == code) & (w["active"] == 1)] if len(w) else w
    if not len(w):
        return pd.DataFrame()
    return w[["name", "station_type", "host", "established"]].rename(
        columns={
            "name": t("panel.ws_name"),
            "station_type": t("panel.ws_type"),
            "host": t("panel.ws_host"),
            "established": t("panel.ws_established"),
        }
    )


def _zero_enterprises(fs: FigureSet, by: str, code: str) -> pd.DataFrame:
    e = fs.records["enterprises"]
    if not len(e):
        return pd.DataFrame()
    e = e[(e[by] == code) & (e["patents_held"] == 0) & ((e["above_scale"] == 1) | (e["high_tech"] == 1))]
    if not len(e):
        return pd.DataFrame()
    return pd.DataFrame(
        {
            t("panel.ze_name"): e["name"],
            t("panel.ze_class"): enterprise_tags(e),
            t("panel.ze_trademarks"): e["trademarks_held"],
            t("panel.ze_industry"): e["industry"],
        }
    )


def flagged_enterprises(fs: FigureSet, by: str, code: str) -> pd.DataFrame:
    """The area's enterprises counted by G07–G11 (贯标备案, 贯标绩效评价合格, 国家优势/示范, 密集型, 专利标准融合):
    name, their flags, the advantage level, valid patents; sorted by name."""
    e = fs.records["enterprises"]
    if not len(e):
        return pd.DataFrame()
    flagged = e["gb_filed"] == 1
    for mask in FLAG_METRICS.values():
        flagged |= mask(e)
    e = e[(e[by] == code) & flagged].sort_values("name")
    if not len(e):
        return pd.DataFrame()
    sep = t("area_panel.flags_sep")
    flags = [sep.join(t(f"area_panel.flag_{f}") for f in FLAGS if r[f] == 1) for _, r in e[list(FLAGS)].iterrows()]
    return pd.DataFrame(
        {
            t("area_panel.col_name"): e["name"].to_numpy(),
            t("area_panel.col_flags"): flags,
            t("area_panel.col_advantage"): e["advantage"].fillna("").to_numpy(),
            t("area_panel.col_patents"): e["patents_held"].astype("Int64").reset_index(drop=True),
        }
    )


def _cases(fs: FigureSet, by: str, code: str, personal: bool) -> pd.DataFrame:
    c = fs.records["cases"]
    c = c[c[by] == code] if len(c) else c
    if not len(c):
        return pd.DataFrame()
    cases = pd.DataFrame(
        {
            t("panel.case_no"): c["case_no"],
            t("panel.case_class"): c["kind_code"].map(case_kinds()),
            t("panel.case_type"): c["ip_type"],
            t("panel.case_cause"): c["cause"],
            t("panel.case_date"): c["accepted_date"],
            t("panel.case_status"): c["status"],
            t("panel.case_outcome"): c["outcome"],
        }
    )
    if personal:
        cases.insert(4, t("panel.case_party"), c["party"].to_numpy())
    return cases.sort_values(t("panel.case_date"), ascending=False)


def unit_detail(fs: FigureSet, code: str, personal: bool = True) -> UnitDetail:
    """The panel of a township or a park (`code` of either)."""
    gaz = load_gazetteer()
    layer = layer_of(code)
    by = _by(layer)
    row = _table(fs, layer).loc[code]
    return UnitDetail(
        code,
        gaz.name_of(code),
        figures_table(fs, code),
        _trend(fs, by, code),
        _workstations(fs, by, code),
        _zero_enterprises(fs, by, code),
        _cases(fs, by, code, personal),
        goal_shares(fs, code),
        {k: row.get(k) for k in ("has_office", "staff", "fund_wan")},
        flagged_enterprises(fs, by, code),
        layer,
    )


# -- the area's part of the goals ---------------------------------------------------------------------------------------

# Goals that are counts a township contributes to (its share = target × its population ÷ the city's).
SHARE_GOALS = {
    "G01": "invention_patents_valid",
    "G02": "invention_patents_long",
    "G04": "trademarks",
    "G16": "training_attendees",
}
# Goals that are rates: the area's own rate is compared with the target itself.
RATE_GOALS = {
    "G03": "invention_per_10k",
    "G05": "trademarks_per_10k_entities",
    "G07": "gb_filed_rate",
    "G13": "enforcement_rate",
    "G14": "mediation_rate",
}
# Counts of flagged enterprises toward a city target no rule shares out: the area's count and its part of the city's.
CITY_COUNT_GOALS = {
    "G08": "gb_passed",
    "G09": "advantage_national",
    "G10": "ip_intensive",
    "G11": "patent_standard",
}


def _rate_missing_note(gid: str, park: bool, day: str) -> str:
    """Why an area's rate cannot be computed."""
    if gid == "G03":
        return t("area_panel.share_park_no_population") if park else t("goals.share_no_unit_population", date=day)
    if gid == "G05":
        return t("area_panel.share_no_market_entities", date=day)
    if gid == "G07":
        return t("area_panel.share_no_high_tech_park") if park else t("goals.share_no_high_tech")
    return t("area_panel.share_no_cases_park") if park else t("goals.share_no_cases")


def _share_target(g, row, city, day: str, base: str):
    """(target, note) of a count goal shared out by population."""
    if pd.isna(row["population"]):
        return np.nan, t("goals.share_no_unit_population", date=day)
    if not city.value:
        return np.nan, t("goals.share_no_city_population", base=base, why=city.missing)
    share = row["population"] / city.value
    return round(g["target"] * share, 1), t("goals.share_note_count", target=g["target"], share=share)


def _city_count_note(g, value, whole, no_population: bool) -> str:
    """The area's part of the city's count toward a city target (and, for a park, why it is not shared out)."""
    from txip_geo.present.formatting import fmt_number

    note = t(
        "area_panel.share_note_city_count",
        target=g["target"],
        unit=g["unit"],
        city=fmt_number(whole),
        share=(value / whole) if whole and not pd.isna(value) else 0.0,
    )
    return (t("area_panel.share_park_not_shared") + note) if no_population else note


def goal_shares(fs: FigureSet, code: str) -> pd.DataFrame:
    """Per goal: the area's value, its share of the target, the gap and the status. Values are display text ('—'
    when missing); 说明 says in Chinese why a value is missing (no population for the area or for the city on or
    before the view's date, no market entities, no high-tech enterprises, no cases). A park has no population: its
    count goals are not shared out. G08–G11 are counts toward the city's target: the area's part of the city's."""
    from txip_geo.figures.compute import base_date, pick_base
    from txip_geo.present.formatting import fmt_number

    goals = goal_table().set_index("id")
    park = layer_of(code) == "parks"
    row = _table(fs, "parks" if park else "units").loc[code]
    day = base_date(fs.settings, fs.as_of)
    base = fs.settings.population_base
    city = pick_base(fs.population, CITY_CODE, (population_measure(base), population_measure(POPULATION_BASES[0])), day)
    out = []
    for gid, metric in {**SHARE_GOALS, **RATE_GOALS, **CITY_COUNT_GOALS}.items():
        g = goals.loc[gid]
        value = row.get(metric, np.nan)
        status = None
        if gid in SHARE_GOALS and not park:
            target, note = _share_target(g, row, city, day, base)
        elif gid in RATE_GOALS:
            target, note = g["target"], t("goals.share_note_rate")
            if pd.isna(value):
                note = _rate_missing_note(gid, park, day)
        else:  # a count toward the city's target that no rule shares out (G08–G11; a park's G01, G02, G04, G16)
            target, status = np.nan, t("area_panel.status_city_count")
            note = _city_count_note(g, value, fs.city.get(metric), park and gid in SHARE_GOALS)
        if status is None and (pd.isna(value) or pd.isna(target)):
            status, gap = t("goal_status.no_data"), np.nan
        elif status is None:
            met = value > target if g["comparator"] == ">" else value >= target
            status, gap = (
                t("goal_status.met" if met else "goal_status.not_met"),
                (0.0 if met else round(target - value, 2)),
            )
        else:
            gap = np.nan
        out.append(
            {
                t("goals.col_id"): gid,
                t("goals.col_name"): g["name"],
                t("area_panel.col_share_value_park" if park else "goals.col_share_value"): fmt_number(value),
                t("goals.col_share_target"): fmt_number(target),
                t("goals.col_gap"): fmt_number(gap),
                t("goals.col_status"): status,
                t("goals.col_note"): note,
            }
        )
    return pd.DataFrame(out)
