"""Pure helpers for the 目标 and 数据 pages: goal tables for display, the summary line, the plan's timeline,
the townships contributing most and least to a goal, and what the store holds (imports, assignment methods).

Nothing here imports Streamlit; the pages only lay out what these functions return.

Length: the 目标 page's data, now and since the baseline -- the goal table with its baseline columns, the timeline, the
contributors, the dated goals' years (table and chart) and the milestones with their evidence -- small functions of
one page, which read best together.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from txip_geo.figures.compute import METRICS, FigureSet
from txip_geo.figures.goals import PER_AREA, contributions
from txip_geo.plan import phases
from txip_geo.present import baseline_view as change
from txip_geo.present.formatting import COMPARATOR_SIGNS, fmt_change, fmt_number, is_missing
from txip_geo.strings import t

# Text and background colour per goal status (green met/done, red not met/not done, grey no data).
STATUS_COLORS: dict[str, tuple[str, str]] = {
    "met": ("#006d2c", "#e5f5e0"),
    "done": ("#006d2c", "#e5f5e0"),
    "not_met": ("#a50f15", "#fee0d2"),
    "not_done": ("#a50f15", "#fee0d2"),
    "no_data": ("#525252", "#f0f0f0"),
}

# Per-area metrics that add up to the city figure (rates and per-capita figures do not).
ADDITIVE = {m for m in PER_AREA.values()} - {
    "invention_per_10k",
    "enforcement_rate",
    "mediation_rate",
    "gb_filed_rate",
    "trademarks_per_10k_entities",
}


def fmt_target(row: dict) -> str:
    """'≥ 3,500' / '＞ 90' for a numeric goal, '完成' for a milestone."""
    if row["kind"] == "milestone":
        return t("goals.target_done")
    return f"{COMPARATOR_SIGNS.get(row['comparator'], row['comparator'])} {fmt_number(row['target'])}"


_MD_SPECIAL = set("\\`*_{}[]()<>#+-.!|~$")


def md_escape(text) -> str:
    """Text safe to put inside st.markdown (file names and record text may hold * _ $ …)."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def source_label(source: str) -> str:
    return t({"computed": "goals.computed", "manual": "goals.manual"}.get(source, "goals.none"))


def status_css(status: str) -> str:
    """CSS for a status cell, from its status (met, not_met, no_data, done, not_done); '' for anything else."""
    if status not in STATUS_COLORS:
        return ""
    fg, bg = STATUS_COLORS[status]
    return f"color: {fg}; background-color: {bg}; font-weight: 600"


def status_styled(table: pd.DataFrame, statuses) -> pd.io.formats.style.Styler:
    """`table` (a goal_display part without its machine columns) styled: each 状态 cell coloured by the status of its
    row (`statuses`, aligned with the rows), not by its text."""
    css = [status_css(s) for s in statuses]
    return table.style.apply(lambda _: css, subset=[t("goals.col_status")])


# -- goals table ------------------------------------------------------------------------------------------------------
def goal_display(ev: pd.DataFrame, comp=None) -> pd.DataFrame:
    """One display row per goal/milestone (Chinese column names), in the order of `ev`; keeps `group` for grouping
    and the machine `status` for styling (status_styled).

    Columns: group, status, 编号, 指标, 目标, 当前, 差距, 单位, 状态, 进度 (0–1, empty when unknown), 计算规则 (goals.goal_rule),
    数据来源, 牵头单位, 配合单位, 计算依据. With a comparison (figures.baseline.compare): 编号, 指标, 基期（date）, 当前,
    变化, 目标, 进度, 状态, 差距, 单位, 基期口径, then the rest -- and the machine `method` (the baseline's), for
    styling (method_styled).
    """
    out = _goal_display(ev)
    return out if comp is None else with_baseline(out, comp)


