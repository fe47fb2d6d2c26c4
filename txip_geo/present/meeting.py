"""Exports for the joint conference (联席会议): a 16:9 PPTX deck, static maps (PNG, PDF) and an Excel workbook.

Pure functions: a FigureSet and the map layers in, bytes out — the same for the presentation page, its download
buttons and `python -m txip_geo report`. Figures come from the core only (`figures`, `goals.evaluate`,
`network.gap_list` / `scorecard`, `views.map_spec`); maps are drawn by `staticmap`, workbooks written by
`export.write_xlsx` (formula-injection safe).

Every export says 样例数据 when the figures come from the sample, 示意边界 when the boundaries are schematic, carries the
as-of date and the source line, and is marked 内部资料 unless `internal=False`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from txip_geo import schema
from txip_geo.figures import network
from txip_geo.figures.compute import METRICS, FigureSet
from txip_geo.figures.goals import evaluate
from txip_geo.present import area_panel, network_view
from txip_geo.present import map_view as views
from txip_geo.present import mapspec as maps
from txip_geo.present.formatting import COMPARATOR_SIGNS, fmt_number
from txip_geo.strings import t

# The figures of a township slide (and of the presentation page's township view).
UNIT_METRICS = [
    "patents",
    "invention_patents_valid",
    "invention_per_10k",
    "trademarks",
    "workstations",
    "zero_patent_above_scale",
    "zero_patent_high_tech",
    "enforcement_rate",
    "mediation_rate",
    "staff",
    "fund_wan",
]


@dataclass
class Layers:
    """The map layers an export draws (display datum, EPSG:4326)."""

    townships: object
    parks: object = None
    outline: object = None
    neighbours: object = None

    @classmethod
    def from_store(cls, store) -> Layers:
        from txip_geo.areas import boundaries

        return cls(store.layer("townships"), store.layer("parks"), boundaries.county_outline(), boundaries.neighbours())

    def of(self, kind: str):
        """The area layer of a view's kind: 'park' -> the parks, else the townships."""
        return self.parks if kind == "park" else self.townships


# -- text every export carries ------------------------------------------------------------------------------------------


def source_line(fs: FigureSet) -> str:
    """数据来源：…；边界：…；市界：天地图 — what the figures and the lines on the map come from."""
    if fs.is_sample:
        src = t("report.source_sample")
    else:
        kinds = [schema.KINDS[k].label for k in fs.records if schema.KINDS[k].located and fs.record_count(k)]
        src = t("report.source_records", kinds=t("report.kinds_sep").join(kinds)) if kinds else t("report.source_none")
    bnd = t("report.boundary_schematic") if fs.schematic_notice else t("report.boundary_official")
    return t("report.source_sep").join([src, bnd, t("report.outline_source")])


def footer_line(fs: FigureSet) -> str:
    parts = [t("app.as_of", date=fs.as_of)] if fs.as_of else []
    return t("report.footer_sep").join(parts + [source_line(fs)])


def file_name(fmt: str, fs: FigureSet) -> str:
    return t(f"report.file_{fmt}", date=fs.as_of or "")


def goal_rows(fs: FigureSet) -> pd.DataFrame:
    """The goal table as shown on the slide and the page, as text: 编号, 指标, 单位, 目标, 当前, 差距, 状态, 牵头单位 —
    plus the machine columns kind and status. Milestones have no unit, target, current value or gap ("—")."""
    g = evaluate(fs)
    rows = []
    for r in g.to_dict("records"):
        milestone = r["kind"] == "milestone"
        gap = r["gap"]
        rows.append(
            {
                t("goals.col_id"): r["id"],
                t("goals.col_name"): r["name"],
                t("goals.col_unit"): "" if milestone else (r["unit"] or ""),
                t("goals.col_target"): t("goals.target_done")
                if milestone
                else COMPARATOR_SIGNS.get(r["comparator"], r["comparator"]) + fmt_number(r["target"]),
                t("goals.col_current"): "—" if milestone else fmt_number(r["current"]),
                t("goals.col_gap"): "—" if milestone or gap is None or pd.isna(gap) or gap == 0 else fmt_number(gap),
                t("goals.col_status"): r["status_label"],
                t("goals.col_lead"): r["lead"] or "",
                "kind": r["kind"],
                "status": r["status"],
            }
        )
    return pd.DataFrame(rows)


