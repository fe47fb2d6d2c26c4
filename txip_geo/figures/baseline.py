"""Baseline → now: every figure as of the plan's baseline (基期, end of 2023) and as of the view's date, and the change.

A figure as of a date D is computed by `figures.compute.compute` from, for each record kind, the snapshot that
describes D (`plan_kinds`):

- **snapshot**: the latest snapshot on or before D, when it is no more than a quarter older (asof.FRESH_DAYS; an
  older one would give a stale figure for D -- last year's end standing for this year's -- and is used only when no
  later snapshot can be wound back, its note naming its date);
- **derived** (推算): else, the first snapshot after D with its dated records wound back to D (`derive`): patents
  filed by D with their status then, trademarks registered by D, workstations set up by D, cases accepted by D
  (open unless closed by D), pledges and trainings held by D. What a later export cannot know is said in the note
  (patents and trademarks invalid today whose state on D is unknown are not counted: the figure is a lower bound);
- **none** (无基期数据): a kind without dates (enterprises' flags, service organisations, the network table) and no
  snapshot: no figure, never a silent zero.

Goals that accumulate from the plan's start (G12 质押融资, G16 培训) are 0 at the baseline by definition
(method **plan_start**; the note gives the baseline year's own amount); the two rates (G13, G14) are the baseline
year's rate (method **baseline_year**: cases accepted in that year).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from txip_geo.figures.asof import KindPlan, figures_at
from txip_geo.figures.compute import KIND_METRICS, METRICS, FigureSet, Settings, compute
from txip_geo.figures.goals import city_value, evaluate, goal_status, milestone_status
from txip_geo.figures.ranks import ranks
from txip_geo.strings import t

BASELINE = "2023-12-31"  # the eve of the plan (2024-01-01 .. 2026-12-31); a setting of the views

# The kinds each goal is computed from (its baseline method is the weakest of theirs).
GOAL_KINDS: dict[str, tuple[str, ...]] = {
    "G01": ("patents",),
    "G02": ("patents",),
    "G03": ("patents",),
    "G04": ("trademarks",),
    "G05": ("trademarks",),
    "G06": ("network",),
    "G07": ("enterprises",),
    "G08": ("enterprises",),
    "G09": ("enterprises",),
    "G10": ("enterprises",),
    "G11": ("enterprises",),
    "G12": ("pledges",),
    "G13": ("cases",),
    "G14": ("cases",),
    "G15": ("service_orgs",),
    "G16": ("trainings",),
}
CUMULATIVE_GOALS = ("G12", "G16")  # counted from the plan's start: 0 at the baseline
RATE_GOALS = ("G13", "G14")  # rates of the cases accepted since the plan's start: the baseline year's rate
# Per-area metrics of the same two sorts.
CUMULATIVE_METRICS = (
    "pledge_amount_wan",
    "training_attendees",
    "enforcement_cases",
    "enforcement_closed",
    "disputes",
    "disputes_mediated",
)
RATE_METRICS = ("enforcement_rate", "mediation_rate")
# Goals with a yearly series (one value per year end) where records are dated.
SERIES_GOALS = ("G01", "G02", "G04", "G12", "G13", "G14", "G16")
METHOD_ORDER = ("snapshot", "baseline_year", "plan_start", "derived", "none")  # best first


# -- the comparison ---------------------------------------------------------------------------------------------


@dataclass
class Comparison:
    baseline: str  # 基期: the date of the baseline figures
    current: str  # 对比期: the view's date (latest snapshot unless the settings give one)
    then: FigureSet  # as of the baseline (cumulative metrics from the plan's start: 0)
    then_year: FigureSet  # as of the baseline, counting from 1 January of its year (the baseline year's flows, rates)
    now: FigureSet
    plan: dict[str, KindPlan]  # how each kind was read at the baseline
    unknown: dict[str, int]  # per derived kind: rows whose state at the baseline cannot be known (not counted)
    goals: pd.DataFrame
    areas: pd.DataFrame
    series: pd.DataFrame | None = None
    # The later snapshots' records the baseline was wound back from (figures.asof.StoreAt's `sources`): the yearly
    # series winds the same ones back to each year end (comparison_series). The baseline's figures hold them already.
    sources: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def network(self) -> pd.DataFrame:
        """The three-tier network then and now (network_comparison)."""
        return network_comparison(self.then, self.now, self.plan)

    @property
    def is_sample(self) -> bool:
        return self.now.is_sample or self.then.is_sample


def _method_of(kinds: tuple[str, ...], plan: dict[str, KindPlan]) -> str:
    methods = [plan[k].method if k in plan else "none" for k in kinds]
    return max(methods, key=METHOD_ORDER.index) if methods else "none"


def method_label(method: str) -> str:
    return t(f"baseline.method_{method}")


def _note(kinds, plan, unknown, baseline: str, extra: str = "") -> str:
    """How a baseline figure was obtained (Chinese): the snapshot's date, the derivation and what it leaves out."""
    parts = []
    for k in kinds:
        p = plan.get(k)
        what = t(f"goal_basis.what_{k}")
        if p is None or p.method == "none":
            parts.append(t("baseline.note_none", what=what, date=baseline))
        elif p.method == "snapshot":
            parts.append(t("baseline.note_snapshot", what=what, date=p.source))
        else:
            parts.append(t(f"baseline.note_derived_{k}", what=what, source=p.source, date=baseline))
            if unknown.get(k):
                parts.append(t(f"baseline.note_unknown_{k}", n=unknown[k], date=baseline))
    if extra:
        parts.insert(0, extra)
    return t("goal_basis.rule_sep").join(parts)


