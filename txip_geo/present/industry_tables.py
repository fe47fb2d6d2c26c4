"""The six featured industries in the 目标 page, the deck and the workbook: G01 (有效发明专利) and G02 (高维持发明专利) by
industry for the city or one township / park, now and at the baseline (figures.baseline.compare) where it gives
them; every township's and park's patents, valid inventions and long-maintained inventions by industry.

The counts are figures.industries' (data/ipc_industries.csv; main class, or every class with the setting); the
category 其他/未归类 holds the patents in none of the six. A patent in several industries counts in each, so a
table's rows may add up to more than the area's patents (the notes say so). Tables are plain frames with Chinese
column names and numeric cells (sortable); nothing here imports Streamlit.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pandas as pd

from txip_geo.figures import industries
from txip_geo.figures.compute import METRICS, FigureSet
from txip_geo.strings import t

CATEGORIES = industries.CATEGORIES
MEASURES = industries.MEASURES
# The goals broken down by industry and the measure each counts (figures.goals: G01, G02).
GOALS = {"G01": "invention_patents_valid", "G02": "invention_patents_long"}
LAYERS = ("units", "parks")


def label(category: str) -> str:
    """A category's Chinese name: one of the six industries, or 其他/未归类."""
    return t("industry_tables.other") if category == industries.OTHER else industries.label(category)


def figures(fs: FigureSet, all_classes: bool | None = None) -> industries.IndustryFigures:
    """fs's industry figures; `all_classes` True/False counts every 分类号 / the main class only whatever fs's
    settings say (None: as they say). Both are counted once per figure set (kept on it, as figures.industries
    keeps its own)."""
    if all_classes is None or bool(fs.settings.industry_all_classes) == all_classes:
        return industries.industry_figures(fs)
    alt = getattr(fs, "_industries_other_rule", None)
    if alt is None:
        other = dataclasses.replace(fs, settings=fs.settings.with_(industry_all_classes=all_classes))
        alt = industries.industry_figures(other)
        object.__setattr__(fs, "_industries_other_rule", alt)
    return alt


def goal_header(goal: str) -> str:
    return f"{goal} {METRICS[GOALS[goal]][0]}"


def _col(key: str, goal: str, comp=None) -> str:
    return t(f"industry_tables.{key}", goal=goal_header(goal), date=getattr(comp, "baseline", ""))


def has_baseline(comp) -> bool:
    """Whether the comparison gives the patent goals at the baseline (its method for G01 is not 无基期数据)."""
    if comp is None:
        return False
    g = comp.goals.set_index("id")
    return "G01" in g.index and g.loc["G01", "baseline_method"] != "none"


def goal_breakdown(
    comp,
    layer: str = "city",
    code: str | None = None,
    *,
    all_classes: bool | None = None,
    fs=None,
    short: bool = False,
):
    """G01 and G02 by category for the city (layer city) or one township / park (layer units | parks, its code):
    columns 产业, then per goal 基期（date）, 当前, 变化 -- the baseline columns only where the comparison gives
    them (`comp` None: `fs`, now only); `short`: headers 'G01 基期', 'G01 当前', 'G01 变化' (goals_line says what
    they are). Numbers, one row per category (其他/未归类 last)."""
    now_fs = fs if comp is None else comp.now
    now = figures(now_fs, all_classes).breakdown(layer, code)
    then = figures(comp.then, all_classes).breakdown(layer, code) if has_baseline(comp) else None
    out = pd.DataFrame({t("industries.industry"): [label(c) for c in CATEGORIES]})

    def col(key: str, goal: str) -> str:
        return t(f"industry_tables.{key}_short", goal=goal) if short else _col(key, goal, comp)

    for goal, measure in GOALS.items():
        cur = now[measure].reindex(list(CATEGORIES)).astype(int).to_numpy()
        if then is not None:
            base = then[measure].reindex(list(CATEGORIES)).astype(int).to_numpy()
            out[col("col_then", goal)] = base
            out[col("col_now", goal)] = cur
            out[col("col_change", goal)] = cur - base
        else:
            out[col("col_now", goal)] = cur
    return out


def goals_line(comp) -> str:
    """What the short headers mean: the goals' names, and the baseline's date and method where there is one."""
    return baseline_line(comp) or t("industry_tables.goals_line", goals="、".join(goal_header(g) for g in GOALS))


def area_breakdown(
    comp, layer: str, goal: str, which: str = "now", *, all_classes: bool | None = None, fs=None
) -> pd.DataFrame:
    """Every township (layer units) or park (parks): 编码, 名称, then one column per category with the goal's count
    -- `which` now | then | change (then and change need a comparison with a baseline). Numbers."""
    now_fs = fs if comp is None else comp.now
    fig = figures(now_fs, all_classes)
    if which != "now":
        if not has_baseline(comp):
            raise ValueError(t("industry_tables.no_baseline"))
        then = figures(comp.then, all_classes)
    areas = getattr(now_fs, layer)
    out = pd.DataFrame(
        {t("network.col_code"): areas["code"].tolist(), t(f"industry_tables.col_{layer}"): areas["name"].tolist()}
    )
    measure = GOALS[goal]
    cur = pd.DataFrame([fig.breakdown(layer, code)[measure] for code in areas["code"]])  # areas × CATEGORIES
    if which != "now":
        base = pd.DataFrame([then.breakdown(layer, code)[measure] for code in areas["code"]])
        cur = base if which == "then" else cur - base
    for c in CATEGORIES:
        out[label(c)] = cur[c].astype(int).to_numpy()
    return out