def with_baseline(disp: pd.DataFrame, comp) -> pd.DataFrame:
    """goal_display's rows with the baseline, the change and the baseline's method (baseline_view's wording: a
    missing baseline reads 无基期数据, a milestone's is its status then), the columns in the order 基期 → 当前 → 变化."""
    g = comp.goals.set_index("id")
    ids = disp[t("goals.col_id")]
    base_col = change.baseline_header(comp)
    base, method = [], []
    for gid in ids:
        r = g.loc[gid].to_dict()
        if r["kind"] == "milestone":
            base.append(change.milestone_status_then(r)[1])
        else:
            base.append(change.baseline_cell(r["baseline"], r["baseline_method"]))
        method.append(r["baseline_method"])
    out = disp.copy()
    out[base_col] = base
    out[t("baseline_view.col_change")] = [fmt_change(g.loc[i, "change"]) for i in ids]
    out[t("baseline_view.col_method")] = [g.loc[i, "baseline_method_label"] for i in ids]
    out[t("baseline_view.col_note")] = [g.loc[i, "baseline_note"] for i in ids]
    out["method"] = method
    first = [
        "group",
        "status",
        "method",
        t("goals.col_id"),
        t("goals.col_name"),
        base_col,
        t("goals.col_current"),
        t("baseline_view.col_change"),
        t("goals.col_target"),
        t("goals.col_progress"),
        t("goals.col_status"),
        t("goals.col_gap"),
        t("goals.col_unit"),
        t("baseline_view.col_method"),
    ]
    return out[first + [c for c in out.columns if c not in first]]


# The 基期口径 cell of each method: a badge's colours (text, background); a snapshot's needs none.
METHOD_COLORS: dict[str, tuple[str, str]] = {
    "derived": ("#8c2d04", "#fee6ce"),
    "plan_start": ("#08519c", "#deebf7"),
    "baseline_year": ("#54278f", "#efedf5"),
    "none": ("#525252", "#e0e0e0"),
}


def method_css(method: str) -> str:
    if method not in METHOD_COLORS:
        return ""
    fg, bg = METHOD_COLORS[method]
    return f"color: {fg}; background-color: {bg}; font-weight: 600"


def styled(table: pd.DataFrame, statuses, methods=None, base_col: str | None = None) -> pd.io.formats.style.Styler:
    """status_styled, and with `methods` (aligned with the rows) the 基期口径 cells as badges and the baseline cells
    (column `base_col`) of the goals without one greyed."""
    sty = status_styled(table, statuses)
    if methods is None:
        return sty
    css = [method_css(m) for m in methods]
    sty = sty.apply(lambda _: css, subset=[t("baseline_view.col_method")])
    if base_col is not None:
        none = ["color: #525252; background-color: #eeeeee" if m == "none" else "" for m in methods]
        sty = sty.apply(lambda _: none, subset=[base_col])
    return sty


