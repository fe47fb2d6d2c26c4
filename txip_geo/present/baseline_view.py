"""Baseline → now as the 联席会议 shows it (the deck's 三年变化 section, the presentation page, the workbook): the goal
table with each baseline's method marked, the text beside the change map (the map itself: change_view.change_map_spec,
drawn by the static maps), the plan's 13 tasks by lead unit, and the baseline / current / change sheets. Everything
comes from a `figures.baseline.Comparison`; nothing here computes a figure of its own.

A baseline is never shown as a blank or a silent 0: a goal without one reads 无基期数据, and one that is 推算 (derived
from a later snapshot), 累计起点 (0 by definition) or 基期年度 (the baseline year's rate) carries a mark explained in a
footnote (`method_notes`)."""

from __future__ import annotations

import pandas as pd

from txip_geo.figures.baseline import city_change
from txip_geo.figures.compute import METRICS
from txip_geo.present.change_view import change_frame, metric_method
from txip_geo.present.formatting import COMPARATOR_SIGNS, fmt_change, fmt_number, is_missing
from txip_geo.present.meeting import CHANGE_METRIC, goal_short_name
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
    """(status key, label) of a milestone at the baseline (goal_comparison's status_then): done / not_done as
    reported by then, else 无基期数据."""
    key = r["status_then"]
    return key, t("baseline.method_none") if key == "no_data" else t(f"goal_status.{key}")


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
    """The line beside the slide's title: how many goals are met now, and how many were at the baseline (of those
    with a baseline: goal_comparison's status_then)."""
    g = comp.goals[comp.goals["kind"] != "milestone"]
    met_now = int((g["status"] == "met").sum())
    met_then, known = int((g["status_then"] == "met").sum()), int((g["status_then"] != "no_data").sum())
    return t("baseline_view.goal_summary", then=met_then, known=known, now=met_now, total=len(g))


# -- the change map's panel --------------------------------------------------------------------------------------------


def change_panel(comp, metric: str = CHANGE_METRIC, n: int = 3) -> list[tuple[str, str]]:
    """(kind, text) lines beside the change map (change_view.change_map_spec): the city then → now
    (figures.baseline.city_change), the townships that gained most and least (change_view.change_frame, the map's own
    values), the dates and how the baseline was obtained. Kinds: head | sub | item | note."""
    label, unit = METRICS[metric]
    base, cur, change = city_change(comp, metric)
    lines = [
        ("sub", t("baseline_view.panel_city", label=label, unit=unit)),
        ("head", t("baseline_view.panel_city_value", baseline=fmt_number(base), current=fmt_number(cur))),
        ("head", t("baseline_view.panel_city_change", change=fmt_change(change))),
    ]
    frame = change_frame(comp, "units", metric)
    known = frame.dropna(subset=["value"])
    if len(known):
        most = known.assign(value=known["value"].astype(float)).sort_values(
            ["value", "code"], ascending=[False, True], kind="stable"
        )
        for key, part in (("panel_most", most.head(n)), ("panel_least", most.iloc[::-1].head(n))):
            lines.append(("sub", t(f"baseline_view.{key}")))
            for r in part.to_dict("records"):
                lines.append(("item", t("baseline_view.panel_area", name=r["name"], change=fmt_change(r["value"]))))
    missing = frame.loc[frame["value"].isna(), "name"].tolist()
    if missing:
        lines.append(("note", t("baseline_view.panel_missing", names=t("deck_panel.names_sep").join(missing))))
    lines += [("note", n) for n in method_notes(comp, [metric_method(comp, metric)], marks=False)]
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