def measure_header(measure: str) -> str:
    return t("report.col_with_unit", label=METRICS[measure][0], unit=METRICS[measure][1])


def city_table(fs: FigureSet, comp=None, *, short: bool = False) -> pd.DataFrame:
    """The city by category: 产业, 专利总量, 有效发明专利, 高维持发明专利 (as of fs), then with a comparison that gives
    the baseline, G01 and G02 at the baseline and their change (`short`: headers 'G01 基期', 'G01 变化', for a
    slide; baseline_line says what they are)."""
    b = industries.industry_figures(fs).breakdown("city")
    out = pd.DataFrame({t("industries.industry"): [label(c) for c in CATEGORIES]})
    for m in MEASURES:
        out[measure_header(m)] = b[m].reindex(list(CATEGORIES)).astype(int).to_numpy()
    if has_baseline(comp):
        g = goal_breakdown(comp)
        for goal in GOALS:
            for key in ("col_then", "col_change"):
                col = _col(key, goal, comp)
                out[t(f"industry_tables.{key}_short", goal=goal) if short else col] = g[col].to_numpy()
    return out


def baseline_line(comp) -> str | None:
    """'G01 有效发明专利、G02 高维持发明专利 基期 2023-12-31（快照）…' -- what a short header's 基期 means -- or None."""
    if not has_baseline(comp):
        return None
    g01 = comp.goals.set_index("id").loc["G01"]
    goals = "、".join(goal_header(g) for g in GOALS)
    return t("industry_tables.baseline_line", goals=goals, date=comp.baseline, method=g01["baseline_method_label"])


def areas_long(fs: FigureSet, layer: str) -> pd.DataFrame:
    """Every township or park by category, one row per (area, category): 编码, 名称, 产业, the three MEASURES."""
    fig = industries.industry_figures(fs)
    areas = getattr(fs, layer)
    rows = []
    for code, name in zip(areas["code"], areas["name"]):
        b = fig.breakdown(layer, code)
        for c in CATEGORIES:
            rows.append([code, name, label(c), *(int(b.loc[c, m]) for m in MEASURES)])
    cols = [t("network.col_code"), t(f"industry_tables.col_{layer}"), t("industries.industry")]
    return pd.DataFrame(rows, columns=cols + [measure_header(m) for m in MEASURES])


def areas_compact(fs: FigureSet, layer: str) -> pd.DataFrame:
    """Every township or park by category in one cell each -- '专利 / 有效发明 / 高维持' -- for a slide: 名称, then one
    column per category."""
    fig = industries.industry_figures(fs)
    areas = getattr(fs, layer)
    b = [fig.breakdown(layer, code) for code in areas["code"]]
    out = pd.DataFrame({t(f"industry_tables.col_{layer}"): areas["name"].tolist()})
    for c in CATEGORIES:
        out[label(c)] = [" / ".join(str(int(x.loc[c, m])) for m in MEASURES) for x in b]
    return out


def notes(fs: FigureSet, all_classes: bool | None = None) -> list[str]:
    """What a reader of the tables must know: the rule (main class or every class), that a patent may count in
    several industries, where the table comes from, and what could not be classified (figures.industries.Report)."""
    fig = figures(fs, all_classes)
    bases = Counter(r.basis for r in industries.load_table())
    out = [
        t("industry_tables.rule_all" if fig.all_classes else "industry_tables.rule_main"),
        t("industry_tables.multi"),
        t(
            "industry_tables.table_source",
            n=sum(bases.values()),
            table=bases.get(t("industries.basis_table"), 0),
            local=bases.get(t("industries.basis_local"), 0),
        ),
    ]
    if fig.report.unmapped:
        out.append(t("industry_tables.unmapped", n=fig.report.unmapped))
    return out + fig.report.messages()


def workbook_sheets(fs: FigureSet, comp=None) -> dict[str, pd.DataFrame]:
    """The workbook's industry section: the city by category (with G01/G02 baseline → now where the comparison gives
    it), every township and park by category, and the notes."""
    return {
        t("industry_tables.sheet_city"): city_table(fs, comp),
        t("industry_tables.sheet_units"): areas_long(fs, "units"),
        t("industry_tables.sheet_parks"): areas_long(fs, "parks"),
        t("industry_tables.sheet_notes"): pd.DataFrame(
            {t("industry_tables.col_note"): [x for x in [baseline_line(comp)] if x] + notes(fs)}
        ),
    }