def _goal_display(ev: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in ev.to_dict("records"):
        milestone = r["kind"] == "milestone"
        if milestone:
            current = "—" if r["status"] == "no_data" else r["status_label"]
            gap = "—"
        else:
            current = fmt_number(r["current"])
            gap = fmt_number(r["gap"])
        progress = (
            None if is_missing(r["progress"]) or (milestone and r["status"] == "no_data") else float(r["progress"])
        )
        rows.append(
            {
                "group": r["group"],
                "status": r["status"],
                t("goals.col_id"): r["id"],
                t("goals.col_name"): r["name"],
                t("goals.col_target"): fmt_target(r),
                t("goals.col_current"): current,
                t("goals.col_gap"): gap,
                t("goals.col_unit"): r["unit"] or "",
                t("goals.col_status"): r["status_label"],
                t("goals.col_progress"): progress,
                t("goals.col_rule"): r.get("rule") or "",
                t("goals.col_source"): source_label(r["source"]),
                t("goals.col_lead"): r["lead"],
                t("goals.col_coop"): r["cooperating"],
                t("goals.basis"): r["basis"],
            }
        )
    return pd.DataFrame(rows)


def groups(ev: pd.DataFrame) -> list[str]:
    """The plan's groups in their order ('1 产出质量', '2 综合能力', …)."""
    return sorted(ev["group"].unique(), key=lambda g: (g.split(" ")[0], g))


@dataclass(frozen=True)
class Summary:
    goals_met: int
    goals_total: int
    goals_no_data: int
    milestones_done: int
    milestones_total: int

    def text(self) -> str:
        return t(
            "goals.summary",
            met=self.goals_met,
            total=self.goals_total,
            no_data=self.goals_no_data,
            done=self.milestones_done,
            mtotal=self.milestones_total,
        )


def summary(ev: pd.DataFrame) -> Summary:
    g, m = ev[ev["kind"] == "goal"], ev[ev["kind"] == "milestone"]
    return Summary(
        goals_met=int((g["status"] == "met").sum()),
        goals_total=len(g),
        goals_no_data=int((g["status"] == "no_data").sum()),
        milestones_done=int((m["status"] == "done").sum()),
        milestones_total=len(m),
    )


# -- timeline ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Segment:
    phase: str
    start: str  # ISO dates, both inclusive
    end: str
    left: float  # position and width as fractions of the whole plan period
    width: float
    state: str  # past | current | future


@dataclass(frozen=True)
class Timeline:
    segments: list[Segment]
    start: str
    end: str
    today: str
    today_frac: float  # 0 … 1, clamped
    current: str  # phase name, or 方案期前 / 方案期后
    elapsed_days: int
    total_days: int


def timeline(today: date | None = None, table: pd.DataFrame | None = None) -> Timeline:
    """The plan's phases laid out on one axis (days; each phase's end day included) and today's position on it."""
    today = today or date.today()
    ph = (phases() if table is None else table).sort_values("start")
    starts = [date.fromisoformat(s) for s in ph["start"]]
    ends = [date.fromisoformat(e) + timedelta(days=1) for e in ph["end"]]  # exclusive
    t0, t1 = min(starts), max(ends)
    total = (t1 - t0).days
    segs = []
    current = t("goal_basis.phase_before") if today < t0 else (t("goal_basis.phase_after") if today >= t1 else "")
    for r, s, e in zip(ph.itertuples(), starts, ends):
        state = "past" if today >= e else ("current" if today >= s else "future")
        if state == "current":
            current = r.phase
        segs.append(Segment(r.phase, r.start, r.end, (s - t0).days / total, (e - s).days / total, state))
    elapsed = min(max((today - t0).days, 0), total)
    return Timeline(
        segs,
        t0.isoformat(),
        (t1 - timedelta(days=1)).isoformat(),
        today.isoformat(),
        elapsed / total,
        current,
        elapsed,
        total,
    )


_PHASE_COLORS = {"past": ("#c6dbef", "#08306b"), "current": ("#2171b5", "#ffffff"), "future": ("#f0f0f0", "#525252")}


def timeline_html(tl: Timeline) -> str:
    """A horizontal bar (one block per phase, widths proportional to duration) with today's position marked, and a
    legend row under it naming every phase with its dates (short phases are too narrow to hold their name)."""
    blocks, legend = [], []
    for s in tl.segments:
        bg, fg = _PHASE_COLORS[s.state]
        name = html.escape(s.phase)
        span = t("goals.timeline_phase", name=name, start=s.start, end=s.end)
        blocks.append(
            f'<div class="txip-tl-seg {s.state}" title="{span}" '
            f'style="left:{s.left * 100:.3f}%;width:{s.width * 100:.3f}%;background:{bg};color:{fg}">'
            f"{name if s.width >= 0.08 else ''}</div>"
        )
        weight = "font-weight:700;" if s.state == "current" else ""
        legend.append(f'<span class="txip-tl-leg" style="{weight}"><i style="background:{bg}"></i>{span}</span>')
    pct = tl.today_frac * 100
    align = "right" if pct > 80 else "left"
    label = html.escape(t("goals.timeline_today", date=tl.today))
    marker = (
        f'<div class="txip-tl-today" style="left:{pct:.3f}%"></div>'
        f'<div class="txip-tl-label {align}" style="left:{pct:.3f}%">▼ {label}</div>'
    )
    css = (
        "<style>"
        ".txip-tl{position:relative;height:62px;margin:4px 0 6px 0;font-size:0.85rem}"
        ".txip-tl-bar{position:absolute;top:24px;left:0;right:0;height:32px}"
        ".txip-tl-seg{position:absolute;top:0;height:32px;box-sizing:border-box;border-right:2px solid #fff;"
        "padding:6px 8px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;font-weight:600;border-radius:3px}"
        ".txip-tl-today{position:absolute;top:18px;height:44px;width:0;border-left:3px solid #d94801}"
        ".txip-tl-label{position:absolute;top:0;white-space:nowrap;color:#a63603;font-weight:600}"
        ".txip-tl-label.left{transform:translateX(-6px)}"
        ".txip-tl-label.right{transform:translateX(calc(-100% + 8px))}"
        ".txip-tl-legend{display:flex;flex-wrap:wrap;gap:4px 18px;font-size:0.8rem;color:#424242;margin-bottom:4px}"
        ".txip-tl-leg i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;"
        "vertical-align:-1px;border:1px solid #bdbdbd}"
        "</style>"
    )
    return (
        css
        + '<div class="txip-tl" data-testid="txip-timeline"><div class="txip-tl-bar">'
        + "".join(blocks)
        + "</div>"
        + marker
        + '</div><div class="txip-tl-legend">'
        + "".join(legend)
        + "</div>"
    )


def timeline_caption(tl: Timeline) -> str:
    return t(
        "goals.timeline_caption",
        start=tl.start,
        end=tl.end,
        phase=tl.current,
        pct=f"{tl.today_frac * 100:.0f}",
        days=max(tl.total_days - tl.elapsed_days, 0),
    )


# -- contributors -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Contributors:
    goal_id: str
    metric: str
    label: str  # the metric's Chinese name
    unit: str
    top: pd.DataFrame  # columns rank, code, name, value (highest first)
    bottom: pd.DataFrame  # columns rank, code, name, value (lowest first; rank counted from the top)
    no_value: list[str]  # unit names without a value (no denominator / no population), left out of the ranking
    unassigned: float | None  # for additive metrics: city total minus the sum over units (records with no township)


def contributors(fs: FigureSet, goal_id: str, n: int = 3) -> Contributors | None:
    """The n townships contributing most and least to a goal's per-area metric (None: not per-area computable)."""
    c = contributions(fs, goal_id)
    if c is None:
        return None
    metric = PER_AREA[goal_id]
    has = c[c["value"].notna()]
    ranked = has.sort_values(["value", "code"], ascending=[False, True], kind="stable").reset_index(drop=True)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))  # position among the townships with a value
    top = ranked.head(n).reset_index(drop=True)
    bottom = ranked.iloc[::-1].head(n).reset_index(drop=True)
    residual = None
    city = fs.city.get(metric)
    if metric in ADDITIVE and city is not None and len(has):
        residual = round(float(city) - float(has["value"].sum()), 4)
    label, unit = METRICS[metric]
    return Contributors(goal_id, metric, label, unit, top, bottom, list(c.loc[c["value"].isna(), "name"]), residual)