def _num(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)


def _change(base, cur):
    return None if base is None or cur is None else round(cur - base, 2)


def goal_comparison(then: FigureSet, then_year: FigureSet, now: FigureSet, plan, unknown, baseline: str):
    """One row per goal and milestone: the columns of goals.evaluate (as of now) and baseline, change,
    baseline_method (snapshot | derived | plan_start | baseline_year | none), baseline_method_label, baseline_note,
    status_then (the status at the baseline, by the comparator of `status`: met | not_met | no_data; a milestone
    done | not_done | no_data)."""
    ev_now, ev_then, ev_year = (evaluate(fs).set_index("id") for fs in (now, then, then_year))
    rows = []
    start = now.settings.plan_start
    for gid, r in ev_now.iterrows():
        kinds = GOAL_KINDS.get(gid, ("manual",))
        method = _method_of(kinds, plan)
        base = _num(ev_then.loc[gid, "current"])
        extra = ""
        if gid in CUMULATIVE_GOALS and method != "none":
            year_value = _num(ev_year.loc[gid, "current"])
            extra = t(
                "baseline.note_plan_start",
                start=start,
                year=baseline[:4],
                value="—" if year_value is None else f"{year_value:g}",
            )
            method, base = "plan_start", 0.0
        elif gid in RATE_GOALS and method != "none":
            base = _num(ev_year.loc[gid, "current"])
            extra = t("baseline.note_baseline_year", year=baseline[:4])
            method = "baseline_year"
        if method == "none":
            base = None
        if r["kind"] == "milestone":
            base = _num(ev_then.loc[gid, "current"]) if ev_then.loc[gid, "source"] == "manual" else None
            method = "snapshot" if base is not None else "none"
        cur = _num(r["current"])
        milestone = r["kind"] == "milestone"
        rows.append(
            {
                "id": gid,
                **r.to_dict(),
                "baseline": base,
                "change": _change(base, cur),
                "status_then": milestone_status(base) if milestone else goal_status(base, r["target"], r["comparator"]),
                "baseline_method": method,
                "baseline_note": _note(kinds, plan, unknown, baseline, extra)
                if r["kind"] != "milestone"
                else (t("baseline.note_milestone_done") if base else t("baseline.note_milestone_none", date=baseline)),
            }
        )
    out = pd.DataFrame(rows)
    out["baseline_method_label"] = out["baseline_method"].map(method_label)
    return out


# The record kind each per-area metric is counted from (its baseline method is that kind's).
METRIC_KINDS: dict[str, str] = {m: k for k, ms in KIND_METRICS.items() for m in ms} | {
    "invention_per_10k": "patents",
    "enforcement_rate": "cases",
    "mediation_rate": "cases",
}
# The per-area metrics compared (METRICS order); counts of the network are compared as offices, staff, funds.
AREA_METRICS = [m for m in METRICS if m in METRIC_KINDS]
NETWORK_COLUMNS = ("has_office", "staff", "fund_wan")


def _metric_method(metric: str, plan: dict[str, KindPlan]) -> str:
    method = _method_of((METRIC_KINDS[metric],), plan)
    if method == "none":
        return method
    if metric in CUMULATIVE_METRICS:
        return "plan_start"
    return "baseline_year" if metric in RATE_METRICS else method


