"""The 自评报告 (self-assessment for the acceptance review) as text: the cells of its tables and the sentences of its
summary and of 存在问题和下一步, from a baseline comparison (figures.baseline.compare: goals, areas, series), the task
register and the list of imports. Pure: frames in, strings out; render.report_docx lays them out in Word.

Numbers are written as every view writes them (formatting.fmt_number) with the goals' rounding (docs/data-model.md:
G03 to 2 decimals, G05 to 1, the rates G07, G13, G14 to 1, G12 in 亿元 to 2). A baseline there is none of reads
无基期数据, never 0; a figure there is none of reads 无数据.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from txip_geo.present.formatting import COMPARATOR_SIGNS, fmt_number, is_missing
from txip_geo.present.map_view import MORE_IS_WORSE
from txip_geo.strings import t

# Decimals a goal's figures are written with (docs/data-model.md "Rounding"); counts are whole numbers.
GOAL_DECIMALS = {"G03": 2, "G05": 1, "G07": 1, "G12": 2, "G13": 1, "G14": 1}
# Decimals of the per-area metrics that are not counts.
METRIC_DECIMALS = {"invention_per_10k": 2, "enforcement_rate": 1, "mediation_rate": 1}

# Baseline methods (figures.baseline) that put a tag under the baseline value.
TAGGED_METHODS = ("derived", "plan_start", "baseline_year")
DONE_STATES = ("met", "done")


def text(v) -> str:
    """A text cell of a frame: '' for None, NaN or pd.NA."""
    return "" if v is None or (not isinstance(v, str) and is_missing(v)) else str(v)


def decimals_of(goal_id: str) -> int:
    return GOAL_DECIMALS.get(goal_id, 0)


def fmt_value(v, decimals: int) -> str:
    """A figure with at most `decimals` decimals (rounded first: 612.35 with 1 decimal is 612.4)."""
    return fmt_number(v if is_missing(v) else round(float(v), decimals), decimals)


def fmt_change(v, decimals: int) -> str:
    """+138 / -5 / 0 (a change rounded as its figure; '—' when either end is missing)."""
    if is_missing(v):
        return t("report_docx.no_change")
    v = round(float(v), decimals)
    text = fmt_number(abs(v), decimals)
    if v > 0:
        return t("report_docx.change_up", value=text)
    if v < 0:
        return t("report_docx.change_down", value=text)
    return text


def fmt_date(iso: str | None) -> str:
    """'2026-11-20' (or a timestamp) → '2026年11月20日'; anything else as it is."""
    if not iso:
        return ""
    try:
        d = date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return t("report_docx.date", y=d.year, m=d.month, d=d.day)


def _milestone_state(v) -> str:
    if is_missing(v):
        return ""
    return t("goal_status.done") if float(v) >= 1 else t("goal_status.not_done")


def _baseline_text(g: dict) -> str:
    if g["kind"] == "milestone":
        return _milestone_state(g["baseline"]) or t("report_docx.no_baseline")
    if is_missing(g["baseline"]):
        return t("report_docx.no_baseline")
    return fmt_value(g["baseline"], decimals_of(g["id"]))


def _current_text(g: dict) -> str:
    if g["kind"] == "milestone":
        return _milestone_state(g["current"]) or t("report_docx.no_data")
    if is_missing(g["current"]):
        return t("report_docx.no_data")
    return fmt_value(g["current"], decimals_of(g["id"]))


def target_text(g: dict) -> str:
    """'≥ 3,500' / '＞ 90'; a milestone: '完成'."""
    if g["kind"] == "milestone":
        return t("goals.target_done")
    sign = COMPARATOR_SIGNS.get(g["comparator"], g["comparator"])
    return f"{sign} {fmt_value(g['target'], decimals_of(g['id']))}"


def status_lines(g: dict) -> list[str]:
    """[已达成] / [未达成, 进度 87.6%] / [无数据] / [已完成] / [未完成]."""
    lines = [g["status_label"]]
    if g["status"] == "not_met" and not is_missing(g.get("progress")):
        lines.append(t("report_docx.status_progress", pct=fmt_value(float(g["progress"]) * 100, 1)))
    return lines


def source_text(source) -> str:
    """The goal's source as a word: 按记录计算 / 手工填报 / 无数据; any other text as it is."""
    keys = {"computed": "goals.computed", "manual": "goals.manual", "none": "goals.none"}
    if is_missing(source) or source == "":
        return t("goals.none")
    return t(keys[source]) if source in keys else str(source)


def method_tag(method) -> str:
    """The tag under a baseline: 推算 / 方案起算 ('' for a snapshot or no baseline)."""
    return t(f"report_docx.method_{method}") if method in TAGGED_METHODS else ""


