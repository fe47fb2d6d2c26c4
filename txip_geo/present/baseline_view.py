"""Baseline → now as the 联席会议 shows it (the deck's 三年变化 section, the presentation page, the workbook): the goal
table with each baseline's method marked, the change map of a township metric (its spec and diverging classes), the
plan's 13 tasks by lead unit, and the baseline / current / change sheets. Everything comes from a
`figures.baseline.Comparison`; nothing here computes a figure of its own.

A baseline is never shown as a blank or a silent 0: a goal without one reads 无基期数据, and one that is 推算 (derived
from a later snapshot), 累计起点 (0 by definition) or 基期年度 (the baseline year's rate) carries a mark explained in a
footnote (`method_notes`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from txip_geo.figures.compute import METRICS
from txip_geo.figures.ranks import MORE_IS_WORSE
from txip_geo.present import mapspec as maps
from txip_geo.present.formatting import COMPARATOR_SIGNS, fmt_change, fmt_number, is_missing
from txip_geo.present.meeting import CHANGE_METRIC, Layers, goal_short_name, indicator_spec
from txip_geo.strings import t

# The marks of the baseline methods that need a word of explanation (a snapshot's value needs none; a goal without a
# baseline says 无基期数据 in its cell).
METHOD_MARKS = {"derived": "①", "plan_start": "②", "baseline_year": "③"}


def baseline_cell(value, method: str) -> str:
    """A baseline as a table shows it: '1,757①' (the method's mark), '0②', '无基期数据' -- never '' or a bare 0."""
    if method == "none" or is_missing(value):
        return t("baseline.method_none")
    return fmt_number(value) + METHOD_MARKS.get(method, "")


def _target(r: dict) -> str:
    return COMPARATOR_SIGNS.get(r["comparator"], r["comparator"]) + fmt_number(r["target"])


def attainment(r: dict) -> str:
    """完成情况: the status, and how far a goal not yet met has come ('未达成（91%）')."""
    if r["status"] == "not_met" and not is_missing(r["progress"]):
        return t("baseline_view.attainment_progress", status=r["status_label"], pct=f"{r['progress'] * 100:.0f}")
    return r["status_label"]


def baseline_header(comp) -> str:
    return t("baseline_view.col_baseline", date=comp.baseline)


def current_header(comp) -> str:
    return t("baseline_view.col_current", date=comp.current)


def goal_change_rows(comp) -> pd.DataFrame:
    """The numeric goals baseline → now, as text: 编号, 指标, 单位, 基期（date）, 当前（date）, 变化, 目标, 完成情况 --
    plus the machine columns status and method (the baseline's)."""
    g = comp.goals[comp.goals["kind"] != "milestone"]
    rows = []
    for r in g.to_dict("records"):
        rows.append(
            {
                t("goals.col_id"): r["id"],
                t("goals.col_name"): r["name"],
                t("goals.col_unit"): r["unit"] or "",
                baseline_header(comp): baseline_cell(r["baseline"], r["baseline_method"]),
                current_header(comp): fmt_number(r["current"]),
                t("baseline_view.col_change"): fmt_change(r["change"]),
                t("goals.col_target"): _target(r),
                t("baseline_view.col_attainment"): attainment(r),
                "status": r["status"],
                "method": r["baseline_method"],
            }
        )
    return pd.DataFrame(rows)


def milestone_status_then(r: dict) -> tuple[str, str]:
    """(status key, label) of a milestone at the baseline: done / not_done as reported by then, else 无基期数据."""
    base = r["baseline"]
    if is_missing(base):
        return "no_data", t("baseline.method_none")
    key = "done" if base else "not_done"
    return key, t(f"goal_status.{key}")


def milestone_change_rows(comp) -> pd.DataFrame:
    """The milestones then and now: 编号, 里程碑 (short name), 基期（date）, 当前（date） -- plus status_then and
    status."""
    ms = comp.goals[comp.goals["kind"] == "milestone"]
    rows = []
    for r in ms.to_dict("records"):
        key_then, label_then = milestone_status_then(r)
        rows.append(
            {
                t("goals.col_id"): r["id"],
                t("baseline_view.col_milestone"): goal_short_name(r["id"], r["name"]),
                baseline_header(comp): label_then,
                current_header(comp): r["status_label"],
                "status_then": key_then,
                "status": r["status"],
            }
        )
    return pd.DataFrame(rows)


def method_notes(comp, methods=None, marks: bool = True) -> list[str]:
    """The footnote of a table with marked baselines: one line per method used (`methods`, default: the goals');
    `marks`: each line starts with its method's mark (a text without marked cells goes without)."""
    used = set(comp.goals["baseline_method"] if methods is None else methods)
    start, year = comp.now.settings.plan_start, comp.baseline[:4]
    notes = []
    for method, mark in METHOD_MARKS.items():
        if method in used:
            note = t(
                f"baseline_view.mark_{method}", mark=mark if marks else "", date=comp.baseline, start=start, year=year
            )
            notes.append(note.strip())
    if "none" in used:
        notes.append(t("baseline_view.mark_none", date=comp.baseline))
    return notes


def goal_summary(comp) -> str:
    """The line beside the slide's title: how many goals are met now, and how many were at the baseline."""
    g = comp.goals[comp.goals["kind"] != "milestone"]
    met_now = int((g["status"] == "met").sum())
    met_then = known = 0
    for r in g.to_dict("records"):
        base = r["baseline"]
        if is_missing(base) or is_missing(r["target"]):
            continue
        known += 1
        met_then += int(base > r["target"] if r["comparator"] == ">" else base >= r["target"])
    return t("baseline_view.goal_summary", then=met_then, known=known, now=met_now, total=len(g))


# -- the change map --------------------------------------------------------------------------------------------------

# A diverging palette (ColorBrewer RdBu, colour-blind safe): red for a decrease, blue for an increase, a near-white 0.
DECREASE_COLORS = ["#b2182b", "#ef8a62", "#fddbc7"]  # the largest decrease first
INCREASE_COLORS = ["#d1e5f0", "#67a9cf", "#2166ac"]  # the smallest increase first
NO_CHANGE_COLOR = "#f7f7f7"


@dataclass(frozen=True)
class ChangeClass:
    """One class of the change map: values in (lo, hi] (a decrease: [lo, hi)), its colour and legend wording."""

    lo: float
    hi: float
    color: str
    label: str
    sign: int  # -1 decrease, 0 no change, +1 increase


def _bounds(values: list[float]) -> list[float]:
    """Up to three upper bounds (nice numbers) of the positive values."""
    if not values:
        return []
    b = maps.class_breaks(values, k=3)
    return b if len(b) <= 3 else [b[0], b[1], b[-1]]


def change_classes(changes, decimals: int = 0, less_is_better: bool = False) -> list[ChangeClass]:
    """The diverging classes of a set of changes, from the largest decrease to the largest increase (0 in between,
    as its own class). Only the sides that occur get classes. `less_is_better`: an increase is bad news (red)."""
    vals = [float(v) for v in changes if not is_missing(v)]
    up, down = _bounds([v for v in vals if v > 0]), _bounds([-v for v in vals if v < 0])
    inc, dec = (DECREASE_COLORS[::-1], INCREASE_COLORS[::-1]) if less_is_better else (INCREASE_COLORS, DECREASE_COLORS)
    out = []
    labels = maps.class_labels(down, decimals)
    for i in range(len(down) - 1, -1, -1):  # the largest decrease first
        lo = -down[i]
        hi = -down[i - 1] if i else 0.0
        color = dec[len(dec) - len(down) + (len(down) - 1 - i)]
        out.append(ChangeClass(lo, hi, color, t("baseline_view.class_decrease", range=labels[i]), -1))
    out.append(ChangeClass(0.0, 0.0, NO_CHANGE_COLOR, t("baseline_view.class_none"), 0))
    labels = maps.class_labels(up, decimals)
    for i, hi in enumerate(up):
        out.append(
            ChangeClass(up[i - 1] if i else 0.0, hi, inc[i], t("baseline_view.class_increase", range=labels[i]), 1)
        )
    return out


def change_color(value, classes: list[ChangeClass]) -> str | None:
    """The colour of a change (None: no baseline, drawn as 无数据)."""
    if is_missing(value):
        return None
    v = float(value)
    if v == 0:
        return NO_CHANGE_COLOR
    side = [c for c in classes if c.sign == (1 if v > 0 else -1)]
    if v > 0:
        return next((c.color for c in side if v <= c.hi), side[-1].color)
    return next((c.color for c in reversed(side) if v >= c.lo), side[0].color)


@dataclass
class ChangeMap:
    """A change map: the spec (areas' value = the change; the static map's machinery draws it) and the diverging
    classes its areas and legend are coloured by (render.change_map)."""

    spec: maps.MapSpec
    classes: list[ChangeClass]
    metric: str


def area_changes(comp, metric: str, layer: str = "units") -> pd.DataFrame:
    """comp.areas for one metric and layer: code, name, baseline, current, change, rank_then, rank_now, method."""
    a = comp.areas[(comp.areas["layer"] == layer) & (comp.areas["metric"] == metric)]
    return a.reset_index(drop=True)


def change_map(comp, layers: Layers, metric: str = CHANGE_METRIC) -> ChangeMap:
    """The townships coloured by the change of `metric` since the baseline (a township without a baseline: 无数据)."""
    from txip_geo.present.map_view import decimals_for

    spec = indicator_spec(comp.now, layers, metric)
    ch = area_changes(comp, metric).set_index("code")["change"]
    areas = spec.areas.copy()
    areas["value"] = [ch.get(c) for c in areas["code"]]
    decimals = decimals_for(metric)
    classes = change_classes(list(ch.values), decimals, metric in MORE_IS_WORSE)
    label, unit = METRICS[metric]
    method = area_changes(comp, metric)["baseline_method"].iloc[0] if len(ch) else "none"
    extra = [t("baseline_view.map_baseline", date=comp.baseline), t("baseline_view.map_current", date=comp.current)]
    if method in METHOD_MARKS or method == "none":
        extra.append(t("baseline_view.map_method", method=t(f"baseline.method_{method}")))
    spec = replace(
        spec,
        areas=areas,
        label=t("baseline_view.map_label", label=label),
        breaks=[float(i + 1) for i in range(len(classes) - 1)],  # one legend row per class (zero's row is the 0 class)
        extra_lines=extra,
        zero_good=True,
        less_is_better=False,
        zero_label=None,
    )
    return ChangeMap(spec, classes, metric)


def city_change(comp, metric: str) -> tuple[float | None, float | None, float | None]:
    """The city's (baseline, current, change) of a per-area metric, by the same rule as its areas'."""
    a = area_changes(comp, metric)
    method = a["baseline_method"].iloc[0] if len(a) else "none"
    cur = comp.now.city.get(metric)
    base = {"none": None, "plan_start": 0.0, "baseline_year": comp.then_year.city.get(metric)}.get(
        method, comp.then.city.get(metric)
    )
    cur = None if is_missing(cur) else float(cur)
    base = None if is_missing(base) else float(base)
    return base, cur, None if base is None or cur is None else round(cur - base, 2)


def change_panel(comp, metric: str = CHANGE_METRIC, n: int = 3) -> list[tuple[str, str]]:
    """(kind, text) lines beside the change map: the city then → now, the townships that gained most and least, the
    dates and how the baseline was obtained. Kinds: head | sub | item | note."""
    label, unit = METRICS[metric]
    base, cur, change = city_change(comp, metric)
    lines = [
        ("sub", t("baseline_view.panel_city", label=label, unit=unit)),
        ("head", t("baseline_view.panel_city_value", baseline=fmt_number(base), current=fmt_number(cur))),
        ("head", t("baseline_view.panel_city_change", change=fmt_change(change))),
    ]
    a = area_changes(comp, metric).dropna(subset=["change"])
    a = a.assign(change=a["change"].astype(float))
    if len(a):
        most = a.sort_values(["change", "code"], ascending=[False, True], kind="stable")
        for key, part in (("panel_most", most.head(n)), ("panel_least", most.iloc[::-1].head(n))):
            lines.append(("sub", t(f"baseline_view.{key}")))
            for r in part.to_dict("records"):
                lines.append(("item", t("baseline_view.panel_area", name=r["name"], change=fmt_change(r["change"]))))
    missing = area_changes(comp, metric)
    missing = missing.loc[missing["change"].isna(), "name"].tolist()
    if missing:
        lines.append(("note", t("baseline_view.panel_missing", names=t("deck_panel.names_sep").join(missing))))
    method = area_changes(comp, metric)["baseline_method"].iloc[0] if len(area_changes(comp, metric)) else "none"
    lines += [("note", n) for n in method_notes(comp, [method], marks=False)]
    return lines


# -- the plan's tasks --------------------------------------------------------------------------------------------------


def plan_tasks() -> pd.DataFrame:
    """data/tasks.csv: the plan's 13 tasks -- task (int), name, lead, cooperating, source."""
    from txip_geo.plan import task_table

    return task_table()


TASK_COLUMNS = ("task_id", "name", "lead", "status_label", "progress")


def task_rows(tasks: pd.DataFrame | None = None) -> pd.DataFrame:
    """The plan's tasks in the plan's order, grouped by lead unit (groups in order of first appearance): lead,
    task_id, name, status, status_label, progress. `tasks`: the task register's state (columns TASK_COLUMNS, and
    optionally the machine `status`); a task it does not list, or every task when it is None, reads 未填报."""
    plan = plan_tasks()
    given = {} if tasks is None else {int(r["task_id"]): r for r in tasks.to_dict("records")}
    rows = []
    for p in plan.to_dict("records"):
        g = given.get(int(p["task"]))
        rows.append(
            {
                "lead": (g or {}).get("lead") or p["lead"],
                "task_id": int(p["task"]),
                "name": (g or {}).get("name") or p["name"],
                "status": "not_reported" if g is None else (g.get("status") or ""),
                "status_label": g["status_label"] if g is not None else t("baseline_view.task_not_reported"),
                "progress": "" if g is None or is_missing(g.get("progress")) else str(g["progress"]),
            }
        )
    out = pd.DataFrame(rows)
    order = {lead: i for i, lead in enumerate(dict.fromkeys(out["lead"]))}
    return out.sort_values("lead", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


# -- the workbook ------------------------------------------------------------------------------------------------------


def workbook_sheets(comp) -> dict[str, pd.DataFrame]:
    """The baseline / current / change sheets: per goal, per township and per park (long: one row per area and
    metric), each with how the baseline was obtained. Numbers stay numbers; a missing baseline is an empty cell with
    无基期数据 in the method column."""
    B, C = baseline_header(comp), current_header(comp)
    g = comp.goals
    goals = pd.DataFrame(
        {
            t("goals.col_id"): g["id"],
            t("goals.col_name"): g["name"],
            t("goals.col_unit"): g["unit"],
            t("goals.col_target"): [
                t("goals.target_done") if k == "milestone" else _target(r)
                for k, r in zip(g["kind"], g.to_dict("records"))
            ],
            B: g["baseline"],
            C: g["current"],
            t("baseline_view.col_change"): g["change"],
            t("report.col_percent", label=t("goals.col_progress")): (g["progress"] * 100).round(1),
            t("goals.col_status"): g["status_label"],
            t("baseline_view.col_method"): g["baseline_method_label"],
            t("baseline_view.col_note"): g["baseline_note"],
        }
    )
    out = {t("baseline_view.sheet_goals"): goals}
    for layer, first in (("units", t("report.col_township")), ("parks", t("report.col_park"))):
        a = comp.areas[comp.areas["layer"] == layer]
        out[t(f"baseline_view.sheet_{layer}")] = pd.DataFrame(
            {
                t("network.col_code"): a["code"],
                first: a["name"],
                t("report.col_metric"): a["label"],
                t("goals.col_unit"): a["unit"],
                B: a["baseline"],
                C: a["current"],
                t("baseline_view.col_change"): a["change"],
                t("baseline_view.col_rank_then"): a["rank_then"],
                t("baseline_view.col_rank_now"): a["rank_now"],
                t("baseline_view.col_method"): a["baseline_method"].map(lambda m: t(f"baseline.method_{m}")),
            }
        )
    return out