def area_comparison(then: FigureSet, then_year: FigureSet, now: FigureSet, plan) -> pd.DataFrame:
    """LONG: one row per (layer, code, metric): layer ('units' | 'parks'), code, name, metric, label, unit,
    baseline, current, change, rank_then, rank_now, baseline_method. Cumulative metrics are 0 at the baseline,
    rates are the baseline year's; a kind with no baseline gives no baseline (None), never 0."""
    frames = []
    for layer in ("units", "parks"):
        cur_t = getattr(now, layer).set_index("code")
        base_t = getattr(then, layer).set_index("code")
        year_t = getattr(then_year, layer).set_index("code")
        for metric in AREA_METRICS:
            method = _metric_method(metric, plan)
            if method == "none":
                base = pd.Series(np.nan, index=cur_t.index)
            elif method == "baseline_year":
                base = year_t[metric].reindex(cur_t.index).astype(float)
            elif method == "plan_start":
                base = pd.Series(0.0, index=cur_t.index)
            else:
                base = base_t[metric].reindex(cur_t.index).astype(float)
            cur = cur_t[metric].astype(float)
            label, unit = METRICS[metric]
            frames.append(
                pd.DataFrame(
                    {
                        "layer": layer,
                        "code": cur_t.index,
                        "name": cur_t["name"].values,
                        "metric": metric,
                        "label": label,
                        "unit": unit,
                        "baseline": base.values,
                        "current": cur.values,
                        "change": (cur - base).round(2).values,
                        "rank_then": ranks(base, metric).values,
                        "rank_now": ranks(cur, metric).values,
                        "baseline_method": method,
                    }
                )
            )
    out = pd.concat(frames, ignore_index=True)
    for col in ("baseline", "current", "change", "rank_then", "rank_now"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def city_change(comp: Comparison, metric: str) -> tuple[float | None, float | None, float | None]:
    """The city's (baseline, current, change) of a per-area metric (AREA_METRICS), by the rule of its areas'
    (area_comparison): no baseline → None, counted from the plan's start → 0, a rate → the baseline year's, else the
    figure as of the baseline. The change is current − baseline (None when either is not known)."""
    method = _metric_method(metric, comp.plan)
    cur = city_value(comp.now, metric)
    if method == "none":
        base = None
    elif method == "plan_start":
        base = 0.0
    else:
        base = city_value(comp.then_year if method == "baseline_year" else comp.then, metric)
    return base, cur, _change(base, cur)


def network_comparison(then: FigureSet, now: FigureSet, plan) -> pd.DataFrame:
    """The three-tier network at the baseline and now, one row per township and park: layer, code, name, and for
    has_office / staff / fund_wan / workstations their value then and now (_then, _now; None = not reported or no
    baseline), gained_office, gained_workstation, more_staff, more_funds (bool: what changed)."""
    rows = []
    has_net = plan.get("network", KindPlan("none", None)).method != "none"
    has_ws = plan.get("workstations", KindPlan("none", None)).method != "none"
    for layer in ("units", "parks"):
        cur_t, base_t = getattr(now, layer).set_index("code"), getattr(then, layer).set_index("code")
        for code, r in cur_t.iterrows():
            b = base_t.loc[code] if code in base_t.index else None
            row = {"layer": layer, "code": code, "name": r["name"]}
            for col, known in (*((c, has_net) for c in NETWORK_COLUMNS), ("workstations", has_ws)):
                row[f"{col}_now"] = _value(r.get(col))
                row[f"{col}_then"] = _value(b.get(col)) if (known and b is not None) else None
            row["gained_office"] = _gained(row["has_office_then"], row["has_office_now"])
            row["gained_workstation"] = _more(row["workstations_then"], row["workstations_now"], zero_first=True)
            row["more_staff"] = _more(row["staff_then"], row["staff_now"])
            row["more_funds"] = _more(row["fund_wan_then"], row["fund_wan_now"])
            rows.append(row)
    return pd.DataFrame(rows, dtype=object)


def _value(v):
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    return float(v) if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) else v


def _gained(then, now) -> bool | None:
    """An office now and none then; None when either is not known (not reported, no baseline)."""
    if then is None or now is None:
        return None
    return bool(now == 1) and not bool(then == 1)


def _more(then, now, zero_first: bool = False) -> bool | None:
    if then is None or now is None:
        return None
    return (then == 0 and now > 0) if zero_first else now > then


# -- the yearly series --------------------------------------------------------------------------------------------


def year_ends(baseline: str, current: str) -> list[str]:
    """The dates of a yearly series: 31 December of the baseline's year and each year after, the last one the
    current date when the current year has not ended."""
    first, last = int(baseline[:4]), int(current[:4])
    days = [f"{y}-12-31" for y in range(first, last + 1)]
    return [min(d, current) for d in days]