@dataclass(frozen=True)
class GoalRow:
    """One row of the goal table, as text; `status` keeps the machine status for the cell's colour."""

    id: str
    kind: str  # goal | milestone
    name: str  # 'G01 有效发明专利量（件）'
    target: str
    baseline: str
    baseline_tag: str  # 推算 / 方案起算 / ''
    current: str
    change: str
    status_lines: list[str]
    rule: str
    source: str
    status: str
    basis: str  # where the current figure comes from (a milestone: the evidence entered)


def goal_name(g: dict) -> str:
    unit = g.get("unit")
    if g["kind"] == "milestone" or is_missing(unit) or not unit:
        return t("report_docx.goal_name", id=g["id"], name=g["name"])
    return t("report_docx.goal_name_unit", id=g["id"], name=g["name"], unit=unit)


def goal_rows(goals: pd.DataFrame) -> list[GoalRow]:
    rows = []
    for g in goals.to_dict("records"):
        milestone = g["kind"] == "milestone"
        rows.append(
            GoalRow(
                id=g["id"],
                kind=g["kind"],
                name=goal_name(g),
                target=target_text(g),
                baseline=_baseline_text(g),
                baseline_tag=method_tag(g.get("baseline_method")) if not is_missing(g["baseline"]) else "",
                current=_current_text(g),
                change=t("report_docx.no_change") if milestone else fmt_change(g["change"], decimals_of(g["id"])),
                status_lines=status_lines(g),
                rule=str(g.get("rule") or ""),
                source=source_text(g.get("source")),
                status=g["status"],
                basis=str(g.get("basis") or ""),
            )
        )
    return rows


@dataclass(frozen=True)
class Summary:
    goals_total: int
    goals_met: int
    goals_not_met: int
    goals_no_data: int
    milestones_total: int
    milestones_done: int
    tasks_total: int
    tasks_by_status: dict[str, int]  # status label -> count, in the register's order


def summary(goals: pd.DataFrame, tasks: pd.DataFrame) -> Summary:
    g = goals[goals["kind"] == "goal"]
    m = goals[goals["kind"] == "milestone"]
    by_status: dict[str, int] = {}
    for label in tasks["status_label"] if len(tasks) else []:
        by_status[label] = by_status.get(label, 0) + 1
    return Summary(
        goals_total=len(g),
        goals_met=int((g["status"] == "met").sum()),
        goals_not_met=int((g["status"] == "not_met").sum()),
        goals_no_data=int((g["status"] == "no_data").sum()),
        milestones_total=len(m),
        milestones_done=int((m["status"] == "done").sum()),
        tasks_total=len(tasks),
        tasks_by_status=by_status,
    )


def summary_sentences(s: Summary) -> list[str]:
    out = [
        t(
            "report_docx.summary_goals",
            total=s.goals_total,
            met=s.goals_met,
            not_met=s.goals_not_met,
            no_data=s.goals_no_data,
        ),
        t("report_docx.summary_milestones", total=s.milestones_total, done=s.milestones_done),
    ]
    if s.tasks_total:
        parts = t("report_docx.list_sep").join(
            t("report_docx.summary_task_part", status=k, n=v) for k, v in s.tasks_by_status.items()
        )
        out.append(t("report_docx.summary_tasks", total=s.tasks_total, parts=parts))
    else:
        out.append(t("report_docx.summary_no_tasks"))
    return out


# -- yearly series ----------------------------------------------------------------------------------------------------
def series_table(series: pd.DataFrame, goals: pd.DataFrame) -> tuple[list[int], list[tuple[str, list[str]]], bool]:
    """(years, [(goal name, cell per year)], any derived value): one row per goal with a series; a derived value
    is marked '*', a year without a value reads '—'."""
    if series is None or series.empty:
        return [], [], False
    years = sorted({int(y) for y in series["year"]})
    names = {g["id"]: goal_name(g) for g in goals.to_dict("records")}
    rows, derived = [], False
    for gid in [g for g in goals["id"] if g in set(series["goal_id"])]:
        s = series[series["goal_id"] == gid]
        cells = []
        for y in years:
            hit = s[s["year"].astype(int) == y]
            if hit.empty or is_missing(hit["value"].iloc[0]):
                cells.append(t("report_docx.no_change"))
                continue
            text = fmt_value(hit["value"].iloc[0], decimals_of(gid))
            if hit["method"].iloc[0] == "derived":
                text, derived = t("report_docx.derived_mark", value=text), True
            cells.append(text)
        rows.append((names.get(gid, gid), cells))
    return years, rows, derived


# -- townships and parks ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AreaTable:
    metric: str
    label: str
    unit: str
    rows: list[tuple[str, str, str, str, str]]  # name, baseline, current, change, rank then → now


def _rank(v) -> str:
    return t("report_docx.no_change") if is_missing(v) else f"{int(v)}"