def goal_summary(fs: FigureSet) -> str:
    g = evaluate(fs)
    num, ms = g[g["kind"] != "milestone"], g[g["kind"] == "milestone"]
    return t(
        "report.goals_summary",
        met=int((num["status"] == "met").sum()),
        total=len(num),
        done=int((ms["status"] == "done").sum()),
        mtotal=len(ms),
    )


def unit_figures(fs: FigureSet, code: str) -> list[tuple[str, str, str]]:
    """(label, value with unit, rank among the 17) of a township's key figures -- or of a park's, ranked among the
    parks and without the figures a park has no population for."""
    park = area_panel.layer_of(code) == "parks"
    row = (fs.parks if park else fs.units).set_index("code").loc[code]
    out = []
    for m in UNIT_METRICS:
        if park and m in area_panel.NOT_FOR_PARKS:
            continue
        label, unit = METRICS[m]
        rank = views.rank_of(fs, code, m) if m not in ("staff", "fund_wan") else None
        v = row[m]
        if m == "staff" and pd.isna(v) or m == "fund_wan" and pd.isna(v):
            text = t("network.unknown")
        else:
            text = maps.format_value(v, unit)
        out.append((label, text, t("report.unit_rank", rank=rank) if rank else ""))
    office = network.state_label(network.state_of(row["has_office"]))
    out.append((METRICS["has_office"][0], office, ""))
    return out


def enterprise_figures(fs: FigureSet, code: str) -> list[tuple[str, str, str]]:
    """(label, value with unit, rank) of a township's or park's enterprise tier: G05's 万企有效注册商标数 and its base,
    G07's 高企贯标备案率, the enterprises of G08–G11 (present.area_panel.ENTERPRISE_METRICS)."""
    fig = area_panel.figures_table(fs, code, area_panel.ENTERPRISE_METRICS)
    metric, value, rank = area_panel.columns(area_panel.PANEL_COLUMNS, "metric", "value", "rank")
    return [
        (r[metric], r[value], t("report.unit_rank", rank=r[rank].split("/")[0]) if r[rank] else "")
        for r in fig.to_dict("records")
    ]


def unit_gaps(fs: FigureSet, code: str, gaps: pd.DataFrame | None = None) -> pd.DataFrame:
    gaps = network.gap_list(fs) if gaps is None else gaps
    return gaps[gaps[t("network.col_code")] == code].reset_index(drop=True)


def units_with_gaps(fs: FigureSet, gaps: pd.DataFrame | None = None, view: str = "units") -> list[str]:
    """The townships (view 'parks': the parks) with a gap of the network, in gazetteer order."""
    gaps = network.gap_list(fs) if gaps is None else gaps
    have = set(gaps[t("network.col_code")])
    return [c for c in (fs.parks if view == "parks" else fs.units)["code"] if c in have]