def contributor_display(df: pd.DataFrame, unit: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("goals.col_rank"): df["rank"].tolist(),
            t("goals.col_area"): df["name"].tolist(),
            t("goals.col_value"): [f"{fmt_number(v)} {unit}" for v in df["value"]],
        }
    )


# -- baseline → now: the yearly series, the milestones then and now, their evidence ------------------------------------
def year_label(year: int, day: str) -> str:
    """A series column: 2024年末, or for a year not yet over 2026年（至10-31）."""
    if day.endswith("-12-31"):
        return t("goals_baseline.year_end", year=year)
    return t("goals_baseline.year_to", year=year, day=day[5:])


def series_kind(goal_id: str) -> str:
    """stock (a year-end count) | cumulative (added each year, counted from the plan's start) | rate (of the cases
    accepted in the year)."""
    from txip_geo.figures.baseline import CUMULATIVE_GOALS, RATE_GOALS

    return "cumulative" if goal_id in CUMULATIVE_GOALS else "rate" if goal_id in RATE_GOALS else "stock"


def series_value(row: dict) -> float | None:
    """The one value a year shows: a stock's year-end value, a cumulative goal's or a rate's own year."""
    v = row["value"] if series_kind(row["goal_id"]) == "stock" else row["annual"]
    return None if is_missing(v) else float(v)


def series_cell(row: dict) -> str:
    """A year's value as text, marked ① where it was derived from a later snapshot (baseline_view's marks)."""
    v = series_value(row)
    if v is None:
        return t("goals_baseline.no_value")
    return fmt_number(v) + (change.METHOD_MARKS["derived"] if row["method"] == "derived" else "")


def series_overview(comp, ev: pd.DataFrame) -> pd.DataFrame:
    """One row per dated goal, one column per year (series_cell), then 目标 and what a year's value is (口径)."""
    if comp.series is None or comp.series.empty:
        return pd.DataFrame()
    names = ev.set_index("id")
    rows = []
    for gid, grp in comp.series.groupby("goal_id", sort=False):
        r = names.loc[gid]
        row = {t("goals_baseline.col_goal"): f"{gid} {r['name']}", t("goals.col_unit"): r["unit"] or ""}
        for rec in grp.to_dict("records"):
            row[year_label(rec["year"], rec["date"])] = series_cell(rec)
        row[t("goals.col_target")] = fmt_target(r.to_dict() | {"kind": r["kind"]})
        row[t("goals_baseline.col_kind")] = t(f"goals_baseline.kind_{series_kind(gid)}")
        rows.append(row)
    return pd.DataFrame(rows)