# The per-area metrics the report tables: the goals' per-area figures (goals.PER_AREA), the workstations of the
# three-tier network and the zero-patent enterprises of 消零 -- not every metric the map offers (a reviewer reads
# these; the workbook and the GIS layers carry the rest).
REPORT_METRICS = (
    "invention_patents_valid",
    "invention_patents_long",
    "invention_per_10k",
    "trademarks",
    "workstations",
    "zero_patent_above_scale",
    "zero_patent_high_tech",
    "high_tech_gb_filed",
    "pledge_amount_wan",
    "enforcement_rate",
    "mediation_rate",
    "training_attendees",
    "service_orgs",
)


def area_tables(areas: pd.DataFrame, layer: str, metrics=REPORT_METRICS) -> list[AreaTable]:
    """One table per metric of `metrics` (in that order) of a layer ('units' | 'parks'), areas in the order given."""
    if areas is None or areas.empty:
        return []
    a = areas[(areas["layer"] == layer) & areas["metric"].isin(metrics)]
    a = a.assign(_order=a["metric"].map({m: i for i, m in enumerate(metrics)})).sort_values("_order", kind="stable")
    out = []
    for metric in dict.fromkeys(a["metric"]):
        m = a[a["metric"] == metric]
        d = METRIC_DECIMALS.get(metric, 2)
        rows = []
        for r in m.to_dict("records"):
            base = t("report_docx.no_baseline") if is_missing(r["baseline"]) else fmt_value(r["baseline"], d)
            if not is_missing(r["baseline"]) and r.get("baseline_method") == "derived":
                base = t("report_docx.derived_mark", value=base)
            rank = (
                t("report_docx.no_change")
                if is_missing(r["rank_then"]) and is_missing(r["rank_now"])
                else t("report_docx.rank_move", then=_rank(r["rank_then"]), now=_rank(r["rank_now"]))
            )
            cur = t("report_docx.no_data") if is_missing(r["current"]) else fmt_value(r["current"], d)
            rows.append((r["name"], base, cur, fmt_change(r["change"], d), rank))
        first = m.iloc[0]
        out.append(AreaTable(metric, text(first["label"]), text(first["unit"]), rows))
    return out


def worsened(areas: pd.DataFrame, layer: str) -> list[tuple[str, list[str]]]:
    """(metric label, area names) where a metric moved the wrong way since the baseline (fell, or rose for the
    less-is-better ones)."""
    if areas is None or areas.empty:
        return []
    a = areas[(areas["layer"] == layer) & areas["change"].notna() & areas["metric"].isin(REPORT_METRICS)]
    out = []
    for metric in dict.fromkeys(a["metric"]):
        m = a[a["metric"] == metric]
        bad = m[m["change"] > 0] if metric in MORE_IS_WORSE else m[m["change"] < 0]
        if len(bad):
            out.append((str(m["label"].iloc[0]), list(bad["name"])))
    return out


# -- tasks ------------------------------------------------------------------------------------------------------------
def evidence_list(v) -> list[str]:
    if v is None or (not isinstance(v, (list, tuple)) and is_missing(v)):
        return []
    if isinstance(v, str):
        return [v] if v else []
    return [str(x) for x in v if str(x)]


def task_title(r: dict) -> str:
    return t("report_docx.task_title", id=r["task_id"], name=r["name"])


# -- data provenance --------------------------------------------------------------------------------------------------
def provenance_rows(provenance: pd.DataFrame) -> list[tuple[str, str, str, str, str]]:
    """(kind, file, as of, rows, 样例数据 | 导入文件) per import, oldest first."""
    if provenance is None or provenance.empty:
        return []
    p = provenance.sort_values(["as_of", "kind_label"], kind="stable")
    return [
        (
            str(r["kind_label"]),
            str(r["file_name"]),
            str(r["as_of"]),
            fmt_value(r["rows"], 0),
            t("report_docx.prov_sample" if bool(r["is_sample"]) else "report_docx.prov_real"),
        )
        for r in p.to_dict("records")
    ]


def baseline_notes(goals: pd.DataFrame, baseline: str, plan_start: str) -> list[str]:
    """How each goal's baseline was obtained: one sentence per method with the goals it applies to (a derived
    baseline one sentence per goal, with its rule), and the goals without a baseline (无基期数据)."""
    out = []
    sep = t("report_docx.list_sep")
    have = goals[goals["baseline"].notna()]
    for method in ("snapshot", "derived", "plan_start", "baseline_year"):
        rows = have[have["baseline_method"] == method]
        if rows.empty:
            continue
        if method == "derived":
            out += [
                t("report_docx.note_derived", id=r["id"], name=r["name"], note=r["baseline_note"] or "")
                for r in rows.to_dict("records")
            ]
        else:
            ids = sep.join(f"{r['id']} {r['name']}" for r in rows.to_dict("records"))
            out.append(t(f"report_docx.note_{method}", ids=ids, date=baseline, start=plan_start, year=baseline[:4]))
    missing = goals[goals["baseline"].isna()]
    if len(missing):
        ids = sep.join(f"{r['id']} {r['name']}" for r in missing.to_dict("records"))
        out.append(t("report_docx.note_none", ids=ids, date=baseline))
    return out