def actions_by_lead(
    fs: FigureSet, gaps: pd.DataFrame | None = None, max_chars: int = 44
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The closing slide: per lead unit (牵头单位), one (action, basis) per kind of gap — the action naming the areas
    concerned (the most affected first, then "等 N 处") — and the goals not yet met. Leads in order of first
    appearance; within a lead, the network's order of severity, the goals last."""
    gaps = network.gap_list(fs) if gaps is None else gaps
    C = {k: t(f"network.col_{k}") for k in ("area", "lead", "count", "basis", "gap")}
    out: dict[str, list] = {}
    for (lead, key), grp in gaps.groupby([C["lead"], "gap_key"], sort=False):
        counted = grp[C["count"]].notna().any()
        if counted:
            grp = grp.sort_values(C["count"], ascending=False, kind="stable")
        names = [a if pd.isna(c) else f"{a} {c:g}" for a, c in zip(grp[C["area"]], grp[C["count"]])]
        try:
            action = t(f"report.action_{key}")
        except KeyError:  # a gap kind added later: its own wording
            action = str(grp[C["gap"]].iloc[0])
        # Distinct enterprises across the areas listed (one in a park is also in its township: counted once).
        total = network.counted_total(fs, key, grp[t("network.col_code")]) if counted else np.nan
        head = t("report.action_head", action=action, total=t("report.action_total", total=total) if counted else "")
        out.setdefault(lead or "—", []).append(
            (network.SEVERITY.get(key, 99), head + _join_limited(names, max_chars - len(head)), grp[C["basis"]].iloc[0])
        )
    g = evaluate(fs)
    unmet = g[g["status"].isin(["not_met", "not_done"])]
    for lead, grp in unmet.groupby("lead", sort=False):
        names = t("report.names_sep").join(goal_short_name(i, n) for i, n in zip(grp["id"], grp["name"]))
        out.setdefault(lead or "—", []).append((100, t("report.actions_goals", n=len(grp), names=names), ""))
    return [
        (lead, [(text, basis) for _, text, basis in sorted(items, key=lambda x: x[0])]) for lead, items in out.items()
    ]


def goal_short_name(goal_id: str, name: str) -> str:
    """A goal's name short enough to list on a slide: the short form in the strings (report.goal_short_<id>), else the
    name without its part in brackets (国家知识产权优势(示范)企业 → 国家知识产权优势企业)."""
    try:
        return t(f"report.goal_short_{goal_id}")
    except KeyError:
        return re.sub(r"[（(][^（()）]*[)）]", "", name).strip() or name


def _join_limited(names: list[str], limit: int) -> str:
    text = ""
    for i, n in enumerate(names):
        nxt = (text + t("report.names_sep") if text else "") + n
        if len(nxt) > limit and i:
            return text + " " + t("report.actions_more", n=len(names))
        text = nxt
    return text


# -- the sequence of views (shared by the deck and the presentation page) -----------------------------------------------


# The township metric of the 三年变化 section's change map (有效发明专利: the plan's first goal, counted per township).
CHANGE_METRIC = "invention_patents_valid"


@dataclass(frozen=True)
class Step:
    kind: str  # title | overview | goals | gaps | unit | park | actions | change_goals | change_map | tasks | rules
    title: str
    code: str | None = None


def steps(
    fs: FigureSet,
    indicator: str = "patents",
    *,
    only_gaps: bool = False,
    title_step: bool = False,
    deck_order: bool = False,
    change: bool = False,
    parks: bool = False,
) -> list[Step]:
    """The views of a presentation: [title,] overview map of the indicator, goals, network gaps, one view per
    township [and, with `parks`, per park] (only those with gaps when `only_gaps`), the actions by lead unit, [the
    三年变化 section: goals baseline → now, the change map, the tasks by lead unit,] the appendix of counting rules.
    `deck_order` puts the goals before the map (the PPTX's order: title, goal table, city map, gap map, townships,
    actions)."""
    label = METRICS[indicator][0]
    overview = Step("overview", t("report.map_title", label=label))
    goals = Step("goals", t("report.goals_title"))
    out = [Step("title", t("report.deck_title"))] if title_step else []
    out += [goals, overview] if deck_order else [overview, goals]
    out.append(Step("gaps", t("report.gap_map_title")))
    codes = units_with_gaps(fs) if only_gaps else list(fs.units["code"])
    names = fs.units.set_index("code")["name"]
    out += [Step("unit", t("report.unit_title", name=names[c]), c) for c in codes]
    if parks:  # a park's view, as a township's (present.area_panel: counted from the records placed in it)
        pcodes = units_with_gaps(fs, view="parks") if only_gaps else list(fs.parks["code"])
        pnames = fs.parks.set_index("code")["name"]
        out += [Step("park", t("report.unit_title", name=pnames[c]), c) for c in pcodes]
    out.append(Step("actions", t("report.actions_title")))
    if change:  # baseline → now (present.baseline_view)
        out.append(Step("change_goals", t("baseline_view.section_goals")))
        out.append(Step("change_map", t("baseline_view.section_map", label=METRICS[CHANGE_METRIC][0])))
        out.append(Step("tasks", t("baseline_view.section_tasks")))
    out.append(Step("rules", t("report.rules_title")))  # the appendix: how each goal is counted
    return out


def rule_rows(fs: FigureSet) -> pd.DataFrame:
    """编号, 指标, 计算口径 of the numeric goals: each goal's counting rule for these settings (goals.goal_rule, the
    plan's wording with the population base and year, the audience, the 移送 setting…), as the appendix shows it."""
    g = evaluate(fs)
    g = g[g["kind"] != "milestone"]
    return pd.DataFrame(
        {
            t("goals.col_id"): g["id"].tolist(),
            t("goals.col_name"): g["name"].tolist(),
            t("goals.col_rule"): g["rule"].tolist(),
        }
    )


# -- map specs (the web map's) ------------------------------------------------------------------------------------------


def indicator_spec(fs: FigureSet, layers: Layers, indicator: str, ref: FigureSet | None = None, **kw):
    return views.map_spec(
        fs,
        ref or fs,
        layers.townships,
        view="units",
        indicator=indicator,
        outline=layers.outline,
        neighbours=layers.neighbours,
        parks_layer=layers.parks,
        **kw,
    )


def gap_spec(fs: FigureSet, layers: Layers):
    return network_view.gap_map_spec(
        fs,
        layers.townships,
        view="units",
        outline=layers.outline,
        neighbours=layers.neighbours,
        parks_layer=layers.parks,
    )


def unit_points(fs: FigureSet) -> list:
    """The points of the township views: workstations and zero-patent enterprises (规上/高企)."""
    return views.point_layers(fs, workstations=True, cases=False, enterprises=True, zero_only=True)


def _points_inside(area, code: str, points: list) -> list:
    """The point layers with only the points inside the area `code` of the layer `area` (all when it has no shape)."""
    import shapely

    poly = area.loc[area["code"] == code, "geometry"]
    out = []
    for layer in points:
        p = layer.points
        if len(poly) and len(p):
            p = p[shapely.contains_xy(poly.iloc[0], p["lon"].to_numpy(float), p["lat"].to_numpy(float))]
        out.append(maps.PointLayer(layer.name, p.reset_index(drop=True), cluster=False))
    return out


def unit_spec(
    fs: FigureSet, layers: Layers, code: str, indicator: str, ref: FigureSet | None = None, points: list | None = None
):
    """A township's locator map: its workstations and zero-patent enterprises (those inside it) on top.
    `points`: `unit_points(fs)`, when the caller draws several townships."""
    pts = _points_inside(layers.townships, code, unit_points(fs) if points is None else points)
    return indicator_spec(fs, layers, indicator, ref, points=pts, selected=code)


def park_spec(
    fs: FigureSet, layers: Layers, code: str, indicator: str, ref: FigureSet | None = None, points: list | None = None
):
    """A park's locator map: the parks coloured by the indicator, the park outlined, its workstations and
    zero-patent enterprises (those inside its boundary) on top."""
    pts = _points_inside(layers.parks, code, unit_points(fs) if points is None else points)
    return views.map_spec(
        fs,
        ref or fs,
        layers.parks,
        view="parks",
        indicator=indicator,
        outline=layers.outline,
        neighbours=layers.neighbours,
        points=pts,
        selected=code,
    )


def area_spec(
    kind: str,
    fs: FigureSet,
    layers: Layers,
    code: str,
    indicator: str,
    ref: FigureSet | None = None,
    points: list | None = None,
):
    """The locator map of one area of a view's kind ('park': park_spec, else unit_spec): the deck's area slides
    and the 联席会议 page's area views draw the same one."""
    return (park_spec if kind == "park" else unit_spec)(fs, layers, code, indicator, ref, points)


# -- Excel ----------------------------------------------------------------------------------------------------------------


def workbook_sheets(fs: FigureSet) -> dict[str, pd.DataFrame]:
    """Per-unit and per-park figures, goals, the gap list with lead units, the scorecard, the unassigned records."""
    from txip_geo.present.records import unassigned_table

    def area_sheet(df: pd.DataFrame, first: list[tuple[str, str]]) -> pd.DataFrame:
        out = pd.DataFrame({label: df[col] for col, label in first})
        for col, (label, unit) in METRICS.items():
            if col not in df.columns:
                continue
            if col == "has_office":
                out[label] = [network.state_label(network.state_of(v)) for v in df[col]]
            else:
                out[t("report.col_with_unit", label=label, unit=unit)] = pd.to_numeric(df[col], errors="coerce")
        return out

    units = area_sheet(
        fs.units, [("code", t("network.col_code")), ("name", t("report.col_township")), ("type", t("network.col_kind"))]
    )
    units[t("report.col_population_year")] = fs.units["population_year"]
    units[t("report.col_population_source")] = fs.units["population_source"]
    from txip_geo.areas.gazetteer import load_gazetteer

    gaz = load_gazetteer()
    parks = area_sheet(
        fs.parks.assign(host=fs.parks["host_code"].map(lambda c: gaz.name_of(c) if c else "")),
        [("code", t("network.col_code")), ("name", t("report.col_park")), ("host", t("report.col_host"))],
    )
    parks = parks.drop(
        columns=[
            t("report.col_with_unit", label=METRICS[m][0], unit=METRICS[m][1])
            for m in ("population", "invention_per_10k")
        ],
        errors="ignore",
    )
    g = evaluate(fs)
    goals = pd.DataFrame(
        {
            t("goals.col_id"): g["id"],
            t("goals.col_name"): g["name"],
            t("report.col_comparator"): g["comparator"],
            t("goals.col_target"): g["target"],
            t("goals.col_unit"): g["unit"],
            t("goals.col_current"): g["current"],
            t("goals.col_gap"): g["gap"],
            t("report.col_percent", label=t("goals.col_progress")): (g["progress"] * 100).round(1),
            t("goals.col_status"): g["status_label"],
            t("goals.col_source"): g["source"].map(
                {"computed": t("goals.computed"), "manual": t("goals.manual"), "none": t("goals.none")}
            ),
            t("goals.basis"): g["basis"],
            t("goals.col_rule"): g["rule"],
            t("goals.col_lead"): g["lead"],
            t("goals.col_coop"): g["cooperating"],
        }
    )
    return {
        t("report.sheet_units"): units,
        t("report.sheet_parks"): parks,
        t("report.sheet_goals"): goals,
        t("network.sheet_gaps"): network_view.gap_display(network.gap_list(fs)),
        t("network.sheet_scorecard"): network_view.scorecard_export(fs),
        t("report.sheet_unassigned"): unassigned_table(fs),
    }


def title_lines(fs: FigureSet, sheet: str, internal: bool = True) -> list[str]:
    from txip_geo.present.records import heading_lines

    lines = heading_lines(fs, t("report.xlsx_sheet_title", title=t("report.xlsx_title"), sheet=sheet)) + [
        source_line(fs)
    ]
    if internal:
        lines.append(t("report.internal"))
    return lines


# -- PPTX -----------------------------------------------------------------------------------------------------------------


# -- one entry point ----------------------------------------------------------------------------------------------------