def goal_series(
    store,
    settings: Settings,
    baseline: str,
    current: str,
    goals=SERIES_GOALS,
    sources: dict | None = None,
    known: dict | None = None,
) -> pd.DataFrame:
    """One value per year end for the goals whose records are dated: goal_id, year, date, value (the goal's
    figure as of that date), annual (that calendar year's own amount: cumulative goals' additions, rates of the
    cases accepted that year), method (how the kinds were read at that date). `known` maps a date to its
    (figures, year's figures, plan of the view) already computed with the same settings (compare's baseline).
    The other year ends are counted for the city alone, from the goals' own kinds (compute's `city_only`, `kinds`):
    the series goals are the city's figures of those kinds."""
    rows, sources, known = [], ({} if sources is None else sources), (known or {})
    kinds = {k for gid in goals for k in GOAL_KINDS[gid]} | {"manual"}  # what the goals' figures read
    for day in year_ends(baseline, current):
        if day in known:
            fs, year_fs, plan = known[day]
        else:
            fs, view = figures_at(store, settings, day, sources=sources, kinds=kinds)
            year_fs, _ = figures_at(store, settings.with_(plan_start=f"{day[:4]}-01-01"), day, view, kinds=kinds)
            plan = view.plan
        ev, ev_year = evaluate(fs, goals).set_index("id"), evaluate(year_fs, goals).set_index("id")
        for gid in goals:
            method = _method_of(GOAL_KINDS[gid], plan)
            value = _num(ev.loc[gid, "current"]) if method != "none" else None
            flows = gid in CUMULATIVE_GOALS or gid in RATE_GOALS  # a stock's year is its value
            annual = _num(ev_year.loc[gid, "current"]) if method != "none" and flows else None
            if gid in CUMULATIVE_GOALS and day < settings.plan_start:
                value = 0.0 if method != "none" else None
            if gid in RATE_GOALS and day < settings.plan_start:
                value = None  # no case accepted in the plan period yet: the year's own rate says it
            rows.append(
                {"goal_id": gid, "year": int(day[:4]), "date": day, "value": value, "annual": annual, "method": method}
            )
    return pd.DataFrame(rows)


def compare(
    store,
    settings: Settings | None = None,
    baseline: str = BASELINE,
    *,
    series: bool = True,
    now: FigureSet | None = None,
    then: tuple | None = None,
) -> Comparison:
    """Every figure as of the baseline and as of the view's date (settings.as_of, else the latest snapshot).
    `now`: compute(store, settings) when the caller has it already (the app's cached figures); `then`: the same for
    baseline_figures(store, settings, baseline); `series`: with the goals' yearly series (comparison_series: it may
    also be added later)."""
    s = settings or Settings()
    now = now if now is not None else compute(store, s)
    current = now.as_of or s.as_of or date.today().isoformat()
    then_fs, then_year, view, sources = then if then is not None else baseline_figures(store, s, baseline)
    goals = goal_comparison(then_fs, then_year, now, view.plan, view.unknown, baseline)
    areas = area_comparison(then_fs, then_year, now, view.plan)
    comp = Comparison(baseline, current, then_fs, then_year, now, view.plan, dict(view.unknown), goals, areas)
    comp.sources = dict(sources)  # what the series adds stays this comparison's (a cached baseline is shared)
    if series:
        comp.series = comparison_series(store, comp, s)
    return comp


def baseline_figures(store, settings: Settings, baseline: str = BASELINE) -> tuple:
    """A comparison's baseline: the figures as of `baseline`, those counted from 1 January of its year, the view
    that read them (figures.asof.StoreAt: its plan) and the later snapshots' records it wound back. They read only
    what figures.asof.imports_read names: the app keeps them across imports that do not change it (ui/state.py)."""
    sources: dict = {}
    then, view = figures_at(store, settings, baseline, sources=sources)
    then_year, _ = figures_at(store, settings.with_(plan_start=f"{baseline[:4]}-01-01"), baseline, view)
    return then, then_year, view, sources


def comparison_series(store, comp: Comparison, settings: Settings) -> pd.DataFrame:
    """The goals' yearly series (goal_series) of a comparison made with these settings: its baseline figures and
    the records it read are reused; the app caches it apart from the comparison, which most pages read without it."""
    known = {comp.baseline: (comp.then, comp.then_year, comp.plan)}
    return goal_series(store, settings, comp.baseline, comp.current, sources=comp.sources, known=known)