def series_of(comp, goal_id: str) -> pd.DataFrame:
    """A dated goal's series: year, label (the column of series_overview), value (the year's: series_value),
    total (the year-end figure: a cumulative goal's running total, a rate over the plan period so far), method;
    empty when the goal has none."""
    if comp.series is None or comp.series.empty:
        return pd.DataFrame(columns=["year", "label", "value", "total", "method"])
    s = comp.series[comp.series["goal_id"] == goal_id]
    return pd.DataFrame(
        {
            "year": s["year"].astype(int),
            "label": [year_label(y, d) for y, d in zip(s["year"], s["date"])],
            "value": [series_value(r) for r in s.to_dict("records")],
            "total": [None if is_missing(v) else float(v) for v in s["value"]],
            "method": s["method"].map(lambda m: t(f"goals_baseline.year_method_{m}")),
        }
    ).reset_index(drop=True)


def series_chart(comp, goal_id: str, target: float | None, unit: str):
    """An Altair chart of a dated goal's years (None when it has no series): a stock's year-end values as a line;
    a cumulative goal's yearly additions, or a rate's yearly rate, as bars under a line of the plan-period figure
    the target is judged by (the running total, the rate of the cases since the plan's start); the target as a
    dashed rule. series_caption says what is drawn."""
    import altair as alt

    s = series_of(comp, goal_id)
    if s.empty or s["value"].isna().all():
        return None
    kind = series_kind(goal_id)
    x = alt.X("label:N", sort=list(s["label"]), title=None, axis=alt.Axis(labelAngle=0))
    y_title = t("goals_baseline.axis", kind=t(f"goals_baseline.kind_{kind}"), unit=unit)
    value = alt.Y("value:Q", title=y_title)
    base = alt.Chart(s)
    tip = [alt.Tooltip("label:N", title=t("goals_baseline.col_year")), alt.Tooltip("value:Q", title=y_title)]
    if kind == "stock":
        layers = [base.mark_line(point=True, color="#2171b5").encode(x=x, y=value, tooltip=tip)]
    else:
        layers = [base.mark_bar(color="#6baed6", size=38).encode(x=x, y=value, tooltip=tip)]
        # The plan-period figure the target is judged by: a running total, a rate over the cases since the start.
        layers.append(base.mark_line(point=True, color="#08306b").encode(x=x, y="total:Q"))
    if target is not None and not is_missing(target):
        rule = pd.DataFrame(
            {"target": [float(target)], "label": [t("goals_baseline.target_line", v=fmt_number(target))]}
        )
        r = alt.Chart(rule)
        layers.append(r.mark_rule(color="#d94801", strokeDash=[6, 4], size=2).encode(y="target:Q"))
        layers.append(
            r.mark_text(color="#a63603", align="left", dx=4, dy=-7, fontSize=12).encode(
                y="target:Q", x=alt.value(0), text="label:N"
            )
        )
    return alt.layer(*layers).properties(height=260)


def series_caption(goal_id: str) -> str:
    return t(f"goals_baseline.chart_{series_kind(goal_id)}")


EVIDENCE_COLUMNS = ("goal_id", "file_name", "uploaded_at")


def milestone_evidence(goal_id: str, evidence: pd.DataFrame | None = None) -> pd.DataFrame:
    """The evidence files (佐证材料) of a milestone: 文件名, 上传时间, newest first. `evidence`: the task register's
    evidence list (columns EVIDENCE_COLUMNS; the lead wires it), None while there is none to list."""
    cols = [t("goals_baseline.col_file"), t("goals_baseline.col_uploaded")]
    if evidence is None or evidence.empty:
        return pd.DataFrame(columns=cols)
    e = evidence[evidence["goal_id"] == goal_id].sort_values("uploaded_at", ascending=False, kind="stable")
    return pd.DataFrame({cols[0]: e["file_name"].astype(str).tolist(), cols[1]: e["uploaded_at"].astype(str).tolist()})


def milestone_display(comp, evidence: pd.DataFrame | None = None) -> pd.DataFrame:
    """M01–M04 then and now: 编号, 里程碑, 基期（date）, 当前 (status labels), 佐证材料 (the files' names, or 暂无) --
    plus the machine columns status_then and status."""
    ms = comp.goals[comp.goals["kind"] == "milestone"]
    rows = []
    for r in ms.to_dict("records"):
        key_then, label_then = change.milestone_status_then(r)
        files = milestone_evidence(r["id"], evidence).iloc[:, 0].tolist()
        rows.append(
            {
                t("goals.col_id"): r["id"],
                t("baseline_view.col_milestone"): r["name"],
                change.baseline_header(comp): label_then,
                change.current_header(comp): r["status_label"],
                t("goals_baseline.col_evidence"): t("report.names_sep").join(files)
                if files
                else t("goals_baseline.no_evidence"),
                "status_then": key_then,
                "status": r["status"],
            }
        )
    return pd.DataFrame(rows)
