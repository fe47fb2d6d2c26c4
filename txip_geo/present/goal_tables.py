"""Pure helpers for the 目标 and 数据 pages: goal tables for display, the summary line, the plan's timeline,
the townships contributing most and least to a goal, and what the store holds (imports, assignment methods).

Nothing here imports Streamlit; the pages only lay out what these functions return.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from txip_geo.figures.compute import METRICS, FigureSet
from txip_geo.figures.goals import PER_AREA, contributions
from txip_geo.plan import phases
from txip_geo.present.formatting import COMPARATOR_SIGNS, fmt_number, is_missing
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
ADDITIVE = {m for m in PER_AREA.values()} - {"invention_per_10k", "enforcement_rate", "mediation_rate"}


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
def goal_display(ev: pd.DataFrame) -> pd.DataFrame:
    """One display row per goal/milestone (Chinese column names), in the order of `ev`; keeps `group` for grouping
    and the machine `status` for styling (status_styled).

    Columns: group, status, 编号, 指标, 目标, 当前, 差距, 单位, 状态, 进度 (0–1, empty when unknown), 计算规则 (goals.goal_rule),
    数据来源, 牵头单位, 配合单位, 计算依据.
    """
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