# -- 存在问题和下一步 ------------------------------------------------------------------------------------------------------
def _goal_issue(g: dict) -> str | None:
    d = decimals_of(g["id"])
    unit = text(g.get("unit"))
    if g["status"] == "not_met":
        gap = float(g["target"]) - float(g["current"])
        return t(
            "report_docx.issue_not_met",
            id=g["id"],
            name=g["name"],
            current=fmt_value(g["current"], d),
            unit=unit,
            target=target_text(g),
            gap=t("report_docx.gap_points", gap=fmt_value(max(gap, 0), d))
            if unit == "%"
            else t("report_docx.gap_unit", gap=fmt_value(max(gap, 0), d), unit=unit),
        )
    if g["status"] == "no_data":
        key = "report_docx.issue_milestone_no_data" if g["kind"] == "milestone" else "report_docx.issue_no_data"
        return t(key, id=g["id"], name=g["name"], basis=g.get("basis") or "")
    if g["status"] == "not_done":
        return t("report_docx.issue_not_done", id=g["id"], name=g["name"])
    return None


def problems(
    goals: pd.DataFrame, tasks: pd.DataFrame, areas: pd.DataFrame, boundary_notice: str | None, is_sample: bool
) -> list[str]:
    """The problems the figures show, one factual sentence each: goals not met or without data, milestones not done,
    baselines missing, tasks not completed or without evidence, townships that moved the wrong way, the data's own
    limits (sample, schematic boundaries)."""
    out = [s for s in (_goal_issue(g) for g in goals.to_dict("records")) if s]
    no_base = goals[(goals["kind"] == "goal") & goals["baseline"].isna()]
    if len(no_base):
        out.append(t("report_docx.issue_no_baseline", ids=t("report_docx.list_sep").join(no_base["id"])))
    if len(tasks):
        open_tasks = tasks[tasks["status"] != "done"]
        if len(open_tasks):
            names = t("report_docx.list_sep").join(
                t("report_docx.task_state", id=r["task_id"], status=r["status_label"])
                for r in open_tasks.to_dict("records")
            )
            out.append(t("report_docx.issue_tasks_open", n=len(open_tasks), names=names))
        bare = [str(r["task_id"]) for r in tasks.to_dict("records") if not evidence_list(r["evidence"])]
        if bare:
            out.append(t("report_docx.issue_tasks_no_evidence", ids=t("report_docx.list_sep").join(bare)))
    else:
        out.append(t("report_docx.issue_no_task_register"))
    for label, names in worsened(areas, "units"):
        out.append(t("report_docx.issue_worse_units", label=label, names=t("report_docx.list_sep").join(names)))
    for label, names in worsened(areas, "parks"):
        out.append(t("report_docx.issue_worse_parks", label=label, names=t("report_docx.list_sep").join(names)))
    if boundary_notice:
        out.append(t("report_docx.issue_boundaries", notice=boundary_notice))
    if is_sample:
        out.append(t("report_docx.issue_sample"))
    return out


def _goal_todo(g: dict) -> str | None:
    """What a lead unit has to do about a goal: next_goals (not met), next_data (no data), next_milestones."""
    if g["status"] in DONE_STATES:
        return None
    if g["kind"] == "milestone":
        return "next_milestones"
    return "next_data" if g["status"] == "no_data" else "next_goals"


def next_steps(goals: pd.DataFrame, tasks: pd.DataFrame) -> list[str]:
    """Per lead unit: the goals it leads that are not met (or have no data), its milestones not done, its open
    tasks."""
    todo: dict[str, dict[str, list[str]]] = {}
    for g in goals.to_dict("records"):
        what = _goal_todo(g)
        if what and text(g.get("lead")):
            todo.setdefault(text(g["lead"]), {}).setdefault(what, []).append(g["id"])
    for r in tasks.to_dict("records") if len(tasks) else []:
        if r["status"] != "done" and text(r.get("lead")):
            todo.setdefault(text(r["lead"]), {}).setdefault("next_tasks", []).append(str(r["task_id"]))
    sep = t("report_docx.list_sep")
    out = []
    for lead, kinds in todo.items():
        parts = [
            t(f"report_docx.{k}", ids=sep.join(kinds[k]))
            for k in ("next_goals", "next_data", "next_milestones", "next_tasks")
            if k in kinds
        ]
        out.append(t("report_docx.next_lead", lead=lead, what=t("report_docx.next_sep").join(parts)))
    return out
